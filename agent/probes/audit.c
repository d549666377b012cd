/* SPDX-License-Identifier: EUPL-1.2 */
/* Linux audit probe.
 *
 * From the kernel command line (ROOT/proc/cmdline):
 *   audit.boot_enabled: audit=1 is given (processes started before auditd are audited);
 *   audit.backlog_limit: the value of audit_backlog_limit=, 0 when not given.
 * From the running kernel, via auditctl (fixed argv, LC_ALL=C; only on the live system and as
 * root, since the kernel answers audit status requests only to CAP_AUDIT_CONTROL; the
 * netlink records are not parsed here):
 *   audit.enabled: "enabled N" of `auditctl -s` (0 off, 1 on, 2 on and locked: rules
 *     immutable until reboot);
 *   audit.rules.complete: the rules of `auditctl -l` (the loaded ones, not the files in
 *     /etc/audit/rules.d) cover every group of the baseline below; the evidence names the
 *     missing groups and items. */
#include "facts.h"
#include "probe_util.h"
#include "run_command.h"
#include "test_hooks.h"

#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX (256 * 1024)
#define ITEMS_MAX 4096

struct loaded {
    char **paths; /* watched paths: -w PATH, -F path=, -F dir= */
    size_t npaths;
    char **calls; /* syscall names of -S */
    size_t ncalls;
    int privileged; /* execution of programs by users is audited */
    int nrules;
};

static void push(char ***list, size_t *n, const char *s, size_t len)
{
    if (*n >= ITEMS_MAX)
        return;
    char **g = reallocarray(*list, *n + 1, sizeof(**list));
    if (g == NULL)
        return;
    *list = g;
    if ((g[*n] = strndup(s, len)) != NULL)
        (*n)++;
}

static void loaded_free(struct loaded *l)
{
    for (size_t i = 0; i < l->npaths; i++)
        free(l->paths[i]);
    for (size_t i = 0; i < l->ncalls; i++)
        free(l->calls[i]);
    free(l->paths);
    free(l->calls);
}

static int has(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* One line of `auditctl -l`. */
static void parse_rule(char *line, struct loaded *l)
{
    char *sp, *tok, *prev = NULL;
    int execve = 0, permx = 0, auid = 0, euid = 0;

    if (strncmp(line, "-w ", 3) != 0 && strncmp(line, "-a ", 3) != 0)
        return;
    l->nrules++;
    for (tok = strtok_r(line, " \t", &sp); tok; prev = tok, tok = strtok_r(NULL, " \t", &sp)) {
        if (prev && strcmp(prev, "-w") == 0) {
            push(&l->paths, &l->npaths, tok, strlen(tok));
        } else if (prev && strcmp(prev, "-S") == 0) {
            for (char *c = tok; *c;) {
                size_t n = strcspn(c, ",");
                push(&l->calls, &l->ncalls, c, n);
                execve |= n == 6 && strncmp(c, "execve", 6) == 0;
                c += n + (c[n] == ',');
            }
        } else if (prev && (strcmp(prev, "-F") == 0 || strcmp(prev, "-C") == 0)) {
            if (strncmp(tok, "path=", 5) == 0)
                push(&l->paths, &l->npaths, tok + 5, strlen(tok + 5));
            else if (strncmp(tok, "dir=", 4) == 0)
                push(&l->paths, &l->npaths, tok + 4, strlen(tok + 4));
            else if (strcmp(tok, "perm=x") == 0)
                permx = 1;
            else if (strcmp(tok, "auid>=1000") == 0)
                auid = 1;
            else if (strcmp(tok, "euid!=uid") == 0 || strcmp(tok, "uid!=euid") == 0)
                euid = 1;
        }
    }
    if ((permx && auid) || (execve && (auid || euid)))
        l->privileged = 1;
}

/* The baseline: groups of watched paths and of syscalls. */
struct group {
    const char *name;
    int syscalls; /* items are syscall names, else paths */
    const char *items[8];
};

static const struct group baseline[] = {
    {"identity",
     0,
     {"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/security/opasswd", NULL}},
    {"sudoers", 0, {"/etc/sudoers", "/etc/sudoers.d", NULL}},
    {"time", 1, {"adjtimex", "settimeofday", "clock_settime", NULL}},
    {"modules", 1, {"init_module", "finit_module", "delete_module", NULL}},
};

static void judge(const struct loaded *l, char *missing, size_t cap)
{
    missing[0] = '\0';
    for (size_t g = 0; g < EF_ARRAY_LEN(baseline); g++) {
        char piece[256] = "";
        for (const char *const *it = baseline[g].items; *it; it++) {
            int ok = baseline[g].syscalls ? has(l->calls, l->ncalls, *it)
                                          : has(l->paths, l->npaths, *it);
            if (ok)
                continue;
            ef_text_append(piece, sizeof(piece), piece[0] ? ", " : "", piece[0] ? 2 : 0);
            ef_text_append(piece, sizeof(piece), *it, strlen(*it));
        }
        if (piece[0]) {
            char one[320];
            snprintf(one, sizeof(one), "%s%s (%s)", missing[0] ? "; " : "", baseline[g].name,
                     piece);
            ef_text_append(missing, cap, one, strlen(one));
        }
    }
    int sudo_log = 0;
    for (size_t i = 0; i < l->npaths; i++)
        sudo_log |= strncmp(l->paths[i], "/var/log/sudo", 13) == 0;
    if (!sudo_log) {
        const char *s = "sudo log (no watch on /var/log/sudo*)";
        ef_text_append(missing, cap, missing[0] ? "; " : "", missing[0] ? 2 : 0);
        ef_text_append(missing, cap, s, strlen(s));
    }
    if (!l->privileged) {
        const char *s = "privileged commands (no execve or perm=x rule with auid>=1000)";
        ef_text_append(missing, cap, missing[0] ? "; " : "", missing[0] ? 2 : 0);
        ef_text_append(missing, cap, s, strlen(s));
    }
}

static const char *find_auditctl(void)
{
    static const char *const cands[] = {"/usr/sbin/auditctl", "/sbin/auditctl"};
    for (size_t i = 0; i < EF_ARRAY_LEN(cands); i++)
        if (access(cands[i], X_OK) == 0)
            return cands[i];
    return NULL;
}

/* Run auditctl with one option; 0 with its output, or -1 with why. */
static int auditctl(const char *prog, const char *opt, char *out, size_t cap, char *why,
                    size_t whylen)
{
    char *argv[] = {(char *)prog, (char *)opt, NULL};
    size_t len = cap - 1;
    int ws;

    if (ef_run_command(argv, 5000, &ws, out, &len, why, whylen) != 0)
        return -1;
    out[len] = '\0';
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        char first[160] = "";
        ef_text_append(first, sizeof(first), out, strcspn(out, "\n"));
        ef_text_printf(why, whylen, "`auditctl %s` failed (exit %d): %s", opt,
                       WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, first);
        return -1;
    }
    return 0;
}

static void probe_cmdline(struct ef_facts *f)
{
    char *cmd;
    int rc = ef_pu_read(f, "/proc/cmdline", 64 * 1024, &cmd, NULL);

    if (rc != 0) {
        ef_fact_unknown(f, "audit.boot_enabled", "cannot read /proc/cmdline: %s",
                        ef_pu_errtext(rc));
        ef_fact_unknown(f, "audit.backlog_limit", "cannot read /proc/cmdline: %s",
                        ef_pu_errtext(rc));
        return;
    }
    const char *audit = NULL, *backlog = NULL;
    for (char *p = cmd; *p;) {
        size_t n = strcspn(p, " \t\n");
        if (n > 6 && strncmp(p, "audit=", 6) == 0)
            audit = p + 6;
        else if (n > 20 && strncmp(p, "audit_backlog_limit=", 20) == 0)
            backlog = p + 20;
        p += n;
        p += strspn(p, " \t\n");
    }
    if (audit == NULL)
        ef_fact_bool(f, "audit.boot_enabled", 0, "audit=1 is not on the kernel command line");
    else
        ef_fact_bool(f, "audit.boot_enabled", audit[0] == '1' && strchr(" \t\n", audit[1]),
                     "kernel command line: audit=%.*s", (int)strcspn(audit, " \t\n"), audit);
    if (backlog == NULL)
        ef_fact_int(f, "audit.backlog_limit", 0,
                    "audit_backlog_limit= is not on the kernel command line");
    else
        ef_fact_int(f, "audit.backlog_limit", strtoll(backlog, NULL, 10),
                    "kernel command line: audit_backlog_limit=%.*s", (int)strcspn(backlog, " \t\n"),
                    backlog);
    free(cmd);
}

static void both_unknown(struct ef_facts *f, const char *why)
{
    ef_fact_unknown(f, "audit.enabled", "%s", why);
    ef_fact_unknown(f, "audit.rules.complete", "%s", why);
}

static ef_audit_cmd_fn cmd_hook;

void ef_audit_set_command(ef_audit_cmd_fn fn)
{
    cmd_hook = fn;
}

static int run(const char *prog, const char *opt, char *out, size_t cap, char *why, size_t whylen)
{
    if (cmd_hook != NULL)
        return cmd_hook(opt, out, cap, why, whylen);
    return auditctl(prog, opt, out, cap, why, whylen);
}

void ef_probe_audit(struct ef_facts *f)
{
    char why[512];
    const char *prog = "auditctl";

    probe_cmdline(f);
    if (cmd_hook != NULL) {
        /* tests: canned auditctl output for any root */
    } else if (!ef_pu_is_live(f)) {
        both_unknown(f, "the kernel's audit state is known only on the live system (--root /)");
        return;
    } else if (geteuid() != 0) {
        both_unknown(f, "auditctl needs root: the kernel answers audit requests only to root");
        return;
    } else if ((prog = find_auditctl()) == NULL) {
        both_unknown(f, "auditctl is not installed (/usr/sbin/auditctl, /sbin/auditctl; "
                        "apt install auditd)");
        return;
    }
    char *out = malloc(OUT_MAX);
    if (out == NULL) {
        both_unknown(f, "out of memory");
        return;
    }
    if (run(prog, "-s", out, OUT_MAX, why, sizeof(why)) != 0) {
        ef_fact_unknown(f, "audit.enabled", "%s", why);
    } else {
        char *e = strstr(out, "enabled ");
        if (e && (e == out || e[-1] == '\n'))
            ef_fact_int(f, "audit.enabled", strtoll(e + 8, NULL, 10), "`auditctl -s`: enabled %lld",
                        strtoll(e + 8, NULL, 10));
        else
            ef_fact_unknown(f, "audit.enabled", "`auditctl -s` printed no \"enabled\" line");
    }
    if (run(prog, "-l", out, OUT_MAX, why, sizeof(why)) != 0) {
        ef_fact_unknown(f, "audit.rules.complete", "%s", why);
    } else {
        struct loaded l;
        char missing[EF_EVIDENCE_MAX + 1], *line;
        size_t pos = 0, len = strlen(out);
        memset(&l, 0, sizeof(l));
        while ((line = ef_pu_next_line(out, len, &pos, NULL)) != NULL)
            parse_rule(ef_pu_trim(line), &l);
        judge(&l, missing, sizeof(missing));
        if (missing[0])
            ef_fact_bool(f, "audit.rules.complete", 0,
                         "`auditctl -l`: %d rules loaded; missing: %s", l.nrules, missing);
        else
            ef_fact_bool(f, "audit.rules.complete", 1,
                         "`auditctl -l`: %d rules loaded, covering identity, sudoers, time, "
                         "modules, sudo log and privileged commands",
                         l.nrules);
        loaded_free(&l);
    }
    free(out);
}
