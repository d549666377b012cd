/* SPDX-License-Identifier: EUPL-1.2 */
#include <stdio.h>
#include <string.h>

#include "efterlev/util.h"
#include "text_safe.h"

/* Length of the UTF-8 sequence starting with lead byte c; 0 when c cannot start one. */
static size_t seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0;
}

/* 1 when the valid sequence p (n bytes) is a character a terminal acts on: C0, DEL, C1
 * (U+0080..U+009F), or a bidirectional embedding, override or isolate (U+202A..U+202E,
 * U+2066..U+2069). */
static int is_control(const unsigned char *p, size_t n)
{
    if (n == 1)
        return p[0] < 0x20 || p[0] == 0x7f;
    if (n == 2)
        return p[0] == 0xc2 && p[1] < 0xa0;
    if (n == 3 && p[0] == 0xe2 && p[1] == 0x80)
        return p[2] >= 0xaa && p[2] <= 0xae;
    if (n == 3 && p[0] == 0xe2 && p[1] == 0x81)
        return p[2] >= 0xa6 && p[2] <= 0xa9;
    return 0;
}

/* How many bytes at p form one character to copy as is (0: escape the byte at p). */
static size_t safe_len(const unsigned char *p)
{
    size_t n = seq_len(*p);

    if (n == 0 || strnlen((const char *)p, n) < n || !ef_utf8_valid((const char *)p, n) ||
        is_control(p, n))
        return 0;
    return n;
}

char *ef_text_safe(const char *in, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, n;

    if (outlen == 0)
        return out;
    for (; *p != '\0'; p += n > 0 ? n : 1) {
        n = safe_len(p);
        if (n == 0) {
            /* Escape this byte only; the next ones are looked at afresh. */
            if (o + 4 >= outlen)
                break;
            snprintf(out + o, outlen - o, "\\x%02x", *p);
            o += 4;
        } else {
            if (o + n >= outlen)
                break;
            memcpy(out + o, p, n);
            o += n;
        }
    }
    out[o] = '\0';
    return out;
}

void ef_text_safe_fputs(const char *in, FILE *out)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n;

    for (; *p != '\0'; p += n > 0 ? n : 1) {
        n = safe_len(p);
        if (n == 0)
            fprintf(out, "\\x%02x", *p);
        else
            fwrite(p, 1, n, out);
    }
}
