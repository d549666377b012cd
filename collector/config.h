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

/* Alerts (docs/alerts.md): off unless collector.yml has an alerts: mapping naming a channel.
 * Secrets live in files of their own (secret_file, password_file), never in collector.yml,
 * so a copy of the configuration does not carry them. */
#define EF_ALERT_URL_MAX 512
#define EF_ALERT_ADDR_MAX 254 /* an e-mail address (RFC 5321's path limit less the brackets) */
#define EF_ALERT_RCPT_MAX 16
#define EF_ALERT_USER_MAX 128
#define EF_ALERT_CHECK_DEFAULT 60 /* seconds between department and overdue evaluations */
#define EF_ALERT_RETRY_INITIAL_DEFAULT 60
#define EF_ALERT_RETRY_MAX_DEFAULT 3600
#define EF_ALERT_RETRY_ATTEMPTS_DEFAULT 12
#define EF_ALERT_DIGEST_ITEMS_DEFAULT 50
struct ef_alert_config {
    int enabled; /* an alerts: mapping with at least one channel */
    char webhook_url[EF_ALERT_URL_MAX];
    char webhook_secret_file[PATH_MAX];
    char webhook_ca_file[PATH_MAX];
    char smtp_url[EF_ALERT_URL_MAX];
    char smtp_from[EF_ALERT_ADDR_MAX + 1];
    char smtp_to[EF_ALERT_RCPT_MAX][EF_ALERT_ADDR_MAX + 1];
    int smtp_nto;
    char smtp_username[EF_ALERT_USER_MAX];
    char smtp_password_file[PATH_MAX];
    char smtp_ca_file[PATH_MAX];
    unsigned severities;  /* a bit per ef_severity (1u << EF_SEV_HIGH ...) */
    int department_below; /* percent, 1 to 100; 0: off */
    int overdue;          /* alert on deviations whose due date passed */
    int digest_interval;  /* seconds; 0: one message per event */
    int digest_max_items; /* events listed in one digest, the rest counted */
    int check_interval;   /* seconds */
    int retry_initial, retry_max, retry_attempts;
};

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
    struct ef_alert_config alerts;
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
