/* SPDX-License-Identifier: EUPL-1.2 */
/* Helpers shared by the probes (see probe_util.h). */
#include "probe_util.h"
#include "root_open.h"

#include "efterlev/array.h"
#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KV_FILE_MAX (1024 * 1024)

/* ---- files under the scan root ---- */

int ef_pu_read(struct ef_facts *f, const char *rel, size_t max, char **buf, size_t *len)
{
    char path[PATH_MAX];

    *buf = NULL;
    if (len)
        *len = 0;
    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    return ef_root_read(ef_facts_root(f), rel, max, buf, len);
}

int ef_pu_read_attr(struct ef_facts *f, const char *rel, char *out, size_t outlen)
{
    char *buf;

    if (ef_pu_read(f, rel, 64 * 1024, &buf, NULL) != 0)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    int rc = strlcpy(out, buf, outlen) < outlen ? 0 : -1;
    free(buf);
    return rc;
}

int ef_pu_stat(struct ef_facts *f, const char *rel, struct stat *st)
{
    char path[PATH_MAX];

    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    return ef_root_stat(ef_facts_root(f), rel, st);
}

/* opendir of rel under the scan root, links resolved inside it; NULL with errno. */
static DIR *root_opendir(struct ef_facts *f, const char *rel)
{
    int fd = ef_root_open(ef_facts_root(f), rel, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        errno = -fd;
        return NULL;
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ef_pu_list_sorted(struct ef_facts *f, const char *rel, char ***names, size_t *n)
{
    char path[PATH_MAX];
    size_t cap = 0;

    *names = NULL;
    *n = 0;
    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    DIR *d = root_opendir(f, rel);
    if (d == NULL)
        return -errno;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char **nn = ef_array_grow(*names, *n, &cap, sizeof(*nn), 16, 65536);
        if (nn == NULL)
            break;
        *names = nn;
        if (((*names)[*n] = strdup(de->d_name)) == NULL)
            break;
        (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(*names, *n, sizeof(**names), cmp_name);
    return 0;
}

void ef_pu_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

struct dropin {
    char name[NAME_MAX + 1];
    size_t dir; /* index into dirs */
};

static int cmp_dropin(const void *a, const void *b)
{
    return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

size_t ef_pu_dropins(struct ef_facts *f, const char *const *dirs, size_t ndirs, const char *suffix,
                     char (*out)[PATH_MAX], size_t max)
{
    struct dropin *e = calloc(max ? max : 1, sizeof(*e));
    size_t n = 0, sl = suffix ? strlen(suffix) : 0;

    if (e == NULL)
        return 0;
    for (size_t di = 0; di < ndirs; di++) {
        DIR *d = root_opendir(f, dirs[di]);
        struct dirent *de;
        if (d == NULL)
            continue;
        while ((de = readdir(d)) != NULL) {
            size_t nl = strlen(de->d_name);
            if (de->d_name[0] == '.' ||
                (suffix && (nl <= sl || strcmp(de->d_name + nl - sl, suffix) != 0)))
                continue;
            size_t i;
            for (i = 0; i < n; i++)
                if (strcmp(e[i].name, de->d_name) == 0)
                    break;
            if (i < n || n == max)
                continue; /* masked by a higher-priority folder, or full */
            strlcpy(e[n].name, de->d_name, sizeof(e[n].name));
            e[n++].dir = di;
        }
        closedir(d);
    }
    qsort(e, n, sizeof(*e), cmp_dropin);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t dl = strlen(dirs[e[i].dir]), nl = strlen(e[i].name);
        if (dl + 1 + nl >= PATH_MAX)
            continue;
        memcpy(out[k], dirs[e[i].dir], dl);
        out[k][dl] = '/';
        memcpy(out[k] + dl + 1, e[i].name, nl + 1);
        k++;
    }
    free(e);
    return k;
}

/* ---- lines and blanks ---- */

char *ef_pu_next_line(char *buf, size_t len, size_t *pos, size_t *lineno)
{
    if (*pos >= len)
        return NULL;
    char *s = buf + *pos;
    char *nl = memchr(s, '\n', len - *pos);
    char *e = nl ? nl : buf + len;
    *e = '\0';
    if (e > s && e[-1] == '\r')
        e[-1] = '\0';
    *pos = (size_t)(e - buf) + 1;
    if (lineno)
        (*lineno)++;
    return s;
}

void ef_pu_join_continued(char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (buf[i] == '\\' && buf[i + 1] == '\n')
            buf[i] = buf[i + 1] = ' ';
}

char *ef_pu_skip_ws(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

char *ef_pu_trim(char *s)
{
    s = ef_pu_skip_ws(s);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

void ef_pu_mount_unescape(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* ---- key/value configuration files ---- */

int ef_pu_ini_each(struct ef_facts *f, const char *rel, size_t max, ef_pu_kv_fn fn, void *ctx)
{
    char *buf, *line, *section = "";
    size_t len, pos = 0, lineno = 0;
    int rc = ef_pu_read(f, rel, max, &buf, &len);

    if (rc != 0)
        return rc;
    while ((line = ef_pu_next_line(buf, len, &pos, &lineno)) != NULL) {
        char *s = ef_pu_trim(line), *eq;
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            section = s; /* stays valid: later lines do not overlap it */
            continue;
        }
        if ((eq = strchr(s, '=')) == NULL)
            continue;
        *eq = '\0';
        fn(section, ef_pu_trim(s), ef_pu_trim(eq + 1), lineno, ctx);
    }
    free(buf);
    return 0;
}

struct kv_last {
    const char *key;
    char *val;
    size_t vallen;
    int found, line;
};

static void kv_last_one(const char *section, char *key, char *value, size_t lineno, void *ctx)
{
    struct kv_last *k = ctx;
    (void)section; /* shell-style files have no sections */
    if (strcmp(key, k->key) != 0)
        return;
    size_t n = strlen(value);
    if (n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n - 1] == value[0]) {
        value[n - 1] = '\0';
        value++;
    }
    k->val[0] = '\0';
    ef_text_append(k->val, k->vallen, value, strlen(value));
    k->found = 1;
    k->line = (int)lineno;
}

int ef_pu_kv_last(struct ef_facts *f, const char *rel, const char *key, char *val, size_t vallen,
                  int *line)
{
    struct kv_last k = {.key = key, .val = val, .vallen = vallen};
    int rc = ef_pu_ini_each(f, rel, KV_FILE_MAX, kv_last_one, &k);

    if (rc != 0)
        return rc;
    if (k.found && line)
        *line = k.line;
    return k.found;
}

long long ef_pu_timespan_sec(const char *s)
{
    static const struct {
        const char *unit;
        double sec;
    } units[] = {
        /* longest names first so "ms" is not read as "m" */
        {"seconds", 1},      {"second", 1},      {"minutes", 60},   {"minute", 60},
        {"months", 2629800}, {"month", 2629800}, {"hours", 3600},   {"hour", 3600},
        {"years", 31557600}, {"year", 31557600}, {"weeks", 604800}, {"week", 604800},
        {"days", 86400},     {"day", 86400},     {"msec", 0.001},   {"usec", 0.000001},
        {"sec", 1},          {"min", 60},        {"hr", 3600},      {"ms", 0.001},
        {"us", 0.000001},    {"s", 1},           {"m", 60},         {"h", 3600},
        {"d", 86400},        {"w", 604800},      {"M", 2629800},    {"y", 31557600},
    };
    double total = 0;
    int any = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return -1;
    while (*s) {
        char *end;
        if (*s < '0' || *s > '9')
            return -1;
        double v = strtod(s, &end);
        if (end == s)
            return -1;
        s = end;
        while (*s == ' ' || *s == '\t')
            s++;
        double mul = 1;
        size_t ul = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
        if (ul > 0) {
            size_t i;
            for (i = 0; i < EF_ARRAY_LEN(units); i++)
                if (strlen(units[i].unit) == ul && strncmp(s, units[i].unit, ul) == 0)
                    break;
            if (i == EF_ARRAY_LEN(units))
                return -1;
            mul = units[i].sec;
            s += ul;
        }
        total += v * mul;
        any = 1;
        while (*s == ' ' || *s == '\t')
            s++;
    }
    if (!any || total > 9.0e15)
        return -1;
    return (long long)total;
}

/* ---- evidence ---- */

const char *ef_pu_errtext(int err)
{
    return ef_root_errtext(err);
}

void ef_pu_list_add(char *list, size_t cap, const char *item)
{
    if (list[0] != '\0')
        ef_text_append(list, cap, ", ", 2);
    ef_text_append(list, cap, item, strlen(item));
}

int ef_pu_is_live(const struct ef_facts *f)
{
    return strcmp(ef_facts_root(f), "/") == 0;
}

long long ef_pu_days_since(struct ef_facts *f, time_t t)
{
    time_t now = ef_facts_time(f);
    return t >= now ? 0 : (long long)((now - t) / EF_PU_DAY);
}
