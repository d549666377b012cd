/* SPDX-License-Identifier: EUPL-1.2 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/b64.h"
#include "efterlev/util.h"
#include "store/store.h"
#include "tokens.h"

int ef_secret_new(char secret[EF_SECRET_LEN + 1], char hash[65])
{
    unsigned char raw[32];
    char *b, *p;
    size_t len;

    if (ef_random(raw, sizeof(raw)) != 0)
        return -1;
    b = ef_b64_encode(raw, sizeof(raw));
    explicit_bzero(raw, sizeof(raw));
    if (b == NULL)
        return -1;
    /* Standard to URL alphabet, unpadded, so the token survives shells and URLs. */
    for (p = b; *p != '\0'; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
        else if (*p == '=')
            *p = '\0';
    }
    len = strlen(b);
    if (len != EF_SECRET_LEN) {
        free(b);
        return -1;
    }
    memcpy(secret, b, len + 1);
    explicit_bzero(b, len);
    free(b);
    ef_sha256_hex(secret, EF_SECRET_LEN, hash);
    return 0;
}

int ef_token_split(const char *token, int64_t *id, char hash[65])
{
    const char *dot, *p;
    char *end;
    long long v;

    if (strnlen(token, EF_TOKEN_MAX + 1) > EF_TOKEN_MAX)
        return -1;
    dot = strchr(token, '.');
    if (dot == NULL || dot == token || dot - token > 18)
        return -1;
    for (p = token; p < dot; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    v = strtoll(token, &end, 10);
    if (errno != 0 || end != dot || v <= 0)
        return -1;
    if (strlen(dot + 1) != EF_SECRET_LEN)
        return -1;
    for (p = dot + 1; *p != '\0'; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return -1;
    *id = (int64_t)v;
    ef_sha256_hex(dot + 1, EF_SECRET_LEN, hash);
    return 0;
}

int ef_token_hash_equal(const char *stored_hash, const char *hash)
{
    if (strlen(stored_hash) != 64 || strlen(hash) != 64)
        return 0;
    return ef_ct_equal(stored_hash, hash, 64);
}

int ef_dept_name_valid(const char *name)
{
    size_t i, len = strnlen(name, EF_DEPT_NAME_MAX + 1);
    const unsigned char *u = (const unsigned char *)name;

    if (len == 0 || len > EF_DEPT_NAME_MAX || !ef_utf8_valid(name, len))
        return 0;
    for (i = 0; i < len; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            return 0;
        /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F. */
        if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            return 0;
    }
    return 1;
}

int ef_role_parse(const char *role, const char **dept)
{
    *dept = NULL;
    if (strcmp(role, "coordinator") == 0 || strcmp(role, "auditor") == 0)
        return 0;
    if (strncmp(role, "department:", 11) == 0 && ef_dept_name_valid(role + 11)) {
        *dept = role + 11;
        return 0;
    }
    return -1;
}
