/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-agent enroll: introduce this machine's public key to the collector, admitted by
 * a department's enrollment token. */
#include "agent.h"
#include "agent_state.h"
#include "common_opts.h"
#include "hostinfo.h"
#include "upload.h"

#include "efterlev/b64.h"
#include "efterlev/levels.h"
#include "efterlev/log.h"
#include "efterlev/os.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: efterlev-agent enroll --collector URL --token TOKEN [--ca FILE]\n"
    "                             [--state-dir DIR] [--config FILE]\n"
    "\n"
    "Creates this machine's Ed25519 key if it has none, and enrolls it with the collector\n"
    "in the department the token belongs to (efterlev-collector department add prints it).\n"
    "The collector answers with the department's protection level, which later scans use.\n"
    "Enrolling again (with a valid token) moves the machine and keeps its agent id.\n"
    "\n"
    "  --collector URL   https://HOST:PORT of the collector (default: the configuration's)\n"
    "  --token TOKEN     the department's enrollment token (default: the configuration's)\n"
    "  --ca FILE         CA certificate to verify the collector with (default: the\n"
    "                    configuration's, else the system's trusted CAs)\n"
    "\n"
    "example: efterlev-agent enroll --collector https://efterlev.kommun.se:8443 \\\n"
    "             --token 3.q2Vx... --ca /etc/efterlev/ca.pem\n";

int agent_enroll(struct agent_ctx *ctx, const char *url, const char *token, const char *ca,
                 struct enrollment *out)
{
    char err[1024];
    if (upload_url_check(url, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return -1;
    }
    if (state_prepare(ctx->state_dir, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return -1;
    }
    struct ef_host host;
    if (hostinfo_collect("/", &ctx->cfg, &host, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return -1;
    }
    EVP_PKEY *key = state_key(ctx->state_dir, err, sizeof(err));
    if (key == NULL) {
        ef_error("%s", err);
        return -1;
    }
    char *pub = ef_key_public_b64(key);
    /* Proof of possession: the key signs this very request (docs/protocol.md). */
    char *proof =
        pub != NULL ? ef_enroll_proof(key, token, host.machine_id, host.hostname, pub) : NULL;
    if (proof == NULL) {
        EVP_PKEY_free(key);
        free(pub);
        ef_error("cannot sign the enrollment request");
        return -1;
    }
    EVP_PKEY_free(key);
    json_t *req =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", token, "hostname", host.hostname,
                  "machine_id", host.machine_id, "public_key", pub ? pub : "", "proof", proof);
    free(pub);
    free(proof);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body == NULL) {
        ef_error("out of memory");
        return -1;
    }
    char ca_abs[PATH_MAX] = "";
    if (ca != NULL && ca[0] != '\0' && ef_abspath(ca, ca_abs, sizeof(ca_abs)) != 0) {
        ef_error("CA file %s: %s", ca, strerror(errno));
        free(body);
        return -1;
    }
    struct http_response resp;
    int rc = upload_post(url, "/api/v1/enroll", ca_abs, NULL, NULL, body, strlen(body),
                         ctx->cfg.timeout_s, &resp);
    free(body);
    if (rc != 0) {
        ef_error("cannot reach the collector: %s", resp.error);
        http_response_free(&resp);
        return -1;
    }
    if (resp.status != 201) {
        ef_error("the collector refused enrollment (HTTP %ld): %s", resp.status,
                 http_response_error(&resp, err, sizeof(err)));
        http_response_free(&resp);
        return -1;
    }
    json_t *ans = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
    http_response_free(&resp);
    memset(out, 0, sizeof(*out));
    const char *agent_id = json_string_value(json_object_get(ans, "agent_id"));
    const char *dept = json_string_value(json_object_get(ans, "department"));
    const char *level = json_string_value(json_object_get(ans, "level"));
    if (agent_id == NULL || dept == NULL || level == NULL ||
        strlcpy(out->agent_id, agent_id, sizeof(out->agent_id)) >= sizeof(out->agent_id) ||
        ef_level_parse(level, &out->level) != 0) {
        ef_error("the collector's enrollment answer is not understood");
        json_decref(ans);
        return -1;
    }
    strlcpy(out->department, dept, sizeof(out->department));
    if (ef_levels_from_json(json_object_get(ans, "levels"), out->levels) != 0)
        ef_levels_fill(out->levels, out->level); /* a collector from before levels per aspect */
    /* The collector's policy key: pinned now, over the TLS connection verified against the
     * CA, and every served policy must be signed with it (docs/protocol.md, "Policy"). */
    const char *pkey = json_string_value(json_object_get(ans, "policy_key"));
    unsigned char raw[48];
    if (pkey != NULL) {
        if (ef_b64_decode(pkey, raw, sizeof(raw)) != EF_ED25519_PUB_LEN || ef_pub_weak(raw) ||
            strlcpy(out->policy_key, pkey, sizeof(out->policy_key)) >= sizeof(out->policy_key)) {
            ef_error("the collector's enrollment answer holds a policy_key that is no key");
            json_decref(ans);
            return -1;
        }
    }
    strlcpy(out->collector, url, sizeof(out->collector));
    strlcpy(out->ca, ca_abs, sizeof(out->ca));
    ef_now_rfc3339(out->enrolled_at);
    json_decref(ans);
    /* Another policy key (another collector, or one without): the last good policy is not
     * this collector's; it goes, rather than be reported as refused on every run. */
    struct enrollment prev;
    if (state_load_enrollment(ctx->state_dir, &prev, err, sizeof(err)) == 1 &&
        strcmp(prev.policy_key, out->policy_key) != 0)
        state_forget_policy(ctx->state_dir);
    if (state_save_enrollment(ctx->state_dir, out, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return -1;
    }
    return 0;
}

int cmd_enroll(struct agent_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"collector", required_argument, NULL, 'u'},
                                         {"token", required_argument, NULL, 't'},
                                         {"ca", required_argument, NULL, 'c'},
                                         COMMON_LONG_OPTS};
    const char *url = NULL, *token = NULL, *ca = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "u:t:c:vh", opts, NULL)) != -1) {
        int handled = common_opt(ctx, c, optarg);
        if (handled < 0)
            return EXIT_USAGE;
        if (handled)
            continue;
        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 't':
            token = optarg;
            break;
        case 'c':
            ca = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return EXIT_OK;
        default:
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc || common_load_config(ctx) != 0)
        return EXIT_USAGE;
    if (url == NULL && ctx->cfg.collector[0])
        url = ctx->cfg.collector;
    if (token == NULL && ctx->cfg.token[0])
        token = ctx->cfg.token;
    if (ca == NULL && ctx->cfg.ca[0])
        ca = ctx->cfg.ca;
    if (url == NULL || token == NULL) {
        ef_error("enroll needs --collector URL and --token TOKEN (or both in %s)",
                 ctx->config_path);
        return EXIT_USAGE;
    }
    int prep = common_prepare_state(ctx);
    if (prep != EXIT_OK)
        return prep;
    struct enrollment en;
    if (agent_enroll(ctx, url, token, ca, &en) != 0)
        return EXIT_FAILED;
    ef_info("enrolled as %s in department \"%s\" (protection level %s)", en.agent_id, en.department,
            ef_level_name(en.level));
    return EXIT_OK;
}
