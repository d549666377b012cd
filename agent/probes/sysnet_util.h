/* Small helpers shared by the network, malware, desktop and system probes. */
#ifndef EFTERLEV_AGENT_SYSNET_UTIL_H
#define EFTERLEV_AGENT_SYSNET_UTIL_H

#include "facts.h"

#include <stddef.h>

/* The last assignment of key in a shell-style KEY=VALUE file under the scan root (blank
 * lines and # comments skipped, surrounding quotes removed). Returns 1 and the value and
 * its line number, 0 when the file has no such key, or a negative errno when the file
 * cannot be read. */
int ef_sn_kv_last(struct ef_facts *f, const char *path, const char *key, char *val, size_t vallen,
                  int *line);

/* Trim spaces, tabs and a trailing CR in place; returns the first non-blank character. */
char *ef_sn_trim(char *s);

/* 1 when the scan is of the live system ("/"). */
int ef_sn_live(struct ef_facts *f);

/* Why a read failed, for evidence: "permission denied (run as root)" for EACCES/EPERM,
 * else strerror. err is a positive or negative errno. */
const char *ef_sn_why(int err);

/* Append ", "-separated item to list (capacity cap), safely truncated. */
void ef_sn_list_add(char *list, size_t cap, const char *item);

#endif
