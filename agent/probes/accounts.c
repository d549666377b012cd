/* SPDX-License-Identifier: EUPL-1.2 */
/* Accounts probe: local accounts from ROOT/etc/passwd and ROOT/etc/shadow, judged with
 * ROOT/etc/login.defs (UID_MIN, default 1000; last assignment wins) and ROOT/etc/shells.
 *
 * An account is interactive when UID_MIN <= uid, uid != 65534 (nobody), and its shell is a
 * login shell (empty means /bin/sh; not one ending in /nologin, not /bin/false, /usr/bin/false;
 * listed in /etc/shells when that file exists). Its password is usable unless the shadow field
 * starts with '!' or '*'. An account whose shadow expiry date (field 8) has passed is
 * disabled and not counted.
 *
 *   accounts.password_max_days_max   largest shadow maximum age (field 5) of the
 *                                     interactive accounts with a usable password; an empty
 *                                     field (no maximum) counts as 99999
 *   accounts.password_inactive_max   largest shadow inactivity period (field 7) of the same
 *                                     accounts; empty (never locked) counts as 99999
 *   accounts.dormant_days_max        largest number of days since an interactive, usable
 *                                     account last logged in (binary /var/log/lastlog,
 *                                     records of 292 bytes indexed by uid); never logged in:
 *                                     since the last password change (field 3); neither:
 *                                     99999
 *   accounts.system_login_count      accounts with uid < UID_MIN (or 65534), other than
 *                                     root, sync, shutdown and halt, whose shell is not
 *                                     nologin or false and whose password is usable
 *
 * The probe reports facts and judges nothing: the limits (365 days, 45 days, ...) are
 * parameters of the checks in checks/policies/40-accounts.yml. The evidence of the first
 * three facts lists the accounts' values, largest first. Evidence names accounts and numbers
 * only; never password fields. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/array.h"
#include "efterlev/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NEVER 99999
#define LASTLOG_RECORD 292 /* int32 time, char line[32], char host[256] */
#define LIST_MAX 5

struct user {
    char *name;
    unsigned long uid;
    char *shell;
    char *pw; /* passwd field 2 */
    int in_shadow;
    int locked;    /* shadow password starts with ! or *, or no usable entry */
    long lastchg;  /* days since epoch, -1 empty */
    long maxdays;  /* -1 empty */
    long inactive; /* -1 empty */
    long expire;   /* -1 empty */
    long age;      /* maxdays, NEVER when empty */
    long inact;    /* inactive, NEVER when empty */
};

/* Split a line at ':' into at most max fields in place; returns the count. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    fields[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ':') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    return n;
}

static long num_field(const char *s)
{
    char *end;
    if (*s == '\0')
        return -1;
    long v = strtol(s, &end, 10);
    return *end == '\0' ? v : -1;
}

static long login_defs_long(const char *buf, size_t len, const char *key, long dflt)
{
    char *copy = malloc(len + 1), *line;
    size_t pos = 0, ln = 0, klen = strlen(key);
    long v = dflt;
    if (copy == NULL)
        return dflt;
    memcpy(copy, buf, len + 1);
    while ((line = ef_pu_next_line(copy, len, &pos, &ln)) != NULL) {
        line = ef_pu_skip_ws(line);
        if (strncmp(line, key, klen) != 0 || (line[klen] != ' ' && line[klen] != '\t'))
            continue;
        char *end;
        long x = strtol(ef_pu_skip_ws(line + klen), &end, 10);
        if (end != ef_pu_skip_ws(line + klen))
            v = x;
    }
    free(copy);
    return v;
}

static int nologin_shell(const char *sh)
{
    size_t n = strlen(sh);
    return (n >= 8 && strcmp(sh + n - 8, "/nologin") == 0) || strcmp(sh, "/bin/false") == 0 ||
           strcmp(sh, "/usr/bin/false") == 0;
}

static int in_shells(const char *shells, const char *sh)
{
    size_t n = strlen(sh);
    for (const char *p = shells; (p = strstr(p, sh)) != NULL; p += n)
        if ((p == shells || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0' || p[n] == '\r'))
            return 1;
    return 0;
}

/* An evidence list of accounts: the first LIST_MAX, then "and N more". */
struct listing {
    struct ef_textlist l;
    char text[EF_EVIDENCE_MAX + 1];
};

static void listing_init(struct listing *l)
{
    ef_textlist_init(&l->l, l->text, sizeof(l->text), ", ", LIST_MAX);
}

#define IDLE_MAX 4096

struct idle {
    long days;
    char text[200];
};

static int idle_cmp(const void *a, const void *b)
{
    const struct idle *x = a, *y = b;
    if (x->days != y->days)
        return x->days > y->days ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* Interactive accounts by maximum password age, then by inactivity period: largest first,
 * then by name. */
static int by_age(const void *a, const void *b)
{
    const struct user *x = *(struct user *const *)a, *y = *(struct user *const *)b;
    if (x->age != y->age)
        return x->age > y->age ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int by_inactivity(const void *a, const void *b)
{
    const struct user *x = *(struct user *const *)a, *y = *(struct user *const *)b;
    if (x->inact != y->inact)
        return x->inact > y->inact ? -1 : 1;
    return strcmp(x->name, y->name);
}

static const char *const FACTS_SHADOW[] = {"accounts.password_max_days_max",
                                           "accounts.password_inactive_max",
                                           "accounts.dormant_days_max"};

void ef_probe_accounts(struct ef_facts *f)
{
    char *pwbuf = NULL, *shbuf = NULL, *defs = NULL, *shells = NULL;
    size_t pwlen, shlen, deflen, shellslen;
    struct user *u = NULL, **inter = NULL;
    size_t nu = 0, cap = 0;
    long today = (long)(ef_facts_time(f) / EF_PU_DAY);

    int rc = ef_pu_read(f, "/etc/passwd", EF_PU_FILE_MAX, &pwbuf, &pwlen);
    if (rc != 0) {
        for (size_t i = 0; i < EF_ARRAY_LEN(FACTS_SHADOW); i++)
            ef_fact_unknown(f, FACTS_SHADOW[i], "cannot read /etc/passwd: %s", ef_pu_errtext(rc));
        ef_fact_unknown(f, "accounts.system_login_count", "cannot read /etc/passwd: %s",
                        ef_pu_errtext(rc));
        return;
    }
    long uid_min = 1000;
    if (ef_pu_read(f, "/etc/login.defs", EF_PU_FILE_MAX, &defs, &deflen) == 0)
        uid_min = login_defs_long(defs, deflen, "UID_MIN", 1000);
    int have_shells = ef_pu_read(f, "/etc/shells", EF_PU_FILE_MAX, &shells, &shellslen) == 0;
    int shadow_rc = ef_pu_read(f, "/etc/shadow", EF_PU_FILE_MAX, &shbuf, &shlen);

    size_t pos = 0, ln = 0;
    char *line;
    while ((line = ef_pu_next_line(pwbuf, pwlen, &pos, &ln)) != NULL) {
        char *fl[7];
        if (*line == '\0' || *line == '#' || *line == '+' || *line == '-')
            continue;
        if (split(line, fl, 7) < 7)
            continue;
        struct user *nn = ef_array_grow(u, nu, &cap, sizeof(*nn), 64, EF_ARRAY_NO_MAX);
        if (nn == NULL)
            break;
        u = nn;
        char *end;
        unsigned long uid = strtoul(fl[2], &end, 10);
        if (*fl[2] == '\0' || *end != '\0')
            continue;
        u[nu++] = (struct user){.name = fl[0],
                                .uid = uid,
                                .shell = fl[6],
                                .pw = fl[1],
                                .locked = 1,
                                .lastchg = -1,
                                .maxdays = -1,
                                .inactive = -1,
                                .expire = -1};
    }
    /* accounts without a shadow entry: usable only with an empty passwd field */
    for (size_t i = 0; i < nu; i++)
        u[i].locked = u[i].pw[0] != '\0';
    if (shadow_rc == 0) {
        pos = ln = 0;
        while ((line = ef_pu_next_line(shbuf, shlen, &pos, &ln)) != NULL) {
            char *fl[9];
            if (split(line, fl, 9) < 8)
                continue;
            for (size_t i = 0; i < nu; i++) {
                if (strcmp(u[i].name, fl[0]) != 0 || u[i].in_shadow)
                    continue;
                u[i].in_shadow = 1;
                u[i].locked = fl[1][0] == '!' || fl[1][0] == '*';
                u[i].lastchg = num_field(fl[2]);
                u[i].maxdays = num_field(fl[4]);
                u[i].inactive = num_field(fl[6]);
                u[i].expire = num_field(fl[7]);
                break;
            }
        }
    }

    /* system accounts that can log in */
    struct listing sys;
    listing_init(&sys);
    int sys_unknown = 0;
    for (size_t i = 0; i < nu; i++) {
        struct user *x = &u[i];
        if ((long)x->uid >= uid_min && x->uid != 65534)
            continue;
        if (strcmp(x->name, "root") == 0 || strcmp(x->name, "sync") == 0 ||
            strcmp(x->name, "shutdown") == 0 || strcmp(x->name, "halt") == 0)
            continue;
        const char *sh = x->shell[0] ? x->shell : "/bin/sh";
        if (nologin_shell(sh))
            continue;
        if (shadow_rc != 0 && x->pw[0] != '\0' && !(x->pw[0] == '!' || x->pw[0] == '*')) {
            sys_unknown = 1; /* the shell allows login; only shadow can tell */
            continue;
        }
        if (x->locked)
            continue;
        char piece[200];
        snprintf(piece, sizeof(piece), "%.64s (uid %lu, shell %.100s)", x->name, x->uid, sh);
        ef_textlist_add(&sys.l, piece);
    }
    if (sys.l.n > 0)
        ef_fact_int(f, "accounts.system_login_count", (long long)sys.l.n,
                    "system accounts with a login shell and a usable password: %s",
                    ef_textlist_end(&sys.l));
    else if (sys_unknown)
        ef_fact_unknown(f, "accounts.system_login_count",
                        "a system account has a login shell; cannot read /etc/shadow: %s",
                        ef_pu_errtext(shadow_rc));
    else
        ef_fact_int(f, "accounts.system_login_count", 0,
                    "every system account (uid < %ld) has a nologin or false shell or a locked "
                    "password (/etc/passwd, /etc/shadow)",
                    uid_min);

    if (shadow_rc != 0) {
        for (size_t i = 0; i < EF_ARRAY_LEN(FACTS_SHADOW); i++)
            ef_fact_unknown(f, FACTS_SHADOW[i], "cannot read /etc/shadow: %s",
                            ef_pu_errtext(shadow_rc));
        goto out;
    }

    /* interactive accounts with a usable password */
    long max_age = 0, max_inactive = 0, max_idle = 0;
    struct listing ages, inact, idle;
    size_t ninteractive = 0, nidle = 0;
    /* the interactive accounts, for the per-account lists (largest value first) */
    inter = calloc(nu ? nu : 1, sizeof(*inter));
    static struct idle idles[IDLE_MAX];
    char ll_path[PATH_MAX];
    int ll_fd = -1, ll_err = 0;
    if (ef_facts_path(f, ll_path, sizeof(ll_path), "/var/log/lastlog") == 0) {
        ll_fd = open(ll_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (ll_fd < 0)
            ll_err = errno;
    }
    for (size_t i = 0; i < nu; i++) {
        struct user *x = &u[i];
        const char *sh = x->shell[0] ? x->shell : "/bin/sh";
        if ((long)x->uid < uid_min || x->uid == 65534 || nologin_shell(sh))
            continue;
        if (have_shells && !in_shells(shells, sh))
            continue;
        if (x->locked || (x->expire >= 0 && x->expire <= today))
            continue;
        if (inter != NULL)
            inter[ninteractive] = x;
        ninteractive++;
        char piece[200];
        x->age = x->maxdays < 0 ? NEVER : x->maxdays;
        if (x->age > max_age)
            max_age = x->age;
        x->inact = x->inactive < 0 ? NEVER : x->inactive;
        if (x->inact > max_inactive)
            max_inactive = x->inact;

        /* last login */
        int32_t t = 0;
        if (ll_fd >= 0) {
            unsigned char rec[4];
            ssize_t r = pread(ll_fd, rec, sizeof(rec), (off_t)x->uid * LASTLOG_RECORD);
            if (r == (ssize_t)sizeof(rec))
                memcpy(&t, rec, sizeof(t));
        }
        long days;
        char when[32];
        if (t > 0) {
            days = (long)ef_pu_days_since(f, (time_t)t);
            ef_time_rfc3339((time_t)t, when);
            snprintf(piece, sizeof(piece), "%.64s %ld days (last login %.10s)", x->name, days,
                     when);
        } else if (x->lastchg > 0) {
            days = today > x->lastchg ? today - x->lastchg : 0;
            snprintf(piece, sizeof(piece),
                     "%.64s %ld days (never logged in; password set %ld "
                     "days ago)",
                     x->name, days, days);
        } else {
            days = NEVER;
            snprintf(piece, sizeof(piece), "%.64s (never logged in, no password date)", x->name);
        }
        if (nidle < IDLE_MAX) {
            idles[nidle].days = days;
            snprintf(idles[nidle].text, sizeof(idles[nidle].text), "%s", piece);
            nidle++;
        }
        if (days > max_idle)
            max_idle = days;
    }
    if (ll_fd >= 0)
        close(ll_fd);
    /* Every account's value, largest first: the policy judges the largest (the fact), the
     * list shows which accounts it comes from. */
    listing_init(&ages);
    listing_init(&inact);
    if (inter != NULL) {
        qsort(inter, ninteractive, sizeof(*inter), by_age);
        for (size_t i = 0; i < ninteractive; i++)
            if (inter[i]->maxdays < 0)
                ef_textlist_addf(&ages.l, "%.64s: no maximum", inter[i]->name);
            else
                ef_textlist_addf(&ages.l, "%.64s: %ld", inter[i]->name, inter[i]->maxdays);
        qsort(inter, ninteractive, sizeof(*inter), by_inactivity);
        for (size_t i = 0; i < ninteractive; i++)
            if (inter[i]->inactive < 0)
                ef_textlist_addf(&inact.l, "%.64s: never", inter[i]->name);
            else
                ef_textlist_addf(&inact.l, "%.64s: %ld", inter[i]->name, inter[i]->inactive);
    }
    ef_textlist_end(&ages.l);
    ef_textlist_end(&inact.l);

    if (ninteractive == 0) {
        for (size_t i = 0; i < EF_ARRAY_LEN(FACTS_SHADOW); i++)
            ef_fact_int(f, FACTS_SHADOW[i], 0,
                        "no interactive account with a usable password (uid >= %ld, login "
                        "shell)",
                        uid_min);
        goto out;
    }
    ef_fact_int(f, "accounts.password_max_days_max", max_age,
                "largest password maximum age %ld days over %zu interactive account%s "
                "(/etc/shadow field 5; largest first: %s)",
                max_age, ninteractive, ninteractive == 1 ? "" : "s", ages.text);
    ef_fact_int(f, "accounts.password_inactive_max", max_inactive,
                "largest inactivity lock %ld days over %zu interactive account%s (/etc/shadow "
                "field 7; largest first: %s)",
                max_inactive, ninteractive, ninteractive == 1 ? "" : "s", inact.text);
    if (ll_fd < 0 && ll_err != ENOENT)
        ef_fact_unknown(f, "accounts.dormant_days_max", "cannot read /var/log/lastlog: %s",
                        ef_pu_errtext(ll_err));
    else if (ll_fd < 0) {
        struct stat st;
        if (ef_pu_stat(f, "/var/lib/lastlog/lastlog2.db", &st) == 0)
            ef_fact_unknown(f, "accounts.dormant_days_max",
                            "logins are recorded in /var/lib/lastlog/lastlog2.db (lastlog2, "
                            "SQLite), which the agent does not read yet");
        else
            ef_fact_unknown(f, "accounts.dormant_days_max",
                            "no login records (no /var/log/lastlog or lastlog2 database)");
    } else {
        qsort(idles, nidle, sizeof(*idles), idle_cmp);
        listing_init(&idle);
        for (size_t i = 0; i < nidle; i++)
            ef_textlist_add(&idle.l, idles[i].text);
        ef_fact_int(f, "accounts.dormant_days_max", max_idle,
                    "most idle interactive accounts (/var/log/lastlog): %s",
                    ef_textlist_end(&idle.l));
    }
out:
    free(inter);
    free(u);
    free(pwbuf);
    free(shbuf);
    free(defs);
    free(shells);
}
