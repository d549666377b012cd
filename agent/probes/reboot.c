/* SPDX-License-Identifier: EUPL-1.2 */
/* Reboot probe: updates.reboot_required and updates.reboot_pending_days.
 *
 * A reboot is pending when /run/reboot-required (or /var/run/reboot-required) exists
 * (Ubuntu and Debian's update-notifier-common write it; the file's mtime dates it), or when
 * a kernel newer than the running one is installed: versions under /lib/modules and
 * /usr/lib/modules with a modules.dep, a vmlinuz or a /boot/vmlinuz-VERSION, of the same
 * flavour as the running kernel ("-amd64", "-cloud-amd64", "-generic"), compared with
 * Debian version ordering; its install time is the mtime of its modules folder. The
 * running kernel is uname -r on the live system and ROOT/proc/sys/kernel/osrelease under
 * another root. */
#include "facts.h"
#include "probe_util.h"
#include "pkgdb.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* "-amd64" of "6.1.0-26-amd64": from the first '-' followed by a letter. */
static const char *flavour(const char *v)
{
    for (const char *p = v; (p = strchr(p, '-')) != NULL; p++)
        if (isalpha((unsigned char)p[1]))
            return p;
    return "";
}

static int is_symlink(struct ef_facts *f, const char *rel)
{
    char path[PATH_MAX];
    struct stat st;
    return ef_facts_path(f, path, sizeof(path), rel) == 0 && lstat(path, &st) == 0 &&
           S_ISLNK(st.st_mode);
}

void ef_probe_reboot(struct ef_facts *f)
{
    int live = ef_pu_is_live(f);
    char running[256] = "", why_running[200] = "";
    long long pending_days = -1;
    char ev[EF_EVIDENCE_MAX + 1] = "", piece[600], when[32];
    struct stat st;

    /* reboot-required flag file; /var/run is a link to /run on current systems, which
     * under another root would point at the live /run */
    const char *flag = NULL;
    if (ef_pu_stat(f, "/run/reboot-required", &st) == 0)
        flag = "/run/reboot-required";
    else if ((live || !is_symlink(f, "/var/run")) &&
             ef_pu_stat(f, "/var/run/reboot-required", &st) == 0)
        flag = "/var/run/reboot-required";
    if (flag) {
        pending_days = ef_pu_days_since(f, st.st_mtime);
        ef_time_rfc3339(st.st_mtime, when);
        snprintf(piece, sizeof(piece), "%s exists (since %s)", flag, when);
        ef_evidence_add(ev, sizeof(ev), piece);
    }

    /* running kernel */
    if (live) {
        struct utsname u;
        if (uname(&u) == 0)
            snprintf(running, sizeof(running), "%s", u.release);
        else
            snprintf(why_running, sizeof(why_running), "uname: %s", strerror(errno));
    } else {
        char *buf;
        size_t len;
        int rc = ef_pu_read(f, "/proc/sys/kernel/osrelease", EF_PU_FILE_MAX, &buf, &len);
        if (rc == 0) {
            buf[strcspn(buf, "\n")] = '\0'; /* the first line, trimmed */
            snprintf(running, sizeof(running), "%s", ef_pu_trim(buf));
            free(buf);
        } else {
            snprintf(why_running, sizeof(why_running), "running kernel unknown (no %s)",
                     "/proc/sys/kernel/osrelease under the root");
        }
    }

    /* installed kernels */
    static const char *const dirs[] = {"/usr/lib/modules", "/lib/modules"};
    char newest[256] = "", newest_dir[32] = "";
    time_t newest_t = 0;
    size_t ninstalled = 0;
    for (size_t d = 0; d < EF_ARRAY_LEN(dirs); d++) {
        char **names;
        size_t n;
        if (!live && is_symlink(f, d == 0 ? "/usr/lib" : "/lib"))
            continue;
        if (ef_pu_list_sorted(f, dirs[d], &names, &n) != 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            char rel[PATH_MAX], rel2[PATH_MAX];
            struct stat kst, dst;
            snprintf(rel, sizeof(rel), "%s/%s", dirs[d], names[i]);
            if (ef_pu_stat(f, rel, &dst) != 0 || !S_ISDIR(dst.st_mode))
                continue;
            snprintf(rel2, sizeof(rel2), "%s/%s/modules.dep", dirs[d], names[i]);
            int ok = ef_pu_stat(f, rel2, &kst) == 0;
            snprintf(rel2, sizeof(rel2), "%s/%s/vmlinuz", dirs[d], names[i]);
            ok = ok || ef_pu_stat(f, rel2, &kst) == 0;
            snprintf(rel2, sizeof(rel2), "/boot/vmlinuz-%s", names[i]);
            ok = ok || ef_pu_stat(f, rel2, &kst) == 0;
            if (!ok)
                continue;
            ninstalled++;
            if (running[0] && strcmp(flavour(names[i]), flavour(running)) != 0)
                continue;
            if (newest[0] == '\0' || ef_dpkg_vercmp(names[i], newest) > 0) {
                snprintf(newest, sizeof(newest), "%s", names[i]);
                snprintf(newest_dir, sizeof(newest_dir), "%s", dirs[d]);
                newest_t = dst.st_mtime;
            }
        }
        ef_pu_list_free(names, n);
    }

    int kernel_unknown = 0;
    if (ninstalled == 0) {
        ef_evidence_add(ev, sizeof(ev),
                        "no installed kernel under /lib/modules or /usr/lib/modules (a "
                        "container?)");
    } else if (running[0] == '\0') {
        kernel_unknown = 1;
    } else if (newest[0] && ef_dpkg_vercmp(newest, running) > 0) {
        long long d = ef_pu_days_since(f, newest_t);
        if (d > pending_days)
            pending_days = d;
        ef_time_rfc3339(newest_t, when);
        ef_text_printf(piece, sizeof(piece), "running kernel %s, newer %s installed %s (%s/%s)",
                       running, newest, when, newest_dir, newest);
        ef_evidence_add(ev, sizeof(ev), piece);
    } else {
        snprintf(piece, sizeof(piece), "running kernel %s is the newest installed", running);
        ef_evidence_add(ev, sizeof(ev), piece);
    }

    if (pending_days >= 0) {
        ef_fact_bool(f, "updates.reboot_required", 1, "%s", ev);
        ef_fact_int(f, "updates.reboot_pending_days", pending_days,
                    "reboot pending for %lld days: %s", pending_days, ev);
    } else if (kernel_unknown) {
        ef_fact_unknown(f, "updates.reboot_required", "%s; no /run/reboot-required", why_running);
        ef_fact_unknown(f, "updates.reboot_pending_days", "%s; no /run/reboot-required",
                        why_running);
    } else {
        if (!flag)
            ef_evidence_add(ev, sizeof(ev), "no /run/reboot-required");
        ef_fact_bool(f, "updates.reboot_required", 0, "%s", ev);
        ef_fact_int(f, "updates.reboot_pending_days", 0, "no reboot pending: %s", ev);
    }
}
