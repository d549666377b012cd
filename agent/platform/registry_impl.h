/* SPDX-License-Identifier: EUPL-1.2 */
/* The two sources of registry.h behind one table of operations. Private to agent/platform. */
#ifndef EFTERLEV_AGENT_PLATFORM_REGISTRY_IMPL_H
#define EFTERLEV_AGENT_PLATFORM_REGISTRY_IMPL_H

#include "efterlev/attr.h"
#include "registry.h"

/* Keys reach the operations normalised (ef_reg_key_normalize, the view applied); the live
 * source receives the view as well, for KEY_WOW64_32KEY / KEY_WOW64_64KEY. */
struct ef_reg_ops {
    ef_reg_status (*get)(struct ef_reg *r, const char *key, const char *name, ef_reg_view view,
                         struct ef_reg_value *out, char *why, size_t whylen);
    ef_reg_status (*key_exists)(struct ef_reg *r, const char *key, ef_reg_view view, char *why,
                                size_t whylen);
    ef_reg_status (*subkeys)(struct ef_reg *r, const char *key, ef_reg_view view, char ***names,
                             size_t *n, char *why, size_t whylen);
    void (*free)(struct ef_reg *r);
};

struct ef_reg {
    const struct ef_reg_ops *ops;
    int live;
    char source[1100];
    void *impl;
};

#endif
