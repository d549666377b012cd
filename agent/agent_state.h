/* SPDX-License-Identifier: EUPL-1.2 */
/* The agent's state directory (0700): its key, its enrollment, its report sequence number
 * and its spool. Every file is written atomically, so a crash leaves the old or the new
 * version, never half of one. */
#ifndef EFTERLEV_AGENT_STATE_H
#define EFTERLEV_AGENT_STATE_H

#include "efterlev/policy.h"
#include "efterlev/report.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

struct enrollment {
    char agent_id[EF_ID_MAX + 1];
    char collector[512];
    char ca[PATH_MAX];
    char department[256];
    ef_level level; /* the highest of levels: what the host is judged at overall */
    /* Per aspect (efterlev/levels.h), as the collector last said; every one level when it
     * said none (a collector from before, or a host of no system). */
    ef_level levels[EF_ASPECTS];
    char enrolled_at[32];
    /* The collector's policy key (base64 of the raw 32 bytes), pinned at enrollment: what a
     * served policy must be signed with. "" for a collector that serves none (or an
     * enrollment from before). */
    char policy_key[64];
};

/* Create the state directory (mode 0700) if needed and check that this user can write it.
 * Returns 0, or a negative errno (-EACCES: not this user's to write) with err set. */
int state_prepare(const char *dir, char *err, size_t errlen);
/* Build dir/name into out. */
int state_path(char *out, size_t outlen, const char *dir, const char *name);

EVP_PKEY *state_key(const char *dir, char *err, size_t errlen);

/* 1 loaded, 0 not enrolled, -1 error. */
int state_load_enrollment(const char *dir, struct enrollment *e, char *err, size_t errlen);
int state_save_enrollment(const char *dir, const struct enrollment *e, char *err, size_t errlen);
/* Take the levels the collector said (the highest of them is e->level) into e and, when they
 * changed, say so and save e in dir. 1 changed, 0 not. */
int state_follow_levels(const char *dir, struct enrollment *e, const ef_level levels[EF_ASPECTS]);

/* Reserve the next report sequence number: it is on disk before it is used, so seq never
 * repeats across crashes and reboots. */
int state_next_seq(const char *dir, uint64_t *seq, char *err, size_t errlen);
int state_last_seq(const char *dir, uint64_t *seq);
/* Move the seq counter up to at least floor (the collector's last stored seq, after a
 * restored state folder), so the next state_next_seq is above it; never moves it down.
 * *before: the counter as it was. 0, or -1 with err. */
int state_seq_at_least(const char *dir, uint64_t floor, uint64_t *before, char *err, size_t errlen);

/* The last good served policy (policy.json in the state directory): the document's bytes
 * and the collector's signature header, as they came. state_load_policy: 1 loaded (caller
 * frees *doc and *sig), 0 none, -1 unreadable or damaged (err). */
int state_save_policy(const char *dir, const char *doc, size_t len, const char *sig, char *err,
                      size_t errlen);
int state_load_policy(const char *dir, char **doc, size_t *len, char **sig, char *err,
                      size_t errlen);
/* Remove the last good policy (enrolled with another policy key). */
void state_forget_policy(const char *dir);

/* The record of the last `run`, as a JSON object text. */
int state_save_last_run(const char *dir, const char *json, char *err, size_t errlen);
char *state_load_last_run(const char *dir);

#endif
