/* SPDX-License-Identifier: EUPL-1.2 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "answer.h"

void ef_answer_clear(struct ef_answer *a)
{
    json_decref(a->body);
    free(a->raw);
    a->body = NULL;
    a->raw = NULL;
    a->raw_len = 0;
    a->status = 0;
    a->retry_after = 0;
}

void ef_answer_raw(struct ef_answer *a, int status, char *data, size_t len,
                   const char *content_type, const char *filename)
{
    ef_answer_clear(a);
    a->status = status;
    a->raw = data;
    a->raw_len = len;
    a->content_type = content_type;
    a->filename = filename;
}

void ef_answer_json(struct ef_answer *a, int status, json_t *body)
{
    free(a->raw);
    a->raw = NULL;
    json_decref(a->body);
    a->body = body;
    a->status = status;
    a->retry_after = 0;
    if (body == NULL) {
        a->status = 500;
        a->body = json_pack("{s:s}", "error", "out of memory");
    }
}

void ef_answer_error(struct ef_answer *a, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ef_answer_json(a, status, json_pack("{s:s}", "error", msg));
}
