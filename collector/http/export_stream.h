/* SPDX-License-Identifier: EUPL-1.2 */
/* GET /api/v1/export, streamed off the event loop (docs/collector-internals.md, "Exports").
 *
 * Each export runs on a thread of its own with its own store connection and one read
 * snapshot (ef_export, export.h), writing into a bounded queue; the event loop sends the
 * queue's chunks as a chunked HTTP answer, taking the next ones only once the connection has
 * written the last. The thread waits while EF_EXPORT_QUEUE_MAX bytes are made and not yet
 * handed to the connection, so an export holds a few MiB however slow its reader. At most
 * max_running exports run at once; beyond that the answer is 503 with Retry-After.
 *
 * A client that goes away stops its export (the thread's next write fails). An error after
 * the answer's head has left can only cut the connection: the chunked answer then lacks its
 * last chunk (a client sees the transfer fail), and a JSON or bundle export lacks its
 * manifest, so it cannot verify. */
#ifndef EF_COLLECTOR_EXPORT_STREAM_H
#define EF_COLLECTOR_EXPORT_STREAM_H

#include <event2/event.h>
#include <event2/http.h>
#include <stddef.h>

#include "answer.h"
#include "export.h"

/* Bytes an export may have made that its connection has not yet taken. */
#define EF_EXPORT_QUEUE_MAX ((size_t)2 << 20)
/* Exports running at once, by default. */
#define EF_EXPORTS_RUNNING_MAX 2

struct ef_export_streams;

/* The exports of a server on base: database is the store's URL (each export opens its own
 * connection), timeout_secs the connections' request_timeout (the longest a reader may take
 * nothing). NULL with err set. */
struct ef_export_streams *ef_export_streams_new(struct event_base *base, const char *database,
                                                int max_running, int timeout_secs, char *err,
                                                size_t errlen);

/* Start answering req with the export o (its strings are copied). 1 when it runs (ans->status
 * is EF_HTTP_DEFERRED: the answer comes later), 0 with ans set (503: max_running exports run
 * already). Loop thread only. */
int ef_export_stream_start(struct ef_export_streams *xs, struct evhttp_request *req,
                           const struct ef_export_opts *o, struct ef_answer *ans);

/* Exports running (loop thread). */
int ef_export_streams_running(const struct ef_export_streams *xs);

/* Stop every export (their threads end at their next write), wait for the threads, free
 * everything. Before evhttp_free: the connections of exports still running are left to it. */
void ef_export_streams_free(struct ef_export_streams *xs);

#endif
