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
#include "confdirs.h"
#include "facts.h"
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
    char *buf, *p, *line;
    int n = 0;

    if (ef_conf_read(f, path, CONF_MAX, &buf) != 0)
        return 0;
    p = buf;
    while ((line = ef_conf_next_line(&p)) != NULL) {
        line = ef_conf_trim(line);
        if (*line != '\0' && *line != '#')
            n++;
    }
    free(buf);
    return n;
}

void ef_probe_usbguard(struct ef_facts *f)
{
    char rule_file[PATH_MAX] = "/etc/usbguard/rules.conf",
         rule_dir[PATH_MAX] = "/etc/usbguard/rules.d";
    char target[32] = "block", ev[512], *buf, *p, *line;
    const char *conf = "/etc/usbguard/usbguard-daemon.conf";
    int have_conf = ef_conf_read(f, conf, CONF_MAX, &buf) == 0;

    if (have_conf) {
        p = buf;
        while ((line = ef_conf_next_line(&p)) != NULL) {
            line = ef_conf_trim(line);
            char *eq = strchr(line, '=');
            if (*line == '#' || eq == NULL)
                continue;
            *eq = '\0';
            char *key = ef_conf_trim(line), *val = ef_conf_trim(eq + 1);
            if (strcmp(key, "RuleFile") == 0)
                strlcpy(rule_file, val, sizeof(rule_file));
            else if (strcmp(key, "RuleFolder") == 0)
                strlcpy(rule_dir, val, sizeof(rule_dir));
            else if (strcmp(key, "ImplicitPolicyTarget") == 0)
                strlcpy(target, val, sizeof(target));
        }
        free(buf);
    }
    int en = ef_unit_enabled(ef_facts_root(f), "usbguard.service", ev, sizeof(ev));
    if (!have_conf && !en && strstr(ev, "not installed") != NULL) {
        ef_fact_bool(f, "usbguard.enforcing", 0, "USBGuard is not installed (no %s)", conf);
        return;
    }
    int rules = rule_file[0] == '/' ? count_rules(f, rule_file) : 0;
    if (rule_dir[0] == '/') {
        char(*files)[PATH_MAX] = calloc(RULE_FILES_MAX, sizeof(*files));
        const char *dirs[] = {rule_dir};
        size_t n = files ? ef_conf_list(f, dirs, 1, ".conf", files, RULE_FILES_MAX) : 0;
        for (size_t i = 0; i < n; i++)
            rules += count_rules(f, files[i]);
        free(files);
    }
    if (rules == 0) {
        ef_fact_bool(f, "usbguard.enforcing", 0, "USBGuard has no rules (%s, %s/*.conf)", rule_file,
                     rule_dir);
        return;
    }
    if (strcmp(target, "allow") == 0) {
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
                     rules == 1 ? "" : "s", target, ev);
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
