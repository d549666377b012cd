/* SPDX-License-Identifier: EUPL-1.2 */
/* The agent's durable state: seq, enrollment, spool and configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent_config.h"
#include "agent_state.h"
#include "spool.h"

#include "test_os.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return t_tmpdir(dir, sizeof(dir), "test-state");
}

static int teardown(void **state)
{
    (void)state;
    return t_rmtree(dir);
}

static void test_seq_is_durable_and_increasing(void **state)
{
    (void)state;
    char err[256];
    uint64_t s1, s2, last;
    assert_int_equal(state_prepare(dir, err, sizeof(err)), 0);
#ifndef _WIN32 /* Windows: a protected DACL, checked through the key (test_sign) */
    struct stat st;
    stat(dir, &st);
    assert_int_equal(st.st_mode & 0777, 0700);
#endif
    assert_int_equal(state_next_seq(dir, &s1, err, sizeof(err)), 0);
    assert_int_equal(state_next_seq(dir, &s2, err, sizeof(err)), 0);
    assert_int_equal(s2, s1 + 1);
    assert_int_equal(state_last_seq(dir, &last), 0);
    assert_int_equal(last, s2);
    /* A damaged seq file is an error, never a silent restart at 1. */
    char path[512];
    snprintf(path, sizeof(path), "%s/seq", dir);
    assert_int_equal(ef_write_file_atomic(path, "garbage", 7, 0600, err, sizeof(err)), 0);
    assert_int_equal(state_next_seq(dir, &s1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "damaged"));
    ef_unlink(path);
}

static void test_enrollment_round_trip(void **state)
{
    (void)state;
    char err[256];
    struct enrollment e = {0}, back;
    assert_int_equal(state_load_enrollment(dir, &back, err, sizeof(err)), 0);
    strcpy(e.agent_id, "ag-1");
    strcpy(e.collector, "https://127.0.0.1:8443");
    strcpy(e.ca, "/etc/efterlev/ca.pem");
    strcpy(e.department, "Socialförvaltningen");
    e.level = EF_LEVEL_HIGH;
    strcpy(e.enrolled_at, "2026-11-23T04:44:37Z");
    assert_int_equal(state_save_enrollment(dir, &e, err, sizeof(err)), 0);
    assert_int_equal(state_load_enrollment(dir, &back, err, sizeof(err)), 1);
    assert_string_equal(back.department, "Socialförvaltningen");
    assert_int_equal(back.level, EF_LEVEL_HIGH);
    assert_string_equal(back.collector, e.collector);
}

static void test_spool_order_bounds_and_damage(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(spool_prepare(dir, err, sizeof(err)), 0);
    /* Out of order on purpose: 10 must come after 9. */
    uint64_t seqs[] = {10, 9, 11, 2};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(spool_put(dir, seqs[i], "ed25519=AAAA", "{\"x\":1}", 7, err, sizeof(err)),
                         0);
    /* What a crash in the middle of an atomic write leaves behind. */
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s/spool/00000000000000000012.report.tmp.abc123", dir);
    FILE *f = fopen(tmp, "w");
    fputs("ed25519=half", f);
    fclose(f);

    struct spool_entry *v;
    long n = spool_list(dir, &v, err, sizeof(err));
    assert_int_equal(n, 4);
    assert_int_equal(v[0].seq, 2);
    assert_int_equal(v[1].seq, 9);
    assert_int_equal(v[2].seq, 10);
    assert_int_equal(v[3].seq, 11);
    free(v);
    assert_int_equal(access(tmp, F_OK), -1); /* discarded */

    struct spooled_report r;
    assert_int_equal(spool_read(dir, 9, &r, err, sizeof(err)), 0);
    assert_string_equal(r.sig_header, "ed25519=AAAA");
    assert_int_equal(r.body_len, 7);
    assert_memory_equal(r.body, "{\"x\":1}", 7);
    spooled_report_free(&r);

    /* Bounded: the oldest go first. */
    assert_int_equal(spool_enforce_bounds(dir, 2, 1LL << 30), 2);
    n = spool_list(dir, &v, err, sizeof(err));
    assert_int_equal(n, 2);
    assert_int_equal(v[0].seq, 10);
    free(v);

    /* A damaged file is reported, not delivered. */
    char path[512];
    snprintf(path, sizeof(path), "%s/spool/00000000000000000010.report", dir);
    f = fopen(path, "w");
    fputs("no signature line", f);
    fclose(f);
    assert_int_equal(spool_read(dir, 10, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "damaged"));
    assert_int_equal(spool_reject(dir, 10), 0);
    assert_int_equal(spool_remove(dir, 11), 0);
    assert_int_equal(spool_list(dir, &v, err, sizeof(err)), 0);
    free(v);
}

static void test_config(void **state)
{
    (void)state;
    char path[512], err[512];
    struct agent_config c;
    snprintf(path, sizeof(path), "%s/agent.yml", dir);
    agent_config_defaults(&c);
    assert_int_equal(agent_config_load(&c, "/nonexistent/agent.yml", 0, err, sizeof(err)), 0);
    assert_int_equal(c.spool_max_reports, 1000);

    FILE *f = fopen(path, "w");
    fputs("collector: https://efterlev.kommun.se:8443\nca: /etc/efterlev/ca.pem\n"
          "policies: [/a.yml, /b]\nspool_max_reports: 5\n",
          f);
    fclose(f);
    assert_int_equal(agent_config_load(&c, path, 0, err, sizeof(err)), 0);
    assert_string_equal(c.collector, "https://efterlev.kommun.se:8443");
    assert_int_equal(c.npolicies, 2);
    assert_string_equal(c.policies[1], "/b");
    assert_int_equal(c.spool_max_reports, 5);
    agent_config_free(&c);

    f = fopen(path, "w");
    fputs("collector: https://x\ncolector: typo\n", f);
    fclose(f);
    agent_config_defaults(&c);
    assert_int_equal(agent_config_load(&c, path, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "agent.yml:2: unknown setting \"colector\""));
    agent_config_free(&c);

    f = fopen(path, "w");
    fputs("spool_max_reports: lots\n", f);
    fclose(f);
    agent_config_defaults(&c);
    assert_int_equal(agent_config_load(&c, path, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":1: spool_max_reports"));
    assert_int_equal(c.spool_max_reports, 1000); /* a rejected value is not stored */
    agent_config_free(&c);

    /* The rejected number after a good one must not inherit the good one's value. */
    f = fopen(path, "w");
    fputs("timeout: 5\nretry_attempts: 99\n", f);
    fclose(f);
    agent_config_defaults(&c);
    assert_int_equal(agent_config_load(&c, path, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":2: retry_attempts"));
    assert_int_equal(c.timeout_s, 5);
    assert_int_equal(c.retry_attempts, 3);
    agent_config_free(&c);

    /* named explicitly (--config, EFTERLEV_CONFIG): a missing file is an error */
    agent_config_defaults(&c);
    assert_int_equal(
        agent_config_load(&c, "/nonexistent/agent.yml", EF_CFG_MUST_EXIST, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/agent.yml does not exist"));
}

/* As root the agent refuses a configuration others could change. */
static void test_config_trusted(void **state)
{
    (void)state;
    char path[512], err[512];
    struct agent_config c;
    snprintf(path, sizeof(path), "%s/trusted.yml", dir);
    FILE *f = fopen(path, "w");
    fputs("timeout: 5\n", f);
    fclose(f);
    assert_int_equal(t_open_to_others(path, 1), 0);
    agent_config_defaults(&c);
    assert_int_equal(agent_config_load(&c, path, EF_CFG_TRUSTED, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "refusing "));
    assert_non_null(strstr(err, T_FIX_UNTRUSTED));
#ifndef _WIN32
    assert_non_null(strstr(err, "trusted.yml: it is writable by others (mode 0666)"));
    assert_int_equal(chmod(path, 0620), 0);
    assert_int_equal(agent_config_load(&c, path, EF_CFG_TRUSTED, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "writable by its group (mode 0620)"));
    /* the same file, without the flag (not root), loads */
    assert_int_equal(agent_config_load(&c, path, 0, err, sizeof(err)), 0);
    assert_int_equal(chmod(path, 0644), 0);
#else
    assert_non_null(strstr(err, "trusted.yml: its permissions let S-1-1-0 change it"));
    assert_int_equal(agent_config_load(&c, path, 0, err, sizeof(err)), 0);
    assert_int_equal(t_private(path), 0);
#endif
    assert_int_equal(agent_config_load(&c, path, EF_CFG_TRUSTED, err, sizeof(err)), 0);
    assert_int_equal(c.timeout_s, 5);
#ifndef _WIN32
    if (geteuid() == 0) { /* owned by another, non-root user */
        assert_int_equal(chown(path, 4242, 4242), 0);
        assert_int_equal(agent_config_load(&c, path, EF_CFG_TRUSTED, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "owned by uid 4242"));
        assert_non_null(strstr(err, "chown root "));
    }
#endif
    agent_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seq_is_durable_and_increasing),
        cmocka_unit_test(test_enrollment_round_trip),
        cmocka_unit_test(test_spool_order_bounds_and_damage),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_config_trusted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
