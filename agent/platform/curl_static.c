/* SPDX-License-Identifier: EUPL-1.2 */
/* curl_api.h on Windows: libcurl is linked statically into efterlev-agent.exe (there is no
 * system libcurl with OpenSSL to load), so the table holds its functions directly. */
#include "../curl_api.h"

#include <stdio.h>

static int initialised;

/* libcurl 7.88 declares curl_url_get's handle without const; the table's type has it. */
static CURLUcode url_get(const CURLU *u, CURLUPart part, char **content, unsigned int flags)
{
    return curl_url_get((CURLU *)u, part, content, flags);
}

static const struct curl_api api = {
    .easy_init = curl_easy_init,
    .easy_setopt = curl_easy_setopt,
    .easy_perform = curl_easy_perform,
    .easy_getinfo = curl_easy_getinfo,
    .easy_cleanup = curl_easy_cleanup,
    .easy_strerror = curl_easy_strerror,
    .slist_append = curl_slist_append,
    .slist_free_all = curl_slist_free_all,
    .url = curl_url,
    .url_set = curl_url_set,
    .url_get = url_get,
    .url_cleanup = curl_url_cleanup,
    .free = curl_free,
};

const struct curl_api *curl_api(char *err, size_t errlen)
{
    if (!initialised) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errlen, "cannot initialise libcurl");
            return NULL;
        }
        initialised = 1;
    }
    return &api;
}

void curl_api_unload(void)
{
    if (initialised)
        curl_global_cleanup();
    initialised = 0;
}
