/* SPDX-License-Identifier: EUPL-1.2 */
/* PAM probe: password quality (pam_pwquality) and lockout (pam_faillock).
 *
 * Stacks: Debian/Ubuntu /etc/pam.d/common-password and common-auth; else RHEL's
 * /etc/pam.d/system-auth and password-auth (both must carry the module). @include FILE and
 * the include / substack controls are followed; lines may start with '-'; '#' starts a
 * comment; a trailing backslash continues a line.
 *
 *   accounts.pam_pwquality               pam_pwquality.so in the password stack(s)
 *   accounts.pwquality_minlen            effective minlen: default 8, then
 *                                        /etc/security/pwquality.conf.d/ *.conf in name
 *                                        order, then /etc/security/pwquality.conf (the
 *                                        order libpwquality reads them; last wins), then the
 *                                        module's arguments
 *   accounts.pwquality_enforce_for_root  enforce_for_root in those
 *   accounts.pam_faillock                pam_faillock.so in the auth stack(s)
 *   accounts.faillock_deny               deny: default 3, /etc/security/faillock.conf, then
 *   accounts.faillock_unlock_time        unlock_time (default 600; "never" is 0) and
 *   accounts.faillock_even_deny_root     even_deny_root given as module arguments
 */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 8

typedef void (*pam_cb)(const char *module, char *args, const char *file, size_t line, void *ctx);

struct walk {
    struct ef_facts *f;
    const char *type;
    pam_cb cb;
    void *ctx;
    int err;
    char err_file[PATH_MAX];
};

static void pam_walk(struct walk *w, const char *name, int depth);

static void pam_line(struct walk *w, const char *rel, size_t ln, char *s, int depth)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    s = ef_pu_trim(s);
    if (*s == '\0')
        return;
    char *tok = s, *rest;
    rest = tok + strcspn(tok, " \t");
    if (*rest)
        *rest++ = '\0';
    rest = ef_pu_skip_ws(rest);
    if (strcmp(tok, "@include") == 0) {
        pam_walk(w, rest, depth + 1);
        return;
    }
    if (*tok == '-')
        tok++;
    if (strcasecmp(tok, w->type) != 0)
        return;
    /* control: a word or [ ... ] */
    char *ctl = rest, *mod;
    if (*ctl == '[') {
        char *rb = strchr(ctl, ']');
        if (rb == NULL)
            return;
        *rb = '\0';
        mod = ef_pu_skip_ws(rb + 1);
    } else {
        mod = ctl + strcspn(ctl, " \t");
        if (*mod)
            *mod++ = '\0';
        mod = ef_pu_skip_ws(mod);
    }
    char *args = mod + strcspn(mod, " \t");
    if (*args)
        *args++ = '\0';
    args = ef_pu_skip_ws(args);
    if (strcmp(ctl, "include") == 0 || strcmp(ctl, "substack") == 0) {
        pam_walk(w, mod, depth + 1);
        return;
    }
    const char *base = strrchr(mod, '/');
    w->cb(base ? base + 1 : mod, args, rel, ln, w->ctx);
}

static void pam_walk(struct walk *w, const char *name, int depth)
{
    char rel[PATH_MAX], *buf;
    size_t len;
    if (depth > DEPTH_MAX || strchr(name, '/') != NULL || strcmp(name, "..") == 0)
        return;
    snprintf(rel, sizeof(rel), "/etc/pam.d/%s", name);
    int rc = ef_pu_read(w->f, rel, EF_PU_FILE_MAX, &buf, &len);
    if (rc != 0) {
        if (!w->err) {
            w->err = -rc;
            snprintf(w->err_file, sizeof(w->err_file), "%s", rel);
        }
        return;
    }
    ef_pu_join_continued(buf, len);
    size_t pos = 0, ln = 0;
    char *line;
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL)
        pam_line(w, rel, ln, line, depth);
    free(buf);
}

/* ---- module and configuration options ---- */

struct opts {
    const char *module;
    int found;
    char where[PATH_MAX + 32];
    long num[2]; /* minlen | deny, unlock_time */
    const char *numkey[2];
    char numwhere[2][PATH_MAX + 32];
    int flag; /* enforce_for_root | even_deny_root */
    const char *flagkey;
    char flagwhere[PATH_MAX + 32];
};

static int parse_num(const char *v, long *out)
{
    char *end;
    if (strcasecmp(v, "never") == 0) {
        *out = 0;
        return 0;
    }
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0')
        return -1;
    *out = x;
    return 0;
}

/* One "name=value" / "name" option. */
static void apply_opt(struct opts *o, const char *name, const char *value, const char *where)
{
    for (int i = 0; i < 2; i++) {
        long v;
        if (o->numkey[i] && strcmp(name, o->numkey[i]) == 0 && value && parse_num(value, &v) == 0) {
            o->num[i] = v;
            snprintf(o->numwhere[i], sizeof(o->numwhere[i]), "%s", where);
        }
    }
    if (o->flagkey && strcmp(name, o->flagkey) == 0) {
        o->flag = 1;
        snprintf(o->flagwhere, sizeof(o->flagwhere), "%s", where);
    }
}

static void module_cb(const char *module, char *args, const char *file, size_t line, void *ctx)
{
    struct opts *o = ctx;
    if (strcmp(module, o->module) != 0)
        return;
    char where[PATH_MAX + 32];
    snprintf(where, sizeof(where), "%s line %zu", file, line);
    if (!o->found)
        snprintf(o->where, sizeof(o->where), "%s", where);
    o->found = 1;
    for (char *save = NULL, *a = strtok_r(args, " \t", &save); a;
         a = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(a, '=');
        if (eq)
            *eq = '\0';
        apply_opt(o, a, eq ? eq + 1 : NULL, where);
    }
}

/* A "name = value" / "name" configuration file ('#' starts a comment anywhere). */
static int conf_file(struct ef_facts *f, const char *rel, struct opts *o)
{
    char *buf, *line;
    size_t len, pos = 0, ln = 0;
    int rc = ef_pu_read(f, rel, EF_PU_FILE_MAX, &buf, &len);
    if (rc != 0)
        return rc;
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        line = ef_pu_trim(line);
        if (*line == '\0')
            continue;
        char *eq = strchr(line, '='), *value = NULL;
        if (eq) {
            *eq = '\0';
            value = ef_pu_skip_ws(eq + 1); /* the line's end is trimmed already */
            line = ef_pu_trim(line);
        }
        char where[PATH_MAX + 32];
        snprintf(where, sizeof(where), "%s line %zu", rel, ln);
        apply_opt(o, line, value, where);
    }
    free(buf);
    return 0;
}

/* The stacks to inspect for a type, into names (NULL-terminated). 0, or -1 when none. */
static int stacks(struct ef_facts *f, const char *deb, const char *names[3])
{
    struct stat st;
    char rel[PATH_MAX];
    snprintf(rel, sizeof(rel), "/etc/pam.d/%s", deb);
    if (ef_pu_stat(f, rel, &st) == 0) {
        names[0] = deb, names[1] = NULL;
        return 0;
    }
    if (ef_pu_stat(f, "/etc/pam.d/system-auth", &st) == 0) {
        names[0] = "system-auth";
        names[1] = ef_pu_stat(f, "/etc/pam.d/password-auth", &st) == 0 ? "password-auth" : NULL;
        names[2] = NULL;
        return 0;
    }
    return -1;
}

/* Walk every stack; 1 when the module is in all of them, 0 when missing somewhere, -1 on
 * a read error. missing names the first stack without it. */
static int in_all(struct ef_facts *f, const char *const *names, const char *type, struct opts *o,
                  char *missing, size_t mlen, char *err, size_t errlen)
{
    int all = 1;
    for (size_t i = 0; names[i]; i++) {
        struct opts one = *o;
        one.found = 0;
        struct walk w = {.f = f, .type = type, .cb = module_cb, .ctx = &one};
        pam_walk(&w, names[i], 0);
        if (w.err) {
            snprintf(err, errlen, "cannot read %s: %s", w.err_file, ef_pu_errtext(w.err));
            return -1;
        }
        if (!one.found) {
            if (all)
                snprintf(missing, mlen, "/etc/pam.d/%s", names[i]);
            all = 0;
            continue;
        }
        int first = !o->found;
        char where[sizeof(o->where)];
        memcpy(where, first ? one.where : o->where, sizeof(where));
        *o = one;
        o->found = 1;
        memcpy(o->where, where, sizeof(where));
    }
    return all;
}

static void conf_with_dropins(struct ef_facts *f, const char *main_rel, const char *dir_rel,
                              struct opts *o)
{
    char **names;
    size_t n;
    if (dir_rel && ef_pu_list_sorted(f, dir_rel, &names, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(names[i]);
            if (l <= 5 || strcmp(names[i] + l - 5, ".conf") != 0)
                continue;
            char rel[PATH_MAX];
            snprintf(rel, sizeof(rel), "%s/%s", dir_rel, names[i]);
            conf_file(f, rel, o);
        }
        ef_pu_list_free(names, n);
    }
    conf_file(f, main_rel, o);
}

static void pwquality(struct ef_facts *f)
{
    const char *names[3];
    struct opts o = {.module = "pam_pwquality.so",
                     .num = {8, 0},
                     .numkey = {"minlen", NULL},
                     .flagkey = "enforce_for_root"};
    snprintf(o.numwhere[0], sizeof(o.numwhere[0]), "the default");
    conf_with_dropins(f, "/etc/security/pwquality.conf", "/etc/security/pwquality.conf.d", &o);
    if (stacks(f, "common-password", names) != 0) {
        ef_fact_unknown(f, "accounts.pam_pwquality",
                        "no PAM password stack (/etc/pam.d/common-password or system-auth)");
    } else {
        char missing[PATH_MAX] = "", err[PATH_MAX + 64] = "";
        int r = in_all(f, names, "password", &o, missing, sizeof(missing), err, sizeof(err));
        if (r < 0)
            ef_fact_unknown(f, "accounts.pam_pwquality", "%s", err);
        else if (r)
            ef_fact_bool(f, "accounts.pam_pwquality", 1, "pam_pwquality.so in %s", o.where);
        else
            ef_fact_bool(f, "accounts.pam_pwquality", 0,
                         "no pam_pwquality.so in the password stack of %s", missing);
    }
    ef_fact_int(f, "accounts.pwquality_minlen", o.num[0], "minlen %ld (%s)", o.num[0],
                o.numwhere[0]);
    if (o.flag)
        ef_fact_bool(f, "accounts.pwquality_enforce_for_root", 1, "enforce_for_root in %s",
                     o.flagwhere);
    else
        ef_fact_bool(f, "accounts.pwquality_enforce_for_root", 0,
                     "enforce_for_root not set (pwquality.conf(.d), module arguments)");
}

static void faillock(struct ef_facts *f)
{
    const char *names[3];
    struct opts o = {.module = "pam_faillock.so",
                     .num = {3, 600},
                     .numkey = {"deny", "unlock_time"},
                     .flagkey = "even_deny_root"};
    snprintf(o.numwhere[0], sizeof(o.numwhere[0]), "the default");
    snprintf(o.numwhere[1], sizeof(o.numwhere[1]), "the default");
    conf_with_dropins(f, "/etc/security/faillock.conf", NULL, &o);
    if (stacks(f, "common-auth", names) != 0) {
        ef_fact_unknown(f, "accounts.pam_faillock",
                        "no PAM auth stack (/etc/pam.d/common-auth or system-auth)");
    } else {
        char missing[PATH_MAX] = "", err[PATH_MAX + 64] = "";
        int r = in_all(f, names, "auth", &o, missing, sizeof(missing), err, sizeof(err));
        if (r < 0)
            ef_fact_unknown(f, "accounts.pam_faillock", "%s", err);
        else if (r)
            ef_fact_bool(f, "accounts.pam_faillock", 1, "pam_faillock.so in %s", o.where);
        else
            ef_fact_bool(f, "accounts.pam_faillock", 0,
                         "no pam_faillock.so in the auth stack of %s", missing);
    }
    ef_fact_int(f, "accounts.faillock_deny", o.num[0], "deny %ld (%s)", o.num[0], o.numwhere[0]);
    ef_fact_int(f, "accounts.faillock_unlock_time", o.num[1], "unlock_time %ld (%s)", o.num[1],
                o.numwhere[1]);
    if (o.flag)
        ef_fact_bool(f, "accounts.faillock_even_deny_root", 1, "even_deny_root in %s", o.flagwhere);
    else
        ef_fact_bool(f, "accounts.faillock_even_deny_root", 0,
                     "even_deny_root not set (faillock.conf, module arguments)");
}

void ef_probe_pam(struct ef_facts *f)
{
    pwquality(f);
    faillock(f);
}
