/* SPDX-License-Identifier: EUPL-1.2 */
/* The Windows API probes (issue 13): the one table of audit subcategories (60 GUIDs, unique,
 * lower case, fact names derived from the English names), the lookup by GUID, the audit
 * value; Windows Update rows (what counts as an installation, what is a security update),
 * Win32_QuickFixEngineering dates, whole days; then facts from a small recording: an audit
 * subcategory missing from the API, TIMEQ_FOREVER, a long Administrators list cut after a
 * whole entry, a renamed Guest found by RID, a never-filled update cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"
#include "platform/registry.h"
#include "platform/winsys.h"
#include "win_audit.h"
#include "win_update.h"
#include "win_util.h"

static void audit_table(void **state)
{
    (void)state;
    assert_int_equal(ef_win_audit_subs_n, 60);
    for (size_t i = 0; i < ef_win_audit_subs_n; i++) {
        const struct ef_win_audit_sub *s = &ef_win_audit_subs[i];
        assert_int_equal(strlen(s->guid), 36);
        assert_string_equal(s->guid + 8, "-69ae-11d9-bed3-505054503030");
        assert_memory_equal(s->guid, "0cce92", 6);
        for (const char *c = s->guid; *c; c++)
            assert_true(*c == '-' || isdigit((unsigned char)*c) || (*c >= 'a' && *c <= 'f'));
        /* the fact name is the English name in lower case, non-alphanumerics as one '_' */
        char want[128] = "audit.policy.";
        size_t n = strlen(want);
        int sep = 0;
        for (const char *c = s->name; *c; c++) {
            if (isalnum((unsigned char)*c)) {
                if (sep && want[n - 1] != '.')
                    want[n++] = '_';
                want[n++] = (char)tolower((unsigned char)*c);
                sep = 0;
            } else {
                sep = 1;
            }
        }
        want[n] = '\0';
        assert_string_equal(s->fact, want);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(s->guid, ef_win_audit_subs[j].guid);
            assert_string_not_equal(s->name, ef_win_audit_subs[j].name);
        }
        assert_ptr_equal(ef_win_audit_find(s->guid), s);
        assert_int_equal(ef_fact_type_of(s->fact), EF_FACT_STR);
    }
    /* the GUIDs the catalog's sets use, by any spelling */
    const struct ef_win_audit_sub *s = ef_win_audit_find("{0CCE923F-69AE-11D9-BED3-505054503030}");
    assert_non_null(s);
    assert_string_equal(s->name, "Credential Validation");
    assert_string_equal(ef_win_audit_find("0cce9215-69ae-11d9-bed3-505054503030")->name, "Logon");
    assert_string_equal(ef_win_audit_find("0CCE9245-69ae-11d9-bed3-505054503030")->name,
                        "Removable Storage");
    assert_string_equal(ef_win_audit_find("0cce924b-69ae-11d9-bed3-505054503030")->fact,
                        "audit.policy.access_rights");
    assert_null(ef_win_audit_find("0cce924c-69ae-11d9-bed3-505054503030"));
    assert_null(ef_win_audit_find("{0cce9215-69ae-11d9-bed3-505054503030"));
    assert_null(ef_win_audit_find("0cce9215-69ae-11d9-bed3-505054503030}x"));
    assert_null(ef_win_audit_find("0cce9215"));
    assert_null(ef_win_audit_find(""));
    assert_null(ef_win_audit_find(NULL));
    assert_string_equal(ef_win_audit_value(1, 1), "S+F");
    assert_string_equal(ef_win_audit_value(1, 0), "S");
    assert_string_equal(ef_win_audit_value(0, 1), "F");
    assert_string_equal(ef_win_audit_value(0, 0), "none");
}

static json_t *row(const char *text)
{
    json_error_t e;
    json_t *r = json_loads(text, 0, &e);
    assert_non_null(r);
    return r;
}

static void update_rows(void **state)
{
    (void)state;
    static const struct {
        const char *row;
        int counts;
    } hist[] = {
        {"{\"operation\":1,\"result_code\":2,\"categories\":[\"" EF_WU_CAT_SECURITY "\"]}", 1},
        {"{\"operation\":1,\"result_code\":2,\"categories\":[\"E0789628-CE08-4437-BE74-"
         "2495B842F43B\"]}",
         0},
        {"{\"operation\":1,\"result_code\":2,\"categories\":[\"" EF_WU_CAT_DEFINITIONS
         "\",\"" EF_WU_CAT_SECURITY "\"]}",
         1},
        {"{\"operation\":1,\"result_code\":2,\"categories\":[]}", 1},
        {"{\"operation\":1,\"result_code\":3,\"categories\":[]}", 0},
        {"{\"operation\":2,\"result_code\":2,\"categories\":[]}", 0},
        {"{\"operation\":1,\"result_code\":null,\"categories\":[]}", 0},
    };
    for (size_t i = 0; i < sizeof(hist) / sizeof(hist[0]); i++) {
        json_t *r = row(hist[i].row);
        assert_int_equal(ef_wu_history_counts(r), hist[i].counts);
        json_decref(r);
    }
    static const struct {
        const char *row;
        int sec;
    } pend[] = {
        {"{\"msrc_severity\":\"Critical\",\"categories\":[]}", 1},
        {"{\"msrc_severity\":\"important\",\"categories\":[]}", 1},
        {"{\"msrc_severity\":\"Moderate\",\"categories\":[]}", 0},
        {"{\"msrc_severity\":\"\",\"categories\":[\"0FA1201D-4330-4FA8-8AE9-B877473B6441\"]}", 1},
        {"{\"msrc_severity\":null,\"categories\":[\"" EF_WU_CAT_DEFINITIONS "\"]}", 0},
    };
    for (size_t i = 0; i < sizeof(pend) / sizeof(pend[0]); i++) {
        json_t *r = row(pend[i].row);
        assert_int_equal(ef_wu_pending_is_security(r), pend[i].sec);
        json_decref(r);
    }
}

static void dates(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(ef_wu_qfe_date("11/12/2026", &t), 0);
    assert_int_equal(t, 1794441600); /* 2026-11-12T00:00:00Z: month first */
    assert_int_equal(ef_wu_qfe_date("1/2/2026", &t), 0);
    assert_int_equal(t, 1767312000); /* 2026-01-02 */
    assert_int_equal(ef_wu_qfe_date("2026-11-12", &t), 0);
    assert_int_equal(t, 1794441600);
    assert_int_equal(ef_wu_qfe_date("20261112", &t), 0);
    assert_int_equal(t, 1794441600);
    static const char *const bad[] = {"",           "13/1/2026",  "11/32/2026",      "11/12/26",
                                      "11-12-2026", "1/2/2026x",  "/1/2026",         "2026-1-12",
                                      "0/1/2026",   "11/12/1850", "01d9a3f2b4c6e800"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ef_wu_qfe_date(bad[i], &t), -1);
    assert_int_equal(ef_wu_qfe_date(NULL, &t), -1);

    assert_int_equal(ef_win_days_between(1000, 1000), 0);
    assert_int_equal(ef_win_days_between(2000, 1000), 0); /* in the future: 0 */
    assert_int_equal(ef_win_days_between(0, 86399), 0);
    assert_int_equal(ef_win_days_between(0, 86400), 1);
    assert_int_equal(ef_win_days_between(1794441600, 1795392000), 11);
}

static char dir[] = "/tmp/efterlev-test-winapi-XXXXXX";

static void put(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const struct ef_fact *fact(struct ef_facts *f, const char *name)
{
    const struct ef_fact *x = ef_facts_get(f, name);
    assert_non_null(x);
    return x;
}

static void facts_from_recording(void **state)
{
    (void)state;
    char err[600], p[256];
    assert_non_null(mkdtemp(dir));
    put("m.reg", "Windows Registry Editor Version 5.00\n\n"
                 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n"
                 "\"ProductName\"=\"Windows 10 Pro\"\n\"CurrentBuild\"=\"22631\"\n");
    /* ten members of 60 bytes: the fact (255 bytes) holds three, then ",..." */
    char members[4096] = "";
    for (int i = 0; i < 10; i++) {
        char m[300];
        snprintf(m, sizeof(m),
                 "%s{\"group_sid\":\"S-1-5-32-544\",\"group_name\":\"Administrators\","
                 "\"sid\":\"S-1-5-21-1-2-3-%d\",\"name\":\"KOMMUN\\\\a-very-long-group-name-%02d\","
                 "\"sid_usage\":\"group\"}",
                 i ? "," : "", 1100 + i, i);
        strcat(members, m);
    }
    char rec[8192];
    snprintf(
        rec, sizeof(rec),
        "{\"efterlev_windows_recording\":1,\"tables\":{"
        "\"api:NetUserModalsGet\":[{\"min_passwd_len\":14,\"max_passwd_age\":-1,"
        "\"min_passwd_age\":0,\"password_hist_len\":24,\"lockout_threshold\":5,"
        "\"lockout_duration\":-1,\"lockout_observation_window\":900}],"
        "\"api:NetGetJoinInformation\":[{\"status\":\"domain\",\"name\":\"KOMMUN\"}],"
        "\"api:SecurityPolicy\":{\"status\":\"denied\",\"why\":\"secedit: access denied\"},"
        "\"api:LocalUsers\":[{\"name\":\"Besökare\",\"rid\":501,\"sid\":\"S-1-5-21-1-2-3-501\","
        "\"disabled\":false}],"
        "\"api:LocalAdministrators\":[%s],"
        "\"api:AuditPolicy\":[{\"guid\":\"0CCE9215-69AE-11D9-BED3-505054503030\","
        "\"success\":true,\"failure\":false},{\"guid\":\"0cce9215-69ae-11d9-bed3-"
        "505054503030\",\"success\":false,\"failure\":false},{\"guid\":\"12345678-69ae-"
        "11d9-bed3-505054503030\",\"success\":true,\"failure\":true}],"
        "\"api:AutomaticUpdates\":[{\"last_search_success\":null,"
        "\"last_install_success\":null,\"service_enabled\":true}]"
        "}}",
        members);
    put("m.json", rec);
    snprintf(p, sizeof(p), "%s/m.reg", dir);
    struct ef_reg *reg = ef_reg_open_recorded(p, err, sizeof(err));
    assert_non_null(reg);
    snprintf(p, sizeof(p), "%s/m.json", dir);
    struct ef_win *w = ef_win_open_recorded(p, err, sizeof(err));
    if (w == NULL)
        fail_msg("%s", err);
    struct ef_facts *f = ef_facts_new_windows(reg, w, 1795392000);
    assert_non_null(f);

    const struct ef_fact *x = fact(f, "accounts.lockout_duration");
    assert_true(x->known);
    assert_int_equal(x->i, 4294967295LL);
    assert_non_null(strstr(x->evidence, "TIMEQ_FOREVER"));
    assert_non_null(strstr(x->evidence, "domain-joined to KOMMUN"));
    x = fact(f, "accounts.password_complexity");
    assert_false(x->known);
    assert_non_null(strstr(x->evidence, "api:SecurityPolicy"));
    assert_non_null(strstr(x->evidence, "needs Administrator: secedit: access denied"));
    x = fact(f, "accounts.guest_disabled");
    assert_true(x->known);
    assert_false(x->b);
    assert_non_null(strstr(x->evidence, "Besökare (S-1-5-21-1-2-3-501, RID 501) is enabled"));
    x = fact(f, "accounts.builtin_admin_disabled");
    assert_true(x->known); /* no RID 500 at all */
    assert_true(x->b);
    x = fact(f, "accounts.local_admins_extra");
    assert_true(x->known);
    assert_true(strlen(x->s) <= EF_FACT_STR_MAX);
    assert_non_null(strstr(x->s, "KOMMUN\\a-very-long-group-name-00 (S-1-5-21-1-2-3-1100),"));
    assert_string_equal(x->s + strlen(x->s) - 4, ",...");
    assert_non_null(strstr(x->evidence, "10 members beyond"));
    /* the first row of a GUID decides (compared in any case); an unknown GUID is ignored */
    x = fact(f, "audit.policy.logon");
    assert_true(x->known);
    assert_string_equal(x->s, "S");
    x = fact(f, "audit.policy.credential_validation");
    assert_false(x->known);
    assert_non_null(strstr(x->evidence, "no row for Credential Validation"));
    /* never searched: the pending facts are unknown, saying the cache was never filled */
    x = fact(f, "updates.security_pending_days");
    assert_false(x->known);
    assert_non_null(strstr(x->evidence, "never searched successfully"));
    x = fact(f, "updates.days_since_refresh");
    assert_false(x->known);
    x = fact(f, "updates.search_by_manager");
    assert_true(x->known);
    assert_false(x->b);
    /* not in the recording: an error naming it, the fact unknown */
    x = fact(f, "log.eventlog.security_max_size");
    assert_false(x->known);
    assert_non_null(strstr(x->evidence, "api:EventLogChannels is not in the recording"));

    ef_facts_free(f);
    ef_win_free(w);
    ef_reg_free(reg);
    snprintf(p, sizeof(p), "%s/m.reg", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/m.json", dir);
    unlink(p);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(audit_table),
        cmocka_unit_test(update_rows),
        cmocka_unit_test(dates),
        cmocka_unit_test(facts_from_recording),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
