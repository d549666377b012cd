/* SPDX-License-Identifier: EUPL-1.2 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit.h"

void ef_cli_actor(char *out, size_t outlen)
{
    const char *sudo = getenv("SUDO_USER");
    struct passwd *pw = getpwuid(geteuid());

    if (sudo != NULL && *sudo != '\0')
        snprintf(out, outlen, "cli:%s", sudo);
    else if (pw != NULL && pw->pw_name != NULL)
        snprintf(out, outlen, "cli:%s", pw->pw_name);
    else
        snprintf(out, outlen, "cli:uid-%ld", (long)geteuid());
}

int ef_audit(struct ef_store *s, time_t at, const char *actor, const char *action, json_t *details)
{
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT) : NULL;
    int rc;

    json_decref(details);
    rc = s->ops->audit_add(s, at, actor, action, text);
    free(text);
    return rc;
}
