/* Request routing for the collector's HTTP API. */
#ifndef EF_COLLECTOR_ROUTES_H
#define EF_COLLECTOR_ROUTES_H

#include <event2/http.h>

#include "http/ratelimit.h"
#include "store/store.h"

#define EF_ENROLL_PER_MINUTE 10.0
#define EF_ENROLL_BURST 10.0

struct ef_catalog;

struct ef_http_ctx {
    struct ef_store *store;
    int stale_days;
    struct ef_ratelimit enroll_rl;
    const struct ef_catalog *catalog; /* ISO/IEC 27002 catalog, NULL when unreadable */
    char key_path[4200];              /* the export signing key */
};

/* The evhttp general callback; arg is a struct ef_http_ctx. */
void ef_http_route(struct evhttp_request *req, void *arg);

#endif
