/* SPDX-License-Identifier: EUPL-1.2 */
/* evhttp over TLS: every accepted connection gets an OpenSSL bufferevent through the bevcb
 * hook, so plain HTTP is never spoken.
 *
 * Threads: the event loop (this file, routes.c, web.c) does TLS, HTTP and the read API on
 * the main store connection. Reports and enrollments go to the ingest pipeline
 * (ingest_pipeline.c): worker threads check signatures and parse, one writer thread stores
 * with group commit on its own connection. Finished jobs come back through an eventfd and
 * are answered here, on the loop thread; no libevent call is made from another thread.
 *
 * Connections: each has a struct conn hung on its SSL object (ex_data), freed by OpenSSL's
 * ex_data free callback when evhttp frees the connection, so its lifetime is exactly the
 * connection's. It carries the request deadline: request_timeout seconds from connection
 * start or from the previous answer for the next request's headers and body (evhttp's own
 * timeout is per read, which a client sending one byte a second never trips). A connection
 * over the deadline is closed. Beyond max_connections a connection is answered 503 and
 * closed; at twice that, accepting pauses until connections end. A client address (an IPv6
 * /64) holding max_connections_per_address has its further connections closed at once
 * (on_admit), so one client cannot take every slot.
 *
 * Body limits: evhttp refuses bodies above its own limit with an HTML 413 and closes the
 * connection. To answer JSON for the usual case, evhttp's limit is EVHTTP_BODY_MAX (4 MiB)
 * and the route handlers refuse anything above EF_BODY_MAX (1 MiB) with a JSON 413; only
 * bodies above 4 MiB get evhttp's bare 413.
 *
 * SIGTERM/SIGINT: stop accepting, answer every request already received (their reports
 * committed), close connections as their answers leave, then exit 0. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "alerts.h"
#include "efterlev/log.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "check_catalog.h"
#include "controls.h"
#include "export.h"
#include "http/export_stream.h"
#include "http/peercount.h"
#include "http/routes.h"
#include "http/server.h"
#include "ingest_pipeline.h"
#include "keycert.h"
#include "now.h"
#include "workq.h"

#define SWEEP_SECS 60
#define LOGIN_THREADS 2
#define LOGIN_QUEUE_MAX 64
#define EF_TLS12_CIPHERS                                                                           \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* Once a minute: move agents that went stale out of the counters, expire acceptances,
 * write the snapshot of a day that ended, so requests seldom find work to do. */
static void on_sweep(evutil_socket_t fd, short events, void *arg)
{
    struct ef_http_ctx *ctx = arg;

    (void)fd;
    (void)events;
    if (ctx->store->ops->sweep(ctx->store, ef_coll_now(), ctx->stale_days) != EF_OK)
        ef_error("sweep: %s", ctx->store->err);
}

#define EVHTTP_BODY_MAX (4 * EF_BODY_MAX)
#define HEADERS_MAX (16 * 1024)
#define REFUSED_DEADLINE_SECS 10 /* a refused connection gets this long to say what it wants */
#define DRAIN_CHECK_USEC 10000
#define DRAIN_MAX_SECS 60     /* after SIGTERM, give up waiting for answers after this long */
#define KEYS_SLOTS (1u << 17) /* cached agent keys; cleared when 3/4 full */
_Static_assert((KEYS_SLOTS & (KEYS_SLOTS - 1)) == 0, "the key table masks with KEYS_SLOTS - 1");

/* An agent's public key as last read from the store (the writer re-checks it). */
struct keyent {
    char id[EF_AGENT_ID_LEN + 1];
    unsigned char key[EF_ED25519_PUB_LEN];
    unsigned char used, stale;
};

struct server;

struct conn {
    struct server *srv;
    struct bufferevent *bev;
    struct event *deadline;
    struct event *admit;        /* the per-address check, once the socket is known */
    char peer[EF_PEER_KEY_MAX]; /* counted under this key ("" until admitted) */
    int refused;                /* over max_connections: answered 503, then closed */
    int busy;                   /* a request is being handled or its answer is leaving */
};

struct ef_http_async {
    struct ef_pipeline *pipe;
    struct keyent *keys;
    size_t nkeys;
    int deferred; /* set by ef_http_defer, read right after the route returns */
};

struct server {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    SSL_CTX *ssl;
    struct ef_http_ctx *ctx;
    struct ef_http_async async;
    struct event *done_ev, *drain_ev, *work_ev;
    struct timeval deadline;
    int max_connections, max_per_address;
    struct ef_peercount *peers;
    long nconns, busy_conns, over_address;
    time_t over_address_logged;
    int paused, draining;
    struct timespec drain_started;
};

static int conn_idx = -1;

/* ---- the key cache (loop thread only) ---- */

static uint32_t hash_id(const char *id)
{
    uint32_t h = 2166136261u;

    for (; *id != '\0'; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h;
}

/* The slot of id, or the empty slot where it would go. The probe ends because key_put
 * clears the table at 3/4 full, so an empty slot always exists. */
static struct keyent *key_slot(struct ef_http_async *as, const char *id)
{
    uint32_t i = hash_id(id) & (KEYS_SLOTS - 1);

    assert(as->nkeys < KEYS_SLOTS);
    for (;; i = (i + 1) & (KEYS_SLOTS - 1))
        if (!as->keys[i].used || strcmp(as->keys[i].id, id) == 0)
            return &as->keys[i];
}

static int key_get(struct ef_http_async *as, const char *id, unsigned char key[32])
{
    struct keyent *e;

    if (as->keys == NULL || strlen(id) > EF_AGENT_ID_LEN)
        return 0;
    e = key_slot(as, id);
    if (!e->used || e->stale)
        return 0;
    memcpy(key, e->key, EF_ED25519_PUB_LEN);
    return 1;
}

static void key_put(struct ef_http_async *as, const char *id, const unsigned char key[32])
{
    struct keyent *e;

    if (strlen(id) > EF_AGENT_ID_LEN)
        return;
    if (as->keys == NULL && (as->keys = calloc(KEYS_SLOTS, sizeof(*as->keys))) == NULL)
        return;
    if (as->nkeys >= KEYS_SLOTS / 4 * 3) {
        memset(as->keys, 0, KEYS_SLOTS * sizeof(*as->keys));
        as->nkeys = 0;
    }
    e = key_slot(as, id);
    if (!e->used) {
        as->nkeys++;
        assert(as->nkeys <= KEYS_SLOTS / 4 * 3); /* the fill bound checked above */
        e->used = 1;
        snprintf(e->id, sizeof(e->id), "%s", id);
    }
    memcpy(e->key, key, EF_ED25519_PUB_LEN);
    e->stale = 0;
}

static void key_forget(struct ef_http_async *as, const char *id)
{
    struct keyent *e;

    if (as->keys == NULL || strlen(id) > EF_AGENT_ID_LEN)
        return;
    e = key_slot(as, id);
    if (e->used)
        e->stale = 1;
}

/* ---- deferred requests ---- */

int ef_http_defer(struct ef_http_ctx *ctx, struct evhttp_request *req, int enroll,
                  const char *agent_hdr, const char *sig_hdr, const unsigned char *body, size_t len,
                  struct ef_answer *ans)
{
    struct ef_http_async *as = ctx->async;
    unsigned char key[EF_ED25519_PUB_LEN];
    int cached = 0, rc;
    struct ef_job *j;

    if (!enroll) {
        /* Malformed headers are answered in place by ef_ingest (no store write). */
        if (agent_hdr == NULL || sig_hdr == NULL || strnlen(agent_hdr, EF_ID_MAX + 1) > EF_ID_MAX ||
            strlen(sig_hdr) >= sizeof(j->sig_hdr))
            return 0;
        cached = key_get(as, agent_hdr, key);
        if (!cached) {
            struct ef_agent a;

            rc = ctx->store->ops->agent_get(ctx->store, agent_hdr, &a);
            if (rc == EF_NOTFOUND) {
                ef_answer_error(ans, 401, "unknown agent");
                return 0;
            }
            if (rc != EF_OK) {
                ef_error("report from %s: %s", agent_hdr, ctx->store->err);
                ef_answer_error(ans, 500, "internal error");
                return 0;
            }
            memcpy(key, a.public_key, EF_ED25519_PUB_LEN);
            key_put(as, agent_hdr, key);
        }
    }
    if ((j = ef_job_new(enroll ? EF_JOB_ENROLL : EF_JOB_REPORT)) == NULL ||
        (j->body = malloc(len > 0 ? len : 1)) == NULL) {
        ef_job_free(j);
        ef_answer_error(ans, 503, "out of memory");
        return 0;
    }
    memcpy(j->body, body, len);
    j->len = len;
    j->owner = req;
    j->now = ef_coll_now();
    if (!enroll) {
        snprintf(j->agent_id, sizeof(j->agent_id), "%s", agent_hdr);
        snprintf(j->sig_hdr, sizeof(j->sig_hdr), "%s", sig_hdr);
        memcpy(j->key, key, EF_ED25519_PUB_LEN);
        j->key_cached = cached;
        j->checks = ctx->checks;
    }
    if (ef_pipeline_submit(as->pipe, j) != 0) {
        ef_job_free(j);
        ef_warn("ingest queue full, answering 503");
        ef_answer_error(ans, 503, "the collector is busy; try again shortly");
        return 0;
    }
    ans->status = EF_HTTP_DEFERRED;
    as->deferred = 1;
    return 1;
}

/* Finished jobs: answer them. */
static void on_done(evutil_socket_t fd, short events, void *arg)
{
    struct server *srv = arg;
    struct ef_job *j, *next;

    (void)fd;
    (void)events;
    for (j = ef_pipeline_collect(srv->async.pipe); j != NULL; j = next) {
        next = j->next;
        if (j->forget_key)
            key_forget(&srv->async, j->agent_id);
        if (j->enrolled[0] != '\0')
            key_forget(&srv->async, j->enrolled);
        ef_debug("%s %s -> %d", j->kind == EF_JOB_REPORT ? "report" : "enroll",
                 j->kind == EF_JOB_REPORT ? j->agent_id : "", j->ans.status);
        ef_http_send_answer(
            j->owner, j->kind == EF_JOB_REPORT ? "/api/v1/reports" : "/api/v1/enroll", &j->ans);
        ef_job_free(j);
    }
}

/* Finished logins (workq.c): their done() answers them. */
static void on_work_done(evutil_socket_t fd, short events, void *arg)
{
    (void)fd;
    (void)events;
    ef_workq_collect(arg);
}

/* ---- connections ---- */

static void conn_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                         void *argp)
{
    struct conn *c = ptr;
    struct server *srv;

    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (c == NULL)
        return;
    srv = c->srv;
    if (c->busy)
        srv->busy_conns--;
    srv->nconns--;
    if (c->peer[0] != '\0')
        ef_peercount_release(srv->peers, c->peer);
    if (srv->paused && srv->sock != NULL && srv->nconns < 2L * srv->max_connections) {
        evconnlistener_enable(evhttp_bound_socket_get_listener(srv->sock));
        srv->paused = 0;
        ef_info("accepting connections again (%ld open)", srv->nconns);
    }
    event_free(c->deadline);
    if (c->admit != NULL)
        event_free(c->admit);
    free(c);
}

static struct conn *conn_of(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;

    return ssl != NULL ? SSL_get_ex_data(ssl, conn_idx) : NULL;
}

/* The deadline passed with the request unfinished: close the connection. */
static void on_deadline(evutil_socket_t fd, short events, void *arg)
{
    struct conn *c = arg;
    bufferevent_data_cb r, w;
    bufferevent_event_cb e;
    void *evcon = NULL;

    (void)fd;
    (void)events;
    if (c->busy)
        return;
    bufferevent_getcb(c->bev, &r, &w, &e, &evcon);
    if (evcon == NULL)
        return;
    ef_warn("closing a connection that sent no complete request within %ld s",
            (long)c->srv->deadline.tv_sec);
    evhttp_connection_free(evcon);
}

/* Runs right after evhttp gave the new connection its socket (tls_bev cannot see the
 * address): count it under its client address, or close it at once when that address
 * already holds max_connections_per_address, before any TLS work is spent on it. */
static void on_admit(evutil_socket_t fd, short events, void *arg)
{
    struct conn *c = arg;
    struct server *srv = c->srv;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char key[EF_PEER_KEY_MAX];
    bufferevent_data_cb r, w;
    bufferevent_event_cb e;
    void *evcon = NULL;
    int rc;

    (void)fd;
    (void)events;
    fd = bufferevent_getfd(c->bev);
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0 ||
        ef_peer_key((struct sockaddr *)&ss, key) != 0)
        return; /* not an IP socket: nothing to count */
    rc = ef_peercount_take(srv->peers, key, srv->max_per_address);
    if (rc > 0) {
        snprintf(c->peer, sizeof(c->peer), "%s", key);
        return;
    }
    srv->over_address++;
    if (time(NULL) - srv->over_address_logged >= 60) {
        ef_warn("%s holds %d connections (max_connections_per_address): closing its new ones "
                "(%ld so far)",
                key, srv->max_per_address, srv->over_address);
        srv->over_address_logged = time(NULL);
    }
    bufferevent_getcb(c->bev, &r, &w, &e, &evcon);
    if (evcon != NULL)
        evhttp_connection_free(evcon); /* frees c too */
}

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
    struct server *srv = arg;
    SSL *ssl = SSL_new(srv->ssl);
    struct bufferevent *bev;
    struct conn *c;
    struct timeval refused = {REFUSED_DEADLINE_SECS, 0};

    /* evhttp falls back to a plain socket when this returns NULL, which would serve
     * cleartext; out of memory here is fatal instead. */
    if (ssl == NULL || (c = calloc(1, sizeof(*c))) == NULL) {
        ef_error("out of memory creating a TLS session");
        abort();
    }
    bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL || (c->deadline = evtimer_new(base, on_deadline, c)) == NULL ||
        (c->admit = evtimer_new(base, on_admit, c)) == NULL) {
        ef_error("out of memory creating a TLS connection");
        abort();
    }
    c->srv = srv;
    c->bev = bev;
    SSL_set_ex_data(ssl, conn_idx, c); /* from here on freed with the SSL */
    srv->nconns++;
    if (srv->nconns > srv->max_connections) {
        c->refused = 1;
        if (refused.tv_sec > srv->deadline.tv_sec)
            refused = srv->deadline;
    }
    evtimer_add(c->deadline, c->refused ? &refused : &srv->deadline);
    /* evhttp sets the socket when this returns; the check runs in this loop iteration. */
    event_active(c->admit, EV_TIMEOUT, 1);
    if (!srv->paused && srv->sock != NULL && srv->nconns >= 2L * srv->max_connections) {
        ef_warn("%ld connections open, pausing accept", srv->nconns);
        evconnlistener_disable(evhttp_bound_socket_get_listener(srv->sock));
        srv->paused = 1;
    }
    return bev;
}

/* The answer of a request has left: the next request's deadline starts. */
static void on_complete(struct evhttp_request *req, void *arg)
{
    struct conn *c = arg;

    (void)req;
    if (c->busy) {
        c->busy = 0;
        c->srv->busy_conns--;
    }
    evtimer_add(c->deadline, &c->srv->deadline);
}

/* 1 when the request's framing is ambiguous: Content-Length more than once (even with one
 * value: a proxy in front may pick another copy), or together with Transfer-Encoding. Such
 * a request is how requests are smuggled past a front end (RFC 9112, section 6.3); evhttp
 * would take the first Content-Length it finds. */
static int ambiguous_length(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    struct evkeyval *kv;
    int cl = 0, te = 0;

    TAILQ_FOREACH(kv, h, next)
    {
        if (strcasecmp(kv->key, "Content-Length") == 0)
            cl++;
        else if (strcasecmp(kv->key, "Transfer-Encoding") == 0)
            te++;
    }
    return cl > 1 || (cl > 0 && te > 0);
}

/* Every request, before routing. */
static void on_request(struct evhttp_request *req, void *arg)
{
    struct server *srv = arg;
    struct conn *c = conn_of(req);
    struct ef_answer ans = {0};

    if (c != NULL) {
        evtimer_del(c->deadline);
        if (!c->busy) {
            c->busy = 1;
            srv->busy_conns++;
        }
        evhttp_request_set_on_complete_cb(req, on_complete, c);
    }
    if (srv->draining || (c != NULL && c->refused))
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
    if (c != NULL && c->refused) {
        ef_answer_error(&ans, 503, "too many connections (max_connections %d); try again shortly",
                        srv->max_connections);
        ef_http_send_answer(req, "?", &ans);
        ef_answer_clear(&ans);
        return;
    }
    if (ambiguous_length(req)) {
        /* The rest of the stream cannot be trusted to start a request: close after. */
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        ef_answer_error(&ans, 400,
                        "ambiguous body length: Content-Length twice, or with Transfer-Encoding");
        ef_http_send_answer(req, "?", &ans);
        ef_answer_clear(&ans);
        return;
    }
    srv->async.deferred = 0;
    ef_http_route(req, srv->ctx);
}

/* ---- TLS ---- */

static SSL_CTX *tls_context(const struct ef_coll_config *cfg)
{
    static const unsigned char sid_ctx[] = "efterlev-collector";
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    unsigned long e;
    char buf[256];

    if (ctx == NULL)
        goto fail;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        goto fail;
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* TLS 1.2: only forward-secret ECDHE with AEAD (no CBC, no SHA-1 MACs, no static RSA);
     * TLS 1.3's suites are all AEAD and stay OpenSSL's defaults. */
    if (SSL_CTX_set_cipher_list(ctx, EF_TLS12_CIPHERS) != 1)
        goto fail;
    /* Session resumption: tickets (stateless; TLS 1.2 and 1.3) and a server-side cache, so
     * a client that reconnects skips the full handshake (about 400 us of server CPU). The
     * ticket keys are random per process. One ticket per handshake is enough. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
    SSL_CTX_sess_set_cache_size(ctx, 20000);
    SSL_CTX_set_timeout(ctx, 2 * 3600);
    SSL_CTX_set_num_tickets(ctx, 1);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        ef_error("cannot load TLS certificate %s", cfg->tls_cert);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ef_error("cannot load TLS key %s (or it does not match the certificate)", cfg->tls_key);
        goto fail;
    }
    return ctx;
fail:
    e = ERR_get_error();
    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        ef_error("TLS: %s", buf);
    }
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

/* ---- shutdown ---- */

static double since_s(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* After SIGTERM: exit once every request received has been answered and its answer left. */
static void on_drain(evutil_socket_t fd, short events, void *arg)
{
    struct server *srv = arg;
    struct timeval again = {0, DRAIN_CHECK_USEC};
    size_t pending = ef_pipeline_pending(srv->async.pipe) + ef_workq_pending(srv->ctx->workq);

    (void)fd;
    (void)events;
    if (pending == 0 && srv->busy_conns <= 0) {
        ef_info("drained, stopping");
        event_base_loopexit(srv->base, NULL);
        return;
    }
    if (since_s(&srv->drain_started) > DRAIN_MAX_SECS) {
        ef_warn("stopping with %zu requests still unanswered after %d s", pending, DRAIN_MAX_SECS);
        event_base_loopexit(srv->base, NULL);
        return;
    }
    evtimer_add(srv->drain_ev, &again);
}

static void on_signal(evutil_socket_t sig, short events, void *arg)
{
    struct server *srv = arg;

    (void)events;
    if (srv->draining)
        return;
    ef_info("%s received: no new connections; answering the %ld requests in progress",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", srv->busy_conns);
    srv->draining = 1;
    clock_gettime(CLOCK_MONOTONIC, &srv->drain_started);
    if (srv->sock != NULL) {
        evhttp_del_accept_socket(srv->http, srv->sock);
        srv->sock = NULL;
    }
    on_drain(-1, 0, srv);
}

/* Room for max_connections descriptors, as far as the hard limit allows. */
static void raise_fd_limit(int max_connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)max_connections + 64;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        ef_warn("max_connections %d exceeds the open-file limit %llu", max_connections,
                (unsigned long long)rl.rlim_cur);
}

/* Bind, and report the address actually bound (port 0 = the kernel's choice). */
static int bind_listen(struct server *srv, const char *listen, char *bound, size_t boundlen)
{
    char addr[EF_LISTEN_MAX], host[INET6_ADDRSTRLEN];
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    unsigned port;
    evutil_socket_t fd;
    int one = 1;

    if (ef_listen_parse(listen, addr, sizeof(addr), &port) != 0) {
        ef_error("invalid listen address \"%s\" (expected ADDR:PORT)", listen);
        return -1;
    }
    srv->sock = evhttp_bind_socket_with_handle(srv->http, addr, (ev_uint16_t)port);
    if (srv->sock == NULL) {
        ef_error("cannot listen on %s: %s", listen, strerror(errno));
        return -1;
    }
    fd = evhttp_bound_socket_get_fd(srv->sock);
    /* Linux passes TCP_NODELAY on to accepted sockets; routes.c sets it again per
     * connection for other systems. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        ef_error("getsockname: %s", strerror(errno));
        return -1;
    }
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
        snprintf(bound, boundlen, "[%s]:%u", host, ntohs(s6->sin6_port));
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
        snprintf(bound, boundlen, "%s:%u", host, ntohs(s4->sin_port));
    }
    return 0;
}

/* The once-only certification of the keys enrolled before key certificates existed. */
static int certify_old_keys(struct ef_store *store, EVP_PKEY *key)
{
    int64_t n = 0;

    if (store->ops->agent_keys_certify(store, ef_keycert_make, key, ef_coll_now(), &n) != EF_OK) {
        ef_error("cannot certify the agent keys enrolled before: %s", store->err);
        return -1;
    }
    if (n > 0)
        ef_info("certified %lld agent key%s enrolled before key certificates (once)", (long long)n,
                n == 1 ? "" : "s");
    return 0;
}

int ef_http_serve(const struct ef_coll_config *cfg, const char *listen, const char *ready_file,
                  struct ef_store *store)
{
    struct server srv = {0};
    struct ef_http_ctx *ctx = NULL;
    struct event *sigterm = NULL, *sigint = NULL, *sweep = NULL;
    struct timeval every = {SWEEP_SECS, 0};
    struct ef_catalog cat = {0};
    struct ef_check_catalogs checks = {0};
    struct ef_pipeline_opts po = {0};
    struct ef_alerts *alerts = NULL;
    char bound[EF_LISTEN_MAX + 16], line[EF_LISTEN_MAX + 18], err[512];
    int rc = -1;

    if (listen == NULL)
        listen = cfg->listen;
    signal(SIGPIPE, SIG_IGN);
    if (conn_idx < 0)
        conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free_cb);
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL || conn_idx < 0) {
        ef_error("out of memory");
        free(ctx);
        return -1;
    }
    ctx->store = store;
    ctx->stale_days = cfg->stale_days;
    ctx->async = &srv.async;
    srv.ctx = ctx;
    srv.max_connections =
        cfg->max_connections > 0 ? cfg->max_connections : EF_MAX_CONNECTIONS_DEFAULT;
    srv.max_per_address = cfg->max_connections_per_address > 0
                              ? cfg->max_connections_per_address
                              : EF_MAX_CONNECTIONS_PER_ADDRESS_DEFAULT;
    if ((srv.peers = ef_peercount_new()) == NULL) {
        ef_error("out of memory");
        free(ctx);
        return -1;
    }
    srv.deadline.tv_sec =
        cfg->request_timeout > 0 ? cfg->request_timeout : EF_REQUEST_TIMEOUT_DEFAULT;
    raise_fd_limit(srv.max_connections);
    if (ef_catalog_load_default(&cat, err, sizeof(err)) == 0)
        ctx->catalog = &cat;
    else
        ef_warn("%s (control titles and coverage will be missing)", err);
    /* Only results of the catalog's checks count (assigned.h): without it, nothing could.
     * Windows hosts count against their own catalog; without one their results are set
     * aside (the folder is absent until the Windows policy is installed). */
    {
        int win_absent = 0;

        if (ef_check_catalogs_load(&checks, cfg->policies, cfg->policies_windows, &win_absent, err,
                                   sizeof(err)) != 0) {
            ef_error("policies: %s", err);
            goto out;
        }
        ef_info("counting the %zu checks of %s (policy %s)", checks.linux_checks.n,
                checks.linux_checks.path, checks.linux_checks.policy_id);
        if (win_absent)
            ef_info("no Windows catalog (policies_windows %s does not exist): Windows hosts' "
                    "results are not counted",
                    cfg->policies_windows);
        else
            ef_info("counting Windows hosts against the %zu checks of %s (policy %s)",
                    checks.windows_checks.n, checks.windows_checks.path,
                    checks.windows_checks.policy_id);
    }
    ctx->checks = &checks;
    ef_export_key_path(cfg->path, ctx->key_path, sizeof(ctx->key_path));
    /* The export key certifies every key enrolled from now on (keycert.h); the keys
     * enrolled before schema 4 get their certificates once, here. */
    if ((ctx->export_key = ef_key_load_or_create(ctx->key_path, err, sizeof(err))) == NULL) {
        ef_error("export key: %s", err);
        goto out;
    }
    if (certify_old_keys(store, ctx->export_key) != 0)
        goto out;
    /* The policy key signs the policies served to agents, which pin it at enrollment
     * (docs/protocol.md, "Policy"): a key of its own, so rotating the export key does not
     * make every agent refuse its policy. */
    {
        char ppath[4200];

        ef_policy_key_path(cfg->path, ppath, sizeof(ppath));
        /* Without one (a folder the service may not write, and no install script made
         * it), it serves no policy: agents keep their local one. */
        if ((ctx->policy_key = ef_key_load_or_create(ppath, err, sizeof(err))) == NULL) {
            ef_warn("policy key: %s; serving no policies (efterlev-collector policy key "
                    "--create)",
                    err);
        } else if ((ctx->policy_key_b64 = ef_key_public_b64(ctx->policy_key)) == NULL) {
            ef_error("policy key: out of memory");
            goto out;
        }
    }
    ef_rl_init(&ctx->enroll_rl,
               cfg->enroll_per_minute > 0 ? cfg->enroll_per_minute : EF_ENROLL_PER_MINUTE_DEFAULT,
               cfg->enroll_burst > 0 ? cfg->enroll_burst : EF_ENROLL_BURST_DEFAULT);
    ef_rl_init(&ctx->login_rl, EF_LOGIN_PER_MINUTE, EF_LOGIN_BURST);
    /* Two threads for password hashing: each derivation takes 128 MiB, so this also bounds
     * the memory logins can take; 64 waiting logins at most, then 503. */
    if ((ctx->ghosts = calloc(1, sizeof(*ctx->ghosts))) == NULL ||
        (ctx->workq = ef_workq_start(LOGIN_THREADS, LOGIN_QUEUE_MAX)) == NULL) {
        ef_error("cannot start the login workers");
        goto out;
    }

    po.database = cfg->database;
    po.stale_days = cfg->stale_days;
    po.export_key = ctx->export_key;
    po.policy_key = ctx->policy_key_b64;
    po.agent_reports_per_hour = cfg->agent_reports_per_hour;
    po.agent_bytes_per_day = cfg->agent_bytes_per_day;
    po.alert_severities = cfg->alerts.severities;
    po.alert_channels = ef_alert_channels(&cfg->alerts);
    if ((srv.async.pipe = ef_pipeline_start(&po, err, sizeof(err))) == NULL) {
        ef_error("cannot start the ingest pipeline: %s", err);
        goto out;
    }
    /* Alerts (docs/alerts.md): a thread of their own, on their own connection. */
    if (cfg->alerts.enabled) {
        if ((alerts = ef_alerts_start(&cfg->alerts, cfg->database, err, sizeof(err))) == NULL) {
            ef_error("alerts: %s", err);
            goto out;
        }
        ef_info("alerts on: %s%s%s", cfg->alerts.webhook_url[0] != '\0' ? "webhook" : "",
                cfg->alerts.webhook_url[0] != '\0' && cfg->alerts.smtp_url[0] != '\0' ? ", " : "",
                cfg->alerts.smtp_url[0] != '\0' ? "e-mail" : "");
    }
    if ((srv.ssl = tls_context(cfg)) == NULL)
        goto out;
    if ((srv.base = event_base_new()) == NULL || (srv.http = evhttp_new(srv.base)) == NULL) {
        ef_error("cannot set up the event loop");
        goto out;
    }
    srv.done_ev =
        event_new(srv.base, ef_pipeline_fd(srv.async.pipe), EV_READ | EV_PERSIST, on_done, &srv);
    srv.drain_ev = evtimer_new(srv.base, on_drain, &srv);
    srv.work_ev = event_new(srv.base, ef_workq_fd(ctx->workq), EV_READ | EV_PERSIST, on_work_done,
                            ctx->workq);
    if (srv.done_ev == NULL || srv.drain_ev == NULL || srv.work_ev == NULL ||
        event_add(srv.done_ev, NULL) != 0 || event_add(srv.work_ev, NULL) != 0) {
        ef_error("cannot set up the event loop");
        goto out;
    }
    /* Exports: a thread each, at most EF_EXPORTS_RUNNING_MAX at once, streamed back here. */
    if ((ctx->exports = ef_export_streams_new(srv.base, cfg->database, EF_EXPORTS_RUNNING_MAX,
                                              (int)srv.deadline.tv_sec, err, sizeof(err))) ==
        NULL) {
        ef_error("cannot set up exports: %s", err);
        goto out;
    }
    evhttp_set_bevcb(srv.http, tls_bev, &srv);
    evhttp_set_gencb(srv.http, on_request, &srv);
    evhttp_set_max_headers_size(srv.http, HEADERS_MAX);
    evhttp_set_max_body_size(srv.http, EVHTTP_BODY_MAX);
    evhttp_set_timeout(srv.http, (int)srv.deadline.tv_sec);
    /* Accept every method so wrong ones get our JSON 405, not evhttp's HTML. */
    evhttp_set_allowed_methods(srv.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                             EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                             EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);

    if (bind_listen(&srv, listen, bound, sizeof(bound)) != 0)
        goto out;
    sigterm = evsignal_new(srv.base, SIGTERM, on_signal, &srv);
    sigint = evsignal_new(srv.base, SIGINT, on_signal, &srv);
    if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) != 0 ||
        evsignal_add(sigint, NULL) != 0) {
        ef_error("cannot install signal handlers");
        goto out;
    }
    sweep = event_new(srv.base, -1, EV_PERSIST, on_sweep, ctx);
    if (sweep == NULL || event_add(sweep, &every) != 0) {
        ef_error("cannot set up the sweep timer");
        goto out;
    }
    on_sweep(-1, 0, ctx);
    ef_info("listening on https://%s", bound);
    if (ready_file != NULL) {
        snprintf(line, sizeof(line), "%s\n", bound);
        if (ef_write_file_atomic(ready_file, line, strlen(line), 0644, err, sizeof(err)) != 0) {
            ef_error("cannot write ready file %s: %s", ready_file, err);
            goto out;
        }
    }
    if (event_base_dispatch(srv.base) != 0) {
        ef_error("event loop failed");
        goto out;
    }
    ef_info("stopped");
    rc = 0;
out:
    /* The threads first (after a drain they are idle; jobs still inside are finished and
     * dropped unanswered), then the connections, then the loop. */
    ef_pipeline_stop(srv.async.pipe);
    ef_alerts_stop(alerts);
    ef_workq_stop(ctx->workq);            /* logins still inside are dropped unanswered */
    ef_export_streams_free(ctx->exports); /* exports still running are cut */
    if (srv.work_ev != NULL)
        event_free(srv.work_ev);
    if (sigterm != NULL)
        event_free(sigterm);
    if (sigint != NULL)
        event_free(sigint);
    if (sweep != NULL)
        event_free(sweep);
    if (srv.done_ev != NULL)
        event_free(srv.done_ev);
    if (srv.drain_ev != NULL)
        event_free(srv.drain_ev);
    ef_catalog_free(&cat);
    ef_check_catalogs_free(&checks);
    if (srv.http != NULL)
        evhttp_free(srv.http);
    if (srv.base != NULL)
        event_base_free(srv.base);
    SSL_CTX_free(srv.ssl);
    free(srv.async.keys);
    ef_peercount_free(srv.peers);
    free(ctx->ghosts);
    EVP_PKEY_free(ctx->export_key);
    EVP_PKEY_free(ctx->policy_key);
    free(ctx->policy_key_b64);
    free(ctx);
    return rc;
}
