/* SPDX-License-Identifier: EUPL-1.2 */
/* Key certificates: the collector's export key vouches for each agent key it enrolled, so
 * that verify-export --collector-key can tell a key the collector admitted from one a
 * database insider wrote into agent_keys (docs/security.md, "Exports").
 *
 * A certificate is the collector's Ed25519 signature (raw 64 bytes) over exactly
 *     "efterlev-agent-key-v1\n" AGENT_ID "\n" BASE64(PUBLIC_KEY) "\n"
 * with BASE64 the standard padded base64 of the raw 32-byte public key. */
#ifndef EF_COLLECTOR_KEYCERT_H
#define EF_COLLECTOR_KEYCERT_H

#include <stddef.h>

#include "efterlev/sign.h"

#define EF_KEYCERT_LEN EF_ED25519_SIG_LEN

/* Sign the certificate of (agent_id, pub) with collector_key (an EVP_PKEY *, passed as
 * void * so it fits struct ef_enrollment's callback). 0, or -1 (agent_id too long, OpenSSL). */
int ef_keycert_make(void *collector_key, const char *agent_id,
                    const unsigned char pub[EF_ED25519_PUB_LEN],
                    unsigned char cert[EF_KEYCERT_LEN]);

/* 1 when cert (certlen bytes) is collector_pub's certificate of (agent_id, pub), else 0. */
int ef_keycert_verify(const unsigned char collector_pub[EF_ED25519_PUB_LEN], const char *agent_id,
                      const unsigned char pub[EF_ED25519_PUB_LEN], const unsigned char *cert,
                      size_t certlen);

#endif
