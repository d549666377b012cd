/* SPDX-License-Identifier: EUPL-1.2 */
/* A recorded registry: a .reg file as `reg export` (or regedit) writes it, read into memory
 * and answered from there. Built on every system: a Linux agent scans a Windows machine's
 * recorded registry with --registry, and the tests use it.
 *
 * Accepted: the header "Windows Registry Editor Version 5.00" (or "REGEDIT4") on line 1;
 * UTF-16LE with BOM (what reg export writes), UTF-8 with or without BOM; CRLF or LF;
 * [KEY] lines under HKEY_LOCAL_MACHINE or HKEY_USERS (HKLM, HKU); "name"= or @= values of
 * "string" (escapes \\ and \"), dword:XXXXXXXX, hex:..., hex(N):... with '\' continuation
 * lines; ';' comments and blank lines. Refused with FILE:LINE: deletions ([-KEY], "name"=-),
 * which are import instructions, not a recorded state; anything else. A key listed twice
 * merges; a value listed twice keeps the last one, as `reg import` would. */
#include "registry_impl.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rval {
    char *name; /* "" for the default value */
    unsigned type;
    int numeric, truncated;
    unsigned long long num;
    char *text;
};

struct rkey {
    char *path; /* normalised: HKLM\... */
    struct rval *vals;
    size_t nvals, cap;
};

struct recorded {
    struct rkey *keys;
    size_t nkeys, cap;
};

/* ---- lookups ---- */

static struct rkey *find_key(struct recorded *rc, const char *path)
{
    for (size_t i = 0; i < rc->nkeys; i++)
        if (ef_reg_name_eq(rc->keys[i].path, path))
            return &rc->keys[i];
    return NULL;
}

/* key exists as recorded, or as the parent of a recorded key (import creates parents) */
static int key_present(struct recorded *rc, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < rc->nkeys; i++) {
        const char *p = rc->keys[i].path;
        if (ef_reg_name_eq(p, path))
            return 1;
        /* p starts with path + '\': compare the first n bytes of p code point by code point */
        if (strlen(p) > n && p[n] == '\\' && ef_reg_name_prefix(p, n, path))
            return 1;
    }
    return 0;
}

static ef_reg_status rec_get(struct ef_reg *r, const char *key, const char *name, ef_reg_view view,
                             struct ef_reg_value *out, char *why, size_t whylen)
{
    struct recorded *rc = r->impl;
    struct rkey *k = find_key(rc, key);

    (void)view;
    (void)why;
    (void)whylen;
    if (k == NULL)
        return EF_REG_ABSENT;
    for (size_t i = 0; i < k->nvals; i++) {
        struct rval *v = &k->vals[i];
        if (!ef_reg_name_eq(v->name, name))
            continue;
        out->type = v->type;
        out->numeric = v->numeric;
        out->num = v->num;
        out->truncated = v->truncated;
        snprintf(out->text, sizeof(out->text), "%s", v->text);
        return EF_REG_PRESENT;
    }
    return EF_REG_ABSENT;
}

static ef_reg_status rec_key_exists(struct ef_reg *r, const char *key, ef_reg_view view, char *why,
                                    size_t whylen)
{
    (void)view;
    (void)why;
    (void)whylen;
    return key_present(r->impl, key) ? EF_REG_PRESENT : EF_REG_ABSENT;
}

static int cmp_name(const void *a, const void *b)
{
    return ef_reg_name_cmp(*(char *const *)a, *(char *const *)b);
}

static ef_reg_status rec_subkeys(struct ef_reg *r, const char *key, ef_reg_view view, char ***names,
                                 size_t *n, char *why, size_t whylen)
{
    struct recorded *rc = r->impl;
    size_t klen = strlen(key), cnt = 0;
    char **v;

    (void)view;
    if (!key_present(rc, key))
        return EF_REG_ABSENT;
    if ((v = calloc(EF_REG_SUBKEYS_MAX + 1, sizeof(*v))) == NULL) {
        snprintf(why, whylen, "out of memory");
        return EF_REG_CANNOT_READ;
    }
    for (size_t i = 0; i < rc->nkeys; i++) {
        const char *p = rc->keys[i].path;
        if (!(strlen(p) > klen && p[klen] == '\\' && ef_reg_name_prefix(p, klen, key)))
            continue;
        const char *sub = p + klen + 1;
        size_t sl = strcspn(sub, "\\");
        int dup = 0;
        for (size_t j = 0; j < cnt && !dup; j++)
            dup = strlen(v[j]) == sl && ef_reg_name_prefix(sub, sl, v[j]);
        if (dup)
            continue;
        if (cnt == EF_REG_SUBKEYS_MAX) {
            snprintf(why, whylen, "more than %d subkeys under %s", EF_REG_SUBKEYS_MAX, key);
            ef_reg_names_free(v);
            return EF_REG_CANNOT_READ;
        }
        if ((v[cnt] = malloc(sl + 1)) == NULL) {
            snprintf(why, whylen, "out of memory");
            ef_reg_names_free(v);
            return EF_REG_CANNOT_READ;
        }
        memcpy(v[cnt], sub, sl);
        v[cnt][sl] = '\0';
        cnt++;
    }
    qsort(v, cnt, sizeof(*v), cmp_name);
    *names = v;
    *n = cnt;
    return EF_REG_PRESENT;
}

static void rec_free(struct ef_reg *r)
{
    struct recorded *rc = r->impl;
    for (size_t i = 0; rc && i < rc->nkeys; i++) {
        for (size_t j = 0; j < rc->keys[i].nvals; j++) {
            free(rc->keys[i].vals[j].name);
            free(rc->keys[i].vals[j].text);
        }
        free(rc->keys[i].vals);
        free(rc->keys[i].path);
    }
    if (rc)
        free(rc->keys);
    free(rc);
    free(r);
}

static const struct ef_reg_ops recorded_ops = {rec_get, rec_key_exists, rec_subkeys, rec_free};

/* ---- the parser ---- */

struct parser {
    const char *file;
    size_t line;
    char *err;
    size_t errlen;
    struct recorded *rc;
    size_t cur_i; /* the current key, by index: rc->keys moves as it grows */
    int have_cur;
};

EF_PRINTF(2, 3) static int perr(struct parser *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%zu: %s", p->file, p->line, msg);
    return -1;
}

/* The whole file as UTF-8: a UTF-16LE file (BOM FF FE) is converted; a UTF-8 BOM skipped. */
static int decode(struct parser *p, const char *raw, size_t len, char **out, size_t *outlen)
{
    const unsigned char *u = (const unsigned char *)raw;

    p->line = 1;
    if (len >= 2 && u[0] == 0xfe && u[1] == 0xff)
        return perr(p, "UTF-16 big-endian is not a .reg encoding (reg export writes UTF-16LE)");
    if (len >= 2 && u[0] == 0xff && u[1] == 0xfe) {
        size_t units = (len - 2) / 2;
        if ((len - 2) % 2)
            return perr(p, "UTF-16LE file with an odd number of bytes");
        /* line by line, so that a bad surrogate is reported with its line */
        char *buf = malloc(4 * units + 1);
        size_t o = 0, start = 0;
        if (buf == NULL)
            return perr(p, "out of memory");
        for (size_t i = 0; i <= units; i++) {
            int nl = i < units && u[2 + 2 * i] == '\n' && u[3 + 2 * i] == 0;
            if (i < units && !nl)
                continue;
            if (i < units && u[2 + 2 * i] == 0 && u[3 + 2 * i] == 0) {
                free(buf);
                return perr(p, "NUL character in the file");
            }
            size_t n;
            if (ef_reg_utf16le_to_utf8(u + 2 + 2 * start, i - start, buf + o, 4 * units + 1 - o,
                                       &n) != 0) {
                free(buf);
                return perr(p, "not valid UTF-16LE (unpaired surrogate)");
            }
            o += n;
            if (nl) {
                buf[o++] = '\n';
                p->line++;
            }
            start = i + 1;
        }
        buf[o] = '\0';
        *out = buf;
        *outlen = o;
    } else {
        size_t skip = len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ? 3 : 0;
        if ((*out = malloc(len - skip + 1)) == NULL)
            return perr(p, "out of memory");
        memcpy(*out, raw + skip, len - skip);
        (*out)[len - skip] = '\0';
        *outlen = len - skip;
    }
    /* NUL inside a UTF-16 line was caught above; a UTF-8 file is checked line by line */
    return 0;
}

static char *trim_right(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static int add_key(struct parser *p, const char *raw)
{
    char path[EF_REG_KEY_MAX + 16];

    if (strlen(raw) > EF_REG_KEY_MAX)
        return perr(p, "key name longer than %d bytes", EF_REG_KEY_MAX);
    if (ef_reg_key_normalize(raw, EF_REG_VIEW_64, path, sizeof(path)) != 0)
        return perr(p, "key '%.200s' is not under HKEY_LOCAL_MACHINE or HKEY_USERS", raw);
    struct rkey *k = find_key(p->rc, path);
    if (k == NULL) {
        if (p->rc->nkeys == p->rc->cap) {
            size_t cap = p->rc->cap ? 2 * p->rc->cap : 64;
            struct rkey *g =
                cap > SIZE_MAX / sizeof(*g) ? NULL : realloc(p->rc->keys, cap * sizeof(*g));
            if (g == NULL)
                return perr(p, "out of memory");
            p->rc->keys = g;
            p->rc->cap = cap;
        }
        k = &p->rc->keys[p->rc->nkeys];
        memset(k, 0, sizeof(*k));
        if ((k->path = strdup(path)) == NULL)
            return perr(p, "out of memory");
        p->rc->nkeys++;
    }
    p->cur_i = (size_t)(k - p->rc->keys);
    p->have_cur = 1;
    return 0;
}

/* A quoted string at *s ("..."), unescaping \\ and \"; *s is left after the closing quote. */
static int quoted(struct parser *p, const char **s, char *out, size_t outlen, const char *what)
{
    const char *q = *s + 1;
    size_t o = 0;

    for (;; q++) {
        if (*q == '\0')
            return perr(p, "%s: no closing quote", what);
        if (*q == '"')
            break;
        char c = *q;
        if (c == '\\') {
            q++;
            if (*q != '\\' && *q != '"')
                return perr(p, "%s: unknown escape '\\%c' (a .reg file escapes only \\\\ and \\\")",
                            what, *q ? *q : ' ');
            c = *q;
        }
        if (o + 1 >= outlen)
            return perr(p, "%s longer than %zu bytes", what, outlen - 1);
        out[o++] = c;
    }
    out[o] = '\0';
    *s = q + 1;
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* "aa,bb,cc" into bytes; empty allowed. */
static int hex_bytes(struct parser *p, const char *s, unsigned char *out, size_t *n)
{
    *n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    for (;;) {
        int a = hexval((unsigned char)s[0]), b = a < 0 ? -1 : hexval((unsigned char)s[1]);
        if (a < 0 || b < 0)
            return perr(p, "hex data: expected two hex digits at '%.20s'", s);
        if (*n == EF_REG_DATA_MAX)
            return perr(p, "hex data longer than %d bytes", EF_REG_DATA_MAX);
        out[(*n)++] = (unsigned char)(a << 4 | b);
        s += 2;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            return 0;
        if (*s != ',')
            return perr(p, "hex data: expected ',' at '%.20s'", s);
        s++;
        while (*s == ' ' || *s == '\t')
            s++;
    }
}

static int store(struct parser *p, const char *name, const struct ef_reg_value *v)
{
    struct rkey *k = &p->rc->keys[p->cur_i];
    struct rval *slot = NULL;

    for (size_t i = 0; i < k->nvals && slot == NULL; i++)
        if (ef_reg_name_eq(k->vals[i].name, name))
            slot = &k->vals[i];
    if (slot == NULL) {
        if (k->nvals == k->cap) {
            size_t cap = k->cap ? 2 * k->cap : 8;
            struct rval *g =
                cap > SIZE_MAX / sizeof(*g) ? NULL : realloc(k->vals, cap * sizeof(*g));
            if (g == NULL)
                return perr(p, "out of memory");
            k->vals = g;
            k->cap = cap;
        }
        slot = &k->vals[k->nvals++];
        memset(slot, 0, sizeof(*slot));
        if ((slot->name = strdup(name)) == NULL)
            return perr(p, "out of memory");
    }
    free(slot->text);
    slot->type = v->type;
    slot->numeric = v->numeric;
    slot->num = v->num;
    slot->truncated = v->truncated;
    if ((slot->text = strdup(v->text)) == NULL)
        return perr(p, "out of memory");
    return 0;
}

static int parse_value(struct parser *p, const char *line)
{
    static char name[EF_REG_NAME_MAX + 1];
    static unsigned char data[EF_REG_DATA_MAX];
    const char *s = line;
    struct ef_reg_value v;
    char why[200];
    size_t n;

    if (!p->have_cur)
        return perr(p, "a value before the first [KEY] line");
    if (*s == '@') {
        name[0] = '\0';
        s++;
    } else if (quoted(p, &s, name, sizeof(name), "value name") != 0) {
        return -1;
    }
    if (*s != '=')
        return perr(p, "expected '=' after the value name");
    s++;
    memset(&v, 0, sizeof(v));
    if (strcmp(s, "-") == 0)
        return perr(p,
                    "deletion of value '%.200s' refused: a recorded registry holds values, "
                    "deletions are import instructions",
                    name);
    if (*s == '"') {
        char *text = malloc(EF_REG_DATA_MAX + 1);
        if (text == NULL)
            return perr(p, "out of memory");
        if (quoted(p, &s, text, EF_REG_DATA_MAX + 1, "string data") != 0) {
            free(text);
            return -1;
        }
        if (*s != '\0') {
            free(text);
            return perr(p, "unexpected text after the closing quote: '%.40s'", s);
        }
        v.type = EF_REG_SZ;
        v.truncated = strlen(text) > EF_REG_TEXT_MAX;
        if (v.truncated) {
            size_t cut = EF_REG_TEXT_MAX;
            while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
                cut--;
            text[cut] = '\0';
        }
        snprintf(v.text, sizeof(v.text), "%s", text);
        free(text);
    } else if (strncmp(s, "dword:", 6) == 0) {
        s += 6;
        size_t len = strlen(s);
        unsigned long long x = 0;
        if (len == 0 || len > 8)
            return perr(p, "dword: expected 1 to 8 hex digits, got '%.20s'", s);
        for (const char *q = s; *q; q++) {
            int h = hexval((unsigned char)*q);
            if (h < 0)
                return perr(p, "dword: '%.20s' is not hexadecimal", s);
            x = x << 4 | (unsigned)h;
        }
        v.type = EF_REG_DWORD;
        v.numeric = 1;
        v.num = x;
        snprintf(v.text, sizeof(v.text), "%llu", x);
    } else if (strncmp(s, "hex", 3) == 0) {
        unsigned type = EF_REG_BINARY;
        s += 3;
        if (*s == '(') {
            char *end;
            errno = 0;
            unsigned long t = strtoul(s + 1, &end, 16);
            /* a value's type is a DWORD: device properties under Enum\...\Properties are
             * stored as 0xffff00NN (reg export HKLM writes hex(ffff0007):...) */
            if (end == s + 1 || *end != ')' || errno || t > 0xffffffffUL ||
                !isxdigit((unsigned char)s[1]))
                return perr(p, "hex(N): bad type number in '%.20s'", s);
            type = (unsigned)t;
            s = end + 1;
        }
        if (*s != ':')
            return perr(p, "expected ':' after hex");
        if (hex_bytes(p, s + 1, data, &n) != 0)
            return -1;
        if (ef_reg_render(type, data, n, &v, why, sizeof(why)) != 0)
            return perr(p, "value '%.200s': %s", name, why);
    } else {
        return perr(p,
                    "value '%.200s': unknown data '%.40s' (expected \"string\", dword:, hex: "
                    "or hex(N):)",
                    name, s);
    }
    return store(p, name, &v);
}

static int parse(struct parser *p, char *text, size_t len)
{
    char *line = text, *end = text + len;
    char *logical = NULL;
    size_t cap = 0;
    int rc = -1;

    p->line = 0;
    while (line < end) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *next = nl ? nl + 1 : end;
        if (nl)
            *nl = '\0';
        p->line++;
        size_t first = p->line;
        if (strlen(line) != (size_t)((nl ? nl : end) - line)) {
            perr(p, "NUL character in the file");
            goto out;
        }
        if (!ef_utf8_valid(line, strlen(line))) {
            perr(p, "not valid UTF-8");
            goto out;
        }
        trim_right(line);
        if (p->line == 1) {
            if (strcmp(line, "Windows Registry Editor Version 5.00") != 0 &&
                strcmp(line, "REGEDIT4") != 0) {
                perr(p, "not a .reg file: line 1 must be \"Windows Registry Editor Version "
                        "5.00\" or \"REGEDIT4\"");
                goto out;
            }
            line = next;
            continue;
        }
        /* hex data continues on the next line after a trailing '\' */
        size_t ll = strlen(line);
        if ((line[0] == '"' || line[0] == '@') && ll > 0 && line[ll - 1] == '\\' &&
            strstr(line, "=hex") != NULL) {
            size_t used = 0;
            for (;;) {
                ll = strlen(line);
                int more = ll > 0 && line[ll - 1] == '\\';
                if (more)
                    line[--ll] = '\0';
                while (used > 0 && (*line == ' ' || *line == '\t'))
                    line++, ll--;
                if (used + ll + 1 > cap) {
                    size_t ncap = (used + ll + 1) * 2;
                    if (ncap > 4 * (size_t)EF_REG_DATA_MAX + 2 * EF_REG_NAME_MAX + 64) {
                        perr(p, "value longer than %d bytes of data", EF_REG_DATA_MAX);
                        goto out;
                    }
                    char *g = realloc(logical, ncap);
                    if (g == NULL) {
                        perr(p, "out of memory");
                        goto out;
                    }
                    logical = g, cap = ncap;
                }
                memcpy(logical + used, line, ll + 1);
                used += ll;
                if (!more)
                    break;
                if (next >= end) {
                    perr(p, "the file ends inside a continued value");
                    goto out;
                }
                line = next;
                nl = memchr(line, '\n', (size_t)(end - line));
                next = nl ? nl + 1 : end;
                if (nl)
                    *nl = '\0';
                p->line++;
                if (strlen(line) != (size_t)((nl ? nl : end) - line) ||
                    !ef_utf8_valid(line, strlen(line))) {
                    perr(p, "not valid UTF-8");
                    goto out;
                }
                trim_right(line);
                if (*line != ' ' && *line != '\t') {
                    perr(p, "a continuation line must start with spaces");
                    goto out;
                }
            }
            size_t last = p->line;
            p->line = first;
            if (parse_value(p, logical) != 0)
                goto out;
            p->line = last;
        } else if (line[0] == '\0' || line[0] == ';') {
            /* blank or comment */
        } else if (line[0] == '[') {
            if (ll < 3 || line[ll - 1] != ']') {
                perr(p, "a key line must be [KEY]");
                goto out;
            }
            if (line[1] == '-') {
                perr(p,
                     "deletion of key [%.200s refused: a recorded registry holds keys, "
                     "deletions are import instructions",
                     line + 2);
                goto out;
            }
            line[ll - 1] = '\0';
            if (add_key(p, line + 1) != 0)
                goto out;
        } else if (line[0] == '"' || line[0] == '@') {
            if (parse_value(p, line) != 0)
                goto out;
        } else {
            perr(p, "cannot read this line: '%.60s'", line);
            goto out;
        }
        line = next;
    }
    if (p->line == 0) {
        p->line = 1;
        perr(p, "empty file: not a .reg file");
        goto out;
    }
    rc = 0;
out:
    free(logical);
    return rc;
}

struct ef_reg *ef_reg_open_recorded(const char *path, char *err, size_t errlen)
{
    struct parser p = {.file = path, .err = err, .errlen = errlen};
    struct ef_reg *r = calloc(1, sizeof(*r));
    char *raw = NULL, *text = NULL;
    size_t len = 0, tlen = 0;
    int rc;

    if (r == NULL || (r->impl = calloc(1, sizeof(struct recorded))) == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(r);
        return NULL;
    }
    r->ops = &recorded_ops;
    snprintf(r->source, sizeof(r->source), "recorded registry %s", path);
    p.rc = r->impl;
    if ((rc = ef_read_file(path, EF_REG_FILE_MAX, &raw, &len)) != 0) {
        snprintf(err, errlen, "%s: %s", path,
                 rc == -EFBIG ? "larger than 64 MiB: export only the keys the checks read"
                              : strerror(-rc));
        rec_free(r);
        return NULL;
    }
    rc = decode(&p, raw, len, &text, &tlen);
    free(raw);
    if (rc != 0 || parse(&p, text, tlen) != 0) {
        free(text);
        rec_free(r);
        return NULL;
    }
    free(text);
    return r;
}
