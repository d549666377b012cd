/* SPDX-License-Identifier: EUPL-1.2 */
/* The shared query parameters of the HTTP API, parsed in one place so a parameter means
 * the same and fails the same on every route that takes it. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

#include "aggregate.h"
#include "answer.h"
#include "csv.h"
#include "efterlev/report.h"
#include "http/routes.h"
#include "names.h"
#include "now.h"
#include "report_html.h"

/* v as a time (YYYY-MM-DD or RFC 3339) into *t and its day into day; a day-only value
 * given as an end (end set) means the end of that day. 0 or -1. */
static int time_param(const char *v, int end, time_t *t, char day[11])
{
    if (ef_parse_date(v, t) != 0)
        return -1;
    ef_day_text(ef_day_of(*t), day);
    if (end && strlen(v) == 10)
        *t += 86400;
    return 0;
}

int ef_query_parse(const char *qs, unsigned accepts, const struct ef_caller *who,
                   struct evkeyvalq *kv, struct ef_query *q, struct ef_answer *ans)
{
    const char *v;

    memset(q, 0, sizeof(*q));
    q->dialect = &ef_csv_rfc4180;
    q->lang = "sv";
    /* It initialises kv first, also when it then fails. */
    if (evhttp_parse_query_str(qs != NULL ? qs : "", kv) != 0) {
        ef_answer_error(ans, 400, "malformed query string");
        return -1;
    }
    q->platform = "linux";
    if ((accepts & EF_Q_PLATFORM) && (v = evhttp_find_header(kv, "platform")) != NULL) {
        if (strcmp(v, "linux") != 0 && strcmp(v, "windows") != 0) {
            ef_answer_error(ans, 400, "platform must be linux or windows");
            return -1;
        }
        q->platform = v;
    }
    if ((accepts & EF_Q_HOSTS) && (v = evhttp_find_header(kv, "hosts")) != NULL) {
        if (strcmp(v, "all") == 0)
            q->hosts = EF_HOSTS_ALL;
        else if (strcmp(v, "stale") == 0)
            q->hosts = EF_HOSTS_STALE;
        else if (strcmp(v, "none") == 0)
            q->hosts = EF_HOSTS_NONE;
        else {
            ef_answer_error(ans, 400, "hosts must be all, stale or none");
            return -1;
        }
    }
    if (accepts & EF_Q_SINCE_UNTIL) {
        if (((v = evhttp_find_header(kv, "since")) != NULL &&
             time_param(v, 0, &q->since, q->since_day) != 0) ||
            ((v = evhttp_find_header(kv, "until")) != NULL &&
             time_param(v, 1, &q->until, q->until_day) != 0)) {
            ef_answer_error(ans, 400, "since and until must be YYYY-MM-DD or RFC 3339 times");
            return -1;
        }
    }
    if (accepts & EF_Q_FORMAT) {
        q->format = evhttp_find_header(kv, "format");
        if (q->format == NULL || (strcmp(q->format, "csv") != 0 && strcmp(q->format, "json") != 0 &&
                                  strcmp(q->format, "bundle") != 0)) {
            ef_answer_error(ans, 400, "format must be csv, json or bundle");
            return -1;
        }
    }
    if ((accepts & EF_Q_DIALECT) && (v = evhttp_find_header(kv, "csv_dialect")) != NULL &&
        (q->dialect = ef_csv_dialect_parse(v)) == NULL) {
        ef_answer_error(ans, 400, "csv_dialect must be rfc4180 or excel-sv");
        return -1;
    }
    if ((accepts & EF_Q_NUMBERING) && (v = evhttp_find_header(kv, "numbering")) != NULL) {
        q->n2013 = strcmp(v, "2013") == 0;
        if (!q->n2013 && strcmp(v, "2022") != 0) {
            ef_answer_error(ans, 400, "numbering must be 2022 or 2013");
            return -1;
        }
    }
    if ((accepts & EF_Q_CONTROL) && (q->control = evhttp_find_header(kv, "control")) != NULL &&
        !ef_control_valid(q->control)) {
        ef_answer_error(ans, 400, "control must be a control number such as 8.9");
        return -1;
    }
    if (accepts & EF_Q_PERIOD) {
        int64_t first, last;

        q->period = evhttp_find_header(kv, "period");
        if (q->period == NULL || ef_period_parse(q->period, &first, &last) != 0) {
            ef_answer_error(ans, 400, "period must be YYYY, YYYYH1, YYYYH2, YYYYQ1..4 or YYYY-MM");
            return -1;
        }
    }
    if ((accepts & EF_Q_LANG) && (v = evhttp_find_header(kv, "lang")) != NULL) {
        if (strcmp(v, "sv") != 0 && strcmp(v, "en") != 0) {
            ef_answer_error(ans, 400, "lang must be sv or en");
            return -1;
        }
        q->lang = v;
    }
    if (accepts & EF_Q_DEPARTMENT) {
        q->department = evhttp_find_header(kv, "department");
        if (q->department != NULL) {
            if (ef_dept_name_canon(q->department, q->department_nfc) != 0) {
                ef_answer_error(ans, 400,
                                "department must be 1 to 128 bytes of UTF-8 without control "
                                "characters");
                return -1;
            }
            q->department = q->department_nfc;
        }
        /* A department caller sees its own department only, and it is the default. */
        if (who != NULL && who->dept != NULL) {
            if (q->department != NULL && strcmp(q->department, who->dept) != 0) {
                ef_answer_error(ans, 403, "this token sees only its own department");
                return -1;
            }
            q->department = who->dept;
        }
    }
    return 0;
}
