/* SPDX-License-Identifier: EUPL-1.2 */
/* A bounded, growable byte buffer: see include/efterlev/buf.h. */
#include "efterlev/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_FIRST_CAP 64 /* bytes allocated by the first append, unless max is smaller */

void ef_buf_init(struct ef_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max < SIZE_MAX ? max : SIZE_MAX - 1; /* room for the NUL */
}

/* Room for n more bytes of content and the NUL, or the sticky error. */
static int grow(struct ef_buf *b, size_t n)
{
    if (b->err != 0)
        return b->err;
    if (n > b->max - b->len)
        return b->err = -EFBIG;
    size_t need = b->len + n + 1; /* <= max + 1: no overflow */
    if (need <= b->cap)
        return 0;
    /* The first allocation is what is asked for (at least BUF_FIRST_CAP), so a buffer
     * reserved for a known size holds no more; later ones double. */
    size_t ncap = b->cap ? b->cap : need > BUF_FIRST_CAP ? need : BUF_FIRST_CAP;
    while (ncap < need)
        ncap = ncap <= SIZE_MAX / 2 ? ncap * 2 : need;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    char *p = realloc(b->data, ncap);
    if (p == NULL)
        return b->err = -ENOMEM;
    if (b->data == NULL)
        p[0] = '\0';
    b->data = p;
    b->cap = ncap;
    return 0;
}

int ef_buf_add(struct ef_buf *b, const void *p, size_t n)
{
    int rc = grow(b, n);
    if (rc != 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ef_buf_add_str(struct ef_buf *b, const char *s)
{
    return ef_buf_add(b, s, strlen(s));
}

int ef_buf_vprintf(struct ef_buf *b, const char *fmt, va_list ap)
{
    if (b->err != 0)
        return b->err;
    /* First into the room there is; when the text is longer, grow and print again. */
    size_t room = ef_buf_room(b);
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? room + 1 : 0, fmt, ap);
    if (n >= 0 && (size_t)n > room) {
        if (b->data != NULL)
            b->data[b->len] = '\0'; /* undo the truncated print */
        int rc = grow(b, (size_t)n);
        if (rc != 0) {
            va_end(again);
            return rc;
        }
        n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    if (n < 0) { /* an encoding error: the content stays as it was */
        if (b->data != NULL)
            b->data[b->len] = '\0';
        return b->err = -EINVAL;
    }
    b->len += (size_t)n;
    return 0;
}

int ef_buf_printf(struct ef_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ef_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int ef_buf_reserve(struct ef_buf *b, size_t n)
{
    return grow(b, n);
}

int ef_buf_commit(struct ef_buf *b, size_t n)
{
    if (n > ef_buf_room(b))
        return -EINVAL;
    if (n > 0) {
        b->len += n;
        b->data[b->len] = '\0';
    }
    return 0;
}

size_t ef_buf_room(const struct ef_buf *b)
{
    return b->cap ? b->cap - b->len - 1 : 0;
}

void ef_buf_consume(struct ef_buf *b, size_t n)
{
    if (n >= b->len)
        n = b->len;
    else
        memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    if (b->data != NULL)
        b->data[b->len] = '\0';
}

const char *ef_buf_str(const struct ef_buf *b)
{
    return b->data ? b->data : "";
}

size_t ef_buf_len(const struct ef_buf *b)
{
    return b->len;
}

int ef_buf_error(const struct ef_buf *b)
{
    return b->err;
}

void ef_buf_reset(struct ef_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void ef_buf_free(struct ef_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = 0;
}

char *ef_buf_take(struct ef_buf *b)
{
    if (b->err != 0 || grow(b, 0) != 0) {
        ef_buf_free(b);
        return NULL;
    }
    char *s = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}
