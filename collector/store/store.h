/* The collector's storage interface. Every backend (SQLite now, PostgreSQL later) fills in
 * a struct ef_store_ops; callers only ever go through s->ops, so the rest of the collector
 * does not know which database it talks to. All functions return EF_STORE_OK, or one of
 * the other EF_STORE_* codes; on EF_STORE_ERR, s->err says what went wrong. */
#ifndef EF_COLLECTOR_STORE_H
#define EF_COLLECTOR_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "efterlev/report.h"
#include "efterlev/sign.h"

#define EF_STORE_OK 0
#define EF_STORE_ERR (-1)
#define EF_STORE_NOTFOUND 1
#define EF_STORE_EXISTS 2 /* unique name taken, or seq no longer greater than stored */

#define EF_DEPT_NAME_MAX 128                /* bytes, UTF-8 */
#define EF_TOKEN_NAME_MAX 128               /* name of an API token */
#define EF_ROLE_MAX (11 + EF_DEPT_NAME_MAX) /* "department:" + name */
#define EF_AGENT_ID_LEN 35                  /* "ag-" + 32 hex digits */

struct ef_department {
    int64_t id;
    char name[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    char token_hash[65]; /* hex SHA-256 of the token's secret part */
    int64_t hosts;       /* enrolled agents (filled by department_list) */
};

struct ef_agent {
    char agent_id[EF_ID_MAX + 1];
    char machine_id[EF_SHORT_MAX + 1];
    int64_t department_id;
    unsigned char public_key[EF_ED25519_PUB_LEN];
    uint64_t last_seq;
    char last_sha256[65]; /* of the last stored report body, "" when none */
};

/* Input of agent_enroll. */
struct ef_enrollment {
    const char *machine_id;
    const char *hostname;
    int64_t department_id;
    const unsigned char *public_key; /* EF_ED25519_PUB_LEN bytes */
    const char *new_agent_id;        /* used only when machine_id is not enrolled yet */
};

/* One accepted report, stored in a single transaction. */
struct ef_report_record {
    const char *agent_id;
    const void *body; /* exact bytes as received and signed */
    size_t body_len;
    const unsigned char *signature; /* EF_ED25519_SIG_LEN bytes */
    const char *sha256;             /* hex SHA-256 of body */
    time_t received_at;
    const struct ef_report *report; /* the parsed body */
};

/* One enrolled agent with the status counts of its latest results. */
struct ef_host_row {
    char agent_id[EF_ID_MAX + 1];
    char hostname[EF_NAME_MAX + 1];
    char department[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    int64_t last_seen; /* unix time of the last stored report, 0 when never */
    uint64_t last_seq;
    int64_t counts[EF_STATUS_COUNT];
    int stale; /* filled by the aggregation, not the store */
};

struct ef_api_token {
    int64_t id;
    char name[EF_TOKEN_NAME_MAX + 1];
    char role[EF_ROLE_MAX + 1];
    char token_hash[65];
};

struct ef_store;

struct ef_store_ops {
    void (*close)(struct ef_store *s);

    /* EF_STORE_EXISTS when the name is taken. */
    int (*department_add)(struct ef_store *s, const char *name, ef_level level,
                          const char *token_hash, int64_t *id);
    int (*department_get)(struct ef_store *s, int64_t id, struct ef_department *out);
    /* All departments ordered by name, with their host counts; caller frees *out. */
    int (*department_list)(struct ef_store *s, struct ef_department **out, size_t *n);

    /* Enrol, or re-enrol the agent already known under e->machine_id: that keeps its
     * agent_id, replaces key, hostname and department, and resets last_seq to 0 when the
     * key changed. *out is the agent as stored afterwards. */
    int (*agent_enroll)(struct ef_store *s, const struct ef_enrollment *e, struct ef_agent *out);
    int (*agent_get)(struct ef_store *s, const char *agent_id, struct ef_agent *out);

    /* Store one report and make its results the agent's latest. EF_STORE_EXISTS when the
     * report's seq is no longer greater than the agent's last_seq (a concurrent upload
     * won). Returns EF_STORE_OK only after the transaction committed. */
    int (*report_store)(struct ef_store *s, const struct ef_report_record *rec);

    /* EF_STORE_EXISTS when the name is taken. */
    int (*token_add)(struct ef_store *s, const char *name, const char *role, const char *token_hash,
                     int64_t *id);
    int (*token_get)(struct ef_store *s, int64_t id, struct ef_api_token *out);

    /* Every agent ordered by department, hostname; caller frees *out. */
    int (*host_rows)(struct ef_store *s, struct ef_host_row **out, size_t *n);
};

struct ef_store {
    const struct ef_store_ops *ops;
    char err[256];
};

/* Open the store named by url ("sqlite:/path/to/efterlev.db"). With create set, the
 * database file may be created; otherwise it must exist. The schema is created or
 * checked. Returns NULL with err filled in. */
struct ef_store *ef_store_open(const char *url, int create, char *err, size_t errlen);

static inline void ef_store_close(struct ef_store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

/* Backends. */
struct ef_store *ef_store_sqlite_open(const char *path, int create, char *err, size_t errlen);

#endif
