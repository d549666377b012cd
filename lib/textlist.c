/* SPDX-License-Identifier: EUPL-1.2 */
/* Bounded, UTF-8-safe evidence text and "a, b, c and N more" lists (efterlev/textlist.h). */
#include "efterlev/textlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, cp = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, cp = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void ef_text_append(char *dst, size_t cap, const char *src, size_t srclen)
{
    size_t used = strnlen(dst, cap);
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0;

    if (cap == 0 || used >= cap)
        return;
    while (i < srclen && s[i] != '\0') {
        size_t n = utf8_seq(s + i, srclen - i);
        if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7F))) {
            if (used + 1 >= cap)
                break;
            dst[used++] = s[i] == '\t' ? ' ' : '?';
            i++;
            continue;
        }
        if (used + n >= cap)
            break;
        memcpy(dst + used, s + i, n);
        used += n;
        i += n;
    }
    dst[used] = '\0';
}

/* Drop an incomplete UTF-8 sequence at the end of s. */
static void utf8_fix_tail(char *s)
{
    size_t len = strlen(s), k = len;

    while (k > 0 && len - k < 4 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--;
    if (k == 0)
        return;
    k--; /* the lead byte (or an ASCII byte) */
    if (utf8_seq((const unsigned char *)s + k, len - k) != len - k)
        s[((unsigned char)s[k] < 0x80) ? k + 1 : k] = '\0';
}

void ef_utf8_cut(char *s, size_t max)
{
    if (strlen(s) <= max)
        return;
    s[max] = '\0';
    utf8_fix_tail(s);
}

void ef_text_printf(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (cap == 0)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= cap)
        utf8_fix_tail(dst);
}

void ef_evidence_add(char *ev, size_t cap, const char *text)
{
    if (text == NULL || *text == '\0')
        return;
    if (*ev != '\0')
        ef_text_append(ev, cap, "; ", 2);
    ef_text_append(ev, cap, text, strlen(text));
}

/* ---- "a, b, c and N more" ---- */

void ef_textlist_init(struct ef_textlist *l, char *buf, size_t cap, const char *sep,
                      size_t show_max)
{
    *l = (struct ef_textlist){.buf = buf, .cap = cap, .sep = sep, .show_max = show_max};
    if (cap > 0)
        buf[0] = '\0';
}

/* Bytes the items may use (NUL included): the buffer less the room kept for the tail, or
 * half of a buffer too small to keep it all. */
static size_t items_cap(const struct ef_textlist *l)
{
    size_t keep = EF_TEXTLIST_TAIL_MAX;
    if (keep > l->cap / 2)
        keep = l->cap / 2;
    return l->cap - keep;
}

void ef_textlist_add(struct ef_textlist *l, const char *item)
{
    l->n++;
    if (l->cap == 0 || l->full || l->shown >= l->show_max)
        return;
    size_t cap = items_cap(l), used = strlen(l->buf);
    size_t seplen = l->shown > 0 ? strlen(l->sep) : 0;
    /* ef_text_append keeps the length: every byte it replaces becomes one '?'. */
    if (used + seplen + strlen(item) < cap) {
        ef_text_append(l->buf, cap, l->sep, seplen);
        ef_text_append(l->buf, cap, item, strlen(item));
        l->shown++;
        return;
    }
    l->full = 1;
    if (l->shown == 0) { /* cut the first item rather than show nothing */
        ef_text_append(l->buf, cap, item, strlen(item));
        l->shown++;
    }
}

void ef_textlist_addf(struct ef_textlist *l, const char *fmt, ...)
{
    char item[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(item, sizeof(item), fmt, ap);
    va_end(ap);
    ef_textlist_add(l, item);
}

const char *ef_textlist_end(struct ef_textlist *l)
{
    if (l->cap > 0 && l->n > l->shown) {
        char tail[EF_TEXTLIST_TAIL_MAX + 1];
        snprintf(tail, sizeof(tail), " and %zu more", l->n - l->shown);
        ef_text_append(l->buf, l->cap, tail, strlen(tail));
    }
    return l->buf;
}
