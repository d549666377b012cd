/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's domain code for alerts (issue 15; docs/alerts.md): the outbox. An event is a row
 * per channel, written in the transaction of the fact that causes it, so an alert is sent only
 * for what was committed and nothing committed goes unalerted when the collector stops or a
 * receiver is down. Every change of state is an UPDATE ... WHERE of the state it changes from,
 * so several collectors on one PostgreSQL database (issue 9) never alert one fact twice: a
 * department's crossing below its figure, a deviation's becoming overdue, a row's sending
 * (claimed for a lease, given back if the collector dies while it sends). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/core.h"

#define DB(s) ((s)->db)

static const struct {
    unsigned bit;
    const char *name;
} channels[] = {{EF_ALERT_CH_WEBHOOK, "webhook"}, {EF_ALERT_CH_SMTP, "smtp"}};

int core_alert_regression(struct ef_store *s, int64_t dept, const char *agent_id,
                          const char *hostname, const struct ef_result *res, time_t now)
{
    static const char sql[] =
        "INSERT INTO alert_outbox (channel, kind, created_at, department, agent_id, hostname, "
        "check_id, severity, detail, next_at) "
        "SELECT $1, 'regression', $2, name, $3, $4, $5, $6, $7, $2 FROM departments WHERE id = $8";

    for (size_t c = 0; c < sizeof(channels) / sizeof(channels[0]); c++) {
        struct ef_db_stmt *st;

        if ((s->alert_channels & channels[c].bit) == 0)
            continue;
        if ((st = core_prepare(s, sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, channels[c].name);
        DB(s)->bind_int(st, 2, (int64_t)now);
        DB(s)->bind_text(st, 3, agent_id);
        DB(s)->bind_text(st, 4, hostname);
        DB(s)->bind_text(st, 5, res->check);
        DB(s)->bind_text(st, 6, ef_severity_name(res->severity));
        DB(s)->bind_text(st, 7, res->evidence);
        DB(s)->bind_int(st, 8, dept);
        if (core_exec(s, st, "queue regression alert") != EF_OK)
            return EF_ERR;
    }
    return EF_OK;
}

struct dept_ctx {
    int64_t dept;
    ef_alert_judge_fn judge;
    void *arg;
    int threshold;
    unsigned channels;
    time_t now;
    int fired;
};

static int dept_tx(struct ef_store *s, void *arg)
{
    static const char ensure[] = "INSERT INTO alert_state (department_id, below, changed_at) "
                                 "VALUES ($1, 0, $2) ON CONFLICT (department_id) DO NOTHING";
    static const char lock[] = "SELECT below FROM alert_state WHERE department_id = $1 FOR UPDATE";
    /* After the lock: the counters as committed now (SQLite: the whole database is this
     * transaction's; PostgreSQL: read committed, a statement sees what committed before it). */
    static const char counts_sql[] =
        "SELECT pass, fail, na, unknown, error, accepted, missing FROM dept_counts "
        "WHERE department_id = $1";
    static const char set[] = "UPDATE alert_state SET below = $3, changed_at = $2 "
                              "WHERE department_id = $1 AND below <> $3";
    static const char queue[] =
        "INSERT INTO alert_outbox (channel, kind, created_at, department, detail, threshold, "
        "next_at) SELECT $1, 'department_below', $2, name, $3, $4, $2 FROM departments "
        "WHERE id = $5";
    struct dept_ctx *c = arg;
    struct ef_db_stmt *st;
    int64_t counts[EF_KINDS], old = 0;
    char figure[32];
    int rc, below;

    c->fired = 0;
    if ((st = core_prepare(s, ensure)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->dept);
    DB(s)->bind_int(st, 2, (int64_t)c->now);
    if (core_exec(s, st, "alert state") != EF_OK || (st = core_prepare(s, lock)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->dept);
    if (core_int(s, st, 0, &old, "lock alert state") != EF_OK ||
        (st = core_prepare(s, counts_sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->dept);
    if ((rc = core_row(s, st, "department counters")) == EF_NOTFOUND)
        return EF_OK; /* no counters yet: no figure */
    if (rc != EF_OK)
        return rc;
    for (int k = 0; k < EF_KINDS; k++)
        counts[k] = DB(s)->col_int(st, k);
    DB(s)->done(st);
    figure[0] = '\0';
    if ((below = c->judge(c->arg, counts, figure, sizeof(figure))) < 0)
        return EF_OK; /* nothing judged: the state stays */
    if ((st = core_prepare(s, set)) == NULL)
        return EF_ERR;
    DB(s)->bind_int(st, 1, c->dept);
    DB(s)->bind_int(st, 2, (int64_t)c->now);
    DB(s)->bind_int(st, 3, below ? 1 : 0);
    rc = core_exec_changed(s, st, "alert state");
    if (rc == EF_NOTFOUND || !below)
        return rc == EF_NOTFOUND ? EF_OK : rc;
    if (rc != EF_OK)
        return rc;
    /* This transaction moved the state to below: it alone queues the alert. */
    c->fired = 1;
    for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
        if ((c->channels & channels[i].bit) == 0)
            continue;
        if ((st = core_prepare(s, queue)) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, channels[i].name);
        DB(s)->bind_int(st, 2, (int64_t)c->now);
        DB(s)->bind_text(st, 3, figure);
        DB(s)->bind_int(st, 4, c->threshold);
        DB(s)->bind_int(st, 5, c->dept);
        if (core_exec(s, st, "queue department alert") != EF_OK)
            return EF_ERR;
    }
    return EF_OK;
}

int core_alert_department(struct ef_store *s, int64_t department_id, ef_alert_judge_fn judge,
                          void *arg, int threshold, unsigned chans, time_t now, int *fired)
{
    struct dept_ctx c = {department_id, judge, arg, threshold, chans, now, 0};
    int rc = DB(s)->tx(s, EF_DB_NO_LOCK, dept_tx, &c);

    *fired = rc == EF_OK ? c.fired : 0;
    return rc;
}

static int id_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    *(int64_t *)elem = DB(s)->col_int(st, 0);
    return EF_OK;
}

struct overdue_ctx {
    unsigned channels;
    time_t now;
    int64_t n;
};

static int overdue_tx(struct ef_store *s, void *arg)
{
    /* The claim: a deviation's overdue_alerted_at moves from 0 once, in one statement. */
    static const char claim[] =
        "UPDATE deviations SET overdue_alerted_at = $1 WHERE closed_at = 0 AND due > 0 "
        "AND due < $1 AND overdue_alerted_at = 0 RETURNING id";
    static const char queue[] =
        "INSERT INTO alert_outbox (channel, kind, created_at, department, agent_id, hostname, "
        "check_id, severity, detail, owner, due, ref, next_at) "
        "SELECT $1, 'overdue', $2, d.name, v.agent_id, coalesce(a.hostname, ''), v.check_id, "
        "v.severity, v.action, v.owner, v.due, v.id, $2 FROM deviations v "
        "JOIN departments d ON d.id = v.department_id "
        "LEFT JOIN agents a ON a.agent_id = v.agent_id WHERE v.id = $3";
    struct overdue_ctx *c = arg;
    struct ef_db_stmt *st = core_prepare(s, claim);
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = EF_OK;

    c->n = 0;
    if (st != NULL)
        DB(s)->bind_int(st, 1, (int64_t)c->now);
    if (core_collect(s, st, sizeof(int64_t), id_row, NULL, (void **)&ids, &n,
                     "claim overdue deviations") != EF_OK)
        return EF_ERR;
    for (size_t i = 0; i < n && rc == EF_OK; i++)
        for (size_t k = 0; k < sizeof(channels) / sizeof(channels[0]) && rc == EF_OK; k++) {
            if ((c->channels & channels[k].bit) == 0)
                continue;
            if ((st = core_prepare(s, queue)) == NULL) {
                rc = EF_ERR;
                break;
            }
            DB(s)->bind_text(st, 1, channels[k].name);
            DB(s)->bind_int(st, 2, (int64_t)c->now);
            DB(s)->bind_int(st, 3, ids[i]);
            rc = core_exec(s, st, "queue overdue alert");
        }
    free(ids);
    c->n = (int64_t)n;
    return rc;
}

int core_alert_overdue(struct ef_store *s, unsigned chans, time_t now, int64_t *n)
{
    struct overdue_ctx c = {chans, now, 0};
    int rc = DB(s)->tx(s, EF_DB_NO_LOCK, overdue_tx, &c);

    *n = rc == EF_OK ? c.n : 0;
    return rc;
}

int core_alert_test(struct ef_store *s, unsigned chans, time_t now)
{
    static const char sql[] = "INSERT INTO alert_outbox (channel, kind, created_at, detail, "
                              "next_at) VALUES ($1, 'test', $2, $3, $2)";

    for (size_t c = 0; c < sizeof(channels) / sizeof(channels[0]); c++) {
        struct ef_db_stmt *st;

        if ((chans & channels[c].bit) == 0)
            continue;
        if ((st = core_prepare(s, sql)) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, channels[c].name);
        DB(s)->bind_int(st, 2, (int64_t)now);
        DB(s)->bind_text(st, 3, "alerts test");
        if (core_exec(s, st, "queue test alert") != EF_OK)
            return EF_ERR;
    }
    return EF_OK;
}

int core_alert_oldest_due(struct ef_store *s, const char *channel, time_t now, int64_t *oldest)
{
    static const char sql[] =
        "SELECT min(created_at) FROM alert_outbox WHERE channel = $1 AND state = 'pending' "
        "AND next_at <= $2 AND claimed_until < $2";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL) {
        DB(s)->bind_text(st, 1, channel);
        DB(s)->bind_int(st, 2, (int64_t)now);
    }
    return core_int(s, st, 0, oldest, "oldest due alert");
}

int core_alert_claim(struct ef_store *s, const char *channel, const char *claim, int64_t limit,
                     time_t now, int64_t lease_until, int64_t *n)
{
    /* The outer WHERE repeats the state: a collector whose subquery saw rows another one has
     * claimed meanwhile finds them changed (PostgreSQL re-checks a row it waited for). */
    static const char sql[] =
        "UPDATE alert_outbox SET claim = $2, claimed_until = $5 WHERE id IN (SELECT id FROM "
        "alert_outbox WHERE channel = $1 AND state = 'pending' AND next_at <= $4 "
        "AND claimed_until < $4 ORDER BY id LIMIT $3) AND state = 'pending' "
        "AND claimed_until < $4";
    struct ef_db_stmt *st;
    int rc;

    *n = 0;
    if (claim[0] == '\0') {
        snprintf(s->err, sizeof(s->err), "an empty alert claim");
        return EF_ERR;
    }
    if ((st = core_prepare(s, sql)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, channel);
    DB(s)->bind_text(st, 2, claim);
    DB(s)->bind_int(st, 3, limit);
    DB(s)->bind_int(st, 4, (int64_t)now);
    DB(s)->bind_int(st, 5, lease_until);
    while ((rc = DB(s)->step(s, st, "claim alerts")) == EF_DB_ROW)
        ;
    if (rc == EF_DB_DONE)
        *n = DB(s)->changes(s, st);
    DB(s)->done(st);
    return rc == EF_DB_DONE ? EF_OK : rc;
}

#define EVENT_COLS                                                                                 \
    "id, channel, kind, created_at, department, agent_id, hostname, check_id, severity, "          \
    "detail, owner, due, threshold, ref, state, attempts, next_at, sent_at, last_error "

static int event_row(struct ef_store *s, struct ef_db_stmt *st, void *elem)
{
    struct ef_alert_event *e = elem;
    const char *err;

    e->id = DB(s)->col_int(st, 0);
    e->created_at = DB(s)->col_int(st, 3);
    e->due = DB(s)->col_int(st, 11);
    e->threshold = DB(s)->col_int(st, 12);
    e->ref = DB(s)->col_int(st, 13);
    e->attempts = DB(s)->col_int(st, 15);
    e->next_at = DB(s)->col_int(st, 16);
    e->sent_at = DB(s)->col_int(st, 17);
    /* The error is ours (libcurl's text), cut to fit rather than refused. */
    err = core_col_str(s, st, 18);
    snprintf(e->last_error, sizeof(e->last_error), "%s", err);
    if (core_col_text(s, st, 1, e->channel, sizeof(e->channel)) != EF_OK ||
        core_col_text(s, st, 2, e->kind, sizeof(e->kind)) != EF_OK ||
        core_col_text(s, st, 4, e->department, sizeof(e->department)) != EF_OK ||
        core_col_text(s, st, 5, e->agent_id, sizeof(e->agent_id)) != EF_OK ||
        core_col_text(s, st, 6, e->hostname, sizeof(e->hostname)) != EF_OK ||
        core_col_text(s, st, 7, e->check, sizeof(e->check)) != EF_OK ||
        core_col_text(s, st, 8, e->severity, sizeof(e->severity)) != EF_OK ||
        core_col_text(s, st, 9, e->detail, sizeof(e->detail)) != EF_OK ||
        core_col_text(s, st, 10, e->owner, sizeof(e->owner)) != EF_OK ||
        core_col_text(s, st, 14, e->state, sizeof(e->state)) != EF_OK)
        return EF_ERR;
    return EF_OK;
}

int core_alert_claimed(struct ef_store *s, const char *claim, int64_t limit,
                       struct ef_alert_event **out, size_t *n)
{
    /* A department's fall and an overdue action first: a digest's few events about a whole
     * department or a promise broken are never among its "and N more". */
    static const char sql[] =
        "SELECT " EVENT_COLS "FROM alert_outbox WHERE claim = $1 ORDER BY CASE kind "
        "WHEN 'department_below' THEN 0 WHEN 'overdue' THEN 1 ELSE 2 END, id LIMIT $2";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL) {
        DB(s)->bind_text(st, 1, claim);
        DB(s)->bind_int(st, 2, limit);
    }
    return core_collect(s, st, sizeof(struct ef_alert_event), event_row, NULL, (void **)out, n,
                        "read claimed alerts");
}

int core_alert_list(struct ef_store *s, int which, int64_t limit, struct ef_alert_event **out,
                    size_t *n)
{
    static const char sql[] =
        "SELECT " EVENT_COLS "FROM alert_outbox WHERE $1 = 0 OR ($1 = 1 AND state = 'pending') "
        "OR ($1 = 2 AND state = 'failed') ORDER BY id DESC LIMIT $2";
    struct ef_db_stmt *st = core_prepare(s, sql);

    if (st != NULL) {
        DB(s)->bind_int(st, 1, which);
        DB(s)->bind_int(st, 2, limit);
    }
    return core_collect(s, st, sizeof(struct ef_alert_event), event_row, NULL, (void **)out, n,
                        "list alerts");
}

struct finish_ctx {
    const char *claim, *error;
    time_t now;
    int64_t next_at;
    int max_attempts;
    int64_t failed;
};

static int finish_tx(struct ef_store *s, void *arg)
{
    static const char sent[] =
        "UPDATE alert_outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1, "
        "claim = '', claimed_until = 0, last_error = '' WHERE claim = $1";
    static const char count[] =
        "SELECT count(*) FROM alert_outbox WHERE claim = $1 AND attempts + 1 >= $2";
    static const char failed[] =
        "UPDATE alert_outbox SET attempts = attempts + 1, last_error = $2, next_at = $3, "
        "claim = '', claimed_until = 0, "
        "state = CASE WHEN attempts + 1 >= $4 THEN 'failed' ELSE 'pending' END WHERE claim = $1";
    struct finish_ctx *c = arg;
    struct ef_db_stmt *st;

    c->failed = 0;
    if (c->error == NULL) {
        if ((st = core_prepare(s, sent)) == NULL)
            return EF_ERR;
        DB(s)->bind_text(st, 1, c->claim);
        DB(s)->bind_int(st, 2, (int64_t)c->now);
        return core_exec(s, st, "mark alerts sent");
    }
    if ((st = core_prepare(s, count)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->claim);
    DB(s)->bind_int(st, 2, c->max_attempts);
    if (core_int(s, st, 0, &c->failed, "count failing alerts") != EF_OK ||
        (st = core_prepare(s, failed)) == NULL)
        return EF_ERR;
    DB(s)->bind_text(st, 1, c->claim);
    DB(s)->bind_text(st, 2, c->error);
    DB(s)->bind_int(st, 3, c->next_at);
    DB(s)->bind_int(st, 4, c->max_attempts);
    return core_exec(s, st, "mark alerts for retry");
}

int core_alert_finish(struct ef_store *s, const char *claim, const char *error, time_t now,
                      int64_t next_at, int max_attempts, int64_t *failed)
{
    struct finish_ctx c = {claim, error, now, next_at, max_attempts, 0};
    int rc = DB(s)->tx(s, EF_DB_NO_LOCK, finish_tx, &c);

    *failed = rc == EF_OK ? c.failed : 0;
    return rc;
}
