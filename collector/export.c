/* SPDX-License-Identifier: EUPL-1.2 */
/* Exports. The JSON and bundle forms carry the exact body bytes of every report (base64 in
 * JSON, as files in the bundle), its signature, every public key the agents have had and a
 * manifest, serialised once (compact, sorted keys) and signed with the collector's export
 * key. See docs/figures.md for what a verification proves. */
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "efterlev/b64.h"
#include "efterlev/buf.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "export.h"
#include "tar.h"

void ef_export_key_path(const char *config_path, char *out, size_t outlen)
{
    char tmp[PATH_MAX];

    snprintf(tmp, sizeof(tmp), "%s", config_path);
    snprintf(out, outlen, "%s/export-key.pem", dirname(tmp));
}

/* ---- collecting the reports ---- */

struct rep {
    char agent_id[EF_ID_MAX + 1];
    char department[EF_DEPT_NAME_MAX + 1];
    uint64_t seq;
    char received_at[32];
    char sha256[65];
    unsigned char *body;
    size_t body_len;
    unsigned char sig[EF_ED25519_SIG_LEN];
};

struct reps {
    struct rep *v;
    size_t n, cap;
};

static void reps_free(struct reps *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->v[i].body);
    free(r->v);
}

static int collect_cb(void *arg, const struct ef_stored_report *sr)
{
    struct reps *r = arg;
    struct rep *e, *nv = ef_array_grow(r->v, r->n, &r->cap, sizeof(*r->v), 64, EF_ARRAY_NO_MAX);

    if (nv == NULL)
        return -1;
    r->v = nv;
    e = &r->v[r->n];
    memset(e, 0, sizeof(*e));
    snprintf(e->agent_id, sizeof(e->agent_id), "%s", sr->agent_id);
    snprintf(e->department, sizeof(e->department), "%s", sr->department);
    snprintf(e->received_at, sizeof(e->received_at), "%s", sr->received_at);
    snprintf(e->sha256, sizeof(e->sha256), "%s", sr->sha256);
    e->seq = sr->seq;
    e->body_len = sr->body_len;
    e->body = malloc(sr->body_len ? sr->body_len : 1);
    if (e->body == NULL)
        return -1;
    memcpy(e->body, sr->body, sr->body_len);
    memcpy(e->sig, sr->signature, EF_ED25519_SIG_LEN);
    r->n++;
    return 0;
}

/* ---- CSV: one row per result, from the signed bodies themselves ---- */

struct csv_ctx {
    FILE *out;
    const struct ef_csv_dialect *d;
    size_t reports;
    char err[512];
};

static int csv_cb(void *arg, const struct ef_stored_report *sr)
{
    struct csv_ctx *c = arg;
    struct ef_report r;
    char err[256];
    struct ef_buf controls;
    size_t i, j;
    int rc = 0;

    ef_report_init(&r);
    if (ef_report_parse(sr->body, sr->body_len, &r, err, sizeof(err)) != 0) {
        snprintf(c->err, sizeof(c->err), "stored report %s seq %llu: %s", sr->agent_id,
                 (unsigned long long)sr->seq, err);
        ef_report_free(&r);
        return -1;
    }
    ef_buf_init(&controls, EF_CONTROLS_TEXT_MAX - 1); /* "8.9 5.17", as many as a result has */
    for (i = 0; i < r.nresults && rc == 0; i++) {
        const struct ef_result *res = &r.results[i];

        ef_buf_reset(&controls);
        for (j = 0; j < res->ncontrols && rc == 0; j++)
            rc = ef_buf_printf(&controls, "%s%s", j ? " " : "", res->controls[j]);
        if (rc != 0) {
            snprintf(c->err, sizeof(c->err), "stored report %s seq %llu: out of memory",
                     sr->agent_id, (unsigned long long)sr->seq);
            break;
        }
        ef_csv_str(c->d, c->out, sr->department, 0);
        ef_csv_str(c->d, c->out, r.host.hostname, 0);
        ef_csv_str(c->d, c->out, sr->agent_id, 0);
        ef_csv_int(c->d, c->out, (int64_t)sr->seq, 0);
        ef_csv_str(c->d, c->out, r.generated_at, 0);
        ef_csv_str(c->d, c->out, sr->received_at, 0);
        ef_csv_str(c->d, c->out, res->check, 0);
        ef_csv_str(c->d, c->out, ef_status_name(res->status), 0);
        ef_csv_str(c->d, c->out, ef_severity_name(res->severity), 0);
        ef_csv_str(c->d, c->out, ef_level_name(res->level), 0);
        ef_csv_str(c->d, c->out, ef_buf_str(&controls), 0);
        ef_csv_str(c->d, c->out, res->evidence, 0);
        ef_csv_str(c->d, c->out, sr->sha256, 1);
    }
    ef_buf_free(&controls);
    ef_report_free(&r);
    if (rc != 0)
        return -1;
    c->reports++;
    return ferror(c->out) ? -1 : 0;
}

static int export_csv(struct ef_store *s, const struct ef_export_opts *o,
                      const struct ef_report_filter *f, FILE *out, size_t *count, char *err,
                      size_t errlen)
{
    static const char *const head[] = {
        "department", "hostname", "agent_id", "seq",      "generated_at", "received_at",  "check",
        "status",     "severity", "level",    "controls", "evidence",     "report_sha256"};
    struct csv_ctx c = {.out = out, .d = o->dialect ? o->dialect : &ef_csv_rfc4180};
    size_t i;
    int rc;

    ef_csv_begin(c.d, out);
    for (i = 0; i < EF_ARRAY_LEN(head); i++)
        ef_csv_str(c.d, out, head[i], i + 1 == EF_ARRAY_LEN(head));
    rc = s->ops->report_iter(s, f, csv_cb, &c);
    if (rc != EF_OK) {
        snprintf(err, errlen, "%s", c.err[0] ? c.err : s->err);
        return EF_ERR;
    }
    *count = c.reports;
    return EF_OK;
}

/* ---- manifest ---- */

static json_t *time_or_null(time_t t)
{
    char buf[32];

    if (t <= 0)
        return json_null();
    ef_time_rfc3339(t, buf);
    return json_string(buf);
}

/* The manifest document; agents restricted to those with reports in the export. */
static json_t *manifest_json(const struct ef_export_opts *o, const struct reps *r,
                             const struct ef_agent_row *agents, size_t nagents, const char *key)
{
    json_t *m, *ja, *jr, *jp;
    char when[32], *pub, *cert;
    size_t i, j, first;

    ef_time_rfc3339(o->now, when);
    m = json_pack("{s:s, s:s, s:s, s:s, s:{s:o, s:o, s:o}, s:I, s:[], s:[], s:[]}", "format",
                  EF_MANIFEST_FORMAT, "created_at", when, "created_by", o->actor, "collector_key",
                  key, "filters", "department",
                  o->department ? json_string(o->department) : json_null(), "since",
                  time_or_null(o->since), "until", time_or_null(o->until), "count",
                  (json_int_t)r->n, "agents", "reports", "per_agent");
    if (m == NULL)
        return NULL;
    ja = json_object_get(m, "agents");
    jr = json_object_get(m, "reports");
    jp = json_object_get(m, "per_agent");
    for (i = 0; i < nagents; i++) {
        for (j = 0; j < r->n; j++)
            if (strcmp(r->v[j].agent_id, agents[i].agent_id) == 0)
                break;
        if (j == r->n)
            continue;
        pub = ef_b64_encode(agents[i].public_key, EF_ED25519_PUB_LEN);
        cert = agents[i].has_cert ? ef_b64_encode(agents[i].cert, EF_ED25519_SIG_LEN) : NULL;
        if (pub == NULL || (agents[i].has_cert && cert == NULL) ||
            json_array_append_new(
                ja, json_pack("{s:s, s:s, s:s, s:s, s:o}", "agent_id", agents[i].agent_id,
                              "hostname", agents[i].hostname, "department", agents[i].department,
                              "public_key", pub, "key_certificate",
                              cert != NULL ? json_string(cert) : json_null())) != 0) {
            free(pub);
            free(cert);
            json_decref(m);
            return NULL;
        }
        free(pub);
        free(cert);
    }
    /* Reports come by agent: one per_agent entry per run of the same agent. */
    for (i = 0, first = 0; i < r->n; i++) {
        const struct rep *e = &r->v[i];

        if (json_array_append_new(jr, json_pack("{s:s, s:I, s:s, s:s, s:s}", "agent_id",
                                                e->agent_id, "seq", (json_int_t)e->seq, "sha256",
                                                e->sha256, "received_at", e->received_at,
                                                "department", e->department)) != 0)
            goto fail;
        if (i + 1 < r->n && strcmp(r->v[i + 1].agent_id, e->agent_id) == 0)
            continue;
        if (json_array_append_new(jp, json_pack("{s:s, s:I, s:I, s:I}", "agent_id", e->agent_id,
                                                "reports", (json_int_t)(i + 1 - first), "first_seq",
                                                (json_int_t)r->v[first].seq, "last_seq",
                                                (json_int_t)e->seq)) != 0)
            goto fail;
        first = i + 1;
    }
    return m;
fail:
    json_decref(m);
    return NULL;
}

static int write_json(const struct reps *r, const char *manifest, const char *msig, FILE *out)
{
    json_t *doc, *list;
    size_t i;
    int rc = -1;

    doc = json_pack("{s:s, s:s, s:s, s:[]}", "format", EF_EXPORT_FORMAT, "manifest", manifest,
                    "manifest_signature", msig, "reports");
    if (doc == NULL)
        return -1;
    list = json_object_get(doc, "reports");
    for (i = 0; i < r->n; i++) {
        const struct rep *e = &r->v[i];
        char *body = ef_b64_encode(e->body, e->body_len);
        char *sig = ef_b64_encode(e->sig, EF_ED25519_SIG_LEN);
        json_t *o = NULL;

        if (body != NULL && sig != NULL)
            o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "agent_id", e->agent_id, "seq",
                          (json_int_t)e->seq, "department", e->department, "received_at",
                          e->received_at, "sha256", e->sha256, "signature", sig, "body_base64",
                          body);
        free(body);
        free(sig);
        if (json_array_append_new(list, o) != 0)
            goto out;
    }
    if (json_dumpf(doc, out, JSON_INDENT(1)) == 0 && fputc('\n', out) != EOF)
        rc = 0;
out:
    json_decref(doc);
    return rc;
}

static const char bundle_readme[] =
    "efterlev export bundle\n"
    "======================\n"
    "\n"
    "manifest.json       what this bundle holds: every report (agent, seq, SHA-256 of its\n"
    "                    body), every agent's public keys with the collector's certificate\n"
    "                    of each, the filters, the collector's key\n"
    "manifest.sig        Ed25519 signature of manifest.json by the collector's export key\n"
    "                    (base64 of the raw 64 bytes; the key is collector_key in the manifest)\n"
    "reports/AGENT/SEQ.json  a report body, byte for byte as the agent signed it\n"
    "reports/AGENT/SEQ.sig   the agent's signature of it (base64 of the raw 64 bytes)\n"
    "                    (SEQ-N: the same seq again, after the machine enrolled anew)\n"
    "\n"
    "Verify everything:   efterlev-collector verify-export THIS.tar --collector-key KEY\n"
    "                     (KEY: what efterlev-collector export-key prints on the collector)\n"
    "\n"
    "Or one report by hand with OpenSSL (KEY = the agent's public_key from manifest.json):\n"
    "  printf '302a300506032b6570032100%s' \"$(echo KEY | base64 -d | xxd -p -c 64)\" \\\n"
    "    | xxd -r -p > agent.der\n"
    "  base64 -d reports/AGENT/SEQ.sig > seq.sig\n"
    "  openssl pkeyutl -verify -pubin -keyform DER -inkey agent.der -rawin \\\n"
    "    -in reports/AGENT/SEQ.json -sigfile seq.sig\n"
    "  sha256sum reports/AGENT/SEQ.json    # equals the sha256 in manifest.json\n"
    "\n"
    "See docs/figures.md in efterlev for what a verification proves and what it does not.\n";

struct rep_key {
    const char *agent_id;
    uint64_t seq;
    size_t pos;
};

static int by_agent_seq(const void *a, const void *b)
{
    const struct rep_key *x = a, *y = b;
    int c = strcmp(x->agent_id, y->agent_id);

    if (c != 0)
        return c;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* later[i] = 1 when an earlier report of the export has the same agent and seq as report i:
 * a machine that enrolled again with a new key starts again at seq 1, and the reports of
 * its agent come in the order they were received, not by seq. */
static unsigned char *mark_repeated_seqs(const struct reps *r)
{
    struct rep_key *k = calloc(r->n ? r->n : 1, sizeof(*k));
    unsigned char *later = calloc(r->n ? r->n : 1, 1);
    size_t i;

    if (k == NULL || later == NULL) {
        free(k);
        free(later);
        return NULL;
    }
    for (i = 0; i < r->n; i++)
        k[i] = (struct rep_key){r->v[i].agent_id, r->v[i].seq, i};
    qsort(k, r->n, sizeof(*k), by_agent_seq);
    for (i = 1; i < r->n; i++)
        if (strcmp(k[i].agent_id, k[i - 1].agent_id) == 0 && k[i].seq == k[i - 1].seq)
            later[k[i].pos] = 1;
    free(k);
    return later;
}

static int write_bundle(const struct reps *r, const char *manifest, const char *msig, time_t now,
                        FILE *out)
{
    char name[EF_ID_MAX + 96];
    unsigned char *later;
    size_t i;
    int rc = -1;

    if (ef_tar_add(out, EF_BUNDLE_DIR "/README.txt", bundle_readme, strlen(bundle_readme), now) !=
            0 ||
        ef_tar_add(out, EF_BUNDLE_DIR "/manifest.json", manifest, strlen(manifest), now) != 0 ||
        ef_tar_add(out, EF_BUNDLE_DIR "/manifest.sig", msig, strlen(msig), now) != 0)
        return -1;
    if ((later = mark_repeated_seqs(r)) == NULL)
        return -1;
    for (i = 0; i < r->n; i++) {
        const struct rep *e = &r->v[i];
        char *sig = ef_b64_encode(e->sig, EF_ED25519_SIG_LEN);
        int added;

        if (sig == NULL)
            goto out;
        /* The same agent and seq again: a suffix with the report's position in the export
         * keeps the name unique (24 + 36 + 20 + 1 + digits + 5 bytes: within ustar's 100
         * below 10^14 reports). verify-export matches reports by content, not by name. */
        snprintf(name, sizeof(name), EF_BUNDLE_DIR "/reports/%s/%020llu", e->agent_id,
                 (unsigned long long)e->seq);
        if (later[i])
            snprintf(name + strlen(name), sizeof(name) - strlen(name), "-%zu", i);
        snprintf(name + strlen(name), sizeof(name) - strlen(name), ".json");
        added = ef_tar_add(out, name, e->body, e->body_len, now);
        memcpy(name + strlen(name) - 5, ".sig", 5);
        if (added == 0)
            added = ef_tar_add(out, name, sig, strlen(sig), now);
        free(sig);
        if (added != 0)
            goto out;
    }
    rc = ef_tar_end(out);
out:
    free(later);
    return rc;
}

int ef_export(struct ef_store *s, const struct ef_export_opts *o, FILE *out, char *err,
              size_t errlen)
{
    struct ef_report_filter f = {.department = o->department, .since = o->since, .until = o->until};
    struct ef_dept_counts *dc = NULL;
    struct ef_agent_row *agents = NULL;
    struct reps r = {0};
    EVP_PKEY *key = NULL;
    json_t *m = NULL, *audit = NULL;
    char *manifest = NULL, *keyb64 = NULL, *msig = NULL, *details = NULL, msha[65] = "";
    unsigned char sig[EF_ED25519_SIG_LEN];
    size_t nd = 0, nagents = 0, count = 0;
    int rc = EF_ERR;

    if (o->department != NULL) {
        rc = s->ops->dept_counts(s, o->department, &dc, &nd);
        free(dc);
        if (rc != EF_OK) {
            snprintf(err, errlen, "%s", rc == EF_NOTFOUND ? "no such department" : s->err);
            return rc;
        }
        rc = EF_ERR;
    }
    if (strcmp(o->format, "csv") == 0) {
        if (export_csv(s, o, &f, out, &count, err, errlen) != EF_OK)
            return EF_ERR;
    } else {
        if (s->ops->report_iter(s, &f, collect_cb, &r) != EF_OK) {
            snprintf(err, errlen, "%s", s->err[0] ? s->err : "out of memory");
            goto out;
        }
        count = r.n;
        if (s->ops->agent_list(s, NULL, &agents, &nagents) != EF_OK) {
            snprintf(err, errlen, "%s", s->err);
            goto out;
        }
        if ((key = ef_key_load_or_create(o->key_path, err, errlen)) == NULL)
            goto out;
        keyb64 = ef_key_public_b64(key);
        if (keyb64 == NULL || (m = manifest_json(o, &r, agents, nagents, keyb64)) == NULL ||
            (manifest = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
            ef_sign(key, manifest, strlen(manifest), sig) != 0 ||
            (msig = ef_b64_encode(sig, sizeof(sig))) == NULL) {
            snprintf(err, errlen, "cannot build the manifest");
            goto out;
        }
        ef_sha256_hex(manifest, strlen(manifest), msha);
        if ((strcmp(o->format, "json") == 0 ? write_json(&r, manifest, msig, out)
                                            : write_bundle(&r, manifest, msig, o->now, out)) != 0) {
            snprintf(err, errlen, "cannot write the export");
            goto out;
        }
    }
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errlen, "cannot write the export");
        goto out;
    }
    audit =
        json_pack("{s:s, s:o, s:o, s:o, s:I, s:o, s:o}", "format", o->format, "department",
                  o->department ? json_string(o->department) : json_null(), "since",
                  time_or_null(o->since), "until", time_or_null(o->until), "reports",
                  (json_int_t)count, "manifest_sha256", msha[0] ? json_string(msha) : json_null(),
                  "collector_key", keyb64 ? json_string(keyb64) : json_null());
    details = audit ? json_dumps(audit, JSON_COMPACT) : NULL;
    if (details == NULL || s->ops->audit_add(s, o->now, o->actor, "export", details) != EF_OK) {
        snprintf(err, errlen, "audit log: %s", details ? s->err : "out of memory");
        goto out;
    }
    rc = EF_OK;
out:
    reps_free(&r);
    free(agents);
    EVP_PKEY_free(key);
    json_decref(m);
    json_decref(audit);
    free(manifest);
    free(keyb64);
    free(msig);
    free(details);
    return rc;
}
