/* SPDX-License-Identifier: EUPL-1.2 */
/* Key certificates (keycert.h): the signed message, built one way for both directions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efterlev/b64.h"
#include "efterlev/report.h"
#include "keycert.h"

#define KEYCERT_PREFIX "efterlev-agent-key-v1\n"

/* The message for (agent_id, pub) in buf (size EF_ID_MAX + 96); its length, or -1. */
static int message(const char *agent_id, const unsigned char pub[EF_ED25519_PUB_LEN], char *buf,
                   size_t buflen)
{
    char *b64 = ef_b64_encode(pub, EF_ED25519_PUB_LEN);
    int n;

    if (b64 == NULL || strlen(agent_id) > EF_ID_MAX || strchr(agent_id, '\n') != NULL) {
        free(b64);
        return -1;
    }
    n = snprintf(buf, buflen, KEYCERT_PREFIX "%s\n%s\n", agent_id, b64);
    free(b64);
    return n < 0 || (size_t)n >= buflen ? -1 : n;
}

int ef_keycert_make(void *collector_key, const char *agent_id,
                    const unsigned char pub[EF_ED25519_PUB_LEN], unsigned char cert[EF_KEYCERT_LEN])
{
    char msg[EF_ID_MAX + 96];
    int n = message(agent_id, pub, msg, sizeof(msg));

    if (n < 0)
        return -1;
    return ef_sign(collector_key, msg, (size_t)n, cert);
}

int ef_keycert_verify(const unsigned char collector_pub[EF_ED25519_PUB_LEN], const char *agent_id,
                      const unsigned char pub[EF_ED25519_PUB_LEN], const unsigned char *cert,
                      size_t certlen)
{
    char msg[EF_ID_MAX + 96];
    int n;

    if (cert == NULL || certlen != EF_KEYCERT_LEN ||
        (n = message(agent_id, pub, msg, sizeof(msg))) < 0)
        return 0;
    return ef_verify(collector_pub, msg, (size_t)n, cert);
}
