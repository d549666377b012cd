/* SPDX-License-Identifier: EUPL-1.2 */
/* Catching up the seq after a restored state folder: re-numbering a signed report, raising
 * the counter, and re-numbering the spool's tail in order (agent/catch_up.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent_state.h"
#include "catch_up.h"
#include "spool.h"

#include "test_os.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static EVP_PKEY *key;
static unsigned char pub[EF_ED25519_PUB_LEN];

static int setup(void **state)
{
    (void)state;
    char err[256], path[512];
    if (t_tmpdir(dir, sizeof(dir), "test-catchup") != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/key.pem", dir);
    key = ef_key_load_or_create(path, err, sizeof(err));
    return key != NULL && ef_key_public_raw(key, pub) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(key);
    return t_rmtree(dir);
}

/* A small valid report with seq, serialised (caller frees). */
static char *report_body(uint64_t seq, const char *host, size_t *len)
{
    struct ef_report r;
    ef_report_init(&r);
    strcpy(r.agent_id, "ag-1");
    r.seq = seq;
    strcpy(r.generated_at, "2026-03-01T10:00:00Z");
    snprintf(r.host.hostname, sizeof(r.host.hostname), "%s", host);
    strcpy(r.host.machine_id, "machine-a");
    strcpy(r.host.kernel, "6.1.0");
    strcpy(r.host.os_pretty, "Debian GNU/Linux 12");
    strcpy(r.agent_version, "0.1.0");
    strcpy(r.policy_id, "baseline");
    r.spool_dropped = 2;
    struct ef_result *res = ef_report_add(&r);
    assert_non_null(res);
    strcpy(res->check, "ssh.root-login");
    res->status = EF_FAIL;
    strcpy(res->evidence, "PermitRootLogin yes");
    strcpy(res->controls[0], "8.5");
    res->ncontrols = 1;
    res->severity = EF_SEV_HIGH;
    res->level = EF_LEVEL_BASIC;
    char *out = ef_report_serialize(&r, len);
    assert_non_null(out);
    ef_report_free(&r);
    return out;
}

static int signed_by_key(const char *sig_header, const char *body, size_t len)
{
    unsigned char sig[EF_ED25519_SIG_LEN];
    return ef_sig_header_parse(sig_header, sig) == 0 && ef_verify(pub, body, len, sig);
}

static uint64_t body_seq(const char *body, size_t len)
{
    struct ef_report r;
    char err[256];
    assert_int_equal(ef_report_parse(body, len, &r, err, sizeof(err)), 0);
    uint64_t seq = r.seq;
    ef_report_free(&r);
    return seq;
}

static void test_renumber_changes_only_the_seq(void **state)
{
    (void)state;
    char err[256], *out, *sig;
    size_t len, out_len, want_len;
    char *body = report_body(3, "host-a", &len);
    assert_int_equal(
        report_renumber(key, body, len, 1000001, &out, &out_len, &sig, err, sizeof(err)), 0);
    /* Exactly the original report with the new seq: what the agent would have signed. */
    char *want = report_body(1000001, "host-a", &want_len);
    assert_int_equal(out_len, want_len);
    assert_memory_equal(out, want, want_len);
    assert_true(signed_by_key(sig, out, out_len));
    assert_false(signed_by_key(sig, body, len)); /* a new signature, not the old one */
    free(want);
    free(out);
    free(sig);
    free(body);

    /* Not a report: refused, nothing made. */
    assert_int_equal(
        report_renumber(key, "{\"x\":1}", 7, 5, &out, &out_len, &sig, err, sizeof(err)), -1);
    assert_null(out);
    assert_null(sig);
    assert_non_null(strstr(err, "not a valid report"));
}

static void test_seq_at_least_never_goes_down(void **state)
{
    (void)state;
    char err[256];
    uint64_t seq, before;
    assert_int_equal(state_prepare(dir, err, sizeof(err)), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(state_next_seq(dir, &seq, err, sizeof(err)), 0);
    assert_int_equal(state_seq_at_least(dir, 3, &before, err, sizeof(err)), 0);
    assert_int_equal(before, 5);
    assert_int_equal(state_last_seq(dir, &seq), 0);
    assert_int_equal(seq, 5);
    assert_int_equal(state_seq_at_least(dir, 100, &before, err, sizeof(err)), 0);
    assert_int_equal(before, 5);
    assert_int_equal(state_next_seq(dir, &seq, err, sizeof(err)), 0);
    assert_int_equal(seq, 101);
    /* A damaged counter is an error, not a guess. */
    char path[512];
    snprintf(path, sizeof(path), "%s/seq", dir);
    assert_int_equal(ef_write_file_atomic(path, "x\n", 2, 0600, err, sizeof(err)), 0);
    assert_int_equal(state_seq_at_least(dir, 200, &before, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "damaged"));
    ef_unlink(path);
}

static void put_report(uint64_t seq, const char *host)
{
    char err[256];
    size_t len;
    char *body = report_body(seq, host, &len);
    char *sig = ef_sign_header(key, body, len);
    assert_int_equal(spool_put(dir, seq, sig, body, len, err, sizeof(err)), 0);
    free(sig);
    free(body);
}

static void test_catch_up_renumbers_the_tail_in_order(void **state)
{
    (void)state;
    char err[256];
    uint64_t seq, before;
    assert_int_equal(state_prepare(dir, err, sizeof(err)), 0);
    assert_int_equal(spool_prepare(dir, err, sizeof(err)), 0);
    /* A restored folder: the counter at 5, reports 3, 4, 5 spooled; one of them damaged. */
    assert_int_equal(state_seq_at_least(dir, 5, &before, err, sizeof(err)), 0);
    put_report(3, "host-3");
    assert_int_equal(spool_put(dir, 4, "ed25519=AAAA", "{\"x\":1}", 7, err, sizeof(err)), 0);
    put_report(5, "host-5");

    struct spool_entry *v;
    long n = spool_list(dir, &v, err, sizeof(err));
    assert_int_equal(n, 3);
    struct catch_up_result cr;
    assert_int_equal(spool_catch_up(dir, key, 40, v, n, &cr, err, sizeof(err)), 0);
    assert_int_equal(cr.first_seq, 41);
    assert_int_equal(cr.renumbered, 2);
    assert_int_equal(cr.rejected, 1);
    assert_int_equal(v[0].seq, 41);
    assert_int_equal(v[1].seq, 0); /* set aside */
    assert_int_equal(v[2].seq, 43);
    free(v);
    assert_int_equal(state_last_seq(dir, &seq), 0);
    assert_int_equal(seq, 43);

    /* The spool now holds 41 and 43, in the old order, each a report of its new seq signed
     * by the machine's key; the old files are gone; the damaged one is in spool/rejected. */
    n = spool_list(dir, &v, err, sizeof(err));
    assert_int_equal(n, 2);
    const char *hosts[] = {"\"hostname\":\"host-3\"", "\"hostname\":\"host-5\""};
    for (long i = 0; i < n; i++) {
        struct spooled_report sr;
        assert_int_equal(spool_read(dir, v[i].seq, &sr, err, sizeof(err)), 0);
        assert_int_equal(body_seq(sr.body, sr.body_len), v[i].seq);
        assert_true(signed_by_key(sr.sig_header, sr.body, sr.body_len));
        assert_non_null(strstr(sr.body, hosts[i]));
        spooled_report_free(&sr);
    }
    assert_int_equal(v[0].seq, 41);
    assert_int_equal(v[1].seq, 43);
    free(v);
    char path[512];
    snprintf(path, sizeof(path), "%s/spool/rejected/%020d.report", dir, 42);
    assert_int_equal(access(path, F_OK), 0);

    /* spool_move never replaces a report. */
    assert_int_equal(spool_move(dir, 41, 43, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "exists already"));
    assert_int_equal(spool_move(dir, 41, 44, err, sizeof(err)), 0);
    assert_int_equal(spool_remove(dir, 44), 0);
    assert_int_equal(spool_remove(dir, 43), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_renumber_changes_only_the_seq),
        cmocka_unit_test(test_seq_at_least_never_goes_down),
        cmocka_unit_test(test_catch_up_renumbers_the_tail_in_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
