/* SPDX-License-Identifier: EUPL-1.2 */
/* The per-agent ingest budget (budget.h): agents in a red-black tree (libbsd's sys/tree.h)
 * for lookup and in a list ordered by their last charge, least recent first, for eviction. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "budget.h"
#include "efterlev/report.h"

/* libbsd's sys/cdefs.h leaves __unused undefined (Linux headers use the name for a struct
 * member), yet its RB_GENERATE_STATIC needs it: defined here, after every other header. */
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#include <sys/tree.h>

struct window {
    int open;
    time_t start;
    int64_t used; /* reports or bytes counted in it */
    int refused;  /* a report was refused in it already */
};

struct entry {
    RB_ENTRY(entry) node;
    TAILQ_ENTRY(entry) lru;
    struct window hour, day;
    char id[EF_ID_MAX + 1];
};

static int entry_cmp(const struct entry *a, const struct entry *b)
{
    return strcmp(a->id, b->id);
}

RB_HEAD(entries, entry);
RB_GENERATE_STATIC(entries, entry, node, entry_cmp)
TAILQ_HEAD(lru_list, entry);

struct ef_budget {
    pthread_mutex_t mu;
    long reports_per_hour;
    int64_t bytes_per_day;
    size_t max_agents, n;
    struct entries tree;
    struct lru_list lru; /* least recently charged first */
};

struct ef_budget *ef_budget_new(long reports_per_hour, int64_t bytes_per_day, size_t max_agents)
{
    struct ef_budget *b;

    if (reports_per_hour < 1 || bytes_per_day < 1 || max_agents < 1)
        return NULL;
    if ((b = calloc(1, sizeof(*b))) == NULL)
        return NULL;
    if (pthread_mutex_init(&b->mu, NULL) != 0) {
        free(b);
        return NULL;
    }
    b->reports_per_hour = reports_per_hour;
    b->bytes_per_day = bytes_per_day;
    b->max_agents = max_agents;
    RB_INIT(&b->tree);
    TAILQ_INIT(&b->lru);
    return b;
}

void ef_budget_free(struct ef_budget *b)
{
    struct entry *e;

    if (b == NULL)
        return;
    while ((e = TAILQ_FIRST(&b->lru)) != NULL) {
        TAILQ_REMOVE(&b->lru, e, lru);
        free(e);
    }
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* The entry of id, made (or taken from the least recently charged agent) when missing.
 * NULL when out of memory. */
static struct entry *entry_of(struct ef_budget *b, const char *id)
{
    struct entry key, *e;

    memcpy(key.id, id, strlen(id) + 1);
    if ((e = RB_FIND(entries, &b->tree, &key)) != NULL)
        return e;
    if (b->n >= b->max_agents) {
        e = TAILQ_FIRST(&b->lru);
        TAILQ_REMOVE(&b->lru, e, lru);
        RB_REMOVE(entries, &b->tree, e);
        b->n--;
    } else if ((e = malloc(sizeof(*e))) == NULL) {
        return NULL;
    }
    memset(e, 0, sizeof(*e));
    memcpy(e->id, id, strlen(id) + 1);
    RB_INSERT(entries, &b->tree, e);
    TAILQ_INSERT_TAIL(&b->lru, e, lru);
    b->n++;
    return e;
}

/* Open a new window when none is open, the open one has ended, or the clock went back
 * before its start. */
static void roll(struct window *w, time_t now, time_t length)
{
    if (!w->open || now >= w->start + length || now < w->start)
        *w = (struct window){.open = 1, .start = now};
}

static long until_end(const struct window *w, time_t now, time_t length)
{
    time_t left = w->start + length - now;

    return left < 1 ? 1 : (long)left;
}

enum ef_budget_verdict ef_budget_charge(struct ef_budget *b, const char *agent_id, size_t bytes,
                                        time_t now, long *retry_after, int *first)
{
    enum ef_budget_verdict v = EF_BUDGET_OK;
    struct window *w = NULL;
    struct entry *e;

    *retry_after = 0;
    *first = 0;
    if (strnlen(agent_id, EF_ID_MAX + 1) > EF_ID_MAX) {
        *retry_after = EF_BUDGET_HOUR;
        return EF_BUDGET_REPORTS;
    }
    pthread_mutex_lock(&b->mu);
    if ((e = entry_of(b, agent_id)) == NULL) {
        /* Out of memory: this report is not held back by the budget (the request has its
         * body in memory already; refusing it would not free any). */
        pthread_mutex_unlock(&b->mu);
        return EF_BUDGET_OK;
    }
    TAILQ_REMOVE(&b->lru, e, lru);
    TAILQ_INSERT_TAIL(&b->lru, e, lru);
    roll(&e->hour, now, EF_BUDGET_HOUR);
    roll(&e->day, now, EF_BUDGET_DAY);
    if (e->hour.used + 1 > b->reports_per_hour) {
        v = EF_BUDGET_REPORTS;
        w = &e->hour;
        *retry_after = until_end(&e->hour, now, EF_BUDGET_HOUR);
    }
    if ((uint64_t)e->day.used + bytes > (uint64_t)b->bytes_per_day) {
        long wait = until_end(&e->day, now, EF_BUDGET_DAY);

        /* Both spent: the later end is when there is room again. */
        if (w == NULL || wait > *retry_after) {
            v = EF_BUDGET_BYTES;
            w = &e->day;
            *retry_after = wait;
        }
    }
    if (w != NULL) {
        *first = !w->refused;
        w->refused = 1;
    } else {
        e->hour.used++;
        e->day.used += (int64_t)bytes;
    }
    pthread_mutex_unlock(&b->mu);
    return v;
}

size_t ef_budget_agents(struct ef_budget *b)
{
    size_t n;

    pthread_mutex_lock(&b->mu);
    n = b->n;
    pthread_mutex_unlock(&b->mu);
    return n;
}
