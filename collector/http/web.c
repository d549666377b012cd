/* SPDX-License-Identifier: EUPL-1.2 */
/* The dashboard over HTTP: assets, login, logout, session, board report, headers.
 *
 * CSRF: the session cookie is SameSite=Strict, and the route table (routes.c) makes every
 * state-changing request here (login, logout) carry an Origin header naming this very
 * server ("https://" + Host) and, from a session, the session's CSRF token in X-CSRF-Token;
 * login must also be JSON (a cross-site form cannot send that without a CORS preflight,
 * which this server never grants).
 *
 * Logins: the scrypt verification (about 0.3 s of CPU, 128 MiB) runs on a worker thread
 * (workq.c) so the event loop keeps answering; the store work before and after it stays on
 * the loop thread. A name that is no user takes the same steps, with a dummy hash and a
 * lockout counted in memory (sessions.c), so the answers do not tell users apart. */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stddef.h>
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
#include "workq.h"

#define LOGIN_BODY_MAX 4096

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

void ef_web_asset(struct ef_http_ctx *ctx, struct evhttp_request *req, const struct ef_caller *who,
                  const struct ef_query *q, struct ef_answer *ans)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : "";
    const char *al;
    const struct ef_web_asset *a = NULL;
    char *copy, *lang;
    size_t i;

    (void)ctx;
    (void)who;
    (void)q;
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

int ef_web_session_caller(struct ef_http_ctx *ctx, struct evhttp_request *req,
                          struct ef_session *out, struct ef_answer *ans)
{
    char secret[EF_SECRET_LEN + 2];
    int rc;

    if (session_secret(req, secret) != 0)
        return 0;
    rc = ef_session_lookup(ctx->store, secret, ef_coll_now(), out);
    explicit_bzero(secret, sizeof(secret));
    if (rc == EF_ERR) {
        ef_error("session lookup: %s", ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
        return -1;
    }
    if (rc != EF_OK) {
        ef_answer_error(ans, 401, "the session has ended; log in again");
        return -1;
    }
    return 1;
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
    if (ef_audit(ctx->store, ef_coll_now(), actor, action, details) != EF_OK)
        ef_error("audit log: %s", ctx->store->err);
}

/* One login: the request and what the worker needs. */
struct login {
    struct ef_work w;
    struct ef_http_ctx *ctx;
    struct evhttp_request *req;
    char addr[64];
    char *user, *password; /* owned; the password is wiped before it is freed */
    size_t pwlen;
    char hash[EF_PW_HASH_MAX + 1]; /* "": no such user (dummy verification) */
    int verified;
    time_t now;
};

/* The work is the first member, so a struct ef_work * from the queue is the login. */
_Static_assert(offsetof(struct login, w) == 0, "struct login must start with its ef_work");

static void login_free(struct login *l)
{
    if (l == NULL)
        return;
    if (l->password != NULL) {
        explicit_bzero(l->password, l->pwlen);
        free(l->password);
    }
    free(l->user);
    explicit_bzero(l->hash, sizeof(l->hash));
    free(l);
}

/* Answer a login that stopped at the lock (LOCKED) or came back from the verification. */
static void login_answer(struct login *l, enum ef_login_result r, const struct ef_user *u,
                         int64_t retry_after, int64_t failures, struct ef_answer *ans)
{
    struct ef_http_ctx *ctx = l->ctx;
    struct evhttp_request *req = l->req;
    char actor[EF_ACTOR_MAX + 1], secret[EF_SECRET_LEN + 1], csrf[EF_SECRET_LEN + 1];
    char retry[32];
    int rc;

    switch (r) {
    case EF_LOGIN_OK:
        if ((rc = ef_session_create(ctx->store, u->id, l->now, secret, csrf)) != EF_OK) {
            ef_error("session: %s", ef_store_why(ctx->store, rc));
            ef_answer_error(ans, 500, "internal error");
            break;
        }
        set_cookie(req, secret, EF_SESSION_ABSOLUTE_SECS);
        explicit_bzero(secret, sizeof(secret));
        snprintf(actor, sizeof(actor), "user:%s", u->name);
        audit(ctx, actor, "login", json_pack("{s:s}", "address", l->addr));
        ef_answer_json(ans, 200, who_json(u->name, u->role, csrf, (int64_t)l->now));
        break;
    case EF_LOGIN_LOCKED:
        snprintf(retry, sizeof(retry), "%lld", (long long)retry_after);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", retry);
        ef_answer_error(ans, 429, "too many failed logins; try again in %lld seconds",
                        (long long)retry_after);
        audit(ctx, "web", "login.failed",
              json_pack("{s:s%, s:s, s:s}", "user", l->user, strnlen(l->user, EF_USER_NAME_MAX),
                        "address", l->addr, "reason", "locked"));
        break;
    case EF_LOGIN_BAD:
        if (retry_after > 0) {
            snprintf(retry, sizeof(retry), "%lld", (long long)retry_after);
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", retry);
        }
        ef_answer_error(ans, 401, "wrong user name or password");
        audit(ctx, "web", "login.failed",
              json_pack("{s:s%, s:s, s:s, s:I, s:I}", "user", l->user,
                        strnlen(l->user, EF_USER_NAME_MAX), "address", l->addr, "reason",
                        "wrong user name or password", "failures", (json_int_t)failures,
                        "locked_secs", (json_int_t)retry_after));
        break;
    default:
        ef_error("login: %s", ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
    }
}

/* After the verification (loop thread): count, answer. */
static void login_finish(struct login *l, struct ef_answer *ans)
{
    struct ef_user u;
    int64_t retry_after, failures;
    enum ef_login_result r;

    r = ef_login_finish(l->ctx->store, l->ctx->ghosts, l->user, l->verified, l->now, &u,
                        &retry_after, &failures);
    login_answer(l, r, &u, retry_after, failures, ans);
}

static void login_run(struct ef_work *w)
{
    struct login *l = (struct login *)w;

    l->verified = ef_login_verify(l->password, l->pwlen, l->hash);
}

static void login_done(struct ef_work *w)
{
    struct login *l = (struct login *)w;
    struct ef_answer ans = {0};

    if (!w->cancelled) {
        login_finish(l, &ans);
        ef_http_send_answer(l->req, "/api/v1/login", &ans);
        ef_answer_clear(&ans);
    }
    login_free(l);
}

void ef_web_login(struct ef_http_ctx *ctx, struct evhttp_request *req, const struct ef_caller *who,
                  const struct ef_query *q, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    const char *ctype = evhttp_find_header(h, "Content-Type");
    size_t len = evbuffer_get_length(in);
    struct login *l = NULL;
    json_t *body = NULL, *ju, *jp;
    json_error_t jerr;
    int64_t retry_after, failures;
    enum ef_login_result r;

    (void)who;
    (void)q;
    if ((l = calloc(1, sizeof(*l))) == NULL) {
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    l->ctx = ctx;
    l->req = req;
    l->now = ef_coll_now();
    ef_http_peer(req, l->addr, sizeof(l->addr));
    if (!ef_rl_take(&ctx->login_rl, l->addr, mono_now())) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        ef_answer_error(ans, 429, "too many login attempts from this address; wait a minute");
        audit(ctx, "web", "login.throttled", json_pack("{s:s}", "address", l->addr));
        goto out;
    }
    if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0) {
        ef_answer_error(ans, 400, "login must be JSON (Content-Type: application/json)");
        goto out;
    }
    if (len > LOGIN_BODY_MAX) {
        ef_answer_error(ans, 413, "request body larger than %d bytes", LOGIN_BODY_MAX);
        goto out;
    }
    body = json_loadb(len ? (const char *)evbuffer_pullup(in, -1) : "", len, JSON_REJECT_DUPLICATES,
                      &jerr);
    ju = json_object_get(body, "user");
    jp = json_object_get(body, "password");
    if (body == NULL || !json_is_string(ju) || !json_is_string(jp)) {
        ef_answer_error(ans, 400, "expected {\"user\": \"...\", \"password\": \"...\"}");
        goto out;
    }
    l->pwlen = json_string_length(jp);
    if ((l->user = strdup(json_string_value(ju))) == NULL ||
        (l->password = malloc(l->pwlen + 1)) == NULL) {
        ef_answer_error(ans, 500, "internal error");
        goto out;
    }
    memcpy(l->password, json_string_value(jp), l->pwlen + 1);
    r = ef_login_begin(ctx->store, ctx->ghosts, l->user, l->now, l->hash, &retry_after, &failures);
    if (r != EF_LOGIN_VERIFY) {
        login_answer(l, r, NULL, retry_after, failures, ans);
        goto out;
    }
    if (ctx->workq != NULL) {
        l->w.run = login_run;
        l->w.done = login_done;
        if (ef_workq_submit(ctx->workq, &l->w) == 0) {
            ans->status = EF_HTTP_DEFERRED;
            l = NULL; /* the worker's now */
            goto out;
        }
        ef_warn("login queue full, answering 503");
        ef_answer_error(ans, 503, "the collector is busy; try again shortly");
        goto out;
    }
    login_run(&l->w);
    login_finish(l, ans);
out:
    if (body != NULL) {
        /* jansson keeps the password in the parsed value: wipe it there too. */
        jp = json_object_get(body, "password");
        if (json_is_string(jp))
            explicit_bzero((char *)json_string_value(jp), json_string_length(jp));
        json_decref(body);
    }
    login_free(l);
}

void ef_web_logout(struct ef_http_ctx *ctx, struct evhttp_request *req, const struct ef_caller *who,
                   const struct ef_query *q, struct ef_answer *ans)
{
    char secret[EF_SECRET_LEN + 2];

    (void)q;
    /* The dispatcher checked Origin and, for a live session, X-CSRF-Token. */
    if (who->via == EF_VIA_SESSION && session_secret(req, secret) == 0) {
        if (ef_session_end(ctx->store, secret) != EF_OK)
            ef_error("logout: %s", ctx->store->err);
        audit(ctx, who->actor, "logout", NULL);
        explicit_bzero(secret, sizeof(secret));
    }
    set_cookie(req, "", 0);
    ef_answer_json(ans, 200, json_pack("{s:b}", "logged_out", 1));
}

void ef_web_session(struct ef_http_ctx *ctx, struct evhttp_request *req,
                    const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    (void)ctx;
    (void)req;
    (void)q;
    if (who->via != EF_VIA_SESSION)
        ef_answer_error(ans, 401, "not logged in");
    else
        ef_answer_json(
            ans, 200,
            who_json(who->sess.user, who->sess.role, who->sess.csrf, who->sess.created_at));
}

/* ---- board report ---- */

void ef_web_board_report(struct ef_http_ctx *ctx, struct evhttp_request *req,
                         const struct ef_caller *who, const struct ef_query *q,
                         struct ef_answer *ans)
{
    static const struct ef_catalog empty;
    char *data = NULL;
    size_t len = 0;
    FILE *mem;
    int rc;

    (void)req;
    /* The route admits coordinators and auditors only: the report covers every department. */
    if ((mem = open_memstream(&data, &len)) == NULL) {
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    rc = ef_board_report(ctx->store, ctx->catalog != NULL ? ctx->catalog : &empty, ctx->checks,
                         q->period, q->lang, ctx->stale_days, ef_coll_now(), mem);
    if (fclose(mem) != 0 || rc != EF_OK) {
        ef_error("report: %s", rc != EF_OK ? ef_store_why(ctx->store, rc) : "write error");
        free(data);
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    audit(ctx, who->actor, "report",
          json_pack("{s:s, s:s, s:s}", "period", q->period, "lang", q->lang, "output", "download"));
    ef_answer_raw(ans, 200, data, len, "text/html; charset=utf-8",
                  strcmp(q->lang, "en") == 0 ? "efterlev-board-report.html"
                                             : "efterlev-uppfoljning.html");
}
