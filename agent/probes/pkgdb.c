/* SPDX-License-Identifier: EUPL-1.2 */
/* Package databases and version ordering (see pkgdb.h).
 *
 * Debian ordering follows Debian Policy §5.6.12: compare epochs numerically, then the
 * upstream versions, then the revisions, each by alternating non-digit parts (compared
 * character by character: '~' before the end of the part, the end before letters, letters
 * before other characters) and digit parts (compared numerically). */
#include "pkgdb.h"

#include "run_command.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define STATUS_MAX (64 * 1024 * 1024)
#define VER_MAX 256

/* ---- Debian ---- */

static int dpkg_order(int c)
{
    if (isdigit(c))
        return 0;
    if (isalpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

/* Compare a and b up to ae and be (a part: upstream or revision). */
static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
    while (a < ae || b < be) {
        int first_diff = 0;
        while ((a < ae && !isdigit((unsigned char)*a)) || (b < be && !isdigit((unsigned char)*b))) {
            int ac = a < ae ? dpkg_order((unsigned char)*a) : 0;
            int bc = b < be ? dpkg_order((unsigned char)*b) : 0;
            if (ac != bc)
                return ac - bc;
            if (a < ae)
                a++;
            if (b < be)
                b++;
        }
        while (a < ae && *a == '0')
            a++;
        while (b < be && *b == '0')
            b++;
        while (a < ae && b < be && isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            if (!first_diff)
                first_diff = *a - *b;
            a++;
            b++;
        }
        if (a < ae && isdigit((unsigned char)*a))
            return 1;
        if (b < be && isdigit((unsigned char)*b))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
}

struct dver {
    unsigned long long epoch;
    const char *up, *up_end, *rev, *rev_end;
};

static void dver_split(const char *s, struct dver *v)
{
    const char *colon = strchr(s, ':');
    v->epoch = 0;
    if (colon != NULL) {
        const char *p = s;
        while (p < colon && isdigit((unsigned char)*p))
            v->epoch = v->epoch * 10 + (unsigned)(*p++ - '0');
        s = colon + 1;
    }
    const char *end = s + strlen(s);
    const char *dash = strrchr(s, '-');
    v->up = s;
    if (dash != NULL) {
        v->up_end = dash;
        v->rev = dash + 1;
        v->rev_end = end;
    } else {
        v->up_end = end;
        v->rev = v->rev_end = end;
    }
}

int ef_dpkg_vercmp(const char *a, const char *b)
{
    struct dver va, vb;
    dver_split(a, &va);
    dver_split(b, &vb);
    if (va.epoch != vb.epoch)
        return va.epoch < vb.epoch ? -1 : 1;
    int r = verrevcmp(va.up, va.up_end, vb.up, vb.up_end);
    if (r != 0)
        return r;
    return verrevcmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
}

/* ---- rpm ---- */

/* rpmvercmp over [a, ae) and [b, be). */
static int rpmvercmp(const char *a, const char *ae, const char *b, const char *be)
{
    if (ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0)
        return 0;
    while (a < ae || b < be) {
        while (a < ae && !isalnum((unsigned char)*a) && *a != '~' && *a != '^')
            a++;
        while (b < be && !isalnum((unsigned char)*b) && *b != '~' && *b != '^')
            b++;
        /* tilde: sorts before everything, even the end */
        if ((a < ae && *a == '~') || (b < be && *b == '~')) {
            if (!(a < ae && *a == '~'))
                return 1;
            if (!(b < be && *b == '~'))
                return -1;
            a++, b++;
            continue;
        }
        /* caret: sorts after the end, before anything else */
        if ((a < ae && *a == '^') || (b < be && *b == '^')) {
            if (a >= ae)
                return -1;
            if (b >= be)
                return 1;
            if (*a != '^')
                return 1;
            if (*b != '^')
                return -1;
            a++, b++;
            continue;
        }
        if (!(a < ae && b < be))
            break;
        const char *s1 = a, *s2 = b;
        int isnum = isdigit((unsigned char)*a) != 0;
        if (isnum) {
            while (a < ae && isdigit((unsigned char)*a))
                a++;
            while (b < be && isdigit((unsigned char)*b))
                b++;
        } else {
            while (a < ae && isalpha((unsigned char)*a))
                a++;
            while (b < be && isalpha((unsigned char)*b))
                b++;
        }
        if (s2 == b) /* segments of different types: numeric is newer */
            return isnum ? 1 : -1;
        if (isnum) {
            while (s1 < a && *s1 == '0')
                s1++;
            while (s2 < b && *s2 == '0')
                s2++;
            if (a - s1 != b - s2)
                return a - s1 > b - s2 ? 1 : -1;
        }
        size_t l1 = (size_t)(a - s1), l2 = (size_t)(b - s2);
        int r = memcmp(s1, s2, l1 < l2 ? l1 : l2);
        if (r != 0)
            return r < 0 ? -1 : 1;
        if (l1 != l2)
            return l1 < l2 ? -1 : 1;
    }
    if (a >= ae && b >= be)
        return 0;
    return a < ae ? 1 : -1;
}

static void rver_split(const char *s, struct dver *v)
{
    dver_split(s, v);
}

int ef_rpm_vercmp(const char *a, const char *b)
{
    struct dver va, vb;
    rver_split(a, &va);
    rver_split(b, &vb);
    if (va.epoch != vb.epoch)
        return va.epoch < vb.epoch ? -1 : 1;
    int r = rpmvercmp(va.up, va.up_end, vb.up, vb.up_end);
    if (r != 0)
        return r;
    /* a missing release compares equal to any release */
    if (va.rev == va.rev_end || vb.rev == vb.rev_end)
        return 0;
    return rpmvercmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
}

/* ---- databases ---- */

static int exists_under(const char *root, const char *path)
{
    char full[PATH_MAX];
    struct stat st;
    return ef_path_join(full, sizeof(full), root, path) == 0 && stat(full, &st) == 0;
}

enum ef_pkg_db ef_pkgdb_kind(const char *root)
{
    if (exists_under(root, "/var/lib/dpkg/status"))
        return EF_PKGDB_DPKG;
    if (exists_under(root, "/var/lib/rpm") || exists_under(root, "/usr/lib/sysimage/rpm"))
        return EF_PKGDB_RPM;
    return EF_PKGDB_NONE;
}

/* The value of a field line "Name: value" when line starts with name (case-insensitive). */
static const char *field(const char *line, const char *name)
{
    size_t n = strlen(name);
    if (strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    line += n + 1;
    while (*line == ' ' || *line == '\t')
        line++;
    return line;
}

void ef_dpkg_each_installed(char *buf, size_t len,
                            void (*fn)(const char *name, const char *arch, const char *version,
                                       void *ctx),
                            void *ctx)
{
    const char *name = NULL, *arch = "", *ver = NULL;
    int installed = 0;
    char *p = buf, *end = buf + len;

    while (p <= end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        *le = '\0';
        /* trim a trailing CR */
        if (le > p && le[-1] == '\r')
            le[-1] = '\0';
        if (*p == '\0') {
            if (name && ver && installed)
                fn(name, arch, ver, ctx);
            name = ver = NULL;
            arch = "";
            installed = 0;
        } else if (*p != ' ' && *p != '\t') {
            const char *v;
            if ((v = field(p, "Package")) != NULL)
                name = v;
            else if ((v = field(p, "Version")) != NULL)
                ver = v;
            else if ((v = field(p, "Architecture")) != NULL)
                arch = v;
            else if ((v = field(p, "Status")) != NULL) {
                /* "want flag state": the state word decides ("install ok installed",
                 * "hold ok installed", "deinstall ok installed" are all installed) */
                const char *sp = strrchr(v, ' ');
                installed = sp != NULL && strcmp(sp + 1, "installed") == 0;
            }
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    if (name && ver && installed)
        fn(name, arch, ver, ctx);
}

struct find_ctx {
    const char *want;
    char *ver;
    size_t verlen;
    int found;
};

static void find_cb(const char *name, const char *arch, const char *version, void *ctx)
{
    struct find_ctx *c = ctx;
    (void)arch;
    if (!c->found && strcmp(name, c->want) == 0) {
        c->found = 1;
        strlcpy(c->ver, version, c->verlen);
    }
}

static int rpm_installed(const char *root, const char *name, char *ver, size_t verlen, char *why,
                         size_t whylen)
{
    if (strcmp(root, "/") != 0) {
        snprintf(why, whylen,
                 "the rpm database is read with rpm on the live system only (--root /)");
        return -1;
    }
    char *argv[] = {"rpm", "-q", "--qf", "%{EPOCH}:%{VERSION}-%{RELEASE}\\n", (char *)name, NULL};
    char out[1024], cwhy[256];
    size_t len = sizeof(out) - 1;
    int ws;
    if (ef_run_command(argv, 5000, &ws, out, &len, cwhy, sizeof(cwhy)) != 0) {
        snprintf(why, whylen, "rpm -q %s: %s", name, cwhy);
        return -1;
    }
    out[len] = '\0';
    if (!WIFEXITED(ws)) {
        snprintf(why, whylen, "rpm -q %s was killed", name);
        return -1;
    }
    if (WEXITSTATUS(ws) == 1 && strstr(out, "is not installed") != NULL)
        return 0;
    if (WEXITSTATUS(ws) != 0) {
        snprintf(why, whylen, "rpm -q %s exited with %d", name, WEXITSTATUS(ws));
        return -1;
    }
    char *nl = strchr(out, '\n');
    if (nl)
        *nl = '\0';
    /* "(none):1.2-3" when there is no epoch */
    const char *v = strncmp(out, "(none):", 7) == 0 ? out + 7 : out;
    strlcpy(ver, v, verlen);
    return 1;
}

int ef_pkg_installed(const char *root, const char *name, char *ver, size_t verlen, char *why,
                     size_t whylen)
{
    switch (ef_pkgdb_kind(root)) {
    case EF_PKGDB_DPKG: {
        char path[PATH_MAX], *buf;
        size_t len;
        int rc;
        if (ef_path_join(path, sizeof(path), root, "/var/lib/dpkg/status") != 0) {
            snprintf(why, whylen, "path too long under root %s", root);
            return -1;
        }
        if ((rc = ef_read_file(path, STATUS_MAX, &buf, &len)) != 0) {
            snprintf(why, whylen, "cannot read /var/lib/dpkg/status: %s%s", strerror(-rc),
                     rc == -EACCES ? " (run as root)" : "");
            return -1;
        }
        struct find_ctx c = {.want = name, .ver = ver, .verlen = verlen};
        ef_dpkg_each_installed(buf, len, find_cb, &c);
        free(buf);
        return c.found;
    }
    case EF_PKGDB_RPM:
        return rpm_installed(root, name, ver, verlen, why, whylen);
    default:
        snprintf(why, whylen, "no package database (no /var/lib/dpkg/status, no rpm database)");
        return -1;
    }
}
