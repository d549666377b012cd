/* SPDX-License-Identifier: EUPL-1.2 */
#include "efterlev/util.h"
#include "efterlev/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ef_fsync_dir_of(const char *path)
{
    char copy[PATH_MAX];
    if (strlcpy(copy, path, sizeof(copy)) >= sizeof(copy)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int ef_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
                         size_t errlen)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp)) {
        snprintf(err, errlen, "path too long: %s", path);
        return -1;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    const char *step = "write";
    if (fchmod(fd, mode) != 0) {
        step = "chmod";
        goto fail;
    }
    if (write_all(fd, data, len) != 0)
        goto fail;
    step = "fsync";
    if (fsync(fd) != 0)
        goto fail;
    step = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    step = "rename";
    if (rename(tmp, path) != 0)
        goto fail;
    /* The rename is durable only once the directory entry is. */
    if (ef_fsync_dir_of(path) != 0) {
        snprintf(err, errlen, "cannot fsync directory of %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
fail:;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    snprintf(err, errlen, "cannot write %s (%s): %s", path, step, strerror(saved));
    errno = saved;
    return -1;
}

/* Read the open file fd (fstat in st) into a NUL-terminated buffer; fd stays open. */
static int read_fd(int fd, const struct stat *st, size_t max, char **out, size_t *len)
{
    *out = NULL;
    if (len)
        *len = 0;
    if (S_ISDIR(st->st_mode))
        return -EISDIR;
    /* One byte past max is read, to tell a file of max bytes from a larger one. Files in
     * /proc and /sys report size 0: read until EOF, first 4 KiB, then doubling. */
    struct ef_buf b;
    ef_buf_init(&b, max < SIZE_MAX ? max + 1 : max);
    size_t grow = S_ISREG(st->st_mode) && st->st_size > 0 ? (size_t)st->st_size + 1 : 4096;
    int rc = 0;
    for (;;) {
        if (ef_buf_room(&b) == 0) {
            size_t left = b.max - ef_buf_len(&b);
            if (left == 0) {
                rc = -EFBIG;
                break;
            }
            if (ef_buf_len(&b) > 0)
                grow = ef_buf_len(&b);
            if ((rc = ef_buf_reserve(&b, grow < left ? grow : left)) != 0)
                break;
        }
        ssize_t n = read(fd, b.data + b.len, ef_buf_room(&b));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (n == 0)
            break;
        if ((rc = ef_buf_commit(&b, (size_t)n)) != 0)
            break;
    }
    if (rc == 0 && ef_buf_len(&b) > max)
        rc = -EFBIG;
    size_t used = ef_buf_len(&b);
    if (rc != 0 || (*out = ef_buf_take(&b)) == NULL) {
        ef_buf_free(&b);
        return rc != 0 ? rc : -ENOMEM;
    }
    if (len)
        *len = used;
    return 0;
}

int ef_read_fd(int fd, size_t max, char **out, size_t *len)
{
    struct stat st;
    *out = NULL;
    if (len)
        *len = 0;
    if (fstat(fd, &st) != 0)
        return -errno;
    return read_fd(fd, &st, max, out, len);
}

/* Open path and fstat it; returns the descriptor or a negative errno. */
static int open_stat(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int ef_read_file(const char *path, size_t max, char **out, size_t *len)
{
    struct stat st;
    *out = NULL;
    if (len)
        *len = 0;
    int fd = open_stat(path, &st);
    if (fd < 0)
        return fd;
    int rc = read_fd(fd, &st, max, out, len);
    close(fd);
    return rc;
}

int ef_file_untrusted(const char *path, const struct stat *st, char *why, size_t whylen)
{
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, whylen,
                 "refusing %s: it is writable by %s (mode %04o), so others could change what "
                 "the agent runs as root; fix: chmod go-w %s",
                 path, (st->st_mode & S_IWOTH) ? "others" : "its group",
                 (unsigned)(st->st_mode & 07777), path);
        return 1;
    }
    if (st->st_uid != 0 && st->st_uid != geteuid()) {
        snprintf(why, whylen,
                 "refusing %s: it is owned by uid %lu, neither root nor this user, who could "
                 "change what the agent runs; fix: chown root %s",
                 path, (unsigned long)st->st_uid, path);
        return 1;
    }
    return 0;
}

int ef_read_file_trusted(const char *path, size_t max, char **out, size_t *len, char *why,
                         size_t whylen)
{
    struct stat st;
    *out = NULL;
    if (len)
        *len = 0;
    why[0] = '\0';
    int fd = open_stat(path, &st);
    if (fd < 0)
        return fd;
    /* Judged on the open file, so a rename between check and read changes nothing. */
    if (ef_file_untrusted(path, &st, why, whylen)) {
        close(fd);
        return -EPERM;
    }
    int rc = read_fd(fd, &st, max, out, len);
    close(fd);
    return rc;
}

int ef_mkdirs(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

void ef_time_rfc3339(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ef_now_rfc3339(char out[32])
{
    ef_time_rfc3339(time(NULL), out);
}

int ef_parse_rfc3339(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL || strlen(s) < 19 || s[4] != '-' || s[10] != 'T')
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        unsigned hh, mm;
        int n = 0;
        if (sscanf(p + 1, "%2u:%2u%n", &hh, &mm, &n) != 2 || n != 5 || hh > 23 || mm > 59)
            return -1;
        offset = sign * (long)(hh * 3600 + mm * 60);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = t - offset;
    return 0;
}

void ef_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        out[0] = '\0';
        return;
    }
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

int ef_ct_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

int ef_random(void *buf, size_t len)
{
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

int ef_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        size_t n;
        unsigned min;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n)
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

int ef_path_join(char *out, size_t outlen, const char *root, const char *path)
{
    if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0)
        return strlcpy(out, path, outlen) < outlen ? 0 : -1;
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    int n = snprintf(out, outlen, "%.*s%s%s", (int)rl, root, path[0] == '/' ? "" : "/", path);
    return n >= 0 && (size_t)n < outlen ? 0 : -1;
}
