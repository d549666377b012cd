/* SPDX-License-Identifier: EUPL-1.2 */
/* A host's protection level per aspect as the protocol carries it (docs/protocol.md,
 * "Levels per aspect"): {"K": "high", "R": "basic", "T": "basic", "S": "high"}. The
 * collector tells each agent its levels; the agent judges each check at the level of the
 * aspects it protects (ef_check_level, efterlev/policy.h). */
#ifndef EFTERLEV_LEVELS_H
#define EFTERLEV_LEVELS_H

#include <jansson.h>

#include "efterlev/policy.h"

/* {"K": level, "R": ..., "T": ..., "S": ...}; NULL when out of memory. */
json_t *ef_levels_to_json(const ef_level levels[EF_ASPECTS]);

/* Read o (all four aspects, each basic, elevated or high; no other key) into levels.
 * 0, or -1 leaving levels unchanged. */
int ef_levels_from_json(const json_t *o, ef_level levels[EF_ASPECTS]);

/* "K=high,R=basic,T=basic,S=high" (all four, in any order, nothing else): the
 * Efterlev-Levels header of a served policy. 0, or -1 leaving levels unchanged. */
int ef_levels_parse_text(const char *s, ef_level levels[EF_ASPECTS]);

#endif
