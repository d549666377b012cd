/* SPDX-License-Identifier: EUPL-1.2 */
/* Exports, streamed: every report is written as it is read from one read snapshot of the
 * store (store/snapshot.h), so memory does not grow with the bodies and a long export sees
 * one consistent state while reports keep arriving. The JSON and bundle forms carry the
 * exact body bytes of every report (base64 in JSON, as files in the bundle), its signature,
 * every public key the agents have had and a manifest, serialised once (compact, sorted
 * keys) and signed with the collector's export key. The manifest comes last: it is made from
 * the per-report metadata gathered on the way (never the bodies), and a file cut short has
 * none, so it cannot verify. See docs/figures.md for what a verification proves. */
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "efterlev/b64.h"
#include "efterlev/buf.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "export.h"
#include "store/snapshot.h"
#include "tar.h"

void ef_export_key_path(const char *config_path, char *out, size_t outlen)
{
    char tmp[PATH_MAX];

    snprintf(tmp, sizeof(tmp), "%s", config_path);
    snprintf(out, outlen, "%s/export-key.pem", dirname(tmp));
}

void ef_policy_key_path(const char *config_path, char *out, size_t outlen)
{
    char tmp[PATH_MAX];

    snprintf(tmp, sizeof(tmp), "%s", config_path);
    snprintf(out, outlen, "%s/policy-key.pem", dirname(tmp));
}

/* ---- CSV: one row per result, from the signed bodies themselves ---- */

struct csv_ctx {
    FILE *out;
    const struct ef_csv_dialect *d;
    const struct ef_check_catalogs *checks;
    const char *lang;
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
        ef_csv_str(c->d, c->out, sr->sha256, 0);
        ef_csv_str(c->d, c->out, r.host.platform, 0);
        ef_csv_str(c->d, c->out, r.host.os_edition, 0);
        ef_csv_str(c->d, c->out, r.host.os_build, 0);
        ef_csv_str(c->d, c->out, ef_check_title(c->checks, r.host.platform, res->check, c->lang),
                   1);
    }
    ef_buf_free(&controls);
    ef_report_free(&r);
    if (rc != 0)
        return -1;
    c->reports++;
    if (ferror(c->out)) {
        snprintf(c->err, sizeof(c->err), "cannot write the export");
        return -1;
    }
    return 0;
}

static int export_csv(struct ef_store *s, const struct ef_export_opts *o,
                      const struct ef_report_filter *f, FILE *out, size_t *count, char *err,
                      size_t errlen)
{
    /* New columns go last, so earlier readers keep their column numbers: the platform
     * columns (schema 5), then the check's title for people (issue 14). */
    static const char *const head[] = {
        "department",    "hostname", "agent_id",   "seq",      "generated_at", "received_at",
        "check",         "status",   "severity",   "level",    "controls",     "evidence",
        "report_sha256", "platform", "os_edition", "os_build", "title"};
    struct csv_ctx c = {.out = out,
                        .d = o->dialect ? o->dialect : &ef_csv_rfc4180,
                        .checks = o->checks,
                        .lang = o->lang != NULL ? o->lang : "sv"};
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

/* ---- JSON and bundle: every report written as it is read ---- */

/* The seqs the current agent's reports have had so far in the export (open addressing,
 * emptied at the next agent): a bundle names a seq that repeats apart. */
struct seqset {
    struct seqslot {
        uint64_t seq;
        unsigned char used;
    } * v;
    size_t n, cap; /* cap: 0 or a power of two */
};

static size_t seq_hash(uint64_t seq, size_t cap)
{
    return (size_t)((seq * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

/* 1 when seq was there already, 0 when added, -1 out of memory. */
static int seqset_add(struct seqset *t, uint64_t seq)
{
    size_t i;

    if ((t->n + 1) * 4 > t->cap * 3) {
        struct seqset g = {.cap = t->cap ? t->cap * 2 : 64};

        if ((g.v = calloc(g.cap, sizeof(*g.v))) == NULL)
            return -1;
        for (i = 0; i < t->cap; i++)
            if (t->v[i].used)
                (void)seqset_add(&g, t->v[i].seq); /* has room: no allocation */
        free(t->v);
        *t = g;
    }
    for (i = seq_hash(seq, t->cap); t->v[i].used; i = (i + 1) & (t->cap - 1))
        if (t->v[i].seq == seq)
            return 1;
    t->v[i] = (struct seqslot){seq, 1};
    t->n++;
    return 0;
}

static void seqset_clear(struct seqset *t)
{
    if (t->cap > 64) { /* a big agent's table is not cleared again for every small one */
        free(t->v);
        *t = (struct seqset){0};
    } else if (t->n > 0) {
        memset(t->v, 0, t->cap * sizeof(*t->v));
        t->n = 0;
    }
}

/* The manifest's lists grow by about 200 bytes a report. */
#define MANIFEST_LIST_MAX ((size_t)1 << 30)

struct stream {
    const struct ef_export_opts *o;
    FILE *out;
    int bundle;                       /* else JSON */
    size_t n;                         /* reports written */
    struct ef_buf reports, per_agent; /* the manifest's two lists (compact JSON, no brackets) */
    char **ids;                       /* the agents with reports in the export */
    size_t nids, idcap;
    /* the current agent's run of reports */
    char agent[EF_ID_MAX + 1];
    size_t run;
    uint64_t first_seq, last_seq;
    struct seqset seqs;
    char err[512];
};

static void stream_free(struct stream *st)
{
    size_t i;

    ef_buf_free(&st->reports);
    ef_buf_free(&st->per_agent);
    for (i = 0; i < st->nids; i++)
        free(st->ids[i]);
    free(st->ids);
    free(st->seqs.v);
}

/* Append j (taken) to a manifest list as compact JSON with sorted keys. */
static int list_add(struct ef_buf *list, json_t *j)
{
    char *text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int rc = -1;

    if (text != NULL && (list->len == 0 || ef_buf_add(list, ",", 1) == 0) &&
        ef_buf_add_str(list, text) == 0)
        rc = 0;
    free(text);
    json_decref(j);
    return rc;
}

/* The current agent's run is over: its per_agent entry. */
static int end_run(struct stream *st)
{
    if (st->run == 0)
        return 0;
    return list_add(&st->per_agent,
                    json_pack("{s:s, s:I, s:I, s:I}", "agent_id", st->agent, "reports",
                              (json_int_t)st->run, "first_seq", (json_int_t)st->first_seq,
                              "last_seq", (json_int_t)st->last_seq));
}

static int start_run(struct stream *st, const struct ef_stored_report *sr)
{
    char **nv;

    if (end_run(st) != 0)
        return -1;
    snprintf(st->agent, sizeof(st->agent), "%s", sr->agent_id);
    st->run = 0;
    st->first_seq = sr->seq;
    seqset_clear(&st->seqs);
    nv = ef_array_grow(st->ids, st->nids, &st->idcap, sizeof(*st->ids), 64, EF_ARRAY_NO_MAX);
    if (nv == NULL)
        return -1;
    st->ids = nv;
    if ((st->ids[st->nids] = strdup(sr->agent_id)) == NULL)
        return -1;
    st->nids++;
    return 0;
}

static int json_report(struct stream *st, const struct ef_stored_report *sr)
{
    char *body = ef_b64_encode(sr->body, sr->body_len);
    char *sig = ef_b64_encode(sr->signature, EF_ED25519_SIG_LEN);
    json_t *o = NULL;
    int rc = -1;

    if (body != NULL && sig != NULL)
        o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "agent_id", sr->agent_id, "seq",
                      (json_int_t)sr->seq, "department", sr->department, "received_at",
                      sr->received_at, "sha256", sr->sha256, "signature", sig, "body_base64", body);
    free(body);
    free(sig);
    if (o != NULL && fputs(st->n > 0 ? ",\n  " : "\n  ", st->out) != EOF &&
        json_dumpf(o, st->out, JSON_COMPACT) == 0)
        rc = 0;
    json_decref(o);
    return rc;
}

/* repeated: an earlier report of this agent in the export had the same seq (a machine that
 * enrolled again with a new key starts again at 1). */
static int bundle_report(struct stream *st, const struct ef_stored_report *sr, int repeated)
{
    char name[EF_ID_MAX + 96], *sig = ef_b64_encode(sr->signature, EF_ED25519_SIG_LEN);
    int rc;

    if (sig == NULL)
        return -1;
    /* The same agent and seq again: a suffix with the report's position in the export keeps
     * the name unique (24 + 36 + 20 + 1 + digits + 5 bytes: within ustar's 100 below 10^14
     * reports). verify-export matches reports by content, not by name. */
    snprintf(name, sizeof(name), EF_BUNDLE_DIR "/reports/%s/%020llu", sr->agent_id,
             (unsigned long long)sr->seq);
    if (repeated)
        snprintf(name + strlen(name), sizeof(name) - strlen(name), "-%zu", st->n);
    snprintf(name + strlen(name), sizeof(name) - strlen(name), ".json");
    rc = ef_tar_add(st->out, name, sr->body, sr->body_len, st->o->now);
    memcpy(name + strlen(name) - 5, ".sig", 5);
    if (rc == 0)
        rc = ef_tar_add(st->out, name, sig, strlen(sig), st->o->now);
    free(sig);
    return rc;
}

static int stream_cb(void *arg, const struct ef_stored_report *sr)
{
    struct stream *st = arg;
    int repeated;

    if ((st->run == 0 || strcmp(sr->agent_id, st->agent) != 0) && start_run(st, sr) != 0)
        goto oom;
    if ((repeated = seqset_add(&st->seqs, sr->seq)) < 0 ||
        list_add(&st->reports,
                 json_pack("{s:s, s:I, s:s, s:s, s:s}", "agent_id", sr->agent_id, "seq",
                           (json_int_t)sr->seq, "sha256", sr->sha256, "received_at",
                           sr->received_at, "department", sr->department)) != 0)
        goto oom;
    if ((st->bundle ? bundle_report(st, sr, repeated) : json_report(st, sr)) != 0 ||
        ferror(st->out)) {
        snprintf(st->err, sizeof(st->err), "cannot write the export");
        return -1;
    }
    st->run++;
    st->last_seq = sr->seq;
    st->n++;
    return 0;
oom:
    snprintf(st->err, sizeof(st->err), "out of memory (or over %zu bytes of manifest)",
             MANIFEST_LIST_MAX);
    return -1;
}

/* ---- the manifest, at the end ---- */

static json_t *time_or_null(time_t t)
{
    char buf[32];

    if (t <= 0)
        return json_null();
    ef_time_rfc3339(t, buf);
    return json_string(buf);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The manifest's exact text: compact JSON with sorted keys; agents restricted to those with
 * reports in the export. NULL when out of memory. */
/* The levels per aspect the agent's latest report was judged at, with why (docs/figures.md,
 * "Levels per aspect"); null before one was. */
static json_t *levels_of(const struct ef_agent_row *a)
{
    json_t *o = a->levels[0] ? json_loads(a->levels, 0, NULL) : NULL;

    return o != NULL ? o : json_null();
}

static char *manifest_text(struct stream *st, const struct ef_agent_row *agents, size_t nagents,
                           const char *key)
{
    const struct ef_export_opts *o = st->o;
    struct ef_buf text;
    json_t *m, *ja;
    char when[32], *pub, *cert, *head = NULL;
    size_t i;

    ef_time_rfc3339(o->now, when);
    m = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:o, s:o, s:o}, s:I, s:[]}", "format", EF_MANIFEST_FORMAT,
        "created_at", when, "created_by", o->actor, "collector_key", key, "filters", "department",
        o->department ? json_string(o->department) : json_null(), "since", time_or_null(o->since),
        "until", time_or_null(o->until), "count", (json_int_t)st->n, "agents");
    if (m == NULL)
        return NULL;
    ja = json_object_get(m, "agents");
    qsort(st->ids, st->nids, sizeof(*st->ids), by_id);
    for (i = 0; i < nagents; i++) {
        const char *id = agents[i].agent_id;
        int bad;

        if (bsearch(&id, st->ids, st->nids, sizeof(*st->ids), by_id) == NULL)
            continue;
        pub = ef_b64_encode(agents[i].public_key, EF_ED25519_PUB_LEN);
        cert = agents[i].has_cert ? ef_b64_encode(agents[i].cert, EF_ED25519_SIG_LEN) : NULL;
        bad = pub == NULL || (agents[i].has_cert && cert == NULL) ||
              json_array_append_new(
                  ja, json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:{s:s, s:s, s:b}, s:I, "
                                "s:o}",
                                "agent_id", id, "hostname", agents[i].hostname, "department",
                                agents[i].department, "public_key", pub, "key_certificate",
                                cert != NULL ? json_string(cert) : json_null(), "platform",
                                agents[i].platform, "os_edition", agents[i].os_edition, "os_build",
                                agents[i].os_build, "policy", "id", agents[i].policy_id, "sha256",
                                agents[i].policy_sha256, "assigned", agents[i].policy_assigned,
                                "missing", (json_int_t)agents[i].missing, "levels",
                                levels_of(&agents[i]))) != 0;
        free(pub);
        free(cert);
        if (bad) {
            json_decref(m);
            return NULL;
        }
    }
    /* "per_agent" and "reports" sort after every other key: written where the object
     * closes, the lists give the text one sorted dump of the whole manifest would. */
    head = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(m);
    if (head == NULL)
        return NULL;
    ef_buf_init(&text, st->reports.len + st->per_agent.len + strlen(head) + 64);
    if (ef_buf_add(&text, head, strlen(head) - 1) != 0 ||
        ef_buf_add_str(&text, ",\"per_agent\":[") != 0 ||
        ef_buf_add(&text, ef_buf_str(&st->per_agent), st->per_agent.len) != 0 ||
        ef_buf_add_str(&text, "],\"reports\":[") != 0 ||
        ef_buf_add(&text, ef_buf_str(&st->reports), st->reports.len) != 0 ||
        ef_buf_add_str(&text, "]}") != 0) {
        free(head);
        ef_buf_free(&text);
        return NULL;
    }
    free(head);
    return ef_buf_take(&text);
}

/* A JSON string's text ("..." with escapes) on out. */
static int put_json_string(FILE *out, const char *s)
{
    json_t *j = json_string(s);
    int rc = j != NULL && json_dumpf(j, out, JSON_ENCODE_ANY) == 0 ? 0 : -1;

    json_decref(j);
    return rc;
}

static const char bundle_readme[] =
    "efterlev export bundle\n"
    "======================\n"
    "\n"
    "reports/AGENT/SEQ.json  a report body, byte for byte as the agent signed it\n"
    "reports/AGENT/SEQ.sig   the agent's signature of it (base64 of the raw 64 bytes)\n"
    "                    (SEQ-N: the same seq again, after the machine enrolled anew)\n"
    "manifest.json       what this bundle holds: every report (agent, seq, SHA-256 of its\n"
    "                    body), every agent's public keys with the collector's certificate\n"
    "                    of each, the filters, the collector's key. It comes last (the\n"
    "                    collector writes it once every report is out): a bundle cut short\n"
    "                    has none and does not verify.\n"
    "manifest.sig        Ed25519 signature of manifest.json by the collector's export key\n"
    "                    (base64 of the raw 64 bytes; the key is collector_key in the manifest)\n"
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

/* JSON or bundle: the head, every report as it is read, then the manifest and its
 * signature. Only the manifest's lists (about 200 bytes a report) stay in memory. */
static int export_signed(struct ef_store *s, const struct ef_export_opts *o,
                         const struct ef_report_filter *f, EVP_PKEY *key, const char *keyb64,
                         FILE *out, size_t *count, char msha[65], char *err, size_t errlen)
{
    struct stream st = {.o = o, .out = out, .bundle = strcmp(o->format, "bundle") == 0};
    struct ef_agent_row *agents = NULL;
    unsigned char sig[EF_ED25519_SIG_LEN];
    char *manifest = NULL, *msig = NULL;
    size_t nagents = 0;
    int rc = EF_ERR, wrote;

    ef_buf_init(&st.reports, MANIFEST_LIST_MAX);
    ef_buf_init(&st.per_agent, MANIFEST_LIST_MAX);
    wrote =
        st.bundle
            ? ef_tar_add(out, EF_BUNDLE_DIR "/README.txt", bundle_readme, strlen(bundle_readme),
                         o->now)
            : (fprintf(out, "{\n \"format\": \"%s\",\n \"reports\": [", EF_EXPORT_FORMAT) < 0 ? -1
                                                                                              : 0);
    if (wrote != 0) {
        snprintf(err, errlen, "cannot write the export");
        goto out;
    }
    if (s->ops->report_iter(s, f, stream_cb, &st) != EF_OK) {
        snprintf(err, errlen, "%s", st.err[0] ? st.err : s->err);
        goto out;
    }
    if (end_run(&st) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    *count = st.n;
    if (s->ops->agent_list(s, NULL, &agents, &nagents) != EF_OK) {
        snprintf(err, errlen, "%s", s->err);
        goto out;
    }
    if ((manifest = manifest_text(&st, agents, nagents, keyb64)) == NULL ||
        ef_sign(key, manifest, strlen(manifest), sig) != 0 ||
        (msig = ef_b64_encode(sig, sizeof(sig))) == NULL) {
        snprintf(err, errlen, "cannot build the manifest");
        goto out;
    }
    ef_sha256_hex(manifest, strlen(manifest), msha);
    if (st.bundle)
        wrote = ef_tar_add(out, EF_BUNDLE_DIR "/manifest.json", manifest, strlen(manifest),
                           o->now) == 0 &&
                ef_tar_add(out, EF_BUNDLE_DIR "/manifest.sig", msig, strlen(msig), o->now) == 0 &&
                ef_tar_end(out) == 0;
    else
        wrote = fputs("\n ],\n \"manifest\": ", out) != EOF &&
                put_json_string(out, manifest) == 0 &&
                fputs(",\n \"manifest_signature\": ", out) != EOF &&
                put_json_string(out, msig) == 0 && fputs("\n}\n", out) != EOF;
    if (!wrote) {
        snprintf(err, errlen, "cannot write the export");
        goto out;
    }
    rc = EF_OK;
out:
    stream_free(&st);
    free(agents);
    free(manifest);
    free(msig);
    return rc;
}

/* ---- the export ---- */

static void audit_export(struct ef_store *s, const struct ef_export_opts *o, size_t count,
                         const char *msha, const char *keyb64, int complete, char *err,
                         size_t errlen)
{
    json_t *audit = json_pack(
        "{s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:b}", "format", o->format, "department",
        o->department ? json_string(o->department) : json_null(), "since", time_or_null(o->since),
        "until", time_or_null(o->until), "reports", (json_int_t)count, "manifest_sha256",
        msha[0] ? json_string(msha) : json_null(), "collector_key",
        keyb64 ? json_string(keyb64) : json_null(), "complete", complete);
    char *details = audit ? json_dumps(audit, JSON_COMPACT) : NULL;

    if (details == NULL || s->ops->audit_add(s, o->now, o->actor, "export", details) != EF_OK)
        snprintf(err, errlen, "audit log: %s", details ? s->err : "out of memory");
    else
        err[0] = '\0';
    json_decref(audit);
    free(details);
}

int ef_export(struct ef_store *s, const struct ef_export_opts *o, FILE *out, char *err,
              size_t errlen)
{
    struct ef_report_filter f = {.department = o->department, .since = o->since, .until = o->until};
    struct ef_dept_counts *dc = NULL;
    EVP_PKEY *key = NULL;
    char *keyb64 = NULL, msha[65] = "", aerr[512];
    size_t nd = 0, count = 0;
    int csv = strcmp(o->format, "csv") == 0, rc;

    /* Everything that can refuse the export comes before its first byte. */
    if (!csv && ((key = ef_key_load_or_create(o->key_path, err, errlen)) == NULL ||
                 (keyb64 = ef_key_public_b64(key)) == NULL)) {
        if (key != NULL)
            snprintf(err, errlen, "out of memory");
        EVP_PKEY_free(key);
        return EF_ERR;
    }
    /* One snapshot: every read below sees the store as it is now, while reports keep
     * arriving on other connections. */
    if (ef_store_snapshot_begin(s) != EF_OK) {
        snprintf(err, errlen, "%s", s->err);
        rc = EF_ERR;
        goto out;
    }
    if (o->department != NULL) {
        rc = s->ops->dept_counts(s, o->department, &dc, &nd);
        free(dc);
        if (rc != EF_OK) {
            snprintf(err, errlen, "%s", rc == EF_NOTFOUND ? "no such department" : s->err);
            ef_store_snapshot_end(s);
            goto out;
        }
    }
    rc = csv ? export_csv(s, o, &f, out, &count, err, errlen)
             : export_signed(s, o, &f, key, keyb64, out, &count, msha, err, errlen);
    if (rc == EF_OK && (fflush(out) != 0 || ferror(out))) {
        snprintf(err, errlen, "cannot write the export");
        rc = EF_ERR;
    }
    ef_store_snapshot_end(s);
    /* Recorded also when it broke off (the reader went away, a write failed): part of it
     * may have left. */
    audit_export(s, o, count, msha, keyb64, rc == EF_OK, aerr, sizeof(aerr));
    if (rc == EF_OK && aerr[0] != '\0') {
        snprintf(err, errlen, "%s", aerr);
        rc = EF_ERR;
    }
out:
    EVP_PKEY_free(key);
    free(keyb64);
    return rc;
}
