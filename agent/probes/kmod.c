/* SPDX-License-Identifier: EUPL-1.2 */
/* Kernel module probe: can the usb-storage driver load?
 *
 * modprobe.d is read the way kmod reads it: the *.conf files of /etc/modprobe.d,
 * /run/modprobe.d, /usr/local/lib/modprobe.d, /usr/lib/modprobe.d and /lib/modprobe.d,
 * sorted by file name across the directories (a name in an earlier directory masks the same
 * name in a later one), lines continued with a trailing backslash, '-' and '_' equal in
 * module names. The first "install usb_storage COMMAND" wins (as in kmod); COMMAND being
 * /bin/false or /bin/true (any path or none; false or true) means modprobe never loads the
 * module. module_blacklist=usb_storage on the kernel command line (ROOT/proc/cmdline) makes
 * the kernel itself refuse it.
 *   kmod.usb_storage.blocked: such an install line, or module_blacklist=
 *   kmod.usb_storage.blacklisted: a "blacklist usb_storage" line, or modprobe.blacklist=
 *     (stops automatic loading by device alias only)
 *   kmod.usb_storage.loaded: ROOT/sys/module/usb_storage exists (unknown without
 *     ROOT/sys/module, e.g. on a mounted image). */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONF_MAX (1024 * 1024)
#define FILES_MAX 256

static const char *const modprobe_dirs[] = {"/etc/modprobe.d", "/run/modprobe.d",
                                            "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d",
                                            "/lib/modprobe.d"};

static int is_usb_storage(const char *name)
{
    static const char want[] = "usb_storage";
    size_t i;
    for (i = 0; name[i] && want[i]; i++) {
        char c = name[i] == '-' ? '_' : name[i];
        if (c != want[i])
            return 0;
    }
    return name[i] == '\0' && want[i] == '\0';
}

/* "/bin/false", "false", "/usr/bin/true" ... */
static int blocking_command(const char *cmd)
{
    size_t n = strcspn(cmd, " \t;");
    const char *b = cmd;
    for (size_t i = 0; i < n; i++)
        if (cmd[i] == '/')
            b = cmd + i + 1;
    size_t bl = (size_t)(cmd + n - b);
    return (bl == 5 && strncmp(b, "false", 5) == 0) || (bl == 4 && strncmp(b, "true", 4) == 0);
}

struct kmod_state {
    int have_install, blocked, blacklisted;
    char install_ev[512], blacklist_ev[512];
};

/* Join backslash-continued lines in place (the backslash, a CR and the newline become spaces):
 * ef_pu_join_continued, plus a backslash before a CRLF line end. */
static void join_continuations(char *buf, size_t len)
{
    ef_pu_join_continued(buf, len);
    for (size_t i = 0; i + 2 < len; i++)
        if (buf[i] == '\\' && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            buf[i] = buf[i + 1] = buf[i + 2] = ' ';
}

static void parse_file(struct ef_facts *f, const char *shown, struct kmod_state *st)
{
    char *buf, *line;
    size_t len, pos = 0, lineno = 0;

    if (ef_pu_read(f, shown, CONF_MAX, &buf, &len) != 0)
        return;
    join_continuations(buf, len);
    while ((line = ef_pu_next_line(buf, len, &pos, &lineno)) != NULL) {
        line = ef_pu_trim(line);
        if (*line == '#' || *line == '\0')
            continue;
        char *sp, *cmd = strtok_r(line, " \t", &sp), *mod = strtok_r(NULL, " \t", &sp);
        if (cmd == NULL || mod == NULL || !is_usb_storage(mod))
            continue;
        if (strcmp(cmd, "install") == 0 && !st->have_install) {
            char *rest = ef_pu_trim(sp ? sp : (char *)"");
            st->have_install = 1;
            st->blocked = blocking_command(rest);
            ef_text_printf(st->install_ev, sizeof(st->install_ev), "%s line %zu: install %s %.60s",
                           shown, lineno, mod, rest);
        } else if (strcmp(cmd, "blacklist") == 0 && !st->blacklisted) {
            st->blacklisted = 1;
            ef_text_printf(st->blacklist_ev, sizeof(st->blacklist_ev), "%s line %zu: blacklist %s",
                           shown, lineno, mod);
        }
    }
    free(buf);
}

/* Does a comma-separated kernel parameter key=list name usb_storage? */
static int cmdline_lists(const char *cmdline, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = cmdline; (p = strstr(p, key)) != NULL; p += kl) {
        if (p != cmdline && p[-1] != ' ')
            continue;
        char list[256];
        size_t n = strcspn(p + kl, " \n");
        if (n >= sizeof(list))
            n = sizeof(list) - 1;
        memcpy(list, p + kl, n);
        list[n] = '\0';
        char *sp, *tok;
        for (tok = strtok_r(list, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp))
            if (is_usb_storage(tok))
                return 1;
    }
    return 0;
}

void ef_probe_kmod(struct ef_facts *f)
{
    struct kmod_state st;
    char(*files)[PATH_MAX] = calloc(FILES_MAX, sizeof(*files));
    char *cmdline = NULL, full[PATH_MAX];
    struct stat sb;

    memset(&st, 0, sizeof(st));
    if (files == NULL) {
        ef_fact_unknown(f, "kmod.usb_storage.blocked", "out of memory");
        ef_fact_unknown(f, "kmod.usb_storage.blacklisted", "out of memory");
        ef_fact_unknown(f, "kmod.usb_storage.loaded", "out of memory");
        return;
    }
    size_t n =
        ef_pu_dropins(f, modprobe_dirs, EF_ARRAY_LEN(modprobe_dirs), ".conf", files, FILES_MAX);
    for (size_t i = 0; i < n; i++)
        parse_file(f, files[i], &st);
    free(files);
    if (ef_pu_read(f, "/proc/cmdline", 64 * 1024, &cmdline, NULL) != 0)
        cmdline = NULL;

    if (cmdline && cmdline_lists(cmdline, "module_blacklist="))
        ef_fact_bool(f, "kmod.usb_storage.blocked", 1,
                     "module_blacklist= on the kernel command line names usb_storage");
    else if (st.have_install)
        ef_fact_bool(f, "kmod.usb_storage.blocked", st.blocked, "%s%s", st.install_ev,
                     st.blocked ? "" : " (not /bin/false or /bin/true)");
    else
        ef_fact_bool(f, "kmod.usb_storage.blocked", 0,
                     "no \"install usb-storage /bin/false\" in modprobe.d (%zu file%s read)", n,
                     n == 1 ? "" : "s");

    if (st.blacklisted)
        ef_fact_bool(f, "kmod.usb_storage.blacklisted", 1, "%s", st.blacklist_ev);
    else if (cmdline && cmdline_lists(cmdline, "modprobe.blacklist="))
        ef_fact_bool(f, "kmod.usb_storage.blacklisted", 1,
                     "modprobe.blacklist= on the kernel command line names usb_storage");
    else
        ef_fact_bool(f, "kmod.usb_storage.blacklisted", 0,
                     "no \"blacklist usb-storage\" in modprobe.d (%zu file%s read)", n,
                     n == 1 ? "" : "s");
    free(cmdline);

    if (ef_facts_path(f, full, sizeof(full), "/sys/module") != 0 || stat(full, &sb) != 0 ||
        !S_ISDIR(sb.st_mode)) {
        ef_fact_unknown(f, "kmod.usb_storage.loaded",
                        "no /sys/module under this root: loaded modules cannot be seen");
    } else {
        int loaded = ef_facts_path(f, full, sizeof(full), "/sys/module/usb_storage") == 0 &&
                     stat(full, &sb) == 0;
        ef_fact_bool(f, "kmod.usb_storage.loaded", loaded, "/sys/module/usb_storage %s",
                     loaded ? "exists: the module is loaded (or built in)"
                            : "does not exist: the module is not loaded");
    }
}
