/* SPDX-License-Identifier: EUPL-1.2 */
/* libcurl, loaded when the agent first talks to a collector (enroll, run). A scan — what the
 * agent does most, as root, on every machine — never maps libcurl and the twenty-odd
 * libraries it brings (GnuTLS, Kerberos, LDAP, SSH, ...): about 4.7 MiB of resident memory,
 * measured in docs/performance.md. The same pattern as systemd's optional libraries. */
#ifndef EFTERLEV_AGENT_CURL_API_H
#define EFTERLEV_AGENT_CURL_API_H

#include <curl/curl.h> /* types and constants only: the agent does not link libcurl */
#include <stddef.h>

struct curl_api {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
    CURLU *(*url)(void);
    CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *content, unsigned int flags);
    CURLUcode (*url_get)(const CURLU *u, CURLUPart part, char **content, unsigned int flags);
    void (*url_cleanup)(CURLU *u);
    void (*free)(void *p);
};

/* libcurl's functions, loading and initialising it on first use. NULL with err when it
 * cannot be loaded (the package libcurl4 is missing). */
const struct curl_api *curl_api(char *err, size_t errlen);

/* curl_global_cleanup and unload, when it was loaded; for the end of main. */
void curl_api_unload(void);

#endif
