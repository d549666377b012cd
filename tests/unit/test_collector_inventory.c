/* SPDX-License-Identifier: EUPL-1.2 */
/* The device list (collector/inventory.h): columns by header with Swedish and English
 * aliases, --column overrides, host name matching (case-folded, short vs fully qualified),
 * the encodings and separators read, rows refused with their line; and the coverage's
 * matching (coverage.h) by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "coverage.h"
#include "inventory.h"

static const char *const none[EF_INV_FIELDS] = {0};

static void test_header_aliases(void **state)
{
    const char *ad[] = {"Name", "DNSHostName", "OperatingSystem", "LastLogonDate", "Förvaltning"};
    const char *sv[] = {" Värdnamn", "AVDELNING", "Operativsystem", "Serienummer",
                        "Senaste inloggning"};
    const char *missing[] = {"Namn", "Förvaltning"};
    const char *over[EF_INV_FIELDS] = {[EF_INV_HOSTNAME] = "dnshostname"};
    int map[EF_INV_FIELDS];
    char err[700];

    (void)state;
    /* "Name" is preferred to "DNSHostName" (the aliases' order), whatever the columns'. */
    assert_int_equal(ef_inv_map_header(ad, 5, none, map, err, sizeof(err)), 0);
    assert_int_equal(map[EF_INV_HOSTNAME], 0);
    assert_int_equal(map[EF_INV_DEPARTMENT], 4);
    assert_int_equal(map[EF_INV_OS], 2);
    assert_int_equal(map[EF_INV_SERIAL], -1);
    assert_int_equal(map[EF_INV_LAST_LOGON], 3);
    assert_int_equal(ef_inv_map_header(ad, 5, over, map, err, sizeof(err)), 0);
    assert_int_equal(map[EF_INV_HOSTNAME], 1);
    /* Case, spaces and Swedish letters. */
    assert_int_equal(ef_inv_map_header(sv, 5, none, map, err, sizeof(err)), 0);
    assert_int_equal(map[EF_INV_HOSTNAME], 0);
    assert_int_equal(map[EF_INV_DEPARTMENT], 1);
    assert_int_equal(map[EF_INV_SERIAL], 3);
    assert_int_equal(map[EF_INV_LAST_LOGON], 4);
    /* A required column missing: the headers found and the aliases accepted. */
    assert_int_equal(ef_inv_map_header(missing, 2, none, map, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no hostname column; the header has \"Namn\", \"Förvaltning\""));
    assert_non_null(strstr(err, "datornamn, värdnamn, enhetsnamn"));
    assert_int_equal(ef_inv_field_parse("last_logon"), EF_INV_LAST_LOGON);
    assert_int_equal(ef_inv_field_parse("Hostname"), -1);
}

static void test_host_match(void **state)
{
    char key[EF_NAME_MAX + 1];

    (void)state;
    assert_int_equal(ef_inv_host_key("ÅSA-PC.kommun.se", key), 0);
    assert_string_equal(key, "åsa-pc");
    assert_true(ef_inv_host_match("SOC-PC1.kommun.se", "soc-pc1"));
    assert_true(ef_inv_host_match("soc-pc1", "SOC-PC1.KOMMUN.SE"));
    assert_true(ef_inv_host_match("ÅSA-DATOR", "åsa-dator"));
    assert_true(ef_inv_host_match("pc1.Skola.kommun.se", "PC1.skola.KOMMUN.se"));
    assert_false(ef_inv_host_match("pc1.skola.kommun.se", "pc1.vard.kommun.se"));
    assert_false(ef_inv_host_match("pc1", "pc10"));
    assert_int_equal(ef_inv_host_key(".kommun.se", key), -1);
}

static void test_parse_encodings(void **state)
{
    /* UTF-8 with BOM, ';', CRLF, a quoted ';' and a doubled quote. */
    static const char utf8[] = "\xef\xbb\xbf"
                               "Datornamn;Förvaltning;OS\r\n"
                               "pc1;Socialförvaltningen;\"Windows; 11\"\r\n"
                               "\r\n"
                               "pc2;Socialfo\xcc\x88rvaltningen;\"a \"\"b\"\"\"\r\n";
    /* Windows-1252, ','. */
    static const char cp1252[] = "Name,Department\n\xc5SA-PC,\xc4ldreomsorgen\n";
    struct ef_inv_list l;
    char err[512];

    (void)state;
    assert_int_equal(ef_inv_parse("a.csv", utf8, sizeof(utf8) - 1, none, &l, err, sizeof(err)), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.sep, ';');
    assert_int_equal(l.windows1252, 0);
    assert_string_equal(l.v[0].os, "Windows; 11");
    assert_int_equal(l.v[1].line, 4);
    assert_string_equal(l.v[1].os, "a \"b\"");
    /* The decomposed ö is brought to NFC. */
    assert_string_equal(l.v[1].department, "Socialförvaltningen");
    ef_inv_list_free(&l);
    assert_int_equal(ef_inv_parse("b.csv", cp1252, sizeof(cp1252) - 1, none, &l, err, sizeof(err)),
                     0);
    assert_int_equal(l.sep, ',');
    assert_int_equal(l.windows1252, 1);
    assert_string_equal(l.v[0].hostname, "ÅSA-PC");
    assert_string_equal(l.v[0].host_key, "åsa-pc");
    assert_string_equal(l.v[0].department, "Äldreomsorgen");
    ef_inv_list_free(&l);
}

static void test_parse_refused(void **state)
{
    static const char quote[] = "Name;Department\npc1;A\n\"pc2;A\npc3;A\n";
    static const char inner[] = "Name;Department\npc1;A\npc\"2;A\n";
    static const char extra[] = "Name;Department\npc1;A;x\n";
    static const char nodept[] = "Name;Department\npc1;A\npc2; \n";
    static const char undef[] = "Name;Department\npc1;\x81\n"; /* not in Windows-1252 */
    struct ef_inv_list l;
    char err[512];

    (void)state;
    assert_int_equal(ef_inv_parse("q.csv", quote, sizeof(quote) - 1, none, &l, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "q.csv:3: a quoted field is not closed"));
    assert_null(l.v);
    assert_int_equal(ef_inv_parse("i.csv", inner, sizeof(inner) - 1, none, &l, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "i.csv:3: not valid CSV"));
    assert_int_equal(ef_inv_parse("e.csv", extra, sizeof(extra) - 1, none, &l, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "e.csv:2: 3 fields, the header has 2"));
    assert_int_equal(ef_inv_parse("d.csv", nodept, sizeof(nodept) - 1, none, &l, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "d.csv:3: no department for pc2"));
    assert_int_equal(ef_inv_parse("u.csv", undef, sizeof(undef) - 1, none, &l, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "u.csv:2: neither UTF-8 nor Windows-1252"));
}

static void test_coverage_match(void **state)
{
    struct ef_device d[4];
    struct ef_host_row h[4];
    enum ef_cov_status st[4];
    int unl[4];
    const char *dn[] = {"PC1.kommun.se", "pc2", "pc3", "pc4.annan.se"};
    const char *hn[] = {"pc1", "PC2.kommun.se", "extra", "pc4.kommun.se"};

    (void)state;
    memset(d, 0, sizeof(d));
    memset(h, 0, sizeof(h));
    for (int i = 0; i < 4; i++) {
        strcpy(d[i].hostname, dn[i]);
        assert_int_equal(ef_inv_host_key(dn[i], d[i].host_key), 0);
        strcpy(h[i].hostname, hn[i]);
    }
    h[1].stale = 1;
    assert_int_equal(ef_coverage_match(d, 4, h, 4, st, unl), 0);
    assert_int_equal(st[0], EF_COV_REPORTING);
    assert_int_equal(st[1], EF_COV_STALE);
    assert_int_equal(st[2], EF_COV_NEVER);
    assert_int_equal(st[3], EF_COV_NEVER); /* another domain */
    assert_int_equal(unl[0], 0);
    assert_int_equal(unl[1], 0);
    assert_int_equal(unl[2], 1);
    assert_int_equal(unl[3], 1);
    /* One decimal, halves away from zero: 1/3 = 33.3, 2/3 = 66.7, 1/8 = 12.5. */
    assert_true(ef_coverage_pct(1, 3) == 33.3);
    assert_true(ef_coverage_pct(2, 3) == 66.7);
    assert_true(ef_coverage_pct(1, 8) == 12.5);
    assert_true(ef_coverage_pct(0, 0) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_aliases),  cmocka_unit_test(test_host_match),
        cmocka_unit_test(test_parse_encodings), cmocka_unit_test(test_parse_refused),
        cmocka_unit_test(test_coverage_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
