/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows audit policy (win_audit): the effective setting of every advanced audit policy
 * subcategory, by GUID, from api:AuditPolicy (AuditEnumerateSubCategories +
 * AuditQuerySystemPolicy: locale-independent, where `auditpol /get` prints the machine's
 * language). One text fact per subcategory, audit.policy.<name>: "S+F", "S", "F" or "none"
 * (POLICY_AUDIT_EVENT_SUCCESS / _FAILURE), its evidence the subcategory's English name. Which
 * subcategories a level requires is the policy's (a rule per subcategory, `matches` per level), so
 * a site can require more or fewer without C; a failing rule names its subcategory in English. A
 * subcategory this Windows release does not know (no row) is unknown. */
#include "win_audit.h"

#include "facts.h"
#include "win_audit_subcategories.h"
#include "win_util.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SUB(guid, name, suffix) {guid, name, EF_WIN_AUDIT_FACT_PREFIX suffix},
const struct ef_win_audit_sub ef_win_audit_subs[] = {EF_WIN_AUDIT_SUBCATEGORIES(SUB)};
#undef SUB
const size_t ef_win_audit_subs_n = EF_ARRAY_LEN(ef_win_audit_subs);

const struct ef_win_audit_sub *ef_win_audit_find(const char *guid)
{
    char g[40];
    size_t n = 0;

    if (guid == NULL)
        return NULL;
    int brace = *guid == '{';
    guid += brace;
    for (; *guid && *guid != '}' && n < sizeof(g) - 1; guid++)
        g[n++] = (char)tolower((unsigned char)*guid);
    if (brace ? (guid[0] != '}' || guid[1] != '\0') : *guid != '\0')
        return NULL;
    if (n != 36)
        return NULL;
    g[n] = '\0';
    for (size_t i = 0; i < ef_win_audit_subs_n; i++)
        if (strcmp(ef_win_audit_subs[i].guid, g) == 0)
            return &ef_win_audit_subs[i];
    return NULL;
}

const char *ef_win_audit_value(int success, int failure)
{
    return success && failure ? "S+F" : success ? "S" : failure ? "F" : "none";
}

void ef_probe_win_audit(struct ef_facts *f)
{
    json_t *rows;
    char why[EF_EVIDENCE_MAX / 2];
    size_t i;
    const json_t *row;

    if (ef_win_probe_rows(f, "api:AuditPolicy", &rows, why, sizeof(why)) != EF_WIN_OK) {
        for (size_t k = 0; k < ef_win_audit_subs_n; k++)
            ef_fact_unknown(f, ef_win_audit_subs[k].fact, "%s", why);
        return;
    }
    unsigned char seen[EF_ARRAY_LEN(ef_win_audit_subs)] = {0};
    json_array_foreach(rows, i, row)
    {
        const struct ef_win_audit_sub *s = ef_win_audit_find(ef_win_str(row, "guid"));
        int succ, fail;
        if (s == NULL)
            continue; /* a subcategory newer than this table */
        size_t k = (size_t)(s - ef_win_audit_subs);
        if (seen[k]++)
            continue;
        if (ef_win_bool(row, "success", &succ) != 0 || ef_win_bool(row, "failure", &fail) != 0) {
            ef_fact_unknown(f, s->fact, "api:AuditPolicy %s (%s): success or failure is null",
                            s->name, s->guid);
            continue;
        }
        /* short: a failing audit_policy check lists one such evidence per subcategory */
        ef_fact_str(f, s->fact, ef_win_audit_value(succ, fail), "api:AuditPolicy %s", s->name);
    }
    for (size_t k = 0; k < ef_win_audit_subs_n; k++)
        if (!seen[k])
            ef_fact_unknown(f, ef_win_audit_subs[k].fact,
                            "api:AuditPolicy has no row for %s (%s): not a subcategory of this "
                            "Windows release",
                            ef_win_audit_subs[k].name, ef_win_audit_subs[k].guid);
}
