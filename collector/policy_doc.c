/* SPDX-License-Identifier: EUPL-1.2 */
/* Building the served policy document (policy_doc.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/os.h"
#include "efterlev/report.h"
#include "efterlev/util.h"
#include "policy_doc.h"

int ef_policy_platform_valid(const char *platform)
{
    return platform != NULL && (strcmp(platform, "linux") == 0 || strcmp(platform, "windows") == 0)
               ? 0
               : -1;
}

void ef_policy_doc_free(struct ef_policy_doc *d)
{
    free(d->text);
    memset(d, 0, sizeof(*d));
}

/* Append {name, source, sha256, yaml} for the file at path (named name) to files. */
static int add_file(json_t *files, const char *path, const char *name, char *err, size_t errlen)
{
    char *text = NULL, sha[65];
    size_t len = 0;
    int rc = ef_read_file(path, EF_POLICY_DOC_MAX, &text, &len);
    json_t *yaml;

    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
        return -1;
    }
    ef_sha256_hex(text, len, sha);
    yaml = json_stringn(text, len);
    free(text);
    if (yaml == NULL) {
        snprintf(err, errlen, "%s is not UTF-8 text", path);
        return -1;
    }
    if (json_array_append_new(files, json_pack("{s:s, s:s, s:s, s:o}", "name", name, "source",
                                               "catalog", "sha256", sha, "yaml", yaml)) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* The catalog's files as the loader reads them (ef_policy_files), named by their base name. */
static int catalog_files(json_t *files, const char *path, char *err, size_t errlen)
{
    char **v = NULL;
    size_t n = 0, i;
    int rc = ef_policy_files(path, &v, &n, err, errlen);

    for (i = 0; rc == 0 && i < n; i++) {
        const char *slash = strrchr(v[i], '/');

        rc = add_file(files, v[i], slash != NULL ? slash + 1 : v[i], err, errlen);
    }
    ef_policy_files_free(v, n);
    return rc;
}

int ef_policy_doc_build(struct ef_store *s, const struct ef_check_catalogs *cs, const char *dept,
                        const char *platform, struct ef_policy_doc *out, char *err, size_t errlen)
{
    const struct ef_check_catalog *cat;
    struct ef_dept_policy p;
    json_t *doc = NULL, *files, *disabled, *params;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (ef_policy_platform_valid(platform) != 0) {
        snprintf(err, errlen, "platform must be linux or windows");
        return EF_NOTFOUND;
    }
    cat = ef_check_catalog_for(cs, platform);
    if (cat == NULL || cat->n == 0) {
        snprintf(err, errlen, "this collector has no %s policy", platform);
        return EF_NOTFOUND;
    }
    rc = s->ops->policy_dept_get(s, dept, platform, &p);
    if (rc != EF_OK) {
        snprintf(err, errlen, "%s", s->err);
        return rc;
    }
    rc = EF_ERR;
    files = json_array();
    disabled = json_array();
    params = json_array();
    if (files == NULL || disabled == NULL || params == NULL) {
        json_decref(files);
        json_decref(disabled);
        json_decref(params);
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o}", "schema", EF_POLICY_DOC_SCHEMA,
                    "department", p.department, "level", ef_level_name(p.level), "platform",
                    platform, "version", (json_int_t)p.version, "files", files, "disabled",
                    disabled, "params", params);
    if (doc == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (catalog_files(files, cat->path, err, errlen) != 0)
        goto out;
    for (i = 0; i < p.nfiles; i++) {
        json_t *yaml = json_string(p.files[i].yaml);
        char name[EF_POLICY_NAME_MAX + 8];

        snprintf(name, sizeof(name), "site:%s", p.files[i].name);
        if (yaml == NULL ||
            json_array_append_new(files,
                                  json_pack("{s:s, s:s, s:s, s:o}", "name", name, "source", "site",
                                            "sha256", p.files[i].sha256, "yaml", yaml)) != 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    for (i = 0; i < p.nov; i++) {
        const struct ef_policy_override *o = &p.ov[i];
        char at[32];

        ef_time_rfc3339((time_t)o->at, at);
        if (strcmp(o->kind, "disable") == 0)
            rc = json_array_append_new(disabled,
                                       json_pack("{s:s, s:s, s:s, s:s}", "check", o->check,
                                                 "reason", o->reason, "at", at, "actor", o->actor));
        else
            rc = json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:s, s:s}", "check",
                                                         o->check, "name", o->name, "value",
                                                         o->value, "at", at, "actor", o->actor));
        if (rc != 0) {
            rc = EF_ERR;
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    rc = EF_ERR;
    out->text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    if (out->text == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    out->len = strlen(out->text);
    if (out->len > EF_POLICY_DOC_MAX) {
        snprintf(err, errlen, "the policy document is larger than %d bytes", EF_POLICY_DOC_MAX);
        ef_policy_doc_free(out);
        goto out;
    }
    ef_sha256_hex(out->text, out->len, out->sha256);
    out->version = p.version;
    out->department_id = p.department_id;
    rc = EF_OK;
out:
    json_decref(doc);
    ef_dept_policy_free(&p);
    return rc;
}

int ef_assigned_policy_sha256(struct ef_store *s, int64_t department_id, const char *platform,
                              char sha256[65])
{
    return s->ops->policy_served_get(s, department_id, platform, sha256);
}
