/* SPDX-License-Identifier: EUPL-1.2 */
/* The report validator: what every upload passes through before anything is stored. */
#include "efterlev/report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ef_report r;
    char err[256];
    if (ef_report_parse((const char *)data, size, &r, err, sizeof(err)) != 0) {
        if (err[0] == '\0')
            abort(); /* every refusal says why */
        return 0;
    }
    /* What was accepted serialises and parses again to the same document. */
    size_t len;
    char *again = ef_report_serialize(&r, &len);
    if (again == NULL)
        abort();
    struct ef_report r2;
    if (ef_report_parse(again, len, &r2, err, sizeof(err)) != 0 || r2.nresults != r.nresults ||
        r2.seq != r.seq || strcmp(r2.agent_id, r.agent_id) != 0)
        abort();
    ef_report_free(&r2);
    free(again);
    ef_report_free(&r);
    return 0;
}
