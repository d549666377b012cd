/* SPDX-License-Identifier: EUPL-1.2 */
/* End of servicing per Windows release and edition family (win_support.h). The table is
 * checks/windows-support.csv, compiled in as the string ef_windows_support_csv by
 * cmake/embed_text.cmake: the agent carries it whether it runs as a Windows service from
 * %ProgramFiles% or judges a recording on Linux. Parsed once, strictly, on first use; a
 * malformed table leaves every Windows os.supported unknown (and fails the unit test). */
#include "probes/win_support.h"

#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char ef_windows_support_csv[];

#define HEADER "build,display_version,family,end_of_servicing,release"
#define LINE_MAX_LEN 256

static const char *const families[] = {"home-pro", "ent-edu", "ltsc",
                                       "iot-ltsc", "server",  "client"};

static int ascii_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int ascii_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    char buf[64];
    if (strlen(s) < n || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return ascii_eq(buf, prefix);
}

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_eq(s, list[i]))
            return 1;
    return 0;
}

const char *ef_winsupport_family(const char *edition, const char *installation_type,
                                 const char *product_type, long long build)
{
    /* EditionID values as Microsoft documents them (Windows SKU names); N, K, G, KN
     * variants and evaluation editions follow their base edition's servicing. */
    static const char *const ltsc[] = {"EnterpriseS", "EnterpriseSN", "EnterpriseSEval",
                                       "EnterpriseSNEval"};
    static const char *const iot_ltsc[] = {"IoTEnterpriseS", "IoTEnterpriseSK"};
    static const char *const ent_edu[] = {
        "Enterprise",    "EnterpriseN",    "EnterpriseG",    "EnterpriseGN", "EnterpriseEval",
        "EnterpriseNEval", "Education",    "EducationN",     "IoTEnterprise", "IoTEnterpriseK",
        "ServerRdsh" /* Enterprise multi-session: a client edition */};
    static const char *const home_pro[] = {"Core",
                                           "CoreN",
                                           "CoreSingleLanguage",
                                           "CoreCountrySpecific",
                                           "Professional",
                                           "ProfessionalN",
                                           "ProfessionalEducation",
                                           "ProfessionalEducationN",
                                           "ProfessionalWorkstation",
                                           "ProfessionalWorkstationN",
                                           "ProfessionalSingleLanguage",
                                           "ProfessionalCountrySpecific"};
    edition = edition ? edition : "";
    installation_type = installation_type ? installation_type : "";
    product_type = product_type ? product_type : "";

    if (in_list(edition, ltsc, EF_ARRAY_LEN(ltsc)))
        return "ltsc";
    if (in_list(edition, iot_ltsc, EF_ARRAY_LEN(iot_ltsc)))
        return "iot-ltsc";
    if (in_list(edition, ent_edu, EF_ARRAY_LEN(ent_edu)) ||
        in_list(edition, home_pro, EF_ARRAY_LEN(home_pro)))
        return build < 10240
                   ? "client"
                   : (in_list(edition, ent_edu, EF_ARRAY_LEN(ent_edu)) ? "ent-edu" : "home-pro");
    /* Windows Server: InstallationType "Server", "Server Core" or "Nano Server", or a
     * server ProductType, with a Server* EditionID */
    int server_install =
        ascii_prefix(installation_type, "Server") || ascii_eq(installation_type, "Nano Server");
    int server_type = ascii_eq(product_type, "ServerNT") || ascii_eq(product_type, "LanmanNT");
    if (ascii_prefix(edition, "Server") && (server_install || server_type))
        return "server";
    return NULL;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static int parse_row(char *line, struct ef_winrel *r, char *why, size_t whylen)
{
    char *fld[5];
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == 5) {
            snprintf(why, whylen, "more than 5 fields");
            return -1;
        }
        fld[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    if (n != 5) {
        snprintf(why, whylen, "%d fields, not 5", n);
        return -1;
    }
    size_t bl = strlen(fld[0]);
    if (bl == 0 || bl > 6 || strspn(fld[0], "0123456789") != bl) {
        snprintf(why, whylen, "build '%.20s' is not a number", fld[0]);
        return -1;
    }
    r->build = strtoll(fld[0], NULL, 10);
    size_t dl = strlen(fld[1]);
    if (!(strcmp(fld[1], "-") == 0 || (dl == 4 && strspn(fld[1], "0123456789H") == 4))) {
        snprintf(why, whylen, "display_version '%.20s' is neither '-' nor like 1809 or 22H2",
                 fld[1]);
        return -1;
    }
    strlcpy(r->display, fld[1], sizeof(r->display));
    int known = 0;
    for (size_t i = 0; i < EF_ARRAY_LEN(families); i++)
        known |= strcmp(fld[2], families[i]) == 0;
    if (!known) {
        snprintf(why, whylen,
                 "family '%.20s' is not one of home-pro, ent-edu, ltsc, iot-ltsc, "
                 "server, client",
                 fld[2]);
        return -1;
    }
    strlcpy(r->family, fld[2], sizeof(r->family));
    if (!valid_date(fld[3])) {
        snprintf(why, whylen, "end_of_servicing '%.20s' is not a date YYYY-MM-DD", fld[3]);
        return -1;
    }
    strlcpy(r->eos, fld[3], sizeof(r->eos));
    size_t rl = strlen(fld[4]);
    if (rl == 0 || rl >= sizeof(r->release)) {
        snprintf(why, whylen, "release name empty or longer than %zu", sizeof(r->release) - 1);
        return -1;
    }
    for (size_t i = 0; i < rl; i++)
        if ((unsigned char)fld[4][i] < 0x20 || (unsigned char)fld[4][i] > 0x7e) {
            snprintf(why, whylen, "release name has a control or non-ASCII byte");
            return -1;
        }
    strlcpy(r->release, fld[4], sizeof(r->release));
    return 0;
}

int ef_winsupport_parse(const char *text, struct ef_winrel **rows, size_t *n, char *err,
                        size_t errlen)
{
    struct ef_winrel *out = calloc(EF_WINREL_MAX, sizeof(*out));
    size_t count = 0;
    int lineno = 0, header = 0;
    const char *p = text;
    char line[LINE_MAX_LEN + 1], why[160];

    *rows = NULL;
    *n = 0;
    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        if (len > LINE_MAX_LEN) {
            snprintf(err, errlen, "line %d: longer than %d bytes", lineno, LINE_MAX_LEN);
            goto bad;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl ? nl + 1 : p + len;
        if (len > 0 && line[len - 1] == '\r') {
            snprintf(err, errlen, "line %d: CRLF line end", lineno);
            goto bad;
        }
        if (line[0] == '#')
            continue;
        if (line[0] == '\0') {
            snprintf(err, errlen, "line %d: empty line", lineno);
            goto bad;
        }
        if (!header) {
            if (strcmp(line, HEADER) != 0) {
                snprintf(err, errlen, "line %d: the header is not '%s'", lineno, HEADER);
                goto bad;
            }
            header = 1;
            continue;
        }
        if (count == EF_WINREL_MAX) {
            snprintf(err, errlen, "line %d: more than %d rows", lineno, EF_WINREL_MAX);
            goto bad;
        }
        if (parse_row(line, &out[count], why, sizeof(why)) != 0) {
            snprintf(err, errlen, "line %d: %s", lineno, why);
            goto bad;
        }
        for (size_t i = 0; i < count; i++)
            if (out[i].build == out[count].build && strcmp(out[i].family, out[count].family) == 0) {
                snprintf(err, errlen, "line %d: build %lld, family %s listed twice", lineno,
                         out[count].build, out[count].family);
                goto bad;
            }
        count++;
    }
    if (count == 0) {
        snprintf(err, errlen, "no rows%s", header ? "" : " and no header");
        goto bad;
    }
    *rows = out;
    *n = count;
    return 0;
bad:
    free(out);
    return -1;
}

static struct ef_winrel *table;
static size_t table_n;
static int table_state; /* 0 not parsed, 1 parsed (kept for the process), -1 malformed */
static char table_err[200];

int ef_winsupport_find(long long build, const char *family, const struct ef_winrel **out, char *err,
                       size_t errlen)
{
    if (table_state == 0) {
        table_state = ef_winsupport_parse(ef_windows_support_csv, &table, &table_n, table_err,
                                          sizeof(table_err)) == 0
                          ? 1
                          : -1;
    }
    if (table_state < 0) {
        snprintf(err, errlen,
                 "the built-in end-of-servicing table (checks/windows-support.csv) "
                 "is malformed: %s",
                 table_err);
        return -1;
    }
    for (size_t i = 0; i < table_n; i++)
        if (table[i].build == build && strcmp(table[i].family, family) == 0) {
            *out = &table[i];
            return 1;
        }
    return 0;
}
