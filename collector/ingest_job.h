/* SPDX-License-Identifier: EUPL-1.2 */
/* One request of the ingest pipeline (reports and enrollments), and the two stages a report
 * goes through: ef_ingest_check (no store: signature, parsing, the report's own checks; any
 * thread) and ef_ingest_store (the agent's current state and the write; the writer thread,
 * inside its batch transaction). ef_ingest runs both in a row for one request. */
#ifndef EF_COLLECTOR_INGEST_JOB_H
#define EF_COLLECTOR_INGEST_JOB_H

#include <stddef.h>
#include <time.h>

#include "answer.h"
#include "budget.h"
#include "check_catalog.h"
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "store/store.h"

enum ef_job_kind { EF_JOB_REPORT, EF_JOB_ENROLL };

struct ef_job {
    struct ef_job *next;
    enum ef_job_kind kind;
    void *owner; /* the caller's (the HTTP request); the pipeline never touches it */
    time_t now;  /* when the request arrived */

    /* Input. body is owned (malloc'd) by the job. */
    unsigned char *body;
    size_t len;
    char agent_id[EF_ID_MAX + 1];          /* Efterlev-Agent (reports) */
    char sig_hdr[128];                     /* Efterlev-Signature (reports) */
    unsigned char key[EF_ED25519_PUB_LEN]; /* the key the caller found for agent_id */
    int key_cached;           /* key came from a cache and may be stale: a failed signature is
                                 checked again against the stored key */
    struct ef_budget *budget; /* the agents' ingest budget (budget.h), borrowed; NULL: none */
    const struct ef_check_catalogs *checks; /* what counts (assigned.h), by platform; NULL:
                                               every result as sent (tests of the store) */

    /* ef_ingest_check's findings. */
    unsigned char sig[EF_ED25519_SIG_LEN];
    int verified; /* the signature verifies with key */
    int bad;      /* a 400 from the report's own checks, in err (only if verified) */
    char err[256];
    char sha[65];
    struct ef_report report;

    /* The answer, and what the caller should do with its key cache. */
    struct ef_answer ans;
    int forget_key;               /* the stored key of agent_id differs from key */
    char enrolled[EF_ID_MAX + 1]; /* agent_id (re-)enrolled by this job */
};

/* Departments looked up by the writer during one batch (name and level for answers), and
 * per department and platform what its hosts are counted against: the catalog where site
 * policies add checks (their YAML loaded once per batch) and the served policy's hash. */
#define EF_DEPT_CACHE 32
#define EF_SITE_CACHE 8 /* (department, platform) pairs; more are built per report */
struct ef_site_catalog {
    int64_t department_id;
    char platform[16];
    int sites;                   /* 0: the department has no site policy for the platform */
    struct ef_check_catalog cat; /* when sites: the catalog with the site checks */
    char served[65];             /* the policy document last served ("" none: the catalog) */
};
struct ef_dept_cache {
    size_t n;
    struct ef_department d[EF_DEPT_CACHE];
    size_t nsc;
    struct ef_site_catalog sc[EF_SITE_CACHE];
};
/* Free what the cache holds and empty it (the end of a batch). */
void ef_dept_cache_clear(struct ef_dept_cache *dc);

/* A new job (zeroed, report initialised); NULL when out of memory. */
struct ef_job *ef_job_new(enum ef_job_kind kind);
void ef_job_free(struct ef_job *j);

/* Stage 1, no store. Returns 1 when the job goes on to ef_ingest_store, 0 when j->ans is
 * the final answer (401 bad signature, 429 over the agent's budget, 400 from the report's
 * checks). */
int ef_ingest_check(struct ef_job *j);

/* Stage 2: decide against the agent's current state (including reports stored earlier in
 * the same batch) and store. Sets j->ans. dc may be NULL. */
void ef_ingest_store(struct ef_store *s, struct ef_job *j, struct ef_dept_cache *dc);

#endif
