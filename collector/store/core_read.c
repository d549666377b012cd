/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code, read side: departments, agents and their counters, a host's
 * results, acceptances, the audit log, snapshots, and the stored reports for exports. None
 * of these sums over results: they read the counters kept by the write side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/util.h"
#include "store/core.h"

#define DB(s) ((s)->db)

/* ---- departments ---- */

static int department_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_department *d = elem;
    int64_t level;

    d->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, d->name, sizeof(d->name)) != EF_OK)
        return EF_ERR;
    level = DB(s)->col_int(st, 2);
    if (level < EF_LEVEL_BASIC || level > EF_LEVEL_HIGH) {
        snprintf(s->err, sizeof(s->err), "department %s has invalid level %lld", d->name,
                 (long long)level);
        return EF_ERR;
    }
    d->level = (ef_level)level;
    if (core_col_text(s, st, 3, d->token_hash, sizeof(d->token_hash)) != EF_OK)
        return EF_ERR;
    d->hosts = DB(s)->col_int(st, 4);
    return core_col_text(s, st, 5, d->merged_into, sizeof(d->merged_into));
}

int core_department_get(struct ef_store *s, int64_t id, struct ef_department *out)
{
    static const char sql[] =
        "SELECT d.id, d.name, d.level, d.token_hash, "
        "(SELECT count(*) FROM agents a WHERE a.department_id = d.id AND a.retired_at = 0), "
        "coalesce(m.name, '') FROM departments d LEFT JOIN departments m ON m.id = d.merged_into "
        "WHERE d.id = $1";
    struct ef_db_stmt *st = core_prepare(s, sql);
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, id);
    if ((rc = core_row(s, st, "select department")) != EF_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    rc = department_row(s, st, out);
    DB(s)->done(st);
    return rc;
}

int core_department_list(struct ef_store *s, struct ef_department **out, size_t *n)
{
    static const char sql[] =
        "SELECT d.id, d.name, d.level, d.token_hash, "
        "(SELECT count(*) FROM agents a WHERE a.department_id = d.id AND a.retired_at = 0), "
        "coalesce(m.name, '') FROM departments d LEFT JOIN departments m ON m.id = d.merged_into "
        "ORDER BY d.name";

    return core_collect(s, core_prepare(s, sql), sizeof(struct ef_department), department_row, NULL,
                        (void **)out, n, "list departments");
}

/* ---- agents ---- */

int core_agent_get(struct ef_store *s, const char *agent_id, struct ef_agent *out)
{
    static const char sql[] = "SELECT agent_id, machine_id, department_id, public_key, "
                              "last_seq, last_sha256, retired_at, hostname FROM agents "
                              "WHERE agent_id = $1";

    return core_agent_select(s, sql, agent_id, out);
}

int core_agent_levels(struct ef_store *s, const char *agent_id, char out[EF_LEVELS_JSON_MAX + 1])
{
    struct ef_db_stmt *st = core_prepare(s, "SELECT levels FROM agents WHERE agent_id = $1");
    int rc;

    if (st == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, agent_id);
    if ((rc = core_row(s, st, "agent levels")) != EF_OK)
        return rc;
    rc = core_col_text(s, st, 0, out, EF_LEVELS_JSON_MAX + 1);
    DB(s)->done(st);
    return rc;
}

static int agent_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_agent_row *a = elem;
    const void *key, *cert;
    size_t keylen = 0, certlen = 0;

    if (core_col_text(s, st, 0, a->agent_id, sizeof(a->agent_id)) != EF_OK ||
        core_col_text(s, st, 1, a->hostname, sizeof(a->hostname)) != EF_OK ||
        core_col_text(s, st, 2, a->department, sizeof(a->department)) != EF_OK)
        return EF_ERR;
    if ((key = DB(s)->col_blob(st, 3, &keylen)) == NULL || keylen != EF_ED25519_PUB_LEN) {
        snprintf(s->err, sizeof(s->err), "agent %s has a malformed key", a->agent_id);
        return EF_ERR;
    }
    memcpy(a->public_key, key, EF_ED25519_PUB_LEN);
    /* No certificate (a key from before schema 4), or not one of the right length: none. */
    if (!DB(s)->col_null(st, 4) && (cert = DB(s)->col_blob(st, 4, &certlen)) != NULL &&
        certlen == EF_ED25519_SIG_LEN) {
        memcpy(a->cert, cert, EF_ED25519_SIG_LEN);
        a->has_cert = 1;
    }
    if (core_col_text(s, st, 5, a->platform, sizeof(a->platform)) != EF_OK ||
        core_col_text(s, st, 6, a->os_edition, sizeof(a->os_edition)) != EF_OK ||
        core_col_text(s, st, 7, a->os_build, sizeof(a->os_build)) != EF_OK ||
        core_col_text(s, st, 8, a->policy_id, sizeof(a->policy_id)) != EF_OK ||
        core_col_text(s, st, 9, a->policy_sha256, sizeof(a->policy_sha256)) != EF_OK ||
        core_col_text(s, st, 12, a->levels, sizeof(a->levels)) != EF_OK)
        return EF_ERR;
    a->policy_assigned = DB(s)->col_int(st, 10) != 0;
    a->missing = DB(s)->col_int(st, 11);
    return EF_OK;
}

int core_agent_list(struct ef_store *s, const char *department, struct ef_agent_row **out,
                    size_t *n)
{
    static const char sql[] = "SELECT a.agent_id, a.hostname, d.name, k.public_key, k.cert, "
                              "a.platform, a.os_edition, a.os_build, a.policy_id, "
                              "a.policy_sha256, a.policy_assigned, a.n_missing, a.levels "
                              "FROM agents a JOIN departments d ON d.id = a.department_id "
                              "JOIN agent_keys k ON k.agent_id = a.agent_id "
                              "WHERE $1 IS NULL OR d.name = $1 "
                              "ORDER BY a.agent_id, k.first_enrolled_at, k.public_key";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL)
        DB(s)->bind_text(st, 1, department);
    return core_collect(s, st, sizeof(struct ef_agent_row), agent_row, NULL, (void **)out, n,
                        "list agents");
}

static int host_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_host_row *h = elem;
    int k;

    if (core_col_text(s, st, 0, h->agent_id, sizeof(h->agent_id)) != EF_OK ||
        core_col_text(s, st, 1, h->hostname, sizeof(h->hostname)) != EF_OK ||
        core_col_text(s, st, 2, h->department, sizeof(h->department)) != EF_OK ||
        core_col_text(s, st, 13, h->os_pretty, sizeof(h->os_pretty)) != EF_OK ||
        core_col_text(s, st, 14, h->kernel, sizeof(h->kernel)) != EF_OK ||
        core_col_text(s, st, 15, h->platform, sizeof(h->platform)) != EF_OK ||
        core_col_text(s, st, 16, h->os_edition, sizeof(h->os_edition)) != EF_OK ||
        core_col_text(s, st, 17, h->os_build, sizeof(h->os_build)) != EF_OK ||
        core_col_text(s, st, 20, h->policy_id, sizeof(h->policy_id)) != EF_OK ||
        core_col_text(s, st, 21, h->policy_version, sizeof(h->policy_version)) != EF_OK ||
        core_col_text(s, st, 22, h->policy_sha256, sizeof(h->policy_sha256)) != EF_OK)
        return EF_ERR;
    h->level = core_level_of(DB(s)->col_int(st, 3));
    h->last_seen = DB(s)->col_int(st, 4);
    h->last_seq = (uint64_t)DB(s)->col_int(st, 5);
    for (k = 0; k < EF_MISSING; k++)
        h->counts[k] = DB(s)->col_int(st, 6 + k);
    h->counts[EF_MISSING] = DB(s)->col_int(st, 19);
    h->policy_assigned = (int)DB(s)->col_int(st, 23);
    h->stale = DB(s)->col_int(st, 12) == 0;
    h->retired_at = DB(s)->col_int(st, 18);
    return EF_OK;
}

int core_host_rows(struct ef_store *s, const char *department, const char *only_agent,
                   struct ef_host_row **out, size_t *n)
{
    static const char sql[] =
        "SELECT a.agent_id, a.hostname, d.name, d.level, a.last_seen, a.last_seq, "
        "a.n_pass, a.n_fail, a.n_na, a.n_unknown, a.n_error, a.n_accepted, "
        "a.counted, a.os_pretty, a.kernel, a.platform, a.os_edition, a.os_build, a.retired_at, "
        "a.n_missing, a.policy_id, a.policy_version, a.policy_sha256, a.policy_assigned "
        "FROM agents a JOIN departments d ON d.id = a.department_id "
        "WHERE ($1 IS NULL OR d.name = $1) AND ($2 IS NULL OR a.agent_id = $2) "
        "AND (a.retired_at = 0 OR $2 IS NOT NULL) "
        "ORDER BY d.name, a.hostname, a.agent_id";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL) {
        DB(s)->bind_text(st, 1, department);
        DB(s)->bind_text(st, 2, only_agent);
    }
    return core_collect(s, st, sizeof(struct ef_host_row), host_row, NULL, (void **)out, n,
                        "list hosts");
}

static int platform_count_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_platform_count *p = elem;

    if (core_col_text(s, st, 0, p->department, sizeof(p->department)) != EF_OK ||
        core_col_text(s, st, 1, p->platform, sizeof(p->platform)) != EF_OK)
        return EF_ERR;
    p->hosts = DB(s)->col_int(st, 2);
    p->fresh_hosts = DB(s)->col_int(st, 3);
    p->fresh_assigned = DB(s)->col_int(st, 4);
    return EF_OK;
}

/* Grouped over the index (department_id, platform, counted, policy_assigned): the agents'
 * rows are not read. The CASE keeps the sum an integer on PostgreSQL (sum of BIGINT is
 * NUMERIC). */
int core_platform_counts(struct ef_store *s, const char *department, struct ef_platform_count **out,
                         size_t *n)
{
    static const char sql[] =
        "SELECT d.name, a.platform, count(*), sum(CASE WHEN a.counted = 1 THEN 1 ELSE 0 END), "
        "sum(CASE WHEN a.counted = 1 AND a.policy_assigned = 1 THEN 1 ELSE 0 END) "
        "FROM agents a JOIN departments d ON d.id = a.department_id "
        "WHERE ($1 IS NULL OR d.name = $1) AND a.retired_at = 0 "
        "GROUP BY d.name, a.platform ORDER BY d.name, a.platform";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL)
        DB(s)->bind_text(st, 1, department);
    return core_collect(s, st, sizeof(struct ef_platform_count), platform_count_row, NULL,
                        (void **)out, n, "hosts per platform");
}

/* ---- counters ---- */

static int dept_counts_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_dept_counts *d = elem;
    int k;

    d->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, d->name, sizeof(d->name)) != EF_OK)
        return EF_ERR;
    d->level = core_level_of(DB(s)->col_int(st, 2));
    d->hosts = DB(s)->col_int(st, 3);
    d->fresh_hosts = DB(s)->col_int(st, 4);
    for (k = 0; k < EF_KINDS; k++)
        d->counts[k] = DB(s)->col_int(st, 5 + k);
    return EF_OK;
}

int core_dept_counts(struct ef_store *s, const char *department, struct ef_dept_counts **out,
                     size_t *n)
{
    static const char sql[] = "SELECT d.id, d.name, d.level, c.hosts, c.fresh_hosts, c.pass, "
                              "c.fail, c.na, c.unknown, c.error, c.accepted, c.missing "
                              "FROM departments d JOIN dept_counts c ON c.department_id = d.id "
                              "WHERE ($1 IS NULL AND d.merged_into IS NULL) OR d.name = $1 "
                              "ORDER BY d.name";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL)
        DB(s)->bind_text(st, 1, department);
    if (core_collect(s, st, sizeof(struct ef_dept_counts), dept_counts_row, NULL, (void **)out, n,
                     "department counters") != EF_OK)
        return EF_ERR;
    return department != NULL && *n == 0 ? EF_NOTFOUND : EF_OK;
}

/* Rows of every department in key order (department, check, controls) into the order
 * (check, department, controls) without a sort of the rows: a stable bucket sort by check
 * (the distinct checks found through a hash index, then sorted by name). Sorting them in
 * SQLite took longer; PostgreSQL compares text by bytes (COLLATE "C"), as strcmp here. */
static int order_by_check(struct ef_store *s, struct ef_check_counts **v, size_t len)
{
    struct ef_check_counts *w = NULL;
    size_t *slot = NULL, *group = NULL, *first = NULL, *order = NULL, cap = 64, ng = 0, i, j, at;
    uint64_t h;
    const char *c;
    int rc = EF_ERR;

    if (len < 2)
        return EF_OK;
    while (cap < 2 * len)
        cap *= 2;
    slot = calloc(cap, sizeof(*slot)); /* group + 1 */
    group = malloc(len * sizeof(*group));
    first = malloc(len * sizeof(*first)); /* a row of each group, then its first position */
    order = malloc(len * sizeof(*order));
    w = malloc(len * sizeof(*w));
    if (slot == NULL || group == NULL || first == NULL || order == NULL || w == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        goto out;
    }
    for (i = 0; i < len; i++) {
        for (h = 14695981039346656037ULL, c = (*v)[i].check; *c != '\0'; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        for (j = (size_t)h & (cap - 1); slot[j] != 0; j = (j + 1) & (cap - 1))
            if (strcmp((*v)[first[slot[j] - 1]].check, (*v)[i].check) == 0)
                break;
        if (slot[j] == 0) {
            first[ng] = i;
            slot[j] = ++ng;
        }
        group[i] = slot[j] - 1;
    }
    /* order: the groups by check name (insertion sort: a few dozen checks). */
    for (i = 0; i < ng; i++) {
        for (j = i; j > 0 && strcmp((*v)[first[order[j - 1]]].check, (*v)[first[i]].check) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    /* first[g]: where group g starts (slot reused for the group sizes). */
    memset(slot, 0, ng * sizeof(*slot));
    for (i = 0; i < len; i++)
        slot[group[i]]++;
    for (i = 0, at = 0; i < ng; i++) {
        first[order[i]] = at;
        at += slot[order[i]];
    }
    for (i = 0; i < len; i++)
        w[first[group[i]]++] = (*v)[i];
    free(*v);
    *v = w;
    w = NULL;
    rc = EF_OK;
out:
    free(slot);
    free(group);
    free(first);
    free(order);
    free(w);
    return rc;
}

static int check_counts_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_check_counts *c = elem;
    char sev[16];
    int k;

    c->department_id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, c->check, sizeof(c->check)) != EF_OK ||
        core_col_text(s, st, 2, c->controls, sizeof(c->controls)) != EF_OK ||
        core_col_text(s, st, 3, sev, sizeof(sev)) != EF_OK)
        return EF_ERR;
    if (ef_severity_parse(sev, &c->severity) != 0)
        c->severity = EF_SEV_MEDIUM;
    for (k = 0; k < EF_KINDS; k++)
        c->counts[k] = DB(s)->col_int(st, 4 + k);
    return EF_OK;
}

int core_check_counts(struct ef_store *s, int64_t department_id, struct ef_check_counts **out,
                      size_t *n)
{
    /* One statement per filter, so that one department is read through its key. */
    static const char one_sql[] =
        "SELECT department_id, check_id, controls, severity, pass, fail, na, unknown, error, "
        "accepted, missing FROM dept_check_counts WHERE department_id = $1 "
        "ORDER BY check_id, controls";
    static const char all_sql[] =
        "SELECT department_id, check_id, controls, severity, pass, fail, na, unknown, error, "
        "accepted, missing FROM dept_check_counts ORDER BY department_id, check_id, controls";
    struct ef_db_stmt *st = core_prepare(s, department_id != 0 ? one_sql : all_sql);

    /* Ordered by (check, department, controls): every department's rows are read in key
     * order and reordered by order_by_check. */
    if (st != NULL && department_id != 0)
        DB(s)->bind_int(st, 1, department_id);
    if (core_collect(s, st, sizeof(struct ef_check_counts), check_counts_row, NULL, (void **)out, n,
                     "check counters") != EF_OK)
        return EF_ERR;
    if (department_id == 0 && order_by_check(s, out, *n) != EF_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
        return EF_ERR;
    }
    return EF_OK;
}

static int result_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_result_row *r = elem;
    char buf[16];

    if (core_col_text(s, st, 0, r->check, sizeof(r->check)) != EF_OK ||
        core_col_text(s, st, 1, buf, sizeof(buf)) != EF_OK ||
        ef_result_status_parse(buf, &r->status) != 0)
        goto bad;
    r->acceptance = DB(s)->col_int(st, 2);
    r->accepted = !DB(s)->col_null(st, 2);
    r->since = DB(s)->col_int(st, 3);
    if (core_col_text(s, st, 4, r->evidence, sizeof(r->evidence)) != EF_OK ||
        core_col_text(s, st, 5, r->controls, sizeof(r->controls)) != EF_OK ||
        core_col_text(s, st, 6, buf, sizeof(buf)) != EF_OK ||
        ef_severity_parse(buf, &r->severity) != 0 ||
        core_col_text(s, st, 7, buf, sizeof(buf)) != EF_OK || ef_level_parse(buf, &r->level) != 0)
        goto bad;
    return EF_OK;
bad:
    if (s->err[0] == '\0')
        snprintf(s->err, sizeof(s->err), "malformed stored result");
    return EF_ERR;
}

int core_host_results(struct ef_store *s, const char *agent_id, struct ef_result_row **out,
                      size_t *n)
{
    static const char sql[] = "SELECT check_id, status, accepted_by, since, evidence, controls, "
                              "severity, level FROM latest_results WHERE agent_id = $1 "
                              "ORDER BY check_id";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL)
        DB(s)->bind_text(st, 1, agent_id);
    return core_collect(s, st, sizeof(struct ef_result_row), result_row, NULL, (void **)out, n,
                        "host results");
}

/* ---- acceptances and the audit log ---- */

static int acceptance_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_acceptance *a = elem;

    a->id = DB(s)->col_int(st, 0);
    a->department_id = DB(s)->col_int(st, 1);
    if (core_col_text(s, st, 2, a->department, sizeof(a->department)) != EF_OK ||
        core_col_text(s, st, 3, a->check, sizeof(a->check)) != EF_OK ||
        core_col_text(s, st, 4, a->agent_id, sizeof(a->agent_id)) != EF_OK ||
        core_col_text(s, st, 5, a->hostname, sizeof(a->hostname)) != EF_OK ||
        core_col_text(s, st, 6, a->reason, sizeof(a->reason)) != EF_OK ||
        core_col_text(s, st, 7, a->by, sizeof(a->by)) != EF_OK ||
        core_col_text(s, st, 12, a->ended_by, sizeof(a->ended_by)) != EF_OK)
        return EF_ERR;
    a->created_at = DB(s)->col_int(st, 8);
    a->until = DB(s)->col_int(st, 9);
    a->state = (enum ef_acceptance_state)DB(s)->col_int(st, 10);
    a->ended_at = DB(s)->col_int(st, 11);
    return EF_OK;
}

int core_acceptance_list(struct ef_store *s, int include_ended, struct ef_acceptance **out,
                         size_t *n)
{
    static const char sql[] = "SELECT c.id, c.department_id, d.name, c.check_id, c.agent_id, "
                              "coalesce(g.hostname, ''), c.reason, c.accepted_by, c.created_at, "
                              "c.until, c.state, c.ended_at, c.ended_by "
                              "FROM acceptances c JOIN departments d ON d.id = c.department_id "
                              "LEFT JOIN agents g ON g.agent_id = c.agent_id "
                              "WHERE $1 <> 0 OR c.state = 0 ORDER BY c.id DESC";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL)
        DB(s)->bind_int(st, 1, include_ended);
    return core_collect(s, st, sizeof(struct ef_acceptance), acceptance_row, NULL, (void **)out, n,
                        "list acceptances");
}

void ef_audit_free(struct ef_audit_row *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(rows[i].details);
    free(rows);
}

static int audit_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_audit_row *a = elem;

    a->id = DB(s)->col_int(st, 0);
    a->details = strdup(DB(s)->col_null(st, 4) ? "{}" : core_col_str(s, st, 4));
    if (a->details == NULL) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return EF_ERR;
    }
    if (core_col_text(s, st, 1, a->at, sizeof(a->at)) != EF_OK ||
        core_col_text(s, st, 2, a->actor, sizeof(a->actor)) != EF_OK ||
        core_col_text(s, st, 3, a->action, sizeof(a->action)) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

static void audit_free(void *v, size_t n)
{
    ef_audit_free(v, n);
}

int core_audit_list(struct ef_store *s, time_t since, struct ef_audit_row **out, size_t *n)
{
    static const char sql[] = "SELECT id, at, actor, action, details FROM audit_log "
                              "WHERE at >= $1 ORDER BY at, id";
    struct ef_db_stmt *st = core_prepare(s, sql);
    char from[32];

    ef_time_rfc3339(since, from);
    if (st != NULL)
        DB(s)->bind_text(st, 1, since > 0 ? from : "");
    return core_collect(s, st, sizeof(struct ef_audit_row), audit_row, audit_free, (void **)out, n,
                        "audit log");
}

/* ---- snapshots ---- */

/* The snapshot statements, one per combination of filters, so that each plan (PostgreSQL's
 * generic ones too) can use the (department_id, control, day) key: a filter not given is a
 * constant term ($N IS NULL), and every statement names all four parameters, so all are
 * always bound. With one control (or the totals, control '') CROSS JOIN keeps the
 * departments the outer loop in SQLite, each a search of the key (PostgreSQL plans the
 * join freely); otherwise the planner's order (the day index). Index: [department given]
 * [control: NULL totals only, '*' every row, else one control][since given][until given]. */
#define SNAP_SELECT                                                                                \
    "SELECT p.day, d.name, p.control, p.level, p.stale_days, p.hosts, p.fresh_hosts, p.pass, "     \
    "p.fail, p.na, p.unknown, p.error, p.accepted, p.missing FROM "
#define SNAP_BY_KEY "departments d CROSS JOIN snapshots p WHERE d.id = p.department_id AND "
#define SNAP_ANY "snapshots p JOIN departments d ON d.id = p.department_id WHERE "
#define SNAP_ORDER " ORDER BY p.day, d.name, p.control"
#define SNAP_DAYS(F, D, C, S)                                                                      \
    {                                                                                              \
        SNAP_SELECT F D " AND " C " AND " S " AND $4 IS NULL" SNAP_ORDER,                          \
            SNAP_SELECT F D " AND " C " AND " S " AND p.day <= $4" SNAP_ORDER                      \
    }
#define SNAP_CONTROL(F, D, C)                                                                      \
    {                                                                                              \
        SNAP_DAYS(F, D, C, "$3 IS NULL"), SNAP_DAYS(F, D, C, "p.day >= $3")                        \
    }
#define SNAP_DEPT(D)                                                                               \
    {                                                                                              \
        SNAP_CONTROL(SNAP_BY_KEY, D, "$2 IS NULL AND p.control = ''"),                             \
            SNAP_CONTROL(SNAP_ANY, D, "$2 = '*'"), SNAP_CONTROL(SNAP_BY_KEY, D, "p.control = $2")  \
    }
static const char *const snap_sql[2][3][2][2] = {SNAP_DEPT("$1 IS NULL"), SNAP_DEPT("d.name = $1")};

static int snapshot_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_snapshot_row *r = elem;
    int k;

    if (core_col_text(s, st, 0, r->day, sizeof(r->day)) != EF_OK ||
        core_col_text(s, st, 1, r->department, sizeof(r->department)) != EF_OK ||
        core_col_text(s, st, 2, r->control, sizeof(r->control)) != EF_OK)
        return EF_ERR;
    r->level = core_level_of(DB(s)->col_int(st, 3));
    r->stale_days = (int)DB(s)->col_int(st, 4);
    r->hosts = DB(s)->col_int(st, 5);
    r->fresh_hosts = DB(s)->col_int(st, 6);
    for (k = 0; k < EF_KINDS; k++)
        r->counts[k] = DB(s)->col_int(st, 7 + k);
    return EF_OK;
}

int core_snapshots(struct ef_store *s, const char *department, const char *control,
                   const char *since_day, const char *until_day, struct ef_snapshot_row **out,
                   size_t *n)
{
    /* Control: NULL totals only, '*' every row, else one control. */
    int which = control == NULL ? 0 : strcmp(control, "*") == 0 ? 1 : 2;
    struct ef_db_stmt *st =
        core_prepare(s, snap_sql[department != NULL][which][since_day != NULL][until_day != NULL]);

    if (st != NULL) {
        DB(s)->bind_text(st, 1, department);
        DB(s)->bind_text(st, 2, control);
        DB(s)->bind_text(st, 3, since_day);
        DB(s)->bind_text(st, 4, until_day);
    }
    return core_collect(s, st, sizeof(struct ef_snapshot_row), snapshot_row, NULL, (void **)out, n,
                        "snapshots");
}

/* ---- stored reports, for exports ---- */

/* The reports are read a page at a time, by key (agent_id, id) after the last one seen, so
 * memory holds one page of bodies (up to 1 MiB each; PostgreSQL hands them over as hex text,
 * twice that, and all rows of a statement at once: hence a small page) on either backend,
 * and no statement stays open across the whole export. An export reads in one snapshot
 * (store/snapshot.h), so the pages see one state of the store. */
#define REPORT_PAGE 8

/* The current row of st as r; its text and byte strings stay valid until the next step.
 * agent_id is copied into agent (the key of the next page). */
static int report_row(struct ef_store *s, struct ef_db_stmt *st, struct ef_stored_report *r,
                      char agent[EF_ID_MAX + 1])
{
    size_t siglen = 0;

    memset(r, 0, sizeof(*r));
    r->id = DB(s)->col_int(st, 0);
    if (core_col_text(s, st, 1, agent, EF_ID_MAX + 1) != EF_OK)
        return EF_ERR;
    r->agent_id = agent;
    r->department = core_col_str(s, st, 2);
    r->seq = (uint64_t)DB(s)->col_int(st, 3);
    r->received_at = core_col_str(s, st, 4);
    r->sha256 = core_col_str(s, st, 5);
    r->body = DB(s)->col_blob(st, 6, &r->body_len);
    r->signature = DB(s)->col_blob(st, 7, &siglen);
    if (DB(s)->col_null(st, 6) || r->body == NULL || r->signature == NULL ||
        siglen != EF_ED25519_SIG_LEN) {
        snprintf(s->err, sizeof(s->err), "stored report %lld is malformed", (long long)r->id);
        return EF_ERR;
    }
    return EF_OK;
}

int core_report_iter(struct ef_store *s, const struct ef_report_filter *f, ef_report_cb cb,
                     void *arg)
{
    /* received_at is RFC 3339 UTC of fixed width, so text order is time order. The key
     * condition is written so that agent_id >= $1 bounds a scan of the agent index. */
    static const char sql[] =
        "SELECT r.id, r.agent_id, coalesce(d.name, ''), r.seq, r.received_at, r.sha256, "
        "r.body, r.signature FROM reports r LEFT JOIN departments d ON d.id = r.department_id "
        "WHERE r.agent_id >= $1 AND (r.agent_id > $1 OR r.id > $2) "
        "AND ($3 IS NULL OR d.name = $3) AND ($4 IS NULL OR r.received_at >= $4) "
        "AND ($5 IS NULL OR r.received_at < $5) ORDER BY r.agent_id, r.id LIMIT $6";
    struct ef_stored_report r;
    char since[32], until[32], from[EF_ID_MAX + 1] = "", last[EF_ID_MAX + 1] = "";
    struct ef_db_stmt *st;
    int64_t from_id = 0;
    size_t rows;
    int rc, ret;

    ef_time_rfc3339(f->since, since);
    ef_time_rfc3339(f->until, until);
    do {
        if ((st = core_prepare(s, sql)) == NULL)
            return EF_ERR;
        /* from, not last, is bound: last changes while the statement runs. */
        DB(s)->bind_text(st, 1, from);
        DB(s)->bind_int(st, 2, from_id);
        DB(s)->bind_text(st, 3, f->department);
        DB(s)->bind_text(st, 4, f->since > 0 ? since : NULL);
        DB(s)->bind_text(st, 5, f->until > 0 ? until : NULL);
        DB(s)->bind_int(st, 6, REPORT_PAGE);
        rows = 0;
        ret = EF_OK;
        while ((rc = DB(s)->step(s, st, "read reports")) == EF_DB_ROW) {
            rows++;
            if ((ret = report_row(s, st, &r, last)) != EF_OK || (ret = cb(arg, &r)) != 0)
                break;
            from_id = r.id;
        }
        DB(s)->done(st);
        if (ret != EF_OK)
            return ret;
        if (rc != EF_DB_DONE)
            return EF_ERR;
        memcpy(from, last, sizeof(from));
    } while (rows == REPORT_PAGE);
    return EF_OK;
}
