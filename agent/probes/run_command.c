/* SPDX-License-Identifier: EUPL-1.2 */
/* ef_run_command: fork, exec without a shell, collect output under a deadline. */
#include "run_command.h"

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

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
