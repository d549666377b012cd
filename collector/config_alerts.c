/* SPDX-License-Identifier: EUPL-1.2 */
/* collector.yml's alerts: section (docs/alerts.md): the webhook, the SMTP relay, what is
 * alerted on, the digest and the retries. Read strictly (unknown keys, wrong types and values
 * out of bounds are errors naming the line) and written back by init only when enabled. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_yaml.h"
#include "efterlev/report.h"
#include "efterlev/util.h"

#define DIGEST_MAX_SECS (24 * 3600)

void cfg_alerts_defaults(struct ef_alert_config *a)
{
    memset(a, 0, sizeof(*a));
    a->severities = (1u << EF_SEV_HIGH) | (1u << EF_SEV_CRITICAL);
    a->digest_max_items = EF_ALERT_DIGEST_ITEMS_DEFAULT;
    a->check_interval = EF_ALERT_CHECK_DEFAULT;
    a->retry_initial = EF_ALERT_RETRY_INITIAL_DEFAULT;
    a->retry_max = EF_ALERT_RETRY_MAX_DEFAULT;
    a->retry_attempts = EF_ALERT_RETRY_ATTEMPTS_DEFAULT;
}

/* "90", "90s", "15m", "1h": seconds from min to max. */
static int duration(struct cfg_ctx *x, const yaml_node_t *n, const char *key, long min, long max,
                    int *out)
{
    char text[24], *end;
    long v, unit = 1;

    if (cfg_scalar(x, n, key, text, sizeof(text)) != 0)
        return -1;
    errno = 0;
    v = strtol(text, &end, 10);
    if (end != text && *end != '\0' && end[1] == '\0')
        unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 0;
    else if (*end != '\0')
        unit = 0;
    if (errno != 0 || end == text || text[0] == '-' || unit == 0 || v > max / unit ||
        v * unit < min || v * unit > max)
        return cfg_bad(x, n,
                       "%s must be a duration from %lds to %lds (\"90s\", \"15m\", \"1h\"), "
                       "not %s",
                       key, min, max, text);
    *out = (int)(v * unit);
    return 0;
}

static int boolean(struct cfg_ctx *x, const yaml_node_t *n, const char *key, int *out)
{
    char text[8];

    if (cfg_scalar(x, n, key, text, sizeof(text)) != 0)
        return -1;
    if (strcmp(text, "true") == 0)
        *out = 1;
    else if (strcmp(text, "false") == 0)
        *out = 0;
    else
        return cfg_bad(x, n, "%s must be true or false, not %s", key, text);
    return 0;
}

/* An address of the envelope and the headers: local@domain in printable ASCII without
 * spaces, angle brackets, quotes, commas or semicolons, so it can never break a header or
 * an SMTP command. */
static int address(struct cfg_ctx *x, const yaml_node_t *n, const char *key, char *out,
                   size_t outlen)
{
    const char *at;

    if (cfg_scalar(x, n, key, out, outlen) != 0)
        return -1;
    for (const char *p = out; *p != '\0'; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("<>\"(),;:\\[]", *p) != NULL)
            return cfg_bad(x, n, "%s: \"%s\" is not an e-mail address (local@domain)", key, out);
    at = strchr(out, '@');
    if (at == NULL || at == out || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return cfg_bad(x, n, "%s: \"%s\" is not an e-mail address (local@domain)", key, out);
    return 0;
}

static int url(struct cfg_ctx *x, const yaml_node_t *n, const char *key, const char *const *schemes,
               char *out, size_t outlen)
{
    if (cfg_scalar(x, n, key, out, outlen) != 0)
        return -1;
    for (const char *p = out; *p != '\0'; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return cfg_bad(x, n, "%s must be a URL without spaces or control characters", key);
    for (size_t i = 0; schemes[i] != NULL; i++)
        if (strncmp(out, schemes[i], strlen(schemes[i])) == 0 && out[strlen(schemes[i])] != '\0')
            return 0;
    return cfg_bad(x, n, "%s must begin with %s%s%s", key, schemes[0],
                   schemes[1] != NULL ? " or " : "", schemes[1] != NULL ? schemes[1] : "");
}

typedef int (*pair_fn)(struct cfg_ctx *x, const char *key, const yaml_node_t *k,
                       const yaml_node_t *v, struct ef_alert_config *a);

static int each_pair(struct cfg_ctx *x, const yaml_node_t *map, const char *name, pair_fn fn,
                     struct ef_alert_config *a)
{
    if (map->type != YAML_MAPPING_NODE)
        return cfg_bad(x, map, "%s must be a mapping", name);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, p->value);

        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
            return cfg_bad(x, map, "%s: keys must be strings", name);
        if (fn(x, (const char *)k->data.scalar.value, k, v, a) != 0)
            return -1;
    }
    return 0;
}

static int webhook_pair(struct cfg_ctx *x, const char *key, const yaml_node_t *k,
                        const yaml_node_t *v, struct ef_alert_config *a)
{
    static const char *const https[] = {"https://", NULL};

    if (strcmp(key, "url") == 0)
        return url(x, v, "alerts.webhook.url", https, a->webhook_url, sizeof(a->webhook_url));
    if (strcmp(key, "secret_file") == 0)
        return cfg_path(x, v, "alerts.webhook.secret_file", "", a->webhook_secret_file,
                        sizeof(a->webhook_secret_file));
    if (strcmp(key, "ca_file") == 0)
        return cfg_path(x, v, "alerts.webhook.ca_file", "", a->webhook_ca_file,
                        sizeof(a->webhook_ca_file));
    if (strcmp(key, "secret") == 0)
        return cfg_bad(x, k, "%s",
                       "alerts.webhook.secret: the secret goes in a file of its own "
                       "(secret_file), never in collector.yml");
    return cfg_bad(x, k, "unknown key \"alerts.webhook.%s\"", key);
}

static int smtp_pair(struct cfg_ctx *x, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                     struct ef_alert_config *a)
{
    static const char *const smtp[] = {"smtp://", "smtps://", NULL};

    if (strcmp(key, "url") == 0)
        return url(x, v, "alerts.smtp.url", smtp, a->smtp_url, sizeof(a->smtp_url));
    if (strcmp(key, "from") == 0)
        return address(x, v, "alerts.smtp.from", a->smtp_from, sizeof(a->smtp_from));
    if (strcmp(key, "to") == 0) {
        if (v->type != YAML_SEQUENCE_NODE ||
            v->data.sequence.items.top == v->data.sequence.items.start)
            return cfg_bad(x, v, "%s", "alerts.smtp.to must be a list of e-mail addresses");
        for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
             i++) {
            yaml_node_t *e = yaml_document_get_node(x->doc, *i);

            if (a->smtp_nto == EF_ALERT_RCPT_MAX)
                return cfg_bad(x, v,
                               "alerts.smtp.to: at most %d addresses (a list address "
                               "reaches more)",
                               EF_ALERT_RCPT_MAX);
            if (e == NULL || address(x, e, "alerts.smtp.to", a->smtp_to[a->smtp_nto],
                                     sizeof(a->smtp_to[0])) != 0)
                return -1;
            a->smtp_nto++;
        }
        return 0;
    }
    if (strcmp(key, "username") == 0)
        return cfg_scalar(x, v, "alerts.smtp.username", a->smtp_username, sizeof(a->smtp_username));
    if (strcmp(key, "password_file") == 0)
        return cfg_path(x, v, "alerts.smtp.password_file", "", a->smtp_password_file,
                        sizeof(a->smtp_password_file));
    if (strcmp(key, "ca_file") == 0)
        return cfg_path(x, v, "alerts.smtp.ca_file", "", a->smtp_ca_file, sizeof(a->smtp_ca_file));
    if (strcmp(key, "password") == 0)
        return cfg_bad(x, k, "%s",
                       "alerts.smtp.password: the password goes in a file of its own "
                       "(password_file), never in collector.yml");
    return cfg_bad(x, k, "unknown key \"alerts.smtp.%s\"", key);
}

static int digest_pair(struct cfg_ctx *x, const char *key, const yaml_node_t *k,
                       const yaml_node_t *v, struct ef_alert_config *a)
{
    if (strcmp(key, "interval") == 0)
        return duration(x, v, "alerts.digest.interval", 1, DIGEST_MAX_SECS, &a->digest_interval);
    if (strcmp(key, "max_items") == 0)
        return cfg_number(x, v, "alerts.digest.max_items", 1, 1000, &a->digest_max_items);
    return cfg_bad(x, k, "unknown key \"alerts.digest.%s\"", key);
}

static int severities(struct cfg_ctx *x, const yaml_node_t *v, struct ef_alert_config *a)
{
    if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
        return cfg_bad(x, v, "%s",
                       "alerts.regression_severities must be a list of severities "
                       "(info, low, medium, high, critical)");
    a->severities = 0;
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
        yaml_node_t *e = yaml_document_get_node(x->doc, *i);
        char name[16];
        ef_severity sev;

        if (e == NULL || cfg_scalar(x, e, "alerts.regression_severities", name, sizeof(name)) != 0)
            return -1;
        if (ef_severity_parse(name, &sev) != 0)
            return cfg_bad(x, e,
                           "alerts.regression_severities: unknown severity \"%s\" (info, "
                           "low, medium, high, critical)",
                           name);
        a->severities |= 1u << sev;
    }
    return 0;
}

static int alerts_pair(struct cfg_ctx *x, const char *key, const yaml_node_t *k,
                       const yaml_node_t *v, struct ef_alert_config *a)
{
    if (strcmp(key, "webhook") == 0)
        return each_pair(x, v, "alerts.webhook", webhook_pair, a);
    if (strcmp(key, "smtp") == 0)
        return each_pair(x, v, "alerts.smtp", smtp_pair, a);
    if (strcmp(key, "digest") == 0)
        return each_pair(x, v, "alerts.digest", digest_pair, a);
    if (strcmp(key, "regression_severities") == 0)
        return severities(x, v, a);
    if (strcmp(key, "department_below") == 0)
        return cfg_number(x, v, "alerts.department_below", 1, 100, &a->department_below);
    if (strcmp(key, "overdue") == 0)
        return boolean(x, v, "alerts.overdue", &a->overdue);
    if (strcmp(key, "check_interval") == 0)
        return duration(x, v, "alerts.check_interval", 1, 3600, &a->check_interval);
    if (strcmp(key, "retry_initial") == 0)
        return duration(x, v, "alerts.retry_initial", 1, 3600, &a->retry_initial);
    if (strcmp(key, "retry_max") == 0)
        return duration(x, v, "alerts.retry_max", 1, DIGEST_MAX_SECS, &a->retry_max);
    if (strcmp(key, "retry_attempts") == 0)
        return cfg_number(x, v, "alerts.retry_attempts", 1, 100, &a->retry_attempts);
    return cfg_bad(x, k, "unknown key \"alerts.%s\"", key);
}

int cfg_alerts_load(struct cfg_ctx *x, const yaml_node_t *map, struct ef_alert_config *a)
{
    if (each_pair(x, map, "alerts", alerts_pair, a) != 0)
        return -1;
    if (a->webhook_url[0] == '\0' && a->webhook_secret_file[0] != '\0')
        return cfg_bad(x, map, "%s", "alerts.webhook.url is missing");
    if (a->webhook_url[0] != '\0' && a->webhook_secret_file[0] == '\0')
        return cfg_bad(x, map, "%s",
                       "alerts.webhook.secret_file is missing: every webhook "
                       "body is signed");
    if ((a->smtp_url[0] != '\0' || a->smtp_from[0] != '\0' || a->smtp_nto > 0) &&
        (a->smtp_url[0] == '\0' || a->smtp_from[0] == '\0' || a->smtp_nto == 0))
        return cfg_bad(x, map, "%s", "alerts.smtp needs url, from and to");
    if ((a->smtp_username[0] == '\0') != (a->smtp_password_file[0] == '\0'))
        return cfg_bad(x, map, "%s", "alerts.smtp.username and password_file go together");
    if (a->webhook_url[0] == '\0' && a->smtp_url[0] == '\0')
        return cfg_bad(x, map, "%s", "alerts needs a channel: webhook, smtp or both");
    if (a->retry_max < a->retry_initial)
        return cfg_bad(x, map, "%s", "alerts.retry_max must not be below alerts.retry_initial");
    a->enabled = 1;
    return 0;
}

static int emit_seconds(yaml_emitter_t *e, const char *key, int secs)
{
    char v[24];

    snprintf(v, sizeof(v), "%ds", secs);
    return cfg_emit_pair(e, key, v, 0);
}

int cfg_alerts_render(yaml_emitter_t *e, const struct ef_alert_config *a)
{
    yaml_event_t ev;
    char v[24];
    int rc = 0;

    if (!a->enabled)
        return 0;
    rc |= cfg_emit_scalar(e, "alerts", 0);
    rc |= cfg_emit_map(e, 1);
    if (a->webhook_url[0] != '\0') {
        rc |= cfg_emit_scalar(e, "webhook", 0);
        rc |= cfg_emit_map(e, 1);
        rc |= cfg_emit_pair(e, "url", a->webhook_url, 1);
        rc |= cfg_emit_pair(e, "secret_file", a->webhook_secret_file, 1);
        if (a->webhook_ca_file[0] != '\0')
            rc |= cfg_emit_pair(e, "ca_file", a->webhook_ca_file, 1);
        rc |= cfg_emit_map(e, 0);
    }
    if (a->smtp_url[0] != '\0') {
        rc |= cfg_emit_scalar(e, "smtp", 0);
        rc |= cfg_emit_map(e, 1);
        rc |= cfg_emit_pair(e, "url", a->smtp_url, 1);
        rc |= cfg_emit_pair(e, "from", a->smtp_from, 1);
        rc |= cfg_emit_scalar(e, "to", 0);
        rc |= cfg_emit(
            e, &ev,
            yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE));
        for (int i = 0; i < a->smtp_nto; i++)
            rc |= cfg_emit_scalar(e, a->smtp_to[i], 1);
        rc |= cfg_emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
        if (a->smtp_username[0] != '\0') {
            rc |= cfg_emit_pair(e, "username", a->smtp_username, 1);
            rc |= cfg_emit_pair(e, "password_file", a->smtp_password_file, 1);
        }
        if (a->smtp_ca_file[0] != '\0')
            rc |= cfg_emit_pair(e, "ca_file", a->smtp_ca_file, 1);
        rc |= cfg_emit_map(e, 0);
    }
    rc |= cfg_emit_scalar(e, "regression_severities", 0);
    rc |= cfg_emit(
        e, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE));
    for (int s = EF_SEV_INFO; s <= EF_SEV_CRITICAL; s++)
        if (a->severities & (1u << s))
            rc |= cfg_emit_scalar(e, ef_severity_name((ef_severity)s), 0);
    rc |= cfg_emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
    if (a->department_below > 0) {
        snprintf(v, sizeof(v), "%d", a->department_below);
        rc |= cfg_emit_pair(e, "department_below", v, 0);
    }
    rc |= cfg_emit_pair(e, "overdue", a->overdue ? "true" : "false", 0);
    if (a->digest_interval > 0) {
        rc |= cfg_emit_scalar(e, "digest", 0);
        rc |= cfg_emit_map(e, 1);
        rc |= emit_seconds(e, "interval", a->digest_interval);
        snprintf(v, sizeof(v), "%d", a->digest_max_items);
        rc |= cfg_emit_pair(e, "max_items", v, 0);
        rc |= cfg_emit_map(e, 0);
    }
    rc |= emit_seconds(e, "check_interval", a->check_interval);
    rc |= emit_seconds(e, "retry_initial", a->retry_initial);
    rc |= emit_seconds(e, "retry_max", a->retry_max);
    snprintf(v, sizeof(v), "%d", a->retry_attempts);
    rc |= cfg_emit_pair(e, "retry_attempts", v, 0);
    rc |= cfg_emit_map(e, 0);
    return rc != 0 ? -1 : 0;
}
