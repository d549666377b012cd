/* SPDX-License-Identifier: EUPL-1.2 */
#include "spool.h"

#include "efterlev/array.h"
#include "efterlev/log.h"
#include "efterlev/os.h"
#include "efterlev/report.h"
#include "efterlev/util.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SPOOL_SUFFIX ".report"
#define SPOOL_FILE_MAX (EF_BODY_MAX + 256)

static int spool_dir(char *out, size_t cap, const char *state_dir)
{
    int n = snprintf(out, cap, "%s/spool", state_dir);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

static int spool_file(char *out, size_t cap, const char *state_dir, uint64_t seq)
{
    /* Zero-padded so that name order is seq order. */
    int n = snprintf(out, cap, "%s/spool/%020" PRIu64 SPOOL_SUFFIX, state_dir, seq);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

int spool_prepare(const char *state_dir, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    if (spool_dir(dir, sizeof(dir), state_dir) != 0 || ef_mkdirs(dir, 0700) != 0) {
        snprintf(err, errlen, "cannot create %s/spool: %s", state_dir, strerror(errno));
        return -1;
    }
    return 0;
}

int spool_put(const char *state_dir, uint64_t seq, const char *sig_header, const char *body,
              size_t body_len, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (spool_file(path, sizeof(path), state_dir, seq) != 0) {
        snprintf(err, errlen, "spool path too long");
        return -1;
    }
    size_t hl = strlen(sig_header);
    char *buf = malloc(hl + 1 + body_len);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(buf, sig_header, hl);
    buf[hl] = '\n';
    memcpy(buf + hl + 1, body, body_len);
    int rc = ef_write_file_atomic(path, buf, hl + 1 + body_len, 0600, err, errlen);
    free(buf);
    return rc;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct spool_entry *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

long spool_list(const char *state_dir, struct spool_entry **out, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    *out = NULL;
    if (spool_dir(dir, sizeof(dir), state_dir) != 0)
        return -1;
    struct ef_dir *d = ef_dir_open(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    struct spool_entry *v = NULL;
    size_t n = 0, cap = 0;
    const char *name;
    while ((name = ef_dir_next(d)) != NULL) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
            continue;
        /* A temporary file is what an interrupted atomic write leaves behind. */
        if (strstr(name, SPOOL_SUFFIX ".tmp.") != NULL) {
            ef_warn("discarding %s, left by an interrupted write", path);
            ef_unlink(path);
            continue;
        }
        size_t len = strlen(name);
        if (len != 20 + strlen(SPOOL_SUFFIX) || strcmp(name + 20, SPOOL_SUFFIX) != 0 ||
            strspn(name, "0123456789") != 20)
            continue;
        struct stat st;
        if (ef_stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        struct spool_entry *nv = ef_array_grow(v, n, &cap, sizeof(*nv), 16, EF_ARRAY_NO_MAX);
        if (nv == NULL) {
            free(v);
            ef_dir_close(d);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        v = nv;
        v[n].seq = strtoull(name, NULL, 10);
        v[n].size = (long long)st.st_size;
        n++;
    }
    ef_dir_close(d);
    if (n > 0)
        qsort(v, n, sizeof(*v), cmp_entry);
    *out = v;
    return (long)n;
}

int spool_read(const char *state_dir, uint64_t seq, struct spooled_report *r, char *err,
               size_t errlen)
{
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    memset(r, 0, sizeof(*r));
    if (spool_file(path, sizeof(path), state_dir, seq) != 0)
        return -1;
    int rc = ef_read_file(path, SPOOL_FILE_MAX, &text, &len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
        return -1;
    }
    char *nl = memchr(text, '\n', len);
    if (nl == NULL || strncmp(text, "ed25519=", 8) != 0) {
        snprintf(err, errlen, "%s is damaged (no signature line)", path);
        free(text);
        return -1;
    }
    *nl = '\0';
    r->sig_header = strdup(text);
    r->body_len = len - (size_t)(nl + 1 - text);
    r->body = malloc(r->body_len + 1);
    if (r->sig_header == NULL || r->body == NULL) {
        free(text);
        spooled_report_free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(r->body, nl + 1, r->body_len);
    r->body[r->body_len] = '\0';
    free(text);
    return 0;
}

void spooled_report_free(struct spooled_report *r)
{
    free(r->sig_header);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int spool_remove(const char *state_dir, uint64_t seq)
{
    char path[PATH_MAX];
    if (spool_file(path, sizeof(path), state_dir, seq) != 0)
        return -1;
    return ef_unlink(path);
}

int spool_move(const char *state_dir, uint64_t from, uint64_t to, char *err, size_t errlen)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (spool_file(a, sizeof(a), state_dir, from) != 0 ||
        spool_file(b, sizeof(b), state_dir, to) != 0) {
        snprintf(err, errlen, "spool path too long");
        return -1;
    }
    /* to is a seq just taken from the counter: a file there means a damaged state folder. */
    struct stat st;
    if (ef_stat(b, &st) == 0) {
        snprintf(err, errlen, "%s exists already", b);
        return -1;
    }
    if (ef_rename(a, b) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", a, b, strerror(errno));
        return -1;
    }
    return 0;
}

int spool_reject(const char *state_dir, uint64_t seq)
{
    char from[PATH_MAX], dir[PATH_MAX], to[PATH_MAX];
    if (spool_file(from, sizeof(from), state_dir, seq) != 0 ||
        snprintf(dir, sizeof(dir), "%s/spool/rejected", state_dir) >= (int)sizeof(dir) ||
        snprintf(to, sizeof(to), "%s/%020" PRIu64 SPOOL_SUFFIX, dir, seq) >= (int)sizeof(to))
        return -1;
    if (ef_mkdirs(dir, 0700) != 0)
        return -1;
    return ef_rename(from, to);
}

long spool_enforce_bounds(const char *state_dir, long max_reports, long long max_bytes)
{
    struct spool_entry *v;
    char err[256];
    long n = spool_list(state_dir, &v, err, sizeof(err));
    if (n <= 0) {
        free(v);
        return 0;
    }
    long long total = 0;
    for (long i = 0; i < n; i++)
        total += v[i].size;
    long dropped = 0;
    for (long i = 0; i < n && (n - dropped > max_reports || total > max_bytes); i++) {
        if (spool_remove(state_dir, v[i].seq) == 0) {
            ef_warn("spool full: dropped undelivered report seq %" PRIu64, v[i].seq);
            total -= v[i].size;
            dropped++;
        }
    }
    free(v);
    return dropped;
}
