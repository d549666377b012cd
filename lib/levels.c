/* SPDX-License-Identifier: EUPL-1.2 */
/* Levels per aspect in JSON (efterlev/levels.h). */
#include "efterlev/levels.h"

#include <stdio.h>
#include <string.h>

json_t *ef_levels_to_json(const ef_level levels[EF_ASPECTS])
{
    json_t *o = json_object();

    for (int k = 0; o != NULL && k < EF_ASPECTS; k++)
        if (json_object_set_new(o, ef_aspect_letters[k], json_string(ef_level_name(levels[k]))) !=
            0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

int ef_levels_from_json(const json_t *o, ef_level levels[EF_ASPECTS])
{
    ef_level v[EF_ASPECTS];
    const char *key;
    json_t *val;

    if (!json_is_object(o) || json_object_size(o) != EF_ASPECTS)
        return -1;
    json_object_foreach((json_t *)o, key, val)
    {
        int k = ef_aspect_index(key);
        if (k < 0 || !json_is_string(val) || ef_level_parse(json_string_value(val), &v[k]) != 0)
            return -1;
    }
    memcpy(levels, v, sizeof(v));
    return 0;
}

int ef_levels_parse_text(const char *s, ef_level levels[EF_ASPECTS])
{
    ef_level v[EF_ASPECTS];
    unsigned seen = 0;

    for (int i = 0; i < EF_ASPECTS; i++) {
        char letter[2], name[16];
        size_t len = strcspn(s, ",");
        int k;

        /* "X=name": one letter, '=', a level name */
        if (len < 3 || len >= sizeof(name) + 2 || s[1] != '=')
            return -1;
        letter[0] = s[0];
        letter[1] = '\0';
        memcpy(name, s + 2, len - 2);
        name[len - 2] = '\0';
        if ((k = ef_aspect_index(letter)) < 0 || (seen & (1u << k)) ||
            ef_level_parse(name, &v[k]) != 0)
            return -1;
        seen |= 1u << k;
        s += len;
        if (i < EF_ASPECTS - 1 && *s++ != ',')
            return -1;
    }
    if (*s != '\0')
        return -1;
    memcpy(levels, v, sizeof(v));
    return 0;
}
