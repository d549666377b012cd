/* SPDX-License-Identifier: EUPL-1.2 */
/* Kernel hardening probe: core dump restrictions and mandatory access control.
 *
 * sys.limits.core_hard_zero: the last entry for domain "*" with type hard (or "-") and item
 *   core in ROOT/etc/security/limits.conf, then ROOT/etc/security/limits.d/ *.conf sorted
 *   by name (the order pam_limits reads them), has value 0.
 * sys.coredump.restricted: systemd-coredump is not installed (no
 *   /usr/lib/systemd/systemd-coredump or /lib/systemd/systemd-coredump), or its effective
 *   configuration has Storage=none and ProcessSizeMax=0: /etc/systemd/coredump.conf, then
 *   the drop-ins *.conf of /usr/lib, /run and /etc systemd/coredump.conf.d/ sorted by name
 *   (a name in /etc masks /run, which masks /usr/lib), last assignment in [Coredump] wins.
 * sys.mac.name / sys.mac.mode: SELinux when ROOT/sys/fs/selinux/enforce exists (1 =
 *   enforcing, 0 = permissive, reported as complain; SELINUX= in /etc/selinux/config
 *   lowers the mode it will have after the next boot); else AppArmor when
 *   ROOT/sys/module/apparmor/parameters/enabled is Y: the loaded profiles of
 *   ROOT/sys/kernel/security/apparmor/profiles (root only) are enforcing when every
 *   profile is in enforce (or kill) mode, complain when some are in complain mode, and
 *   disabled when none is loaded (nothing is confined). Otherwise "none" / "disabled". */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONF_MAX (1024 * 1024)
#define DROPINS_MAX 128

/* ---- limits ---- */

struct core_limit {
    int found;
    char value[32];
    char where[200];
};

static void limits_file(struct ef_facts *f, const char *shown, struct core_limit *cl)
{
    char *text, *line;
    size_t len, pos = 0, lineno = 0;

    if (ef_pu_read(f, shown, CONF_MAX, &text, &len) != 0)
        return;
    while ((line = ef_pu_next_line(text, len, &pos, &lineno)) != NULL) {
        char *s = ef_pu_trim(line);
        char dom[64], type[16], item[32], val[32];
        if (*s == '#' || sscanf(s, "%63s %15s %31s %31s", dom, type, item, val) != 4)
            continue;
        if (strcmp(dom, "*") != 0 || strcmp(item, "core") != 0 ||
            (strcmp(type, "hard") != 0 && strcmp(type, "-") != 0))
            continue;
        cl->found = 1;
        strlcpy(cl->value, val, sizeof(cl->value));
        snprintf(cl->where, sizeof(cl->where), "%.150s line %zu", shown, lineno);
    }
    free(text);
}

static void probe_limits(struct ef_facts *f)
{
    static const char *const dirs[] = {"/etc/security/limits.d"};
    struct core_limit cl = {0};
    char(*files)[PATH_MAX] = calloc(DROPINS_MAX, sizeof(*files));

    limits_file(f, "/etc/security/limits.conf", &cl);
    size_t n = files ? ef_pu_dropins(f, dirs, 1, ".conf", files, DROPINS_MAX) : 0;
    for (size_t i = 0; i < n; i++)
        limits_file(f, files[i], &cl);
    free(files);
    if (!cl.found)
        ef_fact_bool(f, "sys.limits.core_hard_zero", 0,
                     "no '* hard core 0' in /etc/security/limits.conf or limits.d/*.conf");
    else
        ef_fact_bool(f, "sys.limits.core_hard_zero", strcmp(cl.value, "0") == 0,
                     "* hard core %s (%s)", cl.value, cl.where);
}

/* ---- systemd-coredump ---- */

struct cd_setting {
    char value[64];
    char where[200];
};

struct coredump {
    const char *shown;
    struct cd_setting storage, size;
};

/* One assignment of coredump.conf or a drop-in: Storage= and ProcessSizeMax= in [Coredump]. */
static void coredump_line(const char *section, char *k, char *v, size_t lineno, void *ctx)
{
    struct coredump *cd = ctx;
    struct cd_setting *t = strcmp(k, "Storage") == 0          ? &cd->storage
                           : strcmp(k, "ProcessSizeMax") == 0 ? &cd->size
                                                              : NULL;
    if (t == NULL || strcmp(section, "[Coredump]") != 0)
        return;
    t->value[0] = '\0';
    ef_text_append(t->value, sizeof(t->value), v, strlen(v));
    snprintf(t->where, sizeof(t->where), "%.150s line %zu", cd->shown, lineno);
}

static void coredump_conf(struct ef_facts *f, const char *shown, struct coredump *cd)
{
    cd->shown = shown;
    ef_pu_ini_each(f, shown, CONF_MAX, coredump_line, cd);
}

static void probe_coredump(struct ef_facts *f)
{
    static const char *const bins[] = {"/usr/lib/systemd/systemd-coredump",
                                       "/lib/systemd/systemd-coredump"};
    static const char *const dirs[] = {/* highest priority first */
                                       "/etc/systemd/coredump.conf.d",
                                       "/run/systemd/coredump.conf.d",
                                       "/usr/lib/systemd/coredump.conf.d"};
    struct stat st;
    int present = 0;

    for (size_t i = 0; i < EF_ARRAY_LEN(bins) && !present; i++)
        present = ef_pu_stat(f, bins[i], &st) == 0;
    if (!present) {
        ef_fact_bool(f, "sys.coredump.restricted", 1, "systemd-coredump is not installed");
        return;
    }
    struct coredump cd = {.storage = {"external", "default"}, .size = {"default", "default"}};
    coredump_conf(f, "/etc/systemd/coredump.conf", &cd);

    char(*files)[PATH_MAX] = calloc(DROPINS_MAX, sizeof(*files));
    size_t n = files ? ef_pu_dropins(f, dirs, EF_ARRAY_LEN(dirs), ".conf", files, DROPINS_MAX) : 0;
    for (size_t j = 0; j < n; j++)
        coredump_conf(f, files[j], &cd);
    free(files);
    int ok = strcmp(cd.storage.value, "none") == 0 && strcmp(cd.size.value, "0") == 0;
    ef_fact_bool(f, "sys.coredump.restricted", ok,
                 "systemd-coredump: Storage=%s (%s), ProcessSizeMax=%s (%s)", cd.storage.value,
                 cd.storage.where, cd.size.value, cd.size.where);
}

/* ---- MAC ---- */

static int read_small(struct ef_facts *f, const char *shown, char *out, size_t outlen)
{
    char *text;
    int rc = ef_pu_read(f, shown, 4096, &text, NULL);

    if (rc != 0)
        return rc;
    out[0] = '\0';
    ef_text_append(out, outlen, text, strcspn(text, "\n"));
    free(text);
    return 0;
}

static void probe_selinux(struct ef_facts *f, const char *enforce)
{
    char cfg[32] = "";
    int line = 0;
    int rc = ef_pu_kv_last(f, "/etc/selinux/config", "SELINUX", cfg, sizeof(cfg), &line);
    const char *mode = strcmp(enforce, "1") == 0 ? "enforcing" : "complain";
    char ev[256];

    ef_text_printf(ev, sizeof(ev), "SELinux loaded, /sys/fs/selinux/enforce = %s", enforce);
    if (rc == 1) {
        char more[96];
        snprintf(more, sizeof(more), "; SELINUX=%s in /etc/selinux/config line %d", cfg, line);
        strlcat(ev, more, sizeof(ev));
        if (strcmp(cfg, "disabled") == 0)
            mode = "disabled";
        else if (strcmp(cfg, "permissive") == 0)
            mode = "complain";
    }
    ef_fact_str(f, "sys.mac.name", "selinux", "%s", ev);
    ef_fact_str(f, "sys.mac.mode", mode, "%s", ev);
}

static void probe_apparmor(struct ef_facts *f)
{
    char *text, *line;
    size_t len, pos = 0;
    long enforce = 0, complain = 0, other = 0;

    ef_fact_str(f, "sys.mac.name", "apparmor", "AppArmor enabled (/sys/module/apparmor)");
    int rc = ef_pu_read(f, "/sys/kernel/security/apparmor/profiles", 16 << 20, &text, &len);
    if (rc != 0) {
        ef_fact_unknown(f, "sys.mac.mode",
                        "AppArmor enabled; cannot read /sys/kernel/security/apparmor/profiles: %s",
                        rc == -ENOENT ? "securityfs is not mounted" : ef_pu_errtext(rc));
        return;
    }
    while ((line = ef_pu_next_line(text, len, &pos, NULL)) != NULL) {
        char *open = strrchr(line, '(');
        if (open == NULL)
            continue;
        if (strncmp(open, "(enforce)", 9) == 0 || strncmp(open, "(kill)", 6) == 0)
            enforce++;
        else if (strncmp(open, "(complain)", 10) == 0 || strncmp(open, "(prompt)", 8) == 0)
            complain++;
        else
            other++;
    }
    free(text);
    const char *mode = enforce + complain == 0 ? "disabled" : complain ? "complain" : "enforcing";
    ef_fact_str(f, "sys.mac.mode", mode,
                "AppArmor: %ld profile(s) in enforce mode, %ld in complain mode, %ld other%s",
                enforce, complain, other, enforce + complain == 0 ? " (nothing confined)" : "");
}

static void probe_mac(struct ef_facts *f)
{
    char v[16];
    int rc = read_small(f, "/sys/fs/selinux/enforce", v, sizeof(v));

    if (rc == 0) {
        probe_selinux(f, v);
        return;
    }
    int aa = read_small(f, "/sys/module/apparmor/parameters/enabled", v, sizeof(v));
    if (aa == 0 && v[0] == 'Y') {
        probe_apparmor(f);
        return;
    }
    const char *why = aa == 0 ? "AppArmor is built in but disabled (apparmor=0?)"
                              : "neither SELinux (/sys/fs/selinux) nor AppArmor "
                                "(/sys/module/apparmor) is active";
    ef_fact_str(f, "sys.mac.name", "none", "%s", why);
    ef_fact_str(f, "sys.mac.mode", "disabled", "%s", why);
}

void ef_probe_kernel(struct ef_facts *f)
{
    probe_limits(f);
    probe_coredump(f);
    probe_mac(f);
}
