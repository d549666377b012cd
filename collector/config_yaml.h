/* SPDX-License-Identifier: EUPL-1.2 */
/* The YAML helpers of collector.yml's reader and writer (config.c), shared with the files
 * that read and write one section each (config_alerts.c). Not for other modules. */
#ifndef EF_COLLECTOR_CONFIG_YAML_H
#define EF_COLLECTOR_CONFIG_YAML_H

#include <stddef.h>
#include <yaml.h>

#include "efterlev/attr.h"

struct cfg_ctx {
    yaml_document_t *doc;
    const char *path;
    const char *dir; /* folder of the config file, for relative paths */
    char *err;
    size_t errlen;
};

/* "PATH:LINE: message" into x->err; returns -1. */
int cfg_bad(struct cfg_ctx *x, const yaml_node_t *n, const char *fmt, ...) EF_PRINTF(3, 4);
/* A non-empty string shorter than outlen. 0 or -1. */
int cfg_scalar(struct cfg_ctx *x, const yaml_node_t *n, const char *key, char *out, size_t outlen);
/* A path, resolved against the file's folder, after prefix ("" or "sqlite:"). 0 or -1. */
int cfg_path(struct cfg_ctx *x, const yaml_node_t *n, const char *key, const char *prefix,
             char *out, size_t outlen);
/* A whole number from min to max. 0 or -1. */
int cfg_number(struct cfg_ctx *x, const yaml_node_t *n, const char *key, long min, long max,
               int *out);

/* The emitter's steps; each 0 or -1. */
int cfg_emit(yaml_emitter_t *e, yaml_event_t *ev, int ok);
int cfg_emit_scalar(yaml_emitter_t *e, const char *s, int quoted);
int cfg_emit_pair(yaml_emitter_t *e, const char *key, const char *value, int quoted);
int cfg_emit_map(yaml_emitter_t *e, int start);

struct ef_alert_config;
/* The alerts section (config_alerts.c): defaults, reading, and writing when enabled. */
void cfg_alerts_defaults(struct ef_alert_config *a);
int cfg_alerts_load(struct cfg_ctx *x, const yaml_node_t *map, struct ef_alert_config *a);
int cfg_alerts_render(yaml_emitter_t *e, const struct ef_alert_config *a);

#endif
