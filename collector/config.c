/* SPDX-License-Identifier: EUPL-1.2 */
/* collector.yml, read with libyaml's document API (for line numbers in errors) and written
 * with its emitter. */
#include "efterlev/attr.h"
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "check_catalog.h"
#include "config.h"
#include "config_yaml.h"
#include "efterlev/report.h"
#include "efterlev/util.h"

#define CONFIG_FILE_MAX (64 * 1024)

const char *ef_coll_config_path(const char *explicit_path)
{
    const char *env;

    if (explicit_path != NULL)
        return explicit_path;
    env = getenv("EFTERLEV_COLLECTOR_CONFIG");
    if (env != NULL && env[0] != '\0')
        return env;
    return EF_COLLECTOR_CONFIG_DEFAULT;
}

int cfg_bad(struct cfg_ctx *x, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(x->err, x->errlen, "%s:%zu: %s", x->path, n->start_mark.line + 1, msg);
    return -1;
}

int cfg_scalar(struct cfg_ctx *x, const yaml_node_t *n, const char *key, char *out, size_t outlen)
{
    if (n->type != YAML_SCALAR_NODE)
        return cfg_bad(x, n, "%s must be a string", key);
    if (n->data.scalar.length == 0 || n->data.scalar.length >= outlen ||
        memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL)
        return cfg_bad(x, n, "%s is empty or too long", key);
    memcpy(out, n->data.scalar.value, n->data.scalar.length);
    out[n->data.scalar.length] = '\0';
    return 0;
}

int cfg_path(struct cfg_ctx *x, const yaml_node_t *n, const char *key, const char *prefix,
             char *out, size_t outlen)
{
    char raw[PATH_MAX];
    size_t plen = strlen(prefix);
    const char *p = raw;
    int len;

    if (cfg_scalar(x, n, key, raw, sizeof(raw)) != 0)
        return -1;
    if (plen > 0) {
        if (strncmp(raw, prefix, plen) != 0)
            return cfg_bad(x, n, "%s must be sqlite:PATH or a postgresql:// URI", key);
        p = raw + plen;
        if (*p == '\0')
            return cfg_bad(x, n, "%s names no file", key);
    }
    if (p[0] == '/')
        len = snprintf(out, outlen, "%s%s", prefix, p);
    else
        len = snprintf(out, outlen, "%s%s/%s", prefix, x->dir, p);
    if (len < 0 || (size_t)len >= outlen)
        return cfg_bad(x, n, "%s is too long", key);
    return 0;
}

static int load_tls(struct cfg_ctx *x, const yaml_node_t *map, struct ef_coll_config *c)
{
    yaml_node_pair_t *pair;

    if (map->type != YAML_MAPPING_NODE)
        return cfg_bad(x, map, "%s must be a mapping with cert, key and ca", "tls");
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(x->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, pair->value);
        const char *key;

        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
            return cfg_bad(x, map, "%s: keys must be strings", "tls");
        key = (const char *)k->data.scalar.value;
        if (strcmp(key, "cert") == 0) {
            if (cfg_path(x, v, "tls.cert", "", c->tls_cert, sizeof(c->tls_cert)) != 0)
                return -1;
        } else if (strcmp(key, "key") == 0) {
            if (cfg_path(x, v, "tls.key", "", c->tls_key, sizeof(c->tls_key)) != 0)
                return -1;
        } else if (strcmp(key, "ca") == 0) {
            if (cfg_path(x, v, "tls.ca", "", c->tls_ca, sizeof(c->tls_ca)) != 0)
                return -1;
        } else {
            return cfg_bad(x, k, "unknown key \"tls.%s\"", key);
        }
    }
    return 0;
}

/* A whole number from min to max. */
int cfg_number(struct cfg_ctx *x, const yaml_node_t *n, const char *key, long min, long max,
               int *out)
{
    char num[24], *end;
    long v;

    if (cfg_scalar(x, n, key, num, sizeof(num)) != 0)
        return -1;
    errno = 0;
    v = strtol(num, &end, 10);
    if (errno != 0 || *end != '\0' || end == num || v < min || v > max)
        return cfg_bad(x, n, "%s must be a whole number from %ld to %ld, not %s", key, min, max,
                       num);
    *out = (int)v;
    return 0;
}

/* A whole number of bytes from min to max. */
static int bytes_value(struct cfg_ctx *x, const yaml_node_t *n, const char *key, int64_t min,
                       int64_t max, int64_t *out)
{
    char num[24], *end;
    long long v;

    if (cfg_scalar(x, n, key, num, sizeof(num)) != 0)
        return -1;
    errno = 0;
    v = strtoll(num, &end, 10);
    if (errno != 0 || *end != '\0' || end == num || v < min || v > max)
        return cfg_bad(x, n, "%s must be a whole number of bytes from %lld to %lld, not %s", key,
                       (long long)min, (long long)max, num);
    *out = (int64_t)v;
    return 0;
}

static int load_root(struct cfg_ctx *x, const yaml_node_t *root, struct ef_coll_config *c)
{
    yaml_node_pair_t *pair;
    char num[16], *end;
    long days;

    if (root == NULL)
        return snprintf(x->err, x->errlen, "%s: empty configuration", x->path), -1;
    if (root->type != YAML_MAPPING_NODE)
        return cfg_bad(x, root, "%s", "the configuration must be a mapping");
    for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(x->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, pair->value);
        const char *key;

        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
            return cfg_bad(x, root, "%s", "keys must be strings");
        key = (const char *)k->data.scalar.value;
        if (strcmp(key, "listen") == 0) {
            char addr[EF_LISTEN_MAX];
            unsigned port;

            if (cfg_scalar(x, v, key, c->listen, sizeof(c->listen)) != 0)
                return -1;
            if (ef_listen_parse(c->listen, addr, sizeof(addr), &port) != 0)
                return cfg_bad(x, v, "listen must be ADDR:PORT, not \"%s\"", c->listen);
        } else if (strcmp(key, "database") == 0) {
            /* A PostgreSQL URI is taken as written; a sqlite: path is resolved. */
            if (v->type == YAML_SCALAR_NODE &&
                (strncmp((const char *)v->data.scalar.value, "postgresql://", 13) == 0 ||
                 strncmp((const char *)v->data.scalar.value, "postgres://", 11) == 0)) {
                if (cfg_scalar(x, v, key, c->database, sizeof(c->database)) != 0)
                    return -1;
            } else if (cfg_path(x, v, key, "sqlite:", c->database, sizeof(c->database)) != 0) {
                return -1;
            }
        } else if (strcmp(key, "tls") == 0) {
            if (load_tls(x, v, c) != 0)
                return -1;
        } else if (strcmp(key, "policies") == 0) {
            if (cfg_path(x, v, key, "", c->policies, sizeof(c->policies)) != 0)
                return -1;
        } else if (strcmp(key, "policies_windows") == 0) {
            if (cfg_path(x, v, key, "", c->policies_windows, sizeof(c->policies_windows)) != 0)
                return -1;
        } else if (strcmp(key, "alerts") == 0) {
            if (cfg_alerts_load(x, v, &c->alerts) != 0)
                return -1;
        } else if (strcmp(key, "stale_days") == 0) {
            if (cfg_scalar(x, v, key, num, sizeof(num)) != 0)
                return -1;
            errno = 0;
            days = strtol(num, &end, 10);
            if (errno != 0 || *end != '\0' || days < 1 || days > 3650)
                return cfg_bad(x, v, "stale_days must be a number of days from 1 to 3650, not %s",
                               num);
            c->stale_days = (int)days;
        } else if (strcmp(key, "enroll_per_minute") == 0) {
            if (cfg_number(x, v, key, 1, 100000000, &c->enroll_per_minute) != 0)
                return -1;
        } else if (strcmp(key, "enroll_burst") == 0) {
            if (cfg_number(x, v, key, 1, 100000000, &c->enroll_burst) != 0)
                return -1;
        } else if (strcmp(key, "request_timeout") == 0) {
            if (cfg_number(x, v, key, 1, 3600, &c->request_timeout) != 0)
                return -1;
        } else if (strcmp(key, "max_connections") == 0) {
            if (cfg_number(x, v, key, 1, 1000000, &c->max_connections) != 0)
                return -1;
        } else if (strcmp(key, "max_connections_per_address") == 0) {
            if (cfg_number(x, v, key, 1, 1000000, &c->max_connections_per_address) != 0)
                return -1;
        } else if (strcmp(key, "agent_reports_per_hour") == 0) {
            if (cfg_number(x, v, key, 1, 1000000, &c->agent_reports_per_hour) != 0)
                return -1;
        } else if (strcmp(key, "agent_bytes_per_day") == 0) {
            /* At least one report of the largest size, or an agent could be locked out. */
            if (bytes_value(x, v, key, EF_BODY_MAX, EF_AGENT_BYTES_PER_DAY_MAX,
                            &c->agent_bytes_per_day) != 0)
                return -1;
        } else {
            return cfg_bad(x, k, "unknown key \"%s\"", key);
        }
    }
    if (c->database[0] == '\0')
        return cfg_bad(x, root, "%s", "database is missing");
    if (c->tls_cert[0] == '\0' || c->tls_key[0] == '\0')
        return cfg_bad(x, root, "%s", "tls.cert and tls.key are required");
    return 0;
}

int ef_coll_config_load(const char *path, struct ef_coll_config *c, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    char *text = NULL, real[PATH_MAX], dirbuf[PATH_MAX];
    size_t len;
    struct cfg_ctx x;
    int rc;

    memset(c, 0, sizeof(*c));
    snprintf(c->listen, sizeof(c->listen), "%s", EF_LISTEN_DEFAULT);
    c->stale_days = EF_STALE_DAYS_DEFAULT;
    snprintf(c->policies, sizeof(c->policies), "%s", ef_check_catalog_default_path());
    snprintf(c->policies_windows, sizeof(c->policies_windows), "%s",
             ef_check_catalog_windows_default_path());
    c->enroll_per_minute = EF_ENROLL_PER_MINUTE_DEFAULT;
    c->enroll_burst = EF_ENROLL_BURST_DEFAULT;
    c->request_timeout = EF_REQUEST_TIMEOUT_DEFAULT;
    c->max_connections = EF_MAX_CONNECTIONS_DEFAULT;
    c->max_connections_per_address = EF_MAX_CONNECTIONS_PER_ADDRESS_DEFAULT;
    c->agent_reports_per_hour = EF_AGENT_REPORTS_PER_HOUR_DEFAULT;
    c->agent_bytes_per_day = EF_AGENT_BYTES_PER_DAY_DEFAULT;
    cfg_alerts_defaults(&c->alerts);
    if (strlen(path) >= sizeof(c->path)) {
        snprintf(err, errlen, "config path too long");
        return -1;
    }
    snprintf(c->path, sizeof(c->path), "%s", path);

    rc = ef_read_file(path, CONFIG_FILE_MAX, &text, &len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 rc == -EFBIG ? "file too large" : strerror(-rc));
        return -1;
    }
    if (realpath(path, real) == NULL) {
        snprintf(err, errlen, "cannot resolve %s: %s", path, strerror(errno));
        free(text);
        return -1;
    }
    snprintf(dirbuf, sizeof(dirbuf), "%s", real);
    x = (struct cfg_ctx){
        .doc = &doc, .path = path, .dir = dirname(dirbuf), .err = err, .errlen = errlen};

    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "out of memory");
        free(text);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                 parser.problem != NULL ? parser.problem : "YAML syntax error");
        yaml_parser_delete(&parser);
        free(text);
        return -1;
    }
    rc = load_root(&x, yaml_document_get_root_node(&doc), c);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}

int ef_listen_parse(const char *s, char *addr, size_t addrlen, unsigned *port)
{
    const char *colon, *a = s;
    size_t alen;
    char *end;
    unsigned long p;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (close == NULL || close[1] != ':')
            return -1;
        a = s + 1;
        alen = (size_t)(close - a);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
            return -1;
        alen = (size_t)(colon - s);
    }
    if (alen == 0 || alen >= addrlen || colon[1] == '\0')
        return -1;
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || p > 65535 || colon[1] < '0' || colon[1] > '9')
        return -1;
    memcpy(addr, a, alen);
    addr[alen] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* ---- rendering ---- */

struct outbuf {
    char *data;
    size_t len, cap;
    int failed;
};

static int out_write(void *arg, unsigned char *buf, size_t size)
{
    struct outbuf *o = arg;
    char *n;

    if (o->len + size + 1 > o->cap) {
        size_t cap = (o->len + size + 1) * 2;

        n = realloc(o->data, cap);
        if (n == NULL) {
            o->failed = 1;
            return 0;
        }
        o->data = n;
        o->cap = cap;
    }
    memcpy(o->data + o->len, buf, size);
    o->len += size;
    o->data[o->len] = '\0';
    return 1;
}

int cfg_emit(yaml_emitter_t *e, yaml_event_t *ev, int ok)
{
    if (!ok)
        return -1;
    return yaml_emitter_emit(e, ev) ? 0 : -1;
}

int cfg_emit_scalar(yaml_emitter_t *e, const char *s, int quoted)
{
    yaml_event_t ev;

    return cfg_emit(e, &ev,
                    yaml_scalar_event_initialize(
                        &ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
                        quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE));
}

int cfg_emit_pair(yaml_emitter_t *e, const char *key, const char *value, int quoted)
{
    return cfg_emit_scalar(e, key, 0) != 0 || cfg_emit_scalar(e, value, quoted) != 0 ? -1 : 0;
}

int cfg_emit_map(yaml_emitter_t *e, int start)
{
    yaml_event_t ev;

    if (start)
        return cfg_emit(
            e, &ev,
            yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
    return cfg_emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
}

char *ef_coll_config_render(const struct ef_coll_config *c, size_t *len)
{
    static const char header[] =
        "# efterlev-collector configuration, written by \"efterlev-collector init\".\n"
        "# Relative paths are resolved against this file's folder.\n";
    struct outbuf o = {0};
    yaml_emitter_t e;
    yaml_event_t ev;
    char days[16];
    int rc = 0;

    if (out_write(&o, (unsigned char *)header, sizeof(header) - 1) == 0)
        return NULL;
    if (!yaml_emitter_initialize(&e)) {
        free(o.data);
        return NULL;
    }
    yaml_emitter_set_output(&e, out_write, &o);
    yaml_emitter_set_unicode(&e, 1);
    snprintf(days, sizeof(days), "%d", c->stale_days);
    rc |= cfg_emit(&e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
    rc |= cfg_emit(&e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
    rc |= cfg_emit_map(&e, 1);
    rc |= cfg_emit_pair(&e, "listen", c->listen, 1);
    rc |= cfg_emit_pair(&e, "database", c->database, 1);
    rc |= cfg_emit_scalar(&e, "tls", 0);
    rc |= cfg_emit_map(&e, 1);
    rc |= cfg_emit_pair(&e, "cert", c->tls_cert, 1);
    rc |= cfg_emit_pair(&e, "key", c->tls_key, 1);
    rc |= cfg_emit_pair(&e, "ca", c->tls_ca, 1);
    rc |= cfg_emit_map(&e, 0);
    rc |= cfg_emit_pair(&e, "stale_days", days, 0);
    if (c->policies[0] != '\0')
        rc |= cfg_emit_pair(&e, "policies", c->policies, 1);
    if (c->policies_windows[0] != '\0')
        rc |= cfg_emit_pair(&e, "policies_windows", c->policies_windows, 1);
    /* The limits only when set (0 in a config that was never loaded means the default). */
    {
        static const struct {
            const char *key;
            size_t off;
            int dflt;
        } lim[] = {
            {"enroll_per_minute", offsetof(struct ef_coll_config, enroll_per_minute),
             EF_ENROLL_PER_MINUTE_DEFAULT},
            {"enroll_burst", offsetof(struct ef_coll_config, enroll_burst),
             EF_ENROLL_BURST_DEFAULT},
            {"request_timeout", offsetof(struct ef_coll_config, request_timeout),
             EF_REQUEST_TIMEOUT_DEFAULT},
            {"max_connections", offsetof(struct ef_coll_config, max_connections),
             EF_MAX_CONNECTIONS_DEFAULT},
            {"max_connections_per_address",
             offsetof(struct ef_coll_config, max_connections_per_address),
             EF_MAX_CONNECTIONS_PER_ADDRESS_DEFAULT},
            {"agent_reports_per_hour", offsetof(struct ef_coll_config, agent_reports_per_hour),
             EF_AGENT_REPORTS_PER_HOUR_DEFAULT},
        };
        char val[24];

        for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
            int v = *(const int *)((const char *)c + lim[i].off);

            if (v == 0 || v == lim[i].dflt)
                continue;
            snprintf(val, sizeof(val), "%d", v);
            rc |= cfg_emit_pair(&e, lim[i].key, val, 0);
        }
        if (c->agent_bytes_per_day != 0 &&
            c->agent_bytes_per_day != EF_AGENT_BYTES_PER_DAY_DEFAULT) {
            snprintf(val, sizeof(val), "%lld", (long long)c->agent_bytes_per_day);
            rc |= cfg_emit_pair(&e, "agent_bytes_per_day", val, 0);
        }
    }
    rc |= cfg_alerts_render(&e, &c->alerts);
    rc |= cfg_emit_map(&e, 0);
    rc |= cfg_emit(&e, &ev, yaml_document_end_event_initialize(&ev, 1));
    rc |= cfg_emit(&e, &ev, yaml_stream_end_event_initialize(&ev));
    if (rc == 0 && !yaml_emitter_flush(&e))
        rc = -1;
    yaml_emitter_delete(&e);
    if (rc == 0 && !c->alerts.enabled) {
        static const char off[] =
            "# alerts: off. To be told of regressions, departments below a figure and overdue\n"
            "# actions by webhook and e-mail, see docs/alerts.md (man efterlev-collector):\n"
            "# alerts:\n"
            "#   webhook: {url: \"https://hooks.example/efterlev\", secret_file: webhook.secret}\n"
            "#   smtp: {url: \"smtp://relay.example:587\", from: efterlev@example.se,\n"
            "#          to: [samordnare@example.se]}\n"
            "#   department_below: 80\n"
            "#   overdue: true\n"
            "#   digest: {interval: 15m, max_items: 50}\n";

        if (out_write(&o, (unsigned char *)off, sizeof(off) - 1) == 0)
            rc = -1;
    }
    if (rc != 0 || o.failed) {
        free(o.data);
        return NULL;
    }
    *len = o.len;
    return o.data;
}
