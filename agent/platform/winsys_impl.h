/* SPDX-License-Identifier: EUPL-1.2 */
/* The two sources of winsys.h behind one table of operations. Private to agent/platform. */
#ifndef EFTERLEV_AGENT_PLATFORM_WINSYS_IMPL_H
#define EFTERLEV_AGENT_PLATFORM_WINSYS_IMPL_H

#include "winsys.h"

struct ef_win_ops {
    /* Read one table (its name checked by ef_win_table: "api:" a declared table, or
     * "wmi:" ns ":" class split into ns and cls). On EF_WIN_OK *rows is a new reference
     * to an array of objects. Called at most once per table name. */
    ef_win_status (*read)(struct ef_win *w, const char *name, const char *ns, const char *cls,
                          json_t **rows, char *why, size_t whylen);
    void (*free)(struct ef_win *w);
};

struct ef_win {
    const struct ef_win_ops *ops;
    int live;
    char source[1100];
    json_t *cache; /* lower-cased table name -> {"status": n, "why": s, "rows": [...]} */
    void *impl;
};

/* A new source with ops (shared by both openers); NULL when out of memory. */
struct ef_win *ef_win_new(const struct ef_win_ops *ops, int live, void *impl);

/* Split a table name "wmi:NS:CLASS" or "api:NAME" and check it: NS is root with
 * backslash-separated parts of letters, digits and '_'; CLASS of the same characters. For
 * "api:" ns and cls are set to "". -1 with why when malformed or an undeclared api table. */
int ef_win_name_split(const char *name, char *ns, size_t nslen, char *cls, size_t clslen, char *why,
                      size_t whylen);

/* Check an api table's rows against its declaration: every column declared, of its type
 * (or null), "_why" a string. -1 with why naming the row and column. */
int ef_win_rows_check(const struct ef_win_api_table *t, const json_t *rows, char *why,
                      size_t whylen);

#endif
