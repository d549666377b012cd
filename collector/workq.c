/* SPDX-License-Identifier: EUPL-1.2 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workq.h"

#define THREADS_MAX 16
#define WORKER_NICE 10

struct ef_workq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ef_work *todo, **todo_tail, *finished, **finished_tail;
    size_t inside, max_queued;
    int stopping, nthreads, efd;
    pthread_t threads[THREADS_MAX];
};

static void *worker(void *arg)
{
    struct ef_workq *q = arg;
    struct ef_work *w;
    uint64_t one = 1;

    /* Below the event loop in priority (Linux: nice per thread), so a burst of hashing
     * does not take the CPU the loop needs to answer; failure only costs that. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKER_NICE);
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->todo == NULL && !q->stopping)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->todo == NULL)
            break;
        w = q->todo;
        q->todo = w->next;
        if (q->todo == NULL)
            q->todo_tail = &q->todo;
        pthread_mutex_unlock(&q->mu);
        w->run(w);
        w->next = NULL;
        pthread_mutex_lock(&q->mu);
        *q->finished_tail = w;
        q->finished_tail = &w->next;
        /* An eventfd write only fails when the counter would overflow. */
        (void)!write(q->efd, &one, sizeof(one));
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

struct ef_workq *ef_workq_start(int threads, size_t max_queued)
{
    struct ef_workq *q = calloc(1, sizeof(*q));
    int i;

    if (q == NULL)
        return NULL;
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0) {
        free(q);
        return NULL;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->todo_tail = &q->todo;
    q->finished_tail = &q->finished;
    q->max_queued = max_queued;
    if (threads < 1)
        threads = 1;
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    for (i = 0; i < threads; i++) {
        if (pthread_create(&q->threads[i], NULL, worker, q) != 0)
            break;
        q->nthreads++;
    }
    if (q->nthreads == 0) {
        ef_workq_stop(q);
        return NULL;
    }
    return q;
}

int ef_workq_submit(struct ef_workq *q, struct ef_work *w)
{
    pthread_mutex_lock(&q->mu);
    if (q->stopping || q->inside >= q->max_queued) {
        pthread_mutex_unlock(&q->mu);
        return -1;
    }
    w->next = NULL;
    *q->todo_tail = w;
    q->todo_tail = &w->next;
    q->inside++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

int ef_workq_fd(const struct ef_workq *q)
{
    return q->efd;
}

static void collect(struct ef_workq *q, int cancelled)
{
    struct ef_work *w, *next;
    uint64_t n;

    pthread_mutex_lock(&q->mu);
    (void)!read(q->efd, &n, sizeof(n));
    w = q->finished;
    q->finished = NULL;
    q->finished_tail = &q->finished;
    for (next = w; next != NULL; next = next->next)
        q->inside--;
    pthread_mutex_unlock(&q->mu);
    for (; w != NULL; w = next) {
        next = w->next;
        w->cancelled = cancelled;
        w->done(w);
    }
}

void ef_workq_collect(struct ef_workq *q)
{
    collect(q, 0);
}

size_t ef_workq_pending(struct ef_workq *q)
{
    size_t n;

    pthread_mutex_lock(&q->mu);
    n = q->inside;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void ef_workq_stop(struct ef_workq *q)
{
    int i;

    if (q == NULL)
        return;
    pthread_mutex_lock(&q->mu);
    q->stopping = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    collect(q, 1);
    close(q->efd);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}
