/* SPDX-License-Identifier: EUPL-1.2 */
/* A bounded, growable byte buffer (after curl's dynbuf and OpenSSH's sshbuf): the one way
 * efterlev builds text or bytes of a length not known in advance.
 *
 * The content is always NUL-terminated (ef_buf_str() is a C string). The maximum, set at
 * init, bounds the content (the NUL not counted). The first append that fails (over the
 * maximum, or out of memory) sets a sticky error: it and every later append return it and
 * leave the content as it was, so a sequence of appends can be checked once at the end.
 * ef_buf_reset() clears the content and the error. */
#ifndef EFTERLEV_BUF_H
#define EFTERLEV_BUF_H

#include "efterlev/attr.h"
#include <stdarg.h>
#include <stddef.h>

#define EF_BUF_WUR __attribute__((warn_unused_result))

struct ef_buf {
    char *data; /* NULL until the first append; then data[len] == '\0' */
    size_t len; /* bytes of content */
    size_t cap; /* bytes allocated, the NUL included */
    size_t max; /* most bytes of content */
    int err;    /* 0, or the sticky error: -EFBIG (over max) or -ENOMEM */
};

/* An empty buffer whose content may grow to max bytes. Allocates nothing. */
void ef_buf_init(struct ef_buf *b, size_t max);

/* Append n bytes (may contain NULs), a C string, or printf-style text. 0, or the sticky
 * error (negative errno): the content is then unchanged. */
EF_BUF_WUR int ef_buf_add(struct ef_buf *b, const void *p, size_t n);
EF_BUF_WUR int ef_buf_add_str(struct ef_buf *b, const char *s);
EF_BUF_WUR int ef_buf_printf(struct ef_buf *b, const char *fmt, ...) EF_PRINTF(2, 3);
EF_BUF_WUR int ef_buf_vprintf(struct ef_buf *b, const char *fmt, va_list ap) EF_PRINTF(2, 0);

/* Make room for n more bytes of content without adding them (for read(2) straight into
 * data + len, then ef_buf_commit). 0, or the sticky error. */
EF_BUF_WUR int ef_buf_reserve(struct ef_buf *b, size_t n);
/* Count n bytes written into the reserved room at data + len as content. n must not be
 * more than ef_buf_room(); returns -EINVAL (not sticky) when it is. */
EF_BUF_WUR int ef_buf_commit(struct ef_buf *b, size_t n);
/* Bytes that can be written at data + len before the next reserve. */
size_t ef_buf_room(const struct ef_buf *b);

/* Remove the first n bytes (all of them when n >= len): for a buffer consumed from the
 * front as it is filled at the back. */
void ef_buf_consume(struct ef_buf *b, size_t n);

/* The content as a C string ("" before any append) and its length. */
const char *ef_buf_str(const struct ef_buf *b);
size_t ef_buf_len(const struct ef_buf *b);
/* The sticky error, or 0. */
int ef_buf_error(const struct ef_buf *b);

/* Empty the buffer and clear its error; the memory is kept for reuse. */
void ef_buf_reset(struct ef_buf *b);
/* Free the memory; the buffer is empty (same maximum) and may be used again. */
void ef_buf_free(struct ef_buf *b);
/* The content as a NUL-terminated string the caller frees; the buffer is left empty. NULL
 * when the buffer holds an error (its memory is then freed) or memory runs out. */
EF_BUF_WUR char *ef_buf_take(struct ef_buf *b);

#endif
