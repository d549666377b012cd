/* SPDX-License-Identifier: EUPL-1.2 */
/* Shared by the Windows probes over agent/platform/winsys.h (win_util.h). */
#include "win_util.h"

#include "efterlev/textlist.h"

#include <stdio.h>
#include <string.h>

/* The agent's own privilege from api:Token, for the reason a table was denied. */
static void token_note(struct ef_win *w, char *out, size_t outlen)
{
    json_t *rows;
    char why[300];
    int elevated;

    out[0] = '\0';
    if (ef_win_table(w, "api:Token", &rows, why, sizeof(why)) != EF_WIN_OK ||
        json_array_size(rows) == 0)
        return;
    const json_t *row = json_array_get(rows, 0);
    const char *sid = ef_win_str(row, "user_sid");
    if (ef_win_bool(row, "elevated", &elevated) == 0)
        snprintf(out, outlen, " (api:Token: the agent runs as %.80s, %s)", sid ? sid : "?",
                 elevated ? "elevated" : "not elevated");
}

ef_win_status ef_win_probe_rows(struct ef_facts *f, const char *table, json_t **rows, char *why,
                                size_t whylen)
{
    struct ef_win *w = ef_facts_win(f);
    char inner[600], tok[160];
    const struct ef_win_api_table *t = ef_win_api_find(table);
    const char *src = t ? t->source : "WMI";

    *rows = NULL;
    if (w == NULL) {
        ef_text_printf(why, whylen,
                       "%s: no recording of this machine's WMI and API results: scan --recording "
                       "FILE.json",
                       table);
        return EF_WIN_ERROR;
    }
    ef_win_status st = ef_win_table(w, table, rows, inner, sizeof(inner));
    switch (st) {
    case EF_WIN_OK:
        break;
    case EF_WIN_DENIED:
        token_note(w, tok, sizeof(tok));
        ef_text_printf(why, whylen, "%s (%s): needs Administrator: %s%s", table, src, inner, tok);
        break;
    case EF_WIN_ABSENT:
        ef_text_printf(why, whylen, "%s (%s): not on this machine: %s", table, src, inner);
        break;
    default:
        ef_text_printf(why, whylen, "%s (%s) cannot be read: %s", table, src, inner);
    }
    return st;
}

void ef_win_facts_unknown(struct ef_facts *f, const char *const *names, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++)
        ef_fact_unknown(f, names[i], "%s", why);
}

json_t *ef_win_probe_rows_or_unknown(struct ef_facts *f, const char *table,
                                     const char *const *names, size_t n)
{
    json_t *rows;
    char why[EF_EVIDENCE_MAX / 2];
    if (ef_win_probe_rows(f, table, &rows, why, sizeof(why)) == EF_WIN_OK)
        return rows;
    ef_win_facts_unknown(f, names, n, why);
    return NULL;
}

long long ef_win_days_between(time_t then, time_t now)
{
    if (then >= now)
        return 0;
    return (long long)((now - then) / 86400);
}

void ef_win_join_note(struct ef_facts *f, char *out, size_t outlen)
{
    json_t *rows;
    char why[300];

    out[0] = '\0';
    if (ef_win_probe_rows(f, "api:NetGetJoinInformation", &rows, why, sizeof(why)) != EF_WIN_OK ||
        json_array_size(rows) == 0)
        return;
    const json_t *row = json_array_get(rows, 0);
    const char *st = ef_win_str(row, "status"), *name = ef_win_str(row, "name");
    if (st != NULL && strcmp(st, "domain") == 0)
        snprintf(out, outlen,
                 " (the machine is domain-joined to %.64s: this is the local policy; the "
                 "domain's policy governs domain accounts)",
                 name ? name : "?");
    else if (st != NULL)
        snprintf(out, outlen, " (not domain-joined: %.20s)", st);
}
