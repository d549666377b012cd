/* SPDX-License-Identifier: EUPL-1.2 */
/* An HTTP answer built by the request logic (status + JSON body), independent of libevent
 * so the logic can be unit-tested without a server. */
#ifndef EF_COLLECTOR_ANSWER_H
#define EF_COLLECTOR_ANSWER_H

#include "efterlev/attr.h"
#include <jansson.h>

struct ef_answer {
    int status;
    json_t *body; /* owned; NULL until set */
    /* A non-JSON answer (exports): raw bytes, owned, with their type and file name. */
    char *raw;
    size_t raw_len;
    const char *content_type;
    const char *filename;
    long retry_after; /* seconds for a Retry-After header; 0: none (a 503 gets 5) */
};

/* Set status and a raw body (takes ownership of data, which was malloc'd). */
void ef_answer_raw(struct ef_answer *a, int status, char *data, size_t len,
                   const char *content_type, const char *filename);

/* Set status and {"error": message}; replaces any previous body. */
void ef_answer_error(struct ef_answer *a, int status, const char *fmt, ...) EF_PRINTF(3, 4);
/* Set status and body (takes the reference; NULL body means out of memory -> 500). */
void ef_answer_json(struct ef_answer *a, int status, json_t *body);
void ef_answer_clear(struct ef_answer *a);

#endif
