/* SPDX-License-Identifier: EUPL-1.2 */
/* Streamed exports (export_stream.h).
 *
 *   export thread: ef_export --FILE (fopencookie)--> sink_write --> queue (mutex)
 *   queue --eventfd--> loop: on_wake/pump --evhttp_send_reply_chunk_with_cb--> connection
 *   connection written out --on_sent--> pump again
 *
 * The loop takes every queued chunk at once, but only when the connection has written the
 * previous ones (on_sent), so at most about 2 x EF_EXPORT_QUEUE_MAX bytes of an export are
 * in memory: the queue and the connection's output buffer. The thread makes no libevent
 * call; it only writes to the eventfd. Everything the loop does with the connection (the
 * answer's end, an error answer, cutting it) happens in on_wake, never inside an evhttp
 * callback, so the connection may be freed there. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "efterlev/log.h"
#include "http/export_stream.h"
#include "http/routes.h"
#include "http/web.h"
#include "store/store.h"

#define SINK_BUFFER (64 * 1024) /* stdio's buffer in front of the queue */
#define EXPORT_NICE 10          /* as the login workers (workq.c) */

struct chunk {
    struct chunk *next;
    size_t len;
    unsigned char data[];
};

struct xport {
    struct ef_export_streams *xs;
    struct xport *next; /* in xs->list */
    pthread_t thread;
    struct ef_export_opts o;
    char format[8], department[EF_DEPT_NAME_MAX + 1], actor[EF_ACTOR_MAX + 1];
    /* under xs->mu */
    struct chunk *head, *tail;
    size_t queued;
    int done, rc, cancelled;
    char err[512];
    /* loop thread only */
    struct evhttp_request *req; /* NULL once answered, or when the client went away */
    struct evhttp_connection *evcon;
    int started;  /* the answer's head has been sent */
    int inflight; /* chunks handed to the connection and not yet written */
    int cut;      /* the connection is to be cut (an error after the head) */
};

struct ef_export_streams {
    struct event_base *base;
    struct event *wake;
    int efd;
    pthread_mutex_t mu;
    pthread_cond_t room; /* a queue shrank or an export was cancelled */
    char *database;
    int max_running, running, timeout_secs;
    struct xport *list;
};

static void free_chunks(struct chunk *c)
{
    while (c != NULL) {
        struct chunk *next = c->next;

        free(c);
        c = next;
    }
}

static void poke(struct ef_export_streams *xs)
{
    uint64_t one = 1;

    if (write(xs->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        ef_error("export: cannot wake the event loop: %s", strerror(errno));
}

/* ---- the export thread ---- */

/* stdio's write function of the export's FILE: queue a copy of buf, waiting while the queue
 * is full. 0 (errno EPIPE) once the export is cancelled: ef_export then stops. Never
 * negative (fopencookie(3)): glibc's large-write path would take -1 as a huge count and
 * read past buf. */
static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
    struct xport *x = cookie;
    struct ef_export_streams *xs = x->xs;
    struct chunk *c;
    int wake;

    if (len == 0)
        return 0;
    if ((c = malloc(sizeof(*c) + len)) == NULL) {
        errno = ENOMEM;
        return 0;
    }
    c->next = NULL;
    c->len = len;
    memcpy(c->data, buf, len);
    pthread_mutex_lock(&xs->mu);
    while (x->queued >= EF_EXPORT_QUEUE_MAX && !x->cancelled)
        pthread_cond_wait(&xs->room, &xs->mu);
    if (x->cancelled) {
        pthread_mutex_unlock(&xs->mu);
        free(c);
        errno = EPIPE;
        return 0;
    }
    /* An empty queue means the loop took everything: it needs a wake-up to look again. */
    wake = x->head == NULL;
    if (x->tail != NULL)
        x->tail->next = c;
    else
        x->head = c;
    x->tail = c;
    x->queued += len;
    pthread_mutex_unlock(&xs->mu);
    if (wake)
        poke(xs);
    return (ssize_t)len;
}

static void *export_main(void *arg)
{
    struct xport *x = arg;
    struct ef_export_streams *xs = x->xs;
    cookie_io_functions_t io = {.write = sink_write};
    struct ef_store *s;
    char err[512] = "";
    FILE *f = NULL;
    int rc = EF_ERR;

    /* Below the event loop in priority (Linux: nice per thread): an export is batch work,
     * the loop answers everyone. Failure only costs that. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), EXPORT_NICE);
    if ((s = ef_store_open(xs->database, 0, err, sizeof(err))) != NULL) {
        if ((f = fopencookie(x, "w", io)) == NULL || setvbuf(f, NULL, _IOFBF, SINK_BUFFER) != 0)
            snprintf(err, sizeof(err), "cannot set up the export's stream");
        else
            rc = ef_export(s, &x->o, f, err, sizeof(err));
        if (f != NULL && fclose(f) != 0 && rc == EF_OK) {
            snprintf(err, sizeof(err), "cannot write the export");
            rc = EF_ERR;
        }
        ef_store_close(s);
    }
    pthread_mutex_lock(&xs->mu);
    x->done = 1;
    x->rc = rc;
    snprintf(x->err, sizeof(x->err), "%s", err);
    pthread_mutex_unlock(&xs->mu);
    poke(xs);
    return NULL;
}

/* ---- the event loop ---- */

static void cancel(struct xport *x)
{
    struct ef_export_streams *xs = x->xs;

    pthread_mutex_lock(&xs->mu);
    x->cancelled = 1;
    pthread_cond_broadcast(&xs->room);
    pthread_mutex_unlock(&xs->mu);
}

/* The connection is going away (the client left, a write failed or timed out, we cut it, the
 * server stops): forget the request and stop the export. Runs inside evhttp_connection_free:
 * x itself is freed later, in on_wake. */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct xport *x = arg;

    (void)evcon;
    /* On an end of file or a timeout evhttp unlinks the unfinished request from the
     * connection and leaves it to us. */
    if (x->req != NULL && evhttp_request_get_connection(x->req) == NULL)
        evhttp_request_free(x->req);
    if (x->req != NULL && !x->cut)
        ef_warn("export (%s, %s): the connection closed before the end; export stopped", x->format,
                x->actor);
    x->req = NULL;
    x->evcon = NULL;
    x->inflight = 0;
    cancel(x);
    event_active(x->xs->wake, EV_READ, 0);
}

/* The connection wrote what it was given: look for more (in on_wake, outside evhttp). */
static void on_sent(struct evhttp_connection *evcon, void *arg)
{
    struct xport *x = arg;

    (void)evcon;
    x->inflight = 0;
    event_active(x->xs->wake, EV_READ, 0);
}

/* Done with the request: it belongs to evhttp again (or is gone). */
static void release(struct xport *x)
{
    if (x->evcon != NULL) {
        evhttp_connection_set_closecb(x->evcon, NULL, NULL);
        /* Reading again: the next request's head has request_timeout as usual. */
        evhttp_connection_set_timeout(x->evcon, x->xs->timeout_secs);
    }
    x->req = NULL;
    x->evcon = NULL;
}

static void start_answer(struct xport *x)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(x->req);
    const char *type = "application/x-tar", *name = "efterlev-export.tar";
    char disp[96];

    if (strcmp(x->format, "csv") == 0) {
        type = "text/csv; charset=utf-8";
        name = "efterlev-export.csv";
    } else if (strcmp(x->format, "json") == 0) {
        type = "application/json";
        name = "efterlev-export.json";
    }
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
    ef_web_security_headers(x->req);
    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Content-Disposition", disp);
    evhttp_send_reply_start(x->req, 200, "OK");
    x->started = 1;
}

static void chunk_cleanup(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    free(arg);
}

/* Hand the chunks to the connection (they are freed once written). 0, or -1 out of memory
 * (the chunks not handed are freed). */
static int send_chunks(struct xport *x, struct chunk *list)
{
    struct evbuffer *buf = evbuffer_new();
    struct chunk *c, *next;

    for (c = list; c != NULL; c = next) {
        next = c->next;
        if (buf == NULL || evbuffer_add_reference(buf, c->data, c->len, chunk_cleanup, c) != 0) {
            free_chunks(c);
            if (buf != NULL)
                evbuffer_free(buf); /* frees the chunks it references */
            return -1;
        }
    }
    if (!x->started)
        start_answer(x);
    evhttp_send_reply_chunk_with_cb(x->req, buf, on_sent, x);
    evbuffer_free(buf);
    x->inflight = 1;
    return 0;
}

/* The export ended with rc before or after its head left. */
static void finish(struct xport *x, int rc, const char *err)
{
    struct ef_answer ans = {0};

    struct evhttp_request *req = x->req;

    if (rc == EF_OK) {
        if (!x->started)
            start_answer(x);
        release(x);
        evhttp_send_reply_end(req);
        return;
    }
    if (!x->started) {
        release(x);
        if (rc == EF_NOTFOUND)
            ef_answer_error(&ans, 404, "no such department");
        else {
            ef_error("export: %s", err);
            ef_answer_error(&ans, 500, "internal error");
        }
        ef_http_send_answer(req, "/api/v1/export", &ans);
        ef_answer_clear(&ans);
        return;
    }
    /* The head has left: only cutting the connection tells the client. */
    ef_error("export (%s, %s) failed after its first bytes, cutting the connection: %s", x->format,
             x->actor, err);
    x->cut = 1;
    evhttp_connection_free(x->evcon); /* on_close forgets the request */
}

static void reap(struct xport *x)
{
    struct ef_export_streams *xs = x->xs;
    struct xport **p;

    pthread_join(x->thread, NULL);
    for (p = &xs->list; *p != NULL; p = &(*p)->next)
        if (*p == x) {
            *p = x->next;
            break;
        }
    xs->running--;
    free_chunks(x->head);
    free(x);
}

static void pump(struct xport *x)
{
    struct ef_export_streams *xs = x->xs;
    struct chunk *list = NULL;
    char err[512];
    int done, rc;

    if (x->inflight)
        return;
    pthread_mutex_lock(&xs->mu);
    list = x->head;
    x->head = x->tail = NULL;
    x->queued = 0;
    done = x->done;
    rc = x->rc;
    snprintf(err, sizeof(err), "%s", x->err);
    if (list != NULL)
        pthread_cond_broadcast(&xs->room);
    pthread_mutex_unlock(&xs->mu);

    if (x->req == NULL) { /* answered, or the client went away */
        free_chunks(list);
        if (done)
            reap(x);
        return;
    }
    if (done && rc != EF_OK) {
        free_chunks(list);
        finish(x, rc, err);
    } else if (list != NULL) {
        /* Out of memory: stop the thread (reaped once it has ended) and answer now. */
        if (send_chunks(x, list) != 0) {
            cancel(x);
            finish(x, EF_ERR, "out of memory");
        }
        return;
    } else if (done) {
        finish(x, rc, err);
    } else {
        return;
    }
    if (done && x->req == NULL)
        reap(x);
}

static void on_wake(evutil_socket_t fd, short events, void *arg)
{
    struct ef_export_streams *xs = arg;
    struct xport *x, *next;
    uint64_t n;

    (void)events;
    if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        ef_error("export: eventfd: %s", strerror(errno));
    for (x = xs->list; x != NULL; x = next) {
        next = x->next;
        pump(x);
    }
}

int ef_export_stream_start(struct ef_export_streams *xs, struct evhttp_request *req,
                           const struct ef_export_opts *o, struct ef_answer *ans)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    struct timeval write_tv = {xs->timeout_secs, 0};
    struct xport *x;

    if (xs->running >= xs->max_running) {
        ef_warn("export refused: %d exports are running already", xs->running);
        ef_answer_error(ans, 503, "%d exports are running; try again shortly", xs->running);
        return 0;
    }
    if (bev == NULL || (x = calloc(1, sizeof(*x))) == NULL) {
        ef_answer_error(ans, 500, "internal error");
        return 0;
    }
    x->xs = xs;
    x->o = *o;
    snprintf(x->format, sizeof(x->format), "%s", o->format);
    snprintf(x->actor, sizeof(x->actor), "%s", o->actor);
    x->o.format = x->format;
    x->o.actor = x->actor;
    if (o->department != NULL) {
        snprintf(x->department, sizeof(x->department), "%s", o->department);
        x->o.department = x->department;
    }
    x->req = req;
    x->evcon = evcon;
    if (pthread_create(&x->thread, NULL, export_main, x) != 0) {
        free(x);
        ef_answer_error(ans, 503, "cannot start the export; try again shortly");
        return 0;
    }
    x->next = xs->list;
    xs->list = x;
    xs->running++;
    evhttp_connection_set_closecb(evcon, on_close, x);
    /* While the answer streams the client sends nothing: no read timeout. A client that
     * takes nothing for request_timeout seconds is dropped (the write timeout). */
    bufferevent_set_timeouts(bev, NULL, &write_tv);
    ans->status = EF_HTTP_DEFERRED;
    return 1;
}

int ef_export_streams_running(const struct ef_export_streams *xs)
{
    return xs->running;
}

struct ef_export_streams *ef_export_streams_new(struct event_base *base, const char *database,
                                                int max_running, int timeout_secs, char *err,
                                                size_t errlen)
{
    struct ef_export_streams *xs = calloc(1, sizeof(*xs));

    if (xs == NULL || (xs->database = strdup(database)) == NULL) {
        free(xs);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    xs->base = base;
    xs->efd = -1;
    xs->max_running = max_running > 0 ? max_running : EF_EXPORTS_RUNNING_MAX;
    xs->timeout_secs = timeout_secs;
    pthread_mutex_init(&xs->mu, NULL);
    pthread_cond_init(&xs->room, NULL);
    if ((xs->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    xs->wake = event_new(base, xs->efd, EV_READ | EV_PERSIST, on_wake, xs);
    if (xs->wake == NULL || event_add(xs->wake, NULL) != 0) {
        snprintf(err, errlen, "cannot watch the export eventfd");
        goto fail;
    }
    return xs;
fail:
    ef_export_streams_free(xs);
    return NULL;
}

void ef_export_streams_free(struct ef_export_streams *xs)
{
    struct xport *x, *next;

    if (xs == NULL)
        return;
    for (x = xs->list; x != NULL; x = next) {
        next = x->next;
        cancel(x);
        pthread_join(x->thread, NULL);
        if (x->evcon != NULL)
            evhttp_connection_set_closecb(x->evcon, NULL, NULL);
        free_chunks(x->head);
        free(x);
    }
    if (xs->wake != NULL)
        event_free(xs->wake);
    if (xs->efd >= 0)
        close(xs->efd);
    pthread_mutex_destroy(&xs->mu);
    pthread_cond_destroy(&xs->room);
    free(xs->database);
    free(xs);
}
