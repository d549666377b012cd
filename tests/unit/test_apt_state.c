/* SPDX-License-Identifier: EUPL-1.2 */
/* Pending security updates from compressed package lists, aged by first sighting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "facts.h"
#include "probes/decompress.h"

#include "efterlev/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "test_fixture.h"

#define LISTS "var/lib/apt/lists/"
#define SEC "security.debian.org_debian-security_dists_bookworm-security_"
#define DAY 86400

static char *slurp(const char *path, size_t *len)
{
    char *buf = NULL;
    assert_int_equal(ef_read_file(path, 1 << 24, &buf, len), 0);
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void set_mtime(const char *path, time_t t)
{
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void *gzip_buf(const char *in, size_t len, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, len);
    unsigned char *out = malloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *outlen = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static void *lz4_buf(const char *in, size_t len, size_t *outlen)
{
    size_t cap = LZ4F_compressFrameBound(len, NULL);
    void *out = malloc(cap);
    *outlen = LZ4F_compressFrame(out, cap, in, len, NULL);
    assert_false(LZ4F_isError(*outlen));
    return out;
}

/* A root like patch-bad (3 updates pending) whose security list is stored compressed as
 * SUFFIX ("lz4", "gz") with content data (NULL: the real list, compressed). */
static const char *make_root(const char *name, const char *suffix, const void *data, size_t len)
{
    char dir[PATH_MAX], path[PATH_MAX], src[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/" LISTS, fx_path(name));
    assert_int_equal(ef_mkdirs(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/var/lib/dpkg", fx_path(name));
    assert_int_equal(ef_mkdirs(path, 0755), 0);
    size_t n;
    snprintf(src, sizeof(src), "%s/var/lib/dpkg/status", fx_root("patch-bad"));
    char *status = slurp(src, &n);
    snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", fx_path(name));
    write_bytes(path, status, n);
    free(status);
    snprintf(src, sizeof(src), "%s/" LISTS SEC "InRelease", fx_root("patch-bad"));
    char *rel = slurp(src, &n);
    snprintf(path, sizeof(path), "%.3800s" SEC "InRelease", dir);
    write_bytes(path, rel, n);
    free(rel);
    snprintf(src, sizeof(src), "%s/" LISTS SEC "main_binary-amd64_Packages", fx_root("patch-bad"));
    char *plain = slurp(src, &n);
    size_t clen = len;
    void *comp =
        data ? NULL
             : (strcmp(suffix, "gz") == 0 ? gzip_buf(plain, n, &clen) : lz4_buf(plain, n, &clen));
    snprintf(path, sizeof(path), "%.3800s" SEC "main_binary-amd64_Packages.%.8s", dir, suffix);
    write_bytes(path, data ? data : comp, clen);
    set_mtime(path, fx_now() - DAY);
    free(comp);
    free(plain);
    return fx_path(name);
}

static const struct ef_fact *pending_days(const char *root, time_t now, const char *state,
                                          int writable, struct ef_facts **out)
{
    struct ef_facts *f = ef_facts_new(root, now);
    ef_facts_set_state(f, state, writable);
    *out = f;
    const struct ef_fact *v = ef_facts_get(f, "updates.security_pending_days");
    assert_non_null(v);
    return v;
}

static void test_compressed_lists(void **state)
{
    (void)state;
    struct ef_facts *f;
    const struct ef_fact *v =
        pending_days(make_root("apt-lz4", "lz4", NULL, 0), fx_now(), NULL, 0, &f);
    assert_true(v->known);
    assert_int_equal(v->i, 1);
    assert_non_null(strstr(v->evidence, "3 security updates pending"));
    assert_non_null(strstr(v->evidence, "Packages.lz4"));
    ef_facts_free(f);

    v = pending_days(make_root("apt-gz", "gz", NULL, 0), fx_now(), NULL, 0, &f);
    assert_true(v->known);
    assert_non_null(strstr(v->evidence, "openssl 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1"));
    ef_facts_free(f);

    /* A corrupt list is not silently "nothing pending". */
    v = pending_days(make_root("apt-bad", "lz4", "not lz4 at all", 14), fx_now(), NULL, 0, &f);
    assert_false(v->known);
    assert_non_null(strstr(v->evidence, "lz4 data is corrupt"));
    ef_facts_free(f);
}

/* The stanzas handed on: count them and keep the total size. */
struct seen {
    size_t pieces, bytes, stanzas;
};

static void count_piece(char *piece, size_t len, void *ctx)
{
    struct seen *s = ctx;
    s->pieces++;
    s->bytes += len;
    for (const char *p = piece; (p = strstr(p, "Package: ")) != NULL; p++)
        s->stanzas++;
}

static int stanzas_of(const char *name, const void *data, size_t len, size_t max, struct seen *seen,
                      char *why, size_t whylen)
{
    char rel[64];
    snprintf(rel, sizeof(rel), "/streams/%s", name);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/streams", fx_path("root-streams"));
    ef_mkdirs(dir, 0755);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    write_bytes(path, data, len);
    struct ef_facts *f = ef_facts_new(fx_path("root-streams"), fx_now());
    memset(seen, 0, sizeof(*seen));
    int rc = ef_pu_each_stanzas(f, rel, max, count_piece, seen, why, whylen);
    ef_facts_free(f);
    return rc;
}

static void test_stream_stanzas(void **state)
{
    (void)state;
    /* 20,000 stanzas, well over one 64 KiB chunk: every one arrives whole. */
    size_t cap = 20000 * 64, n = 0;
    char *list = malloc(cap), why[128];
    for (int i = 0; i < 20000; i++)
        n += (size_t)snprintf(list + n, cap - n, "Package: p%05d\nVersion: 1.%d\n\n", i, i);
    struct seen seen;
    size_t clen;
    void *z = gzip_buf(list, n, &clen);
    assert_int_equal(stanzas_of("a.gz", z, clen, 1 << 20, &seen, why, sizeof(why)), 0);
    assert_int_equal(seen.stanzas, 20000);
    assert_int_equal(seen.bytes, n);
    assert_true(seen.pieces > 1); /* handed on in pieces, not as one buffer */
    assert_int_equal(stanzas_of("b.gz", z, clen / 2, 1 << 20, &seen, why, sizeof(why)), -EILSEQ);
    assert_non_null(strstr(why, "gzip data is"));
    free(z);
    void *l = lz4_buf(list, n, &clen);
    assert_int_equal(stanzas_of("c.lz4", l, clen, 1 << 20, &seen, why, sizeof(why)), 0);
    assert_int_equal(seen.stanzas, 20000);
    assert_int_equal(stanzas_of("d.lz4", l, clen - 4, 1 << 20, &seen, why, sizeof(why)), -EILSEQ);
    assert_non_null(strstr(why, "lz4 data"));
    free(l);
    assert_int_equal(stanzas_of("e", list, n, 1 << 20, &seen, why, sizeof(why)), 0);
    assert_int_equal(seen.stanzas, 20000);
    /* One stanza larger than the limit is refused, not held. */
    char big[200000];
    memset(big, 'x', sizeof(big));
    memcpy(big, "Package: ", 9);
    assert_int_equal(stanzas_of("f", big, sizeof(big), 100000, &seen, why, sizeof(why)), -EILSEQ);
    assert_non_null(strstr(why, "longer than the limit"));
    free(list);
}

static void test_first_seen_ages_updates(void **state)
{
    (void)state;
    const char *root = make_root("apt-age", "lz4", NULL, 0);
    char st[PATH_MAX], rec[PATH_MAX + 32], list[PATH_MAX];
    snprintf(st, sizeof(st), "%s/state", fx_path("apt-age"));
    assert_int_equal(ef_mkdirs(st, 0700), 0);
    snprintf(rec, sizeof(rec), "%s/pending-updates.json", st);
    snprintf(list, sizeof(list), "%s/" LISTS SEC "main_binary-amd64_Packages.lz4", root);
    struct ef_facts *f;

    /* scan: reads state, never writes it. */
    const struct ef_fact *v = pending_days(root, fx_now(), st, 0, &f);
    assert_int_equal(v->i, 1);
    ef_facts_free(f);
    assert_int_equal(access(rec, F_OK), -1);

    /* run: the first sightings are recorded. */
    v = pending_days(root, fx_now(), st, 1, &f);
    assert_int_equal(v->i, 1);
    ef_facts_free(f);
    size_t n;
    char *text = slurp(rec, &n);
    assert_non_null(strstr(text, "openssl:amd64 3.0.15-1~deb12u1"));
    free(text);

    /* 40 days on, with lists fetched yesterday: the updates have waited 40 days, not 1. */
    time_t later = fx_now() + 40 * DAY;
    set_mtime(list, later - DAY);
    v = pending_days(root, later, st, 1, &f);
    assert_true(v->known);
    assert_int_equal(v->i, 40);
    ef_facts_free(f);
}

static int setup(void **state)
{
    (void)state;
    return fx_setup() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fx_teardown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compressed_lists),
        cmocka_unit_test(test_stream_stanzas),
        cmocka_unit_test(test_first_seen_ages_updates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
