/* SPDX-License-Identifier: EUPL-1.2 */
/* The entry point on Linux: the arguments are UTF-8 already. */
#include "../agent.h"

int main(int argc, char **argv)
{
    return agent_main(argc, argv);
}
