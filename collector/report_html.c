/* SPDX-License-Identifier: EUPL-1.2 */
/* The board report. Figures at the period's end come from that day's snapshot when the
 * period is over, else from the live counters; the trend is the daily snapshots within
 * the period. Everything is escaped; nothing is loaded from elsewhere (no scripts, no
 * external styles or fonts), so the file can be archived and printed as is. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "check_catalog.h"
#include "coverage.h"
#include "efterlev/util.h"
#include "now.h"
#include "report_html.h"
#include "systems.h"

#define WEAKEST_MAX 10
#define STALE_LIST_MAX 200

enum {
    S_TITLE,
    S_PERIOD,
    S_GENERATED,
    S_SUMMARY,
    S_SUMMARY_TEXT,
    S_DEPTS,
    S_DEPT,
    S_LEVEL,
    S_HOSTS,
    S_STALE,
    S_PASS,
    S_FAIL,
    S_ACCEPTED,
    S_UNJUDGED,
    S_COMPLIANCE,
    S_START,
    S_CHANGE,
    S_TREND,
    S_CHART,
    S_WEAKEST,
    S_WEAKEST_TEXT,
    S_CONTROL,
    S_TITLE_COL,
    S_RISKS,
    S_RISKS_NONE,
    S_CHECK,
    S_HOST,
    S_UNTIL,
    S_REASON,
    S_BY,
    S_STALE_HOSTS,
    S_STALE_NONE,
    S_LAST_SEEN,
    S_NEVER,
    S_METHOD,
    S_METHOD_TEXT,
    S_CHECKS,
    S_SEVERITY,
    S_CONTROLS,
    S_UNCOVERED,
    S_ALL_HOSTS,
    S_LEVEL_BASIC,
    S_LEVEL_ELEVATED,
    S_LEVEL_HIGH,
    S_TOTAL,
    S_NO_DATA,
    S_MORE,
    S_PLATFORMS,
    S_PLATFORM_COVER,
    S_ONLY,
    S_NONE_YET,
    S_SUMMARY_TEXT_LIST,
    S_METHOD_FIRST_LIST,
    S_COVERAGE,
    S_COVERAGE_TEXT,
    S_LISTED,
    S_REPORTING,
    S_NEVER_SEEN,
    S_COVERAGE_PCT,
    S_UNLISTED,
    S_NOT_DEPT,
    S_METHOD_ALL,
    S_METHOD_SOME,
    S_METHOD_POLICY,
    S_COUNT
};

/* SH: a soft hyphen, where a long header may break in a narrow (A4) column. */
#define SH "\xc2\xad"
static const char *const sv[S_COUNT] = {
    "Uppföljning av informationssäkerhet till kommunstyrelsen",
    "Period",
    "Framtagen",
    "Sammanfattning",
    "Teknisk efterlevnad mäts på varje dator med efterlev-agenten mot förvaltningens "
    "skyddsnivå. Efterlevnad = godkända / (godkända + underkända + saknade) kontroller på "
    "datorer som rapporterat de senaste @1 dagarna. Riskaccepterade brister räknas varken som "
    "godkända "
    "eller underkända.",
    "Efterlevnad per förvaltning",
    "Förvalt" SH "ning",
    "Skydds" SH "nivå",
    "Da" SH "torer",
    "In" SH "aktu" SH "ella",
    "God" SH "kända",
    "Under" SH "kända",
    "Risk" SH "accepterade",
    "Ej be" SH "dömda",
    "Efter" SH "levnad",
    "Vid periodens början",
    "Förändring",
    "Utveck" SH "ling",
    "Efterlevnad per förvaltning vid periodens slut",
    "Svagaste kontroller (ISO/IEC 27002:2022)",
    "Kontroller med lägst efterlevnad över alla förvaltningar.",
    "Kontroll",
    "Benämning",
    "Riskacceptanser under perioden",
    "Inga riskacceptanser under perioden.",
    "Kontroll (check)",
    "Dator",
    "Gäller till",
    "Motivering",
    "Beslu" SH "tad av",
    "Inaktuella datorer (ej rapporterat inom @1 dagar)",
    "Inga inaktuella datorer.",
    "Senast rapporterad",
    "aldrig",
    "Metod",
    "@2 Insamlingsservern verifierar varje signatur. En "
    "förvaltnings datorer bedöms mot förvaltningens skyddsnivå: grundläggande, förhöjd eller "
    "hög; högre nivå lägger till kontroller och skärper gränser. En dator som ingår i ett "
    "system bedöms per aspekt (konfidentialitet, riktighet, tillgänglighet, spårbarhet) mot "
    "den högsta av förvaltningens nivå och den nivå systemets informationsklassning (KLASSA "
    "1–4) kräver: den högsta klassen avgör. "
    "Varje dator räknas med sin senaste rapport. Datorer som inte rapporterat inom @1 dagar "
    "redovisas som inaktuella och räknas inte. Ej bedömda = kontroller som inte kunde "
    "utföras (unknown) eller är felaktiga (error). Dagliga ögonblicksbilder sparas vid "
    "dygnets slut (UTC). Underlaget kan exporteras och verifieras av internkontrollen "
    "(efterlev-collector export, verify-export).",
    "Kontroller som ingått",
    "Allvarlighet",
    "ISO/IEC 27002:2022",
    ("@1 av @2 kontroller i ISO/IEC 27002:2022 styrks av tekniska kontroller; övriga "
     "(till exempel @3) kräver annat underlag som riktlinjer, rutiner och avtal."),
    "Alla datorer",
    "grund" SH "läggande",
    "förhöjd",
    "hög",
    "Totalt",
    "Inga uppgifter",
    "och @1 till",
    "Datorer per plattform (när rapporten togs fram)",
    "Siffrorna omfattar datorer med @1 (datorer som räknas: @2). Varje dator bedöms mot "
    "kontrollkatalogen för sitt operativsystem; en kontroll som ställer samma fråga på Linux "
    "och Windows har samma id och räknas i samma rad, med respektive katalogs kontroller.",
    "endast",
    "inga datorer ännu",
    /* With a device list (efterlev-collector inventory import): the real coverage. */
    "@1 av @2 datorer i enhetsförteckningen rapporterade de senaste @3 dagarna (täckning @4); "
    "teknisk efterlevnad mäts med efterlev-agenten på de datorer som rapporterar, mot "
    "förvaltningens skyddsnivå. Efterlevnad = godkända / (godkända + underkända + saknade) "
    "kontroller på datorer som rapporterat de senaste @3 dagarna. Riskaccepterade brister räknas "
    "varken som "
    "godkända eller underkända.",
    "Enhetsförteckningen (@1, importerad @2) jämförs med de datorer som rapporterar, på "
    "datornamn utan hänsyn till versaler (kortnamn när något av namnen är kortnamn): @3 av @4 "
    "datorer i förteckningen rapporterade. Datorer som inte rapporterar ingår inte i "
    "siffrorna.",
    "Täckning mot enhetsförteckningen (när rapporten togs fram)",
    "Täckning = datorer som rapporterat de senaste @1 dagarna / datorer i "
    "enhetsförteckningen. Inaktuella: datorn har agenten men har inte rapporterat inom @1 "
    "dagar. Aldrig sedda: ingen agent med datorns namn. Ej i förteckningen: datorer som "
    "rapporterar men saknas i förteckningen.",
    "I förteckningen",
    "Rapporterar",
    "Aldrig sedda",
    "Täckning",
    "Ej i förteckningen",
    "inte en förvaltning i insamlingsservern",
    /* The method's first sentence: without a device list as it always was; with one, what
     * is true of the computers that report. */
    "Varje dator kör efterlev-agenten, som utför tekniska kontroller och signerar sin rapport "
    "med datorns egen nyckel (Ed25519).",
    "Efterlev-agenten utför tekniska kontroller på de datorer där den är installerad och "
    "signerar varje rapport med datorns egen nyckel (Ed25519).",
    /* What each computer was required to check, and how many ran exactly that. */
    "Insamlingsservern avgör vilka kontroller varje dator ska utföra (dess policy och "
    "förvaltningens skyddsnivå); en sådan kontroll som saknas i datorns rapport räknas som "
    "saknad, mot siffran som en underkänd. @1 av @2 datorer som rapporterat körde den policy "
    "de tilldelats; @3 kontroller saknades.",
};

static const char *const en[S_COUNT] = {
    "Information security follow-up for the municipal executive board",
    "Period",
    "Generated",
    "Summary",
    "Technical compliance is measured on every computer by the efterlev agent against its "
    "department's protection level. Compliance = passed / (passed + failed + missing) "
    "checks on computers that reported within the last @1 days. Accepted risks count neither as "
    "passed nor as failed.",
    "Compliance per department",
    "Department",
    "Protection level",
    "Computers",
    "Stale",
    "Passed",
    "Failed",
    "Risk accepted",
    "Not judged",
    "Compliance",
    "At period start",
    "Change",
    "Trend",
    "Compliance per department at the end of the period",
    "Weakest controls (ISO/IEC 27002:2022)",
    "Controls with the lowest compliance across all departments.",
    "Control",
    "Title",
    "Risk acceptances in the period",
    "No risk acceptances in the period.",
    "Check",
    "Computer",
    "Valid until",
    "Reason",
    "Decided by",
    "Stale computers (no report within @1 days)",
    "No stale computers.",
    "Last report",
    "never",
    "Method",
    "@2 The collector verifies every signature. "
    "A department's computers are judged at the department's protection level: basic, "
    "elevated or high; higher levels add checks and tighten thresholds. A computer that "
    "serves a system is judged per aspect (confidentiality, integrity, availability, "
    "traceability) at the highest of the department's level and the level its system's "
    "information classes (KLASSA 1-4) require: the highest class decides. Each computer counts "
    "with its latest report. Computers silent for more "
    "than @1 days are listed as stale and not counted. Not judged = checks that could not "
    "be evaluated (unknown) or are broken (error). Daily snapshots are taken at the end of "
    "each UTC day. The evidence can be exported and verified by internal control "
    "(efterlev-collector export, verify-export).",
    "Checks in use",
    "Severity",
    "ISO/IEC 27002:2022",
    ("@1 of the @2 controls of ISO/IEC 27002:2022 are evidenced by technical checks; the "
     "others (for example @3) need other evidence such as policies, routines and contracts."),
    "All computers",
    "basic",
    "elevated",
    "high",
    "Total",
    "No data",
    "and @1 more",
    "Computers per platform (when the report was generated)",
    "The figures cover computers running @1 (computers counted: @2). Each computer is judged "
    "against the check catalog of its operating system; a check that asks the same question "
    "on Linux and Windows has the same id and is counted in the same row, with each "
    "catalog's controls.",
    "only",
    "no computers yet",
    "@1 of the @2 computers in the device list reported within the last @3 days (coverage "
    "@4); technical compliance is measured by the efterlev agent on the computers that report, "
    "against their department's protection level. Compliance = passed / (passed + failed + "
    "missing) checks on computers that reported within the last @3 days. Accepted risks count "
    "neither "
    "as passed nor as failed.",
    "The device list (@1, imported @2) is compared with the reporting computers by host name, "
    "ignoring case (the short name when either name is a short one): @3 of the @4 computers in "
    "the list reported. Computers that do not report are not in the figures.",
    "Coverage against the device list (when the report was generated)",
    "Coverage = computers that reported within the last @1 days / computers in the device "
    "list. Stale: the computer has the agent but has not reported within @1 days. Never seen: "
    "no agent of the computer's name. Not in the list: computers that report but are missing "
    "from the list.",
    "In the list",
    "Reporting",
    "Never seen",
    "Coverage",
    "Not in the list",
    "not a department of the collector",
    "Every computer runs the efterlev agent, which performs technical checks and signs its "
    "report with the computer's own key (Ed25519).",
    "The efterlev agent performs technical checks on the computers it is installed on and "
    "signs each report with the computer's own key (Ed25519).",
    "The collector decides which checks each computer must run (its policy and the "
    "department's protection level); such a check absent from the computer's report counts "
    "as missing, against the figure like a failure. @1 of the @2 computers that reported ran "
    "the policy they were assigned; @3 checks were missing.",
};

int ef_period_parse(const char *p, int64_t *first, int64_t *last)
{
    int y, n = 0, len = (int)strlen(p);
    char kind = 'Y', buf[32];
    int m0, m1; /* first and last month, 1..12 */
    time_t t0, t1;

    if (len < 4 || sscanf(p, "%4d", &y) != 1 || y < 1970 || y > 9999)
        return -1;
    if (len == 4) {
        m0 = 1;
        m1 = 12;
    } else if (len == 6 && (p[4] == 'H' || p[4] == 'Q') && p[5] >= '1' && p[5] <= '4') {
        kind = p[4];
        n = p[5] - '0';
        if (kind == 'H' && n > 2)
            return -1;
        m0 = kind == 'H' ? (n - 1) * 6 + 1 : (n - 1) * 3 + 1;
        m1 = kind == 'H' ? n * 6 : n * 3;
    } else if (len == 7 && p[4] == '-' && sscanf(p + 5, "%2d", &n) == 1 && n >= 1 && n <= 12 &&
               p[5] >= '0' && p[5] <= '1' && p[6] >= '0' && p[6] <= '9') {
        m0 = m1 = n;
    } else {
        return -1;
    }
    snprintf(buf, sizeof(buf), "%04d-%02d-01T00:00:00Z", y, m0);
    if (ef_parse_rfc3339(buf, &t0) != 0)
        return -1;
    if (m1 == 12)
        snprintf(buf, sizeof(buf), "%04d-01-01T00:00:00Z", y + 1);
    else
        snprintf(buf, sizeof(buf), "%04d-%02d-01T00:00:00Z", y, m1 + 1);
    if (ef_parse_rfc3339(buf, &t1) != 0)
        return -1;
    *first = ef_day_of(t0);
    *last = ef_day_of(t1) - 1;
    return 0;
}

static void esc(FILE *out, const char *s);

/* A translated sentence with @1 .. @4 replaced by the (escaped) arguments. */
static void tpl4(FILE *out, const char *t, const char *a1, const char *a2, const char *a3,
                 const char *a4)
{
    const char *args[4] = {a1, a2, a3, a4};
    char buf[8];

    for (; *t != '\0'; t++) {
        if (t[0] == '@' && t[1] >= '1' && t[1] <= '4' && args[t[1] - '1'] != NULL) {
            esc(out, args[t[1] - '1']);
            t++;
        } else {
            buf[0] = *t;
            buf[1] = '\0';
            esc(out, buf);
        }
    }
}

static void tpl(FILE *out, const char *t, const char *a1, const char *a2, const char *a3)
{
    tpl4(out, t, a1, a2, a3, NULL);
}

static void esc(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static void pct_cell(FILE *out, const int64_t counts[EF_KINDS], int sv_lang)
{
    char buf[16];

    ef_pct_text(counts, sv_lang, 1, buf, sizeof(buf));
    fputs(buf, out);
    if (strcmp(buf, "-") != 0)
        fputs(sv_lang ? "\xc2\xa0%" : "%", out);
}

/* A compliance line over the period's days (0..100 %), or a dash when no day has data. */
static void sparkline(FILE *out, const struct ef_snapshot_row *rows, size_t n, const char *dept,
                      int64_t first, int64_t last)
{
    const double w = 160, h = 36;
    int64_t span = last - first > 0 ? last - first : 1;
    size_t i, pts = 0;
    time_t t;

    fprintf(out,
            "<svg class=\"spark\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\" aria-label=\"trend\"><rect x=\"0\" y=\"0\" width=\"%.0f\" "
            "height=\"%.0f\" fill=\"#f4f4f4\"/><polyline fill=\"none\" stroke=\"#1f5fa8\" "
            "stroke-width=\"1.5\" points=\"",
            w, h, w, h, w, h);
    for (i = 0; i < n; i++) {
        double pct;

        if (strcmp(rows[i].department, dept) != 0 ||
            (pct = ef_compliance_pct(rows[i].counts)) < 0 || ef_parse_date(rows[i].day, &t) != 0)
            continue;
        fprintf(out, "%s%.1f,%.1f", pts++ ? " " : "",
                (double)(ef_day_of(t) - first) * w / (double)span, h - pct * (h - 4) / 100 - 2);
    }
    fputs("\"/></svg>", out);
}

static void bar_chart(FILE *out, const struct ef_dept_counts *d, size_t n, int sv_lang)
{
    const double row = 22, label = 230, bar = 380;
    size_t i;
    double pct;
    char buf[16];

    fprintf(out, "<svg class=\"bars\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" role=\"img\">",
            label + bar + 70, row * (double)(n ? n : 1) + 4);
    for (i = 0; i < n; i++) {
        double y = row * (double)i + 2;

        pct = ef_compliance_pct(d[i].counts);
        fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" class=\"lbl\">", label - 8,
                y + 15);
        esc(out, d[i].name);
        fprintf(out,
                "</text><rect x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"16\" "
                "fill=\"#eeeeee\"/>",
                label, y + 2, bar);
        if (pct >= 0)
            fprintf(out,
                    "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" "
                    "fill=\"%s\"/>",
                    label, y + 2, bar * ef_pct_round(pct) / 100,
                    pct >= 90   ? "#2e7d32"
                    : pct >= 70 ? "#f9a825"
                                : "#c62828");
        ef_pct_text(d[i].counts, sv_lang, 1, buf, sizeof(buf));
        fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" class=\"val\">%s%s</text>", label + bar + 6,
                y + 15, buf, strcmp(buf, "-") ? "%" : "");
    }
    fputs("</svg>\n", out);
}

static const char *level_text(const char *const *L, ef_level l)
{
    return l == EF_LEVEL_HIGH       ? L[S_LEVEL_HIGH]
           : l == EF_LEVEL_ELEVATED ? L[S_LEVEL_ELEVATED]
                                    : L[S_LEVEL_BASIC];
}

static int weak_cmp(const void *x, const void *y)
{
    const struct ef_control_sum *a = x, *b = y;
    double pa = ef_compliance_pct(a->counts), pb = ef_compliance_pct(b->counts);

    if (pa != pb)
        return pa < pb ? -1 : 1;
    if (a->counts[EF_FAIL] != b->counts[EF_FAIL])
        return a->counts[EF_FAIL] > b->counts[EF_FAIL] ? -1 : 1;
    return ef_control_cmp(a->control, b->control);
}

/* The department figures at the end of the period: that day's snapshot when the period is
 * over and the snapshot exists, else the live counters (dc as read). */
static void at_end(struct ef_dept_counts *dc, size_t nd, const struct ef_snapshot_row *rows,
                   size_t n, const char *endday)
{
    size_t i, j;

    for (i = 0; i < nd; i++)
        for (j = 0; j < n; j++)
            if (strcmp(rows[j].day, endday) == 0 && strcmp(rows[j].department, dc[i].name) == 0) {
                dc[i].level = rows[j].level;
                dc[i].hosts = rows[j].hosts;
                dc[i].fresh_hosts = rows[j].fresh_hosts;
                memcpy(dc[i].counts, rows[j].counts, sizeof(dc[i].counts));
            }
}

static const struct ef_snapshot_row *first_row(const struct ef_snapshot_row *rows, size_t n,
                                               const char *dept)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(rows[i].department, dept) == 0 && ef_compliance_pct(rows[i].counts) >= 0)
            return &rows[i];
    return NULL;
}

/* Hosts per platform of each department of dc (by name), live: enrolled and counted. */
static int platforms_of(struct ef_store *s, const struct ef_dept_counts *dc, size_t nd,
                        int64_t (*hosts)[EF_PLATS], int64_t (*fresh)[EF_PLATS])
{
    struct ef_platform_count *pc = NULL;
    size_t n = 0, i, j;
    int p;

    if (s->ops->platform_counts(s, NULL, &pc, &n) != EF_OK)
        return EF_ERR;
    for (i = 0; i < n; i++)
        for (j = 0; j < nd; j++)
            if ((p = ef_platform_index(pc[i].platform)) >= 0 &&
                strcmp(dc[j].name, pc[i].department) == 0) {
                hosts[j][p] = pc[i].hosts;
                fresh[j][p] = pc[i].fresh_hosts;
            }
    free(pc);
    return EF_OK;
}

/* Coverage in percent as the report writes percentages ("50,0 %" in Swedish), "-" when
 * nothing is listed. */
static void cov_pct_text(int64_t reporting, int64_t listed, int sv_lang, char *out, size_t len)
{
    double pct = ef_coverage_pct(reporting, listed);
    char *dot;

    if (pct < 0) {
        snprintf(out, len, "-");
        return;
    }
    snprintf(out, len, "%.1f%s", pct, sv_lang ? "\xc2\xa0%" : "%");
    if (sv_lang && (dot = strchr(out, '.')) != NULL)
        *dot = ',';
}

const char *ef_num_text(int64_t v, int sv_lang, char *out)
{
    char digits[24];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof(digits), "%" PRIu64, mag), o = 0;

    if (v < 0)
        out[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            if (sv_lang) {
                out[o++] = '\xc2'; /* U+00A0 */
                out[o++] = '\xa0';
            } else {
                out[o++] = ',';
            }
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

/* The coverage table per department of the device list (and of the collector). */
static void coverage_table(FILE *out, const char *const *L, const struct ef_coverage *c,
                           int stale_days, int svl)
{
    char buf[32], nb[5][EF_NUM_TEXT_MAX];
    int foreign = 0;

    fprintf(out, "<h2>%s</h2>\n<p>", L[S_COVERAGE]);
    snprintf(buf, sizeof(buf), "%d", stale_days);
    tpl(out, L[S_COVERAGE_TEXT], buf, NULL, NULL);
    fprintf(out,
            "</p>\n<table id=\"coverage\"><tr><th>%s</th><th class=\"n\">%s</th>"
            "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
            "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr>\n",
            L[S_DEPT], L[S_LISTED], L[S_REPORTING], L[S_STALE], L[S_NEVER_SEEN], L[S_COVERAGE_PCT],
            L[S_UNLISTED]);
    for (size_t i = 0; i <= c->ndepts; i++) {
        const struct ef_cov_dept *d = i < c->ndepts ? &c->depts[i] : &c->total;

        fputs("<tr><td>", out);
        esc(out, i < c->ndepts ? d->name : L[S_TOTAL]);
        if (i < c->ndepts && !d->in_collector) {
            fputs(" *", out);
            foreign = 1;
        }
        cov_pct_text(d->reporting, d->listed, svl, buf, sizeof(buf));
        fprintf(out,
                "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
                "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
                "</td></tr>\n",
                ef_num_text(d->listed, svl, nb[0]), ef_num_text(d->reporting, svl, nb[1]),
                ef_num_text(d->stale, svl, nb[2]), ef_num_text(d->never_seen, svl, nb[3]), buf,
                ef_num_text(d->unlisted, svl, nb[4]));
    }
    fputs("</table>\n", out);
    if (foreign)
        fprintf(out, "<p class=\"meta\">* %s</p>\n", L[S_NOT_DEPT]);
}

/* A severity in the report's language. */
static const char *severity_text(ef_severity sev, int sv_lang)
{
    static const char *const svn[] = {"info", "låg", "medel", "hög", "kritisk"};

    if (sv_lang && (int)sev >= 0 && (size_t)sev < EF_ARRAY_LEN(svn))
        return svn[sev];
    return ef_severity_name(sev);
}

/* A day as people write it: "4 december 2026", "4 December 2026". */
static void day_long(int64_t day, int sv_lang, char *out, size_t len)
{
    static const char *const msv[12] = {"januari",   "februari", "mars",     "april",
                                        "maj",       "juni",     "juli",     "augusti",
                                        "september", "oktober",  "november", "december"};
    static const char *const men[12] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
    char iso[11];
    int y, m, d;

    ef_day_text(day, iso);
    if (sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12) {
        snprintf(out, len, "%s", iso);
        return;
    }
    snprintf(out, len, "%d %s %d", d, (sv_lang ? msv : men)[m - 1], y);
}

/* A check's title with its id beside it. */
static void check_cell(FILE *out, const struct ef_check_catalogs *checks, const char *id,
                       int sv_lang)
{
    const char *title = ef_check_title(checks, NULL, id, sv_lang ? "sv" : "en");

    esc(out, title);
    if (title != id) {
        fputs(" <span class=\"id\">(", out);
        esc(out, id);
        fputs(")</span>", out);
    }
}

/* Checks failing on at least half of a department's computers (figures.md, "Deviations"):
 * one cause, one fix. Nothing when there are none. */
static int patterns_table(struct ef_store *s, FILE *out, const struct ef_check_catalogs *checks,
                          int svl)
{
    struct ef_deviation_pattern *p = NULL;
    char nb[2][EF_NUM_TEXT_MAX];
    size_t n = 0;

    if (s->ops->deviation_patterns(s, NULL, &p, &n) != EF_OK)
        return EF_ERR;
    if (n > 0) {
        fprintf(out,
                "<h2>%s</h2>\n<p>%s</p>\n<table id=\"patterns\"><tr><th>%s</th><th>%s</th>"
                "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr>\n",
                svl ? "Avvikelser i hela förvaltningen (nu)" : "Department-wide deviations (now)",
                svl ? "Kontroller som fallerar på minst hälften av en förvaltnings datorer: "
                      "oftast en orsak och en åtgärd."
                    : "Checks failing on at least half of a department's computers: usually "
                      "one cause and one action.",
                svl ? "Förvaltning" : "Department", svl ? "Kontroll" : "Check",
                svl ? "Datorer" : "Computers", svl ? "Med åtgärd" : "With an action");
        for (size_t i = 0; i < n; i++) {
            fputs("<tr><td>", out);
            esc(out, p[i].department);
            fputs("</td><td>", out);
            check_cell(out, checks, p[i].check, svl);
            fprintf(out, "</td><td class=\"n\">%s / %s</td>", ef_num_text(p[i].hosts, svl, nb[0]),
                    ef_num_text(p[i].of, svl, nb[1]));
            fprintf(out, "<td class=\"n\">%s</td></tr>\n", ef_num_text(p[i].assigned, svl, nb[0]));
        }
        fputs("</table>\n", out);
    }
    free(p);
    return EF_OK;
}

/* Each system with its owners and classes, and how its computers stand in all and per
 * aspect (systems.h). Nothing when no system is registered. */
static int systems_table(struct ef_store *s, FILE *out, const struct ef_check_catalogs *checks,
                         int stale_days, time_t now, const char *const *L, int svl)
{
    json_t *arr = NULL, *y;
    char nb[2][EF_NUM_TEXT_MAX];
    size_t i, j;
    int rc = ef_systems_json(s, checks, NULL, NULL, stale_days, now, &arr);

    if (rc != EF_OK)
        return rc == EF_NOMEM ? EF_ERR : rc;
    if (json_array_size(arr) > 0) {
        fprintf(out,
                "<h2>%s</h2>\n<table id=\"systems\"><tr><th>%s</th><th>%s</th><th>K/R/T</th>"
                "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">K</th>"
                "<th class=\"n\">R</th><th class=\"n\">T</th><th class=\"n\">S</th></tr>\n",
                svl ? "System och ägare (nu)" : "Systems and owners (now)", "System",
                svl ? "Systemägare / informationsägare" : "System owner / information owner",
                svl ? "Datorer" : "Computers", L[S_COMPLIANCE]);
        json_array_foreach(arr, i, y)
        {
            int64_t counts[EF_KINDS];
            json_t *a;

            fputs("<tr><td>", out);
            esc(out, json_string_value(json_object_get(y, "name")));
            fputs("</td><td>", out);
            esc(out, json_string_value(json_object_get(y, "owner")));
            fputs(" / ", out);
            esc(out, json_string_value(json_object_get(y, "info_owner")));
            fprintf(out, "</td><td>K%d R%d T%d</td>",
                    (int)json_integer_value(json_object_get(y, "k")),
                    (int)json_integer_value(json_object_get(y, "r")),
                    (int)json_integer_value(json_object_get(y, "t")));
            fprintf(out, "<td class=\"n\">%s (%s)</td><td class=\"n\">",
                    ef_num_text(json_integer_value(json_object_get(y, "hosts")), svl, nb[0]),
                    ef_num_text(json_integer_value(json_object_get(y, "reporting")), svl, nb[1]));
            ef_counts_from_json(y, counts);
            pct_cell(out, counts, svl);
            fputs("</td>", out);
            json_array_foreach(json_object_get(y, "aspects"), j, a)
            {
                ef_counts_from_json(a, counts);
                fputs("<td class=\"n\">", out);
                pct_cell(out, counts, svl);
                fputs("</td>", out);
            }
            fputs("</tr>\n", out);
        }
        fputs("</table>\n", out);
    }
    json_decref(arr);
    return EF_OK;
}

static const char css[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10.5pt;color:#1a1a1a;"
    "max-width:74em;margin:2em auto;padding:0 1em}"
    "h1{font-size:17pt;margin-bottom:.2em}h2{font-size:13pt;margin-top:1.6em;"
    "border-bottom:1px solid #999;page-break-after:avoid}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0;page-break-inside:auto}"
    "tr{page-break-inside:avoid}th,td{border-bottom:1px solid #ddd;padding:3px 4px;"
    "text-align:left;vertical-align:top}th{background:#f0f0f0}"
    "td.n,th.n{text-align:right}td.n{white-space:nowrap}th{font-size:9pt}.meta{color:#555}"
    ".lbl,.val{font-size:11px;font-family:inherit}.spark{vertical-align:middle}"
    ".id{color:#555;font-size:8.5pt;white-space:nowrap}"
    /* On A4 (174 mm printable, about 657 CSS px) every table fits: smaller type, headers
     * that wrap, a narrower sparkline (tests/browser/dashboard.mjs measures it). */
    "@media print{body{margin:0;padding:0;max-width:none;font-size:9.5pt}a{color:inherit}"
    "table{font-size:8pt}th{font-size:7.5pt;overflow-wrap:anywhere}"
    "th,td{padding:2px 3px}svg.spark{width:48px;height:18px}}"
    "@page{size:A4;margin:18mm}";

int ef_board_report(struct ef_store *s, const struct ef_catalog *cat,
                    const struct ef_check_catalogs *check_cats, const char *period,
                    const char *lang, int stale_days, time_t now, FILE *out)
{
    const char *const *L = strcmp(lang, "en") == 0 ? en : sv;
    int svl = L == sv;
    int64_t first, last, today = ef_day_of(now), total[EF_KINDS] = {0}, hosts = 0, fresh = 0;
    char d0[11], d1[11], when[32], buf[64], examples[128], l0[32], l1[32], nb[6][EF_NUM_TEXT_MAX];
    struct ef_dept_counts *dc = NULL;
    struct ef_snapshot_row *rows = NULL, *crow = NULL;
    struct ef_control_sum *cs = NULL;
    struct ef_check_counts *checks = NULL;
    struct ef_acceptance *acc = NULL;
    struct ef_host_row *hr = NULL;
    struct ef_coverage cov = {0};
    int64_t(*ph)[EF_PLATS] = NULL, (*pf)[EF_PLATS] = NULL, ptot[EF_PLATS] = {0},
    pfresh[EF_PLATS] = {0};
    size_t nd = 0, nrows = 0, ncrow = 0, ncs = 0, nchecks = 0, nacc = 0, nhr = 0, i, k, shown;
    int over, rc = EF_ERR;

    if (ef_period_parse(period, &first, &last) != 0)
        return EF_INVALID; /* callers check the period first and say what is wrong */
    ef_day_text(first, d0);
    ef_day_text(last, d1);
    over = last < today;
    if (s->ops->sweep(s, now, stale_days) != EF_OK ||
        s->ops->dept_counts(s, NULL, &dc, &nd) != EF_OK ||
        s->ops->snapshots(s, NULL, NULL, d0, d1, &rows, &nrows) != EF_OK ||
        s->ops->check_counts(s, 0, &checks, &nchecks) != EF_OK ||
        s->ops->acceptance_list(s, 1, &acc, &nacc) != EF_OK ||
        s->ops->host_rows(s, NULL, NULL, &hr, &nhr) != EF_OK ||
        (rc = ef_coverage_build(s, NULL, stale_days, now, &cov)) != EF_OK) {
        if (rc == EF_NOTFOUND)
            rc = EF_ERR;
        goto out;
    }
    rc = EF_ERR;
    ph = calloc(nd ? nd : 1, sizeof(*ph));
    pf = calloc(nd ? nd : 1, sizeof(*pf));
    if (ph == NULL || pf == NULL)
        goto oom;
    if (platforms_of(s, dc, nd, ph, pf) != EF_OK)
        goto out;
    for (i = 0; i < nd; i++)
        for (int p = 0; p < EF_PLATS; p++) {
            ptot[p] += ph[i][p];
            pfresh[p] += pf[i][p];
        }
    if (over) {
        at_end(dc, nd, rows, nrows, d1);
        if (s->ops->snapshots(s, NULL, "*", d1, d1, &crow, &ncrow) != EF_OK)
            goto out;
        /* Control rows of the last day, summed over departments. */
        cs = calloc(ncrow ? ncrow : 1, sizeof(*cs));
        if (cs == NULL)
            goto oom;
        for (i = 0; i < ncrow; i++) {
            if (crow[i].control[0] == '\0')
                continue;
            for (k = 0; k < ncs && strcmp(cs[k].control, crow[i].control) != 0; k++)
                ;
            if (k == ncs)
                snprintf(cs[ncs++].control, sizeof(cs[0].control), "%s", crow[i].control);
            for (int j = 0; j < EF_KINDS; j++)
                cs[k].counts[j] += crow[i].counts[j];
        }
    } else if (ef_control_sums(checks, nchecks, NULL, 0, &cs, &ncs) != 0) {
        goto oom;
    }
    for (i = 0; i < nd; i++) {
        hosts += dc[i].hosts;
        fresh += dc[i].fresh_hosts;
        for (k = 0; k < EF_KINDS; k++)
            total[k] += dc[i].counts[k];
    }

    ef_time_rfc3339(now, when);
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\"><title>",
            svl ? "sv" : "en");
    esc(out, L[S_TITLE]);
    fprintf(out, " %s</title><style>%s</style></head><body>\n<h1>", period, css);
    esc(out, L[S_TITLE]);
    day_long(first, svl, l0, sizeof(l0));
    day_long(last, svl, l1, sizeof(l1));
    day_long(today, svl, buf, sizeof(buf));
    fprintf(out, "</h1>\n<p class=\"meta\">%s: %s (%s – %s)%s. %s: %s%s%.5s UTC</p>\n", L[S_PERIOD],
            period, l0, l1, over ? "" : " *", L[S_GENERATED], buf, svl ? " kl. " : ", ", when + 11);

    fprintf(out, "<h2>%s</h2>\n<p>", L[S_SUMMARY]);
    snprintf(buf, sizeof(buf), "%d", stale_days);
    if (cov.have_list) {
        /* The real coverage, never "every computer" (issue 14). */
        char r[EF_NUM_TEXT_MAX], l[EF_NUM_TEXT_MAX], p[32];

        ef_num_text(cov.total.reporting, svl, r);
        ef_num_text(cov.total.listed, svl, l);
        cov_pct_text(cov.total.reporting, cov.total.listed, svl, p, sizeof(p));
        tpl4(out, L[S_SUMMARY_TEXT_LIST], r, l, buf, p);
    } else {
        tpl(out, L[S_SUMMARY_TEXT], buf, NULL, NULL);
    }
    fprintf(out,
            "</p>\n<table><tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
            "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
            "<th class=\"n\">%s</th></tr><tr><td>%s</td><td class=\"n\">%s"
            "</td><td class=\"n\">%s</td><td class=\"n\">%s"
            "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">",
            L[S_TOTAL], L[S_HOSTS], L[S_STALE], L[S_PASS], L[S_FAIL], L[S_ACCEPTED],
            L[S_COMPLIANCE], L[S_ALL_HOSTS], ef_num_text(hosts, svl, nb[0]),
            ef_num_text(hosts - fresh, svl, nb[1]), ef_num_text(total[EF_PASS], svl, nb[2]),
            ef_num_text(total[EF_FAIL], svl, nb[3]), ef_num_text(total[EF_ACCEPTED], svl, nb[4]));
    pct_cell(out, total, svl);
    fputs("</td></tr></table>\n", out);

    /* Per department. */
    fprintf(out,
            "<h2>%s</h2>\n<table><tr><th>%s</th><th>%s</th><th class=\"n\">%s</th>"
            "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
            "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
            "<th class=\"n\">%s</th><th>%s</th></tr>\n",
            L[S_DEPTS], L[S_DEPT], L[S_LEVEL], L[S_HOSTS], L[S_STALE], L[S_PASS], L[S_FAIL],
            L[S_ACCEPTED], L[S_UNJUDGED], L[S_COMPLIANCE], L[S_START], L[S_TREND]);
    for (i = 0; i < nd; i++) {
        const struct ef_snapshot_row *r0 = first_row(rows, nrows, dc[i].name);

        fputs("<tr><td>", out);
        esc(out, dc[i].name);
        fprintf(out,
                "</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
                "</td><td class=\"n\">%s</td><td class=\"n\">%s"
                "</td><td class=\"n\">%s</td><td class=\"n\">%s"
                "</td><td class=\"n\">",
                level_text(L, dc[i].level), ef_num_text(dc[i].hosts, svl, nb[0]),
                ef_num_text(dc[i].hosts - dc[i].fresh_hosts, svl, nb[1]),
                ef_num_text(dc[i].counts[EF_PASS], svl, nb[2]),
                ef_num_text(dc[i].counts[EF_FAIL], svl, nb[3]),
                ef_num_text(dc[i].counts[EF_ACCEPTED], svl, nb[4]),
                ef_num_text(dc[i].counts[EF_UNKNOWN] + dc[i].counts[EF_ERROR], svl, nb[5]));
        pct_cell(out, dc[i].counts, svl);
        fputs("</td><td class=\"n\">", out);
        if (r0 != NULL)
            pct_cell(out, r0->counts, svl);
        else
            fputs("-", out);
        fputs("</td><td>", out);
        sparkline(out, rows, nrows, dc[i].name, first, last);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    if (!over)
        fprintf(out, "<p class=\"meta\">* %s</p>\n",
                svl ? "Perioden pågår: siffrorna gäller när rapporten togs fram."
                    : "The period is not over: figures as of when the report was generated.");
    fprintf(out, "<h2>%s</h2>\n", L[S_CHART]);
    bar_chart(out, dc, nd, svl);

    /* Hosts per platform and department (enrolled; now, like the stale list). */
    fprintf(out, "<h2>%s</h2>\n<table id=\"platforms\"><tr><th>%s</th>", L[S_PLATFORMS], L[S_DEPT]);
    for (int p = 0; p < EF_PLATS; p++)
        fprintf(out, "<th class=\"n\">%s</th>", ef_platform_titles[p]);
    fputs("</tr>\n", out);
    for (i = 0; i <= nd; i++) {
        fputs("<tr><td>", out);
        esc(out, i < nd ? dc[i].name : L[S_TOTAL]);
        fputs("</td>", out);
        for (int p = 0; p < EF_PLATS; p++)
            fprintf(out, "<td class=\"n\">%s</td>",
                    ef_num_text(i < nd ? ph[i][p] : ptot[p], svl, nb[0]));
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);

    /* Per aspect of information security (the checks' aspects; now, like the platforms). */
    {
        static const char *const names_sv[EF_ASPECTS] = {"Konfidentialitet", "Riktighet",
                                                         "Tillgänglighet", "Spårbarhet"};
        static const char *const names_en[EF_ASPECTS] = {"Confidentiality", "Integrity",
                                                         "Availability", "Traceability"};
        int64_t asp[EF_ASPECTS][EF_KINDS];

        ef_aspect_sums(check_cats, checks, nchecks, asp);
        fprintf(out,
                "<h2>%s</h2>\n<table id=\"aspects\"><tr><th>%s</th><th class=\"n\">%s</th>"
                "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th></tr>\n",
                svl ? "Efterlevnad per aspekt (nu)" : "Compliance per aspect (now)",
                svl ? "Aspekt" : "Aspect", L[S_PASS], L[S_FAIL], svl ? "Saknade" : "Missing",
                L[S_COMPLIANCE]);
        for (int a = 0; a < EF_ASPECTS; a++) {
            fprintf(out, "<tr><td>%s (%s)</td><td class=\"n\">%s</td>",
                    svl ? names_sv[a] : names_en[a], ef_aspect_letters[a],
                    ef_num_text(asp[a][EF_PASS], svl, nb[0]));
            fprintf(out, "<td class=\"n\">%s</td>", ef_num_text(asp[a][EF_FAIL], svl, nb[0]));
            fprintf(out, "<td class=\"n\">%s</td><td class=\"n\">",
                    ef_num_text(asp[a][EF_MISSING], svl, nb[0]));
            pct_cell(out, asp[a], svl);
            fputs("</td></tr>\n", out);
        }
        fputs("</table>\n", out);
    }

    /* Deviations per department, now: open, of them overdue and risk-accepted. */
    {
        struct ef_deviation *dv = NULL;
        size_t ndv = 0;

        if (s->ops->deviation_list(s, NULL, 0, now, &dv, &ndv) != EF_OK)
            goto out;
        fprintf(out,
                "<h2>%s</h2>\n<table id=\"deviations\"><tr><th>%s</th><th class=\"n\">%s</th>"
                "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
                "</tr>\n",
                svl ? "Avvikelser (nu)" : "Deviations (now)", L[S_DEPT], svl ? "Öppna" : "Open",
                svl ? "Med åtgärd" : "With an action", svl ? "Försenade" : "Overdue",
                svl ? "Riskaccepterade" : "Risk accepted");
        for (i = 0; i <= nd; i++) {
            int64_t open = 0, acted = 0, late = 0, accd = 0;

            for (k = 0; k < ndv; k++) {
                if (i < nd && strcmp(dv[k].department, dc[i].name) != 0)
                    continue;
                open++;
                acted += dv[k].owner[0] != '\0';
                late += dv[k].due > 0 && dv[k].due < (int64_t)now;
                accd += dv[k].accepted;
            }
            fputs("<tr><td>", out);
            esc(out, i < nd ? dc[i].name : L[S_TOTAL]);
            fprintf(out, "</td><td class=\"n\">%s</td>", ef_num_text(open, svl, nb[0]));
            fprintf(out, "<td class=\"n\">%s</td>", ef_num_text(acted, svl, nb[0]));
            fprintf(out, "<td class=\"n\">%s</td>", ef_num_text(late, svl, nb[0]));
            fprintf(out, "<td class=\"n\">%s</td></tr>\n", ef_num_text(accd, svl, nb[0]));
        }
        fputs("</table>\n", out);
        free(dv);
    }

    /* Department-wide patterns, then the systems and their owners (now). */
    if (patterns_table(s, out, check_cats, svl) != EF_OK ||
        systems_table(s, out, check_cats, stale_days, now, L, svl) != EF_OK)
        goto out;

    if (cov.have_list)
        coverage_table(out, L, &cov, stale_days, svl);

    /* Weakest controls. */
    fprintf(out,
            "<h2>%s</h2>\n<p>%s</p>\n<table><tr><th>%s</th><th>%s</th><th class=\"n\">%s"
            "</th><th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
            "</tr>\n",
            L[S_WEAKEST], L[S_WEAKEST_TEXT], L[S_CONTROL], L[S_TITLE_COL], L[S_PASS], L[S_FAIL],
            L[S_ACCEPTED], L[S_COMPLIANCE]);
    for (i = 0, k = 0; i < ncs; i++)
        if (ef_compliance_pct(cs[i].counts) >= 0)
            cs[k++] = cs[i];
    ncs = k;
    if (ncs > 1)
        qsort(cs, ncs, sizeof(*cs), weak_cmp);
    for (i = 0; i < ncs && i < WEAKEST_MAX; i++) {
        const struct ef_catalog_control *cc = ef_catalog_find(cat, cs[i].control);

        fprintf(out, "<tr><td>%s</td><td>", cs[i].control);
        esc(out, cc != NULL ? ef_catalog_control_title(cc, svl ? "sv" : "en") : "");
        fprintf(out,
                "</td><td class=\"n\">%s</td><td class=\"n\">%s"
                "</td><td class=\"n\">%s</td><td class=\"n\">",
                ef_num_text(cs[i].counts[EF_PASS], svl, nb[0]),
                ef_num_text(cs[i].counts[EF_FAIL], svl, nb[1]),
                ef_num_text(cs[i].counts[EF_ACCEPTED], svl, nb[2]));
        pct_cell(out, cs[i].counts, svl);
        fputs("</td></tr>\n", out);
    }
    if (ncs == 0)
        fprintf(out, "<tr><td colspan=\"6\">%s</td></tr>\n", L[S_NO_DATA]);
    fputs("</table>\n", out);

    /* Acceptances that were in force at some time in the period. */
    fprintf(out, "<h2>%s</h2>\n", L[S_RISKS]);
    for (i = 0, shown = 0; i < nacc; i++) {
        const struct ef_acceptance *a = &acc[i];
        int64_t end = a->ended_at > 0 ? a->ended_at : a->until;

        if (ef_day_of((time_t)a->created_at) > last || ef_day_of((time_t)end) < first)
            continue;
        if (shown++ == 0)
            fprintf(out,
                    "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                    "<th>%s</th></tr>\n",
                    L[S_DEPT], L[S_CHECK], L[S_HOST], L[S_UNTIL], L[S_REASON], L[S_BY]);
        fputs("<tr><td>", out);
        esc(out, a->department);
        fputs("</td><td>", out);
        check_cell(out, check_cats, a->check, svl);
        fputs("</td><td>", out);
        esc(out, a->agent_id[0] ? (a->hostname[0] ? a->hostname : a->agent_id) : L[S_ALL_HOSTS]);
        day_long(ef_day_of((time_t)a->until), svl, buf, sizeof(buf));
        fprintf(out, "</td><td>%s%s</td><td>", buf,
                a->state == EF_ACC_REVOKED ? (svl ? " (återkallad)" : " (revoked)") : "");
        esc(out, a->reason);
        fputs("</td><td>", out);
        esc(out, a->by);
        fputs("</td></tr>\n", out);
    }
    fputs(shown ? "</table>\n" : "", out);
    if (!shown)
        fprintf(out, "<p>%s</p>\n", L[S_RISKS_NONE]);

    /* Stale hosts (now). */
    fputs("<h2>", out);
    snprintf(buf, sizeof(buf), "%d", stale_days);
    tpl(out, L[S_STALE_HOSTS], buf, NULL, NULL);
    fputs("</h2>\n", out);
    for (i = 0, shown = 0; i < nhr; i++) {
        if (!hr[i].stale)
            continue;
        if (shown == STALE_LIST_MAX) {
            shown++;
            continue;
        }
        if (shown++ == 0)
            fprintf(out, "<table><tr><th>%s</th><th>%s</th><th>%s</th></tr>\n", L[S_HOST],
                    L[S_DEPT], L[S_LAST_SEEN]);
        fputs("<tr><td>", out);
        esc(out, hr[i].hostname);
        fputs("</td><td>", out);
        esc(out, hr[i].department);
        if (hr[i].last_seen > 0)
            day_long(ef_day_of((time_t)hr[i].last_seen), svl, buf, sizeof(buf));
        fprintf(out, "</td><td>%s</td></tr>\n", hr[i].last_seen > 0 ? buf : L[S_NEVER]);
    }
    if (shown)
        fputs("</table>\n", out);
    else
        fprintf(out, "<p>%s</p>\n", L[S_STALE_NONE]);

    /* Method. */
    fprintf(out, "<h2>%s</h2>\n<p>", L[S_METHOD]);
    snprintf(buf, sizeof(buf), "%d", stale_days);
    tpl(out, L[S_METHOD_TEXT], buf, L[cov.have_list ? S_METHOD_SOME : S_METHOD_ALL], NULL);
    if (cov.have_list) {
        char r[EF_NUM_TEXT_MAX], l[EF_NUM_TEXT_MAX], day[32];

        ef_num_text(cov.total.reporting, svl, r);
        ef_num_text(cov.total.listed, svl, l);
        day_long(ef_day_of((time_t)cov.info.imported_at), svl, day, sizeof(day));
        fputs(" ", out);
        tpl4(out, L[S_METHOD_FIRST_LIST], cov.info.file, day, r, l);
    }
    /* Which platforms the figures cover: those with counted hosts. */
    {
        char which[64] = "", counted[96] = "", only[96];
        int np = 0;

        for (int p = 0; p < EF_PLATS; p++) {
            if (pfresh[p] == 0)
                continue;
            snprintf(which + strlen(which), sizeof(which) - strlen(which), "%s%s",
                     np ? (svl ? " och " : " and ") : "", ef_platform_titles[p]);
            snprintf(counted + strlen(counted), sizeof(counted) - strlen(counted), "%s%s %s",
                     np ? ", " : "", ef_platform_titles[p], ef_num_text(pfresh[p], svl, nb[0]));
            np++;
        }
        snprintf(only, sizeof(only), "%s %s", L[S_ONLY], which);
        fputs(" ", out);
        tpl(out, L[S_PLATFORM_COVER],
            np == 0   ? L[S_NONE_YET]
            : np == 1 ? only
                      : which,
            np ? counted : "0", NULL);
    }
    /* The required check set: how many counted computers ran their assigned policy, and how
     * many required checks were missing (live, as the host list above). */
    {
        int64_t ran = 0, seen = 0, missing = 0;
        char a1[24], a2[24], a3[24];

        for (i = 0; i < nhr; i++)
            if (!hr[i].stale && hr[i].last_seen > 0) {
                seen++;
                ran += hr[i].policy_assigned != 0;
                missing += hr[i].counts[EF_MISSING];
            }
        snprintf(a1, sizeof(a1), "%" PRId64, ran);
        snprintf(a2, sizeof(a2), "%" PRId64, seen);
        snprintf(a3, sizeof(a3), "%" PRId64, missing);
        fputs(" ", out);
        tpl(out, L[S_METHOD_POLICY], a1, a2, a3);
    }
    fputs("</p>\n<ul>", out);
    for (i = 0; i < nd; i++) {
        fputs("<li>", out);
        esc(out, dc[i].name);
        fprintf(out, ": %s</li>", level_text(L, dc[i].level));
    }
    fprintf(out, "</ul>\n<h3>%s</h3>\n<table><tr><th>%s</th><th>%s</th><th>%s</th></tr>\n",
            L[S_CHECKS], L[S_CHECK], L[S_SEVERITY], L[S_CONTROLS]);
    for (i = 0; i < nchecks; i++) {
        if (i > 0 && strcmp(checks[i - 1].check, checks[i].check) == 0)
            continue;
        fputs("<tr><td>", out);
        check_cell(out, check_cats, checks[i].check, svl);
        fprintf(out, "</td><td>%s</td><td>", severity_text(checks[i].severity, svl));
        esc(out, checks[i].controls);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    if (cat != NULL && cat->n > 0) {
        struct ef_control_sum *all = NULL;
        size_t nall = 0, covered = 0, ex = 0;

        if (ef_control_sums(checks, nchecks, NULL, 0, &all, &nall) != 0)
            goto oom;
        examples[0] = '\0';
        for (i = 0; i < cat->n; i++) {
            for (k = 0; k < nall && strcmp(all[k].control, cat->v[i].number) != 0; k++)
                ;
            if (k < nall)
                covered++;
            else if (ex++ < 3)
                snprintf(examples + strlen(examples), sizeof(examples) - strlen(examples), "%s%s",
                         ex > 1 ? ", " : "", cat->v[i].number);
        }
        free(all);
        char n1[24], n2[24];

        snprintf(n1, sizeof(n1), "%zu", covered);
        snprintf(n2, sizeof(n2), "%zu", cat->n);
        fputs("<p>", out);
        tpl(out, L[S_UNCOVERED], n1, n2, examples);
        fputs("</p>\n", out);
    }
    fputs("</body></html>\n", out);
    rc = ferror(out) ? EF_SYSTEM : EF_OK;
    goto out;
oom:
    rc = EF_NOMEM;
out:
    ef_coverage_free(&cov);
    free(dc);
    free(rows);
    free(crow);
    free(cs);
    free(checks);
    free(acc);
    free(hr);
    free(ph);
    free(pf);
    return rc;
}
