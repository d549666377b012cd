/* SPDX-License-Identifier: EUPL-1.2 */
/* The collector's configuration file. */
#include "config.h"
#include "fuzz_input.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[1024] = "";
    int fd = fuzz_input_file(data, size, path, sizeof(path));
    if (fd < 0)
        return 0;
    struct ef_coll_config c;
    memset(&c, 0, sizeof(c));
    if (ef_coll_config_load(path, &c, err, sizeof(err)) != 0 && err[0] == '\0')
        abort();
    close(fd);
    return 0;
}
