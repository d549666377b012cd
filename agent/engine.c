/* SPDX-License-Identifier: EUPL-1.2 */
/* The check engine: platforms, applies_if and the condition of each check, judged at the
 * scan's protection level, into one result per check. */
#include "engine.h"

#include "efterlev/os.h"
#include "efterlev/util.h"
#include "facts.h"
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void ef_eval_set(struct ef_eval *e, ef_status st, const char *fmt, ...)
{
    char buf[EF_EVIDENCE_MAX + 1];
    va_list ap;

    e->status = st;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    e->evidence[0] = '\0';
    ef_text_append(e->evidence, sizeof(e->evidence), buf, strlen(buf));
}

static void eval_cond(const struct ef_ctx *ctx, const struct ef_cond *c, struct ef_eval *out);

static void eval_rule(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    out->evidence[0] = '\0';
    switch (r->kind) {
    case EF_RULE_COND:
        eval_cond(ctx, r->cond, out);
        break;
    case EF_RULE_FILE:
        ef_rule_file(ctx, r, out);
        break;
    case EF_RULE_COMMAND:
        ef_rule_command(ctx, r, out);
        break;
    case EF_RULE_FACT:
        ef_rule_fact(ctx, r, out);
        break;
    case EF_RULE_SYSCTL:
        ef_rule_sysctl(ctx, r, out);
        break;
    case EF_RULE_SERVICE:
        ef_rule_service(ctx, r, out);
        break;
    case EF_RULE_DIR:
        ef_rule_dir(ctx, r, out);
        break;
    case EF_RULE_PACKAGE:
        ef_rule_package(ctx, r, out);
        break;
    case EF_RULE_REGISTRY:
        ef_rule_registry(ctx, r, out);
        break;
    case EF_RULE_WMI:
        ef_rule_wmi(ctx, r, out);
        break;
    case EF_RULE_RUNNING:
        ef_rule_running(ctx, r, out);
        break;
    default:
        ef_eval_set(out, EF_ERROR, "line %d: unknown rule kind", r->line);
    }
}

/*
 * Three-valued logic plus error: an error anywhere makes the condition an error (the check is
 * broken); otherwise a definite answer wins over unknown where it decides the outcome (one
 * fail decides "all", one pass decides "any"), and unknown remains when nothing decides.
 * The evidence is that of the deciding rules.
 */
static void eval_cond(const struct ef_ctx *ctx, const struct ef_cond *c, struct ef_eval *out)
{
    struct ef_eval e;
    char ev[EF_STATUS_COUNT][EF_EVIDENCE_MAX + 1];
    size_t n[EF_STATUS_COUNT] = {0};

    memset(ev, 0, sizeof(ev));
    for (size_t i = 0; i < c->nrules; i++) {
        eval_rule(ctx, &c->rules[i], &e);
        ef_status st = e.status;
        if (st >= EF_STATUS_COUNT || st == EF_NA)
            st = EF_ERROR;
        n[st]++;
        ef_evidence_add(ev[st], sizeof(ev[st]), e.evidence);
    }

    ef_status st;
    const char *evs;
    if (n[EF_ERROR]) {
        st = EF_ERROR, evs = ev[EF_ERROR];
    } else if (c->op == EF_COND_ALL) {
        if (n[EF_FAIL])
            st = EF_FAIL, evs = ev[EF_FAIL];
        else if (n[EF_UNKNOWN])
            st = EF_UNKNOWN, evs = ev[EF_UNKNOWN];
        else
            st = EF_PASS, evs = ev[EF_PASS];
    } else {
        /* any, and none = not any */
        ef_status yes = c->op == EF_COND_ANY ? EF_PASS : EF_FAIL;
        ef_status no = c->op == EF_COND_ANY ? EF_FAIL : EF_PASS;
        if (n[EF_PASS])
            st = yes, evs = ev[EF_PASS];
        else if (n[EF_UNKNOWN])
            st = EF_UNKNOWN, evs = ev[EF_UNKNOWN];
        else
            st = no, evs = ev[EF_FAIL];
    }
    out->status = st;
    out->evidence[0] = '\0';
    ef_text_append(out->evidence, sizeof(out->evidence), evs, strlen(evs));
}

static int platform_ok(const struct ef_ctx *ctx, const struct ef_check *c, struct ef_eval *out)
{
    const struct ef_fact *os = ef_facts_get(ctx->facts, "os.id");
    char list[256] = "";

    if (c->platforms == NULL)
        return 1;
    for (char **p = c->platforms; *p; p++) {
        if (os && os->known && strcmp(os->s, *p) == 0)
            return 1;
        ef_text_append(list, sizeof(list), p == c->platforms ? "" : ", ", 2);
        ef_text_append(list, sizeof(list), *p, strlen(*p));
    }
    if (os == NULL || !os->known)
        ef_eval_set(out, EF_UNKNOWN, "platform unknown (check is for %s): %s", list,
                    os ? os->evidence : "no os.id fact");
    else
        ef_eval_set(out, EF_NA, "not applicable on %s (check is for %s)", os->s, list);
    return 0;
}

static void eval_check(const struct ef_ctx *ctx, const struct ef_check *c, struct ef_eval *out)
{
    struct ef_eval pre;

    if (!platform_ok(ctx, c, out))
        return;
    if (c->applies_if) {
        eval_cond(ctx, c->applies_if, &pre);
        if (pre.status == EF_FAIL) {
            if (c->na_reason)
                ef_eval_set(out, EF_NA, "not applicable (%s): %s", c->na_reason, pre.evidence);
            else
                ef_eval_set(out, EF_NA, "not applicable: %s", pre.evidence);
            return;
        }
        if (pre.status != EF_PASS) {
            ef_eval_set(out, pre.status, "applies_if: %s", pre.evidence);
            return;
        }
    }
    eval_cond(ctx, c->condition, out);
}

static int skipped(const struct ef_scan_opts *opts, const char *id)
{
    for (const char *const *s = opts->skip; s != NULL && *s != NULL; s++)
        if (strcmp(*s, id) == 0)
            return 1;
    return 0;
}

int ef_scan(const struct ef_policy_set *ps, const struct ef_scan_opts *opts, struct ef_report *r)
{
    time_t now;
    int bad_now = ef_engine_now(&now) != 0;
    const char *root = opts->root && *opts->root ? opts->root : "/";
    time_t t = bad_now ? time(NULL) : now;
    struct ef_facts *facts =
        opts->registry ? ef_facts_new_windows(opts->registry, opts->win, t) : ef_facts_new(root, t);
    if (facts != NULL)
        ef_facts_set_state(facts, opts->state_dir, opts->update_state);
    struct ef_ctx ctx = {.root = root, .level = opts->level, .facts = facts};
    int rc = 0;

    if (facts == NULL)
        return -1;
    ef_level levels[EF_ASPECTS];
    if (opts->levels != NULL)
        memcpy(levels, opts->levels, sizeof(levels));
    else
        ef_levels_fill(levels, opts->level);
    for (int k = 0; k < EF_ASPECTS; k++)
        if (levels[k] < EF_LEVEL_BASIC || levels[k] > EF_LEVEL_HIGH)
            levels[k] = EF_LEVEL_BASIC;
    for (size_t i = 0; i < ps->nchecks; i++) {
        const struct ef_check *c = &ps->checks[i];
        /* each check at the level of the aspects it protects (efterlev/policy.h) */
        ctx.level = ef_check_level(c->aspects, levels);
        if (c->level > ctx.level || skipped(opts, c->id))
            continue;
        struct ef_result *res = ef_report_add(r);
        if (res == NULL) {
            rc = -1;
            break;
        }
        uint64_t t0 = ef_mono_us();
        struct ef_eval e = {.status = EF_ERROR};
        if (bad_now)
            ef_eval_set(&e, EF_ERROR, "EFTERLEV_NOW is not an RFC 3339 time");
        else
            eval_check(&ctx, c, &e);
        if (e.evidence[0] == '\0')
            ef_eval_set(&e, e.status, "%s", ef_status_name(e.status));
        strlcpy(res->check, c->id, sizeof(res->check));
        res->status = e.status;
        strlcpy(res->evidence, e.evidence, sizeof(res->evidence));
        memcpy(res->controls, c->controls, sizeof(res->controls));
        res->ncontrols = c->ncontrols;
        res->severity = c->severity;
        res->level = ctx.level;
        res->duration_us = ef_mono_us() - t0;
    }
    ef_facts_free(facts);
    return rc;
}
