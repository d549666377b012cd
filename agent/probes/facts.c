/* SPDX-License-Identifier: EUPL-1.2 */
/* The fact cache: each fact's probe run lazily, once per scan, from the scanned platform's
 * table (facts_linux.c or facts_windows.c, chosen by ef_facts_new / ef_facts_new_windows). A
 * probe that does not report one of its facts leaves it unknown, named as missing. */
#include "efterlev/attr.h"
#include "fact_table.h"

#include "efterlev/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ef_facts {
    char *root;
    struct ef_reg *reg; /* the Windows registry read, or NULL (a Linux scan) */
    struct ef_win *win; /* the Windows WMI classes and API results, or NULL */
    const struct ef_fact_def *defs;
    size_t ndefs;
    time_t now;
    const char *state_dir; /* the agent's state, or NULL */
    int state_writable;    /* probes may update it (run), or only read it (scan) */
    unsigned char *ran;    /* the probe of defs[i] has run */
    unsigned char *set;
    struct ef_fact *v;
    struct ef_fact foreign; /* a fact of the other platform, asked for: unknown */
};

/* Every fact name of both tables, once, Linux first (os.id, host.role, ... are in both,
 * with the same type: a check reads the same fact name on either system). */
const char *const *ef_fact_names(void)
{
    static const char *names[1024];
    static int done;
    if (!done) {
        size_t n = 0;
        for (size_t i = 0; i < ef_facts_linux_n; i++)
            names[n++] = ef_facts_linux[i].name;
        for (size_t i = 0; i < ef_facts_windows_n; i++) {
            size_t j = 0;
            while (j < ef_facts_linux_n && strcmp(ef_facts_linux[j].name, ef_facts_windows[i].name))
                j++;
            if (j == ef_facts_linux_n && n + 1 < EF_ARRAY_LEN(names))
                names[n++] = ef_facts_windows[i].name;
        }
        names[n] = NULL;
        done = 1;
    }
    return names;
}

static int find_in(const struct ef_fact_def *defs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(defs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find(const struct ef_facts *f, const char *name)
{
    return find_in(f->defs, f->ndefs, name);
}

int ef_fact_type_of(const char *name)
{
    int i = find_in(ef_facts_linux, ef_facts_linux_n, name);
    if (i >= 0)
        return (int)ef_facts_linux[i].type;
    i = find_in(ef_facts_windows, ef_facts_windows_n, name);
    return i < 0 ? -1 : (int)ef_facts_windows[i].type;
}

const char *ef_fact_platforms(const char *name)
{
    int l = find_in(ef_facts_linux, ef_facts_linux_n, name) >= 0;
    int w = find_in(ef_facts_windows, ef_facts_windows_n, name) >= 0;
    return l && w ? "linux, windows" : l ? "linux" : w ? "windows" : "";
}

static struct ef_facts *facts_new(const char *root, struct ef_reg *reg, time_t now)
{
    struct ef_facts *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->reg = reg;
    f->defs = reg ? ef_facts_windows : ef_facts_linux;
    f->ndefs = reg ? ef_facts_windows_n : ef_facts_linux_n;
    f->now = now;
    if ((f->root = strdup(root && *root ? root : "/")) == NULL ||
        (f->ran = calloc(f->ndefs, 1)) == NULL || (f->set = calloc(f->ndefs, 1)) == NULL ||
        (f->v = calloc(f->ndefs, sizeof(*f->v))) == NULL) {
        ef_facts_free(f);
        return NULL;
    }
    for (size_t i = 0; i < f->ndefs; i++) {
        f->v[i].name = f->defs[i].name;
        f->v[i].type = f->defs[i].type;
    }
    return f;
}

struct ef_facts *ef_facts_new(const char *root, time_t now)
{
    return facts_new(root, NULL, now);
}

struct ef_facts *ef_facts_new_windows(struct ef_reg *reg, struct ef_win *win, time_t now)
{
    struct ef_facts *f = reg ? facts_new("/", reg, now) : NULL;
    if (f != NULL)
        f->win = win;
    return f;
}

struct ef_reg *ef_facts_registry(const struct ef_facts *f)
{
    return f->reg;
}

struct ef_win *ef_facts_win(const struct ef_facts *f)
{
    return f->win;
}

const char *ef_facts_platform(const struct ef_facts *f)
{
    return f->reg ? EF_PLATFORM_WINDOWS : EF_PLATFORM_LINUX;
}

void ef_facts_set_state(struct ef_facts *f, const char *state_dir, int writable)
{
    f->state_dir = state_dir;
    f->state_writable = state_dir != NULL && writable;
}

const char *ef_facts_state_dir(const struct ef_facts *f)
{
    return f->state_dir;
}

int ef_facts_state_writable(const struct ef_facts *f)
{
    return f->state_writable;
}

void ef_facts_free(struct ef_facts *f)
{
    if (f == NULL)
        return;
    free(f->root);
    free(f->ran);
    free(f->set);
    free(f->v);
    free(f);
}

const struct ef_fact *ef_facts_get(struct ef_facts *f, const char *name)
{
    int i = find(f, name);

    if (i < 0) {
        /* a fact of the other platform: unknown on this one, so a check says why */
        int t = ef_fact_type_of(name);
        if (t < 0)
            return NULL;
        memset(&f->foreign, 0, sizeof(f->foreign));
        f->foreign.name = ef_fact_names()[0];
        for (const char *const *n = ef_fact_names(); *n; n++)
            if (strcmp(*n, name) == 0)
                f->foreign.name = *n;
        f->foreign.type = (ef_fact_type)t;
        snprintf(f->foreign.evidence, sizeof(f->foreign.evidence),
                 "%s is a fact of %s systems; this scan is of a %s system", name,
                 ef_fact_platforms(name), ef_facts_platform(f));
        return &f->foreign;
    }
    if (!f->ran[i]) {
        void (*run)(struct ef_facts *) = f->defs[i].run;
        for (size_t j = 0; j < f->ndefs; j++)
            if (f->defs[j].run == run)
                f->ran[j] = 1;
        run(f);
        for (size_t j = 0; j < f->ndefs; j++)
            if (f->defs[j].run == run && !f->set[j])
                ef_fact_unknown(f, f->defs[j].name, "probe %s did not report %s", f->defs[j].probe,
                                f->defs[j].name);
    }
    return &f->v[i];
}

const char *ef_facts_root(const struct ef_facts *f)
{
    return f->root;
}

time_t ef_facts_time(const struct ef_facts *f)
{
    return f->now;
}

int ef_facts_path(const struct ef_facts *f, char *out, size_t outlen, const char *path)
{
    return ef_path_join(out, outlen, f->root, path);
}

int ef_engine_now(time_t *out)
{
    const char *s = getenv("EFTERLEV_NOW");

    if (s == NULL || *s == '\0') {
        *out = time(NULL);
        return 0;
    }
    return ef_parse_rfc3339(s, out);
}

static struct ef_fact *slot(struct ef_facts *f, const char *name, ef_fact_type type)
{
    int i = find(f, name);

    /* A probe setting a fact it does not declare, or with the wrong type, is a bug. */
    if (i < 0 || f->defs[i].type != type)
        abort();
    f->set[i] = 1;
    return &f->v[i];
}

static void vevidence(struct ef_fact *v, const char *fmt, va_list ap) EF_PRINTF(2, 0);
static void vevidence(struct ef_fact *v, const char *fmt, va_list ap)
{
    char buf[EF_EVIDENCE_MAX + 1];

    vsnprintf(buf, sizeof(buf), fmt, ap);
    v->evidence[0] = '\0';
    ef_text_append(v->evidence, sizeof(v->evidence), buf, strlen(buf));
}

void ef_fact_bool(struct ef_facts *f, const char *name, int b, const char *fmt, ...)
{
    struct ef_fact *v = slot(f, name, EF_FACT_BOOL);
    va_list ap;

    v->known = 1;
    v->b = b != 0;
    va_start(ap, fmt);
    vevidence(v, fmt, ap);
    va_end(ap);
}

void ef_fact_int(struct ef_facts *f, const char *name, long long i, const char *fmt, ...)
{
    struct ef_fact *v = slot(f, name, EF_FACT_INT);
    va_list ap;

    v->known = 1;
    v->i = i;
    va_start(ap, fmt);
    vevidence(v, fmt, ap);
    va_end(ap);
}

void ef_fact_str(struct ef_facts *f, const char *name, const char *s, const char *fmt, ...)
{
    struct ef_fact *v = slot(f, name, EF_FACT_STR);
    va_list ap;

    v->known = 1;
    v->s[0] = '\0';
    ef_text_append(v->s, sizeof(v->s), s, strlen(s));
    va_start(ap, fmt);
    vevidence(v, fmt, ap);
    va_end(ap);
}

void ef_fact_unknown(struct ef_facts *f, const char *name, const char *fmt, ...)
{
    int i = find(f, name);
    va_list ap;

    if (i < 0)
        abort();
    f->set[i] = 1;
    f->v[i].known = 0;
    va_start(ap, fmt);
    vevidence(&f->v[i], fmt, ap);
    va_end(ap);
}
