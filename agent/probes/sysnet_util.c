/* Small helpers shared by the network, malware, desktop and system probes. */
#include "sysnet_util.h"

#include "efterlev/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define KV_FILE_MAX (1024 * 1024)

char *ef_sn_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int ef_sn_kv_last(struct ef_facts *f, const char *path, const char *key, char *val, size_t vallen,
                  int *line)
{
    char full[PATH_MAX], *buf;
    size_t klen = strlen(key);
    int rc, found = 0, lineno = 0;

    if (ef_facts_path(f, full, sizeof(full), path) != 0)
        return -ENAMETOOLONG;
    if ((rc = ef_read_file(full, KV_FILE_MAX, &buf, NULL)) != 0)
        return rc;
    for (char *p = buf; p != NULL;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        char *s = ef_sn_trim(p);
        p = nl ? nl + 1 : NULL;
        if (*s == '#' || strncmp(s, key, klen) != 0)
            continue;
        s = ef_sn_trim(s + klen);
        if (*s != '=')
            continue;
        s = ef_sn_trim(s + 1);
        size_t n = strlen(s);
        if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
            s[n - 1] = '\0';
            s++;
        }
        val[0] = '\0';
        ef_text_append(val, vallen, s, strlen(s));
        found = 1;
        if (line)
            *line = lineno;
    }
    free(buf);
    return found;
}

int ef_sn_live(struct ef_facts *f)
{
    return strcmp(ef_facts_root(f), "/") == 0;
}

const char *ef_sn_why(int err)
{
    if (err < 0)
        err = -err;
    if (err == EACCES || err == EPERM)
        return "permission denied (run as root)";
    if (err == ENOENT)
        return "not found";
    return strerror(err);
}

void ef_sn_list_add(char *list, size_t cap, const char *item)
{
    if (list[0] != '\0')
        ef_text_append(list, cap, ", ", 2);
    ef_text_append(list, cap, item, strlen(item));
}
