/* SPDX-License-Identifier: EUPL-1.2 */
/* A small pool of worker threads for CPU-heavy work that must not run on the event loop
 * (password hashing for dashboard logins). The caller embeds a struct ef_work in its own
 * job: run() is called on a worker thread, and the finished work comes back through an
 * eventfd the loop watches (ef_workq_fd, ef_workq_collect), where the caller answers. The
 * queue is bounded: beyond max_queued, submit refuses and the caller answers 503. Knows
 * nothing of HTTP or libevent. */
#ifndef EF_COLLECTOR_WORKQ_H
#define EF_COLLECTOR_WORKQ_H

#include <stddef.h>

struct ef_work {
    struct ef_work *next;
    void (*run)(struct ef_work *w);  /* on a worker thread; must not touch the store */
    void (*done)(struct ef_work *w); /* on the collecting thread; frees the work */
    int cancelled; /* set before done() when the queue is stopping: do not answer */
};

struct ef_workq;

/* Start threads workers. NULL when out of memory or threads cannot start. */
struct ef_workq *ef_workq_start(int threads, size_t max_queued);
/* Queue w; -1 when full or stopping (the caller keeps w). */
int ef_workq_submit(struct ef_workq *q, struct ef_work *w);
/* Readable while finished work waits. */
int ef_workq_fd(const struct ef_workq *q);
/* Call done() of every finished work, oldest first. */
void ef_workq_collect(struct ef_workq *q);
/* Work submitted and not yet collected. */
size_t ef_workq_pending(struct ef_workq *q);
/* Finish queued work, stop the threads, free q; finished work not collected is handed to
 * done() first. */
void ef_workq_stop(struct ef_workq *q);

#endif
