/* SPDX-License-Identifier: EUPL-1.2 */
/* The report document: round trip, and the validator the collector trusts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "efterlev/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sample(struct ef_report *r)
{
    ef_report_init(r);
    strcpy(r->agent_id, "ag-0123");
    r->seq = 42;
    strcpy(r->generated_at, "2026-11-23T04:44:37Z");
    strcpy(r->host.hostname, "skola-pc-17");
    strcpy(r->host.machine_id, "5f1c0d2e");
    strcpy(r->host.os_id, "debian");
    strcpy(r->host.os_version, "12");
    strcpy(r->host.os_pretty, "Debian GNU/Linux 12 (bookworm)");
    strcpy(r->host.kernel, "6.1.0-28-amd64");
    strcpy(r->host.arch, "x86_64");
    strcpy(r->agent_version, "0.1.0");
    strcpy(r->policy_id, "efterlev-default");
    strcpy(r->policy_version, "0.1.0");
    memset(r->policy_sha256, 'a', 64);
    struct ef_result *a = ef_report_add(r);
    strcpy(a->check, "acct.uid0_only_root");
    a->status = EF_PASS;
    strcpy(a->evidence, "only root has UID 0 in /etc/passwd");
    strcpy(a->controls[0], "8.2");
    strcpy(a->controls[1], "5.15");
    a->ncontrols = 2;
    a->severity = EF_SEV_CRITICAL;
    a->level = EF_LEVEL_ELEVATED;
    a->duration_us = 17;
    struct ef_result *b = ef_report_add(r);
    strcpy(b->check, "enc.root_luks");
    b->status = EF_FAIL;
    strcpy(b->evidence, "/ on 254:0 (vda): no LUKS layer — Åsa's \"laptop\"");
    strcpy(b->controls[0], "8.24");
    b->ncontrols = 1;
    b->severity = EF_SEV_HIGH;
    b->level = EF_LEVEL_ELEVATED;
}

static void test_round_trip(void **state)
{
    (void)state;
    struct ef_report r, back;
    sample(&r);
    size_t len;
    char *json = ef_report_serialize(&r, &len);
    assert_non_null(json);
    char err[256] = "";
    assert_int_equal(ef_report_parse(json, len, &back, err, sizeof(err)), 0);
    assert_string_equal(back.agent_id, "ag-0123");
    assert_int_equal(back.seq, 42);
    assert_string_equal(back.host.os_pretty, r.host.os_pretty);
    assert_int_equal(back.nresults, 2);
    assert_string_equal(back.results[1].evidence, r.results[1].evidence);
    assert_int_equal(back.results[0].ncontrols, 2);
    assert_string_equal(back.results[0].controls[1], "5.15");
    assert_int_equal(back.results[1].status, EF_FAIL);
    assert_int_equal(back.results[0].level, EF_LEVEL_ELEVATED);
    /* Serialising what was parsed gives the same bytes: keys are sorted. */
    size_t len2;
    char *json2 = ef_report_serialize(&back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(json, json2, len);
    assert_non_null(strstr(json, "\"summary\":{\"error\":0,\"fail\":1,\"na\":0,\"pass\":1"));
    free(json);
    free(json2);
    ef_report_free(&r);
    ef_report_free(&back);
}

/* Parse json after replacing the first occurrence of from with to; expect failure whose
 * message contains want. */
static void expect_invalid(const char *from, const char *to, const char *want)
{
    struct ef_report r, back;
    sample(&r);
    size_t len;
    char *json = ef_report_serialize(&r, &len);
    char *at = strstr(json, from);
    assert_non_null(at);
    size_t fl = strlen(from), tl = strlen(to);
    char *mod = malloc(len - fl + tl + 1);
    memcpy(mod, json, (size_t)(at - json));
    memcpy(mod + (at - json), to, tl);
    strcpy(mod + (at - json) + tl, at + fl);
    char err[256] = "";
    assert_int_equal(ef_report_parse(mod, strlen(mod), &back, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
    free(mod);
    free(json);
    ef_report_free(&r);
}

static void test_invalid_reports(void **state)
{
    (void)state;
    expect_invalid("\"seq\":42", "\"seq\":0", "seq");
    expect_invalid("\"seq\":42", "\"seq\":\"42\"", "seq");
    expect_invalid("\"seq\":42", "\"seq\":99999999999999999999999", "JSON");
    expect_invalid("\"status\":\"pass\"", "\"status\":\"ok\"", "results[0].status");
    expect_invalid("\"level\":\"elevated\"", "\"level\":\"extreme\"", "level");
    expect_invalid("\"8.24\"", "\"9.99\"", "controls");
    expect_invalid("\"schema\":\"efterlev.report/1\"", "\"schema\":\"x/2\"", "schema");
    expect_invalid("\"generated_at\":\"2026-11-23T04:44:37Z\"", "\"generated_at\":\"today\"",
                   "generated_at");
    expect_invalid("\"pass\":1", "\"pass\":2", "summary.pass");
    expect_invalid("\"agent_id\":\"ag-0123\"", "\"agent_id\":\"ag-0123\",\"extra\":1",
                   "unknown field");
    expect_invalid("\"agent_id\":\"ag-0123\"", "\"agent_id\":\"ag-0123\",\"agent_id\":\"x\"",
                   "JSON");
    expect_invalid("\"arch\":\"x86_64\",", "", "host.arch: missing");
    expect_invalid("{", "[", "JSON");
    expect_invalid("\"enc.root_luks\"", "\"acct.uid0_only_root\"", "more than once");
    expect_invalid("skola", "\xff\xfe", "UTF-8");
}

static void test_limits(void **state)
{
    (void)state;
    struct ef_report r, back;
    sample(&r);
    memset(r.results[0].evidence, 'x', EF_EVIDENCE_MAX);
    r.results[0].evidence[EF_EVIDENCE_MAX] = '\0';
    size_t len;
    char *json = ef_report_serialize(&r, &len);
    char err[256];
    assert_int_equal(ef_report_parse(json, len, &back, err, sizeof(err)), 0);
    ef_report_free(&back);
    free(json);
    /* One byte over the evidence limit. */
    char *big = malloc(EF_EVIDENCE_MAX + 2);
    memset(big, 'x', EF_EVIDENCE_MAX + 1);
    big[EF_EVIDENCE_MAX + 1] = '\0';
    json = ef_report_serialize(&r, &len);
    char *at = strstr(json, "xxxx");
    size_t prefix = (size_t)(at - json);
    char *mod = malloc(len + 2);
    memcpy(mod, json, prefix);
    strcpy(mod + prefix, big);
    strcpy(mod + prefix + EF_EVIDENCE_MAX + 1, at + EF_EVIDENCE_MAX);
    assert_int_equal(ef_report_parse(mod, strlen(mod), &back, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "evidence"));
    free(mod);
    free(big);
    free(json);
    /* More results than allowed cannot even be built. */
    for (size_t i = r.nresults; i < EF_RESULTS_MAX; i++)
        assert_non_null(ef_report_add(&r));
    assert_null(ef_report_add(&r));
    ef_report_free(&r);
}

static void test_names(void **state)
{
    (void)state;
    ef_level l;
    assert_int_equal(ef_level_parse("high", &l), 0);
    assert_int_equal(l, EF_LEVEL_HIGH);
    assert_int_equal(ef_level_parse("HIGH", &l), -1);
    assert_true(ef_control_valid("5.37"));
    assert_true(ef_control_valid("8.1"));
    assert_false(ef_control_valid("8.01"));
    assert_false(ef_control_valid("4.1"));
    assert_false(ef_control_valid("8.123"));
    assert_false(ef_control_valid("8."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_invalid_reports),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
