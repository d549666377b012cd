/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64 (RFC 4648, standard alphabet, padded) over OpenSSL's EVP encoder. */
#ifndef EFTERLEV_B64_H
#define EFTERLEV_B64_H

#include <stddef.h>

/* Returns a NUL-terminated string the caller frees, or NULL on allocation failure. */
char *ef_b64_encode(const void *data, size_t len);

/* Decode strict padded base64 into out (capacity outcap). Returns the decoded length, or -1
 * on malformed input or when it does not fit. */
long ef_b64_decode(const char *in, void *out, size_t outcap);

#endif
