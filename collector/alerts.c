/* SPDX-License-Identifier: EUPL-1.2 */
/* The alert thread. Each tick (TICK_SECS) it drains what is due; every check_interval it
 * also evaluates the departments' figures and the overdue actions, whose events the store
 * queues in the same transactions as their state changes. Sending is at least once: rows are
 * claimed for LEASE_SECS and marked sent after the receiver accepted them, so a collector
 * killed in between sends them again (receivers dedupe on the event ids, docs/alerts.md). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aggregate.h"
#include "alert_format.h"
#include "alert_send.h"
#include "alerts.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "now.h"
#include "store/store.h"

#define TICK_SECS 1
#define LEASE_SECS 300      /* longer than any one send (alert_send.c's timeouts) */
#define SINGLES_PER_TICK 50 /* without a digest: messages sent per tick at most */
#define DIGEST_CLAIM_MAX 1000000

struct ef_alerts {
    struct ef_alert_config cfg;
    struct ef_store *store;
    char secret[EF_ALERT_SECRET_MAX + 1];
    size_t secretlen;
    char password[EF_ALERT_SECRET_MAX + 1];
    int has_password;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
};

unsigned ef_alert_channels(const struct ef_alert_config *a)
{
    if (!a->enabled)
        return 0;
    return (a->webhook_url[0] != '\0' ? EF_ALERT_CH_WEBHOOK : 0) |
           (a->smtp_url[0] != '\0' ? EF_ALERT_CH_SMTP : 0);
}

/* The department figure against the configured one (ef_alert_judge_fn), rounded as the
 * figures are everywhere (one decimal). */
struct judge_ctx {
    int threshold;
    char figure[16]; /* what was judged, for the log */
};

static int judge(void *arg, const int64_t counts[EF_KINDS], char *figure, size_t len)
{
    struct judge_ctx *j = arg;
    double pct = ef_compliance_pct(counts);

    if (pct < 0) /* nothing passed, failed or missing: no figure */
        return -1;
    pct = ef_pct_round(pct);
    snprintf(figure, len, "%.1f", pct);
    snprintf(j->figure, sizeof(j->figure), "%.1f", pct);
    return pct < j->threshold;
}

static void evaluate(struct ef_alerts *x, time_t now)
{
    struct ef_store *s = x->store;
    unsigned ch = ef_alert_channels(&x->cfg);

    if (x->cfg.department_below > 0) {
        struct ef_dept_counts *v = NULL;
        size_t n = 0;

        if (s->ops->dept_counts(s, NULL, &v, &n) != EF_OK) {
            ef_error("alerts: department figures: %s", s->err);
        } else {
            /* the list only names the departments: each is judged from its counters as
             * read under its alert state's lock (store.h, alert_department) */
            for (size_t i = 0; i < n; i++) {
                struct judge_ctx j = {.threshold = x->cfg.department_below};
                int fired = 0;

                if (s->ops->alert_department(s, v[i].id, judge, &j, x->cfg.department_below, ch,
                                             now, &fired) != EF_OK)
                    ef_error("alerts: department %s: %s", v[i].name, s->err);
                else if (fired)
                    ef_info("alerts: %s fell below %d %% (%s %%)", v[i].name,
                            x->cfg.department_below, j.figure);
            }
        }
        free(v);
    }
    if (x->cfg.overdue) {
        int64_t n = 0;

        if (s->ops->alert_overdue(s, ch, now, &n) != EF_OK)
            ef_error("alerts: overdue actions: %s", s->err);
        else if (n > 0)
            ef_info("alerts: %lld action%s became overdue", (long long)n, n == 1 ? "" : "s");
    }
}

/* The wait before attempt number attempts + 1: retry_initial doubled per attempt made,
 * at most retry_max. */
static int64_t backoff(const struct ef_alert_config *a, int64_t attempts)
{
    int64_t d = a->retry_initial;

    for (int64_t i = 1; i < attempts && d < a->retry_max; i++)
        d *= 2;
    return d < a->retry_max ? d : a->retry_max;
}

/* Claim up to limit due rows of channel and send them as one message listing at most list.
 * 1 when something was claimed and sent, 0 when nothing was due, -1 when sending failed
 * (the rows wait for their retry) or the store failed. */
static int send_batch(struct ef_alerts *x, const char *channel, int webhook, int64_t limit,
                      int64_t list, time_t now)
{
    struct ef_store *s = x->store;
    unsigned char raw[EF_ALERT_CLAIM_LEN / 2];
    char claim[EF_ALERT_CLAIM_LEN + 1], err[512] = "", *text = NULL;
    struct ef_alert_event *v = NULL;
    size_t n = 0, len = 0;
    int64_t claimed = 0, failed = 0, attempts = 0;
    int sent;

    if (ef_random(raw, sizeof(raw)) != 0) {
        ef_error("alerts: no random bytes for a claim");
        return -1;
    }
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(claim + 2 * i, 3, "%02x", raw[i]);
    if (s->ops->alert_claim(s, channel, claim, limit, now, (int64_t)now + LEASE_SECS, &claimed) !=
        EF_OK) {
        ef_error("alerts: claim %s: %s", channel, s->err);
        return -1;
    }
    if (claimed == 0)
        return 0;
    if (s->ops->alert_claimed(s, claim, list, &v, &n) != EF_OK) {
        /* Left claimed: the lease gives the rows back. */
        ef_error("alerts: read %s: %s", channel, s->err);
        return -1;
    }
    {
        struct ef_alert_msg m = {v, n, claimed, claim, now};
        const char *to[EF_ALERT_RCPT_MAX];

        for (int i = 0; i < x->cfg.smtp_nto; i++)
            to[i] = x->cfg.smtp_to[i];
        text = webhook ? ef_alert_json(&m, &len)
                       : ef_alert_mail(&m, x->cfg.smtp_from, to, (size_t)x->cfg.smtp_nto, &len);
    }
    if (text == NULL)
        snprintf(err, sizeof(err), "cannot build the message (out of memory)");
    else if (webhook)
        ef_alert_post(&x->cfg, x->secret, x->secretlen, text, len, now, err, sizeof(err));
    else
        ef_alert_smtp(&x->cfg, x->has_password ? x->password : NULL, text, len, err, sizeof(err));
    sent = err[0] == '\0';
    for (size_t i = 0; i < n; i++)
        if (v[i].attempts > attempts)
            attempts = v[i].attempts;
    free(text);
    free(v);
    if (s->ops->alert_finish(s, claim, sent ? NULL : err, now,
                             (int64_t)now + backoff(&x->cfg, attempts + 1), x->cfg.retry_attempts,
                             &failed) != EF_OK) {
        ef_error("alerts: record %s: %s", channel, s->err);
        return -1;
    }
    if (sent) {
        ef_info("alerts: sent %lld event%s by %s", (long long)claimed, claimed == 1 ? "" : "s",
                channel);
        return 1;
    }
    ef_warn("alerts: %s: %s (%lld event%s, attempt %lld; retried in %llds)", channel, err,
            (long long)claimed, claimed == 1 ? "" : "s", (long long)attempts + 1,
            (long long)backoff(&x->cfg, attempts + 1));
    if (failed > 0)
        ef_error("alerts: %s: gave up on %lld event%s after %d attempts; kept as failed "
                 "(efterlev-collector alerts list --failed)",
                 channel, (long long)failed, failed == 1 ? "" : "s", x->cfg.retry_attempts);
    return -1;
}

static void drain(struct ef_alerts *x, const char *channel, int webhook, time_t now)
{
    if (x->cfg.digest_interval > 0) {
        int64_t oldest = 0;

        /* A digest collects for interval from its oldest event, then goes as one message. */
        if (x->store->ops->alert_oldest_due(x->store, channel, now, &oldest) != EF_OK) {
            ef_error("alerts: %s: %s", channel, x->store->err);
            return;
        }
        if (oldest > 0 && oldest + x->cfg.digest_interval <= (int64_t)now)
            send_batch(x, channel, webhook, DIGEST_CLAIM_MAX, x->cfg.digest_max_items, now);
        return;
    }
    for (int i = 0; i < SINGLES_PER_TICK; i++)
        if (send_batch(x, channel, webhook, 1, 1, now) != 1)
            break;
}

static void *alerts_main(void *arg)
{
    struct ef_alerts *x = arg;
    time_t next_eval = 0;

    pthread_mutex_lock(&x->mu);
    while (!x->stop) {
        struct timespec until;
        time_t now;

        pthread_mutex_unlock(&x->mu);
        now = ef_coll_now();
        if (now >= next_eval) {
            evaluate(x, now);
            next_eval = now + x->cfg.check_interval;
        }
        if (x->cfg.webhook_url[0] != '\0')
            drain(x, "webhook", 1, now);
        if (x->cfg.smtp_url[0] != '\0')
            drain(x, "smtp", 0, now);
        pthread_mutex_lock(&x->mu);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += TICK_SECS;
        while (!x->stop && pthread_cond_timedwait(&x->cv, &x->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&x->mu);
    return NULL;
}

/* A secret others may read is still used (the collector would not start otherwise, and the
 * operator may have reasons), but said loudly. */
static void warn_exposed(const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        ef_warn("alerts: %s can be read by others than its owner; chmod 600 it", path);
}

struct ef_alerts *ef_alerts_start(const struct ef_alert_config *a, const char *database, char *err,
                                  size_t errlen)
{
    struct ef_alerts *x = calloc(1, sizeof(*x));

    if (x == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    x->cfg = *a;
    if (a->webhook_url[0] != '\0' &&
        ef_alert_secret_load(a->webhook_secret_file, EF_ALERT_SECRET_MIN, x->secret, &x->secretlen,
                             err, errlen) != 0)
        goto fail;
    if (a->smtp_password_file[0] != '\0') {
        size_t plen;

        if (ef_alert_secret_load(a->smtp_password_file, 1, x->password, &plen, err, errlen) != 0)
            goto fail;
        x->has_password = 1;
        warn_exposed(a->smtp_password_file);
    }
    /* Before any thread: curl_global_init is not thread-safe. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot initialise libcurl");
        goto fail;
    }
    if ((x->store = ef_store_open(database, 0, err, errlen)) == NULL)
        goto fail_curl;
    if (pthread_mutex_init(&x->mu, NULL) != 0 || pthread_cond_init(&x->cv, NULL) != 0 ||
        pthread_create(&x->thread, NULL, alerts_main, x) != 0) {
        snprintf(err, errlen, "cannot start the alert thread");
        ef_store_close(x->store);
        goto fail_curl;
    }
    return x;
fail_curl:
    curl_global_cleanup();
fail:
    explicit_bzero(x, sizeof(*x));
    free(x);
    return NULL;
}

void ef_alerts_stop(struct ef_alerts *x)
{
    if (x == NULL)
        return;
    pthread_mutex_lock(&x->mu);
    x->stop = 1;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
    pthread_join(x->thread, NULL);
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
    ef_store_close(x->store);
    curl_global_cleanup();
    explicit_bzero(x, sizeof(*x));
    free(x);
}
