/* SPDX-License-Identifier: EUPL-1.2 */
#include "store/rc.h"

const char *ef_rc_str(int rc)
{
    switch (rc) {
    case EF_ERR:
        return "error";
    case EF_OK:
        return "ok";
    case EF_NOTFOUND:
        return "not found";
    case EF_EXISTS:
        return "already exists";
    case EF_BUSY:
        return "busy";
    case EF_REFUSED:
        return "refused";
    case EF_INVALID:
        return "invalid";
    case EF_RETRY:
        return "conflict, run again";
    case EF_NOMEM:
        return "out of memory";
    case EF_SYSTEM:
        return "system error";
    default:
        return "unknown result";
    }
}
