/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's subcommands. Each returns the process exit status:
 * 0 success, 1 failure, 2 usage or configuration error. */
#ifndef EF_COLLECTOR_COMMANDS_H
#define EF_COLLECTOR_COMMANDS_H

#include <jansson.h>

#include "config.h"
#include "store/store.h"

#define EF_EXIT_OK 0
#define EF_EXIT_FAIL 1
#define EF_EXIT_USAGE 2

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_department(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_accept(int argc, char **argv);
int cmd_deviation(int argc, char **argv);
int cmd_system(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_verify_export(int argc, char **argv);
int cmd_export_key(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_controls(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_coverage(int argc, char **argv);
int cmd_policy(int argc, char **argv);

/* Load the configuration (explicit path, env or default) and open its store. Returns
 * EF_EXIT_OK, or the exit status to fail with (the reason is logged). */
int ef_cmd_open(const char *config_path, struct ef_coll_config *cfg, struct ef_store **store);

/* "Try '... --help'" on stderr; returns EF_EXIT_USAGE. */
int ef_usage_hint(const char *cmd);

/* A department name from the command line, checked and in NFC (names.h), into out: every
 * command that takes one goes through here. EF_EXIT_OK, or EF_EXIT_USAGE (logged). */
int ef_cli_dept(const char *arg, char out[EF_DEPT_NAME_MAX + 1]);

/* A required text option: present, UTF-8, at most max bytes. 1, or 0 (logged: "WHAT is
 * required", "WHAT must be UTF-8 of at most N bytes"). */
int ef_cli_text(const char *what, const char *v, size_t max);

/* --format of a command that prints text or JSON: 1 json, 0 text, -1 anything else (logged:
 * "--format must be text or json"). */
int ef_cli_json_format(const char *format);

/* Print j (consumed) as indented JSON and a newline on stdout, flushed: EF_EXIT_OK, or
 * EF_EXIT_FAIL (j NULL, or a write failed). What every --format json prints through. */
int ef_cli_print_json(json_t *j);

struct ef_csv_dialect;
/* The tables' output options (trend, coverage): --format text|json|csv and
 * --csv-dialect rfc4180|excel-sv checked together. The dialect, or NULL (logged). */
const struct ef_csv_dialect *ef_cli_table_format(const char *format, const char *dialect);

#endif
