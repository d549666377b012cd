/* SPDX-License-Identifier: EUPL-1.2 */
/* Request routing for the collector's HTTP API. Every route in routes.c's table declares
 * its access rules (does it need an authenticated caller, which roles, must it come from
 * this very origin) and the shared query parameters it takes; the dispatcher enforces the
 * rules and parses the parameters before the handler runs, and hands the handler the
 * caller and the parsed parameters. A handler never checks access itself (the layout of
 * OpenSSH's monitor.c dispatch table). */
#ifndef EF_COLLECTOR_ROUTES_H
#define EF_COLLECTOR_ROUTES_H

#include <event2/http.h>
#include <openssl/evp.h>
#include <time.h>

#include "http/ratelimit.h"
#include "sessions.h"
#include "store/store.h"

struct ef_catalog;
struct ef_check_catalogs;
struct ef_http_async;
struct ef_workq;
struct ef_export_streams;
struct ef_answer;

/* ans.status of a handler whose request is answered later (the ingest pipeline, logins). */
#define EF_HTTP_DEFERRED (-1)

struct ef_http_ctx {
    struct ef_store *store;
    int stale_days;
    struct ef_ratelimit enroll_rl;     /* enrollments per source address */
    struct ef_ratelimit login_rl;      /* dashboard logins per source address */
    struct ef_login_ghosts *ghosts;    /* failed logins of names that are no user */
    const struct ef_catalog *catalog;  /* ISO/IEC 27002 catalog, NULL when unreadable */
    char key_path[4200];               /* the export signing key */
    EVP_PKEY *export_key;              /* loaded (or made) at start: certifies agent keys */
    EVP_PKEY *policy_key;              /* loaded (or made) at start: signs served policies */
    char *policy_key_b64;              /* its public half, as enrollment answers give it */
    struct ef_http_async *async;       /* server.c: ingest pipeline; NULL: answer in place */
    struct ef_workq *workq;            /* password hashing off the loop; NULL: in place */
    struct ef_export_streams *exports; /* exports off the loop (http/export_stream.h) */

    /* collector.yml policies and policies_windows (check_catalog.h): which results count at
     * ingest, by the report's platform. */
    const struct ef_check_catalogs *checks;
};

/* Login attempts per source address: 10 a minute, bursts of 10. Each attempt costs one
 * scrypt derivation, so this also bounds the CPU a single address can spend. */
#define EF_LOGIN_PER_MINUTE 10.0
#define EF_LOGIN_BURST 10.0

/* Access rules of a route (bits). */
#define EF_ACCESS_CALLER 1u   /* an authenticated caller (bearer token or session): 401 */
#define EF_ACCESS_OPTIONAL 2u /* the caller when the request names a live one, else none */
#define EF_ACCESS_SAME_ORIGIN                                                                      \
    4u /* Origin must be this server; a session caller must also                                   \
          send its X-CSRF-Token: 403 */
#define EF_ACCESS_AGENT                                                                            \
    8u /* an enrolled agent, by its signed GET (docs/protocol.md, "Policy"): 400/401/403 */
/* Roles a route admits (bits; 0 with EF_ACCESS_CALLER: every role). */
#define EF_ROLE_COORDINATOR 1u
#define EF_ROLE_AUDITOR 2u
#define EF_ROLE_DEPARTMENT 4u

enum ef_via { EF_VIA_NONE = 0, EF_VIA_TOKEN, EF_VIA_SESSION, EF_VIA_AGENT };

/* Who is calling, as the dispatcher established it. */
struct ef_caller {
    enum ef_via via; /* EF_VIA_NONE: anonymous */
    unsigned role_bit;
    char role[EF_ROLE_MAX + 1];
    char actor[EF_ACTOR_MAX + 1]; /* "token:NAME" or "user:NAME" */
    const char *dept;             /* into role: the department scope, NULL for all */
    struct ef_session sess;       /* via session: the session */
    struct ef_agent agent;        /* via agent: the agent */
};

/* Shared query parameters (bits a route declares it takes). */
#define EF_Q_DEPARTMENT 1u  /* department=NAME; scoped to a department caller's own (403) */
#define EF_Q_HOSTS 2u       /* hosts=all|stale|none */
#define EF_Q_SINCE_UNTIL 4u /* since=, until=: YYYY-MM-DD or RFC 3339 */
#define EF_Q_FORMAT 8u      /* format=csv|json|bundle */
#define EF_Q_DIALECT 16u    /* csv_dialect=rfc4180|excel-sv */
#define EF_Q_NUMBERING 32u  /* numbering=2022|2013 */
#define EF_Q_CONTROL 64u    /* control=8.9 */
#define EF_Q_PERIOD 128u    /* period=2026Q1 (board report) */
#define EF_Q_LANG 256u      /* lang=sv|en */
#define EF_Q_PLATFORM 512u  /* platform=linux|windows */

struct ef_csv_dialect;

/* The parsed parameters; strings point into the request's query (valid while it is
 * handled). Absent: NULL, 0 or "". */
struct ef_query {
    const char *department; /* in NFC (names.h): department_nfc, or the caller's */
    char department_nfc[EF_DEPT_NAME_MAX + 1];
    int hosts;                         /* enum ef_hosts_mode */
    time_t since, until;               /* [since, until): a day-only until counts the whole day */
    char since_day[11], until_day[11]; /* the days of since and until ("YYYY-MM-DD") */
    const char *format;
    const struct ef_csv_dialect *dialect; /* rfc4180 when absent */
    int n2013;                            /* numbering=2013 */
    const char *control;
    const char *period;
    const char *lang;     /* "sv" when absent */
    const char *platform; /* "linux" when absent */
};

/* Parse the query string qs for a route taking the parameters accepts, for caller who
 * (may be NULL: no department scoping). 0, or -1 with ans set (400 naming the parameter
 * and what it accepts; 403 for another department). The same input gives the same answer
 * on every route that takes the parameter. kv holds the decoded pairs; the caller clears
 * it with evhttp_clear_headers also on failure. */
int ef_query_parse(const char *qs, unsigned accepts, const struct ef_caller *who,
                   struct evkeyvalq *kv, struct ef_query *q, struct ef_answer *ans);

typedef void ef_route_fn(struct ef_http_ctx *ctx, struct evhttp_request *req,
                         const struct ef_caller *who, const struct ef_query *q,
                         struct ef_answer *ans);

struct ef_route {
    const char *path; /* ending in '/': a prefix, the rest is an argument */
    enum evhttp_cmd_type method;
    unsigned access; /* EF_ACCESS_* */
    unsigned roles;  /* EF_ROLE_*; 0: any */
    unsigned query;  /* EF_Q_* */
    ef_route_fn *fn;
};

/* The table (for the tests of its rules). */
extern const struct ef_route ef_routes[];
extern const size_t ef_nroutes;

/* The evhttp general callback; arg is a struct ef_http_ctx. */
void ef_http_route(struct evhttp_request *req, void *arg);

/* Send an answer (a deferred one too: the security headers, JSON, Retry-After on 503). */
void ef_http_send_answer(struct evhttp_request *req, const char *path, struct ef_answer *ans);

/* The client's address (text) of req. */
void ef_http_peer(struct evhttp_request *req, char *out, size_t outlen);

#endif
