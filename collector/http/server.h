/* The HTTPS server: libevent evhttp over OpenSSL bufferevents. */
#ifndef EF_COLLECTOR_SERVER_H
#define EF_COLLECTOR_SERVER_H

#include "config.h"
#include "store/store.h"

/* Serve until SIGTERM or SIGINT. listen overrides cfg->listen when not NULL; ready_file,
 * when not NULL, receives "ADDR:PORT\n" once listening. Returns 0 after a clean stop,
 * -1 when the server could not start (reason logged). */
int ef_http_serve(const struct ef_coll_config *cfg, const char *listen, const char *ready_file,
                  struct ef_store *store);

#endif
