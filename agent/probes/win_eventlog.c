/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows event logs (win_eventlog), from api:EventLogChannels (EvtOpenChannelConfig +
 * EvtGetChannelConfigProperty, and the first event read forward with EvtQuery):
 *   log.eventlog.{security,application,system}_max_size: EvtChannelLoggingConfigMaxSize in
 *     bytes (the thresholds are the policy's).
 *   log.eventlog.stops_when_full: a channel of the three keeps its events when full
 *     (EvtChannelLoggingConfigRetention true) without archiving them
 *     (EvtChannelLoggingConfigAutoBackup false): Windows then stops logging into it.
 *   log.retention.days (the Linux fact's name: the local history kept): whole days since the
 *     oldest event of the Security log.
 * And win_install: host.installed_days, whole days since HKLM\SOFTWARE\Microsoft\Windows NT\
 * CurrentVersion InstallDate (REG_DWORD, seconds since 1970; a feature update rewrites it),
 * so that a log younger than the required period can be told from a machine that is. */
#include "facts.h"
#include "win_util.h"

#include "platform/registry.h"

#include "efterlev/textlist.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <string.h>

#define CURRENT_VERSION "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

static const json_t *channel(const json_t *rows, const char *name)
{
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *c = ef_win_str(row, "channel");
        if (c != NULL && ef_reg_name_eq(c, name))
            return row;
    }
    return NULL;
}

void ef_probe_win_eventlog(struct ef_facts *f)
{
    static const char *const names[] = {
        "log.eventlog.security_max_size",
        "log.eventlog.application_max_size",
        "log.eventlog.system_max_size",
        "log.eventlog.stops_when_full",
        "log.retention.days",
    };
    static const char *const chans[] = {"Security", "Application", "System"};
    json_t *rows = ef_win_probe_rows_or_unknown(f, "api:EventLogChannels", names, 5);
    char stops[400] = "", keeps[400] = "";
    int unknown = 0;

    if (rows == NULL)
        return;
    for (size_t c = 0; c < 3; c++) {
        const json_t *row = channel(rows, chans[c]);
        long long size;
        int ret, bak, en = 1;
        if (row == NULL) {
            ef_fact_unknown(f, names[c], "api:EventLogChannels has no %s channel", chans[c]);
            unknown = 1;
            continue;
        }
        ef_win_bool(row, "enabled", &en);
        if (ef_win_int(row, "max_size", &size) != 0)
            ef_fact_unknown(f, names[c], "api:EventLogChannels %s max_size is null", chans[c]);
        else
            ef_fact_int(f, names[c], size,
                        "api:EventLogChannels %s max_size (EvtChannelLoggingConfigMaxSize) = %lld "
                        "bytes (%lld KB)%s",
                        chans[c], size, size / 1024, en ? "" : "; the channel is disabled");
        if (ef_win_bool(row, "retention", &ret) != 0 ||
            ef_win_bool(row, "auto_backup", &bak) != 0) {
            unknown = 1;
            continue;
        }
        char item[120];
        snprintf(item, sizeof(item), "%s retention %s, auto_backup %s", chans[c],
                 ret ? "true" : "false", bak ? "true" : "false");
        ef_evidence_add(ret && !bak ? stops : keeps, ret && !bak ? sizeof(stops) : sizeof(keeps),
                        item);
    }
    if (stops[0])
        ef_fact_bool(f, names[3], 1,
                     "api:EventLogChannels: %s: a full log is not overwritten and not archived, "
                     "so logging stops when it is full",
                     stops);
    else if (unknown)
        ef_fact_unknown(f, names[3],
                        "api:EventLogChannels: the retention of a channel is unknown (%s)", keeps);
    else
        ef_fact_bool(f, names[3], 0,
                     "api:EventLogChannels: %s (overwrite as needed, or archive when full)", keeps);

    const json_t *sec = channel(rows, "Security");
    time_t oldest, now = ef_facts_time(f);
    if (sec == NULL) {
        ef_fact_unknown(f, names[4], "api:EventLogChannels has no Security channel");
    } else if (json_is_null(json_object_get(sec, "oldest_event"))) {
        ef_fact_int(f, names[4], 0,
                    "api:EventLogChannels Security oldest_event is null: the log is "
                    "empty");
    } else if (ef_win_time(sec, "oldest_event", &oldest) != 0) {
        ef_fact_unknown(f, names[4], "api:EventLogChannels Security oldest_event is not a time");
    } else {
        char when[32];
        ef_time_rfc3339(oldest, when);
        ef_fact_int(f, names[4], ef_win_days_between(oldest, now),
                    "api:EventLogChannels Security oldest_event %s: the Security log reaches back "
                    "%lld days",
                    when, ef_win_days_between(oldest, now));
    }
}

void ef_probe_win_install(struct ef_facts *f)
{
    struct ef_reg *r = ef_facts_registry(f);
    struct ef_reg_value v;
    char why[300];

    if (r == NULL)
        return;
    ef_reg_status st =
        ef_reg_get(r, CURRENT_VERSION, "InstallDate", EF_REG_VIEW_64, &v, why, sizeof(why));
    if (st == EF_REG_CANNOT_READ) {
        ef_fact_unknown(f, "host.installed_days", "%s", why);
        return;
    }
    if (st == EF_REG_ABSENT || !v.numeric || v.num == 0) {
        ef_fact_unknown(f, "host.installed_days", "no numeric InstallDate under %s",
                        CURRENT_VERSION);
        return;
    }
    char when[32];
    ef_time_rfc3339((time_t)v.num, when);
    ef_fact_int(f, "host.installed_days", ef_win_days_between((time_t)v.num, ef_facts_time(f)),
                "%s InstallDate = %llu (%s; a feature update rewrites it)", CURRENT_VERSION, v.num,
                when);
}
