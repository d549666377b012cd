/* SPDX-License-Identifier: EUPL-1.2 */
/* verify-export: re-check an export without the collector. Every report's body is hashed
 * and compared with the manifest, its signature is checked with the agent's public keys,
 * the body's own agent_id and seq must match, and the manifest's signature is checked with
 * the collector key (pinned with --collector-key, else the one the file names). Reports
 * are matched to manifest entries by (agent_id, seq), so a report missing from the file is
 * "removed", one the manifest does not list is "added". */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "efterlev/b64.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "export.h"
#include "tar.h"

#define EXPORT_FILE_MAX ((size_t)4 << 30)

struct item {
    char agent_id[EF_ID_MAX + 1];
    uint64_t seq;
    const unsigned char *body;
    size_t body_len;
    unsigned char *body_owned;
    unsigned char sig[EF_ED25519_SIG_LEN];
    int sig_ok; /* the signature field decoded to 64 bytes */
    int matched;
};

struct loaded {
    char *manifest; /* exact text */
    size_t manifest_len;
    unsigned char msig[EF_ED25519_SIG_LEN];
    int msig_ok;
    struct item *items;
    size_t n;
    struct ef_tar_entry *tar;
};

static void loaded_free(struct loaded *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i].body_owned);
    free(l->items);
    free(l->manifest);
    free(l->tar);
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
    if (len >= sizeof(buf))
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
    int rc = -1;

    if (doc == NULL) {
        snprintf(err, errlen, "not a JSON export: line %d: %s", je.line, je.text);
        return -1;
    }
    manifest = json_string_value(json_object_get(doc, "manifest"));
    msig = json_string_value(json_object_get(doc, "manifest_signature"));
    list = json_object_get(doc, "reports");
    if (strcmp(str_or_empty(json_object_get(doc, "format")), EF_EXPORT_FORMAT) != 0 ||
        manifest == NULL || msig == NULL || !json_is_array(list)) {
        snprintf(err, errlen,
                 "not an efterlev JSON export (format, manifest, "
                 "manifest_signature, reports)");
        goto out;
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
        snprintf(it->agent_id, sizeof(it->agent_id), "%s", agent ? agent : "?");
        it->seq = json_is_integer(seq) && json_integer_value(seq) > 0
                      ? (uint64_t)json_integer_value(seq)
                      : 0;
        it->sig_ok = sig != NULL && decode_sig(sig, strlen(sig), it->sig);
        if (body != NULL) {
            it->body_owned = malloc(strlen(body) / 4 * 3 + 3);
            if (it->body_owned == NULL)
                goto oom;
            n = ef_b64_decode(body, it->body_owned, strlen(body) / 4 * 3 + 3);
            if (n >= 0) {
                it->body = it->body_owned;
                it->body_len = (size_t)n;
            }
        }
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    json_decref(doc);
    return rc;
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

static int load_tar(const unsigned char *buf, size_t len, struct loaded *l, FILE *out, int *bad,
                    char *err, size_t errlen)
{
    size_t n = 0, i, j, cap = 0;
    char agent[EF_ID_MAX + 1], signame[EF_TAR_NAME_MAX + 8];
    uint64_t seq;
    int is_sig;

    if (ef_tar_parse(buf, len, &l->tar, &n, err, errlen) != 0)
        return -1;
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
            snprintf(signame, sizeof(signame), "%.*s.sig", (int)(strlen(e->name) - 5), e->name);
            for (j = 0; j < n; j++)
                if (strcmp(l->tar[j].name, signame) == 0)
                    it->sig_ok = decode_sig((const char *)l->tar[j].data, l->tar[j].len, it->sig);
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

/* Public keys of agent_id listed in the manifest. */
static int verify_with_keys(json_t *agents, const struct item *it)
{
    size_t i;
    json_t *a;
    unsigned char pub[EF_ED25519_PUB_LEN];

    json_array_foreach(agents, i, a)
    {
        const char *id = json_string_value(json_object_get(a, "agent_id"));
        const char *key = json_string_value(json_object_get(a, "public_key"));

        if (id == NULL || key == NULL || strcmp(id, it->agent_id) != 0)
            continue;
        if (ef_b64_decode(key, pub, sizeof(pub)) == EF_ED25519_PUB_LEN &&
            ef_verify(pub, it->body, it->body_len, it->sig))
            return 1;
    }
    return 0;
}

int ef_verify_export(const char *path, const char *pinned_key, FILE *out, char *err, size_t errlen)
{
    struct loaded l = {0};
    char *buf = NULL, sha[65];
    size_t len = 0, i, j, ok = 0;
    json_t *m = NULL, *agents, *entries, *e;
    json_error_t je;
    const char *key;
    unsigned char pub[EF_ED25519_PUB_LEN];
    int bad = 0, rc;

    rc = ef_read_file(path, EXPORT_FILE_MAX, &buf, &len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    if (len > 262 && memcmp(buf + 257, "ustar", 5) == 0)
        rc = load_tar((const unsigned char *)buf, len, &l, out, &bad, err, errlen);
    else
        rc = load_json(buf, len, &l, err, errlen);
    if (rc != 0)
        goto fail;
    m = json_loadb(l.manifest, l.manifest_len, JSON_REJECT_DUPLICATES, &je);
    agents = json_object_get(m, "agents");
    entries = json_object_get(m, "reports");
    key = json_string_value(json_object_get(m, "collector_key"));
    if (m == NULL || !json_is_array(agents) || !json_is_array(entries) || key == NULL ||
        strcmp(str_or_empty(json_object_get(m, "format")), EF_MANIFEST_FORMAT) != 0) {
        snprintf(err, errlen, "the manifest is not an efterlev manifest");
        goto fail;
    }

    /* The manifest itself. */
    if (pinned_key != NULL && strcmp(pinned_key, key) != 0) {
        fprintf(out, "manifest: signed by collector key %s, not the expected %s\n", key,
                pinned_key);
        bad++;
    }
    if (ef_b64_decode(key, pub, sizeof(pub)) != EF_ED25519_PUB_LEN || !l.msig_ok ||
        !ef_verify(pub, l.manifest, l.manifest_len, l.msig)) {
        fprintf(out, "manifest: signature does not verify (manifest altered)\n");
        bad++;
    }
    if (json_integer_value(json_object_get(m, "count")) != (json_int_t)json_array_size(entries)) {
        fprintf(out, "manifest: count differs from the number of entries\n");
        bad++;
    }

    /* Every entry of the manifest against the reports in the file. */
    json_array_foreach(entries, i, e)
    {
        const char *agent = json_string_value(json_object_get(e, "agent_id"));
        const char *want = json_string_value(json_object_get(e, "sha256"));
        json_int_t seq = json_integer_value(json_object_get(e, "seq"));
        struct item *it = NULL;
        struct ef_report r;
        char perr[256];

        if (agent == NULL || want == NULL) {
            fprintf(out, "manifest: entry %zu malformed\n", i);
            bad++;
            continue;
        }
        for (j = 0; j < l.n && it == NULL; j++)
            if (!l.items[j].matched && l.items[j].seq == (uint64_t)seq &&
                strcmp(l.items[j].agent_id, agent) == 0)
                it = &l.items[j];
        if (it == NULL) {
            fprintf(out, "report %s seq %lld: listed in the manifest but missing (removed)\n",
                    agent, (long long)seq);
            bad++;
            continue;
        }
        it->matched = 1;
        if (it->body == NULL) {
            fprintf(out, "report %s seq %lld: body unreadable (altered)\n", agent, (long long)seq);
            bad++;
            continue;
        }
        ef_sha256_hex(it->body, it->body_len, sha);
        if (strcmp(sha, want) != 0) {
            fprintf(out, "report %s seq %lld: body differs from the manifest's SHA-256 (altered)\n",
                    agent, (long long)seq);
            bad++;
            continue;
        }
        if (!it->sig_ok || !verify_with_keys(agents, it)) {
            fprintf(out, "report %s seq %lld: agent signature does not verify (altered)\n", agent,
                    (long long)seq);
            bad++;
            continue;
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
    for (j = 0; j < l.n; j++)
        if (!l.items[j].matched) {
            fprintf(out, "report %s seq %llu: not listed in the manifest (added)\n",
                    l.items[j].agent_id, (unsigned long long)l.items[j].seq);
            bad++;
        }
    if (bad == 0)
        fprintf(out, "ok: %zu reports verified; manifest signed by collector key %s%s\n", ok, key,
                pinned_key ? " (as expected)"
                           : " (not pinned: pass --collector-key to prove "
                             "which collector made it)");
    else
        fprintf(out, "FAILED: %d problem%s, %zu reports verified\n", bad, bad == 1 ? "" : "s", ok);
    json_decref(m);
    loaded_free(&l);
    free(buf);
    return bad;
fail:
    json_decref(m);
    loaded_free(&l);
    free(buf);
    return -1;
}
