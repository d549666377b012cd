/* SPDX-License-Identifier: EUPL-1.2 */
/* Removable media enforcement: USBGuard, and the combination with kmod's usb-storage facts.
 *
 *   usbguard.enforcing: usbguard.service is running, its rule file (RuleFile= of
 *     /etc/usbguard/usbguard-daemon.conf, default /etc/usbguard/rules.conf) or rule folder
 *     (RuleFolder=, default /etc/usbguard/rules.d) holds at least one rule, and
 *     ImplicitPolicyTarget= is not "allow" (default block).
 *   removable.enforced: true when usb-storage cannot load and is not loaded, or USBGuard
 *     enforces; never false: when neither is seen it is unknown ("no enforcement
 *     detectable: manual review"), because a site's own tool may enforce the policy in a way
 *     the agent cannot see. */
#include "facts.h"
#include "probe_util.h"
#include "probes/systemd_units.h"

#include "efterlev/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONF_MAX (1024 * 1024)
#define RULE_FILES_MAX 128

static int count_rules(struct ef_facts *f, const char *path)
{
    char *buf, *line;
    size_t len, pos = 0;
    int n = 0;

    if (ef_pu_read(f, path, CONF_MAX, &buf, &len) != 0)
        return 0;
    while ((line = ef_pu_next_line(buf, len, &pos, NULL)) != NULL) {
        line = ef_pu_trim(line);
        if (*line != '\0' && *line != '#')
            n++;
    }
    free(buf);
    return n;
}

struct daemon_conf {
    char rule_file[PATH_MAX], rule_dir[PATH_MAX], target[32];
};

/* One KEY=VALUE line of usbguard-daemon.conf. */
static void daemon_conf_line(const char *section, char *key, char *val, size_t lineno, void *ctx)
{
    struct daemon_conf *dc = ctx;
    (void)section, (void)lineno;
    if (strcmp(key, "RuleFile") == 0)
        strlcpy(dc->rule_file, val, sizeof(dc->rule_file));
    else if (strcmp(key, "RuleFolder") == 0)
        strlcpy(dc->rule_dir, val, sizeof(dc->rule_dir));
    else if (strcmp(key, "ImplicitPolicyTarget") == 0)
        strlcpy(dc->target, val, sizeof(dc->target));
}

void ef_probe_usbguard(struct ef_facts *f)
{
    struct daemon_conf dc = {.rule_file = "/etc/usbguard/rules.conf",
                             .rule_dir = "/etc/usbguard/rules.d",
                             .target = "block"};
    char ev[512];
    const char *conf = "/etc/usbguard/usbguard-daemon.conf";
    int have_conf = ef_pu_ini_each(f, conf, CONF_MAX, daemon_conf_line, &dc) == 0;
    int en = ef_unit_enabled(ef_facts_root(f), "usbguard.service", ev, sizeof(ev));
    if (!have_conf && !en && strstr(ev, "not installed") != NULL) {
        ef_fact_bool(f, "usbguard.enforcing", 0, "USBGuard is not installed (no %s)", conf);
        return;
    }
    int rules = dc.rule_file[0] == '/' ? count_rules(f, dc.rule_file) : 0;
    if (dc.rule_dir[0] == '/') {
        char(*files)[PATH_MAX] = calloc(RULE_FILES_MAX, sizeof(*files));
        const char *dirs[] = {dc.rule_dir};
        size_t n = files ? ef_pu_dropins(f, dirs, 1, ".conf", files, RULE_FILES_MAX) : 0;
        for (size_t i = 0; i < n; i++)
            rules += count_rules(f, files[i]);
        free(files);
    }
    if (rules == 0) {
        ef_fact_bool(f, "usbguard.enforcing", 0, "USBGuard has no rules (%s, %s/*.conf)",
                     dc.rule_file, dc.rule_dir);
        return;
    }
    if (strcmp(dc.target, "allow") == 0) {
        ef_fact_bool(f, "usbguard.enforcing", 0,
                     "USBGuard ImplicitPolicyTarget=allow in %s: unknown devices are allowed",
                     conf);
        return;
    }
    int active = ef_unit_active(ef_facts_root(f), "usbguard.service", ev, sizeof(ev));
    if (active < 0)
        ef_fact_unknown(f, "usbguard.enforcing", "USBGuard has %d rule%s, but %s", rules,
                        rules == 1 ? "" : "s", ev);
    else
        ef_fact_bool(f, "usbguard.enforcing", active,
                     "USBGuard has %d rule%s (implicit target %s); %s", rules,
                     rules == 1 ? "" : "s", dc.target, ev);
}

void ef_probe_removable(struct ef_facts *f)
{
    const struct ef_fact *blocked = ef_facts_get(f, "kmod.usb_storage.blocked");
    const struct ef_fact *loaded = ef_facts_get(f, "kmod.usb_storage.loaded");
    const struct ef_fact *guard = ef_facts_get(f, "usbguard.enforcing");

    if (blocked && loaded && blocked->known && blocked->b && loaded->known && !loaded->b) {
        ef_fact_bool(f, "removable.enforced", 1, "usb-storage cannot load: %s; %s",
                     blocked->evidence, loaded->evidence);
        return;
    }
    if (guard && guard->known && guard->b) {
        ef_fact_bool(f, "removable.enforced", 1, "%s", guard->evidence);
        return;
    }
    char why[EF_EVIDENCE_MAX + 1];
    if (blocked && blocked->known && blocked->b)
        ef_text_printf(why, sizeof(why), "usb-storage is blocked (%s) but %s", blocked->evidence,
                       loaded ? loaded->evidence : "its load state is unknown");
    else
        ef_text_printf(why, sizeof(why), "usb-storage can load (%s)",
                       blocked ? blocked->evidence : "?");
    ef_fact_unknown(f, "removable.enforced",
                    "no enforcement detectable, manual review needed: %s; %s", why,
                    guard ? guard->evidence : "?");
}
