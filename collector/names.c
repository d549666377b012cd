/* SPDX-License-Identifier: EUPL-1.2 */
/* names.h: department names in NFC (libunistring's u8_normalize). */
#include "names.h"

#include "tokens.h"

#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

int ef_dept_name_canon(const char *in, char out[EF_DEPT_NAME_MAX + 1])
{
    /* Valid first: u8_normalize needs well-formed UTF-8, and the bound keeps its work small. */
    if (!ef_dept_name_valid(in))
        return -1;
    size_t n = 0;
    uint8_t *nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)in, strlen(in), NULL, &n);
    if (nfc == NULL)
        return -1;
    int ok = n >= 1 && n <= EF_DEPT_NAME_MAX;
    if (ok) {
        memcpy(out, nfc, n);
        out[n] = '\0';
        ok = ef_dept_name_valid(out); /* NFC of valid text is valid; checked, not assumed */
    }
    free(nfc);
    return ok ? 0 : -1;
}

int ef_role_canon(const char *in, char out[EF_ROLE_MAX + 1])
{
    static const char pre[] = "department:";
    if (strncmp(in, pre, sizeof(pre) - 1) != 0) {
        if (strlen(in) > EF_ROLE_MAX)
            return -1;
        memcpy(out, in, strlen(in) + 1);
        return 0;
    }
    memcpy(out, pre, sizeof(pre) - 1);
    return ef_dept_name_canon(in + sizeof(pre) - 1, out + sizeof(pre) - 1);
}
