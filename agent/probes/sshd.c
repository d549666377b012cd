/* SPDX-License-Identifier: EUPL-1.2 */
/* sshd probe: the effective global values of a few sshd settings, from
 * ROOT/etc/ssh/sshd_config and the files it includes, without running sshd -T (which needs
 * root and the host keys, and only on the live system).
 *
 * As sshd reads them: keywords are case-insensitive, "Keyword value" or "Keyword=value";
 * the first value of a keyword wins; Include takes paths and globs (relative to /etc/ssh),
 * read in glob order at the place of the Include; after a Match line, values apply only to
 * the connections it matches, until the next Match or the end of the file. The facts are
 * the values for a connection no conditional Match block matches: values under "Match all"
 * override the global ones; values under other Match blocks are named in the evidence only.
 * Unset: OpenSSH's defaults. ChallengeResponseAuthentication is the old name of
 * KbdInteractiveAuthentication; without-password the old name of prohibit-password. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEPTH_MAX 16

enum { CTX_GLOBAL = 0, CTX_MATCH, CTX_MATCH_ALL };

struct setting {
    const char *fact, *key, *alias, *dflt;
    char global[64], global_at[PATH_MAX + 32];
    char all[64], all_at[PATH_MAX + 32];
    char cond[64], cond_at[PATH_MAX + 32];
};

struct sctx {
    struct ef_facts *f;
    struct setting *s;
    size_t ns;
    int err;
    char err_file[PATH_MAX];
};

static void sshd_file(struct sctx *c, const char *rel, int depth, int ctx);

static void take_token(char **p, char *out, size_t outlen)
{
    char *s = ef_pu_skip_ws(*p);
    size_t n = 0;
    if (*s == '"') {
        s++;
        while (*s && *s != '"') {
            if (n + 1 < outlen)
                out[n++] = *s;
            s++;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ' ' && *s != '\t') {
            if (n + 1 < outlen)
                out[n++] = *s;
            s++;
        }
    }
    out[n] = '\0';
    *p = s;
}

static void include(struct sctx *c, const char *arg, int depth, int ctx)
{
    char path[PATH_MAX], pattern[PATH_MAX];
    const char *root = ef_facts_root(c->f);
    int n = arg[0] == '/' ? snprintf(path, sizeof(path), "%s", arg)
                          : snprintf(path, sizeof(path), "/etc/ssh/%s", arg);
    if (n < 0 || (size_t)n >= sizeof(path))
        return;
    if (ef_facts_path(c->f, pattern, sizeof(pattern), path) != 0)
        return;
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);
    if (rc != 0) {
        if (rc != GLOB_NOMATCH && !c->err) {
            c->err = EIO;
            snprintf(c->err_file, sizeof(c->err_file), "%s", path);
        }
        return;
    }
    size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
    for (size_t i = 0; i < g.gl_pathc; i++)
        if (strlen(g.gl_pathv[i]) > rl)
            sshd_file(c, g.gl_pathv[i] + rl, depth + 1, ctx);
    globfree(&g);
}

static void sshd_file(struct sctx *c, const char *rel, int depth, int ctx)
{
    char *buf, *line;
    size_t len, pos = 0, ln = 0;
    if (depth > DEPTH_MAX)
        return;
    int rc = ef_pu_read(c->f, rel, EF_PU_FILE_MAX, &buf, &len);
    if (rc != 0) {
        if (!c->err && !(rc == -ENOENT && depth > 0)) {
            c->err = -rc;
            snprintf(c->err_file, sizeof(c->err_file), "%s", rel);
        }
        return;
    }
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL) {
        char *p = ef_pu_trim(line);
        if (*p == '\0' || *p == '#')
            continue;
        char kw[64];
        size_t n = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '=') {
            if (n + 1 < sizeof(kw))
                kw[n++] = *p;
            p++;
        }
        kw[n] = '\0';
        p = ef_pu_skip_ws(p);
        if (*p == '=')
            p = ef_pu_skip_ws(p + 1);
        if (strcasecmp(kw, "Include") == 0) {
            char arg[PATH_MAX];
            for (take_token(&p, arg, sizeof(arg)); arg[0]; take_token(&p, arg, sizeof(arg)))
                include(c, arg, depth, ctx);
            continue;
        }
        if (strcasecmp(kw, "Match") == 0) {
            char a1[64], a2[64];
            take_token(&p, a1, sizeof(a1));
            take_token(&p, a2, sizeof(a2));
            ctx = strcasecmp(a1, "all") == 0 && a2[0] == '\0' ? CTX_MATCH_ALL : CTX_MATCH;
            continue;
        }
        char val[64], at[PATH_MAX + 32];
        take_token(&p, val, sizeof(val));
        for (char *q = val; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        if (strcmp(val, "without-password") == 0)
            snprintf(val, sizeof(val), "prohibit-password");
        snprintf(at, sizeof(at), "%s line %zu", rel, ln);
        for (size_t i = 0; i < c->ns; i++) {
            struct setting *s = &c->s[i];
            if (strcasecmp(kw, s->key) != 0 && !(s->alias && strcasecmp(kw, s->alias) == 0))
                continue;
            char *v = ctx == CTX_GLOBAL ? s->global : ctx == CTX_MATCH_ALL ? s->all : s->cond;
            char *w = ctx == CTX_GLOBAL      ? s->global_at
                      : ctx == CTX_MATCH_ALL ? s->all_at
                                             : s->cond_at;
            if (v[0] == '\0' && val[0] != '\0') {
                snprintf(v, 64, "%s", val);
                snprintf(w, PATH_MAX + 32, "%s", at);
            }
        }
    }
    free(buf);
}

void ef_probe_sshd(struct ef_facts *f)
{
    struct setting s[] = {
        {.fact = "ssh.permit_root_login", .key = "PermitRootLogin", .dflt = "prohibit-password"},
        {.fact = "ssh.password_authentication", .key = "PasswordAuthentication", .dflt = "yes"},
        {.fact = "ssh.kbd_interactive_authentication",
         .key = "KbdInteractiveAuthentication",
         .alias = "ChallengeResponseAuthentication",
         .dflt = "yes"},
        {.fact = "ssh.permit_empty_passwords", .key = "PermitEmptyPasswords", .dflt = "no"},
    };
    struct sctx c = {.f = f, .s = s, .ns = EF_ARRAY_LEN(s)};
    struct stat st;
    int missing = ef_pu_stat(f, "/etc/ssh/sshd_config", &st) == -ENOENT;

    if (!missing)
        sshd_file(&c, "/etc/ssh/sshd_config", 0, CTX_GLOBAL);
    for (size_t i = 0; i < EF_ARRAY_LEN(s); i++) {
        struct setting *x = &s[i];
        char note[PATH_MAX + 128] = "";
        if (c.err) {
            ef_fact_unknown(f, x->fact, "cannot read %s: %s", c.err_file, ef_pu_errtext(c.err));
            continue;
        }
        if (x->cond[0] && (x->all[0]      ? strcmp(x->cond, x->all)
                           : x->global[0] ? strcmp(x->cond, x->global)
                                          : strcmp(x->cond, x->dflt)) != 0)
            snprintf(note, sizeof(note), "; a Match block sets %s %s (%s)", x->key, x->cond,
                     x->cond_at);
        if (missing)
            ef_fact_str(f, x->fact, x->dflt, "no /etc/ssh/sshd_config: %s %s by default%s", x->key,
                        x->dflt, note);
        else if (x->all[0])
            ef_fact_str(f, x->fact, x->all, "%s %s under Match all in %s%s", x->key, x->all,
                        x->all_at, note);
        else if (x->global[0])
            ef_fact_str(f, x->fact, x->global, "%s %s in %s%s", x->key, x->global, x->global_at,
                        note);
        else
            ef_fact_str(f, x->fact, x->dflt,
                        "%s not set in /etc/ssh/sshd_config or its includes: "
                        "%s by default%s",
                        x->key, x->dflt, note);
    }
}
