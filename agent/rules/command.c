/* SPDX-License-Identifier: EUPL-1.2 */
/* command: [argv...] rules: run a program without a shell, LC_ALL=C, stdin from
 * /dev/null, stdout and stderr captured (first 64 KiB), killed when it overruns its time
 * limit. Only on the live system: a fixture root has no programs of its own. */
#include "rules.h"
#include "probes/run_command.h"

#include "efterlev/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define OUTPUT_MAX (64 * 1024)
#define TIMEOUT_DEFAULT_MS 5000
#define QUOTE_MAX 80

static void cmd_text(const struct ef_rule *r, char *out, size_t outlen)
{
    out[0] = '\0';
    for (char **a = r->argv; *a; a++) {
        if (a != r->argv)
            ef_text_append(out, outlen, " ", 1);
        ef_text_append(out, outlen, *a, strlen(*a));
    }
    ef_utf8_cut(out, 120);
}

void ef_rule_command(const struct ef_ctx *ctx, const struct ef_rule *r, struct ef_eval *out)
{
    const struct ef_param *p;
    char cmd[160], why[512], piece[EF_EVIDENCE_MAX + 1];
    char fails[EF_EVIDENCE_MAX + 1] = "", oks[EF_EVIDENCE_MAX + 1] = "";
    int lv = ctx->level, wstatus = 0;
    size_t len = 0;

    cmd_text(r, cmd, sizeof(cmd));
    if (strcmp(ctx->root, "/") != 0) {
        ef_eval_set(out, EF_UNKNOWN, "`%s`: command rules run only on the live system (--root /)",
                    cmd);
        return;
    }
    char *buf = malloc(OUTPUT_MAX + 1);
    if (buf == NULL) {
        ef_eval_set(out, EF_UNKNOWN, "`%s`: out of memory", cmd);
        return;
    }
    p = ef_p(r, EF_P_TIMEOUT_MS);
    int timeout = p ? (int)p->num[lv] : TIMEOUT_DEFAULT_MS;
    len = OUTPUT_MAX;
    if (ef_run_command(r->argv, timeout, &wstatus, buf, &len, why, sizeof(why)) != 0) {
        ef_eval_set(out, EF_UNKNOWN, "%s", why);
        free(buf);
        return;
    }
    if (!WIFEXITED(wstatus)) {
        ef_eval_set(out, EF_UNKNOWN, "`%s` killed by signal %d", cmd,
                    WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
        free(buf);
        return;
    }
    int code = WEXITSTATUS(wstatus);
    if ((p = ef_p(r, EF_P_EXIT_CODE)) != NULL) {
        if (code == p->num[lv]) {
            ef_text_printf(piece, sizeof(piece), "`%s` exited %d", cmd, code);
            ef_evidence_add(oks, sizeof(oks), piece);
        } else {
            ef_text_printf(piece, sizeof(piece), "`%s` exited %d (expected %lld)", cmd, code,
                           p->num[lv]);
            ef_evidence_add(fails, sizeof(fails), piece);
        }
    }
    if ((p = ef_p(r, EF_P_OUTPUT_MATCHES)) != NULL) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->re[lv], NULL);
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        int rc = PCRE2_ERROR_NOMEMORY;
        if (md && mc) {
            pcre2_set_match_limit(mc, 1000000);
            rc = pcre2_match(p->re[lv], (PCRE2_SPTR)buf, len, 0, 0, md, mc);
        }
        if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            char q[QUOTE_MAX * 4 + 8] = "";
            size_t ql = ov[1] - ov[0];
            ef_text_append(q, sizeof(q), buf + ov[0], ql > QUOTE_MAX ? QUOTE_MAX : ql);
            ef_text_printf(piece, sizeof(piece), "`%s` output matches: %s", cmd, q);
            ef_evidence_add(oks, sizeof(oks), piece);
        } else if (rc == PCRE2_ERROR_NOMATCH) {
            ef_text_printf(piece, sizeof(piece), "`%s` output does not match '%s'", cmd,
                           p->str[lv]);
            ef_evidence_add(fails, sizeof(fails), piece);
        } else {
            ef_eval_set(out, EF_UNKNOWN, "`%s`: cannot match output (PCRE2 error %d)", cmd, rc);
            pcre2_match_context_free(mc);
            pcre2_match_data_free(md);
            free(buf);
            return;
        }
        pcre2_match_context_free(mc);
        pcre2_match_data_free(md);
    }
    free(buf);
    if (fails[0])
        ef_eval_set(out, EF_FAIL, "%s", fails);
    else
        ef_eval_set(out, EF_PASS, "%s", oks);
}
