/* Helpers of the patch and accounts probes (see pa_util.h). */
#include "pa_util.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int pa_read(struct ef_facts *f, const char *rel, char **buf, size_t *len)
{
    char path[PATH_MAX];

    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    return ef_read_file(path, PA_FILE_MAX, buf, len);
}

int pa_stat(struct ef_facts *f, const char *rel, struct stat *st)
{
    char path[PATH_MAX];

    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    return stat(path, st) == 0 ? 0 : -errno;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pa_list(struct ef_facts *f, const char *rel, char ***names, size_t *n)
{
    char path[PATH_MAX];
    size_t cap = 0;

    *names = NULL;
    *n = 0;
    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    DIR *d = opendir(path);
    if (d == NULL)
        return -errno;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nn = nc <= 65536 ? realloc(*names, nc * sizeof(*nn)) : NULL;
            if (nn == NULL)
                break;
            *names = nn, cap = nc;
        }
        if (((*names)[*n] = strdup(de->d_name)) == NULL)
            break;
        (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(*names, *n, sizeof(**names), cmp);
    return 0;
}

void pa_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

char *pa_next_line(char *buf, size_t len, size_t *pos, size_t *lineno)
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
    (*lineno)++;
    return s;
}

char *pa_skip_ws(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

void pa_rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

const char *pa_errtext(int err)
{
    if (err == EACCES || err == EPERM)
        return "permission denied (run as root)";
    return strerror(err);
}

long long pa_days_since(struct ef_facts *f, time_t t)
{
    time_t now = ef_facts_time(f);
    return t >= now ? 0 : (long long)((now - t) / PA_DAY);
}
