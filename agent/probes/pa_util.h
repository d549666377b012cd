/* Helpers of the patch and accounts probes: files under the scan root, sorted folder
 * listings, line iteration. */
#ifndef EFTERLEV_AGENT_PA_UTIL_H
#define EFTERLEV_AGENT_PA_UTIL_H

#include "facts.h"

#include <stddef.h>
#include <sys/stat.h>

#define PA_FILE_MAX (16 * 1024 * 1024)
#define PA_DAY 86400

/* Read ROOT/rel; 0 or a negative errno. */
int pa_read(struct ef_facts *f, const char *rel, char **buf, size_t *len);
/* stat ROOT/rel (following links); 0 or a negative errno. */
int pa_stat(struct ef_facts *f, const char *rel, struct stat *st);

/* Names in ROOT/rel sorted by strcmp (no "." or ".."); 0 or a negative errno. */
int pa_list(struct ef_facts *f, const char *rel, char ***names, size_t *n);
void pa_list_free(char **names, size_t n);

/* The next line of buf at *pos (without '\n' and a trailing '\r'), NUL-terminated in
 * place; NULL at the end. *lineno counts lines. */
char *pa_next_line(char *buf, size_t len, size_t *pos, size_t *lineno);

/* Skip spaces and tabs. */
char *pa_skip_ws(char *s);
/* Trim trailing spaces, tabs and CRs in place. */
void pa_rtrim(char *s);

/* "permission denied (run as root)" for EACCES/EPERM, else strerror. */
const char *pa_errtext(int err);

/* Days from t to the scan time, at least 0. */
long long pa_days_since(struct ef_facts *f, time_t t);

#endif
