/* SPDX-License-Identifier: EUPL-1.2 */
/* Reading a device list (inventory.h): the text's encoding (UTF-8, with or without a byte
 * order mark, or Windows-1252, which Swedish Excel's "CSV (semikolonavgränsad)" writes,
 * converted with iconv), the separator (from the header line), then the CSV itself with
 * libcsv. libcsv is fed one physical line at a time, so every row is known by the file line
 * it starts on, and errors say "file:line". */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/array.h"
#include "efterlev/util.h"
#include "inventory.h"
#include "libcsv.h" /* libcsv's csv.h (collector/CMakeLists.txt) */
#include "names.h"

struct parse {
    const char *name;
    const char *const *override;
    struct ef_inv_list *out;
    size_t cap;
    /* the record being read */
    char **cells;
    size_t ncells;
    int64_t line;      /* the physical line being fed */
    int64_t row_start; /* the line the current record began on */
    int between_rows;  /* no record in progress */
    int have_header;
    size_t header_cells;
    char *err;
    size_t errlen;
    int failed;
};

static void fail_at(struct parse *p, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_at(struct parse *p, int64_t line, const char *fmt, ...)
{
    char why[400];
    va_list ap;

    if (p->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%lld: %s", p->name, (long long)line, why);
    p->failed = 1;
}

static void clear_cells(struct parse *p)
{
    for (size_t i = 0; i < p->ncells; i++)
        free(p->cells[i]);
    p->ncells = 0;
}

static void on_field(void *s, size_t len, void *data)
{
    struct parse *p = data;
    char *copy;

    if (p->failed)
        return;
    if (p->ncells >= EF_INV_COLUMNS_MAX) {
        fail_at(p, p->row_start, "more than %d columns", EF_INV_COLUMNS_MAX);
        return;
    }
    if (len > EF_INV_CELL_MAX) {
        fail_at(p, p->row_start, "field %zu is %zu bytes long, at most %d", p->ncells + 1, len,
                EF_INV_CELL_MAX);
        return;
    }
    if ((copy = malloc(len + 1)) == NULL) {
        fail_at(p, p->row_start, "out of memory");
        return;
    }
    if (len > 0)
        memcpy(copy, s, len);
    copy[len] = '\0';
    p->cells[p->ncells++] = copy;
}

/* Text of a field: no control characters (C0, DEL, C1), at most max bytes. */
static int text_ok(struct parse *p, const char *what, const char *v, size_t max)
{
    const unsigned char *u = (const unsigned char *)v;
    size_t len = strlen(v);

    if (len > max) {
        fail_at(p, p->row_start, "%s is %zu bytes long, at most %zu", what, len, max);
        return 0;
    }
    for (size_t i = 0; i < len; i++)
        if (u[i] < 0x20 || u[i] == 0x7f ||
            (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)) {
            fail_at(p, p->row_start,
                    "%s holds a control character (a line break in a quoted "
                    "field?)",
                    what);
            return 0;
        }
    return 1;
}

static const char *cell(const struct parse *p, enum ef_inv_field f)
{
    int i = p->out->map[f];

    return i >= 0 && (size_t)i < p->ncells ? p->cells[i] : "";
}

/* Trimmed copy of v into out (libcsv trims unquoted fields; quoted ones keep their spaces). */
static int copy_trim(struct parse *p, const char *what, const char *v, char *out, size_t outlen)
{
    size_t len;

    while (*v == ' ' || *v == '\t')
        v++;
    len = strlen(v);
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    if (len >= outlen) {
        fail_at(p, p->row_start, "%s is %zu bytes long, at most %zu", what, len, outlen - 1);
        return -1;
    }
    memcpy(out, v, len);
    out[len] = '\0';
    return text_ok(p, what, out, outlen - 1) ? 0 : -1;
}

static void device_row(struct parse *p)
{
    struct ef_device d = {0};
    const char *h, *dept;

    if (p->ncells > p->header_cells) {
        fail_at(p, p->row_start,
                "%zu fields, the header has %zu (a separator inside an "
                "unquoted field?)",
                p->ncells, p->header_cells);
        return;
    }
    d.line = p->row_start;
    if (copy_trim(p, "hostname", cell(p, EF_INV_HOSTNAME), d.hostname, sizeof(d.hostname)) != 0)
        return;
    h = d.hostname;
    if (h[0] == '\0') {
        fail_at(p, p->row_start, "no hostname");
        return;
    }
    if (ef_inv_host_name_key(h, d.host_key) != 0) {
        fail_at(p, p->row_start, "hostname \"%.80s\" is not a host name", h);
        return;
    }
    dept = cell(p, EF_INV_DEPARTMENT);
    {
        char tmp[EF_INV_CELL_MAX + 1];

        if (copy_trim(p, "department", dept, tmp, sizeof(tmp)) != 0)
            return;
        if (tmp[0] == '\0') {
            fail_at(p, p->row_start, "no department for %.80s", h);
            return;
        }
        if (ef_dept_name_canon(tmp, d.department) != 0) {
            fail_at(p, p->row_start,
                    "department \"%.80s\" must be 1 to %d bytes of UTF-8 without control "
                    "characters",
                    tmp, EF_DEPT_NAME_MAX);
            return;
        }
    }
    if (copy_trim(p, "os", cell(p, EF_INV_OS), d.os, sizeof(d.os)) != 0 ||
        copy_trim(p, "serial", cell(p, EF_INV_SERIAL), d.serial, sizeof(d.serial)) != 0 ||
        copy_trim(p, "last_logon", cell(p, EF_INV_LAST_LOGON), d.last_logon,
                  sizeof(d.last_logon)) != 0)
        return;
    {
        char tmp[EF_INV_CELL_MAX + 1];

        if (copy_trim(p, "system", cell(p, EF_INV_SYSTEM), tmp, sizeof(tmp)) != 0)
            return;
        if (tmp[0] != '\0' && ef_dept_name_canon(tmp, d.system) != 0) {
            fail_at(p, p->row_start,
                    "system \"%.80s\" must be 1 to %d bytes of UTF-8 without control characters",
                    tmp, EF_SYSTEM_NAME_MAX);
            return;
        }
    }
    if (p->out->n >= EF_INV_DEVICES_MAX) {
        fail_at(p, p->row_start, "more than %d devices", EF_INV_DEVICES_MAX);
        return;
    }
    struct ef_device *g =
        ef_array_grow(p->out->v, p->out->n, &p->cap, sizeof(d), 256, EF_INV_DEVICES_MAX);
    if (g == NULL) {
        fail_at(p, p->row_start, "out of memory");
        return;
    }
    p->out->v = g;
    p->out->v[p->out->n++] = d;
}

static void on_row(int c, void *data)
{
    struct parse *p = data;
    int blank = 1;

    (void)c;
    for (size_t i = 0; i < p->ncells && blank; i++)
        blank = p->cells[i][strspn(p->cells[i], " \t")] == '\0';
    if (!p->failed && !blank) {
        if (!p->have_header) {
            char why[700];

            if (ef_inv_map_header((const char *const *)p->cells, p->ncells, p->override,
                                  p->out->map, why, sizeof(why)) != 0)
                fail_at(p, p->row_start, "%s", why);
            p->have_header = 1;
            p->header_cells = p->ncells;
        } else {
            device_row(p);
        }
    }
    clear_cells(p);
    p->between_rows = 1;
}

/* ';' or ',': whichever the header line has more of outside quotes (';' on a tie: Swedish
 * Excel). */
static char detect_sep(const char *s, size_t len)
{
    size_t semi = 0, comma = 0;
    int quoted = 0;

    for (size_t i = 0; i < len && s[i] != '\n'; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == ';')
            semi++;
        else if (!quoted && s[i] == ',')
            comma++;
    }
    return comma > semi ? ',' : ';';
}

/* Windows-1252 to UTF-8 with iconv; *out (NUL-terminated) freed by the caller. The five
 * bytes Windows-1252 leaves undefined fail, with the line they are on. */
static int from_1252(const char *name, const char *in, size_t len, char **out, size_t *outlen,
                     char *err, size_t errlen)
{
    iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
    size_t cap = len * 3 + 1, left_in = len, left_out = cap;
    char *src = (char *)in, *buf, *dst;

    if (cd == (iconv_t)-1) {
        snprintf(err, errlen, "%s: not UTF-8, and iconv cannot read Windows-1252: %s", name,
                 strerror(errno));
        return -1;
    }
    if ((buf = malloc(cap)) == NULL) {
        iconv_close(cd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    dst = buf;
    if (iconv(cd, &src, &left_in, &dst, &left_out) == (size_t)-1) {
        int64_t line = 1;

        for (const char *q = in; q < src; q++)
            line += *q == '\n';
        snprintf(err, errlen, "%s:%lld: neither UTF-8 nor Windows-1252 text (byte 0x%02x)", name,
                 (long long)line, (unsigned char)*src);
        free(buf);
        iconv_close(cd);
        return -1;
    }
    iconv_close(cd);
    *dst = '\0';
    *out = buf;
    *outlen = (size_t)(dst - buf);
    return 0;
}

void ef_inv_list_free(struct ef_inv_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int ef_inv_parse(const char *name, const char *data, size_t len,
                 const char *const override[EF_INV_FIELDS], struct ef_inv_list *out, char *err,
                 size_t errlen)
{
    struct parse p = {.name = name,
                      .override = override,
                      .out = out,
                      .err = err,
                      .errlen = errlen,
                      .between_rows = 1};
    struct csv_parser csv;
    char *conv = NULL;
    const char *nul, *s, *end;
    int rc = -1, skip;

    memset(out, 0, sizeof(*out));
    if ((nul = memchr(data, '\0', len)) != NULL) {
        int64_t line = 1;

        for (const char *q = data; q < nul; q++)
            line += *q == '\n';
        snprintf(err, errlen, "%s:%lld: a NUL byte: not a text file", name, (long long)line);
        return -1;
    }
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (!ef_utf8_valid(data, len)) {
        if (from_1252(name, data, len, &conv, &len, err, errlen) != 0)
            return -1;
        data = conv;
        out->windows1252 = 1;
    }
    /* PowerShell 5's Export-Csv starts with "#TYPE ..." unless -NoTypeInformation: that
     * line is skipped, and the header is the next. */
    skip = len >= 6 && memcmp(data, "#TYPE ", 6) == 0;
    s = data;
    end = data + len;
    if (skip) {
        const char *nl = memchr(s, '\n', len);

        s = nl != NULL ? nl + 1 : end;
        p.line = 1;
    }
    out->sep = detect_sep(s, (size_t)(end - s));
    if ((p.cells = calloc(EF_INV_COLUMNS_MAX, sizeof(*p.cells))) == NULL ||
        csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(p.cells);
        free(conv);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    csv_set_delim(&csv, (unsigned char)out->sep);
    while (s < end && !p.failed) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl != NULL ? (size_t)(nl - s) + 1 : (size_t)(end - s); /* with its '\n' */
        size_t blank = 0;

        p.line++;
        while (blank < n && strchr(" \t\r\n", s[blank]) != NULL)
            blank++;
        if (p.between_rows && blank < n) {
            p.row_start = p.line;
            p.between_rows = 0;
        }
        if (csv_parse(&csv, s, n, on_field, on_row, &p) != n && !p.failed)
            fail_at(&p, p.line,
                    "not valid CSV (%s): a quote inside an unquoted field, or text after a "
                    "closing quote",
                    csv_strerror(csv_error(&csv)));
        s += n;
    }
    if (!p.failed && csv_fini(&csv, on_field, on_row, &p) != 0)
        fail_at(&p, p.row_start, "a quoted field is not closed before the end of the file");
    if (!p.failed && !p.have_header)
        fail_at(&p, 1, "empty: no header line");
    if (!p.failed && out->n == 0)
        fail_at(&p, p.line, "no devices below the header");
    if (!p.failed)
        rc = 0;
    clear_cells(&p);
    free(p.cells);
    csv_free(&csv);
    free(conv);
    if (rc != 0)
        ef_inv_list_free(out);
    return rc;
}

int ef_inv_read(const char *path, const char *const override[EF_INV_FIELDS],
                struct ef_inv_list *out, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = ef_read_file(path, EF_INV_BYTES_MAX, &buf, &len);

    if (rc != 0) {
        if (rc == -EFBIG)
            snprintf(err, errlen, "%s: larger than %u MiB", path, EF_INV_BYTES_MAX >> 20);
        else
            snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return -1;
    }
    rc = ef_inv_parse(path, buf, len, override, out, err, errlen);
    free(buf);
    return rc;
}
