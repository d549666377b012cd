/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's storage interface. Every backend (SQLite and PostgreSQL) fills in
 * a struct ef_store_ops; callers only ever go through s->ops, so the rest of the collector
 * does not know which database it talks to. All functions return EF_OK, or one of
 * the other codes of enum ef_rc (store/rc.h); on EF_ERR, s->err says what went wrong. */
#ifndef EF_COLLECTOR_STORE_H
#define EF_COLLECTOR_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "efterlev/report.h"
#include "efterlev/sign.h"

/* The result codes: one enum for the store and the collector's layers above it. */
#include "store/rc.h"

#define EF_DEPT_NAME_MAX 128                /* bytes, UTF-8 */
#define EF_TOKEN_NAME_MAX 128               /* name of an API token */
#define EF_ROLE_MAX (11 + EF_DEPT_NAME_MAX) /* "department:" + name */
#define EF_AGENT_ID_LEN 35                  /* "ag-" + 32 hex digits */
#define EF_ACTOR_MAX 160                    /* "token:NAME", "cli:USER", a person's name */
#define EF_REASON_MAX 1024                  /* text of a risk acceptance */
#define EF_CONTROLS_TEXT_MAX (EF_CONTROLS_MAX * (EF_CONTROL_MAX + 1) + 1) /* "8.9,5.17" */

/* Counted kinds: the five result statuses, then "accepted" (a failure covered by an active
 * risk acceptance: neither pass nor fail), then "missing" (a check the host's level requires
 * that its report did not hold: the collector adds the result at ingest, collector/assigned.h;
 * no agent sends it). Arrays of counts are indexed by ef_status, and EF_ACCEPTED and
 * EF_MISSING after them. A missing result's status is EF_MISSING: a value past the statuses
 * an agent reports, named by ef_result_status_name. */
#define EF_ACCEPTED EF_STATUS_COUNT
#define EF_MISSING (EF_STATUS_COUNT + 1)
#define EF_KINDS (EF_STATUS_COUNT + 2)

/* A stored result's status as text: the reported ones, and "missing". */
static inline const char *ef_result_status_name(ef_status st)
{
    return (int)st == EF_MISSING ? "missing" : ef_status_name(st);
}

/* The reverse; 0, or -1 when name is no stored status. */
static inline int ef_result_status_parse(const char *name, ef_status *out)
{
    if (strcmp(name, "missing") == 0) {
        *out = (ef_status)EF_MISSING;
        return 0;
    }
    return ef_status_parse(name, out);
}

struct ef_department {
    int64_t id;
    char name[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    char token_hash[65]; /* hex SHA-256 of the token's secret part */
    int64_t hosts;       /* enrolled agents (filled by department_list) */
    /* the department it was merged into (department_merge), "" when none: a merged one has
     * no machines, no figures and no enrollment token, and keeps its history */
    char merged_into[EF_DEPT_NAME_MAX + 1];
};

/* A host's levels per aspect with why, as JSON (host_levels.h): four aspects, each naming
 * at most one system (EF_SYSTEM_NAME_MAX), fit. */
#define EF_LEVELS_JSON_MAX 800

/* A system (informationssystem) with its owners and its information's KLASSA classes per
 * aspect, 1..4 (core_systems.c, schema 11); the hosts tied to it are judged at least at
 * the levels its classes require (docs/figures.md, "Levels per aspect"). */
#define EF_SYSTEM_NAME_MAX 128 /* bytes, UTF-8, NFC */
#define EF_OWNER_MAX 200       /* systemägare, informationsägare */
struct ef_system {
    int64_t id;
    char name[EF_SYSTEM_NAME_MAX + 1];
    char owner[EF_OWNER_MAX + 1];          /* systemägare */
    char info_owner[EF_OWNER_MAX + 1];     /* informationsägare */
    int k, r, t;                           /* consequence levels 1..4 */
    char department[EF_DEPT_NAME_MAX + 1]; /* the owning department, "" none */
    int64_t created_at, updated_at;
    int64_t nhosts; /* hosts tied to it (system_list) */
};

/* A host tied to a system, by name: host_key is the collector's folded short name
 * (collector/inventory.h, ef_inv_host_key), what machines and device-list rows match on. */
struct ef_system_host {
    char system[EF_SYSTEM_NAME_MAX + 1];
    char hostname[EF_NAME_MAX + 1]; /* as given */
    char host_key[EF_NAME_MAX + 1];
    int k, r, t; /* the system's */
    int64_t assigned_at;
    char assigned_by[EF_ACTOR_MAX + 1];
};

/* A deviation (avvikelse): a required check failing on a host (core_deviations.c). */
#define EF_DEVIATION_TEXT_MAX 512 /* owner, action */
struct ef_deviation {
    int64_t id;
    char department[EF_DEPT_NAME_MAX + 1];
    char agent_id[EF_ID_MAX + 1];
    char hostname[EF_NAME_MAX + 1];
    char check[EF_ID_MAX + 1];
    ef_severity severity;
    int64_t opened_at;                      /* the failing report's receipt, unix time */
    char owner[EF_DEVIATION_TEXT_MAX + 1];  /* who acts ("" until assigned) */
    char action[EF_DEVIATION_TEXT_MAX + 1]; /* the action (åtgärd) */
    int64_t due;                            /* unix time, 0 none */
    int64_t assigned_at;
    char assigned_by[EF_ACTOR_MAX + 1];
    int64_t closed_at;   /* 0: open */
    char closed_how[16]; /* passed, status, not reported, retired, closed */
    char closed_by[EF_ACTOR_MAX + 1];
    char reason[EF_REASON_MAX + 1]; /* of a close by hand; the new status otherwise */
    int accepted;                   /* open, its failure under an active acceptance */
};

/* A department-wide pattern (core_deviations.c): one check open as a deviation on at least
 * EF_PATTERN_MIN_HOSTS hosts and on at least half of the department's counted hosts. Not a
 * row of its own: read from the open deviations, and followed up through them (an action
 * assigned to the pattern is assigned to each). */
#define EF_PATTERN_MIN_HOSTS 2
struct ef_deviation_pattern {
    char department[EF_DEPT_NAME_MAX + 1];
    char check[EF_ID_MAX + 1];
    int64_t hosts;        /* with the deviation open */
    int64_t of;           /* the department's counted (fresh) hosts */
    int64_t assigned;     /* of them with an owner */
    int64_t first_opened; /* the oldest of them */
};

/* Alerts (schema 12, core_alerts.c; docs/alerts.md): the channels as bits, and one row of
 * the outbox (an event for one channel). */
#define EF_ALERT_CH_WEBHOOK 1u
#define EF_ALERT_CH_SMTP 2u
#define EF_ALERT_ERROR_MAX 255
#define EF_ALERT_CLAIM_LEN 32 /* hex of 16 random bytes */
struct ef_alert_event {
    int64_t id;
    char channel[16]; /* webhook, smtp */
    char kind[24];    /* regression, department_below, overdue, test */
    int64_t created_at;
    char department[EF_DEPT_NAME_MAX + 1];
    char agent_id[EF_ID_MAX + 1];
    char hostname[EF_NAME_MAX + 1];
    char check[EF_ID_MAX + 1];
    char severity[16];
    char detail[EF_EVIDENCE_MAX + 1];      /* regression: evidence; department_below: the figure
                                              ("72.5"); overdue: the action */
    char owner[EF_DEVIATION_TEXT_MAX + 1]; /* overdue: who acts */
    int64_t due;                           /* overdue: the due date */
    int64_t threshold;                     /* department_below: the configured figure */
    int64_t ref;                           /* overdue: the deviation's id */
    char state[16];                        /* pending, sent, failed */
    int64_t attempts, next_at, sent_at;
    char last_error[EF_ALERT_ERROR_MAX + 1];
};

/* What department_merge did. */
struct ef_merge_result {
    int64_t hosts;               /* machines moved (retired ones too: their history follows) */
    int64_t acceptances_moved;   /* active acceptances of one machine: they follow it */
    int64_t acceptances_revoked; /* active department-wide ones: they covered only FROM */
};

/* A change of a department (department_events): event "rename" (names), "level" or
 * "merge" (old_value the merged department, new_value the one it went into). */
struct ef_department_event {
    int64_t at; /* unix time */
    char event[16];
    char old_value[EF_DEPT_NAME_MAX + 1], new_value[EF_DEPT_NAME_MAX + 1];
};

struct ef_agent {
    char agent_id[EF_ID_MAX + 1];
    char machine_id[EF_SHORT_MAX + 1];
    int64_t department_id;
    unsigned char public_key[EF_ED25519_PUB_LEN];
    uint64_t last_seq;
    char last_sha256[65];           /* of the last stored report body, "" when none */
    int64_t retired_at;             /* unix time it was retired (agent_retire); 0: in service */
    char hostname[EF_NAME_MAX + 1]; /* as it last enrolled or reported */
};

/* Signs the key certificate of (agent_id, public_key) with arg (collector/keycert.h) into
 * cert. Deterministic and without other effects: a transaction body may run it again.
 * Returns 0 or -1. */
typedef int (*ef_certify_fn)(void *arg, const char *agent_id, const unsigned char *public_key,
                             unsigned char cert[EF_ED25519_SIG_LEN]);
/* An export key rotation's step for one stored key: 0 with cert replaced by the new key's
 * certificate, 1 when the key is not re-certified (its certificate, certlen bytes, 0 when
 * none, is not the old key's), -1 on failure. */
typedef int (*ef_recertify_fn)(void *arg, const char *agent_id, const unsigned char *public_key,
                               unsigned char *cert, size_t certlen);

/* Input of agent_enroll. */
struct ef_enrollment {
    const char *machine_id;
    const char *hostname;
    int64_t department_id;
    const unsigned char *public_key; /* EF_ED25519_PUB_LEN bytes */
    const char *new_agent_id;        /* used only when machine_id is not enrolled yet */
    time_t now;                      /* the time of the enrollment */
    /* A known machine may change its key only with proof from its current key: that key's
     * signature (EF_ED25519_SIG_LEN bytes, NULL when none) of proof_msg. */
    const unsigned char *current_proof;
    const void *proof_msg;
    size_t proof_len;
    /* Certifies the key for the agent_id the enrollment keeps or gives, stored with the key
     * in agent_keys. NULL: no certificate (tools, tests). */
    ef_certify_fn certify;
    void *certify_arg;
};

/* One accepted report, stored in a single transaction. */
struct ef_report_record {
    const char *agent_id;
    const void *body; /* exact bytes as received and signed */
    size_t body_len;
    const unsigned char *signature; /* EF_ED25519_SIG_LEN bytes */
    const char *sha256;             /* hex SHA-256 of body */
    time_t received_at;
    const struct ef_report *report; /* the parsed body */
    /* The key the signature was verified with. The seq is claimed only while it is still
     * the agent's key, so a report cannot be stored after a re-enrollment (here or on
     * another collector) replaced the key it was signed with: EF_EXISTS then, and the
     * caller looks at the fresh agent row. NULL: no such condition (tools, tests). */
    const unsigned char *public_key;
    /* The collector's verdict on the report's policy (ingest: collector/assigned.h): 1 when
     * it ran the policy the host was assigned, stored with the agent as policy_assigned. */
    int policy_assigned;
    /* Its levels per aspect as judged, with why (JSON, host_levels.h); NULL: leave as is. */
    const char *levels;
};

/* One enrolled agent with the status counts of its latest results. */
struct ef_host_row {
    char agent_id[EF_ID_MAX + 1];
    char hostname[EF_NAME_MAX + 1];
    char department[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    int64_t last_seen; /* unix time of the last stored report, 0 when never */
    uint64_t last_seq;
    int64_t counts[EF_KINDS]; /* of its latest results, after acceptances */
    int stale;                /* 1 when its results are not counted (not seen in the window) */
    char os_pretty[EF_NAME_MAX + 1];
    char kernel[EF_SHORT_MAX + 1];
    /* From its latest report (schema 5): EF_PLATFORM_LINUX or EF_PLATFORM_WINDOWS, "" before
     * its first report; edition and build are Windows's (empty on Linux). */
    char platform[16];
    char os_edition[EF_SHORT_MAX + 1];
    char os_build[EF_SHORT_MAX + 1];
    int64_t retired_at; /* unix time (agent_retire); only a host asked for by id can be */
    /* The policy its latest report names (schema 8; "" before), and whether that was the
     * policy it was assigned (ef_report_record.policy_assigned). */
    char policy_id[EF_ID_MAX + 1];
    char policy_version[EF_SHORT_MAX + 1];
    char policy_sha256[65];
    int policy_assigned;
};

/* The hosts of one department on one platform ("" = not reported yet): all enrolled, of
 * them those counted (fresh at the last sweep), and of those the ones whose latest report ran
 * the policy they were assigned (ef_host_row.policy_assigned). */
struct ef_platform_count {
    char department[EF_DEPT_NAME_MAX + 1];
    char platform[16];
    int64_t hosts, fresh_hosts, fresh_assigned;
};

/* Counters of one department (kept up to date in the ingest transaction and by sweep). */
struct ef_dept_counts {
    int64_t id;
    char name[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    int64_t hosts;       /* enrolled agents */
    int64_t fresh_hosts; /* of which counted: seen within the staleness window */
    int64_t counts[EF_KINDS];
};

/* Counters of one check in one department over the counted agents' latest results. */
struct ef_check_counts {
    int64_t department_id;
    char check[EF_ID_MAX + 1];
    char controls[EF_CONTROLS_TEXT_MAX]; /* "8.9,5.17", primary first */
    ef_severity severity;
    int64_t counts[EF_KINDS];
};

/* One latest result of a host. */
struct ef_result_row {
    char check[EF_ID_MAX + 1];
    ef_status status;   /* as reported */
    int accepted;       /* a failure covered by an active acceptance */
    int64_t acceptance; /* its id, 0 when none */
    int64_t since;      /* unix time from which the status has been the same */
    char evidence[EF_EVIDENCE_MAX + 1];
    char controls[EF_CONTROLS_TEXT_MAX];
    ef_severity severity;
    ef_level level;
};

enum ef_acceptance_state { EF_ACC_ACTIVE = 0, EF_ACC_EXPIRED, EF_ACC_REVOKED };

/* A risk acceptance (riskacceptans). agent_id empty: the whole department. */
struct ef_acceptance {
    int64_t id;
    int64_t department_id;
    char department[EF_DEPT_NAME_MAX + 1];
    char check[EF_ID_MAX + 1];
    char agent_id[EF_ID_MAX + 1];
    char hostname[EF_NAME_MAX + 1]; /* of agent_id, filled by list */
    char reason[EF_REASON_MAX + 1];
    char by[EF_ACTOR_MAX + 1];
    int64_t created_at;
    int64_t until; /* expires at this unix time */
    enum ef_acceptance_state state;
    int64_t ended_at; /* expired or revoked at, 0 while active */
    char ended_by[EF_ACTOR_MAX + 1];
};

struct ef_audit_row {
    int64_t id;
    char at[32]; /* RFC 3339 */
    char actor[EF_ACTOR_MAX + 1];
    char action[64];
    char *details; /* JSON text, owned by the array (freed with ef_audit_free) */
};

/* One row of the daily history: control "" holds the department's totals. */
struct ef_snapshot_row {
    char day[11]; /* YYYY-MM-DD */
    char department[EF_DEPT_NAME_MAX + 1];
    char control[EF_CONTROL_MAX + 1];
    ef_level level;
    int stale_days;
    int64_t hosts, fresh_hosts;
    int64_t counts[EF_KINDS];
};

/* An enrolled agent for exports: identity and key. */
struct ef_agent_row {
    char agent_id[EF_ID_MAX + 1];
    char hostname[EF_NAME_MAX + 1];
    char department[EF_DEPT_NAME_MAX + 1];
    unsigned char public_key[EF_ED25519_PUB_LEN];
    /* The collector's key certificate of (agent_id, public_key) (keycert.h), as stored:
     * has_cert 0 for a key enrolled before schema 4 and not certified yet. */
    unsigned char cert[EF_ED25519_SIG_LEN];
    int has_cert;
    char platform[16]; /* from the agent's latest report, "" before its first */
    char os_edition[EF_SHORT_MAX + 1];
    char os_build[EF_SHORT_MAX + 1];
    /* The policy its latest report named and the collector's verdict (schema 8), and how
     * many required checks were missing from it. */
    char policy_id[EF_ID_MAX + 1];
    char policy_sha256[65];
    int policy_assigned;
    int64_t missing;
    char levels[EF_LEVELS_JSON_MAX + 1]; /* as its latest report was judged, "" before */
};

/* A stored report as exported. */
struct ef_stored_report {
    int64_t id;
    const char *agent_id;
    const char *department; /* at the time it was received */
    uint64_t seq;
    const char *received_at; /* RFC 3339 */
    const char *sha256;
    const void *body;
    size_t body_len;
    const unsigned char *signature; /* EF_ED25519_SIG_LEN bytes */
};

/* Which reports an export holds. NULL/0 fields do not filter. since/until compare the
 * collector's receipt time: since <= received_at < until. */
struct ef_report_filter {
    const char *department;
    time_t since, until;
};

typedef int (*ef_report_cb)(void *arg, const struct ef_stored_report *r);

struct ef_api_token {
    int64_t id;
    char name[EF_TOKEN_NAME_MAX + 1];
    char role[EF_ROLE_MAX + 1];
    char token_hash[65];
};

/* A person who logs in to the dashboard (efterlev-collector user add). */
#define EF_USER_NAME_LEN 128 /* bytes */
#define EF_PW_HASH_LEN 160   /* "$scrypt$ln=17,r=8,p=1$salt$key" */
struct ef_user {
    int64_t id;
    char name[EF_USER_NAME_LEN + 1];
    char role[EF_ROLE_MAX + 1];
    char password_hash[EF_PW_HASH_LEN + 1];
    int64_t failed_logins; /* failures in a row since the last success */
    int64_t locked_until;  /* unix time; 0 when not locked */
};

/* A dashboard session. Only the SHA-256 of the cookie's secret is stored. */
struct ef_session {
    char id_hash[65];
    int64_t user_id;
    char user[EF_USER_NAME_LEN + 1]; /* filled by session_get */
    char role[EF_ROLE_MAX + 1];      /* filled by session_get */
    char csrf[65];                   /* sent back in X-CSRF-Token on logout */
    int64_t created_at, last_seen;   /* unix times */
};

/* The municipality's device list (efterlev-collector inventory import, docs/operations.md):
 * one device of the current list. host_key is the matching key the caller computed
 * (collector/inventory.h: the short name, case-folded); the store only keeps it. */
#define EF_INV_DEVICES_MAX 200000 /* devices in one list */
#define EF_INV_FILE_MAX 255       /* the imported file's name, as recorded */
struct ef_device {
    int64_t import_id; /* set by inventory_get */
    int64_t line;      /* of the file it came from */
    char hostname[EF_NAME_MAX + 1];
    char host_key[EF_NAME_MAX + 1];
    char department[EF_DEPT_NAME_MAX + 1]; /* NFC */
    char os[EF_NAME_MAX + 1];
    char serial[EF_SHORT_MAX + 1];
    char last_logon[EF_SHORT_MAX + 1]; /* as the file wrote it */
    /* The system named in the list's system column (NFC), "" none: the import ties the
     * device to it (system_assign); not kept with the list itself. */
    char system[EF_SYSTEM_NAME_MAX + 1];
};

/* The current list's import (a snapshot: each import replaces the last whole). */
struct ef_inventory_info {
    int64_t id;
    int64_t imported_at; /* unix time */
    char file[EF_INV_FILE_MAX + 1];
    char actor[EF_ACTOR_MAX + 1];
    int64_t devices;
};

/* Policies served by the collector (schema 9; collector/policy_doc.h). */
#define EF_POLICY_NAME_MAX EF_ID_MAX     /* a site policy's name */
#define EF_POLICY_YAML_MAX (1024 * 1024) /* bytes of a site policy's YAML */
#define EF_POLICY_OVERRIDES_MAX 1024     /* overrides of one department (agents take as many) */
struct ef_site_policy {
    int64_t id;
    char name[EF_POLICY_NAME_MAX + 1];
    char platform[16]; /* "linux" or "windows" */
    char sha256[65];   /* of yaml */
    int64_t added_at;
    char actor[EF_ACTOR_MAX + 1];
    char *yaml; /* owned; NULL from policy_list */
};
/* A department's deviation from the catalog: kind "disable" (name and value "") or
 * "param" (name, value). */
struct ef_policy_override {
    char check[EF_ID_MAX + 1];
    char kind[8];
    char name[EF_ID_MAX + 1];
    char value[EF_SHORT_MAX + 1];
    char reason[EF_REASON_MAX + 1];
    int64_t at;
    char actor[EF_ACTOR_MAX + 1];
};
/* What a department is assigned (policy_dept_get). */
struct ef_dept_policy {
    int64_t department_id;
    char department[EF_DEPT_NAME_MAX + 1];
    ef_level level;
    int64_t version; /* 0: never changed */
    int64_t changed_at;
    struct ef_site_policy *files; /* its assigned site policies of the platform, by name */
    size_t nfiles;
    struct ef_policy_override *ov; /* by check, kind, name */
    size_t nov;
};
void ef_dept_policy_free(struct ef_dept_policy *p);
void ef_site_policies_free(struct ef_site_policy *v, size_t n);

struct ef_store;

/* Judges a department's counters (alert_department): 1 below the configured figure, 0 at or
 * above it, -1 no figure (nothing judged); the figure as text ("72.5") into figure. */
typedef int (*ef_alert_judge_fn)(void *arg, const int64_t counts[EF_KINDS], char *figure,
                                 size_t len);

struct ef_store_ops {
    void (*close)(struct ef_store *s);

    /* EF_EXISTS when the name is taken. */
    int (*department_add)(struct ef_store *s, const char *name, ef_level level,
                          const char *token_hash, time_t now, int64_t *id);
    int (*department_get)(struct ef_store *s, int64_t id, struct ef_department *out);
    /* All departments ordered by name, with their host counts; caller frees *out. */
    int (*department_list)(struct ef_store *s, struct ef_department **out, size_t *n);
    /* Replace the department's enrollment token hash: the old token stops admitting
     * machines ("" closes enrollment: no token matches it). NOTFOUND when no such name. */
    int (*department_set_token)(struct ef_store *s, const char *name, const char *token_hash);
    /* Rename (EF_EXISTS when new_name is taken) or re-level a department, recorded with now
     * in its events; roles naming it follow a rename. NOTFOUND when no such name. */
    int (*department_rename)(struct ef_store *s, const char *name, const char *new_name,
                             time_t now);
    int (*department_set_level)(struct ef_store *s, const char *name, ef_level level, time_t now);
    /* Merge department from into department into, in one transaction: every machine of
     * from moves (as agent_move, each audit-logged), active acceptances of one machine move
     * with it, active department-wide ones are revoked (by actor), from's enrollment is
     * closed and from is marked merged (out of every figure, its history kept); both
     * departments record the merge. NOTFOUND when either does not exist, EF_INVALID when
     * they are the same or from was merged already (or into was). */
    int (*department_merge)(struct ef_store *s, const char *from, const char *into,
                            const char *actor, time_t now, struct ef_merge_result *out);
    /* Deviations of a department (NULL: all), which 0 open, 1 overdue at now, 2 all,
     * ordered by department and age; caller frees *out. */
    int (*deviation_list)(struct ef_store *s, const char *department, int which, time_t now,
                          struct ef_deviation **out, size_t *n);
    /* Give an open deviation its owner, action and due date (0: none), by actor; NOTFOUND
     * when no open deviation has that id. */
    /* The department-wide patterns (department NULL: all), by department, most hosts
     * first; caller frees *out. */
    int (*deviation_patterns)(struct ef_store *s, const char *department,
                              struct ef_deviation_pattern **out, size_t *n);
    /* Assign owner, action and due to every open deviation of check in department (a
     * pattern); *n how many. EF_NOTFOUND when none is open. */
    int (*deviation_assign_check)(struct ef_store *s, const char *department, const char *check,
                                  const char *owner, const char *action, int64_t due,
                                  const char *actor, time_t now, int64_t *n);
    int (*deviation_assign)(struct ef_store *s, int64_t id, const char *owner, const char *action,
                            int64_t due, const char *actor, time_t now);
    /* Close an open deviation by hand with a reason; NOTFOUND when none open has that id. */
    int (*deviation_close)(struct ef_store *s, int64_t id, const char *reason, const char *actor,
                           time_t now);
    /* Systems (core_systems.c), each change one transaction with its audit row as actor.
     * add: EF_EXISTS when the name is taken; replace: change the one named (EF_NOTFOUND
     * when none). EF_NOTFOUND also when sys->department names no department. */
    int (*system_add)(struct ef_store *s, const struct ef_system *sys, int replace,
                      const char *actor, time_t now);
    /* remove: the system and its ties to hosts. EF_NOTFOUND when no such system. */
    int (*system_remove)(struct ef_store *s, const char *name, const char *actor, time_t now);
    /* By name, with nhosts; caller frees *out. */
    int (*system_list)(struct ef_store *s, struct ef_system **out, size_t *n);
    /* Tie (remove 0) or untie the n hosts (names, and their host keys) to or from system.
     * Tying a tied host again changes nothing. EF_NOTFOUND when no such system, or on
     * untie when a host was not tied (s->err names it; nothing changed). */
    int (*system_assign)(struct ef_store *s, const char *system, const char *const *hostnames,
                         const char *const *host_keys, size_t n, int remove, const char *actor,
                         time_t now);
    /* The ties of system (NULL: all) or of host_key (NULL: all), by system and host key;
     * caller frees *out. */
    int (*system_hosts)(struct ef_store *s, const char *system, const char *host_key,
                        struct ef_system_host **out, size_t *n);

    /* --- alerts (schema 12, docs/alerts.md); channels: EF_ALERT_CH_* bits --- */

    /* A department's figure judged against the threshold by judge, from its counters as
     * read in the same transaction that holds its alert state (the row locked): of several
     * collectors on one database, one that read the counters before a report changed them
     * cannot undo the state another set after it. When the figure crosses below (the state
     * was not below), one department_below event per channel is queued in that transaction
     * and *fired set; at or above clears the state; no figure leaves it. */
    int (*alert_department)(struct ef_store *s, int64_t department_id, ef_alert_judge_fn judge,
                            void *arg, int threshold, unsigned channels, time_t now, int *fired);
    /* Claim every open deviation whose due date passed before now and that was not alerted
     * (overdue_alerted_at = 0), and queue one overdue event per channel for each; *n: how
     * many deviations. */
    int (*alert_overdue)(struct ef_store *s, unsigned channels, time_t now, int64_t *n);
    /* Queue a test event per channel (efterlev-collector alerts test). */
    int (*alert_test)(struct ef_store *s, unsigned channels, time_t now);
    /* The oldest creation time of the channel's pending rows due at now and not claimed
     * (0: none). */
    int (*alert_oldest_due)(struct ef_store *s, const char *channel, time_t now, int64_t *oldest);
    /* Claim at most limit of the channel's due rows (oldest first) under claim (a random
     * token) until lease_until; *n how many. */
    int (*alert_claim)(struct ef_store *s, const char *channel, const char *claim, int64_t limit,
                       time_t now, int64_t lease_until, int64_t *n);
    /* The first limit rows of a claim: department_below, then overdue, then the rest, each
     * by id; caller frees *out. */
    int (*alert_claimed)(struct ef_store *s, const char *claim, int64_t limit,
                         struct ef_alert_event **out, size_t *n);
    /* A claim's outcome. error NULL: sent at now. Otherwise each row's attempt is counted and
     * the error kept; a row that reached max_attempts becomes failed (*failed counts them),
     * the others wait until next_at. The claim is released either way. */
    int (*alert_finish)(struct ef_store *s, const char *claim, const char *error, time_t now,
                        int64_t next_at, int max_attempts, int64_t *failed);
    /* The outbox newest first, which 0 all, 1 pending, 2 failed; at most limit rows; caller
     * frees *out. */
    int (*alert_list)(struct ef_store *s, int which, int64_t limit, struct ef_alert_event **out,
                      size_t *n);

    /* Its renames, level changes and merges, oldest first; caller frees *out. */
    int (*department_events)(struct ef_store *s, const char *name, struct ef_department_event **out,
                             size_t *n);

    /* Enrol, or re-enrol the agent already known under e->machine_id: that keeps its
     * agent_id and replaces its hostname. A known machine keeps its key and department
     * unless an administrator reset it (agent_reset: then the new key and e's department
     * are taken, and last_seq starts again) or, for a new key only, e->current_proof is its
     * current key's signature of e->proof_msg. Otherwise EF_EXISTS with s->err saying
     * why, and out->agent_id the existing agent. *out is the agent as stored afterwards. */
    int (*agent_enroll)(struct ef_store *s, const struct ef_enrollment *e, struct ef_agent *out);
    int (*agent_get)(struct ef_store *s, const char *agent_id, struct ef_agent *out);
    /* Its levels per aspect as its latest report was judged, with why (schema 11; JSON,
     * collector/host_levels.h), "" before such a report. Read apart from the host rows,
     * whose lists of every host need it not. EF_NOTFOUND when no such agent. */
    int (*agent_levels)(struct ef_store *s, const char *agent_id, char out[EF_LEVELS_JSON_MAX + 1]);
    /* Administrator actions (efterlev-collector agent move|reset), audit-logged as actor.
     * move: to another department, keeping key and seq. reset: the machine's next enrollment
     * may bring a new key (a reinstalled machine) and the enrolling token's department.
     * NOTFOUND when no such agent. */
    int (*agent_move)(struct ef_store *s, const char *agent_id, int64_t department_id,
                      const char *actor, time_t now);
    int (*agent_reset)(struct ef_store *s, const char *agent_id, const char *actor, time_t now);
    /* retire: out of the figures and host lists, kept with its reports; its reports and
     * enrollments are refused until agent_reset returns it to service. */
    int (*agent_retire)(struct ef_store *s, const char *agent_id, const char *actor, time_t now);

    /* Store one report and make its results the agent's latest. EF_EXISTS when the
     * report's seq is no longer greater than the agent's last_seq (a concurrent upload
     * won). Returns EF_OK only after the transaction committed. */
    int (*report_store)(struct ef_store *s, const struct ef_report_record *rec);

    /* EF_EXISTS when the name is taken. */
    int (*token_add)(struct ef_store *s, const char *name, const char *role, const char *token_hash,
                     time_t now, int64_t *id);
    int (*token_get)(struct ef_store *s, int64_t id, struct ef_api_token *out);
    /* API tokens ordered by name, without their hashes; caller frees *out. */
    int (*token_list)(struct ef_store *s, struct ef_api_token **out, size_t *n);
    /* Delete the API token named name: its bearer is refused from the next request on.
     * NOTFOUND when no such token. */
    int (*token_revoke)(struct ef_store *s, const char *name);

    /* Agents ordered by department, hostname, with their counters; department NULL for
     * all; only_agent (NULL for all) picks one agent. Call sweep first so .stale is
     * current. Caller frees *out. */
    int (*host_rows)(struct ef_store *s, const char *department, const char *only_agent,
                     struct ef_host_row **out, size_t *n);

    /* Hosts per (department, platform), ordered by department and platform; department
     * NULL for all. One indexed read of the agents (schema 5's agents_platform): O(hosts),
     * no results. Call sweep first so fresh_hosts is current. Caller frees *out. */
    int (*platform_counts)(struct ef_store *s, const char *department,
                           struct ef_platform_count **out, size_t *n);

    /* ---- analytics (schema 2) ---- */

    /* Bring the counters to time now with the staleness window stale_days: write the
     * daily snapshots of every UTC day that ended since the last one (each at that day's
     * 23:59:59), move agents in and out of the counters as they become fresh or stale,
     * and expire acceptances whose time ran out (audit-logged). Cheap when nothing is due.
     * report_store does the same catch-up with the window of the last sweep. */
    int (*sweep)(struct ef_store *s, time_t now, int stale_days);
    /* Counters of every department (by name), or of one (NOTFOUND when absent). */
    int (*dept_counts)(struct ef_store *s, const char *department, struct ef_dept_counts **out,
                       size_t *n);
    /* Check counters of one department (department_id > 0) or of all. */
    int (*check_counts)(struct ef_store *s, int64_t department_id, struct ef_check_counts **out,
                        size_t *n);
    /* A host's latest results ordered by check. */
    int (*host_results)(struct ef_store *s, const char *agent_id, struct ef_result_row **out,
                        size_t *n);

    /* Add an acceptance (a->department_id, check, agent_id, reason, by, until); it takes
     * effect at once. Sets a->id. */
    int (*acceptance_add)(struct ef_store *s, struct ef_acceptance *a, time_t now);
    /* All acceptances (include_ended: also expired and revoked), newest first. */
    int (*acceptance_list)(struct ef_store *s, int include_ended, struct ef_acceptance **out,
                           size_t *n);
    /* NOTFOUND when no active acceptance has this id. */
    int (*acceptance_revoke)(struct ef_store *s, int64_t id, const char *by, time_t now);

    /* Append to the audit log; details is JSON text (may be NULL). */
    int (*audit_add)(struct ef_store *s, time_t at, const char *actor, const char *action,
                     const char *details);
    /* Entries at or after since (0: all), oldest first. Free with ef_audit_free. */
    int (*audit_list)(struct ef_store *s, time_t since, struct ef_audit_row **out, size_t *n);

    /* Daily snapshots between the days since_day and until_day (inclusive, "YYYY-MM-DD",
     * NULL for open). department NULL: every department; control NULL: only the
     * department totals, "*": every control row too, else that control. Ordered by day,
     * department, control. */
    int (*snapshots)(struct ef_store *s, const char *department, const char *control,
                     const char *since_day, const char *until_day, struct ef_snapshot_row **out,
                     size_t *n);

    /* Agents with their public keys, one row per key the agent has had (department NULL:
     * all agents of every department). */
    int (*agent_list)(struct ef_store *s, const char *department, struct ef_agent_row **out,
                      size_t *n);
    /* Call cb for every stored report matching f, by agent then seq; cb returning non-zero
     * stops with that value. */
    int (*report_iter)(struct ef_store *s, const struct ef_report_filter *f, ef_report_cb cb,
                       void *arg);
    /* Once per database (schema 4 marks it due): certify every agent key that has no
     * certificate yet, the keys enrolled before certificates existed, with certify (as
     * struct ef_enrollment's), and audit-log it. *certified: how many; 0 and nothing done
     * when the pass already ran. */
    int (*agent_keys_certify)(struct ef_store *s, ef_certify_fn certify, void *arg, time_t now,
                              int64_t *certified);
    /* An export key rotation: every stored agent key through recertify in one transaction,
     * audit-logged as "export_key.rotate" by actor with details (JSON). *done: re-certified,
     * *kept: left with a certificate the new key does not vouch for. */
    int (*agent_keys_recertify)(struct ef_store *s, ef_recertify_fn recertify, void *arg,
                                const char *actor, const char *details, time_t now, int64_t *done,
                                int64_t *kept);

    /* --- users and sessions (dashboard) --- */

    /* EF_EXISTS when the name is taken. */
    int (*user_add)(struct ef_store *s, const char *name, const char *role,
                    const char *password_hash, time_t now, int64_t *id);
    /* By name; NOTFOUND when absent. */
    int (*user_get)(struct ef_store *s, const char *name, struct ef_user *out);
    /* All users ordered by name (password_hash left empty); caller frees *out. */
    int (*user_list)(struct ef_store *s, struct ef_user **out, size_t *n);
    /* Replace the password (and clear failures and lock); NOTFOUND when absent. */
    int (*user_set_password)(struct ef_store *s, const char *name, const char *password_hash);
    /* Delete the user and every session of theirs; NOTFOUND when absent. */
    int (*user_delete)(struct ef_store *s, const char *name);
    /* Record the outcome of a login: failed_logins and locked_until as given. */
    int (*user_login_state)(struct ef_store *s, int64_t id, int64_t failed_logins,
                            int64_t locked_until);
    int (*session_add)(struct ef_store *s, const struct ef_session *sess);
    /* By id_hash, with the user's name and role; NOTFOUND when absent. */
    int (*session_get)(struct ef_store *s, const char *id_hash, struct ef_session *out);
    int (*session_touch)(struct ef_store *s, const char *id_hash, int64_t last_seen);
    /* Deleting an absent session is EF_OK. */
    int (*session_delete)(struct ef_store *s, const char *id_hash);
    /* Delete sessions idle since before idle_before or created before created_before. */
    int (*session_purge)(struct ef_store *s, int64_t idle_before, int64_t created_before);

    /* --- the device list (schema 7) --- */

    /* Replace the device list with the n devices of v in one transaction, as a new import
     * (info->file, info->actor; info->id and info->devices are set), audit-logged as
     * "inventory.import" by info->actor with details (JSON). */
    int (*inventory_replace)(struct ef_store *s, struct ef_inventory_info *info,
                             const struct ef_device *v, size_t n, const char *details, time_t now);
    /* The current list ordered by department, hostname, and its import; NOTFOUND when no
     * list was ever imported. devices may be NULL (the import only). Caller frees *v. */
    int (*inventory_get)(struct ef_store *s, struct ef_inventory_info *info, struct ef_device **v,
                         size_t *n);

    /* --- served policies (schema 9) --- */

    /* Add a site policy (p->name, platform, yaml, sha256, actor); EF_EXISTS when the name
     * is taken. Audit-logged "policy.add". p->id is set. replace: change the text of the
     * existing one instead (NOTFOUND when none), raising the policy version of every
     * department it is assigned to; audit-logged "policy.replace". */
    int (*policy_add)(struct ef_store *s, struct ef_site_policy *p, int replace, time_t now);
    /* Every site policy by name, without its YAML; caller frees (ef_site_policies_free). */
    int (*policy_list)(struct ef_store *s, struct ef_site_policy **out, size_t *n);
    /* Assign the site policy name to department dept (remove: take it away); raises the
     * department's policy version; audit-logged "policy.assign" / "policy.unassign".
     * NOTFOUND (s->err says which) when no such policy or department; EF_EXISTS when it is
     * assigned already (or, removing, was not). */
    int (*policy_assign)(struct ef_store *s, const char *name, const char *dept, int remove,
                         const char *actor, time_t now);
    /* Set (o->kind "disable" or "param") or remove (remove != 0) an override of department
     * dept; raises its policy version; audit-logged "policy.disable_check",
     * "policy.enable_check" or "policy.set". NOTFOUND when no such department (or, removing,
     * no such override). */
    int (*policy_override)(struct ef_store *s, const char *dept, const struct ef_policy_override *o,
                           int remove, time_t now);
    /* What department dept (by name) is assigned for platform; NOTFOUND when no such
     * department. Caller frees (ef_dept_policy_free). */
    int (*policy_dept_get)(struct ef_store *s, const char *dept, const char *platform,
                           struct ef_dept_policy *out);
    /* Record that the document with sha256 (version) is what department_id's hosts of
     * platform are served, when it differs from the recorded one; policy_served_get reads
     * it ("" when none was ever served). */
    int (*policy_served_set)(struct ef_store *s, int64_t department_id, const char *platform,
                             int64_t version, const char *sha256, time_t now);
    int (*policy_served_get)(struct ef_store *s, int64_t department_id, const char *platform,
                             char sha256[65]);

    /* --- batching (ingest writer) --- */

    /* Group commit: open one write transaction for many report_store and agent_enroll
     * calls. Inside it each call runs in a savepoint (a failing one leaves the others) and
     * its EF_OK means "stored if the batch commits". batch_begin also does the
     * snapshot catch-up and staleness sweep due at now (with s->stale_days), so the calls
     * inside skip it. EF_BUSY: another writer kept the database locked for the busy
     * timeout; nothing is open, try again later. A NULL batch_begin means the backend
     * has no batching: every call is its own transaction. */
    int (*batch_begin)(struct ef_store *s, time_t now);
    /* EF_OK once durable. EF_BUSY: still open, commit may be retried;
     * EF_ERR: rolled back. */
    int (*batch_commit)(struct ef_store *s);
    void (*batch_rollback)(struct ef_store *s);
};

struct ef_db_ops;
struct ef_pending_delta;

/* Counter deltas an open batch defers to its commit (store/core_pending.c); empty and
 * inactive outside batches, so nothing is left to free when the store closes. */
struct ef_pending_deltas {
    struct ef_pending_delta *v;
    size_t n, cap;
    int active;
};

struct ef_store {
    const struct ef_store_ops *ops;
    const struct ef_db_ops *db; /* the backend's driver under the domain code (store/db.h) */
    int stale_days;             /* the window the counters were last swept with */
    /* Alerts on a report's pass-to-fail regressions (core_deviations.c): the severities
     * (a bit per ef_severity) and channels (EF_ALERT_CH_*) set by whoever opened the store
     * for ingest; 0 (the default): none. Plain data, so the store needs no configuration. */
    unsigned alert_severities, alert_channels;
    struct ef_pending_deltas pending;
    char err[256];
};

void ef_audit_free(struct ef_audit_row *rows, size_t n);

/* Why an operation over the store failed: the store's own text for EF_ERR (only the store
 * writes s->err), the result's name for what the layers above return (EF_NOMEM, ...). */
static inline const char *ef_store_why(const struct ef_store *s, int rc)
{
    return rc == EF_ERR ? s->err : ef_rc_str(rc);
}

/* Open the store named by url ("sqlite:/path/to/efterlev.db"). With create set, the
 * database file may be created; otherwise it must exist. The schema is created or
 * checked. Returns NULL with err filled in. */
struct ef_store *ef_store_open(const char *url, int create, char *err, size_t errlen);

static inline void ef_store_close(struct ef_store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

/* Backends. */
struct ef_store *ef_store_sqlite_open(const char *path, int create, char *err, size_t errlen);

#endif
