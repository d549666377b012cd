/* SPDX-License-Identifier: EUPL-1.2 */
/* The ingest pipeline of the server: worker threads check signatures and parse reports off
 * the event loop, and one writer thread stores them with group commit (many reports in one
 * transaction, one fsync). Answers come back through a completion queue and an eventfd the
 * event loop watches; a report's answer is released only after the transaction holding it
 * committed. Knows nothing of HTTP or libevent. */
#ifndef EF_COLLECTOR_INGEST_PIPELINE_H
#define EF_COLLECTOR_INGEST_PIPELINE_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest_job.h"

struct ef_pipeline;

struct ef_pipeline_opts {
    const char *database; /* URL; the writer opens its own connection */
    int stale_days;
    int workers;            /* threads for ef_ingest_check; 0: one per core */
    size_t max_queued;      /* jobs inside at once; beyond, ef_pipeline_submit refuses */
    int busy_max_ms;        /* how long a locked database is waited for before 503 */
    EVP_PKEY *export_key;   /* certifies enrolled agents' keys (keycert.h); borrowed */
    const char *policy_key; /* base64 public key that signs served policies; borrowed */
    /* The per-agent ingest budget (budget.h); 0: the defaults (config.h). */
    int agent_reports_per_hour;
    int64_t agent_bytes_per_day;
    /* Pass-to-fail regressions to queue as alerts (store.h's alert_severities and
     * alert_channels; config.h's alerts); 0: none. */
    unsigned alert_severities, alert_channels;
};

/* Start the threads. NULL with err on failure. */
struct ef_pipeline *ef_pipeline_start(const struct ef_pipeline_opts *o, char *err, size_t errlen);

/* Queue a job (the pipeline owns it until it comes back from ef_pipeline_collect). -1 when
 * the pipeline is full or stopping: the caller answers 503 itself and keeps the job. */
int ef_pipeline_submit(struct ef_pipeline *p, struct ef_job *j);

/* The descriptor that becomes readable when finished jobs wait (an eventfd). */
int ef_pipeline_fd(const struct ef_pipeline *p);

/* The finished jobs, oldest first (linked by ->next); the caller frees them. Clears the
 * descriptor's readiness. */
struct ef_job *ef_pipeline_collect(struct ef_pipeline *p);

/* Jobs submitted and not yet collected. */
size_t ef_pipeline_pending(struct ef_pipeline *p);

/* Finish every queued job, stop the threads and free the pipeline; finished jobs not yet
 * collected are freed without being looked at. */
void ef_pipeline_stop(struct ef_pipeline *p);

#endif
