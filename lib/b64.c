/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64 over OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, with the strictness the block
 * functions lack: length a multiple of 4, padding only at the end, padding subtracted. */
#include "efterlev/b64.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

char *ef_b64_encode(const void *data, size_t len)
{
    if (len > (size_t)(INT32_MAX / 4 * 3 - 3))
        return NULL;
    size_t outlen = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(outlen);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

long ef_b64_decode(const char *in, void *out, size_t outcap)
{
    size_t len = strlen(in);
    if (len == 0)
        return 0;
    if (len % 4 != 0 || len > (size_t)INT32_MAX)
        return -1;
    size_t pad = 0;
    if (in[len - 1] == '=')
        pad++;
    if (in[len - 2] == '=')
        pad++;
    /* '=' anywhere but the last two positions is malformed. */
    for (size_t i = 0; i < len - pad; i++)
        if (in[i] == '=')
            return -1;
    size_t full = len / 4 * 3;
    unsigned char *tmp = malloc(full);
    if (tmp == NULL)
        return -1;
    int n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
    if (n < 0 || (size_t)n != full || full - pad > outcap) {
        free(tmp);
        return -1;
    }
    memcpy(out, tmp, full - pad);
    free(tmp);
    return (long)(full - pad);
}
