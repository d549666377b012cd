/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTP API (DESIGN section 4). Every answer, error or not, is JSON. The logic lives in
 * enroll.c, ingest.c and aggregate.c; this file only maps requests onto it. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "aggregate.h"
#include "answer.h"
#include "efterlev/log.h"
#include "efterlev/report.h"
#include "enroll.h"
#include "export.h"
#include "now.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/web.h"
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
    if (ans->status == 503) /* overloaded, database busy, shutting down: agents retry */
        evhttp_add_header(h, "Retry-After", "5");
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

static void peer_of(struct evhttp_request *req, char *out, size_t outlen)
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

static void do_enroll(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct timespec ts;
    const unsigned char *body;
    char peer[64];
    size_t len;

    peer_of(req, peer, sizeof(peer));
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
    ef_enroll(ctx->store, ctx->export_key, body, len, ans);
}

static void do_report(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const unsigned char *body;
    size_t len;

    if ((body = body_of(req, &len, ans)) == NULL)
        return;
    /* The server's ingest pipeline answers later (server.c). */
    if (ctx->async != NULL &&
        ef_http_defer(ctx, req, 0, evhttp_find_header(h, "Efterlev-Agent"),
                      evhttp_find_header(h, "Efterlev-Signature"), body, len, ans))
        return;
    ef_ingest(ctx->store, evhttp_find_header(h, "Efterlev-Agent"),
              evhttp_find_header(h, "Efterlev-Signature"), body, len, ef_coll_now(), ans);
}

/* The caller's role from "Authorization: Bearer <token>", or else from the dashboard's
 * session cookie, into role; actor is "token:NAME" or "user:NAME". 0, or -1 with ans set. */
static int authorize(struct ef_http_ctx *ctx, struct evhttp_request *req, char *role,
                     size_t rolelen, char *name, size_t namelen, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *v = evhttp_find_header(h, "Authorization");
    struct ef_api_token t;
    char hash[65];
    int64_t id;
    int rc;

    if (v == NULL) {
        rc = ef_web_session_caller(ctx, req, role, rolelen, name, namelen, ans);
        if (rc > 0)
            return 0;
        if (rc < 0)
            goto deny;
    }
    if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0) {
        ef_answer_error(ans, 401, "a bearer token is required");
        goto deny;
    }
    v += 7;
    while (*v == ' ')
        v++;
    if (ef_token_split(v, &id, hash) != 0) {
        ef_answer_error(ans, 401, "invalid token");
        goto deny;
    }
    rc = ctx->store->ops->token_get(ctx->store, id, &t);
    if (rc == EF_STORE_ERR) {
        ef_error("token lookup: %s", ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
        return -1;
    }
    if (rc != EF_STORE_OK || !ef_token_hash_equal(t.token_hash, hash)) {
        ef_answer_error(ans, 401, "invalid token");
        goto deny;
    }
    snprintf(role, rolelen, "%s", t.role);
    snprintf(name, namelen, "token:%s", t.name);
    return 0;
deny:
    evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                      "Bearer realm=\"efterlev\"");
    return -1;
}

/* The caller's department scope after authorization: *dept NULL for coordinator and
 * auditor. 0, or -1 with ans set. */
struct caller {
    char role[EF_ROLE_MAX + 1];
    char name[EF_ACTOR_MAX + 1]; /* the actor: "token:NAME" or "user:NAME" */
    const char *dept;
};

static int caller_of(struct ef_http_ctx *ctx, struct evhttp_request *req, struct caller *c,
                     struct ef_answer *ans)
{
    if (authorize(ctx, req, c->role, sizeof(c->role), c->name, sizeof(c->name), ans) != 0)
        return -1;
    if (ef_role_parse(c->role, &c->dept) != 0) {
        ef_answer_error(ans, 403, "token has an unknown role");
        return -1;
    }
    return 0;
}

/* Query parameters of the request; the caller clears q. */
static void query_of(struct evhttp_request *req, struct evkeyvalq *q)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;

    /* It initialises q first, also when it then fails. */
    evhttp_parse_query_str(qs != NULL ? qs : "", q);
}

static int store_error(struct ef_http_ctx *ctx, int rc, const char *what, struct ef_answer *ans)
{
    if (rc == EF_STORE_NOTFOUND)
        ef_answer_error(ans, 404, "no such %s", what);
    else {
        ef_error("%s: %s", what, ctx->store->err);
        ef_answer_error(ans, 500, "internal error");
    }
    return -1;
}

static void do_summary(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct caller c;
    struct evkeyvalq q;
    struct ef_summary sum;
    const char *hosts;
    enum ef_hosts_mode mode = EF_HOSTS_ALL;
    int rc;

    if (caller_of(ctx, req, &c, ans) != 0)
        return;
    query_of(req, &q);
    hosts = evhttp_find_header(&q, "hosts");
    if (hosts != NULL && strcmp(hosts, "stale") == 0)
        mode = EF_HOSTS_STALE;
    else if (hosts != NULL && strcmp(hosts, "none") == 0)
        mode = EF_HOSTS_NONE;
    else if (hosts != NULL && strcmp(hosts, "all") != 0) {
        evhttp_clear_headers(&q);
        ef_answer_error(ans, 400, "hosts must be all, stale or none");
        return;
    }
    evhttp_clear_headers(&q);
    rc = ef_summary_build_mode(ctx->store, c.dept, ctx->stale_days, ef_coll_now(), mode, &sum);
    if (rc == EF_STORE_NOTFOUND) {
        ef_answer_error(ans, 403, "the token's department no longer exists");
        return;
    }
    if (rc != EF_STORE_OK) {
        ef_error("summary: %s", ctx->store->err);
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
                          struct ef_answer *ans)
{
    struct caller c;
    struct evkeyvalq q;
    const char *hosts;
    enum ef_hosts_mode mode = EF_HOSTS_ALL;
    char *name;
    json_t *j = NULL;
    int rc;

    if (caller_of(ctx, req, &c, ans) != 0)
        return;
    if ((name = path_arg(req_path(req), "/api/v1/departments/", ans)) == NULL)
        return;
    if (c.dept != NULL && strcmp(c.dept, name) != 0) {
        ef_answer_error(ans, 403, "this token sees only its own department");
        free(name);
        return;
    }
    query_of(req, &q);
    hosts = evhttp_find_header(&q, "hosts");
    if (hosts != NULL && strcmp(hosts, "stale") == 0)
        mode = EF_HOSTS_STALE;
    else if (hosts != NULL && strcmp(hosts, "none") == 0)
        mode = EF_HOSTS_NONE;
    evhttp_clear_headers(&q);
    rc = ef_department_json(ctx->store, ctx->catalog, name, mode, ctx->stale_days, ef_coll_now(),
                            &j);
    free(name);
    if (rc != EF_STORE_OK) {
        store_error(ctx, rc, "department", ans);
        return;
    }
    ef_answer_json(ans, 200, j);
}

static void do_host(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct caller c;
    char *id;
    json_t *j = NULL;
    int rc;

    if (caller_of(ctx, req, &c, ans) != 0)
        return;
    if ((id = path_arg(req_path(req), "/api/v1/hosts/", ans)) == NULL)
        return;
    /* A host of another department is "not found" for a department token. */
    rc = ef_host_json(ctx->store, id, c.dept, ctx->stale_days, ef_coll_now(), &j);
    free(id);
    if (rc != EF_STORE_OK) {
        store_error(ctx, rc, "host", ans);
        return;
    }
    ef_answer_json(ans, 200, j);
}

static void do_controls(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct caller c;
    struct evkeyvalq q;
    const char *dept, *numbering;
    json_t *j = NULL;
    int rc, n2013;

    if (caller_of(ctx, req, &c, ans) != 0)
        return;
    query_of(req, &q);
    dept = evhttp_find_header(&q, "department");
    numbering = evhttp_find_header(&q, "numbering");
    n2013 = numbering != NULL && strcmp(numbering, "2013") == 0;
    if (numbering != NULL && !n2013 && strcmp(numbering, "2022") != 0)
        ef_answer_error(ans, 400, "numbering must be 2022 or 2013");
    else if (c.dept != NULL && dept != NULL && strcmp(dept, c.dept) != 0)
        ef_answer_error(ans, 403, "this token sees only its own department");
    else {
        rc = ef_controls_json(ctx->store, ctx->catalog, c.dept ? c.dept : dept, n2013,
                              ctx->stale_days, ef_coll_now(), &j);
        if (rc != EF_STORE_OK)
            store_error(ctx, rc, "department", ans);
        else
            ef_answer_json(ans, 200, j);
    }
    evhttp_clear_headers(&q);
}

/* "YYYY-MM-DD" (or RFC 3339, reduced to its day) into out; 0 or -1. */
static int day_param(const char *v, char out[11])
{
    time_t t;

    if (v == NULL) {
        out[0] = '\0';
        return 0;
    }
    if (ef_parse_date(v, &t) != 0)
        return -1;
    ef_day_text(ef_day_of(t), out);
    return 0;
}

static void do_trend(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct caller c;
    struct evkeyvalq q;
    const char *dept, *control;
    char since[11], until[11];
    json_t *j = NULL;
    int rc;

    if (caller_of(ctx, req, &c, ans) != 0)
        return;
    query_of(req, &q);
    dept = evhttp_find_header(&q, "department");
    control = evhttp_find_header(&q, "control");
    if (day_param(evhttp_find_header(&q, "since"), since) != 0 ||
        day_param(evhttp_find_header(&q, "until"), until) != 0)
        ef_answer_error(ans, 400, "since and until must be YYYY-MM-DD");
    else if (c.dept != NULL && dept != NULL && strcmp(dept, c.dept) != 0)
        ef_answer_error(ans, 403, "this token sees only its own department");
    else if (control != NULL && !ef_control_valid(control))
        ef_answer_error(ans, 400, "control must be a control number such as 8.9");
    else {
        rc = ef_trend_json(ctx->store, c.dept ? c.dept : dept, control, since[0] ? since : NULL,
                           until[0] ? until : NULL, ctx->stale_days, ef_coll_now(), &j);
        if (rc != EF_STORE_OK)
            store_error(ctx, rc, "department", ans);
        else
            ef_answer_json(ans, 200, j);
    }
    evhttp_clear_headers(&q);
}

static void do_export(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct caller c;
    struct evkeyvalq q;
    struct ef_export_opts o = {.format = NULL};
    const char *v, *dialect;
    char actor[EF_ACTOR_MAX + 1], err[512], *data = NULL;
    size_t len = 0;
    FILE *mem;
    int rc;

    if (caller_of(ctx, req, &c, ans) != 0)
        return;
    query_of(req, &q);
    o.format = evhttp_find_header(&q, "format");
    o.department = evhttp_find_header(&q, "department");
    dialect = evhttp_find_header(&q, "csv_dialect");
    o.dialect = ef_csv_dialect_parse(dialect != NULL ? dialect : "rfc4180");
    if (o.format == NULL || (strcmp(o.format, "csv") != 0 && strcmp(o.format, "json") != 0 &&
                             strcmp(o.format, "bundle") != 0)) {
        ef_answer_error(ans, 400, "format must be csv, json or bundle");
        goto out;
    }
    if (o.dialect == NULL) {
        ef_answer_error(ans, 400, "csv_dialect must be rfc4180 or excel-sv");
        goto out;
    }
    if (((v = evhttp_find_header(&q, "since")) != NULL && ef_parse_date(v, &o.since) != 0) ||
        ((v = evhttp_find_header(&q, "until")) != NULL && ef_parse_date(v, &o.until) != 0)) {
        ef_answer_error(ans, 400, "since and until must be YYYY-MM-DD or RFC 3339 times");
        goto out;
    }
    if (v != NULL && strlen(v) == 10 && evhttp_find_header(&q, "until") == v)
        o.until += 86400;
    if (c.dept != NULL) {
        if (o.department != NULL && strcmp(o.department, c.dept) != 0) {
            ef_answer_error(ans, 403, "this token sees only its own department");
            goto out;
        }
        o.department = c.dept;
    }
    snprintf(actor, sizeof(actor), "%s", c.name);
    o.actor = actor;
    o.key_path = ctx->key_path;
    o.now = ef_coll_now();
    if ((mem = open_memstream(&data, &len)) == NULL) {
        ef_answer_error(ans, 500, "internal error");
        goto out;
    }
    rc = ef_export(ctx->store, &o, mem, err, sizeof(err));
    fclose(mem);
    if (rc != EF_STORE_OK) {
        free(data);
        if (rc == EF_STORE_NOTFOUND)
            ef_answer_error(ans, 404, "no such department");
        else {
            ef_error("export: %s", err);
            ef_answer_error(ans, 500, "internal error");
        }
        goto out;
    }
    if (strcmp(o.format, "csv") == 0)
        ef_answer_raw(ans, 200, data, len, "text/csv; charset=utf-8", "efterlev-export.csv");
    else if (strcmp(o.format, "json") == 0)
        ef_answer_raw(ans, 200, data, len, "application/json", "efterlev-export.json");
    else
        ef_answer_raw(ans, 200, data, len, "application/x-tar", "efterlev-export.tar");
out:
    evhttp_clear_headers(&q);
}

static void do_board_report(struct ef_http_ctx *ctx, struct evhttp_request *req,
                            struct ef_answer *ans)
{
    struct caller c;

    if (caller_of(ctx, req, &c, ans) == 0)
        ef_web_board_report(ctx, req, c.dept, c.name, ans);
}

struct route {
    const char *path; /* ending in '/': a prefix, the rest is an argument */
    enum evhttp_cmd_type method;
    void (*fn)(struct ef_http_ctx *, struct evhttp_request *, struct ef_answer *);
};

static void do_health(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    (void)ctx;
    (void)req;
    ef_answer_json(ans, 200, json_pack("{s:s}", "status", "ok"));
}

static const struct route routes[] = {
    {"/api/v1/health", EVHTTP_REQ_GET, do_health},
    {"/api/v1/enroll", EVHTTP_REQ_POST, do_enroll},
    {"/api/v1/reports", EVHTTP_REQ_POST, do_report},
    {"/api/v1/summary", EVHTTP_REQ_GET, do_summary},
    {"/api/v1/departments/", EVHTTP_REQ_GET, do_department},
    {"/api/v1/hosts/", EVHTTP_REQ_GET, do_host},
    {"/api/v1/controls", EVHTTP_REQ_GET, do_controls},
    {"/api/v1/trend", EVHTTP_REQ_GET, do_trend},
    {"/api/v1/export", EVHTTP_REQ_GET, do_export},
    /* the dashboard (http/web.c) */
    {"/api/v1/report", EVHTTP_REQ_GET, do_board_report},
    {"/api/v1/login", EVHTTP_REQ_POST, ef_web_login},
    {"/api/v1/logout", EVHTTP_REQ_POST, ef_web_logout},
    {"/api/v1/session", EVHTTP_REQ_GET, ef_web_session},
    {"/", EVHTTP_REQ_GET, ef_web_asset},
    {"/index.html", EVHTTP_REQ_GET, ef_web_asset},
    {"/assets/", EVHTTP_REQ_GET, ef_web_asset},
};

void ef_http_route(struct evhttp_request *req, void *arg)
{
    struct ef_http_ctx *ctx = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    struct ef_answer ans = {0};
    const struct route *found = NULL;
    char peer[64];
    size_t i;

    set_nodelay(req);
    if (path == NULL || path[0] == '\0') {
        path = "?";
        ef_answer_error(&ans, 400, "malformed request target");
        goto send;
    }
    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        size_t plen = strlen(routes[i].path);

        if (plen > 1 && routes[i].path[plen - 1] == '/' ? strncmp(routes[i].path, path, plen) == 0
                                                        : strcmp(routes[i].path, path) == 0) {
            found = &routes[i];
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
        found->fn(ctx, req, &ans);
    }
send:
    if (ans.status == EF_HTTP_DEFERRED)
        return;
    peer_of(req, peer, sizeof(peer));
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
