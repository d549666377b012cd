/* SPDX-License-Identifier: EUPL-1.2 */
/* Host firewall probe: which firewall managers are enabled, and whether inbound traffic is
 * denied by default.
 *
 *   ufw: ROOT/etc/ufw/ufw.conf ENABLED=yes; default inbound policy DEFAULT_INPUT_POLICY in
 *     ROOT/etc/default/ufw (DROP or REJECT deny; ACCEPT does not).
 *   firewalld: firewalld.service enabled; the default zone (DefaultZone= in
 *     ROOT/etc/firewalld/firewalld.conf, else "public") read from /etc/firewalld/zones/ or
 *     /usr/lib/firewalld/zones/: its target denies unless it is ACCEPT.
 *   nftables: nftables.service enabled; the loaded ruleset (`nft -j list ruleset`, live
 *     system and root only) must have a base chain on the input hook with policy drop in
 *     family inet, or in both ip and ip6.
 *   netfilter-persistent (iptables-persistent): netfilter-persistent.service enabled; the
 *     *filter table of ROOT/etc/iptables/rules.v4 and rules.v6 has ":INPUT DROP".
 *
 * Facts: net.firewall.managers (text, "none" when none), net.firewall.count,
 * net.firewall.default_deny (every enabled manager denies inbound by default). */
#include "facts.h"
#include "probes/systemd_units.h"
#include "run_command.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EV (EF_EVIDENCE_MAX + 1)
#define NFT_OUT_MAX (4 * 1024 * 1024)

enum { DENY_NO = 0, DENY_YES = 1, DENY_UNKNOWN = -1 };

struct fw {
    char managers[128];
    int count;
    int deny; /* worst over the enabled managers: NO beats UNKNOWN beats YES */
    char ev[EV];
    char deny_ev[EV];
};

static void judge(struct fw *w, int deny, const char *ev)
{
    if (deny == DENY_NO || (deny == DENY_UNKNOWN && w->deny == DENY_YES))
        w->deny = deny;
    ef_evidence_add(w->deny_ev, sizeof(w->deny_ev), ev);
}

static void enabled(struct fw *w, const char *name, const char *ev)
{
    ef_pu_list_add(w->managers, sizeof(w->managers), name);
    w->count++;
    ef_evidence_add(w->ev, sizeof(w->ev), ev);
}

static void probe_ufw(struct ef_facts *f, struct fw *w)
{
    char val[64], pol[64], ev[512];
    int line = 0, pline = 0;
    int rc = ef_pu_kv_last(f, "/etc/ufw/ufw.conf", "ENABLED", val, sizeof(val), &line);

    if (rc < 0 && rc != -ENOENT) {
        ef_text_printf(ev, sizeof(ev), "cannot read /etc/ufw/ufw.conf: %s", ef_pu_errtext(rc));
        ef_evidence_add(w->ev, sizeof(w->ev), ev);
        return;
    }
    if (rc <= 0 || strcasecmp(val, "yes") != 0) {
        if (rc == 1) {
            ef_text_printf(ev, sizeof(ev),
                           "ufw not enabled (/etc/ufw/ufw.conf line %d ENABLED=%.20s)", line, val);
            ef_evidence_add(w->ev, sizeof(w->ev), ev);
        }
        return;
    }
    ef_text_printf(ev, sizeof(ev), "ufw enabled (/etc/ufw/ufw.conf line %d ENABLED=yes)", line);
    enabled(w, "ufw", ev);
    rc = ef_pu_kv_last(f, "/etc/default/ufw", "DEFAULT_INPUT_POLICY", pol, sizeof(pol), &pline);
    if (rc < 0) {
        ef_text_printf(ev, sizeof(ev), "ufw: cannot read /etc/default/ufw: %s",
                       rc == -ENOENT ? "not found" : ef_pu_errtext(rc));
        judge(w, DENY_UNKNOWN, ev);
    } else if (rc == 0) {
        judge(w, DENY_UNKNOWN, "ufw: no DEFAULT_INPUT_POLICY in /etc/default/ufw");
    } else {
        int deny = strcasecmp(pol, "DROP") == 0 || strcasecmp(pol, "REJECT") == 0;
        ef_text_printf(ev, sizeof(ev),
                       "ufw: DEFAULT_INPUT_POLICY=\"%.20s\" (/etc/default/ufw line %d)", pol,
                       pline);
        judge(w, deny ? DENY_YES : DENY_NO, ev);
    }
}

/* The value of attribute attr of the first <zone ...> element in text. */
static int zone_target(const char *text, char *out, size_t outlen)
{
    const char *z = strstr(text, "<zone");
    if (z == NULL)
        return -1;
    const char *end = strchr(z, '>');
    const char *t = strstr(z, "target=");
    if (t == NULL || (end && t > end)) {
        strlcpy(out, "default", outlen);
        return 0;
    }
    t += 7;
    char q = *t;
    if (q != '"' && q != '\'')
        return -1;
    const char *e = strchr(t + 1, q);
    if (e == NULL)
        return -1;
    out[0] = '\0';
    ef_text_append(out, outlen, t + 1, (size_t)(e - t - 1));
    return 0;
}

static void probe_firewalld(struct ef_facts *f, struct fw *w)
{
    char ev[512], zone[64] = "public", target[64], shown[PATH_MAX];
    int line = 0;

    if (!ef_unit_enabled(ef_facts_root(f), "firewalld.service", ev, sizeof(ev))) {
        if (strstr(ev, "not installed") == NULL)
            ef_evidence_add(w->ev, sizeof(w->ev), ev);
        return;
    }
    enabled(w, "firewalld", ev);
    int rc =
        ef_pu_kv_last(f, "/etc/firewalld/firewalld.conf", "DefaultZone", zone, sizeof(zone), &line);
    if (rc <= 0 || zone[0] == '\0' || strchr(zone, '/') != NULL)
        strlcpy(zone, "public", sizeof(zone));
    static const char *const dirs[] = {"/etc/firewalld/zones", "/usr/lib/firewalld/zones"};
    for (size_t i = 0; i < EF_ARRAY_LEN(dirs); i++) {
        char *text = NULL;
        snprintf(shown, sizeof(shown), "%s/%s.xml", dirs[i], zone);
        rc = ef_pu_read(f, shown, 1 << 20, &text, NULL);
        if (rc == -ENOENT || rc == -ENAMETOOLONG)
            continue;
        if (rc != 0) {
            ef_text_printf(ev, sizeof(ev), "firewalld: cannot read %s: %s", shown,
                           ef_pu_errtext(rc));
            judge(w, DENY_UNKNOWN, ev);
            return;
        }
        rc = zone_target(text, target, sizeof(target));
        free(text);
        if (rc != 0) {
            ef_text_printf(ev, sizeof(ev), "firewalld: no <zone> element in %s", shown);
            judge(w, DENY_UNKNOWN, ev);
            return;
        }
        ef_text_printf(ev, sizeof(ev), "firewalld: default zone %s target %s (%s)", zone, target,
                       shown);
        judge(w, strcasecmp(target, "ACCEPT") == 0 ? DENY_NO : DENY_YES, ev);
        return;
    }
    ef_text_printf(ev, sizeof(ev), "firewalld: default zone %s has no zone file", zone);
    judge(w, DENY_UNKNOWN, ev);
}

/* In the JSON object starting at obj (after its '{'), the string value of key, up to the
 * object's end; 0 when found. Objects of nft's "chain" entries hold no nested objects. */
static int json_str(const char *obj, const char *end, const char *key, char *out, size_t outlen)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    for (const char *p = obj; p && p < end; p++) {
        p = strstr(p, pat);
        if (p == NULL || p >= end)
            return -1;
        const char *q = p + strlen(pat);
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q >= end || *q != ':')
            continue;
        q++;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q >= end || *q != '"')
            continue;
        const char *e = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (e == NULL)
            return -1;
        out[0] = '\0';
        ef_text_append(out, outlen, q + 1, (size_t)(e - q - 1));
        return 0;
    }
    return -1;
}

/* Input-hook base chains with policy drop in the JSON of `nft -j list ruleset`: DENY_YES
 * when one is in family inet, or in both ip and ip6. Exposed for tests. */
int ef_nft_json_input_drop(const char *json, char *ev, size_t evlen);
int ef_nft_json_input_drop(const char *json, char *ev, size_t evlen)
{
    int inet = 0, ip = 0, ip6 = 0, chains = 0;
    char first[160] = "";

    for (const char *p = json; (p = strstr(p, "\"chain\"")) != NULL; p += 7) {
        const char *q = p + 7;
        while (isspace((unsigned char)*q))
            q++;
        if (*q != ':')
            continue;
        q++;
        while (isspace((unsigned char)*q))
            q++;
        if (*q != '{')
            continue;
        const char *end = strchr(q, '}');
        if (end == NULL)
            break;
        char hook[32], policy[32], family[16], table[64], name[64];
        if (json_str(q, end, "hook", hook, sizeof(hook)) != 0 || strcmp(hook, "input") != 0)
            continue;
        chains++;
        if (json_str(q, end, "policy", policy, sizeof(policy)) != 0 ||
            strcmp(policy, "drop") != 0 || json_str(q, end, "family", family, sizeof(family)) != 0)
            continue;
        if (json_str(q, end, "table", table, sizeof(table)) != 0)
            strlcpy(table, "?", sizeof(table));
        if (json_str(q, end, "name", name, sizeof(name)) != 0)
            strlcpy(name, "?", sizeof(name));
        inet |= strcmp(family, "inet") == 0;
        ip |= strcmp(family, "ip") == 0;
        ip6 |= strcmp(family, "ip6") == 0;
        if (first[0] == '\0')
            ef_text_printf(first, sizeof(first), "chain %s %s %s: hook input policy drop", family,
                           table, name);
    }
    if (inet || (ip && ip6)) {
        ef_text_printf(ev, evlen, "nftables ruleset: %s", first);
        return DENY_YES;
    }
    if (ip || ip6)
        ef_text_printf(ev, evlen, "nftables ruleset: %s, but no drop policy for %s", first,
                       ip ? "IPv6" : "IPv4");
    else
        ef_text_printf(ev, evlen, "nftables ruleset: %d input chain(s), none with policy drop",
                       chains);
    return DENY_NO;
}

static void probe_nftables(struct ef_facts *f, struct fw *w)
{
    char ev[512], why[256];

    if (!ef_unit_enabled(ef_facts_root(f), "nftables.service", ev, sizeof(ev))) {
        if (strstr(ev, "not installed") == NULL)
            ef_evidence_add(w->ev, sizeof(w->ev), ev);
        return;
    }
    enabled(w, "nftables", ev);
    if (!ef_pu_is_live(f)) {
        judge(w, DENY_UNKNOWN, "nftables: the loaded ruleset is known only on the live system");
        return;
    }
    if (geteuid() != 0) {
        judge(w, DENY_UNKNOWN, "nftables: listing the ruleset needs root (run as root)");
        return;
    }
    char *argv[] = {"nft", "-j", "list", "ruleset", NULL};
    size_t len = NFT_OUT_MAX;
    char *out = malloc(len + 1);
    int ws;
    if (out == NULL) {
        judge(w, DENY_UNKNOWN, "nftables: out of memory");
        return;
    }
    if (ef_run_command(argv, 5000, &ws, out, &len, why, sizeof(why)) != 0) {
        ef_text_printf(ev, sizeof(ev), "nftables: cannot run nft -j list ruleset: %s", why);
        judge(w, DENY_UNKNOWN, ev);
    } else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        out[len < 200 ? len : 200] = '\0';
        ef_text_printf(ev, sizeof(ev), "nftables: nft -j list ruleset failed (exit %d): %s",
                       WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, out);
        judge(w, DENY_UNKNOWN, ev);
    } else {
        out[len] = '\0';
        int deny = ef_nft_json_input_drop(out, ev, sizeof(ev));
        judge(w, deny, ev);
    }
    free(out);
}

/* ":INPUT DROP" in the *filter table of an iptables-save file: 1, 0, or negative errno. */
static int rules_input_drop(struct ef_facts *f, const char *shown)
{
    char *text, *line;
    size_t len, pos = 0;
    int in_filter = 0, drop = 0, rc = ef_pu_read(f, shown, 8 << 20, &text, &len);

    if (rc != 0)
        return rc;
    while ((line = ef_pu_next_line(text, len, &pos, NULL)) != NULL) {
        char *s = ef_pu_trim(line);
        if (*s == '*')
            in_filter = strcmp(s, "*filter") == 0;
        else if (in_filter && strncmp(s, ":INPUT ", 7) == 0)
            drop = strncmp(s + 7, "DROP", 4) == 0;
    }
    free(text);
    return drop;
}

static void probe_persistent(struct ef_facts *f, struct fw *w)
{
    char ev[512];

    if (!ef_unit_enabled(ef_facts_root(f), "netfilter-persistent.service", ev, sizeof(ev))) {
        if (strstr(ev, "not installed") == NULL)
            ef_evidence_add(w->ev, sizeof(w->ev), ev);
        return;
    }
    enabled(w, "netfilter-persistent", ev);
    int v4 = rules_input_drop(f, "/etc/iptables/rules.v4");
    int v6 = rules_input_drop(f, "/etc/iptables/rules.v6");
    if (v4 < 0 && v4 != -ENOENT) {
        ef_text_printf(ev, sizeof(ev), "cannot read /etc/iptables/rules.v4: %s", ef_pu_errtext(v4));
        judge(w, DENY_UNKNOWN, ev);
        return;
    }
    if (v6 < 0 && v6 != -ENOENT) {
        ef_text_printf(ev, sizeof(ev), "cannot read /etc/iptables/rules.v6: %s", ef_pu_errtext(v6));
        judge(w, DENY_UNKNOWN, ev);
        return;
    }
    ef_text_printf(ev, sizeof(ev),
                   "netfilter-persistent: INPUT policy DROP in rules.v4: %s, rules.v6: %s",
                   v4 > 0 ? "yes" : "no", v6 > 0 ? "yes" : "no");
    judge(w, v4 > 0 && v6 > 0 ? DENY_YES : DENY_NO, ev);
}

void ef_probe_firewall(struct ef_facts *f)
{
    struct fw w;

    memset(&w, 0, sizeof(w));
    w.deny = DENY_YES;
    probe_ufw(f, &w);
    probe_firewalld(f, &w);
    probe_nftables(f, &w);
    probe_persistent(f, &w);

    if (w.count == 0) {
        const char *seen = w.ev[0] ? w.ev
                                   : "ufw, firewalld, nftables and netfilter-persistent "
                                     "are not installed";
        ef_fact_str(f, "net.firewall.managers", "none", "no host firewall enabled: %s", seen);
        ef_fact_int(f, "net.firewall.count", 0, "no host firewall enabled: %s", seen);
        ef_fact_bool(f, "net.firewall.default_deny", 0, "no host firewall enabled");
        return;
    }
    ef_fact_str(f, "net.firewall.managers", w.managers, "%s", w.ev);
    ef_fact_int(f, "net.firewall.count", w.count, "%s", w.ev);
    if (w.deny == DENY_UNKNOWN)
        ef_fact_unknown(f, "net.firewall.default_deny", "%s", w.deny_ev);
    else
        ef_fact_bool(f, "net.firewall.default_deny", w.deny == DENY_YES, "%s", w.deny_ev);
}
