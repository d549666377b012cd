/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's figures against a seeded store whose expected values are worked out by
 * hand below (docs/figures.md defines them): department and control figures, 2013
 * numbering, staleness, risk acceptances and their expiry, daily snapshots that keep a
 * past day's state, the audit log, and the schema 1 -> 2 migration.
 *
 * The seed, at T0 (a day in the future at 10:00 UTC, so the agents' real generated_at is
 * never "in the future"):
 *   checks  c1 controls 8.9,5.17   c2 controls 8.8,5.36   c3 controls 8.15
 *   Socialförvaltningen (elevated), agents s0..s9, all fresh:
 *     c1 pass for i < 7, else fail            -> 7 pass, 3 fail
 *     c2 fail for even i, else pass           -> 5 pass, 5 fail
 *     c3 na for i = 0, unknown for i = 1, else pass -> 8 pass, 1 na, 1 unknown
 *     department: pass 20, fail 8, na 1, unknown 1 -> 20/28 = 71.4 %
 *   Äldreomsorgen (basic), agents b0..b3; b3 last reported 10 days before T0 (stale):
 *     fresh b0..b2: c1 pass (3), c2 fail on b0 else pass (2 pass, 1 fail)
 *     department: pass 5, fail 1 -> 83.3 %; hosts 4, stale 1
 *     (b3's report: c1 fail, c2 fail: must not count)
 *   controls, all departments: 8.9 and 5.17: 10 pass 3 fail (76.9 %);
 *     8.8 and 5.36: 7 pass 6 fail (53.8 %); 8.15: 8 pass, 1 na, 1 unknown (100.0 %)
 *   2013: 9.2.4 = 5.17 = 10/3; 18.2.3 (replaced by both 8.8 and 5.36) counts each c2
 *     result once: 7 pass 6 fail, not 14/12; 8.9 is new in 2022: no 2013 figure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "check_catalog.h"
#include "controls.h"
#include "efterlev/b64.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "enroll.h"
#include "export.h"
#include "now.h"
#include "report_html.h"
#ifdef EF_HAVE_POSTGRES
#include "store/postgres_schema.h"
#endif
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "test_db.h"
#include "tokens.h"

#define DAY 86400
#define SOC "Socialförvaltningen"
#define ALD "Äldreomsorgen"

struct agent {
    char id[64];
    EVP_PKEY *key;
    uint64_t seq;
};

struct fx {
    char dir[64];
    char db[128];
    struct ef_store *s;
    struct ef_catalog cat;
    time_t t0;
    struct agent soc[10], ald[4];
};

/* The fixture's collector export key: certifies the agents' keys at enrollment and signs
 * the exports (export-key.pem in the fixture's folder). */
static EVP_PKEY *export_key;

static void rm_db(struct fx *f)
{
    char p[200];

    unlink(f->db);
    snprintf(p, sizeof(p), "%s-wal", f->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->db);
    unlink(p);
}

static int setup_empty(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/ef-analytics.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/efterlev.db", f->dir);
    {
        char kp[200];

        snprintf(kp, sizeof(kp), "%s/export-key.pem", f->dir);
        EVP_PKEY_free(export_key);
        export_key = ef_key_load_or_create(kp, err, sizeof(err));
        assert_non_null(export_key);
    }
    if (ef_catalog_load(EF_SOURCE_DIR "/checks/iso27002-2022.yml", &f->cat, err, sizeof(err)) != 0)
        fail_msg("catalog: %s", err);
    test_db_reset();
    /* Ten o'clock UTC, 40 days from now: agents' real generated_at lies before it. */
    f->t0 = (time(NULL) / DAY + 40) * DAY + 10 * 3600;
    *state = f;
    return 0;
}

static struct ef_store *open_store(struct fx *f)
{
    char err[256], url[512];
    struct ef_store *s;

    test_db_url(f->db, url, sizeof(url));
    s = ef_store_open(url, 1, err, sizeof(err));
    if (s == NULL)
        fail_msg("open: %s", err);
    s->stale_days = 7;
    return s;
}

static int64_t add_dept(struct ef_store *s, const char *name, ef_level level, char *token,
                        size_t tokenlen)
{
    char secret[EF_SECRET_LEN + 1], hash[65];
    int64_t id = 0;

    assert_int_equal(ef_secret_new(secret, hash), 0);
    assert_int_equal(s->ops->department_add(s, name, level, hash, time(NULL), &id), EF_OK);
    snprintf(token, tokenlen, "%lld.%s", (long long)id, secret);
    return id;
}

static void enroll(struct ef_store *s, const char *token, const char *machine, struct agent *a)
{
    unsigned char pub[EF_ED25519_PUB_LEN];
    struct ef_answer ans = {0};
    char *b64, *body;
    json_t *req;

    a->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(a->key);
    assert_int_equal(ef_key_public_raw(a->key, pub), 0);
    b64 = ef_b64_encode(pub, EF_ED25519_PUB_LEN);
    char *proof = ef_enroll_proof(a->key, token, machine, machine, b64);
    assert_non_null(proof);
    req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", token, "hostname", machine, "machine_id",
                    machine, "public_key", b64, "proof", proof);
    free(proof);
    body = json_dumps(req, JSON_COMPACT);
    ef_enroll(s, export_key, NULL, body, strlen(body), &ans);
    assert_int_equal(ans.status, 201);
    snprintf(a->id, sizeof(a->id), "%s", json_string_value(json_object_get(ans.body, "agent_id")));
    ef_answer_clear(&ans);
    json_decref(req);
    free(body);
    free(b64);
}

/* Upload a report with the given statuses of c1, c2, c3 (-1: not reported) at time now. */
static void upload(struct ef_store *s, struct agent *a, const char *host, int st1, int st2, int st3,
                   time_t now)
{
    static const char *const checks[3] = {"c1", "c2", "c3"};
    static const char *const ctl[3][2] = {{"8.9", "5.17"}, {"8.8", "5.36"}, {"8.15", NULL}};
    int st[3] = {st1, st2, st3}, i;
    struct ef_answer ans = {0};
    struct ef_report r;
    char *body, *sig;
    size_t len;

    ef_report_init(&r);
    snprintf(r.agent_id, sizeof(r.agent_id), "%s", a->id);
    r.seq = ++a->seq;
    ef_now_rfc3339(r.generated_at);
    snprintf(r.host.hostname, sizeof(r.host.hostname), "%s", host);
    snprintf(r.host.machine_id, sizeof(r.host.machine_id), "%s", host);
    snprintf(r.agent_version, sizeof(r.agent_version), "0.1.0");
    snprintf(r.policy_id, sizeof(r.policy_id), "test");
    for (i = 0; i < 3; i++) {
        struct ef_result *res;

        if (st[i] < 0)
            continue;
        res = ef_report_add(&r);
        snprintf(res->check, sizeof(res->check), "%s", checks[i]);
        res->status = (ef_status)st[i];
        snprintf(res->evidence, sizeof(res->evidence), "seen %s", checks[i]);
        snprintf(res->controls[0], sizeof(res->controls[0]), "%s", ctl[i][0]);
        res->ncontrols = 1;
        if (ctl[i][1] != NULL) {
            snprintf(res->controls[1], sizeof(res->controls[1]), "%s", ctl[i][1]);
            res->ncontrols = 2;
        }
        res->severity = EF_SEV_HIGH;
        res->level = EF_LEVEL_BASIC;
    }
    body = ef_report_serialize(&r, &len);
    sig = ef_sign_header(a->key, body, len);
    ef_ingest(s, NULL, a->id, sig, body, len, now, &ans);
    if (ans.status != 202)
        fail_msg("upload %s: %d %s", host, ans.status,
                 json_string_value(json_object_get(ans.body, "error")));
    ef_answer_clear(&ans);
    ef_report_free(&r);
    free(body);
    free(sig);
}

static void seed(struct fx *f)
{
    char tok_soc[128], tok_ald[128], name[32];
    int i;

    add_dept(f->s, SOC, EF_LEVEL_ELEVATED, tok_soc, sizeof(tok_soc));
    add_dept(f->s, ALD, EF_LEVEL_BASIC, tok_ald, sizeof(tok_ald));
    for (i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "soc-%d", i);
        enroll(f->s, tok_soc, name, &f->soc[i]);
    }
    for (i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "ald-%d", i);
        enroll(f->s, tok_ald, name, &f->ald[i]);
    }
    /* b3 first, ten days back: stale at T0. */
    upload(f->s, &f->ald[3], "ald-3", EF_FAIL, EF_FAIL, -1, f->t0 - 10 * DAY);
    for (i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "soc-%d", i);
        upload(f->s, &f->soc[i], name, i < 7 ? EF_PASS : EF_FAIL, i % 2 == 0 ? EF_FAIL : EF_PASS,
               i == 0   ? EF_NA
               : i == 1 ? EF_UNKNOWN
                        : EF_PASS,
               f->t0 - 3600 + i);
    }
    for (i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "ald-%d", i);
        upload(f->s, &f->ald[i], name, EF_PASS, i == 0 ? EF_FAIL : EF_PASS, -1, f->t0 - 1800);
    }
}

static int setup(void **state)
{
    struct fx *f;

    setup_empty(state);
    f = *state;
    f->s = open_store(f);
    seed(f);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[200];
    int i;

    ef_store_close(f->s);
    rm_db(f);
    snprintf(p, sizeof(p), "%s/export-key.pem", f->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/export.out", f->dir);
    unlink(p);
    rmdir(f->dir);
    for (i = 0; i < 10; i++)
        EVP_PKEY_free(f->soc[i].key);
    for (i = 0; i < 4; i++)
        EVP_PKEY_free(f->ald[i].key);
    ef_catalog_free(&f->cat);
    free(f);
    return 0;
}

static const struct ef_dept_summary *dept(const struct ef_summary *sum, const char *name)
{
    size_t i;

    for (i = 0; i < sum->ndepts; i++)
        if (strcmp(sum->depts[i].name, name) == 0)
            return &sum->depts[i];
    fail_msg("no department %s", name);
    return NULL;
}

static void expect(const int64_t *c, int64_t pass, int64_t fail, int64_t na, int64_t unknown,
                   int64_t error, int64_t accepted)
{
    assert_int_equal(c[EF_PASS], pass);
    assert_int_equal(c[EF_FAIL], fail);
    assert_int_equal(c[EF_NA], na);
    assert_int_equal(c[EF_UNKNOWN], unknown);
    assert_int_equal(c[EF_ERROR], error);
    assert_int_equal(c[EF_ACCEPTED], accepted);
}

static void expect_pct(const int64_t *c, double want)
{
    double got = ef_pct_round(ef_compliance_pct(c));

    if (got < want - 0.001 || got > want + 0.001)
        fail_msg("compliance %.3f, expected %.1f", got, want);
}

static void test_department_figures(void **state)
{
    struct fx *f = *state;
    struct ef_summary sum;
    const struct ef_dept_summary *d;
    size_t i, stale = 0;

    assert_int_equal(ef_summary_build(f->s, NULL, 7, f->t0, &sum), EF_OK);
    d = dept(&sum, SOC);
    assert_int_equal(d->hosts, 10);
    assert_int_equal(d->stale_hosts, 0);
    expect(d->counts, 20, 8, 1, 1, 0, 0);
    expect_pct(d->counts, 71.4);
    d = dept(&sum, ALD);
    assert_int_equal(d->hosts, 4);
    assert_int_equal(d->stale_hosts, 1);
    expect(d->counts, 5, 1, 0, 0, 0, 0); /* b3's two failures are not counted */
    expect_pct(d->counts, 83.3);
    for (i = 0; i < sum.nhosts; i++)
        if (sum.hosts[i].stale) {
            stale++;
            assert_string_equal(sum.hosts[i].agent_id, f->ald[3].id);
            expect(sum.hosts[i].counts, 0, 2, 0, 0, 0, 0); /* listed with its own results */
        }
    assert_int_equal(stale, 1);
    ef_summary_free(&sum);

    /* Only the stale hosts, or none: the department figures do not change. */
    assert_int_equal(ef_summary_build_mode(f->s, ALD, 7, f->t0, EF_HOSTS_STALE, &sum), EF_OK);
    assert_int_equal(sum.nhosts, 1);
    expect(sum.depts[0].counts, 5, 1, 0, 0, 0, 0);
    ef_summary_free(&sum);

    /* A wider window counts b3 again; the counters follow both ways. */
    assert_int_equal(ef_summary_build(f->s, ALD, 30, f->t0, &sum), EF_OK);
    expect(sum.depts[0].counts, 5, 3, 0, 0, 0, 0);
    assert_int_equal(sum.depts[0].stale_hosts, 0);
    ef_summary_free(&sum);
    assert_int_equal(ef_summary_build(f->s, ALD, 7, f->t0, &sum), EF_OK);
    expect(sum.depts[0].counts, 5, 1, 0, 0, 0, 0);
    ef_summary_free(&sum);

    /* Eight days later every Socialförvaltningen agent is stale: nothing counted. */
    assert_int_equal(ef_summary_build(f->s, SOC, 7, f->t0 + 8 * DAY, &sum), EF_OK);
    assert_int_equal(sum.depts[0].stale_hosts, 10);
    expect(sum.depts[0].counts, 0, 0, 0, 0, 0, 0);
    assert_true(ef_compliance_pct(sum.depts[0].counts) < 0);
    ef_summary_free(&sum);
}

static const struct ef_control_sum *ctl(const struct ef_control_sum *v, size_t n, const char *c)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(v[i].control, c) == 0)
            return &v[i];
    return NULL;
}

static void test_control_figures(void **state)
{
    struct fx *f = *state;
    struct ef_control_sum *v = NULL;
    size_t n = 0;
    json_t *j = NULL, *unc;

    assert_int_equal(f->s->ops->sweep(f->s, f->t0, 7), EF_OK);
    assert_int_equal(ef_controls_build(f->s, &f->cat, NULL, 0, &v, &n), EF_OK);
    assert_int_equal(n, 5);
    expect(ctl(v, n, "8.9")->counts, 10, 3, 0, 0, 0, 0);
    expect(ctl(v, n, "5.17")->counts, 10, 3, 0, 0, 0, 0);
    expect(ctl(v, n, "8.8")->counts, 7, 6, 0, 0, 0, 0);
    expect_pct(ctl(v, n, "8.8")->counts, 53.8);
    expect(ctl(v, n, "5.36")->counts, 7, 6, 0, 0, 0, 0);
    expect(ctl(v, n, "8.15")->counts, 8, 0, 1, 1, 0, 0);
    /* Ordered numerically: 5.17 < 5.36 < 8.8 < 8.9 < 8.15. */
    assert_string_equal(v[0].control, "5.17");
    assert_string_equal(v[2].control, "8.8");
    assert_string_equal(v[4].control, "8.15");
    free(v);

    /* One department only. */
    assert_int_equal(ef_controls_build(f->s, &f->cat, ALD, 0, &v, &n), EF_OK);
    expect(ctl(v, n, "8.8")->counts, 2, 1, 0, 0, 0, 0);
    assert_null(ctl(v, n, "8.15"));
    free(v);
    assert_int_equal(ef_controls_build(f->s, &f->cat, "Ingen", 0, &v, &n), EF_NOTFOUND);

    /* 2013 numbering: a result counts once per 2013 control, however many of its 2022
     * controls replace it. */
    assert_int_equal(ef_controls_build(f->s, &f->cat, NULL, 1, &v, &n), EF_OK);
    expect(ctl(v, n, "9.2.4")->counts, 10, 3, 0, 0, 0, 0);
    expect(ctl(v, n, "18.2.3")->counts, 7, 6, 0, 0, 0, 0);
    expect(ctl(v, n, "12.6.1")->counts, 7, 6, 0, 0, 0, 0);
    expect(ctl(v, n, "12.4.2")->counts, 8, 0, 1, 1, 0, 0);
    assert_null(ctl(v, n, "8.9"));
    free(v);

    /* Coverage: 93 controls in the catalog, 5 evidenced. */
    assert_int_equal(ef_controls_json(f->s, &f->cat, NULL, 0, 7, f->t0, &j), EF_OK);
    assert_int_equal(json_integer_value(json_object_get(j, "catalog_controls")), 93);
    assert_int_equal(json_integer_value(json_object_get(j, "covered_controls")), 5);
    unc = json_object_get(j, "not_covered");
    assert_int_equal(json_array_size(unc), 88);
    assert_string_equal(json_string_value(json_object_get(json_array_get(unc, 0), "control")),
                        "5.1");
    json_decref(j);
}

static void test_acceptance_and_expiry(void **state)
{
    struct fx *f = *state;
    struct ef_acceptance a, *list = NULL;
    struct ef_audit_row *log = NULL;
    struct ef_summary sum;
    struct ef_dept_counts *dc = NULL;
    size_t n = 0, nd = 0, i;
    int expired = 0;
    json_t *h = NULL, *r;

    assert_int_equal(f->s->ops->dept_counts(f->s, SOC, &dc, &nd), EF_OK);
    memset(&a, 0, sizeof(a));
    a.department_id = dc[0].id;
    free(dc);
    snprintf(a.check, sizeof(a.check), "c2");
    snprintf(a.reason, sizeof(a.reason), "Ersätts vid byte av klienter, beslut SN §12");
    snprintf(a.by, sizeof(a.by), "Anna Berg");
    a.until = f->t0 + 2 * DAY;
    assert_int_equal(f->s->ops->acceptance_add(f->s, &a, f->t0), EF_OK);
    assert_true(a.id > 0);

    /* The five c2 failures are accepted: neither pass nor fail. 20 / (20 + 3) = 87.0 %. */
    assert_int_equal(ef_summary_build(f->s, SOC, 7, f->t0 + 60, &sum), EF_OK);
    expect(sum.depts[0].counts, 20, 3, 1, 1, 0, 5);
    expect_pct(sum.depts[0].counts, 87.0);
    ef_summary_free(&sum);
    /* Äldreomsorgen's c2 failure is another department's: untouched. */
    assert_int_equal(ef_summary_build(f->s, ALD, 7, f->t0 + 60, &sum), EF_OK);
    expect(sum.depts[0].counts, 5, 1, 0, 0, 0, 0);
    ef_summary_free(&sum);

    /* A host's result says it is accepted. */
    assert_int_equal(ef_host_json(f->s, f->soc[0].id, NULL, 7, f->t0 + 60, &h), EF_OK);
    json_array_foreach(json_object_get(h, "results"), i,
                       r) if (strcmp(json_string_value(json_object_get(r, "check")), "c2") == 0)
    {
        assert_string_equal(json_string_value(json_object_get(r, "status")), "fail");
        assert_string_equal(json_string_value(json_object_get(r, "counted_as")), "accepted");
    }
    json_decref(h);
    /* A department token cannot see a host of another department. */
    assert_int_equal(ef_host_json(f->s, f->soc[0].id, ALD, 7, f->t0 + 60, &h), EF_NOTFOUND);

    /* A new report keeps the failure accepted. */
    upload(f->s, &f->soc[2], "soc-2", EF_PASS, EF_FAIL, EF_PASS, f->t0 + 3600);
    assert_int_equal(ef_summary_build(f->s, SOC, 7, f->t0 + 3600, &sum), EF_OK);
    expect(sum.depts[0].counts, 20, 3, 1, 1, 0, 5);
    ef_summary_free(&sum);

    /* It is listed while active. */
    assert_int_equal(f->s->ops->acceptance_list(f->s, 0, &list, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].department, SOC);
    free(list);

    /* Past its end it expires by itself: the failures count as failures again. */
    assert_int_equal(ef_summary_build(f->s, SOC, 7, f->t0 + 2 * DAY + 1, &sum), EF_OK);
    expect(sum.depts[0].counts, 20, 8, 1, 1, 0, 0);
    expect_pct(sum.depts[0].counts, 71.4);
    ef_summary_free(&sum);
    assert_int_equal(f->s->ops->acceptance_list(f->s, 0, &list, &n), EF_OK);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(f->s->ops->acceptance_list(f->s, 1, &list, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].state, EF_ACC_EXPIRED);
    free(list);

    /* Both the acceptance and its expiry are in the audit log. */
    assert_int_equal(f->s->ops->audit_list(f->s, 0, &log, &n), EF_OK);
    for (i = 0; i < n; i++) {
        if (strcmp(log[i].action, "acceptance.expire") == 0) {
            expired++;
            assert_string_equal(log[i].actor, "system");
            assert_non_null(strstr(log[i].details, "\"check\":\"c2\""));
        }
    }
    assert_int_equal(expired, 1);
    assert_string_equal(log[0].action, "acceptance.add");
    assert_string_equal(log[0].actor, "Anna Berg");
    ef_audit_free(log, n);
}

static void test_host_acceptance_and_revoke(void **state)
{
    struct fx *f = *state;
    struct ef_acceptance a;
    struct ef_dept_counts *dc = NULL;
    struct ef_summary sum;
    size_t nd = 0;

    assert_int_equal(f->s->ops->dept_counts(f->s, SOC, &dc, &nd), EF_OK);
    memset(&a, 0, sizeof(a));
    a.department_id = dc[0].id;
    free(dc);
    snprintf(a.check, sizeof(a.check), "c1");
    snprintf(a.agent_id, sizeof(a.agent_id), "%s", f->soc[9].id);
    snprintf(a.reason, sizeof(a.reason), "Medicinteknisk utrustning");
    snprintf(a.by, sizeof(a.by), "Bo Ek");
    a.until = f->t0 + 30 * DAY;
    assert_int_equal(f->s->ops->acceptance_add(f->s, &a, f->t0), EF_OK);
    /* Only soc-9's c1 failure (of three): pass 20, fail 7, accepted 1. */
    assert_int_equal(ef_summary_build(f->s, SOC, 7, f->t0, &sum), EF_OK);
    expect(sum.depts[0].counts, 20, 7, 1, 1, 0, 1);
    ef_summary_free(&sum);
    assert_int_equal(f->s->ops->acceptance_revoke(f->s, a.id, "Bo Ek", f->t0 + 10), EF_OK);
    assert_int_equal(f->s->ops->acceptance_revoke(f->s, a.id, "Bo Ek", f->t0 + 10), EF_NOTFOUND);
    assert_int_equal(ef_summary_build(f->s, SOC, 7, f->t0 + 10, &sum), EF_OK);
    expect(sum.depts[0].counts, 20, 8, 1, 1, 0, 0);
    ef_summary_free(&sum);
}

static void test_snapshots_keep_the_past(void **state)
{
    struct fx *f = *state;
    char d0[11], d1[11];
    json_t *t = NULL, *p;
    struct ef_snapshot_row *rows = NULL;
    size_t n = 0;

    ef_day_text(ef_day_of(f->t0), d0);
    ef_day_text(ef_day_of(f->t0) + 1, d1);
    /* The next day: soc-7 now passes c1. Its upload closes day 0 first. */
    upload(f->s, &f->soc[7], "soc-7", EF_PASS, EF_PASS, EF_PASS, f->t0 + DAY);
    /* Two days on, queried: days 0 and 1 are written (and the days since b3's first
     * report, ten days before: history starts with the first day the collector saw). */
    assert_int_equal(ef_trend_json(f->s, SOC, NULL, d0, NULL, 7, f->t0 + 2 * DAY, &t), EF_OK);
    assert_int_equal(json_array_size(json_object_get(t, "points")), 2);
    p = json_array_get(json_object_get(t, "points"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "day")), d0);
    assert_int_equal(json_integer_value(json_object_get(p, "pass")), 20);
    assert_int_equal(json_integer_value(json_object_get(p, "fail")), 8);
    p = json_array_get(json_object_get(t, "points"), 1);
    assert_string_equal(json_string_value(json_object_get(p, "day")), d1);
    /* soc-7's c1 went from fail to pass (its c2 and c3 passed already). */
    assert_int_equal(json_integer_value(json_object_get(p, "pass")), 21);
    assert_int_equal(json_integer_value(json_object_get(p, "fail")), 7);
    json_decref(t);

    /* Summed over departments, and on day 0 b3 was already stale (10 days). */
    assert_int_equal(ef_trend_json(f->s, NULL, NULL, d0, d0, 7, f->t0 + 2 * DAY, &t), EF_OK);
    p = json_array_get(json_object_get(t, "points"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "hosts")), 14);
    assert_int_equal(json_integer_value(json_object_get(p, "stale_hosts")), 1);
    assert_int_equal(json_integer_value(json_object_get(p, "pass")), 25);
    assert_int_equal(json_integer_value(json_object_get(p, "fail")), 9);
    json_decref(t);

    /* Per control: 8.8 on day 0 over both departments: 7 pass 6 fail. */
    assert_int_equal(ef_trend_json(f->s, NULL, "8.8", d0, d0, 7, f->t0 + 2 * DAY, &t), EF_OK);
    p = json_array_get(json_object_get(t, "points"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "pass")), 7);
    assert_int_equal(json_integer_value(json_object_get(p, "fail")), 6);
    json_decref(t);

    /* Ten days later, nobody reported: the days in between are written too, each with the
     * staleness of its own end (soc agents stale from day 8 on). */
    assert_int_equal(f->s->ops->sweep(f->s, f->t0 + 12 * DAY, 7), EF_OK);
    assert_int_equal(f->s->ops->snapshots(f->s, SOC, NULL, d0, NULL, &rows, &n), EF_OK);
    assert_int_equal(n, 12);
    assert_int_equal(rows[6].fresh_hosts, 10); /* day 6: last reports 6 days old */
    assert_int_equal(rows[7].fresh_hosts, 1);  /* day 7 ends 7 days 14 h after: only soc-7 */
    assert_int_equal(rows[8].fresh_hosts, 0);
    expect(rows[11].counts, 0, 0, 0, 0, 0, 0);
    free(rows);
}

static void test_board_report(void **state)
{
    struct fx *f = *state;
    char path[200], period[32], *html = NULL;
    size_t len;
    time_t t;
    FILE *out;

    snprintf(path, sizeof(path), "%s/export.out", f->dir);
    out = fopen(path, "w");
    assert_non_null(out);
    t = f->t0;
    ef_time_rfc3339(t, period);
    period[7] = '\0'; /* YYYY-MM */
    /* Titles for c1 (both languages) and c2 (English only); c3 has none. */
    struct ef_catalog_check kc[2] = {
        {.id = "c1", .title = "Backups are taken", .title_sv = "Säkerhetskopior tas"},
        {.id = "c2", .title = "Patched"}};
    struct ef_check_catalogs cats = {.linux_checks = {.v = kc, .n = 2}};
    static const char *const months[12] = {"januari",   "februari", "mars",     "april",
                                           "maj",       "juni",     "juli",     "augusti",
                                           "september", "oktober",  "november", "december"};
    char want[160];
    int y, m, d;

    assert_int_equal(ef_board_report(f->s, &f->cat, &cats, period, "sv", 7, f->t0, out), EF_OK);
    fclose(out);
    assert_int_equal(ef_read_file(path, 1 << 20, &html, &len), 0);
    /* The checks by title in Swedish, the id beside; severity and dates in Swedish. */
    assert_non_null(strstr(html, "<td>Säkerhetskopior tas <span class=\"id\">(c1)</span></td>"
                                 "<td>hög</td><td>8.9,5.17</td>"));
    assert_non_null(strstr(html, "<td>Patched <span class=\"id\">(c2)</span></td><td>hög</td>"));
    assert_non_null(strstr(html, "<td>c3</td><td>hög</td>"));
    assert_null(strstr(html, ">high<"));
    assert_int_equal(sscanf(period, "%4d-%2d", &y, &m), 2);
    snprintf(want, sizeof(want), "Period: %s (1 %s %d – ", period, months[m - 1], y);
    assert_non_null(strstr(html, want));
    ef_time_rfc3339(f->t0, want);
    assert_int_equal(sscanf(want, "%4d-%2d-%2d", &y, &m, &d), 3);
    snprintf(want, sizeof(want), "Framtagen: %d %s %d kl. 10:00 UTC", d, months[m - 1], y);
    assert_non_null(strstr(html, want));
    /* The weakest controls by their Swedish titles: 8.8 (53.8 %) leads. */
    assert_non_null(strstr(html, "<tr><td>8.8</td><td>Hantering av sårbarheter</td>"));
    assert_non_null(strstr(html, "@page{size:A4"));
    assert_non_null(strstr(html, "<svg"));
    assert_non_null(strstr(html, SOC));
    assert_non_null(strstr(html, ALD));
    assert_non_null(strstr(html, "71,4\xc2\xa0%")); /* Swedish decimal comma */
    assert_non_null(strstr(html, "Riskacceptanser"));
    assert_non_null(strstr(html, "ald-3")); /* the stale host is listed */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "http://"));
    free(html);
    /* Counts in the report's language: groups of three, a no-break space in Swedish. */
    {
        char nb[EF_NUM_TEXT_MAX];

        assert_string_equal(ef_num_text(0, 1, nb), "0");
        assert_string_equal(ef_num_text(999, 1, nb), "999");
        assert_string_equal(ef_num_text(1000, 1, nb), "1\xc2\xa0"
                                                      "000");
        assert_string_equal(ef_num_text(141000, 1, nb), "141\xc2\xa0"
                                                        "000");
        assert_string_equal(ef_num_text(1234567, 0, nb), "1,234,567");
        assert_string_equal(ef_num_text(-1234, 1, nb), "-1\xc2\xa0"
                                                       "234");
        assert_string_equal(ef_num_text(INT64_MIN, 0, nb), "-9,223,372,036,854,775,808");
    }
    assert_int_equal(ef_period_parse("2026H2", &(int64_t){0}, &(int64_t){0}), 0);
    assert_int_equal(ef_period_parse("2026H3", &(int64_t){0}, &(int64_t){0}), -1);
    assert_int_equal(ef_period_parse("2026-13", &(int64_t){0}, &(int64_t){0}), -1);
}

static void test_export_and_verify(void **state)
{
    struct fx *f = *state;
    char path[200], key[200], err[512], *text = NULL, *sink = NULL, *pinned;
    struct ef_export_opts o = {.format = "json", .actor = "test", .key_path = key};
    size_t len, sinklen;
    json_t *doc, *reports;
    FILE *out, *msgs;

    snprintf(path, sizeof(path), "%s/export.out", f->dir);
    snprintf(key, sizeof(key), "%s/export-key.pem", f->dir);
    o.now = f->t0;
    out = fopen(path, "w");
    assert_int_equal(ef_export(f->s, &o, out, err, sizeof(err)), EF_OK);
    fclose(out);
    pinned = ef_key_public_b64(export_key);
    assert_non_null(pinned);
    msgs = open_memstream(&sink, &sinklen);
    assert_int_equal(ef_verify_export(path, pinned, 0, msgs, err, sizeof(err)), 0);
    fclose(msgs);
    assert_non_null(strstr(sink, "ok: 14 reports verified"));
    free(sink);
    /* Unpinned: consistent, but UNPINNED and a failure unless asked for. */
    msgs = open_memstream(&sink, &sinklen);
    assert_int_equal(ef_verify_export(path, NULL, 0, msgs, err, sizeof(err)), 1);
    assert_int_equal(ef_verify_export(path, NULL, 1, msgs, err, sizeof(err)), 0);
    fclose(msgs);
    assert_non_null(strstr(sink, "UNPINNED: 14 reports consistent"));
    free(sink);

    /* Remove one report from the file: named as removed. */
    assert_int_equal(ef_read_file(path, 1 << 24, &text, &len), 0);
    doc = json_loads(text, 0, NULL);
    free(text);
    reports = json_object_get(doc, "reports");
    {
        const char *gone =
            json_string_value(json_object_get(json_array_get(reports, 3), "agent_id"));
        char want[128];

        snprintf(want, sizeof(want), "report %s seq 1: listed in the manifest but missing", gone);
        json_array_remove(reports, 3);
        assert_int_equal(json_dump_file(doc, path, 0), 0);
        msgs = open_memstream(&sink, &sinklen);
        assert_int_equal(ef_verify_export(path, pinned, 0, msgs, err, sizeof(err)), 1);
        fclose(msgs);
        assert_non_null(strstr(sink, want));
        free(sink);
    }
    json_decref(doc);
    /* Not the collector's key: a pinned key that differs fails. */
    msgs = open_memstream(&sink, &sinklen);
    assert_true(ef_verify_export(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0, msgs, err,
                                 sizeof(err)) >= 1);
    fclose(msgs);
    assert_non_null(strstr(sink, "not the expected"));
    free(sink);
    free(pinned);
}

/* A version 1 database with data opens as version 2 with its counters built. */
static void test_migration_from_v1(void **state)
{
    struct fx *f = *state;
    sqlite3 *db;
    struct ef_summary sum;
    static const unsigned char key[32] = {1};

#ifdef EF_HAVE_POSTGRES
    if (test_db_pg() != NULL) {
        /* The same version 1 database in PostgreSQL's schema. */
        char sql[1024];

        assert_int_equal(test_db_exec(NULL, ef_pg_schema), 0);
        snprintf(
            sql, sizeof(sql),
            "INSERT INTO departments VALUES (1, 'Äldreomsorgen', 1, 'h', 'x');"
            "INSERT INTO agents (agent_id, machine_id, department_id, public_key, hostname, "
            "enrolled_at, last_seq, last_seen) VALUES ('ag-1', 'm', 1, "
            "'\\x0100000000000000000000000000000000000000000000000000000000000000', "
            "'old-host', 'x', 3, %lld);"
            "INSERT INTO reports VALUES (1, 'ag-1', 3, '\\x7b7d', '\\x00', 's', 'g', 'r');"
            "INSERT INTO latest_results VALUES ('ag-1','c1','pass','e','high','basic','8.9',1),"
            " ('ag-1','c2','fail','e','high','basic','8.8',1),"
            " ('ag-1','c3','error','e','high','basic','8.15',1);",
            (long long)(f->t0 - 3600));
        assert_int_equal(test_db_exec(NULL, sql), 0);
        goto opened;
    }
#endif
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, ef_sqlite_schema, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO departments VALUES (1, 'Äldreomsorgen', 1, 'h', 'x');"
                     "INSERT INTO reports VALUES (1, 'ag-1', 3, x'7b7d', x'00', 's', 'g', 'r');",
                     NULL, NULL, NULL),
        SQLITE_OK);
    {
        sqlite3_stmt *st;
        char sql[400];

        snprintf(sql, sizeof(sql),
                 "INSERT INTO agents (agent_id, machine_id, department_id, public_key, hostname, "
                 "enrolled_at, last_seq, last_seen) VALUES ('ag-1', 'm', 1, ?1, 'old-host', 'x', "
                 "3, %lld)",
                 (long long)(f->t0 - 3600));
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO latest_results VALUES ('ag-1','c1','pass','e',"
                                  "'high','basic','8.9',1), ('ag-1','c2','fail','e','high',"
                                  "'basic','8.8',1), ('ag-1','c3','error','e','high','basic',"
                                  "'8.15',1);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
#ifdef EF_HAVE_POSTGRES
opened:
#endif
    f->s = open_store(f);
    assert_int_equal(ef_summary_build(f->s, NULL, 7, f->t0, &sum), EF_OK);
    assert_int_equal(sum.ndepts, 1);
    expect(sum.depts[0].counts, 1, 1, 0, 0, 1, 0);
    assert_int_equal(sum.nhosts, 1);
    expect(sum.hosts[0].counts, 1, 1, 0, 0, 1, 0);
    assert_false(sum.hosts[0].stale);
    /* Schema 5: an agent that had reported is a Linux agent (no edition, no build). */
    assert_string_equal(sum.hosts[0].platform, "linux");
    assert_string_equal(sum.hosts[0].os_edition, "");
    assert_int_equal(sum.depts[0].platform_hosts[EF_PLAT_LINUX], 1);
    assert_int_equal(sum.depts[0].platform_hosts[EF_PLAT_WINDOWS], 0);
    ef_summary_free(&sum);
    ef_store_close(f->s);
    f->s = open_store(f); /* reopening a version 2 database changes nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_department_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acceptance_and_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_acceptance_and_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshots_keep_the_past, setup, teardown),
        cmocka_unit_test_setup_teardown(test_board_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_and_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_v1, setup_empty, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
