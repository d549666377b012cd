/* SPDX-License-Identifier: EUPL-1.2 */
/* The agent's configuration file, as Ansible or a person writes it. */
#include "agent_config.h"
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
    struct agent_config c;
    agent_config_defaults(&c);
    if (agent_config_load(&c, path, 0, err, sizeof(err)) != 0 && err[0] == '\0')
        abort();
    agent_config_free(&c);
    close(fd);
    return 0;
}
