/* SPDX-License-Identifier: EUPL-1.2 */
/* Network listeners probe: sockets reachable from the network, and the processes holding
 * them.
 *
 * ROOT/proc/net/tcp and tcp6: sockets in state 0A (LISTEN); ROOT/proc/net/udp and udp6:
 * unconnected bound sockets (state 07, remote port 0). Sockets bound to a loopback address
 * (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) are ignored. Each socket's inode is looked up in
 * the links ROOT/proc/PID/fd/N -> "socket:[INODE]" and named by ROOT/proc/PID/comm. Reading
 * other users' /proc/PID/fd needs root: a listener that cannot be mapped for lack of
 * permission makes the facts unknown; one no process holds (a kernel socket, e.g. NFS) is
 * named "-".
 *
 * Facts: net.listeners (text): the distinct "process:port/proto" entries, sorted, joined
 * with ","; "none" when nothing listens. net.listeners.count: how many distinct entries.
 * The addresses are in the evidence. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SOCKETS_MAX 4096
#define NET_FILE_MAX (16 * 1024 * 1024)

struct sock {
    unsigned long inode;
    unsigned port;
    int udp;
    char addr[INET6_ADDRSTRLEN + 2];
    char proc[32];
    int mapped;
};

struct scan {
    struct sock *s;
    size_t n;
    int denied; /* some /proc/PID/fd could not be read for lack of permission */
};

/* The kernel prints each 32-bit word of an address with %08X in host byte order. */
static int parse_addr(const char *hex, int v6, unsigned char *out)
{
    size_t words = v6 ? 4 : 1;
    if (strlen(hex) != words * 8)
        return -1;
    for (size_t i = 0; i < words; i++) {
        char w[9];
        memcpy(w, hex + i * 8, 8);
        w[8] = '\0';
        char *end;
        uint32_t v = (uint32_t)strtoul(w, &end, 16);
        if (*end != '\0')
            return -1;
        memcpy(out + i * 4, &v, 4);
    }
    return 0;
}

static int loopback(const unsigned char *a, int v6)
{
    static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!v6)
        return a[0] == 127;
    return memcmp(a, one, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}

/* Add the listening sockets of one /proc/net file. Returns 0, or a negative errno. */
static int read_net(struct ef_facts *f, const char *name, struct scan *sc)
{
    char rel[64], *text;
    int v6 = strchr(name, '6') != NULL, udp = name[0] == 'u', rc;

    snprintf(rel, sizeof(rel), "/proc/net/%s", name);
    if ((rc = ef_pu_read(f, rel, NET_FILE_MAX, &text, NULL)) != 0)
        return rc;
    char *save = NULL;
    int first = 1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char laddr[40], raddr[40];
        unsigned lport, rport, st;
        unsigned long inode;
        if (first) { /* header */
            first = 0;
            continue;
        }
        if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*u %*u %lu",
                   laddr, &lport, raddr, &rport, &st, &inode) != 6)
            continue;
        if (udp ? (st != 0x07 || rport != 0) : st != 0x0A)
            continue;
        unsigned char a[16];
        if (parse_addr(laddr, v6, a) != 0 || loopback(a, v6) || lport == 0)
            continue;
        if (sc->n >= SOCKETS_MAX)
            break;
        struct sock *s = &sc->s[sc->n++];
        memset(s, 0, sizeof(*s));
        s->inode = inode;
        s->port = lport;
        s->udp = udp;
        char txt[INET6_ADDRSTRLEN];
        if (inet_ntop(v6 ? AF_INET6 : AF_INET, a, txt, sizeof(txt)) == NULL)
            strlcpy(txt, "?", sizeof(txt));
        snprintf(s->addr, sizeof(s->addr), v6 ? "[%s]" : "%s", txt);
        strlcpy(s->proc, "-", sizeof(s->proc));
    }
    free(text);
    return 0;
}

/* Process names without the separators of the fact's value. */
static void clean_name(char *s)
{
    for (; *s; s++)
        if (*s == ',' || *s == ':' || *s == '/' || isspace((unsigned char)*s) ||
            (unsigned char)*s < 0x20)
            *s = '_';
}

static void map_processes(struct ef_facts *f, struct scan *sc)
{
    char proc[PATH_MAX];
    size_t left = sc->n;

    if (ef_facts_path(f, proc, sizeof(proc), "/proc") != 0)
        return;
    DIR *d = opendir(proc);
    if (d == NULL)
        return;
    struct dirent *de;
    while (left > 0 && (de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        char fdpath[PATH_MAX];
        if ((size_t)snprintf(fdpath, sizeof(fdpath), "%s/%s/fd", proc, de->d_name) >=
            sizeof(fdpath))
            continue;
        DIR *fd = opendir(fdpath);
        if (fd == NULL) {
            if (errno == EACCES || errno == EPERM)
                sc->denied = 1;
            continue;
        }
        char comm[64] = "";
        struct dirent *fe;
        while (left > 0 && (fe = readdir(fd)) != NULL) {
            char link[PATH_MAX], target[64];
            unsigned long ino;
            if (fe->d_name[0] == '.' ||
                (size_t)snprintf(link, sizeof(link), "%s/%s", fdpath, fe->d_name) >= sizeof(link))
                continue;
            ssize_t n = readlink(link, target, sizeof(target) - 1);
            if (n <= 0)
                continue;
            target[n] = '\0';
            if (sscanf(target, "socket:[%lu]", &ino) != 1)
                continue;
            for (size_t i = 0; i < sc->n; i++) {
                if (sc->s[i].inode != ino || sc->s[i].mapped)
                    continue;
                if (comm[0] == '\0') {
                    char cpath[PATH_MAX], *text = NULL;
                    if ((size_t)snprintf(cpath, sizeof(cpath), "%s/%s/comm", proc, de->d_name) <
                            sizeof(cpath) &&
                        ef_read_file(cpath, 256, &text, NULL) == 0) {
                        text[strcspn(text, "\n")] = '\0';
                        strlcpy(comm, text[0] ? text : "?", sizeof(comm));
                        free(text);
                    } else {
                        strlcpy(comm, "?", sizeof(comm));
                    }
                    clean_name(comm);
                }
                strlcpy(sc->s[i].proc, comm, sizeof(sc->s[i].proc));
                sc->s[i].mapped = 1;
                left--;
            }
        }
        closedir(fd);
    }
    closedir(d);
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void ef_probe_listeners(struct ef_facts *f)
{
    static const char *const files[] = {"tcp", "tcp6", "udp", "udp6"};
    struct scan sc = {0};
    int readable = 0, err = 0;

    if ((sc.s = calloc(SOCKETS_MAX, sizeof(*sc.s))) == NULL) {
        ef_fact_unknown(f, "net.listeners", "out of memory");
        ef_fact_unknown(f, "net.listeners.count", "out of memory");
        return;
    }
    for (size_t i = 0; i < EF_ARRAY_LEN(files); i++) {
        int rc = read_net(f, files[i], &sc);
        if (rc == 0)
            readable++;
        else if (err == 0 || rc != -ENOENT)
            err = rc;
    }
    if (readable == 0) {
        const char *why = err == -ENOENT ? "not found" : ef_pu_errtext(err);
        ef_fact_unknown(f, "net.listeners", "cannot read /proc/net/tcp, tcp6, udp, udp6: %s", why);
        ef_fact_unknown(f, "net.listeners.count", "cannot read /proc/net/tcp, tcp6, udp, udp6: %s",
                        why);
        free(sc.s);
        return;
    }
    map_processes(f, &sc);

    size_t unmapped = 0;
    for (size_t i = 0; i < sc.n; i++)
        unmapped += !sc.s[i].mapped;
    if (unmapped > 0 && sc.denied) {
        ef_fact_unknown(f, "net.listeners",
                        "%zu network listener(s) not mapped to a process: other users' "
                        "/proc/PID/fd cannot be read (run as root)",
                        unmapped);
        ef_fact_unknown(f, "net.listeners.count",
                        "%zu network listener(s) not mapped to a process (run as root)", unmapped);
        free(sc.s);
        return;
    }

    /* Distinct "proc:port/proto" entries, sorted; addresses listed in the evidence. */
    char **entries = calloc(sc.n + 1, sizeof(*entries));
    size_t ne = 0;
    char ev[EF_EVIDENCE_MAX + 1] = "";
    for (size_t i = 0; entries && i < sc.n; i++) {
        char e[64], shown[128];
        snprintf(e, sizeof(e), "%s:%u/%s", sc.s[i].proc, sc.s[i].port, sc.s[i].udp ? "udp" : "tcp");
        snprintf(shown, sizeof(shown), "%s %s:%u/%s",
                 sc.s[i].mapped ? sc.s[i].proc : "- (no process holds it)", sc.s[i].addr,
                 sc.s[i].port, sc.s[i].udp ? "udp" : "tcp");
        ef_pu_list_add(ev, sizeof(ev), shown);
        size_t j;
        for (j = 0; j < ne; j++)
            if (strcmp(entries[j], e) == 0)
                break;
        if (j == ne && (entries[ne] = strdup(e)) != NULL)
            ne++;
    }
    if (entries == NULL) {
        ef_fact_unknown(f, "net.listeners", "out of memory");
        ef_fact_unknown(f, "net.listeners.count", "out of memory");
        free(sc.s);
        return;
    }
    qsort(entries, ne, sizeof(*entries), entry_cmp);
    char value[EF_FACT_STR_MAX + 1] = "";
    for (size_t j = 0; j < ne; j++) {
        size_t used = strlen(value), need = strlen(entries[j]) + (used ? 1 : 0);
        if (used + need > EF_FACT_STR_MAX - 4) {
            strlcat(value, ",...", sizeof(value)); /* never matches an allow-list entry */
            break;
        }
        if (used)
            strlcat(value, ",", sizeof(value));
        strlcat(value, entries[j], sizeof(value));
    }
    if (ne == 0) {
        ef_fact_str(f, "net.listeners", "none", "nothing listens on a non-loopback address");
        ef_fact_int(f, "net.listeners.count", 0, "nothing listens on a non-loopback address");
    } else {
        ef_fact_str(f, "net.listeners", value, "listening: %s", ev);
        ef_fact_int(f, "net.listeners.count", (long long)ne, "listening: %s", ev);
    }
    for (size_t j = 0; j < ne; j++)
        free(entries[j]);
    free(entries);
    free(sc.s);
}
