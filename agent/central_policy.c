/* SPDX-License-Identifier: EUPL-1.2 */
#include "central_policy.h"

#include "platform/paths.h"
#include "upload.h"

#include "efterlev/b64.h"
#include "efterlev/levels.h"
#include "efterlev/log.h"
#include "efterlev/os.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void central_policy_free(struct central_policy *cp)
{
    for (size_t i = 0; i < cp->ndisabled; i++)
        free(cp->reasons[i]);
    cp->ndisabled = 0;
}

static void disabled_clear(struct central_policy *cp)
{
    central_policy_free(cp);
}

int central_policy_load_doc(const char *doc, size_t len, const char *platform,
                            const char *controls_file, struct ef_policy_set *ps,
                            struct central_policy *cp, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je), *files, *dis, *params, *f;
    const char *schema, *plat;
    size_t i;
    int rc = -1;

    disabled_clear(cp);
    if (!json_is_object(o)) {
        snprintf(err, errlen, "not a JSON object%s%s", o == NULL ? ": " : "",
                 o == NULL ? je.text : "");
        goto out;
    }
    schema = json_string_value(json_object_get(o, "schema"));
    plat = json_string_value(json_object_get(o, "platform"));
    files = json_object_get(o, "files");
    dis = json_object_get(o, "disabled");
    params = json_object_get(o, "params");
    if (schema == NULL || strcmp(schema, "efterlev.policy/1") != 0) {
        snprintf(err, errlen, "schema is not efterlev.policy/1");
        goto out;
    }
    if (plat == NULL || strcmp(plat, platform) != 0) {
        snprintf(err, errlen, "a policy for another platform (%s)", plat ? plat : "none");
        goto out;
    }
    if (!json_is_integer(json_object_get(o, "version")) || !json_is_array(files) ||
        json_array_size(files) == 0 || (dis != NULL && !json_is_array(dis)) ||
        (params != NULL && !json_is_array(params))) {
        snprintf(err, errlen, "version, files or disabled missing or of the wrong type");
        goto out;
    }
    cp->version = (long long)json_integer_value(json_object_get(o, "version"));
    json_array_foreach(files, i, f)
    {
        const char *name = json_string_value(json_object_get(f, "name"));
        json_t *y = json_object_get(f, "yaml");
        char label[EF_ID_MAX + 32];

        if (name == NULL || !json_is_string(y) || strlen(name) > EF_ID_MAX) {
            snprintf(err, errlen, "files[%zu]: name or yaml missing", i);
            goto out;
        }
        snprintf(label, sizeof(label), "served:%s", name);
        if (ef_policy_load_mem(ps, label, json_string_value(y), json_string_length(y),
                               controls_file, err, errlen) != 0)
            goto out;
    }
    /* Thresholds the department changed, within the bounds the policy declares. */
    json_array_foreach(params, i, f)
    {
        const char *check = json_string_value(json_object_get(f, "check"));
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *value = json_string_value(json_object_get(f, "value"));

        if (check == NULL || name == NULL || value == NULL) {
            snprintf(err, errlen, "params[%zu]: check, name or value missing", i);
            goto out;
        }
        /* A department's change holds for both platforms: a check of the other's is not
         * here. */
        if (ef_policy_find(ps, check) != NULL &&
            ef_policy_tune(ps, check, name, value, err, errlen) != 0)
            goto out;
    }
    json_array_foreach(dis, i, f)
    {
        const char *check = json_string_value(json_object_get(f, "check"));
        const char *reason = json_string_value(json_object_get(f, "reason"));

        if (check == NULL || reason == NULL || strlen(check) > EF_ID_MAX) {
            snprintf(err, errlen, "disabled[%zu]: check or reason missing", i);
            goto out;
        }
        if (cp->ndisabled == CENTRAL_DISABLED_MAX) {
            snprintf(err, errlen, "more than %d checks switched off", CENTRAL_DISABLED_MAX);
            goto out;
        }
        if ((cp->reasons[cp->ndisabled] = strdup(reason)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        strlcpy(cp->disabled[cp->ndisabled], check, sizeof(cp->disabled[0]));
        cp->ndisabled++;
    }
    if (ps->nchecks == 0) {
        snprintf(err, errlen, "no checks");
        goto out;
    }
    ef_sha256_hex(doc, len, cp->sha256);
    rc = 0;
out:
    if (rc != 0)
        disabled_clear(cp);
    json_decref(o);
    return rc;
}

/* Use the document doc: load it into ps. 0, or -1 with err (ps emptied). */
static int use_doc(const char *doc, size_t len, const char *platform, struct ef_policy_set *ps,
                   struct central_policy *cp, char *err, size_t errlen)
{
    ef_policy_init(ps);
    ps->trusted_only = 0; /* the text comes from memory, verified: no file to judge */
    if (central_policy_load_doc(doc, len, platform, agent_controls_file(), ps, cp, err, errlen) !=
        0) {
        ef_policy_free(ps);
        return -1;
    }
    return 0;
}

/* The host's levels per aspect, sent with a policy or its 304 (Efterlev-Levels): this run
 * judges each check at its level. Over the same pinned TLS as every answer the agent
 * follows; a header not understood is ignored (the levels stay as they were). */
static void follow_levels(struct agent_ctx *ctx, struct enrollment *en,
                          const struct http_response *resp)
{
    ef_level levels[EF_ASPECTS];

    if ((resp->status != 200 && resp->status != 304) || resp->levels[0] == '\0')
        return;
    if (ef_levels_parse_text(resp->levels, levels) == 0)
        state_follow_levels(ctx->state_dir, en, levels);
    else
        ef_warn("the collector's Efterlev-Levels header is not understood: ignored");
}

void central_policy_prepare(struct agent_ctx *ctx, struct enrollment *en, const char *platform,
                            struct ef_policy_set *ps, struct central_policy *cp)
{
    unsigned char pub[48];
    char err[1024], target[64], date[32], msg[EF_ID_MAX + 256], inm[70];
    char *last = NULL, *last_sig = NULL, *sig = NULL;
    size_t last_len = 0;
    int have_last = 0;
    struct http_response resp;

    memset(cp, 0, sizeof(*cp));
    if (en->policy_key[0] == '\0')
        return; /* a collector that serves no policy, or enrolled before it did */
    if (ef_b64_decode(en->policy_key, pub, sizeof(pub)) != EF_ED25519_PUB_LEN) {
        ef_warn("the pinned policy key in the enrollment is damaged: using the local policy");
        return;
    }
    int rc = state_load_policy(ctx->state_dir, &last, &last_len, &last_sig, err, sizeof(err));
    if (rc < 0) {
        ef_warn("last good policy: %s; ignored", err);
    } else if (rc == 1) {
        if (ef_policy_verify(pub, last, last_len, last_sig)) {
            have_last = 1;
        } else {
            snprintf(cp->refused, sizeof(cp->refused),
                     "the last good policy in the state folder does not verify with the policy "
                     "key pinned at enrollment (changed on disk?): ignored");
            ef_warn("%s", cp->refused);
        }
    }

    /* Fetch: a GET signed with the machine's key (docs/protocol.md, "Policy"). */
    snprintf(target, sizeof(target), "/api/v1/policy?platform=%s", platform);
    ef_now_rfc3339(date);
    EVP_PKEY *key = state_key(ctx->state_dir, err, sizeof(err));
    int n = ef_get_message(msg, sizeof(msg), en->agent_id, date, target);
    sig = key != NULL && n > 0 ? ef_sign_header(key, msg, (size_t)n) : NULL;
    EVP_PKEY_free(key);
    if (have_last) {
        char sha[65];
        ef_sha256_hex(last, last_len, sha);
        snprintf(inm, sizeof(inm), "\"%s\"", sha);
    }
    memset(&resp, 0, sizeof(resp));
    int fetched = 0;
    if (sig == NULL) {
        ef_warn("cannot sign the policy request: %s", err);
    } else if (upload_get(en->collector, target, en->ca, en->agent_id, date, sig,
                          have_last ? inm : NULL, CENTRAL_DOC_MAX, ctx->cfg.timeout_s,
                          &resp) != 0) {
        ef_warn("cannot fetch the policy: %s; %s", resp.error,
                have_last ? "using the last good one" : "using the local policy");
    } else {
        fetched = 1;
        follow_levels(ctx, en, &resp);
    }
    if (!fetched) {
        /* said above */
    } else if (resp.status == 200) {
        if (!ef_policy_verify(pub, resp.body ? resp.body : "", resp.len, resp.signature)) {
            snprintf(cp->refused, sizeof(cp->refused),
                     "the collector's policy was refused: its signature does not verify with "
                     "the policy key pinned at enrollment; %s",
                     have_last ? "the last good policy was used" : "the local policy was used");
            ef_error("%s", cp->refused);
        } else if (use_doc(resp.body, resp.len, platform, ps, cp, err, sizeof(err)) != 0) {
            snprintf(cp->refused, sizeof(cp->refused),
                     "the collector's policy was refused: %.300s; %s", err,
                     have_last ? "the last good policy was used" : "the local policy was used");
            ef_error("%s", cp->refused);
        } else {
            if (state_save_policy(ctx->state_dir, resp.body, resp.len, resp.signature, err,
                                  sizeof(err)) != 0)
                ef_warn("cannot keep the policy as the last good one: %s", err);
            ef_info("policy version %lld from the collector (%s)", cp->version, cp->sha256);
            cp->used = 1;
            goto out;
        }
    } else if (resp.status == 304 && have_last) {
        ef_debug("policy unchanged");
    } else if (resp.status == 404) {
        ef_info("the collector serves no policy for %s: using the local policy", platform);
        have_last = 0;
    } else {
        char why[300];
        ef_warn("the collector did not give the policy (HTTP %ld): %s; %s", resp.status,
                http_response_error(&resp, why, sizeof(why)),
                have_last ? "using the last good one" : "using the local policy");
    }
    if (have_last) {
        if (use_doc(last, last_len, platform, ps, cp, err, sizeof(err)) == 0) {
            cp->used = 1;
        } else {
            snprintf(cp->refused, sizeof(cp->refused),
                     "the last good policy does not load: %.300s; the local policy was used", err);
            ef_error("%s", cp->refused);
        }
    }
out:
    http_response_free(&resp);
    free(sig);
    free(last);
    free(last_sig);
}

int central_policy_annotate(const struct central_policy *cp, const struct ef_policy_set *ps,
                            const ef_level levels[EF_ASPECTS], struct ef_report *r)
{
    for (size_t i = 0; cp->used && i < cp->ndisabled; i++) {
        const struct ef_check *c = ef_policy_find(ps, cp->disabled[i]);
        if (c == NULL || c->level > ef_check_level(c->aspects, levels))
            continue; /* not this platform's, or not required at this level */
        struct ef_result *res = ef_report_add(r);
        if (res == NULL)
            return -1;
        strlcpy(res->check, c->id, sizeof(res->check));
        res->status = EF_NA;
        snprintf(res->evidence, sizeof(res->evidence),
                 "switched off for this department by the collector's policy (version %lld): "
                 "%.700s",
                 cp->version, cp->reasons[i]);
        memcpy(res->controls, c->controls, sizeof(res->controls));
        res->ncontrols = c->ncontrols;
        res->severity = c->severity;
        res->level = ef_check_level(c->aspects, levels);
    }
    if (cp->refused[0]) {
        struct ef_result *res = ef_report_add(r);
        if (res == NULL)
            return -1;
        strlcpy(res->check, CENTRAL_REFUSED_CHECK, sizeof(res->check));
        res->status = EF_ERROR;
        strlcpy(res->evidence, cp->refused, sizeof(res->evidence));
        strlcpy(res->controls[0], "8.9", sizeof(res->controls[0]));
        res->ncontrols = 1;
        res->severity = EF_SEV_HIGH;
        res->level = ef_levels_max(levels);
    }
    return 0;
}
