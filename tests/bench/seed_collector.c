/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-bench-seed: fill a collector's database with a municipality's worth of agents,
 * through the store interface (no HTTP, no fixture file): D departments, N agents spread
 * over them, each with one report of C checks, stored in batches (group commit). Statuses
 * are pseudo-random but fixed by the seed, so runs are comparable.
 *
 *   efterlev-bench-seed --config collector.yml [--agents 100000] [--checks 50]
 *       [--departments 100] [--seed 1] [--days-ago 0] [--evidence 0]
 *       [--reports 1]
 * With --days-ago N the reports are N days old, so the collector's first sweep writes N daily
 * snapshots (the trend's history); keep N below stale_days. With --evidence B every result's
 * evidence is padded to B bytes (at most 1024), and with --reports R each agent stores R
 * reports (seq 1..R, the same results): many big reports, fast (tests/integration/
 * export_stream.sh).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "efterlev/report.h"
#include "efterlev/util.h"
#include "store/store.h"

#define BATCH 500

static unsigned long long rng = 1;

static unsigned rnd(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng >> 33);
}

/* A valid ISO/IEC 27002:2022 control for check i. */
static void control_of(long i, char *out, size_t outlen)
{
    static const int n[] = {37, 8, 14, 34}; /* controls in themes 5..8 */
    int theme = (int)(i % 4), num = 1 + (int)((i / 4) % n[theme]);

    snprintf(out, outlen, "%d.%d", 5 + theme, num % 100);
}

static int fail_batch(struct ef_store *s, const char *what)
{
    fprintf(stderr, "efterlev-bench-seed: %s: %s\n", what, s->err);
    return 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"agents", required_argument, NULL, 'a'},
                                         {"checks", required_argument, NULL, 'k'},
                                         {"departments", required_argument, NULL, 'd'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"days-ago", required_argument, NULL, 'g'},
                                         {"evidence", required_argument, NULL, 'e'},
                                         {"reports", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL;
    long agents = 100000, checks = 50, depts = 100, evidence = 0, reports = 1, a, k;
    struct ef_coll_config cfg;
    struct ef_store *s;
    int64_t *dept_ids;
    char err[512], name[64], hash[65], id[EF_AGENT_ID_LEN + 1], mid[64], sha[65];
    unsigned char key[EF_ED25519_PUB_LEN], sig[EF_ED25519_SIG_LEN];
    time_t now = time(NULL);
    struct timespec t0, t1;
    int c, in_batch = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'a':
            agents = atol(optarg);
            break;
        case 'k':
            checks = atol(optarg);
            break;
        case 'd':
            depts = atol(optarg);
            break;
        case 's':
            rng = strtoull(optarg, NULL, 10);
            break;
        case 'g':
            now -= 86400 * atol(optarg);
            break; /* history for trends: days of snapshots */
        case 'e':
            evidence = atol(optarg);
            break;
        case 'r':
            reports = atol(optarg);
            break;
        default:
            return 2;
        }
    }
    if (config == NULL || agents < 1 || checks < 1 || checks > EF_RESULTS_MAX || depts < 1 ||
        evidence < 0 || evidence > EF_EVIDENCE_MAX || reports < 1) {
        fprintf(stderr, "usage: efterlev-bench-seed --config FILE [--agents N] [--checks C] "
                        "[--departments D] [--seed S] [--evidence BYTES] [--reports R]\n");
        return 2;
    }
    if (ef_coll_config_load(config, &cfg, err, sizeof(err)) != 0 ||
        (s = ef_store_open(cfg.database, 0, err, sizeof(err))) == NULL) {
        fprintf(stderr, "efterlev-bench-seed: %s\n", err);
        return 1;
    }
    if (s->ops->sweep(s, now, cfg.stale_days) != EF_OK)
        return fail_batch(s, "sweep");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dept_ids = calloc((size_t)depts, sizeof(*dept_ids));
    for (long d = 0; d < depts; d++) {
        snprintf(name, sizeof(name), "Förvaltning %03ld", d + 1);
        ef_sha256_hex(name, strlen(name), hash); /* never a usable token */
        if (s->ops->department_add(s, name, (ef_level)(1 + d % 3), hash, time(NULL),
                                   &dept_ids[d]) != EF_OK)
            return fail_batch(s, "department add");
    }
    for (a = 0; a < agents; a++) {
        struct ef_report r;
        struct ef_result *res;
        struct ef_agent ag;
        struct ef_enrollment e;
        struct ef_report_record rec;
        char *body;
        size_t len;

        if (!in_batch && s->ops->batch_begin != NULL) {
            if (s->ops->batch_begin(s, now) != EF_OK)
                return fail_batch(s, "begin");
            in_batch = 1;
        }
        snprintf(id, sizeof(id), "ag-%032lx", (unsigned long)a + 1);
        snprintf(mid, sizeof(mid), "seed-machine-%ld", a + 1);
        snprintf(name, sizeof(name), "pc-%06ld", a + 1);
        for (k = 0; k < (long)sizeof(key); k++)
            key[k] = (unsigned char)rnd();
        e = (struct ef_enrollment){.machine_id = mid,
                                   .hostname = name,
                                   .department_id = dept_ids[a % depts],
                                   .public_key = key,
                                   .new_agent_id = id,
                                   .now = time(NULL)};
        if (s->ops->agent_enroll(s, &e, &ag) != EF_OK)
            return fail_batch(s, "enroll");

        ef_report_init(&r);
        snprintf(r.agent_id, sizeof(r.agent_id), "%s", ag.agent_id);
        r.seq = 1;
        ef_time_rfc3339(now, r.generated_at);
        snprintf(r.host.hostname, sizeof(r.host.hostname), "%s", name);
        snprintf(r.host.machine_id, sizeof(r.host.machine_id), "%s", mid);
        snprintf(r.host.os_id, sizeof(r.host.os_id), "debian");
        snprintf(r.host.os_version, sizeof(r.host.os_version), "12");
        snprintf(r.host.os_pretty, sizeof(r.host.os_pretty), "Debian GNU/Linux 12 (bookworm)");
        snprintf(r.host.kernel, sizeof(r.host.kernel), "6.1.0-28-amd64");
        snprintf(r.host.arch, sizeof(r.host.arch), "x86_64");
        snprintf(r.agent_version, sizeof(r.agent_version), "0.1.0");
        snprintf(r.policy_id, sizeof(r.policy_id), "efterlev-default");
        snprintf(r.policy_version, sizeof(r.policy_version), "0.1.0");
        for (k = 0; k < checks; k++) {
            unsigned v = rnd() % 100;

            if ((res = ef_report_add(&r)) == NULL) {
                fprintf(stderr, "efterlev-bench-seed: out of memory\n");
                return 1;
            }
            snprintf(res->check, sizeof(res->check), "bench.check_%03ld", k + 1);
            res->status = v < 70   ? EF_PASS
                          : v < 90 ? EF_FAIL
                          : v < 96 ? EF_NA
                          : v < 99 ? EF_UNKNOWN
                                   : EF_ERROR;
            snprintf(res->evidence, sizeof(res->evidence), "seeded evidence for check %ld", k + 1);
            for (size_t n = strlen(res->evidence); n < (size_t)evidence; n++) {
                res->evidence[n] = (char)('a' + (rnd() % 26));
                res->evidence[n + 1] = '\0';
            }
            control_of(k, res->controls[0], sizeof(res->controls[0]));
            control_of(k + 7, res->controls[1], sizeof(res->controls[1]));
            res->ncontrols = 2;
            res->severity = (ef_severity)(k % 5);
            res->level = EF_LEVEL_BASIC;
            res->duration_us = 10 + k;
        }
        for (long n = 1; n <= reports; n++) {
            r.seq = (uint64_t)n;
            if ((body = ef_report_serialize(&r, &len)) == NULL) {
                fprintf(stderr, "efterlev-bench-seed: cannot serialize\n");
                return 1;
            }
            ef_sha256_hex(body, len, sha);
            memset(sig, 0x5a, sizeof(sig)); /* never verified: these agents post nothing */
            rec = (struct ef_report_record){.agent_id = ag.agent_id,
                                            .body = body,
                                            .body_len = len,
                                            .signature = sig,
                                            .sha256 = sha,
                                            .received_at = now,
                                            .report = &r};
            if (s->ops->report_store(s, &rec) != EF_OK)
                return fail_batch(s, "report store");
            free(body);
        }
        ef_report_free(&r);
        if (in_batch && ((a + 1) % BATCH == 0 || a + 1 == agents || reports > 1)) {
            if (s->ops->batch_commit(s) != EF_OK)
                return fail_batch(s, "commit");
            in_batch = 0;
        }
        if ((a + 1) % 10000 == 0)
            fprintf(stderr, "efterlev-bench-seed: %ld agents\n", a + 1);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("seeded %ld agents x %ld checks in %ld departments in %.1f s\n", agents, checks, depts,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    free(dept_ids);
    ef_store_close(s);
    return 0;
}
