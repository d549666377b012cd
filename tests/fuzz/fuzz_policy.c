/* SPDX-License-Identifier: EUPL-1.2 */
/* The policy loader: a municipality's own YAML, checked strictly. */
#include "efterlev/policy.h"
#include "fuzz_input.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[1024];
    int fd = fuzz_input_file(data, size, path, sizeof(path));
    if (fd < 0)
        return 0;
    struct ef_policy_set ps;
    ef_policy_init(&ps);
    if (ef_policy_load(&ps, path, EF_CONTROLS_FILE, err, sizeof(err)) != 0 && err[0] == '\0')
        abort(); /* every refusal says why */
    ef_policy_free(&ps);
    close(fd);
    return 0;
}
