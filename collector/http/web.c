/* SPDX-License-Identifier: EUPL-1.2 */
/* The dashboard over HTTP: assets, login, logout, session, board report, headers.
 *
 * CSRF: the session cookie is SameSite=Strict, and every state-changing request here
 * (login, logout) must also carry an Origin header naming this very server
 * ("https://" + Host); logout must in addition send the session's CSRF token in
 * X-CSRF-Token, and login must be JSON (a cross-site form cannot send that without a CORS
 * preflight, which this server never grants). */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "controls.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "http/ratelimit.h"
#include "http/web.h"
#include "now.h"
#include "report_html.h"
#include "sessions.h"
#include "tokens.h"

#define LOGIN_BODY_MAX 4096
/* Login attempts per source address: 10 a minute, bursts of 10. Each attempt costs one
 * scrypt derivation, so this also bounds the CPU a single address can spend. */
#define LOGIN_PER_MINUTE 10.0
#define LOGIN_BURST 10.0

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
                          "object-src 'none'; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'";

void ef_web_security_headers(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Security-Policy", csp);
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
    evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
    evhttp_add_header(h, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
    /* X-Content-Type-Options: nosniff and Cache-Control: no-store come with every answer
     * from routes.c. */
}

static void peer(struct evhttp_request *req, char *out, size_t outlen)
{
    struct evhttp_connection *c = evhttp_request_get_connection(req);
    char *addr = NULL;
    ev_uint16_t port = 0;

    out[0] = '\0';
    if (c != NULL) {
        evhttp_connection_get_peer(c, &addr, &port);
        if (addr != NULL)
            snprintf(out, outlen, "%s", addr);
    }
}

static double mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- assets ---- */

/* 1 when the first language of Accept-Language the dashboard has is English. */
static int prefers_english(const char *al)
{
    const char *p = al;

    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncasecmp(p, "en", 2) == 0 && (p[2] == '\0' || strchr("-;, ", p[2]) != NULL))
            return 1;
        if (strncasecmp(p, "sv", 2) == 0 && (p[2] == '\0' || strchr("-;, ", p[2]) != NULL))
            return 0;
        p = strchr(p, ',');
    }
    return 0;
}

void ef_web_asset(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : "";
    const char *al;
    const struct ef_web_asset *a = NULL;
    char *copy, *lang;
    size_t i;

    (void)ctx;
    if (strcmp(path, "/index.html") == 0)
        path = "/";
    for (i = 0; i < ef_web_nassets; i++)
        if (strcmp(ef_web_assets[i].path, path) == 0)
            a = &ef_web_assets[i];
    if (a == NULL) {
        ef_answer_error(ans, 404, "no such file: %.100s", path);
        return;
    }
    copy = malloc(a->len + 1);
    if (copy == NULL) {
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    memcpy(copy, a->data, a->len);
    copy[a->len] = '\0';
    /* The page's language follows Accept-Language until the user picks one. */
    al = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept-Language");
    if (strcmp(a->path, "/") == 0 && al != NULL && prefers_english(al) &&
        (lang = strstr(copy, "<html lang=\"sv\"")) != NULL)
        memcpy(lang + 12, "en", 2);
    ef_answer_raw(ans, 200, copy, a->len, a->content_type, NULL);
}

/* ---- sessions ---- */

static int session_secret(struct evhttp_request *req, char out[EF_SECRET_LEN + 2])
{
    const char *cookie = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");

    return cookie != NULL && ef_cookie_value(cookie, EF_SESSION_COOKIE, out, EF_SECRET_LEN + 2) == 0
               ? 0
               : -1;
}

int ef_web_session_caller(struct ef_http_ctx *ctx, struct evhttp_request *req, char *role,
                          size_t rolelen, char *actor, size_t actorlen, struct ef_answer *ans)
{
    char secret[EF_SECRET_LEN + 2];
    struct ef_session sess;
    int rc;

    if (session_secret(req, secret) != 0)
        return 0;
    rc = ef_session_lookup(ctx->store, secret, ef_coll_now(), &sess);
    explicit_bzero(secret, sizeof(secret));
    if (rc == EF_STORE_ERR) {
        ef_error("session lookup: %s", ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
        return -1;
    }
    if (rc != EF_STORE_OK) {
        ef_answer_error(ans, 401, "the session has ended; log in again");
        return -1;
    }
    snprintf(role, rolelen, "%s", sess.role);
    snprintf(actor, actorlen, "user:%s", sess.user);
    return 1;
}

/* 0 when Origin names this server; else -1 with ans 403. */
static int same_origin(struct evhttp_request *req, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *origin = evhttp_find_header(h, "Origin");
    const char *host = evhttp_find_header(h, "Host");

    if (origin == NULL || host == NULL || strncmp(origin, "https://", 8) != 0 ||
        strcmp(origin + 8, host) != 0) {
        ef_answer_error(ans, 403, "cross-origin request refused");
        return -1;
    }
    return 0;
}

static void set_cookie(struct evhttp_request *req, const char *value, int max_age)
{
    char c[256];

    snprintf(c, sizeof(c), "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%d",
             EF_SESSION_COOKIE, value, max_age);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
    explicit_bzero(c, sizeof(c));
}

static json_t *who_json(const char *user, const char *role, const char *csrf, int64_t created)
{
    const char *dept = NULL;

    (void)ef_role_parse(role, &dept);
    return json_pack("{s:s, s:s, s:o, s:s, s:b, s:I, s:i}", "user", user, "role",
                     dept != NULL ? "department" : role, "department",
                     dept != NULL ? json_string(dept) : json_null(), "csrf", csrf, "may_report",
                     dept == NULL, "expires_at", (json_int_t)(created + EF_SESSION_ABSOLUTE_SECS),
                     "idle_secs", EF_SESSION_IDLE_SECS);
}

static void audit(struct ef_http_ctx *ctx, const char *actor, const char *action, json_t *details)
{
    if (ef_audit(ctx->store, ef_coll_now(), actor, action, details) != EF_STORE_OK)
        ef_error("audit log: %s", ctx->store->err);
}

void ef_web_login(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    static struct ef_ratelimit *rl;
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    const char *ctype = evhttp_find_header(h, "Content-Type");
    const char *user, *password;
    char addr[64], actor[EF_ACTOR_MAX + 1], secret[EF_SECRET_LEN + 1], csrf[EF_SECRET_LEN + 1];
    char retry[32];
    size_t len = evbuffer_get_length(in), pwlen;
    struct ef_user u;
    int64_t retry_after, failures;
    json_t *body;
    json_error_t jerr;
    time_t now = ef_coll_now();

    peer(req, addr, sizeof(addr));
    if (rl == NULL) {
        /* One table for the process (requests are handled on one thread). */
        rl = calloc(1, sizeof(*rl));
        if (rl == NULL) {
            ef_answer_error(ans, 500, "internal error");
            return;
        }
        ef_rl_init(rl, LOGIN_PER_MINUTE, LOGIN_BURST);
    }
    if (same_origin(req, ans) != 0)
        return;
    if (!ef_rl_take(rl, addr, mono_now())) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        ef_answer_error(ans, 429, "too many login attempts from this address; wait a minute");
        audit(ctx, "web", "login.throttled", json_pack("{s:s}", "address", addr));
        return;
    }
    if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0) {
        ef_answer_error(ans, 400, "login must be JSON (Content-Type: application/json)");
        return;
    }
    if (len > LOGIN_BODY_MAX) {
        ef_answer_error(ans, 413, "request body larger than %d bytes", LOGIN_BODY_MAX);
        return;
    }
    body = json_loadb(len ? (const char *)evbuffer_pullup(in, -1) : "", len, JSON_REJECT_DUPLICATES,
                      &jerr);
    if (body == NULL || !json_is_string(json_object_get(body, "user")) ||
        !json_is_string(json_object_get(body, "password"))) {
        json_decref(body);
        ef_answer_error(ans, 400, "expected {\"user\": \"...\", \"password\": \"...\"}");
        return;
    }
    user = json_string_value(json_object_get(body, "user"));
    password = json_string_value(json_object_get(body, "password"));
    pwlen = json_string_length(json_object_get(body, "password"));
    switch (ef_login(ctx->store, user, password, pwlen, now, &u, &retry_after, &failures)) {
    case EF_LOGIN_OK:
        if (ef_session_create(ctx->store, u.id, now, secret, csrf) != EF_STORE_OK) {
            ef_error("session: %s", ctx->store->err);
            ef_answer_error(ans, 500, "internal error");
            break;
        }
        set_cookie(req, secret, EF_SESSION_ABSOLUTE_SECS);
        explicit_bzero(secret, sizeof(secret));
        snprintf(actor, sizeof(actor), "user:%s", u.name);
        audit(ctx, actor, "login", json_pack("{s:s}", "address", addr));
        ef_answer_json(ans, 200, who_json(u.name, u.role, csrf, (int64_t)now));
        break;
    case EF_LOGIN_LOCKED:
        snprintf(retry, sizeof(retry), "%lld", (long long)retry_after);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", retry);
        ef_answer_error(ans, 429, "too many failed logins; try again in %lld seconds",
                        (long long)retry_after);
        audit(ctx, "web", "login.failed",
              json_pack("{s:s%, s:s, s:s}", "user", user, strnlen(user, EF_USER_NAME_MAX),
                        "address", addr, "reason", "locked"));
        break;
    case EF_LOGIN_BAD:
        if (retry_after > 0) {
            snprintf(retry, sizeof(retry), "%lld", (long long)retry_after);
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", retry);
        }
        ef_answer_error(ans, 401, "wrong user name or password");
        audit(ctx, "web", "login.failed",
              json_pack("{s:s%, s:s, s:s, s:I, s:I}", "user", user, strnlen(user, EF_USER_NAME_MAX),
                        "address", addr, "reason", "wrong user name or password", "failures",
                        (json_int_t)failures, "locked_secs", (json_int_t)retry_after));
        break;
    default:
        ef_error("login: %s", ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
    }
    json_decref(body);
}

void ef_web_logout(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    const char *token = evhttp_find_header(evhttp_request_get_input_headers(req), "X-CSRF-Token");
    char secret[EF_SECRET_LEN + 2], actor[EF_ACTOR_MAX + 1];
    struct ef_session sess;
    int rc;

    if (same_origin(req, ans) != 0)
        return;
    if (session_secret(req, secret) != 0) {
        set_cookie(req, "", 0);
        ef_answer_json(ans, 200, json_pack("{s:b}", "logged_out", 1));
        return;
    }
    rc = ef_session_lookup(ctx->store, secret, ef_coll_now(), &sess);
    if (rc == EF_STORE_ERR) {
        ef_error("session lookup: %s", ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
    } else if (rc == EF_STORE_OK && (token == NULL || strlen(token) != strlen(sess.csrf) ||
                                     !ef_ct_equal(token, sess.csrf, strlen(sess.csrf)))) {
        ef_answer_error(ans, 403, "missing or wrong X-CSRF-Token");
    } else {
        if (rc == EF_STORE_OK) {
            if (ef_session_end(ctx->store, secret) != EF_STORE_OK)
                ef_error("logout: %s", ctx->store->err);
            snprintf(actor, sizeof(actor), "user:%s", sess.user);
            audit(ctx, actor, "logout", NULL);
        }
        set_cookie(req, "", 0);
        ef_answer_json(ans, 200, json_pack("{s:b}", "logged_out", 1));
    }
    explicit_bzero(secret, sizeof(secret));
}

void ef_web_session(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    char secret[EF_SECRET_LEN + 2];
    struct ef_session sess;
    int rc = EF_STORE_NOTFOUND;

    if (session_secret(req, secret) == 0)
        rc = ef_session_lookup(ctx->store, secret, ef_coll_now(), &sess);
    explicit_bzero(secret, sizeof(secret));
    if (rc == EF_STORE_ERR) {
        ef_error("session lookup: %s", ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
    } else if (rc != EF_STORE_OK) {
        ef_answer_error(ans, 401, "not logged in");
    } else {
        ef_answer_json(ans, 200, who_json(sess.user, sess.role, sess.csrf, sess.created_at));
    }
}

/* ---- board report ---- */

void ef_web_board_report(struct ef_http_ctx *ctx, struct evhttp_request *req, const char *dept,
                         const char *actor, struct ef_answer *ans)
{
    static const struct ef_catalog empty;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    const char *period, *lang;
    struct evkeyvalq q;
    int64_t first, last;
    char *data = NULL;
    size_t len = 0;
    FILE *mem;
    time_t now = ef_coll_now();
    int rc;

    evhttp_parse_query_str(qs != NULL ? qs : "", &q);
    period = evhttp_find_header(&q, "period");
    lang = evhttp_find_header(&q, "lang");
    if (lang == NULL)
        lang = "sv";
    if (dept != NULL) {
        ef_answer_error(ans, 403,
                        "the board report covers every department; "
                        "ask a coordinator or an auditor");
        goto out;
    }
    if (period == NULL || ef_period_parse(period, &first, &last) != 0) {
        ef_answer_error(ans, 400, "period must be YYYY, YYYYH1, YYYYH2, YYYYQ1..4 or YYYY-MM");
        goto out;
    }
    if (strcmp(lang, "sv") != 0 && strcmp(lang, "en") != 0) {
        ef_answer_error(ans, 400, "lang must be sv or en");
        goto out;
    }
    if ((mem = open_memstream(&data, &len)) == NULL) {
        ef_answer_error(ans, 500, "internal error");
        goto out;
    }
    rc = ef_board_report(ctx->store, ctx->catalog != NULL ? ctx->catalog : &empty, period, lang,
                         ctx->stale_days, now, mem);
    if (fclose(mem) != 0 || rc != EF_STORE_OK) {
        ef_error("report: %s", ctx->store->err);
        free(data);
        ef_answer_error(ans, 500, "internal error");
        goto out;
    }
    audit(ctx, actor, "report",
          json_pack("{s:s, s:s, s:s}", "period", period, "lang", lang, "output", "download"));
    ef_answer_raw(ans, 200, data, len, "text/html; charset=utf-8",
                  strcmp(lang, "en") == 0 ? "efterlev-board-report.html"
                                          : "efterlev-uppfoljning.html");
out:
    evhttp_clear_headers(&q);
}
