/* SPDX-License-Identifier: EUPL-1.2 */
/* Fixture roots for engine and probe tests: tests/fixtures copied to a temporary directory,
 * then what git cannot hold is set: file modes, mtimes relative to the fixed test "now",
 * and owner names for the user running the tests. */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "efterlev/util.h"

#include "test_fixture.h"

static char fx_dir[256];

static int run(char *const argv[])
{
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

time_t fx_now(void)
{
    time_t t;
    ef_parse_rfc3339(FX_NOW, &t);
    return t;
}

/* Path under the temporary copy; static storage, rotated over 8 slots. */
const char *fx_path(const char *rel)
{
    static char buf[8][PATH_MAX];
    static int slot;
    char *p = buf[slot++ % 8];

    snprintf(p, PATH_MAX, "%s/%s", fx_dir, rel);
    return p;
}

/* A root's path; stable for the whole run (unlike fx_path's rotating slots). */
const char *fx_root(const char *name)
{
    static struct {
        char name[64];
        char path[PATH_MAX];
    } roots[32];

    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        if (strcmp(roots[i].name, name) == 0)
            return roots[i].path;
        if (roots[i].name[0] == '\0') {
            strlcpy(roots[i].name, name, sizeof(roots[i].name));
            snprintf(roots[i].path, sizeof(roots[i].path), "%s/%s", fx_dir, name);
            return roots[i].path;
        }
    }
    abort();
}

int fx_write(const char *rel, const char *content, mode_t mode)
{
    const char *p = fx_path(rel);
    char dir[PATH_MAX];

    strlcpy(dir, p, sizeof(dir));
    *strrchr(dir, '/') = '\0';
    if (ef_mkdirs(dir, 0755) != 0)
        return -1;
    FILE *f = fopen(p, "w");
    if (f == NULL)
        return -1;
    int rc = fputs(content, f) < 0 ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc == 0 ? chmod(p, mode) : -1;
}

/* Set a file's mtime to `days` days before the test's now. */
int fx_age(const char *rel, long long days)
{
    struct timespec ts[2];

    ts[0].tv_sec = ts[1].tv_sec = fx_now() - (time_t)(days * 86400) - 3600;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    return utimensat(AT_FDCWD, fx_path(rel), ts, 0);
}

/* Prepend a line to a fixture file (maps the test user's ids to names). */
static int prepend(const char *rel, const char *line)
{
    char *old;
    size_t len;
    int rc = ef_read_file(fx_path(rel), 1 << 20, &old, &len);

    if (rc != 0)
        return -1;
    size_t n = strlen(line) + len + 1;
    char *buf = malloc(n);
    if (buf == NULL) {
        free(old);
        return -1;
    }
    snprintf(buf, n, "%s%s", line, old);
    rc = fx_write(rel, buf, 0644);
    free(buf);
    free(old);
    return rc;
}

const char *fx_setup(void)
{
    char tmpl[] = "/tmp/efterlev-fx-XXXXXX";
    char src[PATH_MAX];

    if (mkdtemp(tmpl) == NULL)
        return NULL;
    strlcpy(fx_dir, tmpl, sizeof(fx_dir));
    snprintf(src, sizeof(src), "%s/.", EF_FIXTURES);
    char *cp[] = {"/bin/cp", "-a", src, fx_dir, NULL};
    if (run(cp) != 0)
        return NULL;
    setenv("EFTERLEV_NOW", FX_NOW, 1);
    if (fx_write("empty/.keep", "", 0644) != 0) /* a root with nothing in it */
        return NULL;

    /* debian12-luks: everything passes */
    static const struct {
        const char *rel;
        mode_t mode;
    } modes[] = {
        {"debian12-luks/etc/passwd", 0644},
        {"debian12-luks/etc/group", 0644},
        {"debian12-luks/etc/shadow", 0640},
        {"debian12-luks/etc/shadow-", 0600},
        {"debian12-luks/etc/gshadow", 0640},
        {"debian12-luks/var/log/auth.log", 0640},
        {"debian12-luks/var/log/syslog", 0640},
        {"debian10-plain/etc/shadow", 0644},
        {"debian10-plain/etc/gshadow", 0640},
        {"debian10-plain/var/log/auth.log", 0644},
        {"debian10-plain/var/log/apt/history.log", 0644},
    };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (chmod(fx_path(modes[i].rel), modes[i].mode) != 0)
            return NULL;
    if (fx_age("debian12-luks/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
               1) != 0 ||
        fx_age("debian12-luks/var/lib/apt/periodic/update-success-stamp", 2) != 0 ||
        fx_age("debian12-luks/var/lib/apt/lists/"
               "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
               0) != 0)
        return NULL;
    /* debian10-plain: everything fails */
    if (fx_age("debian10-plain/var/lib/apt/lists/deb.debian.org_debian_dists_buster_Release", 30) !=
            0 ||
        fx_write("debian10-plain/var/log/tmp-debug.log", "x\n", 0666) != 0)
        return NULL;
    /* Owner and group names come from the root's own passwd and group files: when the
     * tests do not run as root, name the runner's ids root and shadow in the passing root. */
    if (geteuid() != 0) {
        char line[128];
        snprintf(line, sizeof(line), "root:x:%u:%u:test runner:/:/bin/sh\n", (unsigned)geteuid(),
                 (unsigned)getegid());
        if (prepend("debian12-luks/etc/passwd", line) != 0)
            return NULL;
        snprintf(line, sizeof(line), "shadow:x:%u:\n", (unsigned)getegid());
        if (prepend("debian12-luks/etc/group", line) != 0)
            return NULL;
    }
    return fx_dir;
}

void fx_teardown(void)
{
    if (fx_dir[0] == '\0')
        return;
    char *rm[] = {"/bin/rm", "-rf", fx_dir, NULL};
    run(rm);
    fx_dir[0] = '\0';
}
