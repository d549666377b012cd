/* SPDX-License-Identifier: EUPL-1.2 */
/* collector.yml: where the collector listens, its database and TLS files, its check catalog. */
#ifndef EF_COLLECTOR_CONFIG_H
#define EF_COLLECTOR_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define EF_COLLECTOR_CONFIG_DEFAULT "/etc/efterlev/collector.yml"
#define EF_COLLECTOR_DIR_DEFAULT "/var/lib/efterlev-collector"
#define EF_LISTEN_DEFAULT "127.0.0.1:8443"
#define EF_STALE_DAYS_DEFAULT 7
#define EF_LISTEN_MAX 128
/* Limits (docs/operations.md, "Limits"). Enrollment: a whole site behind one NAT address
 * enrolling at once (1,000 machines in under two minutes) must pass; the tokens are 256-bit
 * random, so the limit guards the database, not the secret. */
#define EF_ENROLL_PER_MINUTE_DEFAULT 600
#define EF_ENROLL_BURST_DEFAULT 100
#define EF_REQUEST_TIMEOUT_DEFAULT 30 /* seconds for a request's headers and body */
#define EF_MAX_CONNECTIONS_DEFAULT 1000
/* Per client address (an IPv6 /64): beyond it a connection is closed at once, so one client
 * cannot hold every connection. */
#define EF_MAX_CONNECTIONS_PER_ADDRESS_DEFAULT 64
/* Per agent, counted once its signature verified (budget.h). An agent reports every 6 hours;
 * with retries and manual runs 60 an hour leaves it ample room, and a report is at most
 * 1 MiB, so 64 MiB a day is 64 of the largest reports. */
#define EF_AGENT_REPORTS_PER_HOUR_DEFAULT 60
#define EF_AGENT_BYTES_PER_DAY_DEFAULT ((int64_t)64 << 20)
#define EF_AGENT_BYTES_PER_DAY_MAX ((int64_t)1 << 40)

struct ef_coll_config {
    char path[PATH_MAX];          /* the file this was read from */
    char listen[EF_LISTEN_MAX];   /* "ADDR:PORT", "[v6]:PORT" */
    char database[PATH_MAX + 16]; /* "sqlite:/abs/path" or "postgresql://..." */
    char tls_cert[PATH_MAX];
    char tls_key[PATH_MAX];
    char tls_ca[PATH_MAX];
    int stale_days;
    char policies[PATH_MAX]; /* the check catalog (check_catalog.h): a file or folder */
    /* The Windows hosts' check catalog (policies_windows); a path that does not exist means
     * no Windows catalog: Windows hosts' results are then set aside as unassigned. */
    char policies_windows[PATH_MAX];
    /* Limits. */
    int enroll_per_minute; /* per source address */
    int enroll_burst;
    int request_timeout;             /* seconds from connection start or the previous answer */
    int max_connections;             /* beyond it, 503 and close */
    int max_connections_per_address; /* beyond it, closed at once */
    int agent_reports_per_hour;      /* beyond it, 429 */
    int64_t agent_bytes_per_day;     /* beyond it, 429 */
};

/* The config path to use: explicit (--config), else $EFTERLEV_COLLECTOR_CONFIG, else the
 * default. */
const char *ef_coll_config_path(const char *explicit_path);

/* Read and validate path. Unknown keys, wrong types and missing required keys are errors
 * naming the line. Relative paths are resolved against the file's folder. 0 or -1. */
int ef_coll_config_load(const char *path, struct ef_coll_config *c, char *err, size_t errlen);

/* The YAML text of c (every key), for init. Caller frees; NULL on failure. */
char *ef_coll_config_render(const struct ef_coll_config *c, size_t *len);

/* Split "ADDR:PORT" or "[ADDR]:PORT" into addr (without brackets) and port. 0 or -1. */
int ef_listen_parse(const char *s, char *addr, size_t addrlen, unsigned *port);

#endif
