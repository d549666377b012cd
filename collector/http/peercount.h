/* SPDX-License-Identifier: EUPL-1.2 */
/* Open connections per client address, for the per-address connection cap: a chained hash
 * table of address -> count, an entry freed when its count drops to zero, so memory is
 * bounded by the number of open connections. Loop thread only. */
#ifndef EF_COLLECTOR_PEERCOUNT_H
#define EF_COLLECTOR_PEERCOUNT_H

#include <stddef.h>
#include <sys/socket.h>

#define EF_PEER_KEY_MAX 64 /* "1.2.3.4", "2001:db8::/64" */

struct ef_peercount;

struct ef_peercount *ef_peercount_new(void);
void ef_peercount_free(struct ef_peercount *pc);
/* Count one more connection from key unless it already has cap: 1 counted, 0 refused (at
 * the cap), -1 out of memory. */
int ef_peercount_take(struct ef_peercount *pc, const char *key, long cap);
/* One connection from key ended. */
void ef_peercount_release(struct ef_peercount *pc, const char *key);
/* Connections counted for key. */
long ef_peercount_get(const struct ef_peercount *pc, const char *key);

/* The key of a client address: the IPv4 address, the /64 of an IPv6 address (one host
 * usually holds a whole /64), an IPv4-mapped IPv6 address as IPv4. 0, or -1 for other
 * families. */
int ef_peer_key(const struct sockaddr *sa, char key[EF_PEER_KEY_MAX]);

#endif
