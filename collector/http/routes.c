/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTP API (docs/protocol.md). Every answer, error or not, is JSON. The logic lives in
 * enroll.c, ingest.c and aggregate.c; this file maps requests onto it through one table
 * that holds each route's access rules and query parameters (routes.h), enforced here
 * before any handler runs. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include "aggregate.h"
#include "answer.h"
#include "audit.h"
#include "coverage.h"
#include "efterlev/days.h"
#include "efterlev/log.h"
#include "efterlev/report.h"
#include "efterlev/util.h"
#include "enroll.h"
#include "export.h"
#include "names.h"
#include "now.h"
#include "host_levels.h"
#include "policy_doc.h"
#include "systems.h"
#include "http/export_stream.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/web.h"
#include "sessions.h"
#include "tokens.h"

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

static const char *method_name(enum evhttp_cmd_type m)
{
    switch (m) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    default:
        return "OTHER";
    }
}

static void send_answer(struct evhttp_request *req, const char *path, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    struct evbuffer *buf = evbuffer_new();
    char *text = NULL;

    if (ans->status == 304 && ans->raw == NULL && ans->body == NULL) { /* no body at all */
        evhttp_add_header(h, "Cache-Control", "no-store");
        evhttp_send_reply(req, 304, reason(304), NULL);
        if (buf != NULL)
            evbuffer_free(buf);
        return;
    }
    if (ans->raw != NULL) {
        char disp[160];

        evhttp_add_header(h, "Content-Type", ans->content_type);
        evhttp_add_header(h, "Cache-Control", "no-store");
        evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
        if (ans->filename != NULL) {
            snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", ans->filename);
            evhttp_add_header(h, "Content-Disposition", disp);
        }
        if (buf == NULL || evbuffer_add(buf, ans->raw, ans->raw_len) != 0) {
            ef_error("%s: out of memory answering", path);
            evhttp_send_error(req, 500, NULL);
        } else {
            evhttp_send_reply(req, ans->status, reason(ans->status), buf);
        }
        if (buf != NULL)
            evbuffer_free(buf);
        return;
    }
    if (ans->body == NULL)
        ef_answer_error(ans, 500, "internal error");
    if (ans->retry_after > 0) { /* 429 over an agent's ingest budget: until it has room */
        char secs[24];

        snprintf(secs, sizeof(secs), "%ld", ans->retry_after);
        evhttp_add_header(h, "Retry-After", secs);
    } else if (ans->status == 503) { /* overloaded, database busy, shutting down: retry */
        evhttp_add_header(h, "Retry-After", "5");
    }
    text = json_dumps(ans->body, JSON_COMPACT | JSON_REAL_PRECISION(10));
    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    if (buf == NULL || text == NULL || evbuffer_add(buf, text, strlen(text)) != 0 ||
        evbuffer_add(buf, "\n", 1) != 0) {
        ef_error("%s: out of memory answering", path);
        evhttp_send_error(req, 500, NULL);
    } else {
        evhttp_send_reply(req, ans->status, reason(ans->status), buf);
    }
    free(text);
    if (buf != NULL)
        evbuffer_free(buf);
}

/* The request body, contiguous. NULL (with ans set to 413) when over the limit. */
static const unsigned char *body_of(struct evhttp_request *req, size_t *len, struct ef_answer *ans)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    static const unsigned char empty[1];
    const unsigned char *p;

    *len = evbuffer_get_length(in);
    if (*len > (size_t)EF_BODY_MAX) {
        ef_answer_error(ans, 413, "request body larger than %d bytes", EF_BODY_MAX);
        return NULL;
    }
    if (*len == 0)
        return empty;
    p = evbuffer_pullup(in, -1);
    if (p == NULL)
        ef_answer_error(ans, 500, "internal error");
    return p;
}

void ef_http_peer(struct evhttp_request *req, char *out, size_t outlen)
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

static void set_nodelay(struct evhttp_request *req)
{
    struct evhttp_connection *c = evhttp_request_get_connection(req);
    struct bufferevent *bev = c != NULL ? evhttp_connection_get_bufferevent(c) : NULL;
    evutil_socket_t fd = bev != NULL ? bufferevent_getfd(bev) : -1;
    int one = 1;

    /* Answers are small and written at once; do not let Nagle hold them back. Failure
     * only costs latency. */
    if (fd >= 0)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void do_enroll(struct ef_http_ctx *ctx, struct evhttp_request *req,
                      const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    struct timespec ts;
    const unsigned char *body;
    char peer[64];
    size_t len;

    (void)who;
    (void)q;
    ef_http_peer(req, peer, sizeof(peer));
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (!ef_rl_take(&ctx->enroll_rl, peer, (double)ts.tv_sec + ts.tv_nsec / 1e9)) {
        ef_warn("enrollment rate limit hit by %s", peer);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "10");
        ef_answer_error(ans, 429, "too many enrollment attempts; try again in a minute");
        return;
    }
    if ((body = body_of(req, &len, ans)) == NULL)
        return;
    /* The server's writer thread enrolls (the one connection that writes). */
    if (ctx->async != NULL && ef_http_defer(ctx, req, 1, NULL, NULL, body, len, ans))
        return;
    ef_enroll(ctx->store, ctx->export_key, ctx->policy_key_b64, body, len, ans);
}

static void do_report(struct ef_http_ctx *ctx, struct evhttp_request *req,
                      const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const unsigned char *body;
    size_t len;

    (void)who;
    (void)q;
    if ((body = body_of(req, &len, ans)) == NULL)
        return;
    /* The server's ingest pipeline answers later (server.c). */
    if (ctx->async != NULL &&
        ef_http_defer(ctx, req, 0, evhttp_find_header(h, "Efterlev-Agent"),
                      evhttp_find_header(h, "Efterlev-Signature"), body, len, ans))
        return;
    ef_ingest(ctx->store, ctx->checks, evhttp_find_header(h, "Efterlev-Agent"),
              evhttp_find_header(h, "Efterlev-Signature"), body, len, ef_coll_now(), ans);
}

/* ---- who is calling ---- */

static unsigned role_bit(const char *role, const char *dept)
{
    if (dept != NULL)
        return EF_ROLE_DEPARTMENT;
    return strcmp(role, "coordinator") == 0 ? EF_ROLE_COORDINATOR : EF_ROLE_AUDITOR;
}

/* The caller from "Authorization: Bearer <token>", else from the dashboard's session
 * cookie. 1 with who filled, 0 when the request names no caller (or, optional set, names
 * one that is not live), -1 with ans set (401 for a wrong token or an ended session, 403
 * for an unknown role, 500). */
static int caller_of(struct ef_http_ctx *ctx, struct evhttp_request *req, int optional,
                     struct ef_caller *who, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *v = evhttp_find_header(h, "Authorization");
    struct ef_api_token t;
    char hash[65];
    int64_t id;
    int rc;

    memset(who, 0, sizeof(*who));
    if (v == NULL) {
        rc = ef_web_session_caller(ctx, req, &who->sess, ans);
        if (rc == 0 || (rc < 0 && optional && ans->status == 401)) {
            ef_answer_clear(ans);
            return 0;
        }
        if (rc < 0)
            return -1;
        who->via = EF_VIA_SESSION;
        snprintf(who->role, sizeof(who->role), "%s", who->sess.role);
        snprintf(who->actor, sizeof(who->actor), "user:%s", who->sess.user);
    } else {
        if (strncasecmp(v, "Bearer ", 7) != 0) {
            ef_answer_error(ans, 401, "a bearer token is required");
            return -1;
        }
        v += 7;
        while (*v == ' ')
            v++;
        if (ef_token_split(v, &id, hash) != 0) {
            ef_answer_error(ans, 401, "invalid token");
            return -1;
        }
        rc = ctx->store->ops->token_get(ctx->store, id, &t);
        if (rc == EF_ERR) {
            ef_error("token lookup: %s", ctx->store->err);
            ef_answer_error(ans, 500, "internal error");
            return -1;
        }
        if (rc != EF_OK || !ef_token_hash_equal(t.token_hash, hash)) {
            ef_answer_error(ans, 401, "invalid token");
            return -1;
        }
        who->via = EF_VIA_TOKEN;
        snprintf(who->role, sizeof(who->role), "%s", t.role);
        snprintf(who->actor, sizeof(who->actor), "token:%s", t.name);
    }
    if (ef_role_parse(who->role, &who->dept) != 0) {
        ef_answer_error(ans, 403, "the caller has an unknown role");
        return -1;
    }
    who->role_bit = role_bit(who->role, who->dept);
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

/* 0 when a session caller sent its session's CSRF token; else -1 with ans 403. */
static int csrf_token(struct evhttp_request *req, const struct ef_caller *who,
                      struct ef_answer *ans)
{
    const char *token = evhttp_find_header(evhttp_request_get_input_headers(req), "X-CSRF-Token");
    size_t n = strlen(who->sess.csrf);

    if (who->via != EF_VIA_SESSION)
        return 0;
    if (token == NULL || n == 0 || strlen(token) != n || !ef_ct_equal(token, who->sess.csrf, n)) {
        ef_answer_error(ans, 403, "missing or wrong X-CSRF-Token");
        return -1;
    }
    return 0;
}

/* An agent's signed GET (docs/protocol.md, "Policy"): 0 with who->agent, or -1 with ans
 * set: 400 a header missing or malformed, 401 unknown agent, bad signature or a date more
 * than EF_FUTURE_SKEW from the collector's clock, 403 a retired machine. */
static int agent_of(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_caller *who,
                    struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *id = evhttp_find_header(h, "Efterlev-Agent");
    const char *date = evhttp_find_header(h, "Efterlev-Date");
    const char *sig_hdr = evhttp_find_header(h, "Efterlev-Signature");
    const char *target = evhttp_request_get_uri(req);
    unsigned char sig[EF_ED25519_SIG_LEN];
    char msg[EF_ID_MAX + 4096];
    time_t at, now = ef_coll_now();
    int rc, n;

    if (id == NULL || date == NULL || sig_hdr == NULL) {
        ef_answer_error(ans, 400, "missing header %s",
                        id == NULL ? "Efterlev-Agent"
                                   : (date == NULL ? "Efterlev-Date" : "Efterlev-Signature"));
        return -1;
    }
    if (ef_sig_header_parse(sig_hdr, sig) != 0) {
        ef_answer_error(ans, 400, "Efterlev-Signature: expected ed25519=<base64 of 64 bytes>");
        return -1;
    }
    if (ef_parse_rfc3339(date, &at) != 0) {
        ef_answer_error(ans, 400, "Efterlev-Date: not an RFC 3339 time");
        return -1;
    }
    if (strnlen(id, EF_ID_MAX + 1) > EF_ID_MAX) {
        ef_answer_error(ans, 401, "unknown agent");
        return -1;
    }
    rc = ctx->store->ops->agent_get(ctx->store, id, &who->agent);
    if (rc == EF_ERR) {
        ef_error("agent %s: %s", id, ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
        return -1;
    }
    if (rc != EF_OK) {
        ef_answer_error(ans, 401, "unknown agent");
        return -1;
    }
    n = target != NULL ? ef_get_message(msg, sizeof(msg), id, date, target) : -1;
    if (n < 0 || !ef_verify(who->agent.public_key, msg, (size_t)n, sig)) {
        ef_answer_error(ans, 401, "bad signature");
        return -1;
    }
    if (at > now + EF_FUTURE_SKEW || at < now - EF_FUTURE_SKEW) {
        ef_answer_error(ans, 401,
                        "Efterlev-Date is more than %d minutes from the collector's "
                        "clock",
                        EF_FUTURE_SKEW / 60);
        return -1;
    }
    if (who->agent.retired_at != 0) {
        ef_answer_error(ans, 403, "this machine was retired (efterlev-collector agent retire)");
        return -1;
    }
    who->via = EF_VIA_AGENT;
    snprintf(who->actor, sizeof(who->actor), "agent:%s", id);
    return 0;
}

/* Enforce r's rules on req: 0 with who and q filled, or -1 with ans set. */
static int admit(struct ef_http_ctx *ctx, struct evhttp_request *req, const struct ef_route *r,
                 struct ef_caller *who, struct evkeyvalq *kv, struct ef_query *q,
                 struct ef_answer *ans)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    int rc;

    memset(who, 0, sizeof(*who));
    if ((r->access & EF_ACCESS_SAME_ORIGIN) && same_origin(req, ans) != 0)
        return -1;
    if ((r->access & EF_ACCESS_AGENT) && agent_of(ctx, req, who, ans) != 0)
        return -1;
    if (r->access & (EF_ACCESS_CALLER | EF_ACCESS_OPTIONAL)) {
        rc = caller_of(ctx, req, !(r->access & EF_ACCESS_CALLER), who, ans);
        if (rc < 0 || (rc == 0 && (r->access & EF_ACCESS_CALLER))) {
            if (rc == 0)
                ef_answer_error(ans, 401, "a bearer token is required");
            if (ans->status == 401)
                evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                                  "Bearer realm=\"efterlev\"");
            return -1;
        }
        if (rc > 0 && r->roles != 0 && !(r->roles & who->role_bit)) {
            ef_answer_error(ans, 403, "%s is not open to the role %s", r->path,
                            who->dept != NULL ? "department" : who->role);
            return -1;
        }
        if ((r->access & EF_ACCESS_SAME_ORIGIN) && csrf_token(req, who, ans) != 0)
            return -1;
    }
    return ef_query_parse(uri != NULL ? evhttp_uri_get_query(uri) : NULL, r->query,
                          who->via == EF_VIA_TOKEN || who->via == EF_VIA_SESSION ? who : NULL, kv,
                          q, ans);
}

/* ---- the read API ---- */

static int store_error(struct ef_http_ctx *ctx, int rc, const char *what, struct ef_answer *ans)
{
    if (rc == EF_NOTFOUND)
        ef_answer_error(ans, 404, "no such %s", what);
    else {
        ef_error("%s: %s", what, ef_store_why(ctx->store, rc));
        ef_answer_error(ans, 500, "internal error");
    }
    return -1;
}

static void do_summary(struct ef_http_ctx *ctx, struct evhttp_request *req,
                       const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    struct ef_summary sum;
    int rc;

    (void)req;
    rc = ef_summary_build_mode(ctx->store, who->dept, ctx->stale_days, ef_coll_now(),
                               (enum ef_hosts_mode)q->hosts, &sum);
    if (rc == EF_NOTFOUND) {
        ef_answer_error(ans, 403, "the token's department no longer exists");
        return;
    }
    if (rc != EF_OK) {
        ef_error("summary: %s", ef_store_why(ctx->store, rc));
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    ef_answer_json(ans, 200, ef_summary_json(&sum));
    ef_summary_free(&sum);
}

/* The percent-decoded rest of the path after prefix; NULL (ans 404) when empty. */
static char *path_arg(const char *path, const char *prefix, struct ef_answer *ans)
{
    size_t len;
    char *v;

    if (path[strlen(prefix)] == '\0') {
        ef_answer_error(ans, 404, "no such endpoint: %.100s", path);
        return NULL;
    }
    v = evhttp_uridecode(path + strlen(prefix), 0, &len);
    if (v == NULL || strlen(v) != len || len > EF_DEPT_NAME_MAX) {
        free(v);
        ef_answer_error(ans, 404, "no such endpoint: %.100s", path);
        return NULL;
    }
    return v;
}

static const char *req_path(struct evhttp_request *req)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);

    return uri != NULL ? evhttp_uri_get_path(uri) : "";
}

static void do_department(struct ef_http_ctx *ctx, struct evhttp_request *req,
                          const struct ef_caller *who, const struct ef_query *q,
                          struct ef_answer *ans)
{
    char *arg, name[EF_DEPT_NAME_MAX + 1];
    json_t *j = NULL;
    int rc;

    if ((arg = path_arg(req_path(req), "/api/v1/departments/", ans)) == NULL)
        return;
    /* In NFC, as the store holds names (names.h). */
    rc = ef_dept_name_canon(arg, name);
    free(arg);
    if (rc != 0) {
        ef_answer_error(ans, 404, "no such department");
        return;
    }
    if (who->dept != NULL && strcmp(who->dept, name) != 0) {
        ef_answer_error(ans, 403, "this token sees only its own department");
        return;
    }
    rc = ef_department_json(ctx->store, ctx->catalog, name, (enum ef_hosts_mode)q->hosts,
                            ctx->stale_days, ef_coll_now(), &j);
    if (rc != EF_OK) {
        store_error(ctx, rc, "department", ans);
        return;
    }
    ef_json_check_titles(json_object_get(j, "checks"), ctx->checks, NULL, q->lang);
    ef_json_check_titles(json_object_get(j, "acceptances"), ctx->checks, NULL, q->lang);
    if (ef_json_aspects(j, ctx->checks) != 0) {
        json_decref(j);
        ef_answer_error(ans, 500, "out of memory");
        return;
    }
    ef_answer_json(ans, 200, j);
}

static void do_host(struct ef_http_ctx *ctx, struct evhttp_request *req,
                    const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    char *id;
    json_t *j = NULL;
    int rc;

    if ((id = path_arg(req_path(req), "/api/v1/hosts/", ans)) == NULL)
        return;
    /* A host of another department is "not found" for a department token. */
    rc = ef_host_json(ctx->store, id, who->dept, ctx->stale_days, ef_coll_now(), &j);
    free(id);
    if (rc != EF_OK) {
        store_error(ctx, rc, "host", ans);
        return;
    }
    /* The host's own platform's catalog: a shared id may have a title per platform. */
    ef_json_check_titles(json_object_get(j, "results"), ctx->checks,
                         json_string_value(json_object_get(j, "platform")), q->lang);
    ef_answer_json(ans, 200, j);
}

static void do_controls(struct ef_http_ctx *ctx, struct evhttp_request *req,
                        const struct ef_caller *who, const struct ef_query *q,
                        struct ef_answer *ans)
{
    json_t *j = NULL;
    int rc;

    (void)req;
    (void)who;
    rc = ef_controls_json(ctx->store, ctx->catalog, q->department, q->n2013, ctx->stale_days,
                          ef_coll_now(), &j);
    if (rc != EF_OK)
        store_error(ctx, rc, "department", ans);
    else
        ef_answer_json(ans, 200, j);
}

static void do_trend(struct ef_http_ctx *ctx, struct evhttp_request *req,
                     const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    json_t *j = NULL;
    int rc;

    (void)req;
    (void)who;
    rc = ef_trend_json(ctx->store, q->department, q->control, q->since_day[0] ? q->since_day : NULL,
                       q->until_day[0] ? q->until_day : NULL, ctx->stale_days, ef_coll_now(), &j);
    if (rc != EF_OK)
        store_error(ctx, rc, "department", ans);
    else
        ef_answer_json(ans, 200, j);
}

/* The open deviations (docs/operations.md, "Deviations"), of q->department (a department
 * caller's own) or all. */
static void do_deviations(struct ef_http_ctx *ctx, struct evhttp_request *req,
                          const struct ef_caller *who, const struct ef_query *q,
                          struct ef_answer *ans)
{
    struct ef_deviation *v = NULL;
    struct ef_deviation_pattern *p = NULL;
    time_t now = ef_coll_now();
    size_t n = 0, np = 0, i;
    json_t *arr, *pat;

    (void)req;
    (void)who;
    if (ctx->store->ops->deviation_list(ctx->store, q->department, 0, now, &v, &n) != EF_OK ||
        ctx->store->ops->deviation_patterns(ctx->store, q->department, &p, &np) != EF_OK) {
        free(v);
        store_error(ctx, EF_ERR, "deviations", ans);
        return;
    }
    arr = json_array();
    pat = json_array();
    for (i = 0; arr != NULL && i < n; i++)
        if (json_array_append_new(arr, ef_deviation_json(&v[i], now)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    for (i = 0; pat != NULL && i < np; i++)
        if (json_array_append_new(pat, ef_deviation_pattern_json(&p[i])) != 0) {
            json_decref(pat);
            pat = NULL;
        }
    free(v);
    free(p);
    if (arr == NULL || pat == NULL) {
        json_decref(arr);
        json_decref(pat);
        ef_answer_error(ans, 500, "internal error");
    } else {
        ef_answer_json(ans, 200, json_pack("{s:o, s:o}", "deviations", arr, "patterns", pat));
    }
}

#define DEVIATION_BODY_MAX 4096

/* A dashboard form's JSON body: 0 with *out (NULL when it is not JSON: the handler's field
 * checks answer 400), or -1 with 413 answered when it is larger than max. */
static int form_body(struct evhttp_request *req, size_t max, struct ef_answer *ans, json_t **out)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);

    *out = NULL;
    if (len > max) {
        ef_answer_error(ans, 413, "request body larger than %zu bytes", max);
        return -1;
    }
    *out = json_loadb(len ? (const char *)evbuffer_pullup(in, -1) : "", len, JSON_REJECT_DUPLICATES,
                      NULL);
    return 0;
}

/* POST /api/v1/deviations/ID {"owner", "action", "due": "YYYY-MM-DD" or null}: the
 * coordinator records who acts, what is done and by when (the route admits coordinators
 * only, from the dashboard with its CSRF token). */
static void do_deviation_assign(struct ef_http_ctx *ctx, struct evhttp_request *req,
                                const struct ef_caller *who, const struct ef_query *q,
                                struct ef_answer *ans)
{
    const char *path = req_path(req), *owner, *action, *due_s;
    json_t *body = NULL, *jd;
    time_t now = ef_coll_now(), due = 0;
    char *end;
    long long id;
    int rc;

    (void)q;
    id = strtoll(path + strlen("/api/v1/deviations/"), &end, 10);
    if (id <= 0 || *end != '\0') {
        ef_answer_error(ans, 404, "no such endpoint: %.100s", path);
        return;
    }
    if (form_body(req, DEVIATION_BODY_MAX, ans, &body) != 0)
        return;
    owner = json_string_value(json_object_get(body, "owner"));
    action = json_string_value(json_object_get(body, "action"));
    jd = json_object_get(body, "due");
    due_s = json_string_value(jd);
    if (owner == NULL || action == NULL || owner[0] == '\0' || action[0] == '\0' ||
        strlen(owner) > EF_DEVIATION_TEXT_MAX || strlen(action) > EF_DEVIATION_TEXT_MAX ||
        (jd != NULL && !json_is_null(jd) &&
         (due_s == NULL || ef_parse_date_through(due_s, &due) != 0))) {
        json_decref(body);
        ef_answer_error(ans, 400,
                        "expected {\"owner\": \"...\", \"action\": \"...\", \"due\": "
                        "\"YYYY-MM-DD\" or null}, owner and action 1 to %d bytes",
                        EF_DEVIATION_TEXT_MAX);
        return;
    }
    rc = ctx->store->ops->deviation_assign(ctx->store, (int64_t)id, owner, action, (int64_t)due,
                                           who->actor, now);
    if (rc == EF_NOTFOUND) {
        ef_answer_error(ans, 404, "no open deviation %lld", id);
    } else if (rc != EF_OK) {
        store_error(ctx, rc, "deviation", ans);
    } else if (ef_audit(ctx->store, now, who->actor, "deviation.assign",
                        json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "owner", owner,
                                  "action", action, "due", (json_int_t)due)) != EF_OK) {
        ef_answer_error(ans, 500, "internal error");
    } else {
        ef_answer_json(ans, 200,
                       json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "assigned"));
    }
    json_decref(body);
}

/* POST /api/v1/acceptances {"department", "check", "host" (optional), "until", "reason",
 * "by"}: a coordinator records a risk acceptance from the dashboard, as `accept` does; the
 * acceptance's "by" names who decided and the user who recorded it. */
static void do_acceptance_add(struct ef_http_ctx *ctx, struct evhttp_request *req,
                              const struct ef_caller *who, const struct ef_query *q,
                              struct ef_answer *ans)
{
    size_t nd = 0;
    const char *dept_in, *check, *host, *until, *reason, *by;
    char dept[EF_DEPT_NAME_MAX + 1], err[256];
    struct ef_dept_counts *dc = NULL;
    struct ef_acceptance a;
    json_t *body;
    time_t now = ef_coll_now(), t = 0;
    int rc, n;

    (void)q;
    if (form_body(req, DEVIATION_BODY_MAX, ans, &body) != 0)
        return;
    dept_in = json_string_value(json_object_get(body, "department"));
    check = json_string_value(json_object_get(body, "check"));
    host = json_string_value(json_object_get(body, "host"));
    until = json_string_value(json_object_get(body, "until"));
    reason = json_string_value(json_object_get(body, "reason"));
    by = json_string_value(json_object_get(body, "by"));
    memset(&a, 0, sizeof(a));
    if (dept_in == NULL || ef_dept_name_canon(dept_in, dept) != 0 || check == NULL ||
        check[0] == '\0' || strlen(check) > EF_ID_MAX || until == NULL ||
        ef_parse_date_through(until, &t) != 0 || reason == NULL || reason[0] == '\0' ||
        strlen(reason) > EF_REASON_MAX || by == NULL || by[0] == '\0' ||
        (host != NULL && host[0] == '\0')) {
        json_decref(body);
        ef_answer_error(ans, 400,
                        "expected {\"department\", \"check\", \"host\" (optional), \"until\": "
                        "\"YYYY-MM-DD\", \"reason\", \"by\"}");
        return;
    }
    n = snprintf(a.by, sizeof(a.by), "%s (%s)", by, who->actor);
    if (t <= now || n < 0 || (size_t)n >= sizeof(a.by)) {
        json_decref(body);
        ef_answer_error(ans, 400, t <= now ? "until lies in the past" : "by is too long");
        return;
    }
    rc = ctx->store->ops->dept_counts(ctx->store, dept, &dc, &nd);
    if (rc != EF_OK || nd == 0) {
        json_decref(body);
        free(dc);
        store_error(ctx, rc != EF_OK ? rc : EF_NOTFOUND, "department", ans);
        return;
    }
    a.department_id = dc[0].id;
    free(dc);
    snprintf(a.check, sizeof(a.check), "%s", check);
    snprintf(a.reason, sizeof(a.reason), "%s", reason);
    a.until = t;
    if (host != NULL && ef_host_in_department(ctx->store, dept, host, a.agent_id,
                                              sizeof(a.agent_id), err, sizeof(err)) != 0) {
        json_decref(body);
        ef_answer_error(ans, 400, "%s", err);
        return;
    }
    json_decref(body);
    if ((rc = ctx->store->ops->acceptance_add(ctx->store, &a, now)) != EF_OK) {
        store_error(ctx, rc, "acceptance", ans);
        return;
    }
    ef_answer_json(ans, 201, json_pack("{s:I}", "id", (json_int_t)a.id));
}

static void do_coverage(struct ef_http_ctx *ctx, struct evhttp_request *req,
                        const struct ef_caller *who, const struct ef_query *q,
                        struct ef_answer *ans)
{
    struct ef_coverage cov;
    json_t *j;
    int rc;

    (void)req;
    (void)who; /* q->department is a department caller's own (ef_query_parse) */
    rc = ef_coverage_build(ctx->store, q->department, ctx->stale_days, ef_coll_now(), &cov);
    if (rc != EF_OK) {
        store_error(ctx, rc, "department", ans);
        return;
    }
    j = ef_coverage_json(&cov);
    ef_coverage_free(&cov);
    if (j == NULL)
        ef_answer_error(ans, 500, "internal error");
    else
        ef_answer_json(ans, 200, j);
}

/* Systems, their owners and classes, and how their machines stand (systems.h); a
 * department caller sees its department's systems and its own machines in the others. */
static void do_systems(struct ef_http_ctx *ctx, struct evhttp_request *req,
                       const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    json_t *j = NULL;
    int rc;

    (void)req;
    (void)who; /* q->department is a department caller's own (ef_query_parse) */
    rc = ef_systems_json(ctx->store, ctx->checks, NULL, q->department, ctx->stale_days,
                         ef_coll_now(), &j);
    if (rc != EF_OK) {
        store_error(ctx, rc, "system", ans);
        return;
    }
    ef_answer_json(ans, 200, json_pack("{s:o}", "systems", j));
}

/* Streamed from a thread of its own (http/export_stream.c); answered later. */
static void do_export(struct ef_http_ctx *ctx, struct evhttp_request *req,
                      const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    struct ef_export_opts o = {.format = q->format};

    o.dialect = q->dialect;
    o.department = q->department;
    o.since = q->since;
    o.until = q->until;
    o.actor = who->actor;
    o.key_path = ctx->key_path;
    o.now = ef_coll_now();
    o.checks = ctx->checks;                            /* the server's, for its lifetime */
    o.lang = strcmp(q->lang, "en") == 0 ? "en" : "sv"; /* a literal: the stream outlives q */
    if (ctx->exports == NULL) {
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    ef_export_stream_start(ctx->exports, req, &o, ans);
}

/* The agent's policy: its department's document for the platform, signed with the policy
 * key; 304 when If-None-Match names it already. */
static void do_policy(struct ef_http_ctx *ctx, struct evhttp_request *req,
                      const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    struct ef_department d;
    struct ef_policy_doc doc;
    char err[512], etag[70], version[24], *sig;
    int rc;

    rc = ctx->store->ops->department_get(ctx->store, who->agent.department_id, &d);
    if (rc != EF_OK) {
        store_error(ctx, rc, "department", ans);
        return;
    }
    if (ctx->checks == NULL || ctx->policy_key == NULL) {
        ef_answer_error(ans, 404, "this collector serves no policy");
        return;
    }
    rc = ef_policy_doc_build(ctx->store, ctx->checks, d.name, q->platform, &doc, err, sizeof(err));
    if (rc == EF_NOTFOUND) {
        ef_answer_error(ans, 404, "%s", err);
        return;
    }
    if (rc != EF_OK) {
        ef_error("policy for %s: %s", d.name, err);
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    /* What ingest compares a report's policy with (policy_doc.h); a failure to record it
     * does not keep the agent from its policy. */
    if (ctx->store->ops->policy_served_set(ctx->store, doc.department_id, q->platform, doc.version,
                                           doc.sha256, ef_coll_now()) != EF_OK)
        ef_warn("policy for %s: cannot record what was served: %s", d.name, ctx->store->err);
    snprintf(etag, sizeof(etag), "\"%s\"", doc.sha256);
    snprintf(version, sizeof(version), "%lld", (long long)doc.version);
    evhttp_add_header(out, "ETag", etag);
    evhttp_add_header(out, "Efterlev-Policy-Version", version);
    /* The host's levels per aspect (its department's and its systems', host_levels.h), so
     * the run about to start judges each check at its level (docs/protocol.md, "Policy") */
    {
        const struct ef_check_catalog *cat = ef_check_catalog_for(ctx->checks, q->platform);
        struct ef_host_levels hl;
        char levels[64];

        if (cat != NULL && ef_host_levels_load(ctx->store, who->agent.hostname, d.level,
                                               cat->classes, &hl) == EF_OK) {
            ef_host_levels_header(&hl, levels, sizeof(levels));
            evhttp_add_header(out, "Efterlev-Levels", levels);
        } else {
            ef_warn("policy for %s: the host's levels: %s", d.name, ctx->store->err);
        }
    }
    if (inm != NULL && strcmp(inm, etag) == 0) {
        ef_policy_doc_free(&doc);
        ans->status = 304;
        return;
    }
    if ((sig = ef_policy_sign(ctx->policy_key, doc.text, doc.len)) == NULL) {
        ef_policy_doc_free(&doc);
        ef_answer_error(ans, 500, "internal error");
        return;
    }
    evhttp_add_header(out, "Efterlev-Signature", sig);
    free(sig);
    ef_answer_raw(ans, 200, doc.text, doc.len, "application/json", NULL);
    doc.text = NULL;
    ef_policy_doc_free(&doc);
}

static void do_health(struct ef_http_ctx *ctx, struct evhttp_request *req,
                      const struct ef_caller *who, const struct ef_query *q, struct ef_answer *ans)
{
    (void)ctx;
    (void)req;
    (void)who;
    (void)q;
    ef_answer_json(ans, 200, json_pack("{s:s}", "status", "ok"));
}

#define CALLER EF_ACCESS_CALLER
#define OPTIONAL EF_ACCESS_OPTIONAL
#define SAME_ORIGIN EF_ACCESS_SAME_ORIGIN
#define AGENT EF_ACCESS_AGENT
#define ALL_ROLES 0u
#define READ_ALL (EF_ROLE_COORDINATOR | EF_ROLE_AUDITOR)

/* Every route with its access rules. Agents prove themselves in the request itself (the
 * enrollment token in the body, the report's signature), so their two routes need no
 * caller here. */
const struct ef_route ef_routes[] = {
    /* path, method, access, roles, query parameters, handler */
    {"/api/v1/health", EVHTTP_REQ_GET, 0, 0, 0, do_health},
    {"/api/v1/enroll", EVHTTP_REQ_POST, 0, 0, 0, do_enroll},
    {"/api/v1/reports", EVHTTP_REQ_POST, 0, 0, 0, do_report},
    {"/api/v1/policy", EVHTTP_REQ_GET, AGENT, 0, EF_Q_PLATFORM, do_policy},
    {"/api/v1/summary", EVHTTP_REQ_GET, CALLER, ALL_ROLES, EF_Q_HOSTS, do_summary},
    {"/api/v1/departments/", EVHTTP_REQ_GET, CALLER, ALL_ROLES, EF_Q_HOSTS | EF_Q_LANG,
     do_department},
    {"/api/v1/hosts/", EVHTTP_REQ_GET, CALLER, ALL_ROLES, EF_Q_LANG, do_host},
    {"/api/v1/controls", EVHTTP_REQ_GET, CALLER, ALL_ROLES, EF_Q_DEPARTMENT | EF_Q_NUMBERING,
     do_controls},
    {"/api/v1/coverage", EVHTTP_REQ_GET, CALLER, ALL_ROLES, EF_Q_DEPARTMENT, do_coverage},
    {"/api/v1/systems", EVHTTP_REQ_GET, CALLER, ALL_ROLES, EF_Q_DEPARTMENT, do_systems},
    {"/api/v1/deviations", EVHTTP_REQ_GET, CALLER, ALL_ROLES, EF_Q_DEPARTMENT, do_deviations},
    {"/api/v1/deviations/", EVHTTP_REQ_POST, CALLER | SAME_ORIGIN, EF_ROLE_COORDINATOR, 0,
     do_deviation_assign},
    {"/api/v1/acceptances", EVHTTP_REQ_POST, CALLER | SAME_ORIGIN, EF_ROLE_COORDINATOR, 0,
     do_acceptance_add},
    {"/api/v1/trend", EVHTTP_REQ_GET, CALLER, ALL_ROLES,
     EF_Q_DEPARTMENT | EF_Q_CONTROL | EF_Q_SINCE_UNTIL, do_trend},
    {"/api/v1/export", EVHTTP_REQ_GET, CALLER, ALL_ROLES,
     EF_Q_FORMAT | EF_Q_DEPARTMENT | EF_Q_DIALECT | EF_Q_SINCE_UNTIL | EF_Q_LANG, do_export},
    /* the dashboard (http/web.c) */
    {"/api/v1/report", EVHTTP_REQ_GET, CALLER, READ_ALL, EF_Q_PERIOD | EF_Q_LANG,
     ef_web_board_report},
    {"/api/v1/login", EVHTTP_REQ_POST, SAME_ORIGIN, 0, 0, ef_web_login},
    {"/api/v1/logout", EVHTTP_REQ_POST, OPTIONAL | SAME_ORIGIN, 0, 0, ef_web_logout},
    {"/api/v1/session", EVHTTP_REQ_GET, OPTIONAL, 0, 0, ef_web_session},
    {"/", EVHTTP_REQ_GET, 0, 0, 0, ef_web_asset},
    {"/index.html", EVHTTP_REQ_GET, 0, 0, 0, ef_web_asset},
    {"/assets/", EVHTTP_REQ_GET, 0, 0, 0, ef_web_asset},
};
const size_t ef_nroutes = sizeof(ef_routes) / sizeof(ef_routes[0]);

void ef_http_route(struct evhttp_request *req, void *arg)
{
    struct ef_http_ctx *ctx = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    struct ef_answer ans = {0};
    const struct ef_route *found = NULL;
    struct ef_caller who;
    struct ef_query q;
    struct evkeyvalq kv;
    char peer[64];
    size_t i;

    set_nodelay(req);
    if (path == NULL || path[0] == '\0') {
        path = "?";
        ef_answer_error(&ans, 400, "malformed request target");
        goto send;
    }
    for (i = 0; i < ef_nroutes; i++) {
        size_t plen = strlen(ef_routes[i].path);

        if (plen > 1 && ef_routes[i].path[plen - 1] == '/'
                ? strncmp(ef_routes[i].path, path, plen) == 0
                : strcmp(ef_routes[i].path, path) == 0) {
            found = &ef_routes[i];
            break;
        }
    }
    if (found == NULL) {
        ef_answer_error(&ans, 404, "no such endpoint: %.100s", path);
    } else if (found->method != m) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                          method_name(found->method));
        ef_answer_error(&ans, 405, "%s needs %s", found->path, method_name(found->method));
    } else {
        TAILQ_INIT(&kv);
        if (admit(ctx, req, found, &who, &kv, &q, &ans) == 0)
            found->fn(ctx, req, &who, &q, &ans);
        evhttp_clear_headers(&kv);
        explicit_bzero(&who, sizeof(who));
    }
send:
    if (ans.status == EF_HTTP_DEFERRED)
        return;
    ef_http_peer(req, peer, sizeof(peer));
    ef_debug("%s %s %s -> %d", peer, method_name(m), path, ans.status);
    ef_web_security_headers(req);
    send_answer(req, path, &ans);
    ef_answer_clear(&ans);
}

void ef_http_send_answer(struct evhttp_request *req, const char *path, struct ef_answer *ans)
{
    ef_web_security_headers(req);
    send_answer(req, path, ans);
}
