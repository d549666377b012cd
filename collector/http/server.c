/* evhttp over TLS: every accepted connection gets an OpenSSL bufferevent through the bevcb
 * hook, so plain HTTP is never spoken. Requests are handled to completion on the single
 * event-loop thread; the store calls are short.
 *
 * Body limits: evhttp refuses bodies above its own limit with an HTML 413 and closes the
 * connection. To answer JSON for the usual case, evhttp's limit is EVHTTP_BODY_MAX (4 MiB)
 * and the route handlers refuse anything above EF_BODY_MAX (1 MiB) with a JSON 413; only
 * bodies above 4 MiB get evhttp's bare 413. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "efterlev/log.h"
#include "efterlev/report.h"
#include "efterlev/util.h"
#include "controls.h"
#include "export.h"
#include "http/routes.h"
#include "http/server.h"
#include "now.h"

#define SWEEP_SECS 60

/* Once a minute: move agents that went stale out of the counters, expire acceptances,
 * write the snapshot of a day that ended, so requests seldom find work to do. */
static void on_sweep(evutil_socket_t fd, short events, void *arg)
{
    struct ef_http_ctx *ctx = arg;

    (void)fd;
    (void)events;
    if (ctx->store->ops->sweep(ctx->store, ef_coll_now(), ctx->stale_days) != EF_STORE_OK)
        ef_error("sweep: %s", ctx->store->err);
}

#define EVHTTP_BODY_MAX (4 * EF_BODY_MAX)
#define HEADERS_MAX (16 * 1024)
#define TIMEOUT_SECS 30
#define SHUTDOWN_GRACE_USEC 200000

struct server {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    SSL_CTX *ssl;
};

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
    SSL *ssl = SSL_new(arg);
    struct bufferevent *bev;

    /* evhttp falls back to a plain socket when this returns NULL, which would serve
     * cleartext; out of memory here is fatal instead. */
    if (ssl == NULL) {
        ef_error("out of memory creating a TLS session");
        abort();
    }
    bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        ef_error("out of memory creating a TLS connection");
        abort();
    }
    return bev;
}

static SSL_CTX *tls_context(const struct ef_coll_config *cfg)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    unsigned long e;
    char buf[256];

    if (ctx == NULL)
        goto fail;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        goto fail;
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
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

static void on_signal(evutil_socket_t sig, short events, void *arg)
{
    struct server *srv = arg;
    struct timeval grace = {0, SHUTDOWN_GRACE_USEC};

    (void)events;
    ef_info("%s received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* Stop accepting now; give answers already queued a moment to leave. */
    if (srv->sock != NULL) {
        evhttp_del_accept_socket(srv->http, srv->sock);
        srv->sock = NULL;
    }
    event_base_loopexit(srv->base, &grace);
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

int ef_http_serve(const struct ef_coll_config *cfg, const char *listen, const char *ready_file,
                  struct ef_store *store)
{
    struct server srv = {0};
    struct ef_http_ctx *ctx = NULL;
    struct event *sigterm = NULL, *sigint = NULL, *sweep = NULL;
    struct timeval every = {SWEEP_SECS, 0};
    struct ef_catalog cat = {0};
    char bound[EF_LISTEN_MAX + 16], line[EF_LISTEN_MAX + 18], err[256];
    int rc = -1;

    if (listen == NULL)
        listen = cfg->listen;
    signal(SIGPIPE, SIG_IGN);
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        ef_error("out of memory");
        return -1;
    }
    ctx->store = store;
    ctx->stale_days = cfg->stale_days;
    if (ef_catalog_load_default(&cat, err, sizeof(err)) == 0)
        ctx->catalog = &cat;
    else
        ef_warn("%s (control titles and coverage will be missing)", err);
    ef_export_key_path(cfg->path, ctx->key_path, sizeof(ctx->key_path));
    ef_rl_init(&ctx->enroll_rl, EF_ENROLL_PER_MINUTE, EF_ENROLL_BURST);

    if ((srv.ssl = tls_context(cfg)) == NULL)
        goto out;
    if ((srv.base = event_base_new()) == NULL || (srv.http = evhttp_new(srv.base)) == NULL) {
        ef_error("cannot set up the event loop");
        goto out;
    }
    evhttp_set_bevcb(srv.http, tls_bev, srv.ssl);
    evhttp_set_gencb(srv.http, ef_http_route, ctx);
    evhttp_set_max_headers_size(srv.http, HEADERS_MAX);
    evhttp_set_max_body_size(srv.http, EVHTTP_BODY_MAX);
    evhttp_set_timeout(srv.http, TIMEOUT_SECS);
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
    if (sigterm != NULL)
        event_free(sigterm);
    if (sigint != NULL)
        event_free(sigint);
    if (sweep != NULL)
        event_free(sweep);
    ef_catalog_free(&cat);
    if (srv.http != NULL)
        evhttp_free(srv.http);
    if (srv.base != NULL)
        event_base_free(srv.base);
    SSL_CTX_free(srv.ssl);
    free(ctx);
    return rc;
}
