/* SPDX-License-Identifier: EUPL-1.2 */
/* efterlev-collector agent move|reset: the administrator's actions on an enrolled machine,
 * which a department's enrollment token can never do (docs/operations.md, "Moving and
 * reinstalling machines"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "efterlev/log.h"
#include "now.h"

static const char help[] =
    "Usage: efterlev-collector agent move HOST --department NAME [--config FILE]\n"
    "       efterlev-collector agent reset HOST [--config FILE]\n"
    "       efterlev-collector agent retire HOST [--config FILE]\n"
    "\n"
    "HOST is an agent id (ag-...) or a hostname that names exactly one enrolled machine.\n"
    "\n"
    "move    puts the machine in another department (its key, seq and history stay); its\n"
    "        results leave the old department's figures and count in the new one's.\n"
    "reset   lets the machine's next enrollment bring a new key and the enrolling token's\n"
    "        department: for a reinstalled machine, whose old key is gone. Until then the\n"
    "        collector refuses any re-enrollment of a known machine with another key or\n"
    "        into another department, so a department token cannot take machines over.\n"
    "        A retired machine returns to service: counted again from its next report.\n"
    "retire  takes a machine out of service (scrapped, replaced, sold): out of its\n"
    "        department's figures and the host lists; its reports stay, in exports too.\n"
    "        Its reports and enrollments are refused until agent reset.\n"
    "Each is written to the audit log.\n"
    "\n"
    "Examples:\n"
    "  efterlev-collector agent move skola-pc-17 --department Utbildningsförvaltningen\n"
    "  efterlev-collector agent reset skola-pc-17\n"
    "  efterlev-collector agent retire skola-pc-17\n";

/* The agent id of HOST (an agent id or a unique hostname), retired machines included;
 * EF_EXIT_* */
static int find_agent(struct ef_store *s, const char *host, char out[EF_ID_MAX + 1])
{
    struct ef_agent_row *h = NULL;
    size_t n = 0, i, found = 0;

    /* agent_list: every agent, one row per key it ever had, ordered by agent id. */
    if (s->ops->agent_list(s, NULL, &h, &n) != EF_OK) {
        ef_error("%s", s->err);
        return EF_EXIT_FAIL;
    }
    for (i = 0; i < n; i++) {
        if (i > 0 && strcmp(h[i].agent_id, h[i - 1].agent_id) == 0)
            continue;                           /* the same agent, another key */
        if (strcmp(h[i].agent_id, host) == 0) { /* an id is exact */
            found = 1;
            snprintf(out, EF_ID_MAX + 1, "%s", h[i].agent_id);
            break;
        }
        if (strcmp(h[i].hostname, host) == 0 && found++ == 0)
            snprintf(out, EF_ID_MAX + 1, "%s", h[i].agent_id);
    }
    free(h);
    if (found == 0) {
        ef_error("no enrolled machine is called \"%s\"", host);
        return EF_EXIT_FAIL;
    }
    if (found > 1) {
        ef_error("%zu machines are called \"%s\": name one by its agent id (summary --format "
                 "json lists them)",
                 found, host);
        return EF_EXIT_FAIL;
    }
    return EF_EXIT_OK;
}

static int department_id(struct ef_store *s, const char *name, int64_t *id)
{
    struct ef_department *d = NULL;
    size_t n = 0, i;

    if (s->ops->department_list(s, &d, &n) != EF_OK) {
        ef_error("%s", s->err);
        return EF_EXIT_FAIL;
    }
    for (i = 0; i < n && strcmp(d[i].name, name) != 0; i++)
        ;
    if (i < n)
        *id = d[i].id;
    free(d);
    if (i == n) {
        ef_error("no department is called \"%s\" (department list shows them)", name);
        return EF_EXIT_FAIL;
    }
    return EF_EXIT_OK;
}

enum action { MOVE, RESET, RETIRE };

/* move HOST to department, reset or retire HOST. */
static int agent_action(const char *config, const char *host, const char *department,
                        enum action what)
{
    char agent_id[EF_ID_MAX + 1], actor[EF_ACTOR_MAX + 1];
    struct ef_coll_config cfg;
    struct ef_store *s;
    int64_t dept = 0;
    int rc;

    if ((rc = ef_cmd_open(config, &cfg, &s)) != EF_EXIT_OK)
        return rc;
    ef_cli_actor(actor, sizeof(actor));
    if ((rc = find_agent(s, host, agent_id)) == EF_EXIT_OK && department != NULL)
        rc = department_id(s, department, &dept);
    if (rc == EF_EXIT_OK) {
        int st = what == MOVE    ? s->ops->agent_move(s, agent_id, dept, actor, ef_coll_now())
                 : what == RESET ? s->ops->agent_reset(s, agent_id, actor, ef_coll_now())
                                 : s->ops->agent_retire(s, agent_id, actor, ef_coll_now());

        if (st != EF_OK) {
            ef_error("%s", st == EF_NOTFOUND ? "the agent vanished" : s->err);
            rc = EF_EXIT_FAIL;
        } else if (what == MOVE) {
            ef_info("moved %s (%s) to \"%s\"", host, agent_id, department);
        } else if (what == RESET) {
            ef_info("%s (%s) may enroll again, with a new key: run efterlev-agent enroll on it",
                    host, agent_id);
        } else {
            ef_info("retired %s (%s): out of the figures and host lists, its reports kept; "
                    "agent reset returns it to service",
                    host, agent_id);
        }
    }
    ef_store_close(s);
    return rc;
}

int cmd_agent(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"department", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *department = NULL;
    int c;

    char deptbuf[EF_DEPT_NAME_MAX + 1];
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            if (ef_cli_dept(optarg, deptbuf) != EF_EXIT_OK)
                return EF_EXIT_USAGE;
            department = deptbuf;
            break;
        case 'h':
            fputs(help, stdout);
            return EF_EXIT_OK;
        default:
            return ef_usage_hint("agent");
        }
    }
    if (argc - optind == 2 && strcmp(argv[optind], "move") == 0) {
        if (department == NULL) {
            ef_error("agent move needs --department NAME");
            return ef_usage_hint("agent");
        }
        return agent_action(config, argv[optind + 1], department, MOVE);
    }
    if (argc - optind == 2 && strcmp(argv[optind], "reset") == 0 && department == NULL)
        return agent_action(config, argv[optind + 1], NULL, RESET);
    if (argc - optind == 2 && strcmp(argv[optind], "retire") == 0 && department == NULL)
        return agent_action(config, argv[optind + 1], NULL, RETIRE);
    ef_error("expected \"agent move HOST --department NAME\", \"agent reset HOST\" or "
             "\"agent retire HOST\"");
    return ef_usage_hint("agent");
}
