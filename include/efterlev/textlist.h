/* SPDX-License-Identifier: EUPL-1.2 */
/* Bounded, UTF-8-safe text for evidence: appending, and lists of the form "a, b, c and N
 * more". Every function writes within the capacity it is given and always leaves a
 * NUL-terminated string that never ends in a split UTF-8 sequence. */
#ifndef EFTERLEV_TEXTLIST_H
#define EFTERLEV_TEXTLIST_H

#include "efterlev/attr.h"
#include <stddef.h>

/* Append src to dst (capacity cap incl. NUL), never splitting a UTF-8 sequence; replaces
 * control characters and invalid UTF-8 with '?' (a tab with a space). Copies at most srclen
 * bytes of src. */
void ef_text_append(char *dst, size_t cap, const char *src, size_t srclen);
/* vsnprintf into dst, then cut back to a UTF-8 boundary if it was truncated. */
void ef_text_printf(char *dst, size_t cap, const char *fmt, ...) EF_PRINTF(3, 4);
/* Cut s to at most max bytes on a UTF-8 boundary. */
void ef_utf8_cut(char *s, size_t max);
/* Append "; "-separated text to an evidence string (capacity cap), safely truncated; empty or
 * NULL text adds nothing. */
void ef_evidence_add(char *ev, size_t cap, const char *text);

/* Room kept free for the tail " and N more" (the longest N a size_t holds). */
#define EF_TEXTLIST_TAIL_MAX 30

/* A list of at most show_max items joined by sep into a caller's buffer, then " and N more"
 * for the items added beyond (or that did not fit). Items are appended with ef_text_append
 * (sanitised). An item is written whole or not at all, so N stays true, and room for the tail
 * is kept free; only a first item too long for the buffer is cut to fit. Use:
 *
 *     struct ef_textlist l;
 *     ef_textlist_init(&l, buf, sizeof(buf), ", ", 5);
 *     for (...) ef_textlist_add(&l, name);
 *     ef_textlist_end(&l);            // buf: "a, b, c, d, e and 3 more"
 */
struct ef_textlist {
    char *buf;       /* the caller's buffer */
    size_t cap;      /* its size, NUL included */
    const char *sep; /* between items */
    size_t show_max; /* items written at most */
    size_t n;        /* items added */
    size_t shown;    /* items written */
    int full;        /* an item did not fit: none after it is written */
};

/* Start an empty list in buf (cap bytes, cap > 0). */
void ef_textlist_init(struct ef_textlist *l, char *buf, size_t cap, const char *sep,
                      size_t show_max);
/* Count item, and write it when fewer than show_max are written and it fits. */
void ef_textlist_add(struct ef_textlist *l, const char *item);
void ef_textlist_addf(struct ef_textlist *l, const char *fmt, ...) EF_PRINTF(2, 3);
/* Append " and N more" when items were counted but not written; call once, after the last
 * add. Returns the buffer. */
const char *ef_textlist_end(struct ef_textlist *l);

#endif
