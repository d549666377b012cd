/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTPS server: libevent evhttp over OpenSSL bufferevents. */
#ifndef EF_COLLECTOR_SERVER_H
#define EF_COLLECTOR_SERVER_H

#include <event2/http.h>

#include "answer.h"
#include "config.h"
#include "http/routes.h"
#include "store/store.h"

/* Serve until SIGTERM or SIGINT. listen overrides cfg->listen when not NULL; ready_file,
 * when not NULL, receives "ADDR:PORT\n" once listening. Returns 0 after a clean stop,
 * -1 when the server could not start (reason logged). */
int ef_http_serve(const struct ef_coll_config *cfg, const char *listen, const char *ready_file,
                  struct ef_store *store);

/* Hand a report (enroll 0) or an enrollment (enroll 1) to the ingest pipeline. Returns 1
 * when it will be answered later (ans->status is EF_HTTP_DEFERRED), 0 when ans holds the
 * answer now or the caller should handle the request in place (ans->status still 0). */
int ef_http_defer(struct ef_http_ctx *ctx, struct evhttp_request *req, int enroll,
                  const char *agent_hdr, const char *sig_hdr, const unsigned char *body, size_t len,
                  struct ef_answer *ans);

#endif
