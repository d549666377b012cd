/* SPDX-License-Identifier: EUPL-1.2 */
/* The result codes of the collector's layers (store, sessions, HTTP helpers, commands'
 * internals): one enum, so a code means the same wherever it comes from, and one function
 * naming it for logs. The store's EF_STORE_* names are these same values (store/store.h). */
#ifndef EF_COLLECTOR_RC_H
#define EF_COLLECTOR_RC_H

enum ef_rc {
    EF_ERR = -1, /* failed; the layer's error text says why */
    EF_OK = 0,
    EF_NOTFOUND = 1, /* no such row, user, session, department */
    EF_EXISTS = 2,   /* a unique name taken, or a seq no longer greater than stored */
    EF_BUSY = 3,     /* the database stayed locked by another writer */
    EF_REFUSED = 4,  /* not allowed: a limit, a lock, a caller's scope */
    EF_INVALID = 5,  /* the input is malformed */
    EF_RETRY = 6,    /* a conflict with another writer (a deadlock) rolled the work back: run
                      * all of it again */
    EF_NOMEM = 7,    /* out of memory (layers above the store; the store says EF_ERR and why) */
    EF_SYSTEM = 8,   /* a write or the system's randomness failed (layers above the store) */
};

/* "ok", "error", "not found", ...; "unknown result" for a value outside the enum. */
const char *ef_rc_str(int rc);

#endif
