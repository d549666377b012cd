/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's store and request logic, against a real SQLite database in a temporary
 * folder, or the PostgreSQL database EF_TEST_DATABASE names (test_db.h): departments and tokens,
 * enrollment, report ingestion, seq bookkeeping, the summary (including a stale agent) and
 * the paged reading of stored reports for exports and their read snapshot. */
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
#include "efterlev/b64.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "enroll.h"
#include "store/snapshot.h"
#include "store/store.h"
#include "test_db.h"
#include "names.h"
#include "tokens.h"

struct fx {
    char dir[64];
    char db[128];
    struct ef_store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256], url[512];

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/ef-coll-unit.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/efterlev.db", f->dir);
    test_db_url(f->db, url, sizeof(url));
    test_db_reset();
    f->s = ef_store_open(url, 1, err, sizeof(err));
    if (f->s == NULL)
        fail_msg("open: %s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[160];

    ef_store_close(f->s);
    unlink(f->db);
    snprintf(p, sizeof(p), "%s-wal", f->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->db);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Add a department; token receives "<id>.<secret>". */
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

/* The keys new_key made, so enroll() can sign its proof with the key of a public key. */
static struct {
    unsigned char pub[EF_ED25519_PUB_LEN];
    EVP_PKEY *key;
} made[64];
static size_t nmade;

static EVP_PKEY *new_key(unsigned char pub[EF_ED25519_PUB_LEN])
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    assert_non_null(k);
    assert_int_equal(ef_key_public_raw(k, pub), 0);
    nmade %= sizeof(made) / sizeof(made[0]);
    memcpy(made[nmade].pub, pub, EF_ED25519_PUB_LEN);
    made[nmade++].key = k; /* not owned: the test frees its keys */
    return k;
}

static EVP_PKEY *key_of(const unsigned char pub[EF_ED25519_PUB_LEN])
{
    for (size_t i = 0; i < nmade; i++)
        if (memcmp(made[i].pub, pub, EF_ED25519_PUB_LEN) == 0)
            return made[i].key;
    fail_msg("no key made for this public key");
    return NULL;
}

/* Enrol through the request logic (with the proof by pub's key, and a current_proof by
 * current's key when given); returns the HTTP status, agent_id into id. */
static int enroll_as(struct ef_store *s, const char *token, const char *machine,
                     const unsigned char pub[EF_ED25519_PUB_LEN], EVP_PKEY *current, char *id,
                     size_t idlen)
{
    struct ef_answer ans = {0};
    char *b64 = ef_b64_encode(pub, EF_ED25519_PUB_LEN), *body, *proof, *cur = NULL;
    json_t *req;
    int status;

    assert_non_null(b64);
    proof = ef_enroll_proof(key_of(pub), token, machine, "host-1", b64);
    assert_non_null(proof);
    req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", token, "hostname", "host-1", "machine_id",
                    machine, "public_key", b64, "proof", proof);
    if (current != NULL) {
        cur = ef_enroll_proof(current, token, machine, "host-1", b64);
        json_object_set_new(req, "current_proof", json_string(cur));
    }
    free(proof);
    free(cur);
    body = json_dumps(req, JSON_COMPACT);
    ef_enroll(s, NULL, NULL, body, strlen(body), &ans);
    status = ans.status;
    if (status == 201 && id != NULL)
        snprintf(id, idlen, "%s", json_string_value(json_object_get(ans.body, "agent_id")));
    ef_answer_clear(&ans);
    json_decref(req);
    free(body);
    free(b64);
    return status;
}

static int enroll(struct ef_store *s, const char *token, const char *machine,
                  const unsigned char pub[EF_ED25519_PUB_LEN], char *id, size_t idlen)
{
    return enroll_as(s, token, machine, pub, NULL, id, idlen);
}

/* A report with np passes and nf failures, serialised into *body (caller frees). */
static char *make_report(const char *agent_id, uint64_t seq, int np, int nf, const char *tag,
                         size_t *len)
{
    struct ef_report r;
    char *out;
    int i;

    ef_report_init(&r);
    snprintf(r.agent_id, sizeof(r.agent_id), "%s", agent_id);
    r.seq = seq;
    ef_now_rfc3339(r.generated_at);
    snprintf(r.host.hostname, sizeof(r.host.hostname), "host-%s", tag);
    snprintf(r.host.machine_id, sizeof(r.host.machine_id), "m");
    snprintf(r.host.os_pretty, sizeof(r.host.os_pretty), "Debian GNU/Linux 12");
    snprintf(r.host.kernel, sizeof(r.host.kernel), "6.1.0");
    snprintf(r.agent_version, sizeof(r.agent_version), "0.1.0");
    snprintf(r.policy_id, sizeof(r.policy_id), "baseline");
    for (i = 0; i < np + nf; i++) {
        struct ef_result *res = ef_report_add(&r);

        assert_non_null(res);
        snprintf(res->check, sizeof(res->check), "%s-check-%d", tag, i);
        res->status = i < np ? EF_PASS : EF_FAIL;
        snprintf(res->evidence, sizeof(res->evidence), "evidence %d", i);
        snprintf(res->controls[0], sizeof(res->controls[0]), "8.9");
        res->ncontrols = 1;
        res->severity = EF_SEV_MEDIUM;
        res->level = EF_LEVEL_BASIC;
    }
    out = ef_report_serialize(&r, len);
    assert_non_null(out);
    ef_report_free(&r);
    return out;
}

static int ingest(struct ef_store *s, EVP_PKEY *key, const char *agent_id, const char *body,
                  size_t len)
{
    struct ef_answer ans = {0};
    char *sig = ef_sign_header(key, body, len);
    int status;

    assert_non_null(sig);
    ef_ingest(s, NULL, agent_id, sig, body, len, time(NULL), &ans);
    status = ans.status;
    assert_non_null(ans.body);
    if (status >= 400)
        assert_non_null(json_string_value(json_object_get(ans.body, "error")));
    ef_answer_clear(&ans);
    free(sig);
    return status;
}

static int64_t count_rows(struct fx *f, const char *sql)
{
    return test_db_int(f->db, sql);
}

static void test_department_and_token(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    struct ef_department d, *list = NULL;
    char token[128], hash[65], secret[EF_SECRET_LEN + 1], h2[65];
    int64_t id, tid;
    size_t n;

    id = add_dept(s, "Socialförvaltningen", EF_LEVEL_ELEVATED, token, sizeof(token));
    assert_int_equal(ef_token_split(token, &tid, hash), 0);
    assert_int_equal(tid, id);
    assert_int_equal(s->ops->department_get(s, tid, &d), EF_OK);
    assert_string_equal(d.name, "Socialförvaltningen");
    assert_int_equal(d.level, EF_LEVEL_ELEVATED);
    assert_true(ef_token_hash_equal(d.token_hash, hash));
    /* The stored value is the hash, never the secret. */
    assert_null(strstr(d.token_hash, strchr(token, '.') + 1));

    token[strlen(token) - 1] ^= 1; /* another secret of the same shape */
    if (ef_token_split(token, &tid, hash) == 0)
        assert_false(ef_token_hash_equal(d.token_hash, hash));
    assert_int_equal(ef_token_split("12", &tid, hash), -1);
    assert_int_equal(ef_token_split("x.abc", &tid, hash), -1);
    assert_int_equal(s->ops->department_get(s, id + 100, &d), EF_NOTFOUND);

    assert_int_equal(ef_secret_new(secret, h2), 0);
    assert_int_equal(
        s->ops->department_add(s, "Socialförvaltningen", EF_LEVEL_BASIC, h2, time(NULL), &id),
        EF_EXISTS);
    add_dept(s, "Kultur", EF_LEVEL_BASIC, token, sizeof(token));
    assert_int_equal(s->ops->department_list(s, &list, &n), EF_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "Kultur");
    assert_int_equal(list[1].hosts, 0);
    free(list);

    assert_true(ef_dept_name_valid("Socialförvaltningen"));
    assert_false(ef_dept_name_valid(""));
    assert_false(ef_dept_name_valid("tab\there"));
    assert_false(ef_dept_name_valid("c1\xc2\x85"));
    assert_false(ef_dept_name_valid("bad\xff"));

    /* NFC (names.h): a decomposed ö (o + U+0308) becomes the precomposed U+00F6; text already
     * in NFC is unchanged; roles keep their prefix. */
    char nfc[EF_DEPT_NAME_MAX + 1], role[EF_ROLE_MAX + 1];
    assert_int_equal(ef_dept_name_canon("Socialfo\xcc\x88rvaltningen", nfc), 0);
    assert_string_equal(nfc, "Socialf\xc3\xb6rvaltningen");
    assert_int_equal(ef_dept_name_canon("Barn- och utbildningsförvaltningen", nfc), 0);
    assert_string_equal(nfc, "Barn- och utbildningsförvaltningen");
    assert_int_equal(ef_dept_name_canon("A\xcc\x8angermanland", nfc), 0); /* A + ring: Å */
    assert_string_equal(nfc, "\xc3\x85ngermanland");
    assert_int_equal(ef_dept_name_canon("tab\there", nfc), -1);
    assert_int_equal(ef_dept_name_canon("", nfc), -1);
    assert_int_equal(ef_dept_name_canon("bad\xff", nfc), -1);
    /* 40 x U+0958 (3 bytes; a composition exclusion, 6 bytes in NFC): 120 bytes given, 240
     * in NFC, over the 128-byte limit: refused rather than cut */
    char longer[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(longer, "\xe0\xa5\x98");
    assert_true(ef_dept_name_valid(longer));
    assert_int_equal(ef_dept_name_canon(longer, nfc), -1);
    assert_int_equal(ef_role_canon("department:Socialfo\xcc\x88rvaltningen", role), 0);
    assert_string_equal(role, "department:Socialförvaltningen");
    assert_int_equal(ef_role_canon("coordinator", role), 0);
    assert_string_equal(role, "coordinator");
    assert_int_equal(ef_role_canon("department:", role), -1);
}

static void test_enroll_and_reenroll(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    unsigned char pub1[EF_ED25519_PUB_LEN], pub2[EF_ED25519_PUB_LEN];
    char token[128], bad[128], id1[64], id2[64], *body;
    EVP_PKEY *k1 = new_key(pub1), *k2 = new_key(pub2);
    struct ef_agent a;
    size_t len;

    add_dept(s, "IT", EF_LEVEL_HIGH, token, sizeof(token));
    snprintf(bad, sizeof(bad), "%s", token);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(enroll(s, bad, "mach", pub1, NULL, 0), 401);
    assert_int_equal(
        enroll(s, "999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "mach", pub1, NULL, 0), 401);

    assert_int_equal(enroll(s, token, "mach", pub1, id1, sizeof(id1)), 201);
    assert_int_equal(strlen(id1), EF_AGENT_ID_LEN);
    body = make_report(id1, 5, 1, 0, "a", &len);
    assert_int_equal(ingest(s, k1, id1, body, len), 202);
    free(body);
    assert_int_equal(s->ops->agent_get(s, id1, &a), EF_OK);
    assert_int_equal(a.last_seq, 5);

    /* Same key again: same id, seq kept, so replays stay refused. */
    assert_int_equal(enroll(s, token, "mach", pub1, id2, sizeof(id2)), 201);
    assert_string_equal(id1, id2);
    assert_int_equal(s->ops->agent_get(s, id1, &a), EF_OK);
    assert_int_equal(a.last_seq, 5);

    /* New key: refused without the current key's proof (no takeover by machine id)... */
    assert_int_equal(enroll(s, token, "mach", pub2, id2, sizeof(id2)), 409);
    /* ... taken with it: same id, key replaced, seq reset. */
    assert_int_equal(enroll_as(s, token, "mach", pub2, k1, id2, sizeof(id2)), 201);
    assert_string_equal(id1, id2);
    assert_int_equal(s->ops->agent_get(s, id1, &a), EF_OK);
    assert_int_equal(a.last_seq, 0);
    assert_memory_equal(a.public_key, pub2, EF_ED25519_PUB_LEN);
    body = make_report(id1, 1, 1, 0, "a", &len);
    assert_int_equal(ingest(s, k1, id1, body, len), 401); /* old key */
    assert_int_equal(ingest(s, k2, id1, body, len), 202);
    free(body);

    /* Another machine gets another id. */
    assert_int_equal(enroll(s, token, "mach-2", pub1, id2, sizeof(id2)), 201);
    assert_string_not_equal(id1, id2);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

/* The answer to an upload (status and JSON body; caller decrefs the body). */
static int ingest_answer(struct ef_store *s, EVP_PKEY *key, const char *agent_id, const char *body,
                         size_t len, json_t **out)
{
    struct ef_answer ans = {0};
    char *sig = ef_sign_header(key, body, len);
    int status;

    assert_non_null(sig);
    ef_ingest(s, NULL, agent_id, sig, body, len, time(NULL), &ans);
    status = ans.status;
    *out = json_incref(ans.body);
    ef_answer_clear(&ans);
    free(sig);
    return status;
}

/* A 409 tells the agent the last stored seq and whether this very report is stored: a
 * report the collector holds is told apart from a seq that fell behind (issue 17). */
static void test_conflict_says_last_seq_and_stored(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    unsigned char pub[EF_ED25519_PUB_LEN];
    char token[128], id[64], *r1, *r2, *r3, *r2b;
    EVP_PKEY *k = new_key(pub);
    size_t l1, l2, l3, l2b;
    json_t *o;

    add_dept(s, "IT", EF_LEVEL_BASIC, token, sizeof(token));
    assert_int_equal(enroll(s, token, "mach", pub, id, sizeof(id)), 201);
    r1 = make_report(id, 1, 1, 0, "a", &l1);
    r2 = make_report(id, 2, 1, 0, "b", &l2);
    r3 = make_report(id, 3, 1, 0, "c", &l3);
    r2b = make_report(id, 2, 2, 0, "d", &l2b); /* seq 2 again, another body */
    assert_int_equal(ingest(s, k, id, r1, l1), 202);
    assert_int_equal(ingest(s, k, id, r2, l2), 202);
    assert_int_equal(ingest(s, k, id, r3, l3), 202);

    /* An older report the collector holds: stored. */
    assert_int_equal(ingest_answer(s, k, id, r1, l1, &o), 409);
    assert_int_equal(json_integer_value(json_object_get(o, "last_seq")), 3);
    assert_true(json_is_true(json_object_get(o, "stored")));
    assert_non_null(strstr(json_string_value(json_object_get(o, "error")),
                           "seq 1 not greater than last stored 3"));
    json_decref(o);
    /* Its seq with another body (what a restored state folder sends): not stored. */
    assert_int_equal(ingest_answer(s, k, id, r2b, l2b, &o), 409);
    assert_int_equal(json_integer_value(json_object_get(o, "last_seq")), 3);
    assert_true(json_is_false(json_object_get(o, "stored")));
    json_decref(o);
    /* The last report again stays an idempotent duplicate. */
    assert_int_equal(ingest_answer(s, k, id, r3, l3, &o), 200);
    assert_true(json_is_true(json_object_get(o, "duplicate")));
    json_decref(o);
    /* None of it stored anything. */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM reports"), 3);
    free(r1);
    free(r2);
    free(r3);
    free(r2b);
    EVP_PKEY_free(k);
}

static void test_ingest_and_seq(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    unsigned char pub[EF_ED25519_PUB_LEN];
    char token[128], id[64], *r1, *r1b, *r2;
    EVP_PKEY *k = new_key(pub);
    struct ef_host_row *rows = NULL;
    struct ef_answer ans = {0};
    size_t l1, l1b, l2, n;

    add_dept(s, "IT", EF_LEVEL_BASIC, token, sizeof(token));
    assert_int_equal(enroll(s, token, "mach", pub, id, sizeof(id)), 201);

    r1 = make_report(id, 1, 3, 1, "x", &l1);
    r1b = make_report(id, 1, 1, 1, "y", &l1b);
    r2 = make_report(id, 2, 1, 2, "z", &l2);
    assert_int_equal(ingest(s, k, id, r1, l1), 202);
    assert_int_equal(ingest(s, k, id, r1, l1), 200);   /* duplicate */
    assert_int_equal(ingest(s, k, id, r1b, l1b), 409); /* same seq, other body */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM latest_results"), 4);

    assert_int_equal(ingest(s, k, id, r2, l2), 202);
    assert_int_equal(ingest(s, k, id, r1, l1), 409); /* older */
    /* Latest results replaced (other check ids), history kept. */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM latest_results"), 3);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM latest_results WHERE check_id "
                                   "LIKE 'x-%'"),
                     0);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM results_history"), 7);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM reports"), 2);
    assert_int_equal(count_rows(f, "SELECT length(body) FROM reports WHERE seq = 2"), l2);
    assert_int_equal(count_rows(f, "SELECT length(signature) FROM reports WHERE seq = 2"), 64);

    assert_int_equal(s->ops->host_rows(s, NULL, NULL, &rows, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].hostname, "host-z");
    assert_int_equal(rows[0].last_seq, 2);
    assert_int_equal(rows[0].counts[EF_PASS], 1);
    assert_int_equal(rows[0].counts[EF_FAIL], 2);
    free(rows);

    /* Refusals in order. */
    ef_ingest(s, NULL, NULL, "x", r2, l2, time(NULL), &ans);
    assert_int_equal(ans.status, 400);
    ef_ingest(s, NULL, "ag-nobody", "ed25519=AAAA", r2, l2, time(NULL), &ans);
    assert_int_equal(ans.status, 401);
    ef_ingest(s, NULL, id, "ed25519=AAAA", r2, l2, time(NULL), &ans);
    assert_int_equal(ans.status, 401);
    ef_ingest(s, NULL, id, "x", r2, EF_BODY_MAX + 1, time(NULL), &ans);
    assert_int_equal(ans.status, 413);
    ef_answer_clear(&ans);

    free(r1);
    free(r1b);
    free(r2);
    EVP_PKEY_free(k);
}

static void test_summary_stale(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    unsigned char pub1[EF_ED25519_PUB_LEN], pub2[EF_ED25519_PUB_LEN], pub3[EF_ED25519_PUB_LEN];
    char token[128], other[128], id1[64], id2[64], id3[64], *b;
    EVP_PKEY *k1 = new_key(pub1), *k2 = new_key(pub2), *k3 = new_key(pub3);
    struct ef_report r;
    struct ef_report_record rec;
    struct ef_summary sum;
    struct ef_agent a;
    unsigned char sig[EF_ED25519_SIG_LEN] = {0};
    char sha[65], err[128];
    time_t now = time(NULL);
    size_t len;

    add_dept(s, "IT", EF_LEVEL_ELEVATED, token, sizeof(token));
    add_dept(s, "Kultur", EF_LEVEL_BASIC, other, sizeof(other));
    assert_int_equal(enroll(s, token, "m1", pub1, id1, sizeof(id1)), 201);
    assert_int_equal(enroll(s, token, "m2", pub2, id2, sizeof(id2)), 201);
    assert_int_equal(enroll(s, other, "m3", pub3, id3, sizeof(id3)), 201);

    b = make_report(id1, 1, 3, 1, "fresh", &len);
    assert_int_equal(ingest(s, k1, id1, b, len), 202);
    free(b);

    /* id2 last reported 30 days ago: stored directly with an old received_at. */
    b = make_report(id2, 1, 0, 5, "old", &len);
    assert_int_equal(ef_report_parse(b, len, &r, err, sizeof(err)), 0);
    ef_sha256_hex(b, len, sha);
    rec = (struct ef_report_record){.agent_id = id2,
                                    .body = b,
                                    .body_len = len,
                                    .signature = sig,
                                    .sha256 = sha,
                                    .received_at = now - 30 * 24 * 3600,
                                    .report = &r};
    assert_int_equal(s->ops->report_store(s, &rec), EF_OK);
    assert_int_equal(s->ops->report_store(s, &rec), EF_EXISTS); /* seq claimed */
    ef_report_free(&r);
    free(b);

    /* The seq is claimed only under the key the signature was verified with: a report
     * checked against a key that a re-enrollment has since replaced is not stored. */
    b = make_report(id1, 2, 3, 1, "fresh", &len);
    assert_int_equal(ef_report_parse(b, len, &r, err, sizeof(err)), 0);
    ef_sha256_hex(b, len, sha);
    rec = (struct ef_report_record){.agent_id = id1,
                                    .body = b,
                                    .body_len = len,
                                    .signature = sig,
                                    .sha256 = sha,
                                    .received_at = now,
                                    .report = &r,
                                    .public_key = pub2};
    assert_int_equal(s->ops->report_store(s, &rec), EF_EXISTS);
    rec.public_key = pub1;
    assert_int_equal(s->ops->report_store(s, &rec), EF_OK);
    ef_report_free(&r);
    free(b);

    /* The store keeps the replay rule itself, not only ingest: a lower seq handed to it
     * directly (another body, so no duplicate) is refused and changes nothing. */
    b = make_report(id1, 1, 0, 4, "replayed", &len);
    assert_int_equal(ef_report_parse(b, len, &r, err, sizeof(err)), 0);
    ef_sha256_hex(b, len, sha);
    rec = (struct ef_report_record){.agent_id = id1,
                                    .body = b,
                                    .body_len = len,
                                    .signature = sig,
                                    .sha256 = sha,
                                    .received_at = now,
                                    .report = &r,
                                    .public_key = pub1};
    assert_int_equal(s->ops->report_store(s, &rec), EF_EXISTS);
    assert_int_equal(s->ops->agent_get(s, id1, &a), EF_OK);
    assert_int_equal(a.last_seq, 2);
    ef_report_free(&r);
    free(b);

    assert_int_equal(ef_summary_build(s, NULL, 7, now, &sum), EF_OK);
    assert_int_equal(sum.ndepts, 2);
    assert_string_equal(sum.depts[0].name, "IT");
    assert_int_equal(sum.depts[0].hosts, 2);
    assert_int_equal(sum.depts[0].stale_hosts, 1);
    assert_int_equal(sum.depts[0].counts[EF_PASS], 3); /* the stale 5 failures left out */
    assert_int_equal(sum.depts[0].counts[EF_FAIL], 1);
    assert_true(ef_compliance_pct(sum.depts[0].counts) > 74.9);
    assert_true(ef_compliance_pct(sum.depts[0].counts) < 75.1);
    assert_int_equal(sum.depts[1].hosts, 1);
    assert_int_equal(sum.depts[1].stale_hosts, 1); /* never reported */
    assert_true(ef_compliance_pct(sum.depts[1].counts) < 0);
    assert_int_equal(sum.nhosts, 3);
    for (len = 0; len < sum.nhosts; len++) {
        if (strcmp(sum.hosts[len].agent_id, id1) == 0)
            assert_false(sum.hosts[len].stale);
        else
            assert_true(sum.hosts[len].stale);
    }
    ef_summary_free(&sum);

    assert_int_equal(ef_summary_build(s, "Kultur", 7, now, &sum), EF_OK);
    assert_int_equal(sum.ndepts, 1);
    assert_int_equal(sum.nhosts, 1);
    assert_string_equal(sum.hosts[0].agent_id, id3);
    ef_summary_free(&sum);
    assert_int_equal(ef_summary_build(s, "Nope", 7, now, &sum), EF_NOTFOUND);

    /* With a 60-day window the old agent counts again. */
    assert_int_equal(ef_summary_build(s, "IT", 60, now, &sum), EF_OK);
    assert_int_equal(sum.depts[0].stale_hosts, 0);
    assert_int_equal(sum.depts[0].counts[EF_FAIL], 6);
    ef_summary_free(&sum);

    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    EVP_PKEY_free(k3);
}

/* What report_iter handed out, checked as it came: the order, and that the body (parsed
 * while the callback runs) is the report it claims to be. */
struct iter_seen {
    char agent[8][EF_ID_MAX + 1];
    int64_t last_id;
    char last_agent[EF_ID_MAX + 1];
    uint64_t seqs[8][80];
    size_t per_agent[8], nagents, total, stop_at;
};

static int iter_cb(void *arg, const struct ef_stored_report *sr)
{
    struct iter_seen *w = arg;
    struct ef_report r;
    char err[256];
    size_t a;

    /* By agent, then in the order stored (id), whatever the seq. */
    assert_true(strcmp(w->last_agent, sr->agent_id) <= 0);
    if (strcmp(w->last_agent, sr->agent_id) == 0)
        assert_true(sr->id > w->last_id);
    snprintf(w->last_agent, sizeof(w->last_agent), "%s", sr->agent_id);
    w->last_id = sr->id;
    ef_report_init(&r);
    assert_int_equal(ef_report_parse(sr->body, sr->body_len, &r, err, sizeof(err)), 0);
    assert_string_equal(r.agent_id, sr->agent_id);
    assert_int_equal(r.seq, sr->seq);
    ef_report_free(&r);
    assert_int_equal(strlen(sr->sha256), 64);
    assert_int_equal(strlen(sr->received_at), 20);
    for (a = 0; a < w->nagents && strcmp(w->agent[a], sr->agent_id) != 0; a++)
        ;
    if (a == w->nagents)
        snprintf(w->agent[w->nagents++], sizeof(w->agent[0]), "%s", sr->agent_id);
    w->seqs[a][w->per_agent[a]++] = sr->seq;
    return ++w->total == w->stop_at ? 7 : 0;
}

static size_t agent_at(const struct iter_seen *w, const char *id)
{
    size_t a;

    for (a = 0; a < w->nagents && strcmp(w->agent[a], id) != 0; a++)
        ;
    assert_true(a < w->nagents);
    return a;
}

/* The export reads reports a page (8) at a time: every report once, in order, across page
 * boundaries inside an agent and between agents, with the filters, and a callback's
 * non-zero answer stops it. */
static void test_report_iter_pages(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    unsigned char pa[EF_ED25519_PUB_LEN], pb[EF_ED25519_PUB_LEN], pb2[EF_ED25519_PUB_LEN];
    char token[128], other[128], ida[64], idb[64], *body;
    EVP_PKEY *ka = new_key(pa), *kb = new_key(pb), *kb2 = new_key(pb2);
    struct ef_report_filter all = {0}, it = {0}, later = {0};
    struct iter_seen *w = calloc(1, sizeof(*w));
    size_t len, a;
    uint64_t seq;

    assert_non_null(w);
    add_dept(s, "IT", EF_LEVEL_BASIC, token, sizeof(token));
    add_dept(s, "Sales", EF_LEVEL_BASIC, other, sizeof(other));
    assert_int_equal(enroll(s, token, "mach-a", pa, ida, sizeof(ida)), 201);
    assert_int_equal(enroll(s, other, "mach-b", pb, idb, sizeof(idb)), 201);
    for (seq = 1; seq <= 70; seq++) {
        body = make_report(ida, seq, 1, 0, "a", &len);
        assert_int_equal(ingest(s, ka, ida, body, len), 202);
        free(body);
    }
    /* Agent b: seq 1..3, then a new key resets its seq: 1, 2 again. */
    for (seq = 1; seq <= 5; seq++) {
        if (seq == 4)
            assert_int_equal(enroll_as(s, other, "mach-b", pb2, kb, idb, sizeof(idb)), 201);
        body = make_report(idb, seq <= 3 ? seq : seq - 3, 1, 0, "b", &len);
        assert_int_equal(ingest(s, seq <= 3 ? kb : kb2, idb, body, len), 202);
        free(body);
    }

    assert_int_equal(s->ops->report_iter(s, &all, iter_cb, w), EF_OK);
    assert_int_equal(w->total, 75);
    assert_int_equal(w->nagents, 2);
    a = agent_at(w, ida);
    assert_int_equal(w->per_agent[a], 70);
    for (seq = 1; seq <= 70; seq++)
        assert_int_equal(w->seqs[a][seq - 1], seq);
    a = agent_at(w, idb);
    assert_int_equal(w->per_agent[a], 5);
    assert_int_equal(w->seqs[a][0], 1);
    assert_int_equal(w->seqs[a][2], 3);
    assert_int_equal(w->seqs[a][3], 1);
    assert_int_equal(w->seqs[a][4], 2);

    /* One department; a stop inside a page. */
    memset(w, 0, sizeof(*w));
    it.department = "IT";
    assert_int_equal(s->ops->report_iter(s, &it, iter_cb, w), EF_OK);
    assert_int_equal(w->total, 70);
    assert_int_equal(w->nagents, 1);
    assert_string_equal(w->agent[0], ida);
    memset(w, 0, sizeof(*w));
    w->stop_at = 66;
    assert_int_equal(s->ops->report_iter(s, &all, iter_cb, w), 7);
    assert_int_equal(w->total, 66);

    /* Receipt time: everything is before a day from now, nothing after. */
    memset(w, 0, sizeof(*w));
    later.since = time(NULL) + 86400;
    assert_int_equal(s->ops->report_iter(s, &later, iter_cb, w), EF_OK);
    assert_int_equal(w->total, 0);
    memset(w, 0, sizeof(*w));
    later.since = 0;
    later.until = time(NULL) + 86400;
    assert_int_equal(s->ops->report_iter(s, &later, iter_cb, w), EF_OK);
    assert_int_equal(w->total, 75);

    free(w);
    EVP_PKEY_free(ka);
    EVP_PKEY_free(kb);
    EVP_PKEY_free(kb2);
}

static int count_cb(void *arg, const struct ef_stored_report *sr)
{
    (void)sr;
    (*(size_t *)arg)++;
    return 0;
}

static size_t count_reports(struct ef_store *s)
{
    struct ef_report_filter all = {0};
    size_t n = 0;

    assert_int_equal(s->ops->report_iter(s, &all, count_cb, &n), EF_OK);
    return n;
}

/* An export's read snapshot (store/snapshot.h): a second connection in a snapshot sees none
 * of the reports stored on the first meanwhile, and all of them once it ends; a snapshot
 * cannot be opened twice. */
static void test_read_snapshot(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s, *r = NULL;
    unsigned char pa[EF_ED25519_PUB_LEN];
    EVP_PKEY *ka = new_key(pa);
    char token[128], ida[64], url[512], err[256], *body;
    size_t len;
    uint64_t seq;

    add_dept(s, "IT", EF_LEVEL_BASIC, token, sizeof(token));
    assert_int_equal(enroll(s, token, "mach-a", pa, ida, sizeof(ida)), 201);
    for (seq = 1; seq <= 5; seq++) {
        if (seq == 4) {
            test_db_url(f->db, url, sizeof(url));
            r = ef_store_open(url, 0, err, sizeof(err));
            assert_non_null(r);
            assert_int_equal(ef_store_snapshot_begin(r), EF_OK);
            assert_int_equal(count_reports(r), 3);
            assert_int_equal(ef_store_snapshot_begin(r), EF_ERR);
        }
        body = make_report(ida, seq, 1, 0, "a", &len);
        assert_int_equal(ingest(s, ka, ida, body, len), 202);
        free(body);
    }
    assert_int_equal(count_reports(s), 5);
    assert_int_equal(count_reports(r), 3);
    ef_store_snapshot_end(r);
    assert_int_equal(count_reports(r), 5);
    ef_store_close(r);
    EVP_PKEY_free(ka);
}

static void test_reopen_keeps_schema(void **state)
{
    struct fx *f = *state;
    char url[512], err[256], token[128];
    struct ef_department *list = NULL;
    struct ef_store *s2;
    size_t n;

    add_dept(f->s, "IT", EF_LEVEL_BASIC, token, sizeof(token));
    test_db_url(f->db, url, sizeof(url));
    s2 = ef_store_open(url, 0, err, sizeof(err));
    assert_non_null(s2);
    assert_int_equal(s2->ops->department_list(s2, &list, &n), EF_OK);
    assert_int_equal(n, 1);
    free(list);
    ef_store_close(s2);
    assert_null(ef_store_open("sqlite:/nonexistent/dir/x.db", 0, err, sizeof(err)));
    assert_null(ef_store_open("postgres://x", 0, err, sizeof(err)));
    assert_int_equal(count_rows(f, "SELECT version FROM schema_version"), 12);
}

/* A judge of a department's counters for the outbox test: the verdict given, whatever the
 * counters say. */
struct fixed_judge {
    int below;
    const char *figure;
};

static int fixed_judge(void *arg, const int64_t counts[EF_KINDS], char *figure, size_t len)
{
    const struct fixed_judge *j = arg;

    (void)counts;
    snprintf(figure, len, "%s", j->figure);
    return j->below;
}

/* The alert outbox (core_alerts.c): a department alerted once per crossing, one row per
 * channel; claims exclusive until their lease ends; a failed delivery counted and retried at
 * next_at, then kept as failed; a sent one marked. */
static void test_alert_outbox(void **state)
{
    struct fx *f = *state;
    struct ef_store *s = f->s;
    const unsigned both = EF_ALERT_CH_WEBHOOK | EF_ALERT_CH_SMTP;
    struct ef_alert_event *v = NULL;
    char token[128];
    time_t now = 1765000000;
    int64_t dept, n = 0, oldest = 0, failed = -1;
    size_t k = 0;
    int fired = -1;

    dept = add_dept(s, "Socialförvaltningen", EF_LEVEL_BASIC, token, sizeof(token));
    assert_int_equal(s->ops->alert_department(s, dept, fixed_judge,
                                              &(struct fixed_judge){1, "70.0"}, 80, both, now,
                                              &fired),
                     EF_OK);
    assert_int_equal(fired, 1);
    assert_int_equal(s->ops->alert_department(s, dept, fixed_judge,
                                              &(struct fixed_judge){1, "69.0"}, 80, both, now,
                                              &fired),
                     EF_OK);
    assert_int_equal(fired, 0); /* still below: nothing */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM alert_outbox"), 2);
    assert_int_equal(s->ops->alert_department(s, dept, fixed_judge,
                                              &(struct fixed_judge){0, "85.0"}, 80, both, now,
                                              &fired),
                     EF_OK);
    assert_int_equal(fired, 0);
    assert_int_equal(s->ops->alert_department(s, dept, fixed_judge,
                                              &(struct fixed_judge){1, "75.0"}, 80,
                                              EF_ALERT_CH_WEBHOOK, now, &fired),
                     EF_OK);
    assert_int_equal(fired, 1); /* crossed again: alerted again, on the channels given */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM alert_outbox"), 3);

    assert_int_equal(s->ops->alert_oldest_due(s, "webhook", now, &oldest), EF_OK);
    assert_int_equal(oldest, now);
    /* Claims: one row, then the other, then none is left. */
    assert_int_equal(s->ops->alert_claim(s, "webhook", "c1", 1, now, now + 300, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s->ops->alert_claim(s, "webhook", "c2", 10, now, now + 300, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s->ops->alert_claim(s, "webhook", "c3", 10, now, now + 300, &n), EF_OK);
    assert_int_equal(n, 0);
    assert_int_equal(s->ops->alert_claimed(s, "c1", 10, &v, &k), EF_OK);
    assert_int_equal(k, 1);
    assert_string_equal(v[0].kind, "department_below");
    assert_string_equal(v[0].department, "Socialförvaltningen");
    assert_string_equal(v[0].detail, "70.0");
    assert_int_equal(v[0].threshold, 80);
    free(v);

    /* c1 fails: counted, waits until next_at, claim released. */
    assert_int_equal(s->ops->alert_finish(s, "c1", "HTTP 503", now, now + 60, 2, &failed), EF_OK);
    assert_int_equal(failed, 0);
    assert_int_equal(s->ops->alert_claim(s, "webhook", "c4", 10, now + 59, now + 359, &n), EF_OK);
    assert_int_equal(n, 0); /* not due yet, and c2 still holds the other */
    assert_int_equal(s->ops->alert_claim(s, "webhook", "c5", 10, now + 60, now + 360, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s->ops->alert_finish(s, "c5", "HTTP 500", now + 60, now + 180, 2, &failed),
                     EF_OK);
    assert_int_equal(failed, 1); /* the second of 2 attempts: given up, kept */
    assert_int_equal(s->ops->alert_list(s, 2, 10, &v, &k), EF_OK);
    assert_int_equal(k, 1);
    assert_string_equal(v[0].state, "failed");
    assert_int_equal(v[0].attempts, 2);
    assert_string_equal(v[0].last_error, "HTTP 500");
    free(v);
    /* c2 is delivered. */
    assert_int_equal(s->ops->alert_finish(s, "c2", NULL, now + 1, 0, 2, &failed), EF_OK);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM alert_outbox WHERE state = 'sent' "
                                   "AND attempts = 1 AND claim = ''"),
                     1);
    /* A claim whose collector died: given back when its lease ends. */
    assert_int_equal(s->ops->alert_claim(s, "smtp", "c6", 10, now, now + 300, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s->ops->alert_claim(s, "smtp", "c7", 10, now + 299, now + 599, &n), EF_OK);
    assert_int_equal(n, 0);
    assert_int_equal(s->ops->alert_claim(s, "smtp", "c8", 10, now + 301, now + 601, &n), EF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s->ops->alert_list(s, 1, 10, &v, &k), EF_OK);
    assert_int_equal(k, 1); /* pending: the smtp row; failed and sent are not */
    free(v);
    assert_int_equal(s->ops->alert_test(s, EF_ALERT_CH_SMTP, now), EF_OK);
    assert_int_equal(s->ops->alert_list(s, 0, 10, &v, &k), EF_OK);
    assert_int_equal(k, 4);
    assert_string_equal(v[0].kind, "test"); /* newest first */
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_department_and_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enroll_and_reenroll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_and_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_says_last_seq_and_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_iter_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_outbox, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
