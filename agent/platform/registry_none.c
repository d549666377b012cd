/* SPDX-License-Identifier: EUPL-1.2 */
/* registry.h's live registry on systems without one (Linux): none. A Windows machine is
 * scanned from Linux through a recorded registry (scan --registry FILE.reg). */
#include "registry.h"

#include <stdio.h>

struct ef_reg *ef_reg_open_live(char *err, size_t errlen)
{
    snprintf(err, errlen, "no registry on this system (scan a recorded one with --registry)");
    return NULL;
}
