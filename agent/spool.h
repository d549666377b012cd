/* SPDX-License-Identifier: EUPL-1.2 */
/* The spool: signed reports waiting for delivery, one file each, named by seq so a
 * directory listing is the delivery order. A file is "ed25519=<sig>\n" then the body. */
#ifndef EFTERLEV_AGENT_SPOOL_H
#define EFTERLEV_AGENT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool_entry {
    uint64_t seq;
    long long size;
};

struct spooled_report {
    char *sig_header; /* "ed25519=..." */
    char *body;
    size_t body_len;
};

/* Create state_dir/spool. */
int spool_prepare(const char *state_dir, char *err, size_t errlen);
/* Write a signed report atomically. */
int spool_put(const char *state_dir, uint64_t seq, const char *sig_header, const char *body,
              size_t body_len, char *err, size_t errlen);
/* Spooled reports sorted by seq, oldest first. Leftover temporary files of an interrupted
 * write are removed. Caller frees *out. Returns the count or -1. */
long spool_list(const char *state_dir, struct spool_entry **out, char *err, size_t errlen);
/* 0 read, -1 error (a damaged file is reported in err). */
int spool_read(const char *state_dir, uint64_t seq, struct spooled_report *r, char *err,
               size_t errlen);
void spooled_report_free(struct spooled_report *r);
int spool_remove(const char *state_dir, uint64_t seq);
/* Give a spooled report the name of another seq (re-numbering, catch_up.h), in one rename:
 * at every moment exactly one file holds the report. Refuses when to's file exists. */
int spool_move(const char *state_dir, uint64_t from, uint64_t to, char *err, size_t errlen);
/* Move a report the collector refused for good (400) out of the queue, to spool/rejected. */
int spool_reject(const char *state_dir, uint64_t seq);
/* Drop the oldest reports until at most max_reports and max_bytes remain; returns the number
 * dropped. */
long spool_enforce_bounds(const char *state_dir, long max_reports, long long max_bytes);

#endif
