/* SPDX-License-Identifier: EUPL-1.2 */
#include "../hostinfo.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Copy the value of KEY= from os-release text, unquoting "..." or '...'. */
static void os_release_value(const char *text, const char *key, char *dst, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;
         line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, klen) != 0 || line[klen] != '=')
            continue;
        const char *v = line + klen + 1;
        size_t n = strcspn(v, "\n");
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
            v++;
            n -= 2;
        }
        if (n >= cap)
            n = cap - 1;
        memcpy(dst, v, n);
        dst[n] = '\0';
        return;
    }
}

static void first_line(const char *root, const char *path, char *dst, size_t cap)
{
    char full[4096], *text = NULL;
    if (ef_path_join(full, sizeof(full), root, path) != 0 ||
        ef_read_file(full, 4096, &text, NULL) != 0)
        return;
    size_t n = strcspn(text, "\r\n");
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, text, n);
    dst[n] = '\0';
    free(text);
}

int hostinfo_collect(const char *root, const struct agent_config *cfg, struct ef_host *h, char *err,
                     size_t errlen)
{
    int live = root == NULL || strcmp(root, "/") == 0;
    memset(h, 0, sizeof(*h));
    strlcpy(h->platform, EF_PLATFORM_LINUX, sizeof(h->platform));

    if (cfg && cfg->hostname[0])
        strlcpy(h->hostname, cfg->hostname, sizeof(h->hostname));
    else if (live)
        gethostname(h->hostname, sizeof(h->hostname) - 1);
    else
        first_line(root, "/etc/hostname", h->hostname, sizeof(h->hostname));
    if (h->hostname[0] == '\0')
        strlcpy(h->hostname, "localhost", sizeof(h->hostname));

    if (cfg && cfg->machine_id[0])
        strlcpy(h->machine_id, cfg->machine_id, sizeof(h->machine_id));
    else
        first_line(root, "/etc/machine-id", h->machine_id, sizeof(h->machine_id));
    if (h->machine_id[0] == '\0')
        first_line(root, "/var/lib/dbus/machine-id", h->machine_id, sizeof(h->machine_id));

    char path[4096], *osr = NULL;
    if ((ef_path_join(path, sizeof(path), root, "/etc/os-release") == 0 &&
         ef_read_file(path, 65536, &osr, NULL) == 0) ||
        (ef_path_join(path, sizeof(path), root, "/usr/lib/os-release") == 0 &&
         ef_read_file(path, 65536, &osr, NULL) == 0)) {
        os_release_value(osr, "ID", h->os_id, sizeof(h->os_id));
        os_release_value(osr, "VERSION_ID", h->os_version, sizeof(h->os_version));
        os_release_value(osr, "PRETTY_NAME", h->os_pretty, sizeof(h->os_pretty));
        free(osr);
    }

    struct utsname u;
    if (live && uname(&u) == 0) {
        strlcpy(h->kernel, u.release, sizeof(h->kernel));
        strlcpy(h->arch, u.machine, sizeof(h->arch));
    }

    if (h->machine_id[0] == '\0') {
        snprintf(err, errlen,
                 "no machine id: %s/etc/machine-id is missing (run systemd-machine-id-setup, or "
                 "set machine_id in the configuration)",
                 live ? "" : root);
        return -1;
    }
    return 0;
}
