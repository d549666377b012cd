/* SPDX-License-Identifier: EUPL-1.2 */
/* The SQLite schema. A new database gets version 1 and then every migration, in one
 * transaction, so a new database and an upgraded one are built by the same statements.
 * schema_version records which version a database has. */
#ifndef EF_COLLECTOR_SQLITE_SCHEMA_H
#define EF_COLLECTOR_SQLITE_SCHEMA_H

#define EF_SQLITE_SCHEMA_VERSION 12

static const char ef_sqlite_schema[] =
    "CREATE TABLE schema_version (\n"
    "    version INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE departments (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),\n"
    "    token_hash TEXT NOT NULL,\n"
    "    created_at TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE agents (\n"
    "    agent_id TEXT PRIMARY KEY,\n"
    "    machine_id TEXT NOT NULL UNIQUE,\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    public_key BLOB NOT NULL,\n"
    "    hostname TEXT NOT NULL,\n"
    "    os_pretty TEXT NOT NULL DEFAULT '',\n"
    "    kernel TEXT NOT NULL DEFAULT '',\n"
    "    enrolled_at TEXT NOT NULL,\n"
    "    last_seq INTEGER NOT NULL DEFAULT 0,\n"
    "    last_sha256 TEXT NOT NULL DEFAULT '',\n"
    "    last_seen INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE reports (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    agent_id TEXT NOT NULL REFERENCES agents(agent_id),\n"
    "    seq INTEGER NOT NULL,\n"
    "    body BLOB NOT NULL,\n"
    "    signature BLOB NOT NULL,\n"
    "    sha256 TEXT NOT NULL,\n"
    "    generated_at TEXT NOT NULL,\n"
    "    received_at TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX reports_agent_seq ON reports(agent_id, seq);\n"
    "CREATE TABLE latest_results (\n"
    "    agent_id TEXT NOT NULL REFERENCES agents(agent_id),\n"
    "    check_id TEXT NOT NULL,\n"
    "    status TEXT NOT NULL,\n"
    "    evidence TEXT NOT NULL,\n"
    "    severity TEXT NOT NULL,\n"
    "    level TEXT NOT NULL,\n"
    "    controls TEXT NOT NULL,\n"
    "    report_id INTEGER NOT NULL REFERENCES reports(id),\n"
    "    PRIMARY KEY (agent_id, check_id)\n"
    ");\n"
    "CREATE TABLE results_history (\n"
    "    report_id INTEGER NOT NULL REFERENCES reports(id),\n"
    "    agent_id TEXT NOT NULL REFERENCES agents(agent_id),\n"
    "    check_id TEXT NOT NULL,\n"
    "    status TEXT NOT NULL,\n"
    "    evidence TEXT NOT NULL,\n"
    "    severity TEXT NOT NULL,\n"
    "    level TEXT NOT NULL,\n"
    "    controls TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX results_history_agent ON results_history(agent_id, check_id);\n"
    "CREATE TABLE api_tokens (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    role TEXT NOT NULL,\n"
    "    token_hash TEXT NOT NULL,\n"
    "    created_at TEXT NOT NULL\n"
    ");\n"
    "INSERT INTO schema_version (version) VALUES (1);\n";

/* Version 2: incremental counters, risk acceptances, daily snapshots, the audit log.
 * See docs/collector-internals.md for what each column holds. */
static const char *const ef_sqlite_migrate_2[] = {
    "ALTER TABLE agents ADD COLUMN counted INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agents ADD COLUMN n_pass INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agents ADD COLUMN n_fail INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agents ADD COLUMN n_na INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agents ADD COLUMN n_unknown INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agents ADD COLUMN n_error INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agents ADD COLUMN n_accepted INTEGER NOT NULL DEFAULT 0;\n",
    "CREATE INDEX agents_counted_seen ON agents(counted, last_seen);\n",
    "CREATE INDEX agents_department ON agents(department_id, hostname);\n",
    "ALTER TABLE reports ADD COLUMN department_id INTEGER REFERENCES departments(id);\n",
    "UPDATE reports SET department_id = (SELECT a.department_id FROM agents a\n"
    "    WHERE a.agent_id = reports.agent_id);\n",
    "CREATE INDEX reports_received ON reports(received_at);\n",
    "ALTER TABLE latest_results ADD COLUMN accepted_by INTEGER;\n",
    "ALTER TABLE latest_results ADD COLUMN since INTEGER NOT NULL DEFAULT 0;\n",
    "UPDATE latest_results SET since = (SELECT a.last_seen FROM agents a\n"
    "    WHERE a.agent_id = latest_results.agent_id);\n",
    "CREATE INDEX latest_results_check ON latest_results(check_id, status);\n",
    "CREATE INDEX results_history_report ON results_history(report_id);\n",
    "UPDATE agents SET\n"
    "    n_pass = (SELECT count(*) FROM latest_results r WHERE r.agent_id = agents.agent_id\n"
    "              AND r.status = 'pass'),\n"
    "    n_fail = (SELECT count(*) FROM latest_results r WHERE r.agent_id = agents.agent_id\n"
    "              AND r.status = 'fail'),\n"
    "    n_na = (SELECT count(*) FROM latest_results r WHERE r.agent_id = agents.agent_id\n"
    "            AND r.status = 'na'),\n"
    "    n_unknown = (SELECT count(*) FROM latest_results r WHERE r.agent_id = agents.agent_id\n"
    "                 AND r.status = 'unknown'),\n"
    "    n_error = (SELECT count(*) FROM latest_results r WHERE r.agent_id = agents.agent_id\n"
    "               AND r.status = 'error');\n",
    "CREATE TABLE dept_counts (\n"
    "    department_id INTEGER PRIMARY KEY REFERENCES departments(id),\n"
    "    hosts INTEGER NOT NULL DEFAULT 0,\n"
    "    fresh_hosts INTEGER NOT NULL DEFAULT 0,\n"
    "    pass INTEGER NOT NULL DEFAULT 0,\n"
    "    fail INTEGER NOT NULL DEFAULT 0,\n"
    "    na INTEGER NOT NULL DEFAULT 0,\n"
    "    unknown INTEGER NOT NULL DEFAULT 0,\n"
    "    error INTEGER NOT NULL DEFAULT 0,\n"
    "    accepted INTEGER NOT NULL DEFAULT 0\n"
    ");\n",
    "INSERT INTO dept_counts (department_id, hosts)\n"
    "    SELECT d.id, (SELECT count(*) FROM agents a WHERE a.department_id = d.id)\n"
    "    FROM departments d;\n",
    "CREATE TABLE dept_check_counts (\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    check_id TEXT NOT NULL,\n"
    "    controls TEXT NOT NULL,\n"
    "    severity TEXT NOT NULL,\n"
    "    pass INTEGER NOT NULL DEFAULT 0,\n"
    "    fail INTEGER NOT NULL DEFAULT 0,\n"
    "    na INTEGER NOT NULL DEFAULT 0,\n"
    "    unknown INTEGER NOT NULL DEFAULT 0,\n"
    "    error INTEGER NOT NULL DEFAULT 0,\n"
    "    accepted INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (department_id, check_id, controls)\n"
    ");\n",
    "CREATE TABLE acceptances (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    check_id TEXT NOT NULL,\n"
    "    agent_id TEXT NOT NULL DEFAULT '',\n"
    "    reason TEXT NOT NULL,\n"
    "    accepted_by TEXT NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    until INTEGER NOT NULL,\n"
    "    state INTEGER NOT NULL DEFAULT 0,\n"
    "    ended_at INTEGER NOT NULL DEFAULT 0,\n"
    "    ended_by TEXT NOT NULL DEFAULT ''\n"
    ");\n",
    "CREATE INDEX acceptances_match ON acceptances(department_id, check_id, state);\n",
    "CREATE INDEX acceptances_due ON acceptances(state, until);\n",
    "CREATE TABLE snapshots (\n"
    "    day TEXT NOT NULL,\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    control TEXT NOT NULL,\n"
    "    level INTEGER NOT NULL,\n"
    "    stale_days INTEGER NOT NULL,\n"
    "    hosts INTEGER NOT NULL,\n"
    "    fresh_hosts INTEGER NOT NULL,\n"
    "    pass INTEGER NOT NULL,\n"
    "    fail INTEGER NOT NULL,\n"
    "    na INTEGER NOT NULL,\n"
    "    unknown INTEGER NOT NULL,\n"
    "    error INTEGER NOT NULL,\n"
    "    accepted INTEGER NOT NULL,\n"
    "    PRIMARY KEY (department_id, control, day)\n"
    ");\n",
    "CREATE INDEX snapshots_day ON snapshots(day);\n",
    "CREATE TABLE meta (\n"
    "    key TEXT PRIMARY KEY,\n"
    "    value TEXT NOT NULL\n"
    ");\n",
    "CREATE TABLE audit_log (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    at TEXT NOT NULL,\n"
    "    actor TEXT NOT NULL,\n"
    "    action TEXT NOT NULL,\n"
    "    details TEXT NOT NULL DEFAULT '{}'\n"
    ");\n",
    "CREATE INDEX audit_log_at ON audit_log(at);\n",
    "CREATE TABLE agent_keys (\n"
    "    agent_id TEXT NOT NULL REFERENCES agents(agent_id),\n"
    "    public_key BLOB NOT NULL,\n"
    "    first_enrolled_at TEXT NOT NULL,\n"
    "    PRIMARY KEY (agent_id, public_key)\n"
    ");\n",
    "INSERT INTO agent_keys (agent_id, public_key, first_enrolled_at)\n"
    "    SELECT agent_id, public_key, enrolled_at FROM agents;\n",
    "UPDATE schema_version SET version = 2;\n",
};

/* Version 3: people who log in to the dashboard and their sessions (docs/dashboard.md).
 * Passwords are scrypt hashes with salt and parameters in the string; sessions are stored
 * as the SHA-256 of the cookie's secret. */
static const char *const ef_sqlite_migrate_3[] = {
    "CREATE TABLE users (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    role TEXT NOT NULL,\n"
    "    password_hash TEXT NOT NULL,\n"
    "    created_at TEXT NOT NULL,\n"
    "    failed_logins INTEGER NOT NULL DEFAULT 0,\n"
    "    locked_until INTEGER NOT NULL DEFAULT 0\n"
    ");\n",
    "CREATE TABLE sessions (\n"
    "    id_hash TEXT PRIMARY KEY,\n"
    "    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
    "    csrf TEXT NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    last_seen INTEGER NOT NULL\n"
    ");\n",
    "CREATE INDEX sessions_user ON sessions(user_id);\n",
    "CREATE INDEX sessions_last_seen ON sessions(last_seen);\n",
    "UPDATE schema_version SET version = 3;\n",
};

/* Version 4:
 * - agents.rekey_allowed: a re-enrollment of a known machine with another key, or into
 *   another department, is refused unless an administrator allowed it (efterlev-collector
 *   agent reset); the permission is used up by the next enrollment;
 * - each agent key's certificate, the collector's export key's signature over it
 *   (collector/keycert.h), so exports prove which keys the collector itself enrolled. Keys
 *   enrolled before have none: meta.legacy_key_certs = 1 asks the next `serve` to certify
 *   them once (agent_keys_certify). */
static const char *const ef_sqlite_migrate_4[] = {
    "ALTER TABLE agents ADD COLUMN rekey_allowed INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agent_keys ADD COLUMN cert BLOB;\n",
    "INSERT INTO meta (key, value) VALUES ('legacy_key_certs', '1');\n",
    "UPDATE schema_version SET version = 4;\n",
};

/* Version 5: the system each host runs, from its latest report (host.platform, os_edition,
 * os_build: docs/protocol.md). Every agent that reported before this version is a Linux
 * agent (reports without a platform are Linux); one that has not reported yet has none
 * ('') until its first report. The index serves the hosts per platform of each
 * department (platform_counts) without reading the agents' rows. */
static const char *const ef_sqlite_migrate_5[] = {
    "ALTER TABLE agents ADD COLUMN platform TEXT NOT NULL DEFAULT '';\n",
    "ALTER TABLE agents ADD COLUMN os_edition TEXT NOT NULL DEFAULT '';\n",
    "ALTER TABLE agents ADD COLUMN os_build TEXT NOT NULL DEFAULT '';\n",
    "UPDATE agents SET platform = 'linux' WHERE last_seen > 0;\n",
    "CREATE INDEX agents_platform ON agents(department_id, platform, counted);\n",
    "UPDATE schema_version SET version = 5;\n",
};

/* Version 6: lifecycle (issue 14). A retired host (retired_at, a unix time; 0: in service)
 * stays with its reports for history and is out of the figures and host lists. A
 * department's renames and level changes, with when, in department_events (event 'rename'
 * or 'level'; old and new value as text). */
static const char *const ef_sqlite_migrate_6[] = {
    "ALTER TABLE agents ADD COLUMN retired_at INTEGER NOT NULL DEFAULT 0;\n",
    "CREATE TABLE department_events (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    at INTEGER NOT NULL,\n"
    "    event TEXT NOT NULL,\n"
    "    old_value TEXT NOT NULL,\n"
    "    new_value TEXT NOT NULL\n"
    ");\n",
    "CREATE INDEX department_events_dept ON department_events(department_id, at);\n",
    "UPDATE schema_version SET version = 6;\n",
};

/* Version 7: the municipality's device list (efterlev-collector inventory import,
 * docs/operations.md). Each import is a row of inventory_imports (kept: when and from which
 * file the lists came); inventory_devices holds the current list only, replaced whole in
 * the import's transaction. host_key is the matching key (collector/inventory.h: the short
 * host name, case-folded), indexed for the coverage's lookups. */
static const char *const ef_sqlite_migrate_7[] = {
    "CREATE TABLE inventory_imports (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    imported_at INTEGER NOT NULL,\n"
    "    file TEXT NOT NULL,\n"
    "    actor TEXT NOT NULL,\n"
    "    devices INTEGER NOT NULL\n"
    ");\n",
    "CREATE TABLE inventory_devices (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    import_id INTEGER NOT NULL REFERENCES inventory_imports(id),\n"
    "    line INTEGER NOT NULL,\n"
    "    hostname TEXT NOT NULL,\n"
    "    host_key TEXT NOT NULL,\n"
    "    department TEXT NOT NULL,\n"
    "    os TEXT NOT NULL DEFAULT '',\n"
    "    serial TEXT NOT NULL DEFAULT '',\n"
    "    last_logon TEXT NOT NULL DEFAULT ''\n"
    ");\n",
    "CREATE INDEX inventory_devices_key ON inventory_devices(host_key);\n",
    "UPDATE schema_version SET version = 7;\n",
};

/* Version 8: the required check set (issue 14, docs/figures.md "What is counted"). A
 * result the collector adds for a required check the report did not hold has status
 * 'missing', a counted kind of its own (n_missing, the counters' missing); the policy each
 * host's latest report names, and whether it was the one the host was assigned. Snapshots
 * before version 8 keep missing = 0 (nothing was missing then: it was not looked for). And
 * departments.merged_into: the department a merged one went into (department merge), NULL
 * for one in use. */
static const char *const ef_sqlite_migrate_8[] = {
    "ALTER TABLE agents ADD COLUMN n_missing INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE agents ADD COLUMN policy_id TEXT NOT NULL DEFAULT '';\n",
    "ALTER TABLE agents ADD COLUMN policy_version TEXT NOT NULL DEFAULT '';\n",
    "ALTER TABLE agents ADD COLUMN policy_sha256 TEXT NOT NULL DEFAULT '';\n",
    "ALTER TABLE agents ADD COLUMN policy_assigned INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE dept_counts ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE dept_check_counts ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE snapshots ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;\n",
    "ALTER TABLE departments ADD COLUMN merged_into INTEGER REFERENCES departments(id);\n",
    "DROP INDEX agents_platform;\n",
    "CREATE INDEX agents_platform ON agents(department_id, platform, counted, policy_assigned);\n",
    "UPDATE schema_version SET version = 8;\n",
};

/* Version 9 (version 8 is the result status `missing`): policies served by the collector
 * (docs/operations.md, "Policies per department"; docs/protocol.md, "Policy").
 * site_policies: the municipality's own policy files (policy add), their YAML whole.
 * policy_assignments: which of them a department runs. policy_overrides: catalog checks
 * switched off for a department (kind 'disable', with the reason) and parameters changed
 * (kind 'param': name and value; reserved). policy_versions: the department's policy
 * version, raised by every change that affects it. policy_served: the document last served
 * to the department per platform (its SHA-256), for ingest to compare a report's policy
 * with. */
static const char *const ef_sqlite_migrate_9[] = {
    "CREATE TABLE site_policies (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    platform TEXT NOT NULL CHECK (platform IN ('linux', 'windows')),\n"
    "    yaml TEXT NOT NULL,\n"
    "    sha256 TEXT NOT NULL,\n"
    "    added_at INTEGER NOT NULL,\n"
    "    actor TEXT NOT NULL\n"
    ");\n",
    "CREATE TABLE policy_assignments (\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    policy_id INTEGER NOT NULL REFERENCES site_policies(id),\n"
    "    at INTEGER NOT NULL,\n"
    "    actor TEXT NOT NULL,\n"
    "    PRIMARY KEY (department_id, policy_id)\n"
    ");\n",
    "CREATE TABLE policy_overrides (\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    check_id TEXT NOT NULL,\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('disable', 'param')),\n"
    "    name TEXT NOT NULL DEFAULT '',\n"
    "    value TEXT NOT NULL DEFAULT '',\n"
    "    reason TEXT NOT NULL,\n"
    "    at INTEGER NOT NULL,\n"
    "    actor TEXT NOT NULL,\n"
    "    PRIMARY KEY (department_id, check_id, kind, name)\n"
    ");\n",
    "CREATE TABLE policy_versions (\n"
    "    department_id INTEGER PRIMARY KEY REFERENCES departments(id),\n"
    "    version INTEGER NOT NULL,\n"
    "    changed_at INTEGER NOT NULL\n"
    ");\n",
    "CREATE TABLE policy_served (\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    platform TEXT NOT NULL,\n"
    "    version INTEGER NOT NULL,\n"
    "    sha256 TEXT NOT NULL,\n"
    "    served_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (department_id, platform)\n"
    ");\n",
    "UPDATE schema_version SET version = 9;\n",
};

/* Version 10: deviations (avvikelser, issue 15). A required check that fails on a host opens
 * one (opened_at: when the failing report was received); the coordinator gives it an owner,
 * an action and a due date (deviation assign); it closes by itself when the check no longer
 * fails (closed_how 'passed', 'status', 'not reported', 'retired') or by hand ('closed',
 * with a reason). At most one open deviation per (agent, check). The migration opens one for
 * every failing latest result, from the day it began failing. */
static const char *const ef_sqlite_migrate_10[] = {
    "CREATE TABLE deviations (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    department_id INTEGER NOT NULL REFERENCES departments(id),\n"
    "    agent_id TEXT NOT NULL,\n"
    "    check_id TEXT NOT NULL,\n"
    "    severity TEXT NOT NULL,\n"
    "    opened_at INTEGER NOT NULL,\n"
    "    owner TEXT NOT NULL DEFAULT '',\n"
    "    action TEXT NOT NULL DEFAULT '',\n"
    "    due INTEGER NOT NULL DEFAULT 0,\n"
    "    assigned_at INTEGER NOT NULL DEFAULT 0,\n"
    "    assigned_by TEXT NOT NULL DEFAULT '',\n"
    "    closed_at INTEGER NOT NULL DEFAULT 0,\n"
    "    closed_how TEXT NOT NULL DEFAULT '',\n"
    "    closed_by TEXT NOT NULL DEFAULT '',\n"
    "    reason TEXT NOT NULL DEFAULT ''\n"
    ");\n",
    "CREATE UNIQUE INDEX deviations_open ON deviations(agent_id, check_id) WHERE closed_at = 0;\n",
    "CREATE INDEX deviations_dept ON deviations(department_id, closed_at);\n",
    "INSERT INTO deviations (department_id, agent_id, check_id, severity, opened_at) "
    "SELECT a.department_id, r.agent_id, r.check_id, r.severity, r.since "
    "FROM latest_results r JOIN agents a ON a.agent_id = r.agent_id "
    "WHERE r.status = 'fail' AND a.retired_at = 0;\n",
    "UPDATE schema_version SET version = 10;\n",
};

/* Schema 11 (issue 15): systems with their owners and KLASSA classes per aspect, the hosts
 * tied to each (by name, so a listed machine can be tied before it enrolls), and each
 * agent's levels per aspect as its latest report was judged, with why (JSON). */
static const char *const ef_sqlite_migrate_11[] = {
    "CREATE TABLE systems (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    owner TEXT NOT NULL,\n"
    "    info_owner TEXT NOT NULL,\n"
    "    k INTEGER NOT NULL,\n"
    "    r INTEGER NOT NULL,\n"
    "    t INTEGER NOT NULL,\n"
    "    department_id INTEGER REFERENCES departments(id),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL\n"
    ");\n",
    "CREATE TABLE system_hosts (\n"
    "    system_id INTEGER NOT NULL REFERENCES systems(id),\n"
    "    host_key TEXT NOT NULL,\n"
    "    hostname TEXT NOT NULL,\n"
    "    assigned_at INTEGER NOT NULL,\n"
    "    assigned_by TEXT NOT NULL,\n"
    "    PRIMARY KEY (system_id, host_key)\n"
    ");\n",
    "CREATE INDEX system_hosts_key ON system_hosts(host_key);\n",
    "ALTER TABLE agents ADD COLUMN levels TEXT NOT NULL DEFAULT '';\n",
    "UPDATE schema_version SET version = 11;\n",
};

/* Version 12: alerts (docs/alerts.md). alert_outbox: one row per event and channel
 * ('webhook', 'smtp'), written in the transaction of the fact that causes it (a report's
 * pass-to-fail regression, a department crossing below its figure, an action found
 * overdue), so nothing is alerted that did not happen and nothing that happened is lost.
 * A sender claims due rows (claim, claimed_until: a lease, so a collector that dies while
 * sending gives them back) and marks them sent, or counts the attempt and sets next_at by
 * backoff; after the last attempt a row is kept as 'failed', never deleted. alert_state: a
 * department below its figure (below 1) or not, so it is alerted once per crossing.
 * deviations.overdue_alerted_at: the overdue alert of a deviation was made (0: not yet). */
static const char *const ef_sqlite_migrate_12[] = {
    "CREATE TABLE alert_outbox (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    channel TEXT NOT NULL CHECK (channel IN ('webhook', 'smtp')),\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('regression', 'department_below', 'overdue', "
    "'test')),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    department TEXT NOT NULL DEFAULT '',\n"
    "    agent_id TEXT NOT NULL DEFAULT '',\n"
    "    hostname TEXT NOT NULL DEFAULT '',\n"
    "    check_id TEXT NOT NULL DEFAULT '',\n"
    "    severity TEXT NOT NULL DEFAULT '',\n"
    "    detail TEXT NOT NULL DEFAULT '',\n"
    "    owner TEXT NOT NULL DEFAULT '',\n"
    "    due INTEGER NOT NULL DEFAULT 0,\n"
    "    threshold INTEGER NOT NULL DEFAULT 0,\n"
    "    ref INTEGER NOT NULL DEFAULT 0,\n"
    "    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),\n"
    "    attempts INTEGER NOT NULL DEFAULT 0,\n"
    "    next_at INTEGER NOT NULL DEFAULT 0,\n"
    "    claim TEXT NOT NULL DEFAULT '',\n"
    "    claimed_until INTEGER NOT NULL DEFAULT 0,\n"
    "    sent_at INTEGER NOT NULL DEFAULT 0,\n"
    "    last_error TEXT NOT NULL DEFAULT ''\n"
    ");\n",
    "CREATE INDEX alert_outbox_due ON alert_outbox(channel, state, next_at);\n",
    "CREATE INDEX alert_outbox_claim ON alert_outbox(claim);\n",
    "CREATE TABLE alert_state (\n"
    "    department_id INTEGER PRIMARY KEY REFERENCES departments(id),\n"
    "    below INTEGER NOT NULL DEFAULT 0,\n"
    "    changed_at INTEGER NOT NULL\n"
    ");\n",
    "ALTER TABLE deviations ADD COLUMN overdue_alerted_at INTEGER NOT NULL DEFAULT 0;\n",
    "UPDATE schema_version SET version = 12;\n",
};

#endif
