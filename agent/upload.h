/* SPDX-License-Identifier: EUPL-1.2 */
/* Talking to the collector: HTTPS POSTs with libcurl, verifying the collector against the
 * configured CA. Plain http:// is refused except to a loopback address. */
#ifndef EFTERLEV_AGENT_UPLOAD_H
#define EFTERLEV_AGENT_UPLOAD_H

#include <stddef.h>

struct http_response {
    long status; /* 0 when no HTTP answer was had */
    char *body;  /* NUL-terminated, at most 64 KiB */
    size_t len;
    char error[1024];    /* transport error, when status is 0 */
    int retryable;       /* worth another attempt: no answer yet, or 429/502/503/504 */
    long retry_after;    /* seconds from a Retry-After header, 0 when none */
    char etag[80];       /* the ETag header, "" when none or too long */
    char signature[128]; /* the Efterlev-Signature header, "" when none or too long */
    char levels[96];     /* the Efterlev-Levels header, "" when none or too long */
    size_t max;          /* internal: the largest body taken */
};

/* 0 when url is an https:// URL, or http:// to 127.0.0.0/8, ::1 or localhost. */
int upload_url_check(const char *url, char *err, size_t errlen);

/* POST body (application/json) to base_url + path. agent_id and signature (header values)
 * may be NULL. Returns 0 when an HTTP answer arrived (any status), -1 otherwise with
 * resp->error set. */
int upload_post(const char *base_url, const char *path, const char *ca_file, const char *agent_id,
                const char *signature, const char *body, size_t len, long timeout_s,
                struct http_response *resp);

/* A signed agent GET of base_url + target (path and query; docs/protocol.md, "Policy"):
 * Efterlev-Agent agent_id, Efterlev-Date date, Efterlev-Signature signature,
 * If-None-Match if_none_match (may be NULL). A body over max bytes aborts the transfer.
 * Returns as upload_post. */
int upload_get(const char *base_url, const char *target, const char *ca_file, const char *agent_id,
               const char *date, const char *signature, const char *if_none_match, size_t max,
               long timeout_s, struct http_response *resp);

void http_response_free(struct http_response *r);

/* The "error" string of a JSON error answer, or the start of the body. */
const char *http_response_error(const struct http_response *r, char *buf, size_t cap);

#endif
