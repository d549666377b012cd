/* SPDX-License-Identifier: EUPL-1.2 */
/* Package manager configuration probes:
 *
 * aptconf   updates.unattended_upgrade: the effective APT::Periodic::Unattended-Upgrade
 *           (and APT::Periodic::Enable) of /etc/apt/apt.conf.d/ * in name order, then
 *           /etc/apt/apt.conf (last assignment wins, as apt reads them); true when it is a
 *           non-zero interval or "always".
 * reposig   updates.insecure_sources: the places that turn off signature checking:
 *           one-line sources (sources.list, sources.list.d/ *.list) with [trusted=yes],
 *           [allow-insecure=yes] or [allow-downgrade-to-insecure=yes]; deb822 sources
 *           (sources.list.d/ *.sources) with Trusted:, Allow-Insecure: or
 *           Allow-Downgrade-To-Insecure: yes in an enabled stanza; apt.conf options
 *           APT::Get::AllowUnauthenticated, Acquire::AllowInsecureRepositories,
 *           Acquire::AllowDowngradeToInsecureRepositories set true; on RHEL gpgcheck=0 in
 *           /etc/dnf/dnf.conf, /etc/yum.conf or /etc/yum.repos.d/ *.repo.
 */
#include "efterlev/attr.h"
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- apt.conf syntax: key "value"; key { key "value"; }; with //, # and C comments ---- */

typedef void (*aptconf_cb)(const char *key, const char *value, const char *file, size_t line,
                           void *ctx);

#define SCOPE_MAX 512

static void aptconf_parse(char *buf, size_t len, const char *file, aptconf_cb cb, void *ctx)
{
    char scope[SCOPE_MAX] = "", key[SCOPE_MAX] = "", value[512] = "";
    size_t scope_len[16], depth = 0, line = 1, key_line = 1;
    int have_key = 0, have_value = 0;
    char *p = buf, *end = buf + len;
    int bol = 1;

    while (p < end) {
        char c = *p;
        if (c == '\n') {
            line++, p++, bol = 1;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            p++;
            continue;
        }
        if (c == '#' && bol) { /* comments and #include / #clear: skip the line */
            while (p < end && *p != '\n')
                p++;
            continue;
        }
        bol = 0;
        if (c == '/' && p + 1 < end && p[1] == '/') {
            while (p < end && *p != '\n')
                p++;
            continue;
        }
        if (c == '/' && p + 1 < end && p[1] == '*') {
            p += 2;
            while (p + 1 < end && !(p[0] == '*' && p[1] == '/')) {
                if (*p == '\n')
                    line++;
                p++;
            }
            p += 2;
            continue;
        }
        if (c == '{') {
            if (have_key && depth < 16) {
                scope_len[depth++] = strlen(scope);
                if (scope[0])
                    strlcat(scope, "::", sizeof(scope));
                strlcat(scope, key, sizeof(scope));
            } else if (depth < 16) {
                scope_len[depth++] = strlen(scope);
            }
            have_key = have_value = 0;
            p++;
            continue;
        }
        if (c == '}') {
            if (depth > 0)
                scope[scope_len[--depth]] = '\0';
            have_key = have_value = 0;
            p++;
            continue;
        }
        if (c == ';') {
            if (have_key) {
                char full[SCOPE_MAX * 2];
                snprintf(full, sizeof(full), "%s%s%s", scope, scope[0] ? "::" : "", key);
                cb(full, have_value ? value : "", file, key_line, ctx);
            }
            have_key = have_value = 0;
            p++;
            continue;
        }
        /* a word or a quoted string */
        char tok[512];
        size_t n = 0;
        if (c == '"') {
            p++;
            while (p < end && *p != '"' && *p != '\n') {
                if (n + 1 < sizeof(tok))
                    tok[n++] = *p;
                p++;
            }
            if (p < end && *p == '"')
                p++;
        } else {
            while (p < end && !isspace((unsigned char)*p) && *p != ';' && *p != '{' && *p != '}' &&
                   *p != '"') {
                if (n + 1 < sizeof(tok))
                    tok[n++] = *p;
                p++;
            }
        }
        tok[n] = '\0';
        if (!have_key) {
            strlcpy(key, tok, sizeof(key));
            key_line = line;
            have_key = 1;
        } else if (!have_value) {
            strlcpy(value, tok, sizeof(value));
            have_value = 1;
        }
    }
}

/* apt's file name rules for configuration parts. */
static int aptconf_name_ok(const char *n)
{
    static const char *const ignored[] = {"~",     ".disabled",    ".bak",   ".save",
                                          ".orig", ".distUpgrade", ".dpkg-", ".ucf-"};
    for (const char *p = n; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return 0;
    for (size_t i = 0; i < EF_ARRAY_LEN(ignored); i++) {
        const char *s = strstr(n, ignored[i]);
        if (s != NULL &&
            (ignored[i][strlen(ignored[i]) - 1] == '-' || s[strlen(ignored[i])] == '\0'))
            return 0;
    }
    return 1;
}

/* Every apt configuration file in reading order. */
static void aptconf_each(struct ef_facts *f, aptconf_cb cb, void *ctx, int *nfiles, int *err)
{
    char **names;
    size_t n;
    *nfiles = 0;
    *err = 0;
    int rc = ef_pu_list_sorted(f, "/etc/apt/apt.conf.d", &names, &n);
    if (rc != 0 && rc != -ENOENT)
        *err = -rc;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char rel[PATH_MAX], *buf;
        size_t len;
        if (!aptconf_name_ok(names[i]))
            continue;
        snprintf(rel, sizeof(rel), "/etc/apt/apt.conf.d/%s", names[i]);
        int r2 = ef_pu_read(f, rel, EF_PU_FILE_MAX, &buf, &len);
        if (r2 != 0) {
            if (r2 != -EISDIR && r2 != -ENOENT)
                *err = -r2;
            continue;
        }
        (*nfiles)++;
        aptconf_parse(buf, len, rel, cb, ctx);
        free(buf);
    }
    if (rc == 0)
        ef_pu_list_free(names, n);
    char *buf;
    size_t len;
    if (ef_pu_read(f, "/etc/apt/apt.conf", EF_PU_FILE_MAX, &buf, &len) == 0) {
        (*nfiles)++;
        aptconf_parse(buf, len, "/etc/apt/apt.conf", cb, ctx);
        free(buf);
    }
}

struct setting {
    const char *key;
    int found;
    char value[128];
    char where[PATH_MAX + 32];
};

static void settings_cb(const char *key, const char *value, const char *file, size_t line,
                        void *ctx)
{
    struct setting *s = ctx;
    for (; s->key; s++) {
        if (strcasecmp(key, s->key) != 0)
            continue;
        s->found = 1;
        snprintf(s->value, sizeof(s->value), "%s", value);
        snprintf(s->where, sizeof(s->where), "%s line %zu", file, line);
    }
}

static int apt_true(const char *v)
{
    static const char *const t[] = {"true", "yes", "1", "on", "with", "enable"};
    for (size_t i = 0; i < EF_ARRAY_LEN(t); i++)
        if (strcasecmp(v, t[i]) == 0)
            return 1;
    return 0;
}

void ef_probe_aptconf(struct ef_facts *f)
{
    struct setting s[] = {{.key = "APT::Periodic::Unattended-Upgrade"},
                          {.key = "APT::Periodic::Enable"},
                          {.key = NULL}};
    int nfiles, err;
    aptconf_each(f, settings_cb, s, &nfiles, &err);
    if (err && !s[0].found) {
        ef_fact_unknown(f, "updates.unattended_upgrade", "cannot read /etc/apt/apt.conf.d: %s",
                        ef_pu_errtext(err));
        return;
    }
    if (s[1].found && strcmp(s[1].value, "0") == 0) {
        ef_fact_bool(f, "updates.unattended_upgrade", 0, "APT::Periodic::Enable \"0\" in %s",
                     s[1].where);
        return;
    }
    if (!s[0].found) {
        ef_fact_bool(f, "updates.unattended_upgrade", 0,
                     "APT::Periodic::Unattended-Upgrade not set in /etc/apt/apt.conf.d (%d file%s "
                     "read)",
                     nfiles, nfiles == 1 ? "" : "s");
        return;
    }
    char *end;
    long v = strtol(s[0].value, &end, 10);
    int on = strcasecmp(s[0].value, "always") == 0 || (end != s[0].value && *end == '\0' && v > 0);
    ef_fact_bool(f, "updates.unattended_upgrade", on,
                 "APT::Periodic::Unattended-Upgrade \"%s\" in %s", s[0].value, s[0].where);
}

/* ---- repository signatures ---- */

#define INSECURE_SHOWN_MAX 8

struct insecure {
    struct ef_textlist found;
    char list[EF_EVIDENCE_MAX + 1];
};

static void insecure_add(struct insecure *in, const char *fmt, ...) EF_PRINTF(2, 3);
static void insecure_add(struct insecure *in, const char *fmt, ...)
{
    char piece[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(piece, sizeof(piece), fmt, ap);
    va_end(ap);
    ef_textlist_add(&in->found, piece);
}

/* Whether an option text "name=yes" (or name+=...) turns the name on. */
static int opt_on(const char *opts, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = opts; (p = strcasestr(p, name)) != NULL; p += n) {
        if (p != opts && !isspace((unsigned char)p[-1]) && p[-1] != '[')
            continue;
        const char *v = p + n;
        while (*v == ' ')
            v++;
        if (*v != '=')
            continue;
        v++;
        while (*v == ' ')
            v++;
        if (strncasecmp(v, "yes", 3) == 0 && !isalnum((unsigned char)v[3]))
            return 1;
    }
    return 0;
}

static void one_line_sources(char *buf, size_t len, const char *rel, struct insecure *in)
{
    size_t pos = 0, ln = 0;
    char *line;
    static const char *const opts[] = {"trusted", "allow-insecure", "allow-downgrade-to-insecure"};
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL) {
        line = ef_pu_skip_ws(line);
        if (strncmp(line, "deb", 3) != 0)
            continue;
        char *lb = strchr(line, '['), *rb = lb ? strchr(lb, ']') : NULL;
        char *hash = strchr(line, '#');
        if (lb == NULL || rb == NULL || (hash && hash < lb))
            continue;
        *rb = '\0';
        for (size_t i = 0; i < EF_ARRAY_LEN(opts); i++)
            if (opt_on(lb + 1, opts[i])) {
                insecure_add(in, "%s=yes in %s line %zu", opts[i], rel, ln);
                break;
            }
    }
}

static void deb822_sources(char *buf, size_t len, const char *rel, struct insecure *in)
{
    size_t pos = 0, ln = 0;
    char *line;
    int enabled = 1, bad = 0;
    size_t bad_line = 0;
    char bad_field[40] = "";
    static const char *const fields[] = {"Trusted", "Allow-Insecure",
                                         "Allow-Downgrade-To-Insecure"};
    for (;;) {
        line = ef_pu_next_line(buf, len, &pos, &ln);
        if (line == NULL || *ef_pu_skip_ws(line) == '\0') {
            if (bad && enabled)
                insecure_add(in, "%s: yes in %s line %zu", bad_field, rel, bad_line);
            enabled = 1, bad = 0;
            if (line == NULL)
                break;
            continue;
        }
        if (*line == '#' || *line == ' ' || *line == '\t')
            continue;
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        char *v = ef_pu_trim(colon + 1);
        if (strcasecmp(line, "Enabled") == 0 && strcasecmp(v, "no") == 0)
            enabled = 0;
        for (size_t i = 0; i < EF_ARRAY_LEN(fields); i++)
            if (strcasecmp(line, fields[i]) == 0 && strcasecmp(v, "yes") == 0 && !bad) {
                bad = 1;
                bad_line = ln;
                snprintf(bad_field, sizeof(bad_field), "%s", fields[i]);
            }
    }
}

static void insecure_conf_cb(const char *key, const char *value, const char *file, size_t line,
                             void *ctx)
{
    static const char *const keys[] = {"APT::Get::AllowUnauthenticated",
                                       "Acquire::AllowInsecureRepositories",
                                       "Acquire::AllowDowngradeToInsecureRepositories"};
    struct insecure *in = ctx;
    for (size_t i = 0; i < EF_ARRAY_LEN(keys); i++)
        if (strcasecmp(key, keys[i]) == 0 && apt_true(value))
            insecure_add(in, "%s \"%s\" in %s line %zu", keys[i], value, file, line);
}

static void gpgcheck_off(char *buf, size_t len, const char *rel, struct insecure *in)
{
    size_t pos = 0, ln = 0;
    char *line;
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL) {
        line = ef_pu_skip_ws(line);
        if (strncasecmp(line, "gpgcheck", 8) != 0)
            continue;
        char *v = ef_pu_skip_ws(line + 8);
        if (*v != '=')
            continue;
        v = ef_pu_trim(v + 1);
        if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0)
            insecure_add(in, "gpgcheck=%s in %s line %zu", v, rel, ln);
    }
}

void ef_probe_reposig(struct ef_facts *f)
{
    struct insecure in = {0};
    ef_textlist_init(&in.found, in.list, sizeof(in.list), "; ", INSECURE_SHOWN_MAX);
    char *buf, **names;
    size_t len, n;
    int read_any = 0, err = 0;

    if (ef_pu_read(f, "/etc/apt/sources.list", EF_PU_FILE_MAX, &buf, &len) == 0) {
        read_any = 1;
        one_line_sources(buf, len, "/etc/apt/sources.list", &in);
        free(buf);
    }
    int rc = ef_pu_list_sorted(f, "/etc/apt/sources.list.d", &names, &n);
    if (rc == 0) {
        read_any = 1;
        for (size_t i = 0; i < n; i++) {
            char rel[PATH_MAX];
            int list =
                strlen(names[i]) > 5 && strcmp(names[i] + strlen(names[i]) - 5, ".list") == 0;
            int d822 =
                strlen(names[i]) > 8 && strcmp(names[i] + strlen(names[i]) - 8, ".sources") == 0;
            if (!list && !d822)
                continue;
            snprintf(rel, sizeof(rel), "/etc/apt/sources.list.d/%s", names[i]);
            int r2 = ef_pu_read(f, rel, EF_PU_FILE_MAX, &buf, &len);
            if (r2 != 0) {
                err = -r2;
                continue;
            }
            if (list)
                one_line_sources(buf, len, rel, &in);
            else
                deb822_sources(buf, len, rel, &in);
            free(buf);
        }
        ef_pu_list_free(names, n);
    } else if (rc != -ENOENT) {
        err = -rc;
    }
    int nconf, cerr;
    aptconf_each(f, insecure_conf_cb, &in, &nconf, &cerr);
    read_any |= nconf > 0;
    if (cerr)
        err = cerr;
    /* RHEL family */
    static const char *const rh[] = {"/etc/dnf/dnf.conf", "/etc/yum.conf"};
    for (size_t i = 0; i < EF_ARRAY_LEN(rh); i++)
        if (ef_pu_read(f, rh[i], EF_PU_FILE_MAX, &buf, &len) == 0) {
            read_any = 1;
            gpgcheck_off(buf, len, rh[i], &in);
            free(buf);
        }
    if (ef_pu_list_sorted(f, "/etc/yum.repos.d", &names, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            char rel[PATH_MAX];
            size_t l = strlen(names[i]);
            if (l <= 5 || strcmp(names[i] + l - 5, ".repo") != 0)
                continue;
            snprintf(rel, sizeof(rel), "/etc/yum.repos.d/%s", names[i]);
            if (ef_pu_read(f, rel, EF_PU_FILE_MAX, &buf, &len) == 0) {
                read_any = 1;
                gpgcheck_off(buf, len, rel, &in);
                free(buf);
            }
        }
        ef_pu_list_free(names, n);
    }
    if (in.found.n > 0) {
        ef_fact_int(f, "updates.insecure_sources", (long long)in.found.n, "%s",
                    ef_textlist_end(&in.found));
    } else if (err) {
        ef_fact_unknown(f, "updates.insecure_sources", "cannot read the package sources: %s",
                        ef_pu_errtext(err));
    } else if (!read_any) {
        ef_fact_unknown(f, "updates.insecure_sources",
                        "no package manager configuration found (no /etc/apt/sources.list(.d), "
                        "apt.conf.d, dnf.conf or yum.repos.d)");
    } else {
        ef_fact_int(f, "updates.insecure_sources", 0,
                    "no source or option disables signature checking (sources.list(.d), "
                    "apt.conf(.d)%s)",
                    ef_pu_stat(f, "/etc/yum.repos.d", &(struct stat){0}) == 0 ? ", yum.repos.d"
                                                                              : "");
    }
}
