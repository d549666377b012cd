/* SPDX-License-Identifier: EUPL-1.2 */
/* Files under a scan root: links resolve inside the root (openat2 and the fallback walker
 * alike), a FIFO is never read, and the probes and file rules inherit both. The fixture
 * root is made here in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine.h"
#include "facts.h"
#include "probes/root_open.h"
#include "efterlev/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTROLS EF_SOURCE_DIR "/checks/iso27002-2022.yml"

static char root[512]; /* well under PATH_MAX, so paths built on it always fit */

static void put(const char *rel, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s%s", root, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void link_(const char *target, const char *rel)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s%s", root, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
    (void)state;
    char p[PATH_MAX];
    snprintf(root, sizeof(root), "%s/efterlev-root.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(root) == NULL)
        return -1;
    snprintf(p, sizeof(p), "%s/etc", root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/etc/sub", root);
    mkdir(p, 0755);
    put("/etc/hostname", "fixture-host\n");
    put("/etc/real", "inside the root\n");
    put("/etc/passwd", "root:x:0:0::/root:/bin/bash\nann:x:1000:1000::/home/ann:/bin/bash\n");
    link_("/etc/shadow", "/etc/shadow"); /* absolute, to itself: a loop in the root */
    link_("/etc/real", "/etc/abs");      /* absolute: relative to the root */
    link_("../../../../../../etc/hostname", "/etc/up"); /* ".." stops at the root */
    link_("/etc", "/etc/sub/etc");                      /* a directory link, walked through */
    link_("/nowhere", "/etc/dangling");
    snprintf(p, sizeof(p), "%s/etc/fifo", root);
    assert_int_equal(mkfifo(p, 0644), 0);
    alarm(30); /* a read blocking on the FIFO fails the test instead of hanging it */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    alarm(0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* The text of rel read through ef_root_open (walk 0) or the fallback walker (walk 1), or
 * the error as "E<errno>". */
static void read_via(int walk, const char *rel, char *out, size_t outlen)
{
    int fd;
    if (walk) {
        int rfd = open(root, O_PATH | O_DIRECTORY);
        assert_true(rfd >= 0);
        fd = ef_root_open_walk(rfd, rel, O_RDONLY | O_NONBLOCK);
        close(rfd);
    } else {
        fd = ef_root_open(root, rel, O_RDONLY | O_NONBLOCK);
    }
    if (fd < 0) {
        snprintf(out, outlen, "E%d", -fd);
        return;
    }
    ssize_t n = read(fd, out, outlen - 1);
    out[n < 0 ? 0 : n] = '\0';
    close(fd);
}

static void test_links_stay_inside(void **state)
{
    (void)state;
    char buf[256];
    for (int walk = 0; walk <= 1; walk++) {
        read_via(walk, "/etc/abs", buf, sizeof(buf));
        assert_string_equal(buf, "inside the root\n");
        read_via(walk, "/etc/up", buf, sizeof(buf));
        assert_string_equal(buf, "fixture-host\n");
        read_via(walk, "/etc/sub/etc/sub/etc/real", buf, sizeof(buf));
        assert_string_equal(buf, "inside the root\n");
        read_via(walk, "/../../etc/hostname", buf, sizeof(buf));
        assert_string_equal(buf, "fixture-host\n");
        /* /etc/shadow -> /etc/shadow: the root's own link, never the host's file */
        read_via(walk, "/etc/shadow", buf, sizeof(buf));
        assert_string_equal(buf, "E40"); /* ELOOP */
        read_via(walk, "/etc/dangling", buf, sizeof(buf));
        assert_string_equal(buf, "E2"); /* ENOENT, though /nowhere may exist on the host */
        read_via(walk, "/etc/hostname/x", buf, sizeof(buf));
        assert_string_equal(buf, "E20"); /* ENOTDIR */
    }
}

static void test_fifo_not_read(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 9;
    assert_int_equal(ef_root_read(root, "/etc/fifo", 1024, &buf, &len), -EF_ENOTREG);
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_string_equal(ef_root_errtext(-EF_ENOTREG),
                        "not a regular file (a FIFO, device or socket is never read)");
    assert_int_equal(ef_root_read(root, "/etc", 1024, &buf, NULL), -EISDIR);
    assert_int_equal(ef_root_read(root, "/etc/abs", 1024, &buf, &len), 0);
    assert_string_equal(buf, "inside the root\n");
    free(buf);
    struct stat st;
    assert_int_equal(ef_root_stat(root, "/etc/sub/etc/fifo", &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(ef_root_stat(root, "/etc/shadow", &st), -ELOOP);
}

/* Probes and rules read through the same helpers: the accounts probe and a file rule on
 * /etc/shadow -> /etc/shadow are unknown (the host's shadow is not read), a file rule on the
 * FIFO is unknown and returns. */
static void test_scan_uses_root(void **state)
{
    (void)state;
    struct ef_facts *f = ef_facts_new(root, time(NULL));
    assert_non_null(f);
    const struct ef_fact *v = ef_facts_get(f, "accounts.password_max_days_max");
    assert_false(v->known);
    assert_non_null(
        strstr(v->evidence, "cannot read /etc/shadow: too many levels of symbolic links"));
    ef_facts_free(f);

    char path[PATH_MAX], err[512] = "";
    snprintf(path, sizeof(path), "%s.policy.yml", root);
    FILE *pf = fopen(path, "w");
    assert_non_null(pf);
    fputs("policy: {id: t, version: \"1\"}\n"
          "checks:\n"
          "  - id: t.shadow\n"
          "    title: t\n    description: t\n    rationale: t\n    remediation: t\n"
          "    controls: [\"8.5\"]\n    severity: low\n    level: basic\n"
          "    all:\n"
          "      - file: /etc/shadow\n"
          "        no_line_matches: '^[^:]+::'\n"
          "  - id: t.fifo\n"
          "    title: t\n    description: t\n    rationale: t\n    remediation: t\n"
          "    controls: [\"8.5\"]\n    severity: low\n    level: basic\n"
          "    all:\n"
          "      - file: /etc/fifo\n"
          "        line_matches: 'x'\n",
          pf);
    fclose(pf);
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, path, CONTROLS, err, sizeof(err)) != 0)
        fail_msg("policy: %s", err);
    unlink(path);
    struct ef_report r;
    ef_report_init(&r);
    struct ef_scan_opts o = {.root = root, .level = EF_LEVEL_BASIC};
    assert_int_equal(ef_scan(&ps, &o, &r), 0);
    assert_int_equal(r.nresults, 2);
    for (size_t i = 0; i < r.nresults; i++) {
        assert_int_equal(r.results[i].status, EF_UNKNOWN);
        if (strcmp(r.results[i].check, "t.fifo") == 0)
            assert_non_null(
                strstr(r.results[i].evidence, "cannot read /etc/fifo: not a regular file"));
        else
            assert_non_null(strstr(r.results[i].evidence, "/etc/shadow: too many levels"));
    }
    ef_report_free(&r);
    ef_policy_free(&ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_stay_inside),
        cmocka_unit_test(test_fifo_not_read),
        cmocka_unit_test(test_scan_uses_root),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
