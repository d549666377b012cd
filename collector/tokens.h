/* SPDX-License-Identifier: EUPL-1.2 */
/* Secrets handed to people: department enrollment tokens and API bearer tokens. Both look
 * like "<id>.<secret>": id is the database row, secret is 32 random bytes in base64url.
 * Only the SHA-256 of the secret is stored; checks compare hashes in constant time. */
#ifndef EF_COLLECTOR_TOKENS_H
#define EF_COLLECTOR_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#define EF_SECRET_LEN 43 /* base64url of 32 bytes, unpadded */
#define EF_TOKEN_MAX 64  /* longest acceptable token text */

/* A new secret and its hex SHA-256. 0 or -1. */
int ef_secret_new(char secret[EF_SECRET_LEN + 1], char hash[65]);
/* Split "<id>.<secret>" into id and the hash of secret. 0, or -1 when malformed. */
int ef_token_split(const char *token, int64_t *id, char hash[65]);
/* 1 when hash matches stored_hash (constant time). */
int ef_token_hash_equal(const char *stored_hash, const char *hash);

/* Names and roles. */
int ef_dept_name_valid(const char *name);
/* role is "coordinator", "auditor" or "department:NAME" with a valid NAME. On success
 * *dept points into role at NAME (or is NULL). 0 or -1. */
int ef_role_parse(const char *role, const char **dept);

#endif
