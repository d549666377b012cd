/* SPDX-License-Identifier: EUPL-1.2 */
/* Log retention probe: how far back local logs reach, and how long they are kept.
 *
 *   log.journal.oldest_days: age in days of the oldest entry of the persistent journal: the
 *     smallest head_entry_realtime (little-endian µs at offset 184 of the "LPKSHHRH" header;
 *     systemd's Journal File Format) over the .journal and .journal~ files with entries in
 *     ROOT/var/log/journal and its subdirectories. Read without libsystemd.
 *   log.logrotate.min_days: the shortest configured retention, rotate × period (daily 1,
 *     weekly 7, monthly 30.44, yearly 365.25 days; hourly 1/24), capped by maxage, among
 *     /var/log/syslog, messages, auth.log and secure that exist and that logrotate rotates
 *     (/etc/logrotate.conf, its include directives such as /etc/logrotate.d).
 *   log.retention.days: the local history kept: the larger of the journal's (its oldest
 *     entry's age, capped by journald's MaxRetentionSec=) and the text logs'
 *     (log.logrotate.min_days). Unknown when a source exists but cannot be read (journal
 *     files need root or the systemd-journal/adm group) or when neither source is there. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HDR_MIN 208 /* header up to tail_entry_monotonic */
#define OFF_N_ENTRIES 152
#define OFF_HEAD_REALTIME 184
#define FILES_MAX 4096
#define CONF_MAX (1024 * 1024)

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int is_journal(const char *name)
{
    size_t n = strlen(name);
    return (n > 8 && strcmp(name + n - 8, ".journal") == 0) ||
           (n > 9 && strcmp(name + n - 9, ".journal~") == 0);
}

struct journal_scan {
    int files, unreadable, with_entries;
    uint64_t oldest_us;
    char oldest_file[PATH_MAX];
    char why[256];
};

static void scan_journal_file(int dfd, const char *name, const char *shown, struct journal_scan *js)
{
    unsigned char h[HDR_MIN];
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    js->files++;
    if (fd < 0) {
        js->unreadable++;
        snprintf(js->why, sizeof(js->why), "cannot read %.200s: %s", shown, ef_pu_errtext(errno));
        return;
    }
    ssize_t n = pread(fd, h, sizeof(h), 0);
    close(fd);
    if (n != (ssize_t)sizeof(h) || memcmp(h, "LPKSHHRH", 8) != 0)
        return; /* empty, truncated or not a journal: holds no entries we can date */
    uint64_t entries = le64(h + OFF_N_ENTRIES), head = le64(h + OFF_HEAD_REALTIME);
    if (entries == 0 || head == 0)
        return;
    js->with_entries++;
    if (js->oldest_us == 0 || head < js->oldest_us) {
        js->oldest_us = head;
        strlcpy(js->oldest_file, shown, sizeof(js->oldest_file));
    }
}

/* Returns 0, or -1 when /var/log/journal does not exist. */
static int scan_journal(struct ef_facts *f, struct journal_scan *js)
{
    char top[PATH_MAX];
    memset(js, 0, sizeof(*js));
    if (ef_facts_path(f, top, sizeof(top), "/var/log/journal") != 0)
        return -1;
    DIR *d = opendir(top);
    if (d == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return -1;
        js->unreadable++;
        snprintf(js->why, sizeof(js->why), "cannot read /var/log/journal: %s",
                 ef_pu_errtext(errno));
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL && js->files < FILES_MAX) {
        if (de->d_name[0] == '.')
            continue;
        char shown[PATH_MAX];
        snprintf(shown, sizeof(shown), "/var/log/journal/%.200s", de->d_name);
        if (is_journal(de->d_name)) {
            scan_journal_file(dirfd(d), de->d_name, shown, js);
            continue;
        }
        int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            if (errno == EACCES) {
                js->unreadable++;
                snprintf(js->why, sizeof(js->why), "cannot read %.200s: %s", shown,
                         ef_pu_errtext(errno));
            }
            continue;
        }
        DIR *sd = fdopendir(sub);
        if (sd == NULL) {
            close(sub);
            continue;
        }
        struct dirent *fe;
        while ((fe = readdir(sd)) != NULL && js->files < FILES_MAX) {
            if (!is_journal(fe->d_name))
                continue;
            char fshown[PATH_MAX];
            snprintf(fshown, sizeof(fshown), "%.250s/%.200s", shown, fe->d_name);
            scan_journal_file(dirfd(sd), fe->d_name, fshown, js);
        }
        closedir(sd);
    }
    closedir(d);
    return 0;
}

/* ---- logrotate ---- */

static const char *const text_logs[] = {"/var/log/syslog", "/var/log/messages", "/var/log/auth.log",
                                        "/var/log/secure"};
#define NTEXT (sizeof(text_logs) / sizeof(text_logs[0]))

struct rot {
    long long rotate; /* -1 unset */
    double period;    /* days; 0 unset */
    long long maxage; /* days; 0 unset */
    int size_only;
    char period_name[16];
};

struct text_log {
    int exists, configured;
    double days;
    char how[200];
};

static const char *const taboo[] = {".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-bak",
                                    ".dpkg-del", ".ucf-old",   ".ucf-dist", ".ucf-new",
                                    ".rpmsave",  ".rpmorig",   ".rpmnew",   ".disabled",
                                    ".bak",      ".swp",       "~",         ".cfsaved"};

static int taboo_name(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(taboo) / sizeof(taboo[0]); i++) {
        size_t t = strlen(taboo[i]);
        if (n >= t && strcmp(name + n - t, taboo[i]) == 0)
            return 1;
    }
    return 0;
}

static int directive(char *line, struct rot *r)
{
    char *sp, *w = strtok_r(line, " \t", &sp), *arg = strtok_r(NULL, " \t", &sp);
    if (w == NULL)
        return 0;
    if (strcmp(w, "rotate") == 0 && arg)
        r->rotate = strtoll(arg, NULL, 10);
    else if (strcmp(w, "daily") == 0)
        r->period = 1, r->size_only = 0, strlcpy(r->period_name, "daily", 16);
    else if (strcmp(w, "weekly") == 0)
        r->period = 7, r->size_only = 0, strlcpy(r->period_name, "weekly", 16);
    else if (strcmp(w, "monthly") == 0)
        r->period = 30.44, r->size_only = 0, strlcpy(r->period_name, "monthly", 16);
    else if (strcmp(w, "yearly") == 0)
        r->period = 365.25, r->size_only = 0, strlcpy(r->period_name, "yearly", 16);
    else if (strcmp(w, "hourly") == 0)
        r->period = 1.0 / 24, r->size_only = 0, strlcpy(r->period_name, "hourly", 16);
    else if (strcmp(w, "maxage") == 0 && arg)
        r->maxage = strtoll(arg, NULL, 10);
    else if (strcmp(w, "size") == 0)
        r->size_only = 1;
    else
        return 0;
    return 1;
}

struct lr_ctx {
    struct ef_facts *f;
    struct rot global;
    struct text_log logs[NTEXT];
    int depth;
};

static void lr_file(struct lr_ctx *c, const char *path);

static void lr_include(struct lr_ctx *c, const char *target)
{
    char full[PATH_MAX];
    struct stat st;
    if (c->depth > 2 || ef_facts_path(c->f, full, sizeof(full), target) != 0 ||
        stat(full, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        lr_file(c, target);
        return;
    }
    char(*files)[PATH_MAX] = calloc(256, sizeof(*files));
    const char *dirs[] = {target};
    size_t n = files ? ef_pu_dropins(c->f, dirs, 1, NULL, files, 256) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *b = strrchr(files[i], '/');
        if (!taboo_name(b ? b + 1 : files[i]))
            lr_file(c, files[i]);
    }
    free(files);
}

static void apply_block(struct lr_ctx *c, char patterns[][PATH_MAX], int npat, const struct rot *r,
                        const char *path, int line)
{
    for (size_t i = 0; i < NTEXT; i++) {
        struct text_log *t = &c->logs[i];
        if (!t->exists || t->configured)
            continue;
        int hit = 0;
        for (int k = 0; k < npat && !hit; k++)
            hit = fnmatch(patterns[k], text_logs[i], 0) == 0;
        if (!hit)
            continue;
        t->configured = 1;
        if (r->size_only) {
            t->days = -1;
            snprintf(t->how, sizeof(t->how), "%s rotated by size (%.120s line %d)", text_logs[i],
                     path, line);
            continue;
        }
        long long rot = r->rotate < 0 ? 0 : r->rotate;
        double period = r->period > 0 ? r->period : 1;
        t->days = (double)rot * period;
        if (r->maxage > 0 && (double)r->maxage < t->days)
            t->days = (double)r->maxage;
        snprintf(t->how, sizeof(t->how), "%s rotate %lld %s%s = %lld days (%.100s line %d)",
                 text_logs[i], rot, r->period_name[0] ? r->period_name : "daily",
                 r->maxage > 0 && (double)r->maxage <= (double)rot * period ? " (maxage)" : "",
                 (long long)t->days, path, line);
    }
}

static void lr_file(struct lr_ctx *c, const char *path)
{
    char *buf, *line;
    char(*pat)[PATH_MAX] = calloc(32, sizeof(*pat));
    int npat = 0, inblock = 0, inscript = 0, blockline = 0;
    size_t len, pos = 0, lineno = 0;
    struct rot r;

    if (pat == NULL || ef_pu_read(c->f, path, CONF_MAX, &buf, &len) != 0) {
        free(pat);
        return;
    }
    c->depth++;
    while ((line = ef_pu_next_line(buf, len, &pos, &lineno)) != NULL) {
        line = ef_pu_trim(line);
        if (*line == '#' || *line == '\0')
            continue;
        if (inscript) {
            if (strcmp(line, "endscript") == 0)
                inscript = 0;
            continue;
        }
        if (inblock) {
            if (*line == '}') {
                apply_block(c, pat, npat, &r, path, blockline);
                inblock = 0;
                npat = 0;
                continue;
            }
            if (strncmp(line, "postrotate", 10) == 0 || strncmp(line, "prerotate", 9) == 0 ||
                strncmp(line, "firstaction", 11) == 0 || strncmp(line, "lastaction", 10) == 0 ||
                strncmp(line, "preremove", 9) == 0) {
                inscript = 1;
                continue;
            }
            directive(line, &r);
            continue;
        }
        if (*line == '/' || *line == '"' || *line == '\'' || *line == '{') {
            /* file patterns, maybe followed by '{' */
            char *brace = strchr(line, '{');
            if (brace)
                *brace = '\0';
            char *sp, *tok;
            for (tok = strtok_r(line, " \t", &sp); tok; tok = strtok_r(NULL, " \t", &sp)) {
                size_t l = strlen(tok);
                if ((*tok == '"' || *tok == '\'') && l >= 2 && tok[l - 1] == *tok) {
                    tok[l - 1] = '\0';
                    tok++;
                }
                if (npat < 32 && *tok)
                    strlcpy(pat[npat++], tok, PATH_MAX);
            }
            if (brace) {
                inblock = 1;
                blockline = (int)lineno;
                r = c->global;
            }
            continue;
        }
        if (strncmp(line, "include", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
            lr_include(c, ef_pu_trim(line + 8));
            continue;
        }
        directive(line, &c->global);
    }
    c->depth--;
    free(buf);
    free(pat);
}

static void probe_logrotate(struct ef_facts *f, struct lr_ctx *c)
{
    memset(c, 0, sizeof(*c));
    c->f = f;
    c->global.rotate = -1;
    for (size_t i = 0; i < NTEXT; i++) {
        char full[PATH_MAX];
        struct stat st;
        c->logs[i].exists = ef_facts_path(f, full, sizeof(full), text_logs[i]) == 0 &&
                            lstat(full, &st) == 0 && S_ISREG(st.st_mode);
    }
    lr_file(c, "/etc/logrotate.conf");
}

void ef_probe_logretention(struct ef_facts *f)
{
    struct journal_scan js;
    struct lr_ctx *lr = calloc(1, sizeof(*lr));
    char jev[EF_EVIDENCE_MAX + 1] = "", tev[EF_EVIDENCE_MAX + 1] = "", unk[512] = "";
    long long jdays = -1, tdays = -1;

    if (lr == NULL) {
        ef_fact_unknown(f, "log.journal.oldest_days", "out of memory");
        ef_fact_unknown(f, "log.logrotate.min_days", "out of memory");
        ef_fact_unknown(f, "log.retention.days", "out of memory");
        return;
    }
    /* journal */
    if (scan_journal(f, &js) != 0) {
        ef_fact_unknown(f, "log.journal.oldest_days",
                        "no persistent journal (/var/log/journal does not exist)");
    } else if (js.unreadable && js.with_entries == 0) {
        ef_fact_unknown(f, "log.journal.oldest_days", "%s", js.why);
        snprintf(unk, sizeof(unk), "journal: %s", js.why);
    } else if (js.with_entries == 0) {
        ef_fact_unknown(f, "log.journal.oldest_days",
                        "no journal file with entries in /var/log/journal (%d files)", js.files);
    } else {
        time_t oldest = (time_t)(js.oldest_us / 1000000u);
        long long age = (long long)(ef_facts_time(f) - oldest);
        char when[32];
        ef_time_rfc3339(oldest, when);
        jdays = age < 0 ? 0 : age / 86400;
        ef_fact_int(f, "log.journal.oldest_days", jdays, "oldest journal entry %s (%s)", when,
                    js.oldest_file);
        if (js.unreadable) /* some files unreadable: an older entry may hide there */
            snprintf(unk, sizeof(unk), "journal: %s", js.why);
        const struct ef_fact *mr = ef_facts_get(f, "log.journald.max_retention_days");
        long long cap = mr && mr->known ? mr->i : 0;
        ef_text_printf(jev, sizeof(jev), "journal: oldest entry %s, %lld days ago", when, jdays);
        if (cap > 0 && cap < jdays) {
            jdays = cap;
            char more[160];
            snprintf(more, sizeof(more), ", kept at most %lld days (MaxRetentionSec)", cap);
            ef_text_append(jev, sizeof(jev), more, strlen(more));
        }
    }
    /* text logs */
    probe_logrotate(f, lr);
    double least = -1;
    int nexist = 0, nsize = 0;
    char sizehow[200] = "";
    for (size_t i = 0; i < NTEXT; i++) {
        struct text_log *t = &lr->logs[i];
        nexist += t->exists;
        if (!t->configured)
            continue;
        if (t->days < 0) {
            if (nsize++ == 0)
                strlcpy(sizehow, t->how, sizeof(sizehow));
            continue;
        }
        if (least < 0 || t->days < least) {
            least = t->days;
            strlcpy(tev, t->how, sizeof(tev));
        }
    }
    if (least >= 0) {
        tdays = (long long)least;
        ef_fact_int(f, "log.logrotate.min_days", tdays, "logrotate: %s", tev);
    } else if (nexist == 0) {
        ef_fact_unknown(f, "log.logrotate.min_days",
                        "none of /var/log/syslog, messages, auth.log, secure exists");
    } else if (nsize) {
        ef_fact_unknown(f, "log.logrotate.min_days", "text logs rotated by size only: %s", sizehow);
    } else {
        ef_fact_unknown(f, "log.logrotate.min_days",
                        "logrotate does not rotate /var/log/syslog, messages, auth.log or secure");
    }
    free(lr);

    /* combined */
    char ev[EF_EVIDENCE_MAX + 1] = "";
    if (jev[0])
        ef_text_append(ev, sizeof(ev), jev, strlen(jev));
    if (tdays >= 0) {
        char t[EF_EVIDENCE_MAX + 1];
        ef_text_printf(t, sizeof(t), "%slogrotate: %s", ev[0] ? "; " : "", tev);
        ef_text_append(ev, sizeof(ev), t, strlen(t));
    }
    if (unk[0])
        ef_fact_unknown(f, "log.retention.days", "%s%s%s", unk, ev[0] ? "; " : "", ev);
    else if (jdays < 0 && tdays < 0)
        ef_fact_unknown(f, "log.retention.days",
                        "no local log history found: no persistent journal with entries, and "
                        "no logrotate retention for /var/log/syslog, messages, auth.log or "
                        "secure");
    else
        ef_fact_int(f, "log.retention.days", jdays > tdays ? jdays : tdays, "%s", ev);
}
