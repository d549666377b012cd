/* SPDX-License-Identifier: EUPL-1.2 */
/* verify-export: re-check an export without the collector. Every report in the file is
 * matched to a manifest entry by content (its agent and the SHA-256 of its body), so two
 * reports with the same seq (a machine that enrolled again with a new key starts again at 1)
 * cannot be mixed up; its signature is checked with the agent's public keys, and the key that
 * verifies it must carry the collector's certificate (keycert.h) under the collector key
 * (pinned with --collector-key, else the one the file names); the body's own agent_id and seq
 * and every other per-report field the file states (JSON: seq, department, received_at,
 * sha256; bundle: the seq in the file name) must equal the signed manifest's. A manifest entry
 * without its report is "removed", a report the manifest does not list is "added". */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "efterlev/b64.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "export.h"
#include "keycert.h"
#include "tar.h"

#define EXPORT_FILE_MAX ((size_t)4 << 30)

struct item {
    char agent_id[EF_ID_MAX + 1];
    uint64_t seq; /* as the file states it (JSON field, bundle file name) */
    const unsigned char *body;
    size_t body_len;
    unsigned char *body_owned;
    char sha[65]; /* of body, "" when unreadable */
    unsigned char sig[EF_ED25519_SIG_LEN];
    int sig_ok; /* the signature field decoded to 64 bytes */
    int matched;
    /* JSON only (NULL in a bundle, or when absent): the unsigned fields the file states,
     * pointing into the document. */
    int from_json;
    json_t *fields;
};

struct loaded {
    char *manifest; /* exact text */
    size_t manifest_len;
    unsigned char msig[EF_ED25519_SIG_LEN];
    int msig_ok;
    struct item *items;
    size_t n;
    struct ef_tar_entry *tar;
    json_t *doc; /* the JSON export, kept for the items' fields */
};

/* One public key of the manifest's agents, decoded once. */
struct agent_key {
    const char *agent_id;
    unsigned char pub[EF_ED25519_PUB_LEN];
    int certified; /* its key_certificate verifies under the collector key */
};

static void loaded_free(struct loaded *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i].body_owned);
    free(l->items);
    free(l->manifest);
    free(l->tar);
    json_decref(l->doc);
}

static const char *str_or_empty(json_t *v)
{
    const char *s = json_string_value(v);

    return s != NULL ? s : "";
}

static int add_item(struct loaded *l, size_t *cap, struct item **out)
{
    struct item *nv = ef_array_grow(l->items, l->n, cap, sizeof(*nv), 64, EF_ARRAY_NO_MAX);

    if (nv == NULL)
        return -1;
    l->items = nv;
    *out = &l->items[l->n++];
    memset(*out, 0, sizeof(**out));
    return 0;
}

static int decode_sig(const char *b64, size_t len, unsigned char sig[EF_ED25519_SIG_LEN])
{
    char buf[200];

    while (len > 0 && (b64[len - 1] == '\n' || b64[len - 1] == '\r'))
        len--;
    if (len >= sizeof(buf) || memchr(b64, '\0', len) != NULL)
        return 0;
    memcpy(buf, b64, len);
    buf[len] = '\0';
    return ef_b64_decode(buf, sig, EF_ED25519_SIG_LEN) == EF_ED25519_SIG_LEN;
}

static int load_json(const char *text, size_t len, struct loaded *l, char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *list, *r;
    const char *manifest, *msig;
    size_t i, cap = 0;

    if (doc == NULL) {
        snprintf(err, errlen, "not a JSON export: line %d: %s", je.line, je.text);
        return -1;
    }
    l->doc = doc;
    manifest = json_string_value(json_object_get(doc, "manifest"));
    msig = json_string_value(json_object_get(doc, "manifest_signature"));
    list = json_object_get(doc, "reports");
    if (strcmp(str_or_empty(json_object_get(doc, "format")), EF_EXPORT_FORMAT) != 0 ||
        manifest == NULL || msig == NULL || !json_is_array(list)) {
        snprintf(err, errlen,
                 "not an efterlev JSON export (format, manifest, "
                 "manifest_signature, reports)");
        return -1;
    }
    l->manifest_len = json_string_length(json_object_get(doc, "manifest"));
    l->manifest = malloc(l->manifest_len + 1);
    if (l->manifest == NULL)
        goto oom;
    memcpy(l->manifest, manifest, l->manifest_len + 1);
    l->msig_ok = decode_sig(msig, strlen(msig), l->msig);
    json_array_foreach(list, i, r)
    {
        const char *agent = json_string_value(json_object_get(r, "agent_id"));
        const char *body = json_string_value(json_object_get(r, "body_base64"));
        const char *sig = json_string_value(json_object_get(r, "signature"));
        json_t *seq = json_object_get(r, "seq");
        struct item *it;
        long n;

        if (add_item(l, &cap, &it) != 0)
            goto oom;
        it->from_json = 1;
        it->fields = json_is_object(r) ? r : NULL;
        snprintf(it->agent_id, sizeof(it->agent_id), "%s", agent ? agent : "?");
        it->seq = json_is_integer(seq) && json_integer_value(seq) > 0
                      ? (uint64_t)json_integer_value(seq)
                      : 0;
        it->sig_ok = sig != NULL && decode_sig(sig, strlen(sig), it->sig);
        if (body != NULL) {
            size_t cap_body = strlen(body) / 4 * 3 + 3;

            it->body_owned = malloc(cap_body);
            if (it->body_owned == NULL)
                goto oom;
            n = ef_b64_decode(body, it->body_owned, cap_body);
            if (n >= 0) {
                it->body = it->body_owned;
                it->body_len = (size_t)n;
            }
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* "efterlev-export/reports/AGENT/SEQ[-n].json" or ".sig": agent, seq and the kind. */
static int parse_name(const char *name, char *agent, size_t agentlen, uint64_t *seq, int *is_sig)
{
    const char *p = name + strlen(EF_BUNDLE_DIR "/reports/"), *slash, *dot;
    char *end;

    if (strncmp(name, EF_BUNDLE_DIR "/reports/", strlen(EF_BUNDLE_DIR "/reports/")) != 0 ||
        (slash = strchr(p, '/')) == NULL || (size_t)(slash - p) >= agentlen ||
        (dot = strrchr(slash, '.')) == NULL)
        return -1;
    memcpy(agent, p, (size_t)(slash - p));
    agent[slash - p] = '\0';
    if (slash[1] < '0' || slash[1] > '9')
        return -1;
    *seq = strtoull(slash + 1, &end, 10);
    if (end == slash + 1 || (*end != '.' && *end != '-'))
        return -1;
    if (strcmp(dot, ".json") == 0)
        *is_sig = 0;
    else if (strcmp(dot, ".sig") == 0)
        *is_sig = 1;
    else
        return -1;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct ef_tar_entry *)a)->name, ((const struct ef_tar_entry *)b)->name);
}

static int load_tar(const unsigned char *buf, size_t len, struct loaded *l, FILE *out, int *bad,
                    char *err, size_t errlen)
{
    size_t n = 0, i, cap = 0;
    char agent[EF_ID_MAX + 1];
    struct ef_tar_entry key;
    const struct ef_tar_entry *sigent;
    uint64_t seq;
    int is_sig;

    if (ef_tar_parse(buf, len, &l->tar, &n, err, errlen) != 0)
        return -1;
    /* By name, so each report finds its .sig by binary search. */
    qsort(l->tar, n, sizeof(*l->tar), by_name);
    for (i = 0; i < n; i++) {
        const struct ef_tar_entry *e = &l->tar[i];
        struct item *it;

        if (strcmp(e->name, EF_BUNDLE_DIR "/manifest.json") == 0) {
            l->manifest = malloc(e->len + 1);
            if (l->manifest == NULL)
                goto oom;
            memcpy(l->manifest, e->data, e->len);
            l->manifest[e->len] = '\0';
            l->manifest_len = e->len;
        } else if (strcmp(e->name, EF_BUNDLE_DIR "/manifest.sig") == 0) {
            l->msig_ok = decode_sig((const char *)e->data, e->len, l->msig);
        } else if (strcmp(e->name, EF_BUNDLE_DIR "/README.txt") == 0) {
            continue;
        } else if (parse_name(e->name, agent, sizeof(agent), &seq, &is_sig) != 0) {
            fprintf(out, "%s: unexpected file in the bundle (added)\n", e->name);
            (*bad)++;
        } else if (!is_sig) {
            if (add_item(l, &cap, &it) != 0)
                goto oom;
            snprintf(it->agent_id, sizeof(it->agent_id), "%s", agent);
            it->seq = seq;
            it->body = e->data;
            it->body_len = e->len;
            snprintf(key.name, sizeof(key.name), "%.*s.sig", (int)(strlen(e->name) - 5), e->name);
            sigent = bsearch(&key, l->tar, n, sizeof(*l->tar), by_name);
            if (sigent != NULL)
                it->sig_ok = decode_sig((const char *)sigent->data, sigent->len, it->sig);
        }
    }
    if (l->manifest == NULL) {
        snprintf(err, errlen, "the bundle has no manifest.json");
        return -1;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* ---- lookups ---- */

static int key_cmp(const void *a, const void *b)
{
    return strcmp(((const struct agent_key *)a)->agent_id, ((const struct agent_key *)b)->agent_id);
}

/* The manifest's agent keys, decoded and their certificates checked against collector_pub;
 * sorted by agent. Malformed entries are left out (their reports then fail to verify). */
static struct agent_key *load_keys(json_t *agents, const unsigned char collector_pub[32], size_t *n)
{
    struct agent_key *v = calloc(json_array_size(agents) + 1, sizeof(*v));
    unsigned char cert[EF_KEYCERT_LEN];
    json_t *a;
    size_t i;

    *n = 0;
    if (v == NULL)
        return NULL;
    json_array_foreach(agents, i, a)
    {
        const char *id = json_string_value(json_object_get(a, "agent_id"));
        const char *key = json_string_value(json_object_get(a, "public_key"));
        const char *c = json_string_value(json_object_get(a, "key_certificate"));
        struct agent_key *k = &v[*n];

        if (id == NULL || key == NULL ||
            ef_b64_decode(key, k->pub, sizeof(k->pub)) != EF_ED25519_PUB_LEN)
            continue;
        k->agent_id = id;
        k->certified = c != NULL && decode_sig(c, strlen(c), cert) &&
                       ef_keycert_verify(collector_pub, id, k->pub, cert, sizeof(cert));
        (*n)++;
    }
    qsort(v, *n, sizeof(*v), key_cmp);
    return v;
}

enum sig_result { SIG_BAD = 0, SIG_UNCERTIFIED, SIG_OK };

/* Which of the agent's keys verifies the item's signature, and whether it is certified. */
static enum sig_result check_signature(const struct agent_key *keys, size_t nkeys,
                                       const struct item *it, const char *agent_id)
{
    struct agent_key want = {.agent_id = agent_id};
    const struct agent_key *k = bsearch(&want, keys, nkeys, sizeof(*keys), key_cmp);
    enum sig_result best = SIG_BAD;

    if (k == NULL || !it->sig_ok)
        return SIG_BAD;
    while (k > keys && strcmp(k[-1].agent_id, agent_id) == 0)
        k--;
    for (; k < keys + nkeys && strcmp(k->agent_id, agent_id) == 0; k++)
        if (ef_verify(k->pub, it->body, it->body_len, it->sig)) {
            if (k->certified)
                return SIG_OK;
            best = SIG_UNCERTIFIED;
        }
    return best;
}

/* Items sorted by (agent, sha) for matching by content, and by (agent, seq) for naming what
 * an entry without a match became. */
static int by_content(const void *a, const void *b)
{
    const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
    int c = strcmp(x->agent_id, y->agent_id);

    return c != 0 ? c : strcmp(x->sha, y->sha);
}

static int by_seq(const void *a, const void *b)
{
    const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
    int c = strcmp(x->agent_id, y->agent_id);

    return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The first unmatched item equal to probe under cmp in sorted (n pointers). */
static struct item *find_unmatched(struct item **sorted, size_t n, const struct item *probe,
                                   int (*cmp)(const void *, const void *))
{
    struct item **p = bsearch(&probe, sorted, n, sizeof(*sorted), cmp);

    if (p == NULL)
        return NULL;
    while (p > sorted && cmp(&p[-1], &probe) == 0)
        p--;
    for (; p < sorted + n && cmp(p, &probe) == 0; p++)
        if (!(*p)->matched)
            return *p;
    return NULL;
}

/* A JSON report's unsigned fields against its manifest entry; the first that differs, or
 * NULL. */
static const char *json_field_differs(const struct item *it, json_t *entry)
{
    static const char *const text[] = {"department", "received_at", "sha256", "agent_id"};
    size_t i;

    if (it->fields == NULL)
        return "the report";
    if (!json_equal(json_object_get(it->fields, "seq"), json_object_get(entry, "seq")))
        return "seq";
    for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
        json_t *a = json_object_get(it->fields, text[i]), *b = json_object_get(entry, text[i]);

        if (!json_is_string(a) || !json_is_string(b) || !json_equal(a, b))
            return text[i];
    }
    return NULL;
}

/* ---- verification ---- */

static int verify_loaded(struct loaded *l, const char *pinned_key, int allow_unpinned, FILE *out,
                         int bad, char *err, size_t errlen)
{
    struct item **content = NULL, **byseq = NULL;
    struct agent_key *keys = NULL;
    size_t i, j, ok = 0, nkeys = 0;
    json_t *m = NULL, *agents, *entries, *e;
    json_error_t je;
    const char *key;
    unsigned char pub[EF_ED25519_PUB_LEN], cpub[EF_ED25519_PUB_LEN];
    int rc = -1;

    m = json_loadb(l->manifest, l->manifest_len, JSON_REJECT_DUPLICATES, &je);
    agents = json_object_get(m, "agents");
    entries = json_object_get(m, "reports");
    key = json_string_value(json_object_get(m, "collector_key"));
    if (m == NULL || !json_is_array(agents) || !json_is_array(entries) || key == NULL ||
        strcmp(str_or_empty(json_object_get(m, "format")), EF_MANIFEST_FORMAT) != 0) {
        snprintf(err, errlen, "the manifest is not an efterlev manifest");
        goto out;
    }

    /* The manifest itself. */
    if (pinned_key != NULL && strcmp(pinned_key, key) != 0) {
        fprintf(out, "manifest: signed by collector key %s, not the expected %s\n", key,
                pinned_key);
        bad++;
    }
    if (ef_b64_decode(key, pub, sizeof(pub)) != EF_ED25519_PUB_LEN || !l->msig_ok ||
        !ef_verify(pub, l->manifest, l->manifest_len, l->msig)) {
        fprintf(out, "manifest: signature does not verify (manifest altered)\n");
        bad++;
    }
    if (json_integer_value(json_object_get(m, "count")) != (json_int_t)json_array_size(entries)) {
        fprintf(out, "manifest: count differs from the number of entries\n");
        bad++;
    }
    /* Agent keys count only with the certificate of the collector key that is trusted: the
     * pinned one, else (nothing better known) the one the file names. */
    if (pinned_key == NULL || ef_b64_decode(pinned_key, cpub, sizeof(cpub)) != EF_ED25519_PUB_LEN)
        memcpy(cpub, pub, sizeof(cpub));
    if ((keys = load_keys(agents, cpub, &nkeys)) == NULL)
        goto oom;

    content = calloc(l->n + 1, sizeof(*content));
    byseq = calloc(l->n + 1, sizeof(*byseq));
    if (content == NULL || byseq == NULL)
        goto oom;
    for (i = 0; i < l->n; i++) {
        struct item *it = &l->items[i];

        if (it->body != NULL)
            ef_sha256_hex(it->body, it->body_len, it->sha);
        content[i] = byseq[i] = it;
    }
    qsort(content, l->n, sizeof(*content), by_content);
    qsort(byseq, l->n, sizeof(*byseq), by_seq);

    /* Every entry of the manifest against the reports in the file. */
    json_array_foreach(entries, i, e)
    {
        const char *agent = json_string_value(json_object_get(e, "agent_id"));
        const char *want = json_string_value(json_object_get(e, "sha256"));
        json_int_t seq = json_integer_value(json_object_get(e, "seq"));
        struct item probe, *it;
        const char *field;
        struct ef_report r;
        char perr[256];

        if (agent == NULL || want == NULL || strlen(agent) > EF_ID_MAX || strlen(want) > 64) {
            fprintf(out, "manifest: entry %zu malformed\n", i);
            bad++;
            continue;
        }
        memset(&probe, 0, sizeof(probe));
        snprintf(probe.agent_id, sizeof(probe.agent_id), "%s", agent);
        snprintf(probe.sha, sizeof(probe.sha), "%s", want);
        probe.seq = (uint64_t)seq;
        if ((it = find_unmatched(content, l->n, &probe, by_content)) == NULL) {
            /* No report with this content: changed (one with its seq is there) or gone. */
            it = find_unmatched(byseq, l->n, &probe, by_seq);
            if (it != NULL && it->body != NULL && it->sha[0] != '\0') {
                it->matched = 1;
                fprintf(out,
                        "report %s seq %lld: body differs from the manifest's SHA-256 "
                        "(altered)\n",
                        agent, (long long)seq);
            } else if (it != NULL) {
                it->matched = 1;
                fprintf(out, "report %s seq %lld: body unreadable (altered)\n", agent,
                        (long long)seq);
            } else {
                fprintf(out, "report %s seq %lld: listed in the manifest but missing (removed)\n",
                        agent, (long long)seq);
            }
            bad++;
            continue;
        }
        it->matched = 1;
        field = it->from_json              ? json_field_differs(it, e)
                : it->seq != (uint64_t)seq ? "the file name's seq"
                                           : NULL;
        if (field != NULL) {
            fprintf(out, "report %s seq %lld: %s differs from the manifest (altered)\n", agent,
                    (long long)seq, field);
            bad++;
            continue;
        }
        switch (check_signature(keys, nkeys, it, agent)) {
        case SIG_BAD:
            fprintf(out, "report %s seq %lld: agent signature does not verify (altered)\n", agent,
                    (long long)seq);
            bad++;
            continue;
        case SIG_UNCERTIFIED:
            fprintf(out,
                    "report %s seq %lld: signed with an agent key the collector did not "
                    "certify (key not from enrollment)\n",
                    agent, (long long)seq);
            bad++;
            continue;
        case SIG_OK:
            break;
        }
        ef_report_init(&r);
        if (ef_report_parse((const char *)it->body, it->body_len, &r, perr, sizeof(perr)) != 0 ||
            strcmp(r.agent_id, agent) != 0 || r.seq != (uint64_t)seq) {
            fprintf(out, "report %s seq %lld: body names another agent or seq (altered)\n", agent,
                    (long long)seq);
            bad++;
        } else {
            ok++;
        }
        ef_report_free(&r);
    }
    for (j = 0; j < l->n; j++)
        if (!l->items[j].matched) {
            fprintf(out, "report %s seq %llu: not listed in the manifest (added)\n",
                    l->items[j].agent_id, (unsigned long long)l->items[j].seq);
            bad++;
        }
    if (bad > 0)
        fprintf(out, "FAILED: %d problem%s, %zu reports verified\n", bad, bad == 1 ? "" : "s", ok);
    else if (pinned_key != NULL)
        fprintf(out,
                "ok: %zu reports verified; manifest signed by collector key %s (as expected)\n", ok,
                key);
    else
        fprintf(out,
                "UNPINNED: %zu reports consistent with collector key %s, but that key comes from "
                "the file itself: anyone can rebuild and re-sign a whole export. Pass "
                "--collector-key KEY (efterlev-collector export-key on the collector) to prove "
                "where it came from%s\n",
                ok, key, allow_unpinned ? " (--unpinned: accepted as asked)" : "");
    if (bad == 0 && pinned_key == NULL && !allow_unpinned)
        bad = 1;
    rc = bad;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    free(content);
    free(byseq);
    free(keys);
    json_decref(m);
    return rc;
}

int ef_verify_export_mem(const char *buf, size_t len, const char *pinned_key, int allow_unpinned,
                         FILE *out, char *err, size_t errlen)
{
    struct loaded l = {0};
    int bad = 0, rc;

    if (len > 262 && memcmp(buf + 257, "ustar", 5) == 0)
        rc = load_tar((const unsigned char *)buf, len, &l, out, &bad, err, errlen);
    else
        rc = load_json(buf, len, &l, err, errlen);
    if (rc == 0)
        rc = verify_loaded(&l, pinned_key, allow_unpinned, out, bad, err, errlen);
    loaded_free(&l);
    return rc;
}

int ef_verify_export(const char *path, const char *pinned_key, int allow_unpinned, FILE *out,
                     char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    if (ef_read_file(path, EXPORT_FILE_MAX, &buf, &len) != 0) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    rc = ef_verify_export_mem(buf, len, pinned_key, allow_unpinned, out, err, errlen);
    free(buf);
    return rc;
}
