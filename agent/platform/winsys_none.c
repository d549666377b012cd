/* SPDX-License-Identifier: EUPL-1.2 */
/* winsys.h's live source on systems that are not Windows: none. A Windows machine is judged
 * from Linux through a recording (scan --registry FILE.reg --recording FILE.json). */
#include "winsys.h"

#include <stdio.h>

struct ef_win *ef_win_open_live(char *err, size_t errlen)
{
    snprintf(err, errlen, "no Windows system to ask here (judge a recorded one with --recording)");
    return NULL;
}
