/* SPDX-License-Identifier: EUPL-1.2 */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "efterlev/log.h"
#include "http/server.h"

static const char help[] =
    "Usage: efterlev-collector serve [--config FILE] [--listen ADDR:PORT] [--ready-file FILE]\n"
    "                                [--verbose]\n"
    "\n"
    "Run the HTTPS API until SIGTERM or SIGINT.\n"
    "\n"
    "Options:\n"
    "  --config FILE       configuration (default $EFTERLEV_COLLECTOR_CONFIG, else\n"
    "                      " EF_COLLECTOR_CONFIG_DEFAULT ")\n"
    "  --listen ADDR:PORT  override the configured address; port 0 lets the kernel choose\n"
    "  --ready-file FILE   once listening, write the bound ADDR:PORT to FILE\n"
    "  --verbose           log every request\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector serve --config /srv/efterlev/collector.yml\n"
    "  efterlev-collector serve --listen 0.0.0.0:8443\n";

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"ready-file", required_argument, NULL, 'r'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *listen = NULL, *ready = NULL;
    struct ef_coll_config cfg;
    struct ef_store *store;
    int c, rc;

    while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'r':
            ready = optarg;
            break;
        case 'v':
            ef_log_set_verbose(1);
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("serve");
        }
    }
    if (optind != argc) {
        ef_error("unexpected argument \"%s\"", argv[optind]);
        return ef_usage_hint("serve");
    }
    if (listen != NULL) {
        char addr[EF_LISTEN_MAX];
        unsigned port;

        if (ef_listen_parse(listen, addr, sizeof(addr), &port) != 0) {
            ef_error("--listen must be ADDR:PORT, not \"%s\"", listen);
            return EF_EXIT_USAGE;
        }
    }
    if ((rc = ef_cmd_open(config, &cfg, &store)) != EF_EXIT_OK)
        return rc;
    rc = ef_http_serve(&cfg, listen, ready, store) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
    ef_store_close(store);
    return rc;
}
