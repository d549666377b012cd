/* SPDX-License-Identifier: EUPL-1.2 */
/* Alert messages (collector/alert_format.c): the webhook's HMAC against a value computed
 * independently (Python's hmac), its JSON, and the e-mail: headers, RFC 2047 subject,
 * base64 body, CRLF, line lengths, the digest's "och N till". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_format.h"
#include "efterlev/b64.h"

#define NOW 1765000000 /* 2025-12-06T05:46:40Z */

static void regression(struct ef_alert_event *e, int64_t id, const char *host)
{
    memset(e, 0, sizeof(*e));
    e->id = id;
    snprintf(e->kind, sizeof(e->kind), "regression");
    e->created_at = NOW - 60;
    snprintf(e->department, sizeof(e->department), "Socialförvaltningen");
    snprintf(e->agent_id, sizeof(e->agent_id), "ag-0123");
    snprintf(e->hostname, sizeof(e->hostname), "%s", host);
    snprintf(e->check, sizeof(e->check), "enc.root_luks");
    snprintf(e->severity, sizeof(e->severity), "critical");
    snprintf(e->detail, sizeof(e->detail), "root is not encrypted\n(\"quoted\")");
}

static void test_sign(void **state)
{
    static const char body[] = "{\"a\":1}";
    char sig[EF_ALERT_SIG_LEN], other[EF_ALERT_SIG_LEN];

    (void)state;
    /* python3 -c 'import hmac,hashlib; print(hmac.new(b"Jefe", b"1765000000.{\"a\":1}",
     *             hashlib.sha256).hexdigest())' */
    assert_int_equal(ef_alert_sign("Jefe", 4, "1765000000", body, strlen(body), sig), 0);
    assert_string_equal(sig,
                        "sha256=6bb3cb1699279da80009a27df666cb60e96ff2b17ba0bd46bf75653d2f22889a");
    /* The timestamp is in the MAC: the same body at another time signs differently. */
    assert_int_equal(ef_alert_sign("Jefe", 4, "1765000001", body, strlen(body), other), 0);
    assert_string_not_equal(sig, other);
    /* And so is every byte of the body. */
    assert_int_equal(ef_alert_sign("Jefe", 4, "1765000000", "{\"a\":2}", 7, other), 0);
    assert_string_not_equal(sig, other);
}

static void test_json(void **state)
{
    struct ef_alert_event v[2];
    struct ef_alert_msg m = {v, 2, 7, "00ff", NOW};
    json_t *root, *e;
    json_error_t jerr;
    char *text;
    size_t len = 0;

    (void)state;
    regression(&v[0], 41, "soc-1");
    memset(&v[1], 0, sizeof(v[1]));
    v[1].id = 42;
    snprintf(v[1].kind, sizeof(v[1].kind), "department_below");
    v[1].created_at = NOW;
    snprintf(v[1].department, sizeof(v[1].department), "Kultur");
    snprintf(v[1].detail, sizeof(v[1].detail), "72.5");
    v[1].threshold = 80;
    text = ef_alert_json(&m, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    /* Compact, keys sorted: what is signed is exactly what a receiver reads. */
    assert_non_null(
        strstr(text, "{\"events\":[{\"agent_id\":\"ag-0123\",\"at\":\"2025-12-06T05:45:40Z\""));
    assert_null(strchr(text, '\n'));
    root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "type")), "efterlev.alerts/1");
    assert_string_equal(json_string_value(json_object_get(root, "id")), "00ff");
    assert_int_equal(json_integer_value(json_object_get(root, "total")), 7);
    assert_int_equal(json_integer_value(json_object_get(root, "more")), 5);
    assert_int_equal(json_array_size(json_object_get(root, "events")), 2);
    e = json_array_get(json_object_get(root, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "evidence")),
                        "root is not encrypted\n(\"quoted\")");
    assert_string_equal(json_string_value(json_object_get(e, "department")), "Socialförvaltningen");
    e = json_array_get(json_object_get(root, "events"), 1);
    assert_string_equal(json_string_value(json_object_get(e, "compliance_pct")), "72.5");
    assert_int_equal(json_integer_value(json_object_get(e, "threshold_pct")), 80);
    assert_null(json_object_get(e, "host"));
    json_decref(root);
    free(text);
}

static void test_subject(void **state)
{
    struct ef_alert_event v[3];
    struct ef_alert_msg m = {v, 1, 1, "ab", NOW};
    char s[512];

    (void)state;
    regression(&v[0], 1, "soc-1");
    ef_alert_subject(&m, s, sizeof(s));
    assert_string_equal(s, "efterlev: soc-1 klarar inte längre enc.root_luks (kritisk)");
    regression(&v[1], 2, "soc-2");
    regression(&v[2], 3, "soc-3");
    m.n = 3;
    m.total = 3;
    ef_alert_subject(&m, s, sizeof(s));
    assert_string_equal(s, "efterlev: 3 nya avvikelser");
    m.total = 1000; /* listed only some: the kinds of the rest are not known */
    ef_alert_subject(&m, s, sizeof(s));
    assert_string_equal(s, "efterlev: 1000 nya larm");
    snprintf(v[1].kind, sizeof(v[1].kind), "overdue");
    m.total = 3;
    ef_alert_subject(&m, s, sizeof(s));
    assert_string_equal(s, "efterlev: 3 nya larm");
    snprintf(v[0].kind, sizeof(v[0].kind), "department_below");
    snprintf(v[0].detail, sizeof(v[0].detail), "72.5");
    v[0].threshold = 80;
    m.n = m.total = 1;
    ef_alert_subject(&m, s, sizeof(s));
    assert_string_equal(s, "efterlev: Socialförvaltningen under 80 % (72,5 %)");
}

/* The subject from its header at p: RFC 2047 encoded-words decoded, ASCII as it is. */
static void decode_subject(const char *p, char *out, size_t outlen)
{
    size_t used = 0;

    out[0] = '\0';
    p += strlen("Subject: ");
    if (strncmp(p, "=?UTF-8?B?", 10) != 0) { /* ASCII: as it is */
        snprintf(out, outlen, "%.*s", (int)(strstr(p, "\r\n") - p), p);
        return;
    }
    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        const char *end = strstr(p + 10, "?=");
        char b64[128];
        long n;

        assert_non_null(end);
        assert_true((size_t)(end + 2 - p) <= 75); /* RFC 2047: an encoded-word's length */
        snprintf(b64, sizeof(b64), "%.*s", (int)(end - p - 10), p + 10);
        n = ef_b64_decode(b64, out + used, outlen - used - 1);
        assert_true(n > 0);
        used += (size_t)n;
        out[used] = '\0';
        p = end + 2;
        if (strncmp(p, "\r\n ", 3) != 0)
            break;
    }
}

static void test_mail(void **state)
{
    static const char *const to[] = {"samordnare@kommun.example", "it@kommun.example"};
    struct ef_alert_event v[3];
    struct ef_alert_msg m = {v, 3, 53, "0123456789abcdef0123456789abcdef", NOW};
    char *msg, *body64, subject[512], text[8192];
    const char *p, *line;
    size_t len, used = 0;

    (void)state;
    for (int i = 0; i < 3; i++)
        regression(&v[i], i + 1, "dator-åäö-med-ett-mycket-långt-namn-för-att-vika-ämnet");
    msg = ef_alert_mail(&m, "efterlev@kommun.example", to, 2, &len);
    assert_non_null(msg);
    assert_int_equal(len, strlen(msg));
    assert_non_null(strstr(msg, "Date: Sat, 06 Dec 2025 05:46:40 +0000\r\n"));
    assert_non_null(strstr(msg, "From: efterlev <efterlev@kommun.example>\r\n"));
    assert_non_null(strstr(msg, "To: <samordnare@kommun.example>,\r\n <it@kommun.example>\r\n"));
    assert_non_null(
        strstr(msg, "Message-ID: <0123456789abcdef0123456789abcdef@kommun.example>\r\n"));
    assert_non_null(strstr(msg, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                                "Content-Transfer-Encoding: base64\r\n"));
    /* Every line ends in CRLF, none is longer than 78, and all are ASCII. */
    for (line = msg; *line != '\0'; line = p + 2) {
        p = strstr(line, "\r\n");
        assert_non_null(p);
        assert_true(p - line <= 78);
        for (const char *c = line; c < p; c++)
            assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
    }
    decode_subject(strstr(msg, "Subject: "), subject, sizeof(subject));
    assert_string_equal(subject, "efterlev: 53 nya larm");
    /* The body, base64 line by line. */
    body64 = strstr(msg, "\r\n\r\n");
    assert_non_null(body64);
    for (line = body64 + 4; *line != '\0'; line = p + 2) {
        char chunk[128];
        long n;

        p = strstr(line, "\r\n");
        snprintf(chunk, sizeof(chunk), "%.*s", (int)(p - line), line);
        n = ef_b64_decode(chunk, text + used, sizeof(text) - used - 1);
        assert_true(n > 0);
        used += (size_t)n;
    }
    text[used] = '\0';
    assert_non_null(strstr(text,
                           "Avvikelse: dator-åäö-med-ett-mycket-långt-namn-för-att-vika-ämnet "
                           "(Socialförvaltningen) klarar inte längre enc.root_luks, "
                           "allvarlighet kritisk.\n  Belägg: root is not encrypted\n"));
    assert_non_null(strstr(text, "... och 50 till.\n"));
    free(msg);

    /* A long subject of non-ASCII text is cut into encoded-words between characters. */
    m.n = m.total = 1;
    msg = ef_alert_mail(&m, "efterlev@kommun.example", to, 1, &len);
    assert_non_null(msg);
    decode_subject(strstr(msg, "Subject: "), subject, sizeof(subject));
    assert_string_equal(subject, "efterlev: dator-åäö-med-ett-mycket-långt-namn-för-att-vika-ämnet "
                                 "klarar inte längre enc.root_luks (kritisk)");
    assert_null(strstr(msg, "och 0 till"));
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_subject),
        cmocka_unit_test(test_mail),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
