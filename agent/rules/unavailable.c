/* SPDX-License-Identifier: EUPL-1.2 */
/* The rule kinds that read a Linux system (file, dir, command, sysctl, service, package), as
 * a build for Windows judges them: unknown, saying so (but a service rule on a Windows scan
 * reads the service control manager: service_win.c). A Windows policy uses registry and
 * fact rules; a Linux policy run on Windows by mistake is then unknown, never passed. */
#include "rules.h"

static void unavailable(const struct ef_rule *r, const char *kind, struct ef_eval *out)
{
    ef_eval_set(out, EF_UNKNOWN, "line %d: %s rules read a Linux system; not available on Windows",
                r->line, kind);
}

void ef_rule_file(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    (void)ctx;
    unavailable(r, "file", out);
}

void ef_rule_dir(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    (void)ctx;
    unavailable(r, "dir", out);
}

void ef_rule_command(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    (void)ctx;
    unavailable(r, "command", out);
}

void ef_rule_sysctl(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    (void)ctx;
    unavailable(r, "sysctl", out);
}

void ef_rule_service(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    if (ef_rule_service_windows(ctx, r, out))
        return;
    unavailable(r, "service", out);
}

void ef_rule_package(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    (void)ctx;
    unavailable(r, "package", out);
}
