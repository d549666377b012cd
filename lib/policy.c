/* SPDX-License-Identifier: EUPL-1.2 */
/* Policy loader: YAML policy files (libyaml document API) compiled into checks, conditions
 * and rules (lib/policy_internal.h). Strict: every problem is reported as "FILE:LINE: what"
 * and nothing of a file that fails is added to the set. */
#include "efterlev/attr.h"
#include "policy_internal.h"

#include "efterlev/array.h"
#include "efterlev/os.h"
#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <yaml.h>

#define POLICY_FILE_MAX (4 * 1024 * 1024)
#define NODE_BUDGET 200000 /* nodes visited per file: bounds alias ("billion laughs") blowup */
#define DEPTH_MAX 16       /* nesting of conditions */
#define STR_MAX 8192       /* any string value */
#define LIST_MAX 256       /* any list value */

#define KIND_BIT(k) (1u << (k))
#define FILE_BIT KIND_BIT(EF_RULE_FILE)
#define CMD_BIT KIND_BIT(EF_RULE_COMMAND)
#define FACT_BIT KIND_BIT(EF_RULE_FACT)
#define SYSCTL_BIT KIND_BIT(EF_RULE_SYSCTL)
#define SERVICE_BIT KIND_BIT(EF_RULE_SERVICE)
#define DIR_BIT KIND_BIT(EF_RULE_DIR)
#define PKG_BIT KIND_BIT(EF_RULE_PACKAGE)
#define REG_BIT KIND_BIT(EF_RULE_REGISTRY)
#define WMI_BIT KIND_BIT(EF_RULE_WMI)
#define REG_KEY_MAX 1024 /* bytes of a registry key path (agent/platform/registry.h) */

const struct ef_param_desc ef_param_descs[EF_P_COUNT] = {
    [EF_P_EXISTS] = {"exists", EF_PT_BOOL, FILE_BIT | DIR_BIT | REG_BIT},
    [EF_P_MODE_MAX] = {"mode_max", EF_PT_MODE, FILE_BIT | DIR_BIT | FACT_BIT},
    [EF_P_OWNER] = {"owner", EF_PT_STR, FILE_BIT | DIR_BIT},
    [EF_P_LINE_MATCHES] = {"line_matches", EF_PT_REGEX, FILE_BIT | DIR_BIT},
    [EF_P_NO_LINE_MATCHES] = {"no_line_matches", EF_PT_REGEX, FILE_BIT | DIR_BIT},
    [EF_P_EXIT_CODE] = {"exit_code", EF_PT_INT, CMD_BIT},
    [EF_P_OUTPUT_MATCHES] = {"output_matches", EF_PT_REGEX, CMD_BIT},
    [EF_P_TIMEOUT_MS] = {"timeout_ms", EF_PT_INT, CMD_BIT},
    [EF_P_EQUALS] = {"equals", EF_PT_STR, FACT_BIT | SYSCTL_BIT | REG_BIT | WMI_BIT},
    [EF_P_MIN] = {"min", EF_PT_INT, FACT_BIT | SYSCTL_BIT | REG_BIT | WMI_BIT},
    [EF_P_MAX] = {"max", EF_PT_INT, FACT_BIT | SYSCTL_BIT | REG_BIT | WMI_BIT},
    [EF_P_MATCHES] = {"matches", EF_PT_REGEX, FACT_BIT | REG_BIT | WMI_BIT},
    [EF_P_ENABLED] = {"enabled", EF_PT_BOOL, SERVICE_BIT},
    [EF_P_ACTIVE] = {"active", EF_PT_BOOL, SERVICE_BIT},
    [EF_P_FILES_MATCHING] = {"files_matching", EF_PT_REGEX, DIR_BIT},
    [EF_P_INSTALLED] = {"installed", EF_PT_BOOL, PKG_BIT},
    [EF_P_MIN_VERSION] = {"min_version", EF_PT_STR, PKG_BIT},
    [EF_P_KEY] = {"key", EF_PT_STR, FILE_BIT | DIR_BIT},
    [EF_P_VALUE] = {"value", EF_PT_STR, FILE_BIT | DIR_BIT | REG_BIT}, /* registry: the name */
    [EF_P_VALUE_MIN] = {"value_min", EF_PT_INT, FILE_BIT | DIR_BIT},
    [EF_P_VALUE_MAX] = {"value_max", EF_PT_INT, FILE_BIT | DIR_BIT},
    [EF_P_MISSING] = {"missing", EF_PT_STR, REG_BIT | WMI_BIT},
    [EF_P_VIEW] = {"view", EF_PT_INT, REG_BIT},
    [EF_P_NAMESPACE] = {"namespace", EF_PT_STR, WMI_BIT},
    [EF_P_WHERE] = {"where", EF_PT_STR, WMI_BIT},
    [EF_P_PROPERTY] = {"property", EF_PT_STR, WMI_BIT},
    [EF_P_ROWS] = {"rows", EF_PT_STR, WMI_BIT},
    [EF_P_CONTAINS] = {"contains", EF_PT_STR, WMI_BIT},
};

struct ef_policy_priv {
    EVP_MD_CTX *md;
};

struct catalog {
    char (*num)[EF_CONTROL_MAX + 1];
    size_t n;
};

/* Loader state for one file. */
struct ld {
    const char *file;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    const struct catalog *cat;
    size_t budget;
};

static const char *cond_names[] = {"all", "any", "none"};
static const char *kind_names[] = {"condition", "file",    "command",  "fact", "sysctl", "service",
                                   "dir",       "package", "registry", "wmi",  "running"};

const char *ef_cond_op_name(ef_cond_op op)
{
    return op <= EF_COND_NONE ? cond_names[op] : "?";
}

EF_PRINTF(3, 4) static int fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(l->err, l->errlen, "%s:%lu: %s", l->file,
             n ? (unsigned long)n->start_mark.line + 1 : 1UL, msg);
    return -1;
}

static int line_of(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

static yaml_node_t *get(struct ld *l, int idx)
{
    return yaml_document_get_node(l->doc, idx);
}

/* Count a visited node; -1 once the file is unreasonably large after alias expansion. */
static int visit(struct ld *l, const yaml_node_t *n)
{
    if (l->budget == 0)
        return fail(l, n, "policy too large (aliases expand to too many nodes)");
    l->budget--;
    return 0;
}

/* The text of a scalar node, or -1 naming what was expected (*out is then NULL). */
static int scalar(struct ld *l, const yaml_node_t *n, const char *what, const char **out)
{
    *out = NULL;
    if (visit(l, n) != 0)
        return -1;
    if (n->type != YAML_SCALAR_NODE)
        return fail(l, n, "%s: wrong type: expected a scalar, got %s", what, type_name(n));
    if (n->data.scalar.length > STR_MAX)
        return fail(l, n, "%s: value too long", what);
    if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
        return fail(l, n, "%s: value contains a NUL byte", what);
    *out = (const char *)n->data.scalar.value;
    return 0;
}

static int string_dup(struct ld *l, const yaml_node_t *n, const char *what, char **out)
{
    const char *s;

    if (scalar(l, n, what, &s) != 0)
        return -1;
    if (*s == '\0')
        return fail(l, n, "%s: must not be empty", what);
    if (!ef_utf8_valid(s, strlen(s)))
        return fail(l, n, "%s: not valid UTF-8", what);
    if ((*out = strdup(s)) == NULL)
        return fail(l, n, "out of memory");
    return 0;
}

/* string_dup for the texts shown in tables and CSV cells (title_sv, summary, summary_sv):
 * one line, no line break. */
static int one_line_dup(struct ld *l, const yaml_node_t *n, const char *what, char **out)
{
    if (string_dup(l, n, what, out) != 0)
        return -1;
    if (strpbrk(*out, "\r\n") != NULL)
        return fail(l, n, "%s: must be one line (no line break)", what);
    return 0;
}

static int string_copy(struct ld *l, const yaml_node_t *n, const char *what, char *out,
                       size_t outlen)
{
    const char *s;

    if (scalar(l, n, what, &s) != 0)
        return -1;
    if (*s == '\0')
        return fail(l, n, "%s: must not be empty", what);
    if (strlcpy(out, s, outlen) >= outlen)
        return fail(l, n, "%s: longer than %zu bytes", what, outlen - 1);
    return 0;
}

static int mapping(struct ld *l, const yaml_node_t *n, const char *what)
{
    if (visit(l, n) != 0)
        return -1;
    if (n->type != YAML_MAPPING_NODE)
        return fail(l, n, "%s: wrong type: expected a mapping, got %s", what, type_name(n));
    return 0;
}

static int sequence(struct ld *l, const yaml_node_t *n, const char *what)
{
    if (visit(l, n) != 0)
        return -1;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(l, n, "%s: wrong type: expected a list, got %s", what, type_name(n));
    if (n->data.sequence.items.top - n->data.sequence.items.start > LIST_MAX)
        return fail(l, n, "%s: more than %d items", what, LIST_MAX);
    return 0;
}

/* The key of a mapping pair as a string; -1 when it is not a scalar. */
static int pair_key(struct ld *l, const yaml_node_pair_t *p, const yaml_node_t **kn,
                    const yaml_node_t **vn, const char **key)
{
    *kn = get(l, p->key);
    *vn = get(l, p->value);
    if (*kn == NULL || *vn == NULL)
        return fail(l, NULL, "malformed mapping");
    return scalar(l, *kn, "key", key);
}

/* Duplicate keys in one mapping are an error (libyaml keeps both). */
static int dup_key(struct ld *l, const yaml_node_t *map, const yaml_node_pair_t *upto,
                   const yaml_node_t *kn, const char *key)
{
    for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < upto; q++) {
        const yaml_node_t *k = get(l, q->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return fail(l, kn, "duplicate key '%s'", key);
    }
    return 0;
}

static int id_valid(const char *s)
{
    /* dotted lower-case: [a-z0-9_]+ (. [a-z0-9_]+)+ */
    size_t seg = 0, dots = 0;

    for (; *s; s++) {
        if (*s == '.') {
            if (seg == 0)
                return 0;
            seg = 0;
            dots++;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_') {
            seg++;
        } else {
            return 0;
        }
    }
    return seg > 0 && dots > 0;
}

static int name_valid(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
              *s == '.'))
            return 0;
    return 1;
}

/* systemd unit and package names: letters, digits and ._-@:+ (no '/', no spaces). */
/* A service name or glob of a running: list: systemd unit names (with .service or .timer,
 * or none) and Windows service key names. */
static int service_glob_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("._-@:*?() ", *s) != NULL))
            return 0;
    return 1;
}

static int unit_name_valid(const char *s)
{
    if (*s == '\0' || *s == '.' || strlen(s) > 255)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && strchr("._-@:+", *s) == NULL)
            return 0;
    return 1;
}

/* ---- parameters ---- */

static void param_free(struct ef_param *p)
{
    for (int i = 0; i < EF_LEVELS; i++) {
        free(p->str[i]);
        pcre2_code_free(p->re[i]);
    }
    memset(p, 0, sizeof(*p));
}

static int parse_octal_mode(const char *s, long long *out)
{
    long long v = 0;

    if (*s == '\0' || strlen(s) > 5)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '7')
            return -1;
        v = v * 8 + (*s - '0');
    }
    if (v > 07777)
        return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, long long *out)
{
    char *end;

    if (*s == '\0')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < -1000000000000LL || v > 1000000000000LL)
        return -1;
    *out = v;
    return 0;
}

/* ---- wmi rules: names and the where-filter ---- */

int ef_wmi_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > EF_WMI_NAME_MAX || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* root, then parts of letters, digits and '_', each after one '\' (or '/', as PowerShell
 * users write it: stored as '\'). */
static int wmi_ns_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > EF_WMI_NS_MAX || strncasecmp(s, "root", 4) != 0)
        return 0;
    for (size_t i = 4; i < n; i++) {
        int sep = s[i] == '\\' || s[i] == '/';
        if (sep && (i + 1 == n || s[i + 1] == '\\' || s[i + 1] == '/'))
            return 0;
        if (!sep && !isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
        if (i == 4 && !sep)
            return 0;
    }
    return 1;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int ef_wmi_where_parse(const char *text, struct ef_wmi_term *out, size_t max, size_t *n, char *err,
                       size_t errlen)
{
    const char *p = skip_ws(text);
    size_t k = 0;

    *n = 0;
    if (*p == '\0') {
        snprintf(err, errlen, "empty (write PROP = VALUE [and PROP = VALUE]...)");
        return -1;
    }
    for (;;) {
        struct ef_wmi_term *t;
        size_t len = 0;
        if (k == max) {
            snprintf(err, errlen, "more than %zu terms", max);
            return -1;
        }
        t = &out[k];
        memset(t, 0, sizeof(*t));
        while (isalnum((unsigned char)p[len]) || p[len] == '_')
            len++;
        if (len == 0 || len > EF_WMI_NAME_MAX) {
            snprintf(err, errlen, "expected a property name at '%.40s'", p);
            return -1;
        }
        memcpy(t->prop, p, len);
        if (!ef_wmi_name_valid(t->prop)) {
            snprintf(err, errlen, "bad property name '%s'", t->prop);
            return -1;
        }
        p = skip_ws(p + len);
        if (*p != '=') {
            snprintf(err, errlen,
                     "expected '=' after %s (equality only: PROP = VALUE [and PROP = VALUE]...)",
                     t->prop);
            return -1;
        }
        p = skip_ws(p + 1);
        if (*p == '\'') {
            size_t o = 0;
            for (p++;; p++) {
                if (*p == '\0') {
                    snprintf(err, errlen, "unterminated string after %s =", t->prop);
                    return -1;
                }
                if (*p == '\'' && p[1] == '\'')
                    p++;
                else if (*p == '\'')
                    break;
                if (o == EF_WMI_VALUE_MAX) {
                    snprintf(err, errlen, "string after %s = longer than %d bytes", t->prop,
                             EF_WMI_VALUE_MAX);
                    return -1;
                }
                t->str[o++] = *p;
            }
            p++;
            t->type = EF_WMI_V_STR;
        } else if (strncasecmp(p, "true", 4) == 0 && !isalnum((unsigned char)p[4])) {
            t->type = EF_WMI_V_BOOL, t->num = 1, p += 4;
        } else if (strncasecmp(p, "false", 5) == 0 && !isalnum((unsigned char)p[5])) {
            t->type = EF_WMI_V_BOOL, t->num = 0, p += 5;
        } else {
            char num[24];
            len = 0;
            if (p[0] == '-')
                len++;
            while (isdigit((unsigned char)p[len]))
                len++;
            if (len == 0 || (p[0] == '-' && len == 1) || len >= sizeof(num) ||
                isalpha((unsigned char)p[len]) || p[len] == '_') {
                snprintf(err, errlen,
                         "the value of %s must be a number, true, false or a 'string' "
                         "(at '%.40s')",
                         t->prop, p);
                return -1;
            }
            memcpy(num, p, len);
            num[len] = '\0';
            if (parse_int(num, &t->num) != 0) {
                snprintf(err, errlen, "number after %s = out of range", t->prop);
                return -1;
            }
            t->type = EF_WMI_V_NUM;
            p += len;
        }
        k++;
        p = skip_ws(p);
        if (*p == '\0')
            break;
        if (strncasecmp(p, "and", 3) != 0 || (p[3] != ' ' && p[3] != '\t')) {
            snprintf(err, errlen, "expected 'and' or the end at '%.40s' (only and, only =)", p);
            return -1;
        }
        p = skip_ws(p + 3);
    }
    *n = k;
    return 0;
}

/* Validate text as the value of parameter id and store it at level lvl. */
static int param_set(struct ld *l, const yaml_node_t *n, ef_param_id id, struct ef_param *p,
                     int lvl, const char *text)
{
    const struct ef_param_desc *d = &ef_param_descs[id];
    long long v = 0;

    switch (d->type) {
    case EF_PT_BOOL:
        if (strcmp(text, "true") == 0)
            v = 1;
        else if (strcmp(text, "false") == 0)
            v = 0;
        else
            return fail(l, n, "%s: wrong type: expected true or false, got '%s'", d->key, text);
        break;
    case EF_PT_INT:
        if (parse_int(text, &v) != 0)
            return fail(l, n, "%s: wrong type: expected an integer, got '%s'", d->key, text);
        if (id == EF_P_EXIT_CODE && (v < 0 || v > 255))
            return fail(l, n, "exit_code: must be 0..255");
        if (id == EF_P_TIMEOUT_MS && (v < 1 || v > 600000))
            return fail(l, n, "timeout_ms: must be 1..600000");
        if (id == EF_P_VIEW && v != 32 && v != 64)
            return fail(l, n, "view: must be 64 (the native registry view) or 32 (WOW6432Node)");
        break;
    case EF_PT_MODE:
        if (parse_octal_mode(text, &v) != 0)
            return fail(l, n, "%s: expected an octal mode like \"0640\", got '%s'", d->key, text);
        break;
    case EF_PT_STR:
        if (id == EF_P_MISSING && strcmp(text, "pass") != 0 && strcmp(text, "fail") != 0 &&
            strcmp(text, "unknown") != 0)
            return fail(l, n, "missing: expected pass, fail or unknown, got '%s'", text);
        if (id == EF_P_ROWS && strcmp(text, "all") != 0 && strcmp(text, "any") != 0)
            return fail(l, n, "rows: expected all or any, got '%s'", text);
        if (id == EF_P_PROPERTY && !ef_wmi_name_valid(text))
            return fail(l, n,
                        "property: bad WMI property name '%s' (a letter or '_', then letters, "
                        "digits or '_')",
                        text);
        if (id == EF_P_NAMESPACE && !wmi_ns_valid(text))
            return fail(l, n,
                        "namespace: '%s' is not a WMI namespace like "
                        "root\\CIMV2\\Security\\MicrosoftTpm (root, then parts of letters, "
                        "digits or '_' separated by one backslash)",
                        text);
        if (id == EF_P_WHERE) {
            struct ef_wmi_term t[EF_WMI_WHERE_MAX];
            size_t nt;
            char why[300];
            if (ef_wmi_where_parse(text, t, EF_WMI_WHERE_MAX, &nt, why, sizeof(why)) != 0)
                return fail(l, n, "where: %s", why);
        }
        break;
    case EF_PT_REGEX: {
        int ec;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
        if (re == NULL) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
                strlcpy((char *)msg, "unknown error", sizeof(msg));
            return fail(l, n, "%s: bad regular expression '%s': %s at offset %zu", d->key, text,
                        (const char *)msg, (size_t)off);
        }
        p->re[lvl] = re;
        break;
    }
    }
    p->num[lvl] = v;
    if ((p->str[lvl] = strdup(text)) == NULL)
        return fail(l, n, "out of memory");
    if (id == EF_P_NAMESPACE)
        for (char *c = p->str[lvl]; *c; c++)
            if (*c == '/')
                *c = '\\';
    return 0;
}

/* A parameter: a scalar, or {basic: v, elevated: v, high: v} where missing levels inherit
 * from the next lower declared one (levels below the lowest declared take that one). */
static int parse_param(struct ld *l, const yaml_node_t *n, ef_param_id id, struct ef_param *p)
{
    const char *key = ef_param_descs[id].key;
    const char *text[EF_LEVELS] = {0};
    const yaml_node_t *where[EF_LEVELS] = {0};

    if (p->set)
        return fail(l, n, "duplicate key '%s'", key);
    p->set = 1;
    if (n->type == YAML_MAPPING_NODE) {
        if (visit(l, n) != 0)
            return -1;
        for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
             pr++) {
            const yaml_node_t *kn, *vn;
            const char *lk;
            ef_level lv;
            if (pair_key(l, pr, &kn, &vn, &lk) != 0)
                return -1;
            if (ef_level_parse(lk, &lv) != 0)
                return fail(l, kn, "%s: unknown level '%s' (expected basic, elevated or high)", key,
                            lk);
            if (text[lv] != NULL)
                return fail(l, kn, "%s: duplicate level '%s'", key, lk);
            if (scalar(l, vn, key, &text[lv]) != 0)
                return -1;
            where[lv] = vn;
        }
        if (!text[1] && !text[2] && !text[3])
            return fail(l, n, "%s: empty per-level mapping", key);
        int lowest = text[1] ? 1 : text[2] ? 2 : 3;
        for (int lv = 1; lv <= 3; lv++) {
            if (text[lv] == NULL) {
                int from = lv < lowest ? lowest : lv - 1;
                text[lv] = text[from];
                where[lv] = where[from];
            }
        }
        for (int lv = 1; lv <= 3; lv++)
            if (param_set(l, where[lv], id, p, lv, text[lv]) != 0)
                return -1;
        return 0;
    }
    const char *s;
    if (scalar(l, n, key, &s) != 0)
        return -1;
    for (int lv = 1; lv <= 3; lv++)
        if (param_set(l, n, id, p, lv, s) != 0)
            return -1;
    return 0;
}

/* A list of strings (a single scalar is a list of one), NULL-terminated. */
static int parse_strlist(struct ld *l, const yaml_node_t *n, const char *what, int allow_scalar,
                         char ***out, size_t *count)
{
    size_t cnt;

    if (*out != NULL)
        return fail(l, n, "duplicate key '%s'", what);
    if (allow_scalar && n->type == YAML_SCALAR_NODE) {
        cnt = 1;
    } else {
        if (sequence(l, n, what) != 0)
            return -1;
        cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        if (cnt == 0)
            return fail(l, n, "%s: must not be an empty list", what);
    }
    char **v = calloc(cnt + 1, sizeof(*v));
    if (v == NULL)
        return fail(l, n, "out of memory");
    *out = v;
    if (count)
        *count = cnt;
    if (n->type == YAML_SCALAR_NODE)
        return string_dup(l, n, what, &v[0]);
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = get(l, n->data.sequence.items.start[i]);
        if (it == NULL)
            return fail(l, n, "malformed list");
        if (string_dup(l, it, what, &v[i]) != 0)
            return -1;
    }
    return 0;
}

static void strlist_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* ---- rules and conditions ---- */

static void rule_free(struct ef_rule *r)
{
    free(r->target);
    strlist_free(r->argv);
    strlist_free(r->list);
    strlist_free(r->keys);
    for (int i = 0; i < EF_P_COUNT; i++)
        param_free(&r->p[i]);
    ef_cond_free(r->cond);
    free(r->tune_name);
}

/* tunable: {name: NAME, param: KEY, min: N, max: N} of rule r (its parameters parsed). */
static int parse_tunable(struct ld *l, const yaml_node_t *n, struct ef_rule *r)
{
    const char *name = NULL, *param = NULL, *mins = NULL, *maxs = NULL;
    long long lo, hi;
    int id;

    if (mapping(l, n, "tunable") != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn, *vn;
        const char *key, **dst;
        if (pair_key(l, p, &kn, &vn, &key) != 0 || dup_key(l, n, p, kn, key) != 0)
            return -1;
        if (strcmp(key, "name") == 0)
            dst = &name;
        else if (strcmp(key, "param") == 0)
            dst = &param;
        else if (strcmp(key, "min") == 0)
            dst = &mins;
        else if (strcmp(key, "max") == 0)
            dst = &maxs;
        else
            return fail(l, kn, "unknown key '%s' in tunable (name, param, min, max)", key);
        if (scalar(l, vn, key, dst) != 0)
            return -1;
    }
    if (name == NULL || param == NULL || mins == NULL || maxs == NULL)
        return fail(l, n, "tunable needs name, param, min and max");
    if (strlen(name) > 64 || !name_valid(name) || strchr(name, '.') != NULL)
        return fail(l, n, "tunable: bad name '%s' (a-z, 0-9, '_', at most 64)", name);
    for (id = 0; id < EF_P_COUNT; id++)
        if (strcmp(param, ef_param_descs[id].key) == 0)
            break;
    if (id == EF_P_COUNT || ef_param_descs[id].type != EF_PT_INT || !r->p[id].set)
        return fail(l, n, "tunable: param '%s' is no integer test of this rule", param);
    if (parse_int(mins, &lo) != 0 || parse_int(maxs, &hi) != 0 || lo > hi)
        return fail(l, n, "tunable: min and max must be integers, min <= max");
    for (int lv = 1; lv <= 3; lv++)
        if (r->p[id].num[lv] < lo || r->p[id].num[lv] > hi)
            return fail(l, n, "tunable: %s's value %lld at %s is outside [%lld, %lld]", param,
                        r->p[id].num[lv], ef_level_name((ef_level)lv), lo, hi);
    if ((r->tune_name = strdup(name)) == NULL)
        return fail(l, n, "out of memory");
    r->tune_param = (ef_param_id)id;
    r->tune_min = lo;
    r->tune_max = hi;
    return 0;
}

void ef_cond_free(struct ef_cond *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nrules; i++)
        rule_free(&c->rules[i]);
    free(c->rules);
    free(c);
}

static int parse_cond_list(struct ld *l, const yaml_node_t *n, ef_cond_op op, int depth,
                           struct ef_cond **out);

static int cond_op_parse(const char *s, ef_cond_op *op)
{
    for (int i = 0; i <= EF_COND_NONE; i++)
        if (strcmp(s, cond_names[i]) == 0) {
            *op = (ef_cond_op)i;
            return 0;
        }
    return -1;
}

static int path_valid(const char *s)
{
    if (s[0] != '/' || strlen(s) >= PATH_MAX / 2)
        return 0;
    /* no ".." component: paths stay under the scan root */
    for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
        if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
            return 0;
    return 1;
}

/* A registry key in a rule: HKLM\... or HKU\... (or the long hive names), no empty part. */
static int reg_key_valid(const char *s)
{
    static const char *const hives[] = {"HKLM\\", "HKEY_LOCAL_MACHINE\\", "HKU\\", "HKEY_USERS\\"};
    size_t n = strlen(s);
    int hive = 0;

    for (size_t i = 0; i < EF_ARRAY_LEN(hives); i++)
        hive |= strncasecmp(s, hives[i], strlen(hives[i])) == 0 && n > strlen(hives[i]);
    return hive && n <= REG_KEY_MAX && s[n - 1] != '\\' && strstr(s, "\\\\") == NULL;
}

static int parse_rule(struct ld *l, const yaml_node_t *n, int depth, struct ef_rule *r)
{
    r->line = line_of(n);
    if (mapping(l, n, "rule") != 0)
        return -1;

    /* A single all/any/none key is a nested condition. */
    if (n->data.mapping.pairs.top - n->data.mapping.pairs.start == 1) {
        const yaml_node_t *kn, *vn;
        const char *key;
        ef_cond_op op;
        if (pair_key(l, n->data.mapping.pairs.start, &kn, &vn, &key) != 0)
            return -1;
        if (cond_op_parse(key, &op) == 0) {
            r->kind = EF_RULE_COND;
            return parse_cond_list(l, vn, op, depth + 1, &r->cond);
        }
    }

    /* Find the kind first so parameter keys can be checked against it. */
    int found = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn, *vn;
        const char *key;
        if (pair_key(l, p, &kn, &vn, &key) != 0 || dup_key(l, n, p, kn, key) != 0)
            return -1;
        ef_rule_kind k = EF_RULE_KIND_COUNT;
        for (int i = EF_RULE_FILE; i < EF_RULE_KIND_COUNT; i++)
            if (strcmp(key, kind_names[i]) == 0)
                k = (ef_rule_kind)i;
        if (k != EF_RULE_KIND_COUNT)
            ;
        else if (strcmp(key, "all") == 0 || strcmp(key, "any") == 0 || strcmp(key, "none") == 0)
            return fail(l, kn, "'%s' must be the only key of its mapping", key);
        else
            continue;
        if (found)
            return fail(l, kn,
                        "a rule has exactly one kind (file, dir, command, fact, sysctl, "
                        "service, package, registry, wmi, running); found '%s' after '%s'",
                        key, kind_names[r->kind]);
        found = 1;
        r->kind = k;
        if (k == EF_RULE_COMMAND) {
            if (parse_strlist(l, vn, "command", 0, &r->argv, NULL) != 0)
                return -1;
            if (r->argv[0][0] == '\0')
                return fail(l, vn, "command: empty program name");
        } else if (k == EF_RULE_RUNNING) {
            /* the site's list of services, one running is enough; an empty list loads and
             * is judged unknown (no site list) */
            if (vn->type == YAML_SEQUENCE_NODE &&
                vn->data.sequence.items.top == vn->data.sequence.items.start) {
                if ((r->list = calloc(1, sizeof(*r->list))) == NULL)
                    return fail(l, vn, "out of memory");
                r->nlist = 0;
            } else if (parse_strlist(l, vn, "running", 0, &r->list, &r->nlist) != 0) {
                return -1;
            }
            for (char **sn = r->list; *sn; sn++)
                if (!service_glob_valid(*sn))
                    return fail(l, vn,
                                "running: bad service name '%s' (letters, digits, . _ - @ : ( ) "
                                "blank and the wildcards * ?, at most 255 bytes)",
                                *sn);
        } else if (k == EF_RULE_REGISTRY) {
            if (parse_strlist(l, vn, "registry", 1, &r->keys, &r->nkeys) != 0)
                return -1;
            for (char **rk = r->keys; *rk; rk++)
                if (!reg_key_valid(*rk))
                    return fail(l, vn,
                                "registry: '%s' is not a key path like "
                                "HKLM\\SOFTWARE\\Policies\\... (HKLM or HKU, no empty part)",
                                *rk);
        } else {
            if (string_dup(l, vn, key, &r->target) != 0)
                return -1;
            if ((k == EF_RULE_FILE || k == EF_RULE_DIR) && !path_valid(r->target))
                return fail(l, vn, "%s: '%s' must be an absolute path without '..'", key,
                            r->target);
            if ((k == EF_RULE_SYSCTL && !name_valid(r->target)) ||
                ((k == EF_RULE_SERVICE || k == EF_RULE_PACKAGE) && !unit_name_valid(r->target)))
                return fail(l, vn, "%s: bad name '%s'", key, r->target);
            if (k == EF_RULE_FACT && !name_valid(r->target))
                return fail(l, vn, "fact: bad fact name '%s'", r->target);
            if (k == EF_RULE_WMI && !ef_wmi_name_valid(r->target))
                return fail(l, vn,
                            "wmi: bad WMI class name '%s' (a letter or '_', then letters, "
                            "digits or '_', at most %d)",
                            r->target, EF_WMI_NAME_MAX);
        }
    }
    if (!found)
        return fail(l, n,
                    "missing rule kind: a rule needs one of file, dir, command, fact, sysctl, "
                    "service, package, registry, wmi, running (or a nested all/any/none)");

    int tests = 0;
    const yaml_node_t *tunable = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn, *vn;
        const char *key;
        if (pair_key(l, p, &kn, &vn, &key) != 0)
            return -1;
        if (strcmp(key, kind_names[r->kind]) == 0)
            continue;
        if (strcmp(key, "tunable") == 0) {
            tunable = vn;
            continue;
        }
        if ((r->kind == EF_RULE_FILE || r->kind == EF_RULE_DIR) && strcmp(key, "group") == 0) {
            if (parse_strlist(l, vn, "group", 1, &r->list, &r->nlist) != 0)
                return -1;
            tests++;
            continue;
        }
        if ((r->kind == EF_RULE_FACT || r->kind == EF_RULE_REGISTRY || r->kind == EF_RULE_WMI) &&
            strcmp(key, "in") == 0) {
            if (parse_strlist(l, vn, "in", 0, &r->list, &r->nlist) != 0)
                return -1;
            tests++;
            continue;
        }
        int id;
        for (id = 0; id < EF_P_COUNT; id++)
            if (strcmp(key, ef_param_descs[id].key) == 0)
                break;
        if (id == EF_P_COUNT || !(ef_param_descs[id].kinds & KIND_BIT(r->kind)))
            return fail(l, kn, "unknown key '%s' in a %s rule", key, kind_names[r->kind]);
        if (parse_param(l, vn, (ef_param_id)id, &r->p[id]) != 0)
            return -1;
        if (id != EF_P_TIMEOUT_MS && id != EF_P_FILES_MATCHING && id != EF_P_KEY &&
            !(r->kind == EF_RULE_REGISTRY &&
              (id == EF_P_VALUE || id == EF_P_MISSING || id == EF_P_VIEW)) &&
            !(r->kind == EF_RULE_WMI &&
              (id == EF_P_NAMESPACE || id == EF_P_WHERE || id == EF_P_PROPERTY || id == EF_P_ROWS ||
               id == EF_P_MISSING)))
            tests++;
    }
    if (tunable != NULL && parse_tunable(l, tunable, r) != 0)
        return -1;
    if (r->kind == EF_RULE_WMI && !r->p[EF_P_PROPERTY].set)
        return fail(l, n, "wmi rule without 'property': name the property to test");
    if (r->kind == EF_RULE_REGISTRY) {
        int named = r->p[EF_P_VALUE].set;
        if (!named && (tests > (r->p[EF_P_EXISTS].set ? 1 : 0) || r->p[EF_P_MISSING].set))
            return fail(l, n,
                        "registry rule without 'value' can only test that the key exists "
                        "(exists: true or false)");
        if (r->p[EF_P_EXISTS].set && r->p[EF_P_MISSING].set)
            return fail(l, n,
                        "registry rule: 'missing' does not go with 'exists' (exists "
                        "already says what absence means)");
        if (named && tests == 0)
            return fail(l, n,
                        "registry rule has nothing to test (add equals, in, min, max, "
                        "matches or exists)");
    }
    if (tests == 0 && r->kind != EF_RULE_RUNNING)
        return fail(l, n, "%s rule has nothing to test (add e.g. %s)", kind_names[r->kind],
                    r->kind == EF_RULE_FILE || r->kind == EF_RULE_DIR
                        ? "exists, mode_max, line_matches or key with value"
                    : r->kind == EF_RULE_COMMAND  ? "exit_code or output_matches"
                    : r->kind == EF_RULE_SERVICE  ? "enabled or active"
                    : r->kind == EF_RULE_PACKAGE  ? "installed or min_version"
                    : r->kind == EF_RULE_REGISTRY ? "value with equals, in, min, max, matches, "
                                                    "or exists"
                    : r->kind == EF_RULE_WMI      ? "equals, in, min, max, matches or contains"
                                                  : "equals, min, max, matches or in");
    return 0;
}

static int parse_cond_list(struct ld *l, const yaml_node_t *n, ef_cond_op op, int depth,
                           struct ef_cond **out)
{
    const char *what = cond_names[op];

    if (depth > DEPTH_MAX)
        return fail(l, n, "conditions nested too deeply");
    if (sequence(l, n, what) != 0)
        return -1;
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        return fail(l, n, "%s: needs at least one rule", what);
    struct ef_cond *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return fail(l, n, "out of memory");
    *out = c;
    c->op = op;
    c->line = line_of(n);
    if ((c->rules = calloc(cnt, sizeof(*c->rules))) == NULL)
        return fail(l, n, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = get(l, n->data.sequence.items.start[i]);
        if (it == NULL)
            return fail(l, n, "malformed list");
        c->nrules++;
        if (parse_rule(l, it, depth, &c->rules[i]) != 0)
            return -1;
    }
    return 0;
}

/* applies_if: a condition mapping ({all: [...]}) or a single rule. */
static int parse_applies_if(struct ld *l, const yaml_node_t *n, struct ef_cond **out)
{
    struct ef_cond *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return fail(l, n, "out of memory");
    *out = c;
    c->op = EF_COND_ALL;
    c->line = line_of(n);
    if ((c->rules = calloc(1, sizeof(*c->rules))) == NULL)
        return fail(l, n, "out of memory");
    c->nrules = 1;
    return parse_rule(l, n, 0, &c->rules[0]);
}

/* ---- checks ---- */

static void check_free(struct ef_check *c)
{
    free(c->title);
    free(c->title_sv);
    free(c->summary);
    free(c->summary_sv);
    free(c->description);
    free(c->rationale);
    free(c->remediation);
    free(c->na_reason);
    strlist_free(c->platforms);
    ef_cond_free(c->applies_if);
    ef_cond_free(c->condition);
    free(c->file);
    memset(c, 0, sizeof(*c));
}

static int catalog_has(const struct catalog *cat, const char *num)
{
    for (size_t i = 0; i < cat->n; i++)
        if (strcmp(cat->num[i], num) == 0)
            return 1;
    return 0;
}

const char *const ef_aspect_letters[EF_ASPECTS] = {"K", "R", "T", "S"};

ef_level ef_check_level(unsigned aspects, const ef_level levels[EF_ASPECTS])
{
    ef_level lv = EF_LEVEL_BASIC;

    for (int k = 0; k < EF_ASPECTS; k++)
        if ((aspects == 0 || (aspects & (1u << k))) && levels[k] > lv)
            lv = levels[k];
    return lv;
}

void ef_levels_fill(ef_level levels[EF_ASPECTS], ef_level level)
{
    for (int k = 0; k < EF_ASPECTS; k++)
        levels[k] = level;
}

ef_level ef_levels_max(const ef_level levels[EF_ASPECTS])
{
    return ef_check_level(0, levels);
}

int ef_aspect_index(const char *letter)
{
    for (int k = 0; k < EF_ASPECTS; k++)
        if (strcmp(letter, ef_aspect_letters[k]) == 0)
            return k;
    return -1;
}

/* aspects: [K, R, T, S], each at most once, at least one. */
static int parse_aspects(struct ld *l, const yaml_node_t *n, struct ef_check *c)
{
    if (sequence(l, n, "aspects") != 0)
        return -1;
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        return fail(l, n, "aspects: needs at least one of K, R, T, S");
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = get(l, n->data.sequence.items.start[i]);
        const char *s;
        unsigned bit = 0;
        if (it == NULL)
            return fail(l, n, "malformed list");
        if (scalar(l, it, "aspects", &s) != 0)
            return -1;
        for (int k = 0; k < EF_ASPECTS; k++)
            if (strcmp(s, ef_aspect_letters[k]) == 0)
                bit = 1u << k;
        if (bit == 0)
            return fail(l, it,
                        "aspects: '%.40s' is not K (konfidentialitet), R (riktighet), "
                        "T (tillgänglighet) or S (spårbarhet)",
                        s);
        if (c->aspects & bit)
            return fail(l, it, "aspects: '%s' listed twice", s);
        c->aspects |= bit;
    }
    return 0;
}

static int parse_controls(struct ld *l, const yaml_node_t *n, struct ef_check *c)
{
    if (sequence(l, n, "controls") != 0)
        return -1;
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        return fail(l, n, "controls: needs at least one ISO/IEC 27002:2022 control");
    if (cnt > EF_CONTROLS_MAX)
        return fail(l, n, "controls: more than %d", EF_CONTROLS_MAX);
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = get(l, n->data.sequence.items.start[i]);
        const char *s;
        if (it == NULL)
            return fail(l, n, "malformed list");
        if (scalar(l, it, "controls", &s) != 0)
            return -1;
        if (strlen(s) > EF_CONTROL_MAX || !ef_control_valid(s))
            return fail(l, it, "controls: '%s' is not an ISO/IEC 27002:2022 control number", s);
        if (l->cat && !catalog_has(l->cat, s))
            return fail(l, it,
                        "controls: unknown control '%s' (not in the ISO/IEC "
                        "27002:2022 catalog)",
                        s);
        for (size_t j = 0; j < c->ncontrols; j++)
            if (strcmp(c->controls[j], s) == 0)
                return fail(l, it, "controls: '%s' listed twice", s);
        strlcpy(c->controls[c->ncontrols++], s, sizeof(c->controls[0]));
    }
    return 0;
}

enum {
    CK_ID = 1 << 0,
    CK_TITLE = 1 << 1,
    CK_DESC = 1 << 2,
    CK_RAT = 1 << 3,
    CK_REM = 1 << 4,
    CK_CTL = 1 << 5,
    CK_SEV = 1 << 6,
    CK_LVL = 1 << 7,
    CK_COND = 1 << 8,
};

static int parse_check(struct ld *l, const yaml_node_t *n, struct ef_check *c)
{
    unsigned seen = 0;

    c->line = line_of(n);
    if ((c->file = strdup(l->file)) == NULL)
        return fail(l, n, "out of memory");
    if (mapping(l, n, "check") != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn, *vn;
        const char *key, *s;
        int rc;
        if (pair_key(l, p, &kn, &vn, &key) != 0 || dup_key(l, n, p, kn, key) != 0)
            return -1;
        if (strcmp(key, "id") == 0) {
            if ((rc = string_copy(l, vn, "id", c->id, sizeof(c->id))) == 0 && !id_valid(c->id))
                return fail(l, vn, "id: '%s' must be dotted lower-case, like acct.uid0_only_root",
                            c->id);
            seen |= CK_ID;
        } else if (strcmp(key, "title") == 0) {
            rc = string_dup(l, vn, key, &c->title);
            seen |= CK_TITLE;
        } else if (strcmp(key, "title_sv") == 0) {
            rc = one_line_dup(l, vn, key, &c->title_sv);
        } else if (strcmp(key, "summary") == 0) {
            rc = one_line_dup(l, vn, key, &c->summary);
        } else if (strcmp(key, "summary_sv") == 0) {
            rc = one_line_dup(l, vn, key, &c->summary_sv);
        } else if (strcmp(key, "description") == 0) {
            rc = string_dup(l, vn, key, &c->description);
            seen |= CK_DESC;
        } else if (strcmp(key, "rationale") == 0) {
            rc = string_dup(l, vn, key, &c->rationale);
            seen |= CK_RAT;
        } else if (strcmp(key, "remediation") == 0) {
            rc = string_dup(l, vn, key, &c->remediation);
            seen |= CK_REM;
        } else if (strcmp(key, "controls") == 0) {
            rc = parse_controls(l, vn, c);
            seen |= CK_CTL;
        } else if (strcmp(key, "aspects") == 0) {
            rc = parse_aspects(l, vn, c);
        } else if (strcmp(key, "severity") == 0) {
            if ((rc = scalar(l, vn, key, &s)) == 0 && ef_severity_parse(s, &c->severity) != 0)
                return fail(l, vn,
                            "severity: unknown severity '%s' (expected info, low, "
                            "medium, high or critical)",
                            s);
            seen |= CK_SEV;
        } else if (strcmp(key, "level") == 0) {
            if ((rc = scalar(l, vn, key, &s)) == 0 && ef_level_parse(s, &c->level) != 0)
                return fail(l, vn,
                            "level: unknown level '%s' (expected basic, elevated or "
                            "high)",
                            s);
            seen |= CK_LVL;
        } else if (strcmp(key, "platforms") == 0) {
            if ((rc = parse_strlist(l, vn, key, 0, &c->platforms, NULL)) == 0)
                for (char **pl = c->platforms; *pl; pl++)
                    if (!name_valid(*pl))
                        return fail(l, vn, "platforms: bad os id '%s'", *pl);
        } else if (strcmp(key, "applies_if") == 0) {
            rc = parse_applies_if(l, vn, &c->applies_if);
        } else if (strcmp(key, "na_reason") == 0) {
            rc = string_dup(l, vn, key, &c->na_reason);
        } else {
            ef_cond_op op;
            if (cond_op_parse(key, &op) != 0)
                return fail(l, kn, "unknown key '%s' in check%s%s", key, c->id[0] ? " " : "",
                            c->id);
            if (seen & CK_COND)
                return fail(l, kn, "a check has exactly one of all, any, none");
            rc = parse_cond_list(l, vn, op, 0, &c->condition);
            seen |= CK_COND;
        }
        if (rc != 0)
            return -1;
    }
    static const struct {
        unsigned bit;
        const char *name;
    } req[] = {{CK_ID, "id"},         {CK_TITLE, "title"},     {CK_DESC, "description"},
               {CK_RAT, "rationale"}, {CK_REM, "remediation"}, {CK_CTL, "controls"},
               {CK_SEV, "severity"},  {CK_LVL, "level"},       {CK_COND, "all, any or none"}};
    for (size_t i = 0; i < EF_ARRAY_LEN(req); i++)
        if (!(seen & req[i].bit))
            return fail(l, n, "check%s%s: missing field '%s'", c->id[0] ? " " : "", c->id,
                        req[i].name);
    if (c->na_reason != NULL && c->applies_if == NULL)
        return fail(l, n, "check %s: na_reason without applies_if", c->id);
    return 0;
}

/* ---- files ---- */

struct file_result {
    char id[EF_ID_MAX + 1];
    char version[EF_SHORT_MAX + 1];
    ef_level classes[EF_CLASSES + 1]; /* the header's classes:, 0 where not stated */
    struct ef_check *checks;
    size_t n;
};

static int id_taken(const struct ef_policy_set *ps, const struct file_result *fr, size_t upto,
                    const char *id)
{
    for (size_t i = 0; i < ps->nchecks; i++)
        if (strcmp(ps->checks[i].id, id) == 0)
            return 1;
    for (size_t i = 0; i < upto; i++)
        if (strcmp(fr->checks[i].id, id) == 0)
            return 1;
    return 0;
}

/* classes: {1: basic, 2: basic, 3: elevated, 4: high}: the protection level each of the
 * four consequence levels (KLASSA's) of an information class requires; all four, each no
 * lower than the one below it. */
static int parse_classes(struct ld *l, const yaml_node_t *n, struct file_result *fr)
{
    if (mapping(l, n, "classes") != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn, *vn;
        const char *key, *s;
        ef_level lv;
        if (pair_key(l, p, &kn, &vn, &key) != 0 || dup_key(l, n, p, kn, key) != 0)
            return -1;
        if (strlen(key) != 1 || key[0] < '1' || key[0] > '0' + EF_CLASSES)
            return fail(l, kn, "classes: '%.40s' is not a consequence level 1, 2, 3 or 4", key);
        if (scalar(l, vn, "classes", &s) != 0)
            return -1;
        if (ef_level_parse(s, &lv) != 0)
            return fail(l, vn, "classes: unknown level '%.40s' (expected basic, elevated or high)",
                        s);
        fr->classes[key[0] - '0'] = lv;
    }
    for (int k = 1; k <= EF_CLASSES; k++) {
        if (fr->classes[k] == 0)
            return fail(l, n, "classes: consequence level %d has no protection level", k);
        if (k > 1 && fr->classes[k] < fr->classes[k - 1])
            return fail(l, n, "classes: level %d requires less than level %d", k, k - 1);
    }
    return 0;
}

static int parse_header(struct ld *l, const yaml_node_t *n, struct file_result *fr)
{
    int have_id = 0, have_version = 0;

    if (mapping(l, n, "policy") != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn, *vn;
        const char *key, *s;
        if (pair_key(l, p, &kn, &vn, &key) != 0 || dup_key(l, n, p, kn, key) != 0)
            return -1;
        if (strcmp(key, "id") == 0) {
            if (string_copy(l, vn, "policy id", fr->id, sizeof(fr->id)) != 0)
                return -1;
            if (!name_valid(fr->id))
                return fail(l, vn,
                            "policy id: '%s' must be lower-case letters, digits, '.', "
                            "'_' or '-'",
                            fr->id);
            have_id = 1;
        } else if (strcmp(key, "version") == 0) {
            if (string_copy(l, vn, "policy version", fr->version, sizeof(fr->version)) != 0)
                return -1;
            have_version = 1;
        } else if (strcmp(key, "title") == 0 || strcmp(key, "description") == 0) {
            if (scalar(l, vn, key, &s) != 0)
                return -1;
        } else if (strcmp(key, "classes") == 0) {
            if (parse_classes(l, vn, fr) != 0)
                return -1;
        } else {
            return fail(l, kn, "unknown key '%s' in policy header", key);
        }
    }
    if (!have_id)
        return fail(l, n, "policy: missing field 'id'");
    if (!have_version)
        return fail(l, n, "policy: missing field 'version'");
    return 0;
}

static int parse_document(struct ld *l, const struct ef_policy_set *ps, struct file_result *fr)
{
    const yaml_node_t *root = yaml_document_get_root_node(l->doc);
    const yaml_node_t *checks = NULL;
    int have_header = 0;

    if (root == NULL)
        return fail(l, NULL, "empty policy");
    if (mapping(l, root, "policy file") != 0)
        return -1;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *kn, *vn;
        const char *key;
        if (pair_key(l, p, &kn, &vn, &key) != 0 || dup_key(l, root, p, kn, key) != 0)
            return -1;
        if (strcmp(key, "policy") == 0) {
            if (parse_header(l, vn, fr) != 0)
                return -1;
            have_header = 1;
        } else if (strcmp(key, "checks") == 0) {
            if (sequence(l, vn, "checks") != 0)
                return -1;
            checks = vn;
        } else {
            return fail(l, kn, "unknown key '%s' at top level (expected policy, checks)", key);
        }
    }
    if (!have_header)
        return fail(l, root, "missing 'policy:' header");
    if (checks == NULL)
        return fail(l, root, "missing 'checks:' list");

    size_t cnt = (size_t)(checks->data.sequence.items.top - checks->data.sequence.items.start);
    if (cnt > 0 && (fr->checks = calloc(cnt, sizeof(*fr->checks))) == NULL)
        return fail(l, checks, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = get(l, checks->data.sequence.items.start[i]);
        if (it == NULL)
            return fail(l, checks, "malformed list");
        fr->n++;
        if (parse_check(l, it, &fr->checks[i]) != 0)
            return -1;
        if (id_taken(ps, fr, i, fr->checks[i].id))
            return fail(l, it, "duplicate check id '%s'", fr->checks[i].id);
    }
    return 0;
}

/* Parse buf as one YAML document into doc; -1 with "file:line: message" on syntax errors. */
static int yaml_load(const char *file, const char *buf, size_t len, yaml_document_t *doc, char *err,
                     size_t errlen)
{
    yaml_parser_t parser;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: out of memory", file);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, doc)) {
        snprintf(err, errlen, "%s:%lu: YAML syntax error: %s%s%s", file,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "unknown problem", parser.context ? " " : "",
                 parser.context ? parser.context : "");
        rc = -1;
    } else {
        /* a second document would be silently ignored: refuse it */
        yaml_document_t extra;
        if (yaml_parser_load(&parser, &extra)) {
            if (yaml_document_get_root_node(&extra) != NULL) {
                snprintf(err, errlen, "%s:%lu: more than one YAML document", file,
                         (unsigned long)yaml_document_get_root_node(&extra)->start_mark.line + 1);
                rc = -1;
            }
            yaml_document_delete(&extra);
        }
        if (rc != 0)
            yaml_document_delete(doc);
    }
    yaml_parser_delete(&parser);
    return rc;
}

static int read_policy_file(const char *path, int trusted_only, char **buf, size_t *len, char *err,
                            size_t errlen)
{
    char why[PATH_MAX * 2 + 200];
    int rc = trusted_only ? ef_read_file_trusted(path, POLICY_FILE_MAX, buf, len, why, sizeof(why))
                          : ef_read_file(path, POLICY_FILE_MAX, buf, len);

    if (rc == -EPERM && trusted_only && why[0]) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, rc == -EFBIG ? "file too large" : strerror(-rc));
        return -1;
    }
    if (!ef_utf8_valid(*buf, *len)) {
        snprintf(err, errlen, "%s:1: not valid UTF-8", path);
        free(*buf);
        *buf = NULL;
        return -1;
    }
    return 0;
}

static int load_catalog(const char *path, struct catalog *cat, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    yaml_document_t doc;
    struct ld l = {.file = path, .doc = &doc, .err = err, .errlen = errlen, .budget = NODE_BUDGET};
    int rc = -1;

    if (read_policy_file(path, 0, &buf, &len, err, errlen) != 0)
        return -1;
    if (yaml_load(path, buf, len, &doc, err, errlen) != 0) {
        free(buf);
        return -1;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    const yaml_node_t *list = NULL;
    if (root == NULL) {
        fail(&l, NULL, "empty control catalog");
        goto out;
    }
    if (mapping(&l, root, "control catalog") != 0)
        goto out;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *kn, *vn;
        const char *key;
        if (pair_key(&l, p, &kn, &vn, &key) != 0)
            goto out;
        if (strcmp(key, "controls") == 0)
            list = vn;
    }
    if (list == NULL) {
        fail(&l, root, "missing 'controls:' list");
        goto out;
    }
    if (list->type != YAML_SEQUENCE_NODE) {
        fail(&l, list, "controls: wrong type: expected a list");
        goto out;
    }
    size_t cnt = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if ((cat->num = calloc(cnt ? cnt : 1, sizeof(*cat->num))) == NULL) {
        fail(&l, list, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = get(&l, list->data.sequence.items.start[i]);
        if (it == NULL || mapping(&l, it, "control") != 0)
            goto out;
        int found = 0;
        for (yaml_node_pair_t *p = it->data.mapping.pairs.start; p < it->data.mapping.pairs.top;
             p++) {
            const yaml_node_t *kn, *vn;
            const char *key, *s;
            if (pair_key(&l, p, &kn, &vn, &key) != 0)
                goto out;
            if (strcmp(key, "number") != 0)
                continue;
            if (scalar(&l, vn, "number", &s) != 0)
                goto out;
            if (strlen(s) > EF_CONTROL_MAX || !ef_control_valid(s)) {
                fail(&l, vn, "number: '%s' is not a control number", s);
                goto out;
            }
            strlcpy(cat->num[cat->n++], s, sizeof(cat->num[0]));
            found = 1;
        }
        if (!found) {
            fail(&l, it, "control: missing field 'number'");
            goto out;
        }
    }
    rc = 0;
out:
    yaml_document_delete(&doc);
    free(buf);
    return rc;
}

static int hash_update(struct ef_policy_set *ps, const char *buf, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *tmp;

    if (ps->priv == NULL) {
        if ((ps->priv = calloc(1, sizeof(*ps->priv))) == NULL)
            return -1;
        if ((ps->priv->md = EVP_MD_CTX_new()) == NULL ||
            EVP_DigestInit_ex(ps->priv->md, EVP_sha256(), NULL) != 1)
            return -1;
    }
    if (EVP_DigestUpdate(ps->priv->md, buf, len) != 1 || (tmp = EVP_MD_CTX_new()) == NULL)
        return -1;
    if (EVP_MD_CTX_copy_ex(tmp, ps->priv->md) != 1 || EVP_DigestFinal_ex(tmp, md, &mdlen) != 1) {
        EVP_MD_CTX_free(tmp);
        return -1;
    }
    EVP_MD_CTX_free(tmp);
    for (unsigned i = 0; i < mdlen && i < 32; i++)
        snprintf(ps->sha256 + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* 1 when add is one of the '+'-separated components of joined. */
static int has_component(const char *joined, const char *add)
{
    size_t n = strlen(add);
    for (const char *p = joined; *p;) {
        size_t len = strcspn(p, "+");
        if (len == n && strncmp(p, add, n) == 0)
            return 1;
        p += len;
        if (*p == '+')
            p++;
    }
    return 0;
}

static int join_plus(char *dst, size_t dstlen, const char *add)
{
    if (dst[0] == '\0')
        return strlcpy(dst, add, dstlen) < dstlen ? 0 : -1;
    if (strlcat(dst, "+", dstlen) >= dstlen || strlcat(dst, add, dstlen) >= dstlen)
        return -1;
    return 0;
}

/* Load the policy text buf (len bytes, named path in messages) into ps. */
static int load_buf(struct ef_policy_set *ps, const char *path, const char *buf, size_t len,
                    const struct catalog *cat, char *err, size_t errlen)
{
    yaml_document_t doc;
    struct file_result fr;
    struct ld l = {
        .file = path, .doc = &doc, .err = err, .errlen = errlen, .cat = cat, .budget = NODE_BUDGET};
    int rc = -1;

    memset(&fr, 0, sizeof(fr));
    if (yaml_load(path, buf, len, &doc, err, errlen) != 0)
        return -1;
    if (parse_document(&l, ps, &fr) != 0)
        goto out;
    char id[sizeof(ps->id)], version[sizeof(ps->version)];
    strlcpy(id, ps->id, sizeof(id));
    strlcpy(version, ps->version, sizeof(version));
    /* A policy may be split over several files sharing one policy id: name it once. */
    if (!has_component(id, fr.id) && (join_plus(id, sizeof(id), fr.id) != 0 ||
                                      join_plus(version, sizeof(version), fr.version))) {
        snprintf(err, errlen, "%s: too many policies: joined id or version too long", path);
        goto out;
    }
    /* Files of one set that state classes must state the same. */
    if (fr.classes[1] != 0 && ps->classes[1] != 0 &&
        memcmp(fr.classes, ps->classes, sizeof(fr.classes)) != 0) {
        snprintf(err, errlen, "%s: classes: differs from those an earlier file stated", path);
        goto out;
    }
    struct ef_check *grown =
        fr.n ? reallocarray(ps->checks, ps->nchecks + fr.n, sizeof(*ps->checks)) : ps->checks;
    if (fr.n && grown == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    ps->checks = grown;
    if (hash_update(ps, buf, len) != 0) {
        snprintf(err, errlen, "%s: cannot hash policy", path);
        goto out;
    }
    if (fr.n)
        memcpy(ps->checks + ps->nchecks, fr.checks, fr.n * sizeof(*fr.checks));
    ps->nchecks += fr.n;
    fr.n = 0;
    strlcpy(ps->id, id, sizeof(ps->id));
    strlcpy(ps->version, version, sizeof(ps->version));
    if (fr.classes[1] != 0)
        memcpy(ps->classes, fr.classes, sizeof(ps->classes));
    rc = 0;
out:
    for (size_t i = 0; i < fr.n; i++)
        check_free(&fr.checks[i]);
    free(fr.checks);
    yaml_document_delete(&doc);
    return rc;
}

static int load_file(struct ef_policy_set *ps, const char *path, const struct catalog *cat,
                     char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int rc;

    if (read_policy_file(path, ps->trusted_only, &buf, &len, err, errlen) != 0)
        return -1;
    rc = load_buf(ps, path, buf, len, cat, err, errlen);
    free(buf);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ef_policy_files_free(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

/* A folder's *.yml (not hidden), sorted by name, as full paths. */
static int dir_files(const char *path, char ***out, size_t *nout, char *err, size_t errlen)
{
    struct ef_dir *d = ef_dir_open(path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    const char *de;
    int rc = -1;

    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while ((de = ef_dir_next(d)) != NULL) {
        size_t nl = strlen(de);
        if (de[0] == '.' || nl < 5 || strcmp(de + nl - 4, ".yml") != 0)
            continue;
        char **g = ef_array_grow(names, n, &cap, sizeof(*names), 8, EF_ARRAY_NO_MAX);
        if (g == NULL)
            goto oom;
        names = g;
        size_t len = strlen(path) + 1 + nl + 1;
        if (len > PATH_MAX) {
            snprintf(err, errlen, "%s: path too long", path);
            goto out;
        }
        if ((names[n] = malloc(len)) == NULL)
            goto oom;
        snprintf(names[n], len, "%s/%s", path, de);
        n++;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s: no *.yml policy files in directory", path);
        goto out;
    }
    /* one folder: the full paths sort as the names do */
    qsort(names, n, sizeof(*names), cmp_str);
    *out = names;
    *nout = n;
    names = NULL;
    n = 0;
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "%s: out of memory", path);
out:
    ef_policy_files_free(names, n);
    ef_dir_close(d);
    return rc;
}

int ef_policy_files(const char *path, char ***out, size_t *n, char *err, size_t errlen)
{
    struct stat st;

    *out = NULL;
    *n = 0;
    if (ef_stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return dir_files(path, out, n, err, errlen);
    if ((*out = calloc(1, sizeof(**out))) == NULL || ((*out)[0] = strdup(path)) == NULL) {
        free(*out);
        *out = NULL;
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    *n = 1;
    return 0;
}

void ef_policy_init(struct ef_policy_set *ps)
{
    memset(ps, 0, sizeof(*ps));
}

void ef_policy_free(struct ef_policy_set *ps)
{
    for (size_t i = 0; i < ps->nchecks; i++)
        check_free(&ps->checks[i]);
    free(ps->checks);
    if (ps->priv) {
        EVP_MD_CTX_free(ps->priv->md);
        free(ps->priv);
    }
    memset(ps, 0, sizeof(*ps));
}

int ef_policy_load(struct ef_policy_set *ps, const char *path, const char *controls_file, char *err,
                   size_t errlen)
{
    struct catalog cat = {0};
    char **files = NULL;
    size_t n = 0;
    int rc;

    if (controls_file && load_catalog(controls_file, &cat, err, errlen) != 0) {
        free(cat.num);
        return -1;
    }
    rc = ef_policy_files(path, &files, &n, err, errlen);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = load_file(ps, files[i], controls_file ? &cat : NULL, err, errlen);
    ef_policy_files_free(files, n);
    free(cat.num);
    return rc;
}

int ef_policy_load_mem(struct ef_policy_set *ps, const char *name, const char *buf, size_t len,
                       const char *controls_file, char *err, size_t errlen)
{
    struct catalog cat = {0};
    int rc;

    if (len > POLICY_FILE_MAX) {
        snprintf(err, errlen, "%s: larger than %d bytes", name, POLICY_FILE_MAX);
        return -1;
    }
    if (controls_file && load_catalog(controls_file, &cat, err, errlen) != 0) {
        free(cat.num);
        return -1;
    }
    rc = load_buf(ps, name, buf, len, controls_file ? &cat : NULL, err, errlen);
    free(cat.num);
    return rc;
}

/* The first rule under c with tunable name. */
static struct ef_rule *find_tunable(struct ef_cond *c, const char *name)
{
    for (size_t i = 0; c != NULL && i < c->nrules; i++) {
        struct ef_rule *r = &c->rules[i];
        if (r->tune_name != NULL && strcmp(r->tune_name, name) == 0)
            return r;
        if (r->kind == EF_RULE_COND && (r = find_tunable(r->cond, name)) != NULL)
            return r;
    }
    return NULL;
}

int ef_policy_tune(struct ef_policy_set *ps, const char *check, const char *name, const char *value,
                   char *err, size_t errlen)
{
    struct ef_check *c = NULL;
    struct ef_rule *r;
    long long v;

    for (size_t i = 0; i < ps->nchecks && c == NULL; i++)
        if (strcmp(ps->checks[i].id, check) == 0)
            c = &ps->checks[i];
    if (c == NULL) {
        snprintf(err, errlen, "no check %s in the policy", check);
        return -1;
    }
    if ((r = find_tunable(c->condition, name)) == NULL) {
        snprintf(err, errlen, "check %s has no tunable parameter '%s'", check, name);
        return -1;
    }
    if (parse_int(value, &v) != 0 || v < r->tune_min || v > r->tune_max) {
        snprintf(err, errlen, "%s %s: '%s' is not an integer from %lld to %lld", check, name, value,
                 r->tune_min, r->tune_max);
        return -1;
    }
    struct ef_param *p = &r->p[r->tune_param];
    for (int lv = 1; lv <= 3; lv++) {
        char *s = strdup(value);
        if (s == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(p->str[lv]);
        p->str[lv] = s;
        p->num[lv] = v;
    }
    return 0;
}

int ef_policy_tunables(const struct ef_policy_set *ps, const char *check, char *out, size_t outlen)
{
    const struct ef_check *c = ef_policy_find(ps, check);
    out[0] = '\0';
    if (c == NULL)
        return -1;
    /* depth-first, as find_tunable */
    struct ef_cond *stack[32];
    size_t sp = 0;
    if (c->condition != NULL)
        stack[sp++] = c->condition;
    while (sp > 0) {
        struct ef_cond *cd = stack[--sp];
        for (size_t i = 0; i < cd->nrules; i++) {
            const struct ef_rule *r = &cd->rules[i];
            if (r->tune_name != NULL) {
                size_t n = strlen(out);
                snprintf(out + n, outlen - n, "%s%s (%s, %lld..%lld, now %s)", n ? ", " : "",
                         r->tune_name, ef_param_descs[r->tune_param].key, r->tune_min, r->tune_max,
                         r->p[r->tune_param].str[1] ? r->p[r->tune_param].str[1] : "?");
            }
            if (r->kind == EF_RULE_COND && r->cond != NULL && sp < 32)
                stack[sp++] = r->cond;
        }
    }
    return 0;
}

const struct ef_check *ef_policy_find(const struct ef_policy_set *ps, const char *id)
{
    for (size_t i = 0; i < ps->nchecks; i++)
        if (strcmp(ps->checks[i].id, id) == 0)
            return &ps->checks[i];
    return NULL;
}
