/* SPDX-License-Identifier: EUPL-1.2 */
/* Messages for people: stderr, prefixed with the program name. Under systemd stderr goes
 * to the journal, so no separate syslog path is needed. */
#ifndef EFTERLEV_LOG_H
#define EFTERLEV_LOG_H

#include "efterlev/attr.h"

void ef_log_init(const char *progname);
void ef_log_set_verbose(int verbose);
void ef_info(const char *fmt, ...) EF_PRINTF(1, 2);
void ef_warn(const char *fmt, ...) EF_PRINTF(1, 2);
void ef_error(const char *fmt, ...) EF_PRINTF(1, 2);
void ef_debug(const char *fmt, ...) EF_PRINTF(1, 2);

#endif
