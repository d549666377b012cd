/* SPDX-License-Identifier: EUPL-1.2 */
/* The entry point on Windows: wmain gets the arguments as UTF-16, as Windows holds them;
 * they become UTF-8 once, here, so that a path such as C:\Users\Åsa\agent.yml reaches the
 * rest of the agent (and efterlev/os.h, which converts back) unchanged. The console shows
 * what the agent prints as UTF-8, and stdout/stderr are binary (no CRLF rewriting of JSON). */
#include "../agent.h"

#include "efterlev/os_win32.h"

#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>

int wmain(int argc, wchar_t **wargv); /* called by the C runtime (-municode) */

int wmain(int argc, wchar_t **wargv)
{
    char **argv = calloc((size_t)argc + 1, sizeof(*argv));
    if (argv == NULL)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        if ((argv[i] = ef_win_utf8(wargv[i])) == NULL) {
            fprintf(stderr, "efterlev-agent: cannot convert argument %d to UTF-8\n", i);
            return EXIT_USAGE;
        }
    }
    SetConsoleOutputCP(CP_UTF8);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    int rc = agent_main(argc, argv);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return rc;
}
