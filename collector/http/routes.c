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
#include "http/routes.h"
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
    case 429:
        return "Too Many Requests";
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

    if (ans->body == NULL)
        ef_answer_error(ans, 500, "internal error");
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
        ef_answer_error(ans, 429, "too many enrollment attempts; try again in a minute");
        return;
    }
    if ((body = body_of(req, &len, ans)) == NULL)
        return;
    ef_enroll(ctx->store, body, len, ans);
}

static void do_report(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const unsigned char *body;
    size_t len;

    if ((body = body_of(req, &len, ans)) == NULL)
        return;
    ef_ingest(ctx->store, evhttp_find_header(h, "Efterlev-Agent"),
              evhttp_find_header(h, "Efterlev-Signature"), body, len, time(NULL), ans);
}

/* The caller's role from "Authorization: Bearer <token>", into role. 0, or -1 with ans
 * set. */
static int authorize(struct ef_http_ctx *ctx, struct evhttp_request *req, char *role,
                     size_t rolelen, struct ef_answer *ans)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *v = evhttp_find_header(h, "Authorization");
    struct ef_api_token t;
    char hash[65];
    int64_t id;
    int rc;

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
    return 0;
deny:
    evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                      "Bearer realm=\"efterlev\"");
    return -1;
}

static void do_summary(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans)
{
    char role[EF_ROLE_MAX + 1];
    const char *dept;
    struct ef_summary sum;
    int rc;

    if (authorize(ctx, req, role, sizeof(role), ans) != 0)
        return;
    if (ef_role_parse(role, &dept) != 0) {
        ef_answer_error(ans, 403, "token has an unknown role");
        return;
    }
    rc = ef_summary_build(ctx->store, dept, ctx->stale_days, time(NULL), &sum);
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

struct route {
    const char *path;
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
        if (strcmp(routes[i].path, path) == 0) {
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
    peer_of(req, peer, sizeof(peer));
    ef_debug("%s %s %s -> %d", peer, method_name(m), path, ans.status);
    send_answer(req, path, &ans);
    ef_answer_clear(&ans);
}
