/* SPDX-License-Identifier: EUPL-1.2 */
/* Small helpers shared by the agent and the collector: files, time, hashes. */
#ifndef EFTERLEV_UTIL_H
#define EFTERLEV_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define EF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* fsync the directory holding path (after a rename in it). 0, or -1 with errno. */
int ef_fsync_dir_of(const char *path);

/* Write data to path atomically: a temporary file in the same directory, fsync,
 * rename over path, fsync the directory. On failure path is untouched and err says why.
 * Returns 0 or -1. */
int ef_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
                         size_t errlen);

/* Read a whole regular file of at most max bytes into a NUL-terminated buffer the caller
 * frees. Returns 0, or a negative errno (-EFBIG when the file is larger than max). */
int ef_read_file(const char *path, size_t max, char **out, size_t *len);
/* The same from an open descriptor (read from its current offset; fd stays open). */
int ef_read_fd(int fd, size_t max, char **out, size_t *len);

/* ef_read_file, refusing an untrusted file (ef_os_file_untrusted in efterlev/os.h, judged on
 * the open file):
 * returns -EPERM with why set then; other errors as ef_read_file (why empty). */
int ef_read_file_trusted(const char *path, size_t max, char **out, size_t *len, char *why,
                         size_t whylen);

/* mkdir -p with the given mode for directories it creates. Returns 0 or -1 (errno set). */
int ef_mkdirs(const char *path, mode_t mode);

/* The current UTC time as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ". */
void ef_now_rfc3339(char out[32]);
void ef_time_rfc3339(time_t t, char out[32]);
/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)". Returns 0 or -1. */
int ef_parse_rfc3339(const char *s, time_t *out);

/* Lower-case hex SHA-256 of data. */
void ef_sha256_hex(const void *data, size_t len, char out[65]);

/* Constant-time comparison of two equal-length buffers; 1 when equal. */
int ef_ct_equal(const void *a, const void *b, size_t len);

/* Fill buf with len bytes from the OpenSSL CSPRNG; 0 or -1. */
int ef_random(void *buf, size_t len);

/* 1 when s is valid UTF-8 of exactly len bytes without NUL. */
int ef_utf8_valid(const char *s, size_t len);

/* Join root and an absolute path ("/" root leaves path unchanged). Returns 0, or -1 when
 * it does not fit. */
int ef_path_join(char *out, size_t outlen, const char *root, const char *path);

#endif
