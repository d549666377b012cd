/* SPDX-License-Identifier: EUPL-1.2 */
/* The ingest pipeline (ingest_pipeline.h).
 *
 *   event loop --submit--> check queue --workers: ef_ingest_check--> write queue
 *   write queue --writer: batch_begin, ef_ingest_store/ef_enroll each, batch_commit-->
 *   done queue --eventfd--> event loop answers
 *
 * Group commit: the writer takes every job waiting (up to BATCH_MAX) into one transaction.
 * While it commits (one fsync), the next batch gathers, so the batch grows with the load
 * and no job waits for a timer. Every answer of a batch is released after its commit; when
 * the commit fails, answers that depended on it (200, 201, 202, 409) become 503 and the
 * agent tries again, so nothing is acknowledged that is not durable.
 *
 * One mutex guards all queues; each critical section only links or unlinks jobs. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "efterlev/log.h"
#include "enroll.h"
#include "ingest_pipeline.h"

#define WORKERS_MAX 16
#define BATCH_ATTEMPTS 8 /* runs of a batch that keeps losing deadlocks, then 503 */
#define BATCH_MAX 512
#define QUEUED_BYTES_MAX ((size_t)256 << 20)

struct queue {
    struct ef_job *head, *tail;
};

struct ef_pipeline {
    pthread_mutex_t mu;
    pthread_cond_t work_cv, write_cv;
    struct queue check_q, write_q, done_q;
    size_t pending, pending_bytes, max_queued;
    int checking; /* jobs a worker holds */
    int stopping;
    int efd;
    int nworkers;
    pthread_t workers[WORKERS_MAX];
    pthread_t writer;
    int writer_started;
    struct ef_store *ws; /* the writer's own connection */
    int busy_max_ms;
    EVP_PKEY *export_key;     /* borrowed from the server */
    const char *policy_key;   /* borrowed from the server */
    struct ef_budget *budget; /* the agents' ingest budget, charged by the workers */
};

static void q_push(struct queue *q, struct ef_job *j)
{
    j->next = NULL;
    if (q->tail != NULL)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static struct ef_job *q_pop(struct queue *q)
{
    struct ef_job *j = q->head;

    if (j != NULL) {
        q->head = j->next;
        if (q->head == NULL)
            q->tail = NULL;
        j->next = NULL;
    }
    return j;
}

static double mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Under p->mu: hand finished jobs (a list) to the event loop. */
static void finish_locked(struct ef_pipeline *p, struct ef_job *list)
{
    int was_empty = p->done_q.head == NULL;
    uint64_t one = 1;

    while (list != NULL) {
        struct ef_job *next = list->next;

        q_push(&p->done_q, list);
        list = next;
    }
    if (was_empty && p->done_q.head != NULL && write(p->efd, &one, sizeof(one)) < 0 &&
        errno != EAGAIN)
        ef_error("ingest: cannot wake the event loop: %s", strerror(errno));
}

static void *worker_main(void *arg)
{
    struct ef_pipeline *p = arg;
    struct ef_job *j;
    int go;

    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->check_q.head == NULL && !p->stopping)
            pthread_cond_wait(&p->work_cv, &p->mu);
        j = q_pop(&p->check_q);
        if (j == NULL) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        p->checking++;
        pthread_mutex_unlock(&p->mu);

        go = ef_ingest_check(j);

        pthread_mutex_lock(&p->mu);
        p->checking--;
        if (go) {
            q_push(&p->write_q, j);
            pthread_cond_signal(&p->write_cv);
        } else {
            finish_locked(p, j);
            if (p->stopping)
                pthread_cond_signal(&p->write_cv); /* it may be waiting for the last check */
        }
        pthread_mutex_unlock(&p->mu);
    }
}

static void unavailable(struct ef_job *list, const char *why)
{
    for (struct ef_job *j = list; j != NULL; j = j->next)
        ef_answer_error(&j->ans, 503, "%s; try again shortly", why);
}

static void process(struct ef_store *s, const struct ef_pipeline *p, struct ef_job *j,
                    struct ef_dept_cache *dc)
{
    if (j->kind == EF_JOB_REPORT) {
        ef_ingest_store(s, j, dc);
        return;
    }
    ef_enroll(s, p->export_key, p->policy_key, j->body, j->len, &j->ans);
    if (j->ans.status == 201) {
        const char *id = json_string_value(json_object_get(j->ans.body, "agent_id"));

        if (id != NULL)
            snprintf(j->enrolled, sizeof(j->enrolled), "%s", id);
    }
}

/* Store one batch (a list) in one transaction. */
static int batch_len(const struct ef_job *list)
{
    int n = 0;

    for (; list != NULL; list = list->next)
        n++;
    return n;
}

static void write_batch(struct ef_pipeline *p, struct ef_job *list)
{
    struct ef_store *s = p->ws;
    struct ef_dept_cache dc = {0};
    double until = mono_ms() + p->busy_max_ms;
    struct ef_job *j;
    int rc;

    if (s->ops->batch_begin == NULL) { /* a backend without batching */
        for (j = list; j != NULL; j = j->next)
            process(s, p, j, &dc);
        ef_dept_cache_clear(&dc);
        return;
    }
    for (int attempt = 1;; attempt++) {
        while ((rc = s->ops->batch_begin(s, time(NULL))) == EF_BUSY && mono_ms() < until)
            ef_warn("ingest: database locked by another writer, waiting");
        if (rc != EF_OK) {
            ef_error("ingest: cannot begin a transaction: %s", s->err);
            unavailable(list, rc == EF_BUSY ? "the database is busy" : "cannot store now");
            return;
        }
        for (j = list; j != NULL; j = j->next)
            process(s, p, j, &dc);
        while ((rc = s->ops->batch_commit(s)) == EF_BUSY && mono_ms() < until) {
            struct timespec pause = {0, 10 * 1000 * 1000};

            nanosleep(&pause, NULL);
        }
        /* Another collector's batch and this one deadlocked: this one was rolled back whole;
         * run it again from the start, after a pause that differs from the other's. */
        if (rc != EF_RETRY || attempt == BATCH_ATTEMPTS || mono_ms() >= until)
            break;
        ef_debug("ingest: batch of %d lost a deadlock; running it again", batch_len(list));
        for (j = list; j != NULL; j = j->next) {
            ef_answer_clear(&j->ans);
            j->enrolled[0] = '\0';
        }
        ef_dept_cache_clear(&dc);
        struct timespec pause = {0, (long)(1 + attempt) * 1000000L + (long)(random() % 5000000)};

        nanosleep(&pause, NULL);
    }
    ef_dept_cache_clear(&dc);
    if (rc == EF_BUSY)
        s->ops->batch_rollback(s);
    if (rc != EF_OK) {
        ef_error("ingest: commit failed: %s", s->err);
        /* Only answers that do not depend on the lost transaction stand. */
        for (j = list; j != NULL; j = j->next) {
            int st = j->ans.status;

            if (rc == EF_RETRY || st == 200 || st == 201 || st == 202 || st == 409 || st == 0)
                ef_answer_error(&j->ans, 503, "cannot store now; try again shortly");
        }
    }
}

static void *writer_main(void *arg)
{
    struct ef_pipeline *p = arg;
    struct ef_job *list, *tail, *j;
    int n;

    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->write_q.head == NULL &&
               !(p->stopping && p->check_q.head == NULL && p->checking == 0))
            pthread_cond_wait(&p->write_cv, &p->mu);
        if (p->write_q.head == NULL) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        list = tail = NULL;
        for (n = 0; n < BATCH_MAX && (j = q_pop(&p->write_q)) != NULL; n++) {
            if (tail != NULL)
                tail->next = j;
            else
                list = j;
            tail = j;
        }
        pthread_mutex_unlock(&p->mu);

        write_batch(p, list);

        pthread_mutex_lock(&p->mu);
        finish_locked(p, list);
        pthread_mutex_unlock(&p->mu);
    }
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (int)n;
}

struct ef_pipeline *ef_pipeline_start(const struct ef_pipeline_opts *o, char *err, size_t errlen)
{
    struct ef_pipeline *p = calloc(1, sizeof(*p));
    int i;

    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->write_cv, NULL);
    p->efd = -1;
    p->max_queued = o->max_queued > 0 ? o->max_queued : 4096;
    p->busy_max_ms = o->busy_max_ms > 0 ? o->busy_max_ms : 10000;
    p->export_key = o->export_key;
    p->policy_key = o->policy_key;
    p->nworkers = o->workers > 0 ? (o->workers > WORKERS_MAX ? WORKERS_MAX : o->workers) : cores();
    p->budget = ef_budget_new(o->agent_reports_per_hour > 0 ? o->agent_reports_per_hour
                                                            : EF_AGENT_REPORTS_PER_HOUR_DEFAULT,
                              o->agent_bytes_per_day > 0 ? o->agent_bytes_per_day
                                                         : EF_AGENT_BYTES_PER_DAY_DEFAULT,
                              EF_BUDGET_AGENTS_MAX);
    if (p->budget == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if ((p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    if ((p->ws = ef_store_open(o->database, 0, err, errlen)) == NULL)
        goto fail;
    p->ws->alert_severities = o->alert_severities;
    p->ws->alert_channels = o->alert_channels;
    /* Sets the window report_store and batch_begin sweep with. */
    if (p->ws->ops->sweep(p->ws, time(NULL), o->stale_days) != EF_OK) {
        snprintf(err, errlen, "sweep: %s", p->ws->err);
        goto fail;
    }
    if (pthread_create(&p->writer, NULL, writer_main, p) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        goto fail;
    }
    p->writer_started = 1;
    for (i = 0; i < p->nworkers; i++)
        if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) {
            p->nworkers = i;
            snprintf(err, errlen, "cannot start worker threads");
            ef_pipeline_stop(p);
            return NULL;
        }
    return p;
fail:
    if (p->ws != NULL)
        ef_store_close(p->ws);
    if (p->efd >= 0)
        close(p->efd);
    ef_budget_free(p->budget);
    free(p);
    return NULL;
}

int ef_pipeline_submit(struct ef_pipeline *p, struct ef_job *j)
{
    int rc = -1;

    pthread_mutex_lock(&p->mu);
    if (!p->stopping && p->pending < p->max_queued &&
        p->pending_bytes + j->len <= QUEUED_BYTES_MAX) {
        p->pending++;
        p->pending_bytes += j->len;
        if (j->kind == EF_JOB_REPORT) {
            j->budget = p->budget;
            q_push(&p->check_q, j);
            pthread_cond_signal(&p->work_cv);
        } else {
            q_push(&p->write_q, j);
            pthread_cond_signal(&p->write_cv);
        }
        rc = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int ef_pipeline_fd(const struct ef_pipeline *p)
{
    return p->efd;
}

struct ef_job *ef_pipeline_collect(struct ef_pipeline *p)
{
    struct ef_job *list;
    uint64_t v;

    if (read(p->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        ef_error("ingest: eventfd: %s", strerror(errno));
    pthread_mutex_lock(&p->mu);
    list = p->done_q.head;
    p->done_q.head = p->done_q.tail = NULL;
    for (struct ef_job *j = list; j != NULL; j = j->next) {
        p->pending--;
        p->pending_bytes -= j->len;
    }
    pthread_mutex_unlock(&p->mu);
    return list;
}

size_t ef_pipeline_pending(struct ef_pipeline *p)
{
    size_t n;

    pthread_mutex_lock(&p->mu);
    n = p->pending;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void ef_pipeline_stop(struct ef_pipeline *p)
{
    struct ef_job *j;
    int i;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_cond_broadcast(&p->write_cv);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i], NULL);
    if (p->writer_started)
        pthread_join(p->writer, NULL);
    while ((j = q_pop(&p->done_q)) != NULL)
        ef_job_free(j);
    ef_store_close(p->ws);
    close(p->efd);
    ef_budget_free(p->budget);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->write_cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
