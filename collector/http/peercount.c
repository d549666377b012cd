/* SPDX-License-Identifier: EUPL-1.2 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/peercount.h"

#define BUCKETS 4096 /* a power of two */

struct entry {
    struct entry *next;
    long count;
    char key[EF_PEER_KEY_MAX];
};

struct ef_peercount {
    struct entry *b[BUCKETS];
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h & (BUCKETS - 1);
}

struct ef_peercount *ef_peercount_new(void)
{
    return calloc(1, sizeof(struct ef_peercount));
}

void ef_peercount_free(struct ef_peercount *pc)
{
    struct entry *e, *next;
    size_t i;

    if (pc == NULL)
        return;
    for (i = 0; i < BUCKETS; i++)
        for (e = pc->b[i]; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
    free(pc);
}

static struct entry **find(struct ef_peercount *pc, const char *key)
{
    struct entry **p = &pc->b[hash(key)];

    while (*p != NULL && strcmp((*p)->key, key) != 0)
        p = &(*p)->next;
    return p;
}

int ef_peercount_take(struct ef_peercount *pc, const char *key, long cap)
{
    struct entry **p = find(pc, key);

    if (*p == NULL) {
        if (cap <= 0)
            return 0;
        if ((*p = calloc(1, sizeof(**p))) == NULL)
            return -1;
        snprintf((*p)->key, sizeof((*p)->key), "%s", key);
    }
    if ((*p)->count >= cap)
        return 0;
    (*p)->count++;
    return 1;
}

void ef_peercount_release(struct ef_peercount *pc, const char *key)
{
    struct entry **p = find(pc, key), *e = *p;

    if (e == NULL)
        return;
    if (--e->count <= 0) {
        *p = e->next;
        free(e);
    }
}

long ef_peercount_get(const struct ef_peercount *pc, const char *key)
{
    const struct entry *e = pc->b[hash(key)];

    while (e != NULL && strcmp(e->key, key) != 0)
        e = e->next;
    return e != NULL ? e->count : 0;
}

int ef_peer_key(const struct sockaddr *sa, char key[EF_PEER_KEY_MAX])
{
    char text[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET) {
        if (inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, key,
                      EF_PEER_KEY_MAX) == NULL)
            return -1;
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        struct in6_addr a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

        if (IN6_IS_ADDR_V4MAPPED(&a))
            return inet_ntop(AF_INET, &a.s6_addr[12], key, EF_PEER_KEY_MAX) != NULL ? 0 : -1;
        memset(&a.s6_addr[8], 0, 8);
        if (inet_ntop(AF_INET6, &a, text, sizeof(text)) == NULL)
            return -1;
        snprintf(key, EF_PEER_KEY_MAX, "%s/64", text);
        return 0;
    }
    return -1;
}
