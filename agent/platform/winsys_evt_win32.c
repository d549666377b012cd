/* SPDX-License-Identifier: EUPL-1.2 */
/* winsys.h's event log tables (wevtapi): api:EventLogChannels, the configuration and the
 * oldest event of the Security, Application and System logs, and api:BootEvents, the
 * events since the last boot that prove a state (Wininit 12: LSA started protected). */
#include "winsys_win32.h"

#include <winevt.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static const wchar_t *const channels[] = {L"Security", L"Application", L"System"};

/* One property of a channel's configuration into v (a buffer big enough for a scalar). */
static DWORD channel_prop(EVT_HANDLE cfg, EVT_CHANNEL_CONFIG_PROPERTY_ID id, EVT_VARIANT *v,
                          DWORD size)
{
    DWORD used = 0;
    return EvtGetChannelConfigProperty(cfg, id, 0, size, v, &used) ? 0 : GetLastError();
}

/* TimeCreated of the first event the query q yields: a JSON time, null when there is none,
 * NULL with *err set when it cannot be read. */
static json_t *first_time(EVT_HANDLE q, DWORD *err)
{
    static const wchar_t *const paths[] = {L"Event/System/TimeCreated/@SystemTime"};
    EVT_HANDLE ev = NULL, ctx = NULL;
    DWORD got = 0;
    json_t *out = NULL;

    *err = 0;
    if (!EvtNext(q, 1, &ev, 5000, 0, &got)) {
        DWORD e = GetLastError();
        if (e == ERROR_NO_MORE_ITEMS)
            return json_null();
        *err = e;
        return NULL;
    }
    ctx = EvtCreateRenderContext(1, (LPCWSTR *)paths, EvtRenderContextValues);
    union {
        EVT_VARIANT v;
        unsigned char buf[256];
    } u;
    DWORD used = 0, count = 0;
    if (ctx == NULL || !EvtRender(ctx, ev, EvtRenderEventValues, sizeof(u), &u, &used, &count)) {
        *err = GetLastError();
    } else if ((u.v.Type & EVT_VARIANT_TYPE_MASK) == EvtVarTypeFileTime) {
        FILETIME ft = {(DWORD)u.v.FileTimeVal, (DWORD)(u.v.FileTimeVal >> 32)};
        out = live_filetime(&ft);
    } else {
        out = json_null();
    }
    if (ctx != NULL)
        EvtClose(ctx);
    EvtClose(ev);
    return out;
}

/* One channel's row; EF_WIN_DENIED when the channel may not be read. */
static ef_win_status channel_row(const wchar_t *name, json_t **row, char *why, size_t whylen)
{
    union {
        EVT_VARIANT v;
        unsigned char buf[256];
    } u;
    char what[96];
    snprintf(what, sizeof(what), "EvtOpenChannelConfig(%ls)", name);
    EVT_HANDLE cfg = EvtOpenChannelConfig(NULL, name, 0);
    if (cfg == NULL)
        return live_err(GetLastError(), what, why, whylen);
    *row = json_object();
    if (*row == NULL) {
        EvtClose(cfg);
        snprintf(why, whylen, "out of memory");
        return EF_WIN_ERROR;
    }
    json_object_set_new(*row, "channel", live_wstr(name));
    static const struct {
        EVT_CHANNEL_CONFIG_PROPERTY_ID id;
        const char *col;
    } props[] = {
        {EvtChannelConfigEnabled, "enabled"},
        {EvtChannelLoggingConfigRetention, "retention"},
        {EvtChannelLoggingConfigAutoBackup, "auto_backup"},
        {EvtChannelLoggingConfigMaxSize, "max_size"},
    };
    char rowwhy[300] = "";
    for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
        DWORD e = channel_prop(cfg, props[i].id, &u.v, sizeof(u));
        if (e != 0) {
            /* a channel's configuration is read whole or not at all */
            EvtClose(cfg);
            json_decref(*row);
            *row = NULL;
            snprintf(what, sizeof(what), "EvtGetChannelConfigProperty(%ls, %s)", name,
                     props[i].col);
            return live_err(e, what, why, whylen);
        }
        json_t *val = json_null();
        if ((u.v.Type & EVT_VARIANT_TYPE_MASK) == EvtVarTypeBoolean)
            val = json_boolean(u.v.BooleanVal);
        else if ((u.v.Type & EVT_VARIANT_TYPE_MASK) == EvtVarTypeUInt64 &&
                 u.v.UInt64Val <= (ULONGLONG)LLONG_MAX)
            val = json_integer((json_int_t)u.v.UInt64Val);
        else
            snprintf(rowwhy, sizeof(rowwhy), "EvtGetChannelConfigProperty(%s): type %lu",
                     props[i].col, (unsigned long)u.v.Type);
        json_object_set_new(*row, props[i].col, val);
    }
    EvtClose(cfg);
    EVT_HANDLE q = EvtQuery(NULL, name, L"*", EvtQueryChannelPath | EvtQueryForwardDirection);
    DWORD e = q == NULL ? GetLastError() : 0;
    json_t *t = q != NULL ? first_time(q, &e) : NULL;
    if (q != NULL)
        EvtClose(q);
    if (e == ERROR_ACCESS_DENIED) {
        json_decref(*row);
        *row = NULL;
        snprintf(what, sizeof(what), "EvtQuery(%ls)", name);
        return live_err(e, what, why, whylen);
    }
    if (t == NULL) {
        snprintf(rowwhy, sizeof(rowwhy), "EvtQuery forward for the oldest event: error %lu",
                 (unsigned long)e);
        t = json_null();
    }
    json_object_set_new(*row, "oldest_event", t);
    if (rowwhy[0])
        json_object_set_new(*row, EF_WIN_ROW_WHY, json_string(rowwhy));
    return EF_WIN_OK;
}

ef_win_status live_channels(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    (void)lv;
    for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
        json_t *row = NULL;
        ef_win_status st = channel_row(channels[i], &row, why, whylen);
        if (st != EF_WIN_OK)
            return st;
        if (live_append(rows, row, why, whylen) != 0)
            return EF_WIN_ERROR;
    }
    return EF_WIN_OK;
}

/* ---- api:BootEvents ---- */

ef_win_status live_boot_events(struct live *lv, json_t *rows, char *why, size_t whylen)
{
    (void)lv;
    /* since the last boot: events younger than the time the system has been up */
    wchar_t xpath[256];
    snwprintf(xpath, sizeof(xpath) / sizeof(xpath[0]),
              L"*[System[Provider[@Name='Microsoft-Windows-Wininit'] and (EventID=12) and "
              L"TimeCreated[timediff(@SystemTime) <= %llu]]]",
              (unsigned long long)GetTickCount64());
    EVT_HANDLE q = EvtQuery(NULL, L"System", xpath, EvtQueryChannelPath | EvtQueryReverseDirection);
    if (q == NULL)
        return live_err(GetLastError(), "EvtQuery(System, Wininit 12)", why, whylen);
    DWORD e;
    json_t *t = first_time(q, &e);
    EvtClose(q);
    if (t == NULL)
        return live_err(e, "EvtNext(System, Wininit 12)", why, whylen);
    if (json_is_null(t))
        return EF_WIN_OK; /* no such event since the boot: no row */
    return live_append(rows,
                       json_pack("{s:s, s:s, s:i, s:o}", "channel", "System", "provider",
                                 "Microsoft-Windows-Wininit", "event_id", 12, "time", t),
                       why, whylen) == 0
               ? EF_WIN_OK
               : EF_WIN_ERROR;
}
