/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-bench-ingest: a load generator for the collector's ingest path. It enrolls N
 * simulated agents (each with its own Ed25519 key), prepares M signed reports of R results
 * per agent before the clock starts, then posts them over HTTPS with C connections in
 * parallel (libcurl multi), keeping each agent's reports in seq order. It prints reports per
 * second, latency percentiles and, given the collector's pid, its CPU time per report.
 *
 *   efterlev-bench-ingest --url https://127.0.0.1:8443 --ca ca.pem --token TOKEN
 *       [--agents 100] [--reports 10] [--results 50] [--concurrency 16]
 *       [--new-connection] [--resume] [--collector-pid PID] [--name-prefix P]
 *   efterlev-bench-ingest --policy-out FILE [--results 50]
 *
 * --policy-out writes the policy holding the checks the reports name (with the controls and
 * severities they claim) and exits: the collector counts only results of checks in its
 * catalog (collector.yml `policies`), so the benchmark's collector is given this one.
 */
#include "efterlev/report.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"

#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct job {
    char agent_id[EF_ID_MAX + 1];
    char *body;
    size_t len;
    char *sig; /* header value */
};

struct lane { /* one connection: the reports of its agents, in order */
    CURL *easy;
    struct curl_slist *hdrs;
    size_t *jobs;
    size_t njobs, next;
    double started;
};

static struct {
    const char *url, *ca, *token, *prefix;
    long agents, reports, results, concurrency, pid;
    int new_conn, resume;
} opt = {.agents = 100, .reports = 10, .results = 50, .concurrency = 16, .prefix = ""};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static size_t collect(char *p, size_t s, size_t n, void *u)
{
    char **buf = u;
    size_t old = *buf ? strlen(*buf) : 0, add = s * n;
    char *nb = realloc(*buf, old + add + 1);
    if (nb == NULL)
        return 0;
    memcpy(nb + old, p, add);
    nb[old + add] = '\0';
    *buf = nb;
    return add;
}

static void setup_tls(CURL *c)
{
    curl_easy_setopt(c, CURLOPT_CAINFO, opt.ca);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
}

/* Enroll one simulated agent; returns its key, fills agent_id. */
static EVP_PKEY *enroll(long i, char *agent_id, size_t cap)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    char *pub = key ? ef_key_public_b64(key) : NULL;
    char host[64], mid[64], url[1024], *answer = NULL;
    snprintf(host, sizeof(host), "%sbench-%06ld", opt.prefix, i);
    snprintf(mid, sizeof(mid), "%sbench-machine-%06ld", opt.prefix, i);
    char *proof = pub ? ef_enroll_proof(key, opt.token, mid, host, pub) : NULL;
    json_t *req =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", opt.token, "hostname", host, "machine_id",
                  mid, "public_key", pub ? pub : "", "proof", proof ? proof : "");
    free(proof);
    char *body = json_dumps(req, JSON_COMPACT);
    snprintf(url, sizeof(url), "%s/api/v1/enroll", opt.url);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    setup_tls(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    json_t *a = status == 201 ? json_loads(answer, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(a, "agent_id"));
    if (id == NULL) {
        fprintf(stderr, "efterlev-bench-ingest: enrollment %ld failed (HTTP %ld): %s\n", i, status,
                answer ? answer : "no answer");
        exit(1);
    }
    strlcpy(agent_id, id, cap);
    json_decref(a);
    json_decref(req);
    free(body);
    free(pub);
    free(answer);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return key;
}

static const char *const bench_controls[] = {"8.24", "8.8", "8.15", "5.17",
                                             "8.5",  "8.9", "8.20", "7.10"};

/* The policy of the checks make_job's reports name, as a collector catalog. 0 or -1. */
static int write_policy(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    fprintf(f, "policy:\n  id: bench\n  version: \"1\"\nchecks:\n");
    for (long k = 0; k < opt.results; k++)
        fprintf(f,
                "  - id: bench.check_%03ld\n    title: Bench check %ld\n    description: d\n"
                "    rationale: r\n    remediation: m\n    controls: [\"%s\", \"%s\"]\n"
                "    severity: %s\n    level: basic\n    all:\n"
                "      - file: /etc/passwd\n        exists: true\n",
                k, k, bench_controls[k % 8], bench_controls[(k + 3) % 8],
                ef_severity_name((ef_severity)(k % 5)));
    return fclose(f) == 0 ? 0 : -1;
}

/* A realistic report: R results over a spread of statuses, controls and evidence. */
static void make_job(struct job *j, EVP_PKEY *key, const char *agent_id, long agent, long seq)
{
    const char *const *ctl = bench_controls;
    struct ef_report r;
    ef_report_init(&r);
    strlcpy(r.agent_id, agent_id, sizeof(r.agent_id));
    r.seq = (uint64_t)seq;
    ef_now_rfc3339(r.generated_at);
    snprintf(r.host.hostname, sizeof(r.host.hostname), "%sbench-%06ld", opt.prefix, agent);
    snprintf(r.host.machine_id, sizeof(r.host.machine_id), "%sbench-machine-%06ld", opt.prefix,
             agent);
    strcpy(r.host.os_id, "debian");
    strcpy(r.host.os_version, "12");
    strcpy(r.host.os_pretty, "Debian GNU/Linux 12 (bookworm)");
    strcpy(r.host.kernel, "6.1.0-28-amd64");
    strcpy(r.host.arch, "x86_64");
    strcpy(r.agent_version, EFTERLEV_VERSION);
    strcpy(r.policy_id, "efterlev-default");
    strcpy(r.policy_version, "0.1.0");
    memset(r.policy_sha256, 'b', 64);
    for (long k = 0; k < opt.results; k++) {
        struct ef_result *x = ef_report_add(&r);
        snprintf(x->check, sizeof(x->check), "bench.check_%03ld", k);
        x->status =
            (ef_status)((agent + k + seq) % 7 == 0 ? EF_FAIL : (k % 11 == 0 ? EF_NA : EF_PASS));
        snprintf(x->evidence, sizeof(x->evidence),
                 "/etc/bench/%03ld.conf line %ld: Setting%ld yes (expected no)", k, k + 3, k);
        strcpy(x->controls[0], ctl[k % 8]);
        strcpy(x->controls[1], ctl[(k + 3) % 8]);
        x->ncontrols = 2;
        x->severity = (ef_severity)(k % 5);
        x->level = EF_LEVEL_BASIC;
        x->duration_us = (uint64_t)(10 + k);
    }
    j->body = ef_report_serialize(&r, &j->len);
    j->sig = ef_sign_header(key, j->body, j->len);
    strlcpy(j->agent_id, agent_id, sizeof(j->agent_id));
    ef_report_free(&r);
}

static long cpu_ticks(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* fields after the command: state ppid ... utime(14) stime(15) */
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (long)(ut + st);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void start_next(CURLM *m, struct lane *l, struct job *jobs, const char *url)
{
    struct job *j = &jobs[l->jobs[l->next]];
    char agent_hdr[EF_ID_MAX + 32], sig_hdr[160];
    curl_slist_free_all(l->hdrs);
    snprintf(agent_hdr, sizeof(agent_hdr), "Efterlev-Agent: %s", j->agent_id);
    snprintf(sig_hdr, sizeof(sig_hdr), "Efterlev-Signature: %s", j->sig);
    l->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    l->hdrs = curl_slist_append(l->hdrs, "Expect:");
    l->hdrs = curl_slist_append(l->hdrs, agent_hdr);
    l->hdrs = curl_slist_append(l->hdrs, sig_hdr);
    curl_easy_setopt(l->easy, CURLOPT_URL, url);
    curl_easy_setopt(l->easy, CURLOPT_HTTPHEADER, l->hdrs);
    curl_easy_setopt(l->easy, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(l->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->len);
    l->started = now_s();
    curl_multi_add_handle(m, l->easy);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"url", required_argument, NULL, 'u'},
                                       {"ca", required_argument, NULL, 'c'},
                                       {"token", required_argument, NULL, 't'},
                                       {"agents", required_argument, NULL, 'a'},
                                       {"reports", required_argument, NULL, 'r'},
                                       {"results", required_argument, NULL, 'R'},
                                       {"concurrency", required_argument, NULL, 'C'},
                                       {"collector-pid", required_argument, NULL, 'p'},
                                       {"new-connection", no_argument, NULL, 'n'},
                                       {"resume", no_argument, NULL, 's'},
                                       {"name-prefix", required_argument, NULL, 'P'},
                                       {"policy-out", required_argument, NULL, 'O'},
                                       {NULL, 0, NULL, 0}};
    const char *policy_out = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'u':
            opt.url = optarg;
            break;
        case 'P': /* several generators at once: distinct machines */
            if (strlen(optarg) > 16) {
                fprintf(stderr, "efterlev-bench-ingest: --name-prefix: at most 16 characters\n");
                return 2;
            }
            opt.prefix = optarg;
            break;
        case 'c':
            opt.ca = optarg;
            break;
        case 't':
            opt.token = optarg;
            break;
        case 'a':
            opt.agents = atol(optarg);
            break;
        case 'r':
            opt.reports = atol(optarg);
            break;
        case 'R':
            opt.results = atol(optarg);
            break;
        case 'C':
            opt.concurrency = atol(optarg);
            break;
        case 'p':
            opt.pid = atol(optarg);
            break;
        case 'n':
            opt.new_conn = 1;
            break;
        case 's':
            opt.resume = 1;
            break;
        case 'O':
            policy_out = optarg;
            break;
        default:
            fprintf(stderr, "usage: see the comment at the top of tests/bench/ingest_load.c\n");
            return 2;
        }
    }
    if (policy_out != NULL) {
        if (opt.results < 1 || opt.results > EF_RESULTS_MAX || write_policy(policy_out) != 0) {
            fprintf(stderr, "efterlev-bench-ingest: cannot write %s\n", policy_out);
            return 1;
        }
        return 0;
    }
    if (!opt.url || !opt.ca || !opt.token || opt.agents < 1 || opt.reports < 1 ||
        opt.concurrency < 1 || opt.results < 1 || opt.results > EF_RESULTS_MAX) {
        fprintf(stderr, "efterlev-bench-ingest: --url, --ca and --token are required\n");
        return 2;
    }
    if (opt.concurrency > opt.agents)
        opt.concurrency = opt.agents;
    curl_global_init(CURL_GLOBAL_DEFAULT);

    /* Prepare everything before the clock starts. */
    size_t njobs = (size_t)(opt.agents * opt.reports);
    struct job *jobs = calloc(njobs, sizeof(*jobs));
    struct lane *lanes = calloc((size_t)opt.concurrency, sizeof(*lanes));
    double *lat = calloc(njobs, sizeof(double));
    for (long a = 0; a < opt.agents; a++) {
        char id[EF_ID_MAX + 1];
        EVP_PKEY *key = enroll(a, id, sizeof(id));
        for (long s = 0; s < opt.reports; s++)
            make_job(&jobs[(size_t)(a * opt.reports + s)], key, id, a, s + 1);
        EVP_PKEY_free(key);
    }
    /* Agent a's reports all go through lane a % C, oldest first: seq order per agent. */
    for (long l = 0; l < opt.concurrency; l++) {
        lanes[l].jobs = calloc(njobs, sizeof(size_t));
        lanes[l].easy = curl_easy_init();
        setup_tls(lanes[l].easy);
        curl_easy_setopt(lanes[l].easy, CURLOPT_WRITEFUNCTION, sink);
        if (opt.new_conn) {
            curl_easy_setopt(lanes[l].easy, CURLOPT_FORBID_REUSE, 1L);
            curl_easy_setopt(lanes[l].easy, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(lanes[l].easy, CURLOPT_SSL_SESSIONID_CACHE, opt.resume ? 1L : 0L);
        }
    }
    for (long s = 0; s < opt.reports; s++)
        for (long a = 0; a < opt.agents; a++) {
            struct lane *l = &lanes[a % opt.concurrency];
            l->jobs[l->njobs++] = (size_t)(a * opt.reports + s);
        }

    char url[1024];
    snprintf(url, sizeof(url), "%s/api/v1/reports", opt.url);
    CURLM *m = curl_multi_init();
    long cpu0 = opt.pid ? cpu_ticks(opt.pid) : -1;
    double t0 = now_s();
    size_t done = 0, failed = 0;
    for (long l = 0; l < opt.concurrency; l++)
        if (lanes[l].njobs > 0)
            start_next(m, &lanes[l], jobs, url);
    int running = 1;
    while (running || done + failed < njobs) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct lane *l = NULL;
            for (long k = 0; k < opt.concurrency && !l; k++)
                if (lanes[k].easy == msg->easy_handle)
                    l = &lanes[k];
            long status = 0;
            curl_easy_getinfo(l->easy, CURLINFO_RESPONSE_CODE, &status);
            curl_multi_remove_handle(m, l->easy);
            if (msg->data.result == CURLE_OK && status == 202) {
                lat[done++] = now_s() - l->started;
            } else {
                if (failed++ < 5)
                    fprintf(stderr, "efterlev-bench-ingest: report failed: %s, HTTP %ld\n",
                            curl_easy_strerror(msg->data.result), status);
            }
            if (++l->next < l->njobs)
                start_next(m, l, jobs, url);
        }
        if (done + failed < njobs)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double wall = now_s() - t0;
    long cpu1 = opt.pid ? cpu_ticks(opt.pid) : -1;

    qsort(lat, done, sizeof(double), cmp_double);
    double p50 = done ? lat[done / 2] : 0, p99 = done ? lat[(size_t)((double)done * 0.99)] : 0;
    printf("ingest: agents=%ld reports=%zu results=%ld concurrency=%ld connection=%s\n", opt.agents,
           njobs, opt.results, opt.concurrency,
           opt.new_conn
               ? (opt.resume ? "new per report, TLS resumption" : "new per report, full handshake")
               : "keep-alive");
    printf("ingest: %zu stored, %zu failed in %.3f s: %.0f reports/s; latency p50 %.2f ms, "
           "p99 %.2f ms",
           done, failed, wall, (double)done / wall, p50 * 1e3, p99 * 1e3);
    if (cpu0 >= 0 && cpu1 >= 0 && done > 0)
        printf("; collector CPU %.0f us/report",
               (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK) * 1e6 / (double)done);
    printf("\n");

    for (size_t i = 0; i < njobs; i++) {
        free(jobs[i].body);
        free(jobs[i].sig);
    }
    for (long l = 0; l < opt.concurrency; l++) {
        curl_slist_free_all(lanes[l].hdrs);
        curl_easy_cleanup(lanes[l].easy);
        free(lanes[l].jobs);
    }
    curl_multi_cleanup(m);
    free(jobs);
    free(lanes);
    free(lat);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
