/* SPDX-License-Identifier: EUPL-1.2 */
/* A private CA and a server certificate for "init": EC P-256 keys, SHA-256 signatures. */
#ifndef EF_COLLECTOR_TLS_GEN_H
#define EF_COLLECTOR_TLS_GEN_H

#include <stddef.h>

#define EF_CA_DAYS 3650
#define EF_SERVER_CERT_DAYS 825

/* Write dir/ca.pem, dir/ca-key.pem, dir/cert.pem and dir/key.pem (keys 0600, atomically).
 * The server certificate's subjectAltName holds localhost, 127.0.0.1, ::1 and every name
 * in hostnames (IP addresses become IP entries). 0 or -1 with err. */
int ef_tls_generate(const char *dir, const char *const *hostnames, size_t nhostnames, char *err,
                    size_t errlen);

/* 1 when name is acceptable as a DNS name or IP address in a certificate. */
int ef_tls_name_valid(const char *name);

#endif
