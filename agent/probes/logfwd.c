/* SPDX-License-Identifier: EUPL-1.2 */
/* Remote log forwarding probe.
 *
 * Forwarders looked for, each with the unit that must be running:
 *   rsyslog (rsyslog.service): in /etc/rsyslog.conf and the .conf files of /etc/rsyslog.d,
 *     a legacy action "SELECTOR @host" / "@@host" / ":omrelp:host", or an action(type="omfwd") /
 *     action(type="omrelp") with its target="...";
 *   syslog-ng (syslog-ng.service): in /etc/syslog-ng/syslog-ng.conf and the .conf files of
 *     /etc/syslog-ng/conf.d, a destination block using network(), syslog(), tcp(), udp(), tcp6() or
 * udp6(); systemd-journal-upload (systemd-journal-upload.service): URL= in journal-upload.conf or
 *     its drop-ins (/etc, /run, /usr/lib);
 *   log shipping agents by unit: wazuh-agent, elastic-agent, filebeat, SplunkForwarder,
 *     fluent-bit, td-agent-bit, vector, nxlog.
 *   log.remote.forwarding: a configured forwarder whose unit is running (unknown when the
 *     only configured ones cannot be judged: systemd not running);
 *   log.remote.target: the target host of the first running (else configured) forwarder,
 *     "" when none, so a site policy can require its own collector (`matches:`). */
#include "facts.h"
#include "probe_util.h"
#include "probes/systemd_units.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONF_MAX (1024 * 1024)
#define FILES_MAX 128
#define FWD_MAX 16

struct fwd {
    const char *unit;
    char where[PATH_MAX + 32]; /* "/etc/rsyslog.d/90-remote.conf line 3" */
    char target[128];
};

struct fwds {
    struct fwd v[FWD_MAX];
    int n;
};

static void fwd_add(struct fwds *fs, const char *unit, const char *file, int line,
                    const char *target, size_t tlen)
{
    if (fs->n == FWD_MAX)
        return;
    struct fwd *w = &fs->v[fs->n++];
    w->unit = unit;
    if (line > 0)
        snprintf(w->where, sizeof(w->where), "%s line %d", file, line);
    else
        snprintf(w->where, sizeof(w->where), "%s", file);
    w->target[0] = '\0';
    ef_text_append(w->target, sizeof(w->target), target, tlen);
}

static int line_of(const char *buf, const char *at)
{
    int n = 1;
    for (const char *p = buf; p < at; p++)
        n += *p == '\n';
    return n;
}

/* Blank out comments: '#' to end of line outside double quotes, and C comments. */
static void strip_comments(char *s)
{
    int quoted = 0;
    for (char *p = s; *p; p++) {
        if (*p == '"' && (p == s || p[-1] != '\\'))
            quoted = !quoted;
        else if (*p == '\n')
            quoted = 0;
        else if (!quoted && *p == '#')
            while (*p && *p != '\n')
                *p++ = ' ';
        else if (!quoted && p[0] == '/' && p[1] == '*')
            while (*p && !(p[0] == '*' && p[1] == '/')) {
                if (*p != '\n')
                    *p = ' ';
                p++;
            }
        if (*p == '\0')
            break;
    }
}

/* The quoted value after key= within [p, end), e.g. target="logs.example". */
static int quoted_value(const char *p, const char *end, const char *key, const char **v,
                        size_t *vlen)
{
    size_t kl = strlen(key);
    for (; p + kl < end; p++) {
        if (strncasecmp(p, key, kl) != 0 || isalnum((unsigned char)p[-1]))
            continue;
        const char *q = p + kl;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q >= end || *q != '=')
            continue;
        q++;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q >= end || *q != '"')
            continue;
        const char *e = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (e == NULL)
            return 0;
        *v = q + 1;
        *vlen = (size_t)(e - q - 1);
        return 1;
    }
    return 0;
}

static void scan_rsyslog(struct ef_facts *f, const char *file, struct fwds *fs)
{
    char *buf;

    if (ef_pu_read(f, file, CONF_MAX, &buf, NULL) != 0)
        return;
    strip_comments(buf);
    /* RainerScript actions */
    for (char *a = buf; (a = strstr(a, "action(")) != NULL; a += 7) {
        char *end = strchr(a, ')');
        const char *v, *t;
        size_t vl, tl;
        if (end == NULL)
            break;
        if (quoted_value(a + 7, end, "type", &v, &vl) &&
            ((vl == 5 && strncmp(v, "omfwd", 5) == 0) ||
             (vl == 6 && strncmp(v, "omrelp", 6) == 0))) {
            if (!quoted_value(a + 7, end, "target", &t, &tl))
                t = "?", tl = 1;
            fwd_add(fs, "rsyslog.service", file, line_of(buf, a), t, tl);
        }
    }
    /* legacy actions: "SELECTOR @host", "@@host", "@(o)host", ":omrelp:host,port" */
    /* the text up to the first NUL, as strip_comments and the search above saw it */
    char *line;
    size_t len = strlen(buf), pos = 0, lineno = 0;
    while ((line = ef_pu_next_line(buf, len, &pos, &lineno)) != NULL) {
        char *s = ef_pu_trim(line), *sp = s + strcspn(s, " \t");
        if (*s == '\0' || *s == '$' || strchr(s, '.') == NULL || sp == s || *sp == '\0')
            continue;
        char *act = sp + strspn(sp, " \t");
        const char *t = NULL;
        if (act[0] == '@') {
            t = act + 1 + (act[1] == '@');
            if (*t == '(')
                t = strchr(t, ')') ? strchr(t, ')') + 1 : t;
        } else if (strncmp(act, ":omrelp:", 8) == 0) {
            t = act + 8;
        }
        if (t && *t && !isspace((unsigned char)*t))
            fwd_add(fs, "rsyslog.service", file, (int)lineno, t, strcspn(t, " \t;"));
    }
    free(buf);
}

static void scan_syslog_ng(struct ef_facts *f, const char *file, struct fwds *fs)
{
    static const char *const drivers[] = {"network(", "syslog(", "tcp(", "udp(", "tcp6(", "udp6("};
    char *buf;

    if (ef_pu_read(f, file, CONF_MAX, &buf, NULL) != 0)
        return;
    strip_comments(buf);
    for (char *d = buf; (d = strstr(d, "destination")) != NULL;) {
        if (d != buf && (isalnum((unsigned char)d[-1]) || d[-1] == '_')) {
            d += 11;
            continue;
        }
        char *open = strchr(d, '{'), *close = open ? strstr(open, "};") : NULL;
        if (close == NULL)
            break;
        for (size_t i = 0; i < EF_ARRAY_LEN(drivers); i++) {
            char *hit = strstr(open, drivers[i]);
            if (hit == NULL || hit > close)
                continue;
            if (hit > open && (isalnum((unsigned char)hit[-1]) || hit[-1] == '_' || hit[-1] == '-'))
                continue;
            char *t = hit + strlen(drivers[i]);
            t += strspn(t, " \t\n\"");
            fwd_add(fs, "syslog-ng.service", file, line_of(buf, hit), t, strcspn(t, "\" \t\n)"));
            break;
        }
        d = close + 2;
    }
    free(buf);
}

static void scan_journal_upload(struct ef_facts *f, struct fwds *fs)
{
    static const char *const dirs[] = {"/etc/systemd/journal-upload.conf.d",
                                       "/run/systemd/journal-upload.conf.d",
                                       "/usr/lib/systemd/journal-upload.conf.d"};
    char(*files)[PATH_MAX] = calloc(FILES_MAX + 1, sizeof(*files));
    char url[256] = "", where[PATH_MAX + 32] = "";
    size_t n;

    if (files == NULL)
        return;
    strlcpy(files[0], "/etc/systemd/journal-upload.conf", sizeof(files[0]));
    n = 1 + ef_pu_dropins(f, dirs, EF_ARRAY_LEN(dirs), ".conf", files + 1, FILES_MAX);
    for (size_t i = 0; i < n; i++) {
        char *buf, *line;
        size_t len, pos = 0, lineno = 0;
        int upload = 0;
        if (ef_pu_read(f, files[i], CONF_MAX, &buf, &len) != 0)
            continue;
        while ((line = ef_pu_next_line(buf, len, &pos, &lineno)) != NULL) {
            line = ef_pu_trim(line);
            if (*line == '[')
                upload = strcmp(line, "[Upload]") == 0;
            else if (upload && strncmp(line, "URL=", 4) == 0) {
                strlcpy(url, ef_pu_trim(line + 4), sizeof(url));
                snprintf(where, sizeof(where), "%s line %zu", files[i], lineno);
            }
        }
        free(buf);
    }
    free(files);
    if (url[0])
        fwd_add(fs, "systemd-journal-upload.service", where, 0, url, strlen(url));
}

static void scan_agents(struct ef_facts *f, struct fwds *fs)
{
    static const char *const agents[] = {"wazuh-agent.service", "elastic-agent.service",
                                         "filebeat.service",    "SplunkForwarder.service",
                                         "fluent-bit.service",  "td-agent-bit.service",
                                         "vector.service",      "nxlog.service"};
    for (size_t i = 0; i < EF_ARRAY_LEN(agents); i++) {
        char ev[512];
        if (ef_unit_enabled(ef_facts_root(f), agents[i], ev, sizeof(ev)) ||
            strstr(ev, "not installed") == NULL)
            fwd_add(fs, agents[i], "log shipping agent", 0, "", 0);
    }
}

static void list_files(struct ef_facts *f, const char *main, const char *dir,
                       char (*files)[PATH_MAX], size_t *n)
{
    const char *dirs[] = {dir};
    strlcpy(files[0], main, sizeof(files[0]));
    *n = 1 + ef_pu_dropins(f, dirs, 1, ".conf", files + 1, FILES_MAX);
}

void ef_probe_logfwd(struct ef_facts *f)
{
    struct fwds *fs = calloc(1, sizeof(*fs));
    char(*files)[PATH_MAX] = calloc(FILES_MAX + 1, sizeof(*files));
    size_t n;

    if (fs == NULL || files == NULL) {
        free(fs);
        free(files);
        ef_fact_unknown(f, "log.remote.forwarding", "out of memory");
        ef_fact_unknown(f, "log.remote.target", "out of memory");
        return;
    }
    list_files(f, "/etc/rsyslog.conf", "/etc/rsyslog.d", files, &n);
    for (size_t i = 0; i < n; i++)
        scan_rsyslog(f, files[i], fs);
    list_files(f, "/etc/syslog-ng/syslog-ng.conf", "/etc/syslog-ng/conf.d", files, &n);
    for (size_t i = 0; i < n; i++)
        scan_syslog_ng(f, files[i], fs);
    free(files);
    scan_journal_upload(f, fs);
    scan_agents(f, fs);

    char on[EF_EVIDENCE_MAX + 1] = "", off[EF_EVIDENCE_MAX + 1] = "", unk[EF_EVIDENCE_MAX + 1] = "";
    const char *target = NULL, *first_target = NULL;
    for (int i = 0; i < fs->n; i++) {
        struct fwd *w = &fs->v[i];
        char ev[512], piece[EF_EVIDENCE_MAX + 1];
        int a = ef_unit_active(ef_facts_root(f), w->unit, ev, sizeof(ev));
        if (w->target[0])
            ef_text_printf(piece, sizeof(piece), "forwards to %s (%s); %s", w->target, w->where,
                           ev);
        else
            ef_text_printf(piece, sizeof(piece), "%s; %s", w->where, ev);
        char *dst = a == 1 ? on : a == 0 ? off : unk;
        if (dst[0])
            ef_text_append(dst, sizeof(on), "; ", 2);
        ef_text_append(dst, sizeof(on), piece, strlen(piece));
        if (a == 1 && target == NULL && w->target[0])
            target = w->target;
        if (first_target == NULL && w->target[0])
            first_target = w->target;
    }
    if (target == NULL)
        target = first_target ? first_target : "";
    ef_fact_str(f, "log.remote.target", target, "%s",
                target[0] ? "first forwarding target configured" : "no forwarding target found");
    if (on[0])
        ef_fact_bool(f, "log.remote.forwarding", 1, "%s", on);
    else if (unk[0])
        ef_fact_unknown(f, "log.remote.forwarding", "%s", unk);
    else if (off[0])
        ef_fact_bool(f, "log.remote.forwarding", 0, "configured but not running: %s", off);
    else
        ef_fact_bool(f, "log.remote.forwarding", 0,
                     "no forwarding found (rsyslog omfwd/@host, syslog-ng network destination, "
                     "systemd-journal-upload URL=, log shipping agent)");
    free(fs);
}
