/* SPDX-License-Identifier: EUPL-1.2 */
/* package: NAME rules: installed and min_version, from dpkg's status file under the scan
 * root (Debian version ordering) or, on the live system only, the rpm database (rpm
 * ordering). */
#include "rules.h"

#include "probes/pkgdb.h"

#include <stdio.h>
#include <string.h>

void ef_rule_package(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    char ver[256] = "", why[512] = "";
    int lv = ctx->level;
    const struct ef_param *in = ef_p(r, EF_P_INSTALLED), *mv = ef_p(r, EF_P_MIN_VERSION);
    enum ef_pkg_db db = ef_pkgdb_kind(ctx->root);
    const char *dbname = db == EF_PKGDB_RPM ? "rpm database" : "/var/lib/dpkg/status";

    int is = ef_pkg_installed(ctx->root, r->target, ver, sizeof(ver), why, sizeof(why));
    if (is < 0) {
        ef_eval_set(out, EF_UNKNOWN, "package %s: %s", r->target, why);
        return;
    }
    if (!is) {
        int ok = in != NULL && in->num[lv] == 0 && mv == NULL;
        ef_eval_set(out, ok ? EF_PASS : EF_FAIL, "package %s is not installed (%s)", r->target,
                    dbname);
        return;
    }
    if (in != NULL && in->num[lv] == 0) {
        ef_eval_set(out, EF_FAIL, "package %s %s is installed (%s)", r->target, ver, dbname);
        return;
    }
    if (mv != NULL) {
        int c =
            db == EF_PKGDB_RPM ? ef_rpm_vercmp(ver, mv->str[lv]) : ef_dpkg_vercmp(ver, mv->str[lv]);
        ef_eval_set(out, c < 0 ? EF_FAIL : EF_PASS, "package %s %s is installed, %s %s (%s)",
                    r->target, ver, c < 0 ? "older than" : "at least", mv->str[lv], dbname);
        return;
    }
    ef_eval_set(out, EF_PASS, "package %s %s is installed (%s)", r->target, ver, dbname);
}
