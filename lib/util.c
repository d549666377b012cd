/* SPDX-License-Identifier: EUPL-1.2 */
#include "efterlev/util.h"
#include "efterlev/buf.h"
#include "efterlev/os.h"

#include <errno.h>
#include <fcntl.h>
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
    int fd = ef_open_read(path);
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
    if (ef_os_file_untrusted(fd, path, why, whylen)) {
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
    /* Windows: either separator, and no mkdir of a drive ("C:") or of "\\server". */
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/' && *p != EF_OS_SEP)
            continue;
        char sep = *p;
        *p = '\0';
        size_t n = (size_t)(p - buf);
        int skip = (n == 2 && buf[1] == ':') || p[-1] == '/' || p[-1] == EF_OS_SEP;
        if (!skip && ef_mkdir(buf, mode) != 0 && errno != EEXIST)
            return -1;
        *p = sep;
    }
    if (ef_mkdir(buf, mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

void ef_time_rfc3339(time_t t, char out[32])
{
    struct tm tm;
    ef_gmtime(t, &tm);
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
    /* Fixed layout "YYYY-MM-DDTHH:MM:SS": every digit checked, then the ranges. */
    static const char layout[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < sizeof(layout) - 1; i++) {
        if (s[i] == '\0')
            return -1;
        if (layout[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != layout[i])
            return -1;
    }
#define D2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    tm.tm_year = D2(0) * 100 + D2(2) - 1900;
    tm.tm_mon = D2(5) - 1;
    tm.tm_mday = D2(8);
    tm.tm_hour = D2(11);
    tm.tm_min = D2(14);
    tm.tm_sec = D2(17);
#undef D2
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return -1;
    const char *p = s + sizeof(layout) - 1;
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
    time_t t = ef_timegm(&tm);
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
