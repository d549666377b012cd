/* SPDX-License-Identifier: EUPL-1.2 */
/* Request routing for the collector's HTTP API. */
#ifndef EF_COLLECTOR_ROUTES_H
#define EF_COLLECTOR_ROUTES_H

#include <event2/http.h>
#include <openssl/evp.h>

#include "http/ratelimit.h"
#include "store/store.h"

struct ef_catalog;
struct ef_http_async;

/* ans.status of a handler whose request is answered later (the ingest pipeline). */
#define EF_HTTP_DEFERRED (-1)

struct ef_http_ctx {
    struct ef_store *store;
    int stale_days;
    struct ef_ratelimit enroll_rl;
    const struct ef_catalog *catalog; /* ISO/IEC 27002 catalog, NULL when unreadable */
    char key_path[4200];              /* the export signing key */
    EVP_PKEY *export_key;             /* loaded (or made) at start: certifies agent keys */
    struct ef_http_async *async;      /* server.c: ingest pipeline; NULL: answer in place */
};

/* The evhttp general callback; arg is a struct ef_http_ctx. */
void ef_http_route(struct evhttp_request *req, void *arg);

/* Send an answer (a deferred one too: the security headers, JSON, Retry-After on 503). */
struct ef_answer;
void ef_http_send_answer(struct evhttp_request *req, const char *path, struct ef_answer *ans);

#endif
