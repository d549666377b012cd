/* Helpers of the encryption and logging probes (see confdirs.h). */
#include "confdirs.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ef_conf_read(struct ef_facts *f, const char *path, size_t max, char **buf)
{
    char full[PATH_MAX];
    size_t len;

    if (ef_facts_path(f, full, sizeof(full), path) != 0)
        return -ENAMETOOLONG;
    return ef_read_file(full, max, buf, &len);
}

const char *ef_conf_strerror(int e)
{
    if (e < 0)
        e = -e;
    return e == EACCES || e == EPERM ? "permission denied (run as root)" : strerror(e);
}

struct entry {
    char name[NAME_MAX + 1];
    size_t dir;
};

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

size_t ef_conf_list(struct ef_facts *f, const char *const *dirs, size_t ndirs, const char *suffix,
                    char (*out)[PATH_MAX], size_t max)
{
    struct entry *e = calloc(max ? max : 1, sizeof(*e));
    size_t n = 0, sl = suffix ? strlen(suffix) : 0;

    if (e == NULL)
        return 0;
    for (size_t di = 0; di < ndirs; di++) {
        char dir[PATH_MAX];
        if (ef_facts_path(f, dir, sizeof(dir), dirs[di]) != 0)
            continue;
        DIR *d = opendir(dir);
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
                continue; /* masked by a higher-priority directory, or full */
            strlcpy(e[n].name, de->d_name, sizeof(e[n].name));
            e[n++].dir = di;
        }
        closedir(d);
    }
    qsort(e, n, sizeof(*e), cmp_entry);
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

char *ef_conf_next_line(char **p)
{
    char *line = *p;

    if (line == NULL || *line == '\0')
        return NULL;
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = line + strlen(line);
    }
    return line;
}

char *ef_conf_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

long long ef_timespan_sec(const char *s)
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
            for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strlen(units[i].unit) == ul && strncmp(s, units[i].unit, ul) == 0)
                    break;
            if (i == sizeof(units) / sizeof(units[0]))
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
