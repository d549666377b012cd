/* SPDX-License-Identifier: EUPL-1.2 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "csv.h"
#include "efterlev/log.h"
#include "efterlev/util.h"
#include "names.h"

int ef_cmd_open(const char *config_path, struct ef_coll_config *cfg, struct ef_store **store)
{
    const char *path = ef_coll_config_path(config_path);
    char err[512];

    if (ef_coll_config_load(path, cfg, err, sizeof(err)) != 0) {
        ef_error("%s", err);
        return EF_EXIT_USAGE;
    }
    *store = ef_store_open(cfg->database, 0, err, sizeof(err));
    if (*store == NULL) {
        ef_error("%s", err);
        return EF_EXIT_FAIL;
    }
    (*store)->stale_days = cfg->stale_days;
    return EF_EXIT_OK;
}

int ef_usage_hint(const char *cmd)
{
    fprintf(stderr, "Try 'efterlev-collector %s --help'.\n", cmd);
    return EF_EXIT_USAGE;
}

int ef_cli_dept(const char *arg, char out[EF_DEPT_NAME_MAX + 1])
{
    if (ef_dept_name_canon(arg, out) != 0) {
        ef_error("department name must be 1 to %d bytes of UTF-8 without control characters",
                 EF_DEPT_NAME_MAX);
        return EF_EXIT_USAGE;
    }
    return EF_EXIT_OK;
}

const struct ef_csv_dialect *ef_cli_table_format(const char *format, const char *dialect)
{
    const struct ef_csv_dialect *dl = ef_csv_dialect_parse(dialect);

    if (dl == NULL || (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
                       strcmp(format, "csv") != 0)) {
        ef_error("expected [--format text|json|csv] [--csv-dialect rfc4180|excel-sv]");
        return NULL;
    }
    return dl;
}

int ef_cli_text(const char *what, const char *v, size_t max)
{
    if (v == NULL || *v == '\0') {
        ef_error("%s is required", what);
        return 0;
    }
    if (strlen(v) > max || !ef_utf8_valid(v, strlen(v))) {
        ef_error("%s must be UTF-8 of at most %zu bytes", what, max);
        return 0;
    }
    return 1;
}

int ef_cli_json_format(const char *format)
{
    if (strcmp(format, "json") == 0)
        return 1;
    if (strcmp(format, "text") == 0)
        return 0;
    ef_error("--format must be text or json");
    return -1;
}

int ef_cli_print_json(json_t *j)
{
    int ok = j != NULL && json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) == 0;

    if (ok)
        ok = putchar('\n') != EOF;
    json_decref(j);
    return ok && fflush(stdout) == 0 ? EF_EXIT_OK : EF_EXIT_FAIL;
}
