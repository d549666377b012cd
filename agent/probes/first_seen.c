/* SPDX-License-Identifier: EUPL-1.2 */
#include "first_seen.h"

#include "efterlev/log.h"
#include "efterlev/util.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_MAX (4 * 1024 * 1024)

struct ef_first_seen {
    char name[64];
    json_t *old;  /* as loaded */
    json_t *seen; /* keys asked for in this scan, with their first sighting */
    time_t since; /* "@since", else the earliest sighting in old; 0: none */
};

#define SINCE_KEY "@since"

/* The start of the record's watch: "@since", else its earliest first sighting. */
static time_t record_since(json_t *old)
{
    json_t *v = json_object_get(old, SINCE_KEY);
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return (time_t)json_integer_value(v);
    const char *key;
    time_t min = 0;
    json_object_foreach(old, key, v)
    {
        if (json_is_integer(v) && json_integer_value(v) > 0 &&
            (min == 0 || (time_t)json_integer_value(v) < min))
            min = (time_t)json_integer_value(v);
    }
    return min;
}

struct ef_first_seen *ef_first_seen_load(struct ef_facts *f, const char *name)
{
    struct ef_first_seen *fs = calloc(1, sizeof(*fs));
    if (fs == NULL)
        return NULL;
    strlcpy(fs->name, name, sizeof(fs->name));
    fs->seen = json_object();
    const char *dir = ef_facts_state_dir(f);
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    if (dir != NULL && (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path) &&
        ef_read_file(path, RECORD_MAX, &text, &len) == 0) {
        fs->old = json_loadb(text, len, 0, NULL);
        if (!json_is_object(fs->old)) {
            ef_warn("%s is damaged; first sightings start again", path);
            json_decref(fs->old);
            fs->old = NULL;
        }
        free(text);
    }
    if (fs->old == NULL)
        fs->old = json_object();
    if (fs->seen == NULL || fs->old == NULL) {
        ef_first_seen_free(fs);
        return NULL;
    }
    fs->since = record_since(fs->old);
    return fs;
}

time_t ef_first_seen_get(struct ef_first_seen *fs, const char *key, time_t now)
{
    json_t *v = json_object_get(fs->old, key);
    time_t t = now;
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= now)
        t = (time_t)json_integer_value(v);
    json_object_set_new(fs->seen, key, json_integer((json_int_t)t));
    return t;
}

time_t ef_first_seen_since(struct ef_first_seen *fs, time_t now)
{
    if (fs->since <= 0 || fs->since > now)
        fs->since = now;
    json_object_set_new(fs->seen, SINCE_KEY, json_integer((json_int_t)fs->since));
    return fs->since;
}

void ef_first_seen_save(struct ef_first_seen *fs, struct ef_facts *f)
{
    const char *dir = ef_facts_state_dir(f);
    char path[PATH_MAX], err[256];
    if (!ef_facts_state_writable(f) || json_equal(fs->old, fs->seen) ||
        (size_t)snprintf(path, sizeof(path), "%s/%s", dir, fs->name) >= sizeof(path))
        return;
    char *text = json_dumps(fs->seen, JSON_SORT_KEYS | JSON_COMPACT);
    if (text == NULL || ef_write_file_atomic(path, text, strlen(text), 0600, err, sizeof(err)) != 0)
        ef_warn("cannot record first sightings: %s", text ? err : "out of memory");
    free(text);
}

void ef_first_seen_free(struct ef_first_seen *fs)
{
    if (fs == NULL)
        return;
    json_decref(fs->old);
    json_decref(fs->seen);
    free(fs);
}
