/* SPDX-License-Identifier: EUPL-1.2 */
/* The compiled form of a policy: conditions over rules, with parameters resolved per
 * protection level. Shared by the loader (lib/policy*.c) and the engine (agent/engine*.c);
 * not part of the public API. */
#ifndef EFTERLEV_POLICY_INTERNAL_H
#define EFTERLEV_POLICY_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "efterlev/policy.h"

#define EF_LEVELS 4 /* indexed by ef_level (1..3); slot 0 unused */

typedef enum { EF_COND_ALL = 0, EF_COND_ANY, EF_COND_NONE } ef_cond_op;

typedef enum {
    EF_RULE_COND = 0, /* a nested condition */
    EF_RULE_FILE,
    EF_RULE_COMMAND,
    EF_RULE_FACT,
    EF_RULE_SYSCTL,   /* sysctl: kernel.randomize_va_space, read from /proc/sys */
    EF_RULE_SERVICE,  /* service: auditd (a systemd unit; .service when no suffix) */
    EF_RULE_DIR,      /* dir: /etc/modprobe.d, files_matching, then file tests on each */
    EF_RULE_PACKAGE,  /* package: aide (dpkg status or rpm database) */
    EF_RULE_REGISTRY, /* registry: [POLICY_KEY, LOCAL_KEY], value: NAME (Windows) */
    EF_RULE_WMI,      /* wmi: CLASS, namespace, where, property (Windows) */
    EF_RULE_RUNNING,  /* running: [SERVICE, ...]: one of them runs (site list, may be empty) */
    EF_RULE_KIND_COUNT
} ef_rule_kind;

/* Scalar parameters of rules. Each may be written per level in the policy. */
typedef enum {
    EF_P_EXISTS = 0,
    EF_P_MODE_MAX,
    EF_P_OWNER,
    EF_P_LINE_MATCHES,
    EF_P_NO_LINE_MATCHES,
    EF_P_EXIT_CODE,
    EF_P_OUTPUT_MATCHES,
    EF_P_TIMEOUT_MS,
    EF_P_EQUALS,
    EF_P_MIN,
    EF_P_MAX,
    EF_P_MATCHES,
    EF_P_ENABLED,        /* service */
    EF_P_ACTIVE,         /* service */
    EF_P_FILES_MATCHING, /* dir: which file names to test */
    EF_P_INSTALLED,      /* package */
    EF_P_MIN_VERSION,    /* package: dpkg/rpm version ordering */
    EF_P_KEY,            /* file, dir: a setting in a "key value" or "key=value" file */
    EF_P_VALUE,          /* ... whose effective value must equal this */
    EF_P_VALUE_MIN,      /* ... or be a number at least this */
    EF_P_VALUE_MAX,      /* ... or at most this */
    EF_P_MISSING,        /* registry: pass, fail or unknown when no key holds the value */
    EF_P_VIEW,           /* registry: 64 (default) or 32 (WOW6432Node) */
    EF_P_NAMESPACE,      /* wmi: root\CIMV2 (default) */
    EF_P_WHERE,          /* wmi: PROP = VALUE [and PROP = VALUE]... (ef_wmi_where_parse) */
    EF_P_PROPERTY,       /* wmi: the property tested */
    EF_P_ROWS,           /* wmi: all (default) or any of the selected rows must satisfy */
    EF_P_CONTAINS,       /* wmi: an array property holds this value */
    EF_P_COUNT
} ef_param_id;

typedef enum { EF_PT_BOOL, EF_PT_INT, EF_PT_MODE, EF_PT_STR, EF_PT_REGEX } ef_param_type;

struct ef_param {
    int set;                   /* declared in the policy */
    char *str[EF_LEVELS];      /* the value as written, per level */
    long long num[EF_LEVELS];  /* BOOL (0/1), INT, MODE (octal) */
    pcre2_code *re[EF_LEVELS]; /* REGEX */
};

struct ef_rule {
    ef_rule_kind kind;
    int line;
    char *target; /* file path, fact name; NULL for command and cond */
    char **argv;  /* command: NULL-terminated */
    char **list;  /* file: group names; fact, registry: "in" values; running: the services;
                     NULL-terminated */
    size_t nlist;
    char **keys; /* registry: keys in precedence order (policy first), NULL-terminated */
    size_t nkeys;
    struct ef_param p[EF_P_COUNT];
    struct ef_cond *cond; /* EF_RULE_COND */
    /* tunable: {name, param, min, max}: the integer parameter tune_param of this rule may be
     * changed per department by the collector (ef_policy_tune) within [tune_min, tune_max].
     * tune_name NULL: not tunable. */
    char *tune_name;
    ef_param_id tune_param;
    long long tune_min, tune_max;
};

struct ef_cond {
    ef_cond_op op;
    int line;
    struct ef_rule *rules;
    size_t nrules;
};

/* Descriptor of a parameter key, shared by loader, engine and docs. */
struct ef_param_desc {
    const char *key;
    ef_param_type type;
    unsigned kinds; /* bit (1 << ef_rule_kind) for each kind that accepts it */
};
extern const struct ef_param_desc ef_param_descs[EF_P_COUNT];

/* A wmi rule's where-filter, parsed: PROP = VALUE [and PROP = VALUE]..., VALUE a number,
 * true/false or a 'string' ('' inside for a quote). Equality only; the rule's rows are
 * filtered by our own code (agent/rules/wmi.c), never by a WQL string. */
#define EF_WMI_NAME_MAX 127 /* a class or property name */
#define EF_WMI_NS_MAX 255   /* a namespace */
#define EF_WMI_WHERE_MAX 8  /* terms of a where-filter */
#define EF_WMI_VALUE_MAX 255
typedef enum { EF_WMI_V_NUM = 0, EF_WMI_V_BOOL, EF_WMI_V_STR } ef_wmi_vtype;
struct ef_wmi_term {
    char prop[EF_WMI_NAME_MAX + 1];
    ef_wmi_vtype type;
    long long num; /* EF_WMI_V_NUM; EF_WMI_V_BOOL (0/1) */
    char str[EF_WMI_VALUE_MAX + 1];
};
/* 0, or -1 with err saying what is malformed. */
int ef_wmi_where_parse(const char *text, struct ef_wmi_term *out, size_t max, size_t *n, char *err,
                       size_t errlen);
/* A WMI class or property name: a letter or '_', then letters, digits, '_'. */
int ef_wmi_name_valid(const char *s);

const char *ef_cond_op_name(ef_cond_op op);
void ef_cond_free(struct ef_cond *c);

#endif
