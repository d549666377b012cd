/* SPDX-License-Identifier: EUPL-1.2 */
#include "efterlev/attr.h"
#include "efterlev/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *prog = "efterlev";
static int verbose;

void ef_log_init(const char *progname)
{
    prog = progname;
}

void ef_log_set_verbose(int v)
{
    verbose = v;
}

static void vlog(const char *tag, const char *fmt, va_list ap) EF_PRINTF(2, 0);
static void vlog(const char *tag, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    fprintf(stderr, "%s: %s%s\n", prog, tag, msg);
}

#define EF_LOG_FN(name, tag, cond)                                                                 \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        if (!(cond))                                                                               \
            return;                                                                                \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        vlog(tag, fmt, ap);                                                                        \
        va_end(ap);                                                                                \
    }

EF_LOG_FN(ef_info, "", 1)
EF_LOG_FN(ef_warn, "warning: ", 1)
EF_LOG_FN(ef_error, "error: ", 1)
EF_LOG_FN(ef_debug, "debug: ", verbose)
