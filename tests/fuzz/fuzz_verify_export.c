/* SPDX-License-Identifier: EUPL-1.2 */
/* verify-export's whole input path: an export file from elsewhere, told apart as a ustar
 * bundle (collector/tar.c) or a JSON export, its manifest, signatures, key certificates and
 * per-report fields. Run unpinned and pinned (to the seed corpus's collector key, so the
 * certificate checks see real certificates). Any result is fine except a crash, a leak, or
 * -1 without a reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The collector key of the seed exports in corpus/export. */
#define SEED_COLLECTOR_KEY "HMwgqVhk0kXNW7aonax9+7Q7R+KZ7o+1jm/oyXL+eno="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    char err[512];
    int rc;

    if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
        abort();
    err[0] = '\0';
    rc = ef_verify_export_mem((const char *)data, size, NULL, 1, sink, err, sizeof(err));
    if (rc < 0 && err[0] == '\0')
        abort();
    err[0] = '\0';
    rc = ef_verify_export_mem((const char *)data, size, SEED_COLLECTOR_KEY, 0, sink, err,
                              sizeof(err));
    if (rc < 0 && err[0] == '\0')
        abort();
    return 0;
}
