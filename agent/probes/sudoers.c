/* SPDX-License-Identifier: EUPL-1.2 */
/* sudoers probe: accounts.sudo_nopasswd_count, the sudoers rules that run commands
 * without authentication: user specifications with a NOPASSWD: tag and Defaults entries
 * that turn authenticate off (Defaults !authenticate, Defaults:user !authenticate, ...).
 * Reads ROOT/etc/sudoers and what it includes: @include / #include FILE and
 * @includedir / #includedir DIR (the files of DIR whose names neither end in '~' nor contain
 * a '.', in name order); relative paths are relative to the including file's folder.
 * Lines continue after a trailing backslash; '#' starts a comment unless it starts an
 * include or a numeric uid ("#1000"). Evidence quotes at most 80 bytes of the rule. */
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
#define SHOWN_MAX 6

struct sctx {
    struct ef_facts *f;
    struct ef_textlist rules; /* NOPASSWD and !authenticate rules found */
    char list[EF_EVIDENCE_MAX + 1];
    int err;
    char err_file[PATH_MAX];
    size_t files;
};

static void sudoers_file(struct sctx *c, const char *rel, int depth, int must_exist);

static void resolve(const char *from, const char *path, char *out, size_t outlen)
{
    if (path[0] == '/') {
        snprintf(out, outlen, "%s", path);
        return;
    }
    const char *slash = strrchr(from, '/');
    snprintf(out, outlen, "%.*s/%s", slash ? (int)(slash - from) : 0, from, path);
}

static void include_dir(struct sctx *c, const char *rel, int depth)
{
    char **names;
    size_t n;
    int rc = ef_pu_list_sorted(c->f, rel, &names, &n);
    if (rc != 0) {
        if (rc != -ENOENT && !c->err) {
            c->err = -rc;
            snprintf(c->err_file, sizeof(c->err_file), "%s", rel);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (l == 0 || names[i][l - 1] == '~' || strchr(names[i], '.') != NULL)
            continue;
        char sub[PATH_MAX];
        int k = snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]);
        if (k > 0 && (size_t)k < sizeof(sub))
            sudoers_file(c, sub, depth + 1, 0);
    }
    ef_pu_list_free(names, n);
}

static void record(struct sctx *c, const char *rel, size_t line, const char *text, const char *why)
{
    char piece[300], quote[100] = "";
    ef_text_append(quote, sizeof(quote), text, strlen(text) > 80 ? 80 : strlen(text));
    snprintf(piece, sizeof(piece), "%s line %zu: %s%s (%s)", rel, line, quote,
             strlen(text) > 80 ? "..." : "", why);
    ef_textlist_add(&c->rules, piece);
}

/* Whether word w occurs in s as a whole token. */
static const char *word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; (p = strstr(p, w)) != NULL; p += n) {
        int before = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (before && after)
            return p;
    }
    return NULL;
}

static void sudoers_line(struct sctx *c, const char *rel, size_t ln, char *s, int depth)
{
    s = ef_pu_trim(s);
    if (*s == '\0')
        return;
    int inc = 0, incdir = 0;
    const char *arg = NULL;
    if (strncmp(s, "@includedir", 11) == 0 || strncmp(s, "#includedir", 11) == 0)
        incdir = 1, arg = s + 11;
    else if (strncmp(s, "@include", 8) == 0 || strncmp(s, "#include", 8) == 0)
        inc = 1, arg = s + 8;
    if ((inc || incdir) && (*arg == ' ' || *arg == '\t')) {
        char path[PATH_MAX], target[PATH_MAX];
        snprintf(path, sizeof(path), "%s", ef_pu_skip_ws((char *)arg));
        size_t l = strlen(path);
        if (l >= 2 && path[0] == '"' && path[l - 1] == '"') {
            memmove(path, path + 1, l - 2);
            path[l - 2] = '\0';
        }
        resolve(rel, path, target, sizeof(target));
        if (incdir)
            include_dir(c, target, depth);
        else
            sudoers_file(c, target, depth + 1, 1);
        return;
    }
    if (*s == '#')
        return; /* a comment (a "#uid" cannot start a line's user list alone meaningfully) */
    /* strip a trailing comment: '#' not followed by a digit */
    for (char *p = s; *p; p++)
        if (*p == '#' && !isdigit((unsigned char)p[1])) {
            *p = '\0';
            s = ef_pu_trim(s);
            break;
        }
    if (strncmp(s, "Defaults", 8) == 0) {
        const char *a = word(s, "authenticate");
        if (a != NULL && a > s && a[-1] == '!')
            record(c, rel, ln, s, "authentication turned off");
        return;
    }
    if (strncmp(s, "User_Alias", 10) == 0 || strncmp(s, "Runas_Alias", 11) == 0 ||
        strncmp(s, "Host_Alias", 10) == 0 || strncmp(s, "Cmnd_Alias", 10) == 0 ||
        strncmp(s, "Cmd_Alias", 9) == 0)
        return;
    if (strstr(s, "NOPASSWD:") != NULL)
        record(c, rel, ln, s, "NOPASSWD");
}

static void sudoers_file(struct sctx *c, const char *rel, int depth, int must_exist)
{
    char *buf;
    size_t len;
    if (depth > DEPTH_MAX)
        return;
    int rc = ef_pu_read(c->f, rel, EF_PU_FILE_MAX, &buf, &len);
    if (rc != 0) {
        if ((rc != -ENOENT || must_exist) && !c->err) {
            c->err = -rc;
            snprintf(c->err_file, sizeof(c->err_file), "%s", rel);
        }
        return;
    }
    c->files++;
    ef_pu_join_continued(buf, len);
    size_t pos = 0, ln = 0;
    char *line;
    while ((line = ef_pu_next_line(buf, len, &pos, &ln)) != NULL)
        sudoers_line(c, rel, ln, line, depth);
    free(buf);
}

void ef_probe_sudoers(struct ef_facts *f)
{
    struct sctx c = {.f = f};
    struct stat st;

    if (ef_pu_stat(f, "/etc/sudoers", &st) != 0) {
        ef_fact_int(f, "accounts.sudo_nopasswd_count", 0,
                    "sudo is not configured (no /etc/sudoers)");
        return;
    }
    ef_textlist_init(&c.rules, c.list, sizeof(c.list), "; ", SHOWN_MAX);
    sudoers_file(&c, "/etc/sudoers", 0, 1);
    if (c.rules.n > 0) {
        ef_fact_int(f, "accounts.sudo_nopasswd_count", (long long)c.rules.n, "%s",
                    ef_textlist_end(&c.rules));
    } else if (c.err) {
        ef_fact_unknown(f, "accounts.sudo_nopasswd_count", "cannot read %s: %s", c.err_file,
                        ef_pu_errtext(c.err));
    } else {
        ef_fact_int(f, "accounts.sudo_nopasswd_count", 0,
                    "no NOPASSWD or !authenticate in /etc/sudoers and its includes (%zu file%s)",
                    c.files, c.files == 1 ? "" : "s");
    }
}
