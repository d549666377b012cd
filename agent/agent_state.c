/* SPDX-License-Identifier: EUPL-1.2 */
#include "agent_state.h"
#include "efterlev/levels.h"

#include "efterlev/log.h"
#include "efterlev/os.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_FILE_MAX (64 * 1024)

int state_path(char *out, size_t outlen, const char *dir, const char *name)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

int state_prepare(const char *dir, char *err, size_t errlen)
{
    if (ef_mkdirs(dir, 0700) != 0) {
        int e = errno;
        snprintf(err, errlen, "cannot create state directory %s: %s", dir, strerror(e));
        return -e;
    }
    char why[512];
    int rc = ef_os_private_dir(dir, why, sizeof(why));
    if (rc != 0)
        snprintf(err, errlen, "state directory: %s", why);
    return rc;
}

EVP_PKEY *state_key(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (state_path(path, sizeof(path), dir, "key.pem") != 0) {
        snprintf(err, errlen, "state directory path too long");
        return NULL;
    }
    return ef_key_load_or_create(path, err, errlen);
}

static int copy_field(json_t *o, const char *key, char *dst, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL && strlcpy(dst, s, cap) < cap ? 0 : -1;
}

int state_load_enrollment(const char *dir, struct enrollment *e, char *err, size_t errlen)
{
    char path[PATH_MAX], *text = NULL;
    size_t len;
    memset(e, 0, sizeof(*e));
    if (state_path(path, sizeof(path), dir, "enrollment.json") != 0)
        return -1;
    int rc = ef_read_file(path, STATE_FILE_MAX, &text, &len);
    if (rc == -ENOENT)
        return 0;
    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
        return -1;
    }
    json_error_t je;
    json_t *o = json_loadb(text, len, 0, &je);
    free(text);
    const char *level = json_string_value(json_object_get(o, "level"));
    if (o == NULL || copy_field(o, "agent_id", e->agent_id, sizeof(e->agent_id)) ||
        copy_field(o, "collector", e->collector, sizeof(e->collector)) ||
        copy_field(o, "ca", e->ca, sizeof(e->ca)) ||
        copy_field(o, "department", e->department, sizeof(e->department)) ||
        copy_field(o, "enrolled_at", e->enrolled_at, sizeof(e->enrolled_at)) || level == NULL ||
        ef_level_parse(level, &e->level) != 0) {
        snprintf(err, errlen, "%s is damaged; enroll again (efterlev-agent enroll)", path);
        json_decref(o);
        return -1;
    }
    /* Optional: enrollments from before levels per aspect have none. */
    ef_levels_fill(e->levels, e->level);
    if (json_object_get(o, "levels") != NULL &&
        ef_levels_from_json(json_object_get(o, "levels"), e->levels) != 0) {
        snprintf(err, errlen, "%s is damaged; enroll again (efterlev-agent enroll)", path);
        json_decref(o);
        return -1;
    }
    /* Optional: enrollments from before served policies have none. */
    if (json_object_get(o, "policy_key") != NULL &&
        copy_field(o, "policy_key", e->policy_key, sizeof(e->policy_key)) != 0) {
        snprintf(err, errlen, "%s is damaged; enroll again (efterlev-agent enroll)", path);
        json_decref(o);
        return -1;
    }
    json_decref(o);
    return 1;
}

int state_follow_levels(const char *dir, struct enrollment *e, const ef_level levels[EF_ASPECTS])
{
    char err[512];
    ef_level level = ef_levels_max(levels);

    if (level == e->level && memcmp(levels, e->levels, sizeof(e->levels)) == 0)
        return 0;
    ef_info("protection level changed from %s to %s (K %s, R %s, T %s, S %s)",
            ef_level_name(e->level), ef_level_name(level), ef_level_name(levels[0]),
            ef_level_name(levels[1]), ef_level_name(levels[2]), ef_level_name(levels[3]));
    e->level = level;
    memcpy(e->levels, levels, sizeof(e->levels));
    if (state_save_enrollment(dir, e, err, sizeof(err)) != 0)
        ef_warn("%s", err);
    return 1;
}

int state_save_enrollment(const char *dir, const struct enrollment *e, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (state_path(path, sizeof(path), dir, "enrollment.json") != 0)
        return -1;
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o*, s:s, s:s*}", "agent_id", e->agent_id,
                  "collector", e->collector, "ca", e->ca, "department", e->department, "level",
                  ef_level_name(e->level), "levels", ef_levels_to_json(e->levels), "enrolled_at",
                  e->enrolled_at, "policy_key", e->policy_key[0] ? e->policy_key : NULL);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = ef_write_file_atomic(path, text, strlen(text), 0600, err, errlen);
    free(text);
    return rc;
}

int state_last_seq(const char *dir, uint64_t *seq)
{
    char path[PATH_MAX], *text = NULL;
    *seq = 0;
    if (state_path(path, sizeof(path), dir, "seq") != 0)
        return -1;
    int rc = ef_read_file(path, 64, &text, NULL);
    if (rc == -ENOENT)
        return 0;
    if (rc != 0)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    int bad = errno != 0 || end == text || (*end != '\n' && *end != '\0');
    free(text);
    if (bad)
        return -1;
    *seq = v;
    return 0;
}

static int write_seq(const char *dir, uint64_t seq, char *err, size_t errlen)
{
    char path[PATH_MAX], buf[32];
    if (state_path(path, sizeof(path), dir, "seq") != 0) {
        snprintf(err, errlen, "state directory path too long");
        return -1;
    }
    int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", seq);
    return ef_write_file_atomic(path, buf, (size_t)n, 0600, err, errlen);
}

int state_next_seq(const char *dir, uint64_t *seq, char *err, size_t errlen)
{
    uint64_t last;
    if (state_last_seq(dir, &last) != 0) {
        snprintf(err, errlen, "%s/seq is damaged: it must hold the last report number", dir);
        return -1;
    }
    if (write_seq(dir, last + 1, err, errlen) != 0)
        return -1;
    *seq = last + 1;
    return 0;
}

int state_seq_at_least(const char *dir, uint64_t floor, uint64_t *before, char *err, size_t errlen)
{
    if (state_last_seq(dir, before) != 0) {
        snprintf(err, errlen, "%s/seq is damaged: it must hold the last report number", dir);
        return -1;
    }
    return *before >= floor ? 0 : write_seq(dir, floor, err, errlen);
}

#define POLICY_STATE_MAX (16 * 1024 * 1024)

int state_save_policy(const char *dir, const char *doc, size_t len, const char *sig, char *err,
                      size_t errlen)
{
    char path[PATH_MAX];
    if (state_path(path, sizeof(path), dir, "policy.json") != 0) {
        snprintf(err, errlen, "state directory path too long");
        return -1;
    }
    json_t *o = json_pack("{s:s%, s:s}", "document", doc, len, "signature", sig);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory (or the policy is not UTF-8)");
        return -1;
    }
    int rc = ef_write_file_atomic(path, text, strlen(text), 0600, err, errlen);
    free(text);
    return rc;
}

int state_load_policy(const char *dir, char **doc, size_t *len, char **sig, char *err,
                      size_t errlen)
{
    char path[PATH_MAX], *text = NULL;
    size_t tlen;
    *doc = *sig = NULL;
    *len = 0;
    if (state_path(path, sizeof(path), dir, "policy.json") != 0)
        return -1;
    int rc = ef_read_file(path, POLICY_STATE_MAX, &text, &tlen);
    if (rc == -ENOENT)
        return 0;
    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
        return -1;
    }
    json_t *o = json_loadb(text, tlen, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    json_t *d = json_object_get(o, "document");
    const char *s = json_string_value(json_object_get(o, "signature"));
    if (!json_is_string(d) || s == NULL || (*doc = malloc(json_string_length(d) + 1)) == NULL ||
        (*sig = strdup(s)) == NULL) {
        free(*doc);
        *doc = NULL;
        json_decref(o);
        snprintf(err, errlen, "%s is damaged", path);
        return -1;
    }
    *len = json_string_length(d);
    memcpy(*doc, json_string_value(d), *len);
    (*doc)[*len] = '\0';
    json_decref(o);
    return 1;
}

void state_forget_policy(const char *dir)
{
    char path[PATH_MAX];
    if (state_path(path, sizeof(path), dir, "policy.json") == 0)
        ef_unlink(path);
}

int state_save_last_run(const char *dir, const char *json, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (state_path(path, sizeof(path), dir, "last-run.json") != 0)
        return -1;
    return ef_write_file_atomic(path, json, strlen(json), 0600, err, errlen);
}

char *state_load_last_run(const char *dir)
{
    char path[PATH_MAX], *text = NULL;
    if (state_path(path, sizeof(path), dir, "last-run.json") != 0)
        return NULL;
    if (ef_read_file(path, STATE_FILE_MAX, &text, NULL) != 0)
        return NULL;
    return text;
}
