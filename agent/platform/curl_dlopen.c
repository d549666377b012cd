/* SPDX-License-Identifier: EUPL-1.2 */
#include "../curl_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define LIBCURL "libcurl.so.4"

static struct curl_api api;
static void *handle;
static void (*global_cleanup)(void);

static int sym(void *dst, size_t size, const char *name, char *err, size_t errlen)
{
    void *p = dlsym(handle, name);
    if (p == NULL) {
        snprintf(err, errlen, "%s has no %s", LIBCURL, name);
        return -1;
    }
    memcpy(dst, &p, size); /* object pointer to function pointer, as POSIX dlsym allows */
    return 0;
}

#define SYM(field, name) sym(&api.field, sizeof(api.field), name, err, errlen)

const struct curl_api *curl_api(char *err, size_t errlen)
{
    if (handle != NULL)
        return &api;
    handle = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(err, errlen, "cannot load %s (apt-get install libcurl4): %s", LIBCURL, dlerror());
        return NULL;
    }
    CURLcode (*global_init)(long) = NULL;
    if (sym(&global_init, sizeof(global_init), "curl_global_init", err, errlen) ||
        sym(&global_cleanup, sizeof(global_cleanup), "curl_global_cleanup", err, errlen) ||
        SYM(easy_init, "curl_easy_init") || SYM(easy_setopt, "curl_easy_setopt") ||
        SYM(easy_perform, "curl_easy_perform") || SYM(easy_getinfo, "curl_easy_getinfo") ||
        SYM(easy_cleanup, "curl_easy_cleanup") || SYM(easy_strerror, "curl_easy_strerror") ||
        SYM(slist_append, "curl_slist_append") || SYM(slist_free_all, "curl_slist_free_all") ||
        SYM(url, "curl_url") || SYM(url_set, "curl_url_set") || SYM(url_get, "curl_url_get") ||
        SYM(url_cleanup, "curl_url_cleanup") || SYM(free, "curl_free") ||
        global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        if (err[0] == '\0')
            snprintf(err, errlen, "cannot initialise %s", LIBCURL);
        dlclose(handle);
        handle = NULL;
        global_cleanup = NULL;
        return NULL;
    }
    return &api;
}

void curl_api_unload(void)
{
    if (handle == NULL)
        return;
    global_cleanup();
    dlclose(handle);
    handle = NULL;
}
