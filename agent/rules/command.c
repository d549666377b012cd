/* SPDX-License-Identifier: EUPL-1.2 */
/* command: [argv...] rules: run a program without a shell, LC_ALL=C, stdin from
 * /dev/null, stdout and stderr captured (first 64 KiB), killed when it overruns its time
 * limit. Only on the live system: a fixture root has no programs of its own. */
#include "rules.h"

#include "efterlev/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_MAX (64 * 1024)
#define TIMEOUT_DEFAULT_MS 5000
#define QUOTE_MAX 80

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cmd_text(const struct ef_rule *r, char *out, size_t outlen)
{
    out[0] = '\0';
    for (char **a = r->argv; *a; a++) {
        if (a != r->argv)
            ef_text_append(out, outlen, " ", 1);
        ef_text_append(out, outlen, *a, strlen(*a));
    }
    ef_utf8_cut(out, 120);
}

int ef_run_command(char *const argv[], int timeout_ms, int *wstatus, char *buf, size_t *len,
                   char *why, size_t whylen)
{
    int outp[2], errp[2];
    const char *path = getenv("PATH");
    char pathenv[4096];
    char *envp[] = {"LC_ALL=C", pathenv, NULL};

    snprintf(pathenv, sizeof(pathenv), "PATH=%s",
             path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    if (pipe2(outp, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(errp, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        close(outp[0]);
        close(outp[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "fork: %s", strerror(errno));
        close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]);
        return -1;
    }
    if (pid == 0) {
        int e, nul = open("/dev/null", O_RDONLY);
        setpgid(0, 0);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(outp[1], 2) < 0) {
            e = errno;
        } else {
            execvpe(argv[0], argv, envp);
            e = errno;
        }
        if (write(errp[1], &e, sizeof(e)) < 0)
            _exit(126);
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);

    /* The error pipe closes on a successful exec; it carries errno when exec failed. */
    int e = 0;
    ssize_t n;
    while ((n = read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
        ;
    close(errp[0]);
    if (n == (ssize_t)sizeof(e)) {
        close(outp[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        snprintf(why, whylen, "cannot run %s: %s", argv[0],
                 e == ENOENT ? "program not found" : strerror(e));
        return -1;
    }

    long long deadline = now_ms() + timeout_ms;
    int eof = 0, timed_out = 0;
    size_t cap = *len; /* bytes buf holds besides the terminating NUL */
    *len = 0;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        if (!eof) {
            struct pollfd pfd = {.fd = outp[0], .events = POLLIN};
            int pr = poll(&pfd, 1, (int)left);
            if (pr < 0 && errno != EINTR)
                break;
            if (pr <= 0)
                continue;
            char tmp[4096];
            n = read(outp[0], tmp, sizeof(tmp));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                eof = 1;
                continue;
            }
            size_t take = (size_t)n;
            if (take > cap - *len)
                take = cap - *len; /* keep draining so the child never blocks */
            memcpy(buf + *len, tmp, take);
            *len += take;
            continue;
        }
        pid_t w = waitpid(pid, wstatus, WNOHANG);
        if (w == pid) {
            close(outp[0]);
            buf[*len] = '\0';
            return 0;
        }
        if (w < 0 && errno != EINTR)
            break;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    close(outp[0]);
    while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        snprintf(why, whylen, "%s timed out after %d ms", argv[0], timeout_ms);
    else
        snprintf(why, whylen, "%s: cannot collect output: %s", argv[0], strerror(errno));
    return -1;
}

void ef_rule_command(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    const struct ef_param *p;
    char cmd[160], why[512], piece[EF_EVIDENCE_MAX + 1];
    char fails[EF_EVIDENCE_MAX + 1] = "", oks[EF_EVIDENCE_MAX + 1] = "";
    int lv = ctx->level, wstatus = 0;
    size_t len = 0;

    cmd_text(r, cmd, sizeof(cmd));
    if (strcmp(ctx->root, "/") != 0) {
        ef_eval_set(out, EF_UNKNOWN, "`%s`: command rules run only on the live system (--root /)",
                    cmd);
        return;
    }
    char *buf = malloc(OUTPUT_MAX + 1);
    if (buf == NULL) {
        ef_eval_set(out, EF_UNKNOWN, "`%s`: out of memory", cmd);
        return;
    }
    p = ef_p(r, EF_P_TIMEOUT_MS);
    int timeout = p ? (int)p->num[lv] : TIMEOUT_DEFAULT_MS;
    len = OUTPUT_MAX;
    if (ef_run_command(r->argv, timeout, &wstatus, buf, &len, why, sizeof(why)) != 0) {
        ef_eval_set(out, EF_UNKNOWN, "%s", why);
        free(buf);
        return;
    }
    if (!WIFEXITED(wstatus)) {
        ef_eval_set(out, EF_UNKNOWN, "`%s` killed by signal %d", cmd,
                    WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
        free(buf);
        return;
    }
    int code = WEXITSTATUS(wstatus);
    if ((p = ef_p(r, EF_P_EXIT_CODE)) != NULL) {
        if (code == p->num[lv]) {
            ef_text_printf(piece, sizeof(piece), "`%s` exited %d", cmd, code);
            ef_evidence_add(oks, sizeof(oks), piece);
        } else {
            ef_text_printf(piece, sizeof(piece), "`%s` exited %d (expected %lld)", cmd, code,
                           p->num[lv]);
            ef_evidence_add(fails, sizeof(fails), piece);
        }
    }
    if ((p = ef_p(r, EF_P_OUTPUT_MATCHES)) != NULL) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->re[lv], NULL);
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        int rc = PCRE2_ERROR_NOMEMORY;
        if (md && mc) {
            pcre2_set_match_limit(mc, 1000000);
            rc = pcre2_match(p->re[lv], (PCRE2_SPTR)buf, len, 0, 0, md, mc);
        }
        if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            char q[QUOTE_MAX * 4 + 8] = "";
            size_t ql = ov[1] - ov[0];
            ef_text_append(q, sizeof(q), buf + ov[0], ql > QUOTE_MAX ? QUOTE_MAX : ql);
            ef_text_printf(piece, sizeof(piece), "`%s` output matches: %s", cmd, q);
            ef_evidence_add(oks, sizeof(oks), piece);
        } else if (rc == PCRE2_ERROR_NOMATCH) {
            ef_text_printf(piece, sizeof(piece), "`%s` output does not match '%s'", cmd,
                           p->str[lv]);
            ef_evidence_add(fails, sizeof(fails), piece);
        } else {
            ef_eval_set(out, EF_UNKNOWN, "`%s`: cannot match output (PCRE2 error %d)", cmd, rc);
            pcre2_match_context_free(mc);
            pcre2_match_data_free(md);
            free(buf);
            return;
        }
        pcre2_match_context_free(mc);
        pcre2_match_data_free(md);
    }
    free(buf);
    if (fails[0])
        ef_eval_set(out, EF_FAIL, "%s", fails);
    else
        ef_eval_set(out, EF_PASS, "%s", oks);
}
