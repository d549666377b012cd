/* SPDX-License-Identifier: EUPL-1.2 */
/* Fixture roots for the agent's engine, probe and check tests (test_engine_fixture.c):
 * tests/fixtures copied to a temporary folder, with what git cannot hold (modes, mtimes
 * relative to FX_NOW, owners) set at run time. */
#ifndef EFTERLEV_TEST_FIXTURE_H
#define EFTERLEV_TEST_FIXTURE_H

#include <sys/types.h>
#include <time.h>

#define FX_NOW "2026-11-23T00:00:00Z"

const char *fx_setup(void); /* the temporary folder, or NULL */
void fx_teardown(void);
const char *fx_path(const char *rel);  /* folder/rel (static storage, 8 slots) */
const char *fx_root(const char *name); /* the copy of tests/fixtures/name */
int fx_write(const char *rel, const char *content, mode_t mode);
int fx_age(const char *rel, long long days); /* mtime: days before FX_NOW */
time_t fx_now(void);

#endif
