/* SPDX-License-Identifier: EUPL-1.2 */
#include "systemd_units.h"

#include "run_command.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* systemd's system unit search path, highest priority first. */
static const char *const unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                        "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                        "/lib/systemd/system"};

int ef_unit_name(const char *name, char *out, size_t outlen)
{
    static const char *const suffixes[] = {".service", ".timer", ".socket", ".target",
                                           ".path",    ".mount", ".slice",  ".scope"};
    for (size_t i = 0; i < EF_ARRAY_LEN(suffixes); i++) {
        size_t n = strlen(name), s = strlen(suffixes[i]);
        if (n > s && strcmp(name + n - s, suffixes[i]) == 0)
            return strlcpy(out, name, outlen) < outlen ? 0 : -1;
    }
    int n = snprintf(out, outlen, "%s.service", name);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* For "clamd@scan.service" the template "clamd@.service". */
static int template_of(const char *unit, char *out, size_t outlen)
{
    const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');
    if (at == NULL || dot == NULL || dot < at)
        return -1;
    int n = snprintf(out, outlen, "%.*s%s", (int)(at - unit + 1), unit, dot);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* Where the unit file is: its path under root in out, or -1. */
static int find_unit_file(const char *root, const char *unit, char *out, size_t outlen)
{
    char tmpl[256];
    int has_tmpl = template_of(unit, tmpl, sizeof(tmpl)) == 0;
    for (size_t i = 0; i < EF_ARRAY_LEN(unit_dirs); i++) {
        char rel[PATH_MAX];
        struct stat st;
        snprintf(rel, sizeof(rel), "%s/%s", unit_dirs[i], unit);
        if (ef_path_join(out, outlen, root, rel) == 0 && lstat(out, &st) == 0)
            return 0;
        if (has_tmpl) {
            snprintf(rel, sizeof(rel), "%s/%s", unit_dirs[i], tmpl);
            if (ef_path_join(out, outlen, root, rel) == 0 && lstat(out, &st) == 0)
                return 0;
        }
    }
    return -1;
}

/* Masked: a link to /dev/null (or an empty file) in /etc or /run. */
static int is_masked(const char *root, const char *unit)
{
    for (size_t i = 0; i < 2; i++) {
        char rel[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
        struct stat st;
        snprintf(rel, sizeof(rel), "%s/%s", unit_dirs[i], unit);
        if (ef_path_join(path, sizeof(path), root, rel) != 0 || lstat(path, &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(path, target, sizeof(target) - 1);
            if (n > 0) {
                target[n] = '\0';
                if (strcmp(target, "/dev/null") == 0)
                    return 1;
            }
        } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
            return 1;
        }
    }
    return 0;
}

/* A link named unit in any DIR/X.wants/ or DIR/X.requires/: which one, in where. */
static int find_wants_link(const char *root, const char *unit, char *where, size_t wherelen)
{
    for (size_t i = 0; i < EF_ARRAY_LEN(unit_dirs); i++) {
        char dir[PATH_MAX];
        if (ef_path_join(dir, sizeof(dir), root, unit_dirs[i]) != 0)
            continue;
        DIR *d = opendir(dir);
        if (d == NULL)
            continue;
        struct dirent *de;
        int found = 0;
        while (!found && (de = readdir(d)) != NULL) {
            size_t n = strlen(de->d_name);
            if (!((n > 6 && strcmp(de->d_name + n - 6, ".wants") == 0) ||
                  (n > 9 && strcmp(de->d_name + n - 9, ".requires") == 0)))
                continue;
            char link[PATH_MAX];
            struct stat st;
            if ((size_t)snprintf(link, sizeof(link), "%s/%s/%s", dir, de->d_name, unit) <
                    sizeof(link) &&
                lstat(link, &st) == 0) {
                snprintf(where, wherelen, "%s/%s", unit_dirs[i], de->d_name);
                found = 1;
            }
        }
        closedir(d);
        if (found)
            return 0;
    }
    return -1;
}

int ef_unit_installed(const char *root, const char *unit)
{
    char path[PATH_MAX];
    return find_unit_file(root, unit, path, sizeof(path)) == 0 && !is_masked(root, unit);
}

int ef_unit_enabled(const char *root, const char *unit, char *ev, size_t evlen)
{
    char path[PATH_MAX], where[PATH_MAX];
    if (find_unit_file(root, unit, path, sizeof(path)) != 0) {
        snprintf(ev, evlen, "%s is not installed (no unit file)", unit);
        return 0;
    }
    if (is_masked(root, unit)) {
        snprintf(ev, evlen, "%s is masked", unit);
        return 0;
    }
    if (find_wants_link(root, unit, where, sizeof(where)) == 0) {
        snprintf(ev, evlen, "%s is enabled (%.200s)", unit, where);
        return 1;
    }
    snprintf(ev, evlen, "%s is installed but not enabled", unit);
    return 0;
}

/* The cgroup v2 folder of a system service: system.slice/NAME, or for a template instance
 * system.slice/system-PREFIX.slice/NAME. */
static int cgroup_dir(const char *root, const char *unit, char *out, size_t outlen)
{
    const char *at = strchr(unit, '@');
    char rel[PATH_MAX];
    if (at != NULL)
        snprintf(rel, sizeof(rel), "/sys/fs/cgroup/system.slice/system-%.*s.slice/%s",
                 (int)(at - unit), unit, unit);
    else
        snprintf(rel, sizeof(rel), "/sys/fs/cgroup/system.slice/%s", unit);
    return ef_path_join(out, outlen, root, rel);
}

int ef_unit_active(const char *root, const char *unit, char *ev, size_t evlen)
{
    char path[PATH_MAX], slice[PATH_MAX];
    struct stat st;
    int live = root == NULL || strcmp(root, "/") == 0;
    size_t n = strlen(unit);
    int is_service = n > 8 && strcmp(unit + n - 8, ".service") == 0;
    int have_tree = ef_path_join(slice, sizeof(slice), root, "/sys/fs/cgroup/system.slice") == 0 &&
                    stat(slice, &st) == 0 && S_ISDIR(st.st_mode);

    if (is_service && have_tree) {
        char procs[PATH_MAX + 16], *text = NULL;
        if (cgroup_dir(root, unit, path, sizeof(path)) != 0)
            return -1;
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
        int rc = ef_read_file(procs, 1 << 20, &text, NULL);
        int active = rc == 0 && text[strspn(text, " \n")] != '\0';
        free(text);
        snprintf(ev, evlen, "%s is %s", unit,
                 active ? "active (running processes)" : "not running");
        return active;
    }
    char sysd[PATH_MAX];
    if (ef_path_join(sysd, sizeof(sysd), root, "/run/systemd/system") != 0 ||
        stat(sysd, &st) != 0) {
        snprintf(ev, evlen, "systemd is not running here: whether %s is active is unknown", unit);
        return -1;
    }
    if (!live) {
        snprintf(ev, evlen, "whether %s is active is known only on the live system", unit);
        return -1;
    }
    /* The exit status is the interface here, not the text. */
    char *argv[] = {"systemctl", "is-active", "--quiet", (char *)unit, NULL};
    char out[256], why[256];
    size_t len = sizeof(out) - 1;
    int ws;
    if (ef_run_command(argv, 5000, &ws, out, &len, why, sizeof(why)) != 0) {
        snprintf(ev, evlen, "cannot ask systemctl whether %s is active: %s", unit, why);
        return -1;
    }
    int active = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
    snprintf(ev, evlen, "%s is %s", unit, active ? "active" : "not active");
    return active;
}
