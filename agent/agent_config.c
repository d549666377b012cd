/* SPDX-License-Identifier: EUPL-1.2 */
/* agent.yml: a flat YAML mapping, parsed strictly with libyaml's document API. */
#include "agent_config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "efterlev/util.h"

#define CONFIG_FILE_MAX (64 * 1024)

void agent_config_defaults(struct agent_config *c)
{
    memset(c, 0, sizeof(*c));
    c->spool_max_reports = 1000;
    c->spool_max_bytes = 256LL * 1024 * 1024;
    c->timeout_s = 30;
    c->retry_attempts = 3;
    c->retry_base_ms = 2000;
}

void agent_config_free(struct agent_config *c)
{
    for (int i = 0; i < c->npolicies; i++)
        free(c->policies[i]);
    c->npolicies = 0;
}

static int set_string(char *dst, size_t cap, const char *v, const char *path, size_t line,
                      const char *key, char *err, size_t errlen)
{
    if (strlcpy(dst, v, cap) >= cap) {
        snprintf(err, errlen, "%s:%zu: %s: longer than %zu bytes", path, line, key, cap - 1);
        return -1;
    }
    return 0;
}

static int set_number(long long *dst, long long min, long long max, const char *v, const char *path,
                      size_t line, const char *key, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
        snprintf(err, errlen, "%s:%zu: %s: expected a whole number from %lld to %lld", path, line,
                 key, min, max);
        return -1;
    }
    *dst = n;
    return 0;
}

static int load_doc(struct agent_config *c, yaml_document_t *doc, const char *path, char *err,
                    size_t errlen)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root == NULL)
        return 0; /* empty file: defaults */
    if (root->type != YAML_MAPPING_NODE) {
        snprintf(err, errlen, "%s:%zu: expected a mapping of settings", path,
                 root->start_mark.line + 1);
        return -1;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        size_t line = k->start_mark.line + 1;
        if (k->type != YAML_SCALAR_NODE) {
            snprintf(err, errlen, "%s:%zu: keys must be plain words", path, line);
            return -1;
        }
        const char *key = (const char *)k->data.scalar.value;
        if (strcmp(key, "policies") == 0) {
            if (v->type != YAML_SEQUENCE_NODE) {
                snprintf(err, errlen, "%s:%zu: policies: expected a list of paths", path, line);
                return -1;
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(doc, *it);
                if (item->type != YAML_SCALAR_NODE || c->npolicies == EF_CFG_MAX_POLICIES) {
                    snprintf(err, errlen, "%s:%zu: policies: at most %d paths", path,
                             item->start_mark.line + 1, EF_CFG_MAX_POLICIES);
                    return -1;
                }
                c->policies[c->npolicies] = strdup((const char *)item->data.scalar.value);
                if (c->policies[c->npolicies++] == NULL)
                    return -1;
            }
            continue;
        }
        if (v->type != YAML_SCALAR_NODE) {
            snprintf(err, errlen, "%s:%zu: %s: expected a single value", path, line, key);
            return -1;
        }
        const char *val = (const char *)v->data.scalar.value;
        long long n; /* a number is stored only once it parsed: a rejected value changes nothing */
        int rc;
        if (strcmp(key, "collector") == 0)
            rc = set_string(c->collector, sizeof(c->collector), val, path, line, key, err, errlen);
        else if (strcmp(key, "ca") == 0)
            rc = set_string(c->ca, sizeof(c->ca), val, path, line, key, err, errlen);
        else if (strcmp(key, "token") == 0)
            rc = set_string(c->token, sizeof(c->token), val, path, line, key, err, errlen);
        else if (strcmp(key, "hostname") == 0)
            rc = set_string(c->hostname, sizeof(c->hostname), val, path, line, key, err, errlen);
        else if (strcmp(key, "machine_id") == 0)
            rc =
                set_string(c->machine_id, sizeof(c->machine_id), val, path, line, key, err, errlen);
        else if (strcmp(key, "spool_max_reports") == 0) {
            if ((rc = set_number(&n, 1, 1000000, val, path, line, key, err, errlen)) == 0)
                c->spool_max_reports = (long)n;
        } else if (strcmp(key, "spool_max_bytes") == 0) {
            if ((rc = set_number(&n, 1024 * 1024, 1LL << 40, val, path, line, key, err, errlen)) ==
                0)
                c->spool_max_bytes = n;
        } else if (strcmp(key, "timeout") == 0) {
            if ((rc = set_number(&n, 1, 3600, val, path, line, key, err, errlen)) == 0)
                c->timeout_s = (long)n;
        } else if (strcmp(key, "retry_attempts") == 0) {
            if ((rc = set_number(&n, 1, 10, val, path, line, key, err, errlen)) == 0)
                c->retry_attempts = (long)n;
        } else if (strcmp(key, "retry_base_ms") == 0) {
            if ((rc = set_number(&n, 10, 60000, val, path, line, key, err, errlen)) == 0)
                c->retry_base_ms = (long)n;
        } else {
            snprintf(err, errlen,
                     "%s:%zu: unknown setting \"%.64s\" (known: collector, ca, token, hostname, "
                     "machine_id, policies, spool_max_reports, spool_max_bytes, timeout, "
                     "retry_attempts, "
                     "retry_base_ms)",
                     path, line, key);
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int agent_config_load(struct agent_config *c, const char *path, int flags, char *err, size_t errlen)
{
    char *text = NULL, why[PATH_MAX * 2 + 200];
    size_t len = 0;
    int rc = (flags & EF_CFG_TRUSTED)
                 ? ef_read_file_trusted(path, CONFIG_FILE_MAX, &text, &len, why, sizeof(why))
                 : ef_read_file(path, CONFIG_FILE_MAX, &text, &len);
    if (rc == -ENOENT && !(flags & EF_CFG_MUST_EXIST))
        return 0;
    if (rc == -ENOENT) {
        snprintf(err, errlen, "configuration file %s does not exist", path);
        return -1;
    }
    if (rc == -EPERM && (flags & EF_CFG_TRUSTED) && why[0]) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 rc == -EFBIG ? "larger than 64 KiB" : strerror(-rc));
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML syntax error");
        yaml_parser_delete(&parser);
        free(text);
        return -1;
    }
    rc = load_doc(c, &doc, path, err, errlen);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}
