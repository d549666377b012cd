/* SPDX-License-Identifier: EUPL-1.2 */
/* Storage probe: is the root filesystem, are swap and the other local data filesystems, and
 * are mounted removable media on an encrypted block device?
 *
 * The root device comes from ROOT/proc/self/mountinfo (the "/" line's MAJ:MIN, or its
 * /dev source for filesystems with anonymous device numbers such as btrfs), which works on
 * the live system and in fixture trees alike. From ROOT/sys/dev/block/MAJ:MIN the stack of
 * devices is walked down through slaves/ (LVM on LUKS, RAID); a node whose dm/uuid starts
 * with CRYPT-LUKS1- or CRYPT-LUKS2- (the prefixes systemd tests) is a LUKS layer. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/array.h"
#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SMALL_MAX (64 * 1024)
#define INFO_MAX (4 * 1024 * 1024)
#define DEPTH_MAX 8
#define MOUNTS_MAX 8192

struct mount {
    unsigned maj, min;
    char *point;  /* decoded */
    char *source; /* decoded */
    char *fstype;
};

struct mounts {
    struct mount *m;
    size_t n;
    char *buf;
};

static const char *const luks_prefixes[] = {"CRYPT-LUKS1-", "CRYPT-LUKS2-", NULL};
static const char *const swap_prefixes[] = {"CRYPT-LUKS1-", "CRYPT-LUKS2-", "CRYPT-PLAIN-", NULL};

static void mounts_free(struct mounts *ms)
{
    free(ms->m);
    free(ms->buf);
    memset(ms, 0, sizeof(*ms));
}

/* Parse ROOT/proc/self/mountinfo; negative errno on failure. */
static int mounts_read(struct ef_facts *f, struct mounts *ms)
{
    char *save = NULL;
    size_t cap = 0;
    int rc;

    memset(ms, 0, sizeof(*ms));
    if ((rc = ef_pu_read(f, "/proc/self/mountinfo", INFO_MAX, &ms->buf, NULL)) != 0)
        return rc;
    for (char *line = strtok_r(ms->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* id parent maj:min root point options [optional...] - fstype source superopts */
        char *fld[6] = {0}, *sp = NULL, *tok;
        int i = 0;
        for (tok = strtok_r(line, " ", &sp); tok && i < 6; tok = strtok_r(NULL, " ", &sp))
            fld[i++] = tok;
        if (i < 6)
            continue;
        while (tok && strcmp(tok, "-") != 0)
            tok = strtok_r(NULL, " ", &sp);
        char *fstype = tok ? strtok_r(NULL, " ", &sp) : NULL;
        char *source = fstype ? strtok_r(NULL, " ", &sp) : NULL;
        unsigned maj, min;
        if (source == NULL || sscanf(fld[2], "%u:%u", &maj, &min) != 2)
            continue;
        if (ms->n == MOUNTS_MAX)
            break;
        struct mount *g = ef_array_grow(ms->m, ms->n, &cap, sizeof(*ms->m), 64, MOUNTS_MAX);
        if (g == NULL) {
            mounts_free(ms);
            return -ENOMEM;
        }
        ms->m = g;
        ef_pu_mount_unescape(fld[4]);
        ef_pu_mount_unescape(source);
        ms->m[ms->n++] = (struct mount){maj, min, fld[4], source, fstype};
    }
    return 0;
}

/* The mount holding path: the last mount whose point is the longest prefix of path. */
static const struct mount *mount_of(const struct mounts *ms, const char *path)
{
    const struct mount *best = NULL;
    size_t bestlen = 0;

    for (size_t i = 0; i < ms->n; i++) {
        const char *p = ms->m[i].point;
        size_t l = strlen(p);
        int prefix = strcmp(p, "/") == 0 ||
                     (strncmp(path, p, l) == 0 && (path[l] == '/' || path[l] == '\0'));
        if (prefix && (best == NULL || l >= bestlen)) {
            best = &ms->m[i];
            bestlen = l;
        }
    }
    return best;
}

/* Kernel block device name for a /dev path: /dev/mapper/NAME via dm/name, else basename. */
static int dev_name(struct ef_facts *f, const char *dev, char *out, size_t outlen)
{
    if (strncmp(dev, "/dev/mapper/", 12) == 0) {
        char dir[PATH_MAX];
        if (ef_facts_path(f, dir, sizeof(dir), "/sys/class/block") != 0)
            return -1;
        DIR *d = opendir(dir);
        struct dirent *de;
        int rc = -1;
        if (d == NULL)
            return -1;
        while (rc != 0 && (de = readdir(d)) != NULL) {
            char p[PATH_MAX], name[256];
            if (de->d_name[0] == '.')
                continue;
            snprintf(p, sizeof(p), "/sys/class/block/%s/dm/name", de->d_name);
            if (ef_pu_read_attr(f, p, name, sizeof(name)) == 0 && strcmp(name, dev + 12) == 0)
                rc = strlcpy(out, de->d_name, outlen) < outlen ? 0 : -1;
        }
        closedir(d);
        return rc;
    }
    if (strncmp(dev, "/dev/", 5) != 0)
        return -1;
    const char *b = strrchr(dev, '/') + 1;
    if (*b == '\0')
        return -1;
    return strlcpy(out, b, outlen) < outlen ? 0 : -1;
}

#define LEAVES_MAX 8

struct walk {
    const char *const *prefixes;
    char chain[512]; /* "dm-2 <- dm-1 <- sda3" */
    char found[256]; /* "dm-1 dm/uuid CRYPT-LUKS2-..." of the first crypto layer */
    char other[128]; /* "dm-0 is device-mapper LVM" of the first other dm layer */
    int nodes;
    char leaves[LEAVES_MAX][NAME_MAX + 1]; /* the devices at the bottom (no slaves) */
    int nleaves;
};

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void walk(struct ef_facts *f, const char *sysdir, const char *name, int depth,
                 struct walk *w)
{
    char p[PATH_MAX], uuid[256];

    if (depth > DEPTH_MAX || w->nodes++ > 64)
        return;
    if (depth > 0)
        ef_text_append(w->chain, sizeof(w->chain), " <- ", 4);
    ef_text_append(w->chain, sizeof(w->chain), name, strlen(name));
    if ((size_t)snprintf(p, sizeof(p), "%s/dm/uuid", sysdir) < sizeof(p) &&
        ef_pu_read_attr(f, p, uuid, sizeof(uuid)) == 0 && w->found[0] == '\0') {
        for (const char *const *pre = w->prefixes; *pre; pre++)
            if (strncmp(uuid, *pre, strlen(*pre)) == 0) {
                ef_utf8_cut(uuid, 40);
                ef_text_printf(w->found, sizeof(w->found), "%s dm/uuid %s...", name, uuid);
                break;
            }
        if (w->found[0] == '\0' && w->other[0] == '\0') {
            /* the dm target kind: the dm/uuid prefix before '-' (LVM, mpath, part1, ...) */
            size_t k = strcspn(uuid, "-");
            ef_text_printf(w->other, sizeof(w->other),
                           "%s is device-mapper %.*s (dm/uuid %.*s-...)", name,
                           (int)(k > 20 ? 20 : k), uuid, (int)(k > 20 ? 20 : k), uuid);
        }
    }
    if ((size_t)snprintf(p, sizeof(p), "%s/slaves", sysdir) >= sizeof(p))
        return;
    char full[PATH_MAX];
    if (ef_facts_path(f, full, sizeof(full), p) != 0)
        return;
    DIR *d = opendir(full);
    if (d == NULL) {
        if (w->nleaves < LEAVES_MAX)
            strlcpy(w->leaves[w->nleaves++], name, sizeof(w->leaves[0]));
        return;
    }
    /* sorted for stable evidence */
    char names[16][NAME_MAX + 1];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 16)
        if (de->d_name[0] != '.')
            strlcpy(names[n++], de->d_name, sizeof(names[0]));
    closedir(d);
    if (n == 0 && w->nleaves < LEAVES_MAX)
        strlcpy(w->leaves[w->nleaves++], name, sizeof(w->leaves[0]));
    qsort(names, (size_t)n, sizeof(names[0]), cmp_name);
    for (int i = 0; i < n; i++) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof(sub), "/sys/class/block/%.255s", names[i]);
        walk(f, sub, names[i], depth + 1, w);
    }
}

/* Name of the device at MAJ:MIN: the sysfs link's target basename, else uevent DEVNAME. */
static int majmin_name(struct ef_facts *f, unsigned maj, unsigned min, char *out, size_t outlen)
{
    char p[64], full[PATH_MAX], link[PATH_MAX], ue[256];

    snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", maj, min);
    if (ef_facts_path(f, full, sizeof(full), p) != 0)
        return -1;
    ssize_t n = readlink(full, link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = '\0';
        const char *b = strrchr(link, '/');
        return strlcpy(out, b ? b + 1 : link, outlen) < outlen ? 0 : -1;
    }
    char *buf;
    snprintf(ue, sizeof(ue), "%s/uevent", p);
    if (ef_pu_read(f, ue, SMALL_MAX, &buf, NULL) != 0)
        return -1;
    int rc = -1;
    char *s = strstr(buf, "DEVNAME=");
    if (s) {
        s += 8;
        s[strcspn(s, "\n")] = '\0';
        rc = strlcpy(out, s, outlen) < outlen ? 0 : -1;
    }
    free(buf);
    return rc;
}

/* Walk the device under a mount (the walk in *wp when not NULL). Returns 1 encrypted, 0 not,
 * -1 unknown (why set). */
static int mount_encrypted_walk(struct ef_facts *f, const struct mount *m,
                                const char *const *prefixes, char *ev, size_t evlen,
                                struct walk *wp)
{
    struct walk local, *wq = wp ? wp : &local;
    char name[NAME_MAX + 1], sysdir[PATH_MAX], full[PATH_MAX];
    unsigned maj = m->maj, min = m->min;

    if (maj == 0) {
        /* anonymous device (btrfs, zfs, overlay, tmpfs): use the /dev source if any */
        if (dev_name(f, m->source, name, sizeof(name)) != 0) {
            ef_text_printf(ev, evlen,
                           "%s is %s from %s, not on a block device the agent can "
                           "inspect",
                           m->point, m->fstype, m->source);
            return -1;
        }
        snprintf(sysdir, sizeof(sysdir), "/sys/class/block/%s", name);
    } else {
        snprintf(sysdir, sizeof(sysdir), "/sys/dev/block/%u:%u", maj, min);
        if (majmin_name(f, maj, min, name, sizeof(name)) != 0) {
            ef_text_printf(ev, evlen, "%s on %u:%u: no %s in sysfs", m->point, maj, min, sysdir);
            return -1;
        }
    }
    if (ef_facts_path(f, full, sizeof(full), sysdir) != 0 || access(full, F_OK) != 0) {
        ef_text_printf(ev, evlen, "%s on %s: no %s in sysfs", m->point, name, sysdir);
        return -1;
    }
    memset(wq, 0, sizeof(*wq));
    wq->prefixes = prefixes;
    walk(f, sysdir, name, 0, wq);
    char where[PATH_MAX + 64];
    if (maj != 0)
        snprintf(where, sizeof(where), "%s on %u:%u", m->point, maj, min);
    else if (strcmp(m->point, m->source) != 0)
        snprintf(where, sizeof(where), "%s on %s", m->point, m->source);
    else
        strlcpy(where, m->point, sizeof(where)); /* a swap partition */
    if (wq->found[0]) {
        ef_text_printf(ev, evlen, "%s (%s); %s", where, wq->chain, wq->found);
        return 1;
    }
    ef_text_printf(ev, evlen, "%s (%s): no %s layer%s%s%s", where, wq->chain,
                   prefixes == luks_prefixes ? "LUKS" : "encryption", wq->other[0] ? "; " : "",
                   wq->other, wq->other[0] ? ", not dm-crypt" : "");
    return 0;
}

static int mount_encrypted(struct ef_facts *f, const struct mount *m, const char *const *prefixes,
                           char *ev, size_t evlen)
{
    return mount_encrypted_walk(f, m, prefixes, ev, evlen, NULL);
}

static void probe_root(struct ef_facts *f, const struct mounts *ms)
{
    char ev[EF_EVIDENCE_MAX + 1];
    const struct mount *root = NULL;

    for (size_t i = 0; i < ms->n; i++)
        if (strcmp(ms->m[i].point, "/") == 0)
            root = &ms->m[i]; /* the last one is on top */
    if (root == NULL) {
        ef_fact_unknown(f, "storage.root.encrypted", "no / entry in /proc/self/mountinfo");
        return;
    }
    int rc = mount_encrypted(f, root, luks_prefixes, ev, sizeof(ev));
    if (rc < 0)
        ef_fact_unknown(f, "storage.root.encrypted", "%s", ev);
    else
        ef_fact_bool(f, "storage.root.encrypted", rc, "%s", ev);
}

static void add_piece(char *dst, size_t cap, const char *ev)
{
    if (dst[0])
        ef_text_append(dst, cap, "; ", 2);
    ef_text_append(dst, cap, ev, strlen(ev));
}

/* storage.swap.encrypted: every active swap is RAM (zram) or sits on a LUKS or plain
 * dm-crypt layer; a swap file is judged by the device of the filesystem holding it. */
static void probe_swap(struct ef_facts *f, const struct mounts *ms)
{
    char *buf, *save = NULL;
    char plain[EF_EVIDENCE_MAX + 1] = "", enc[EF_EVIDENCE_MAX + 1] = "",
                                 unk[EF_EVIDENCE_MAX + 1] = "", ev[EF_EVIDENCE_MAX + 1],
                                 sub[EF_EVIDENCE_MAX + 1];
    int n = 0, first = 1;
    int rc = ef_pu_read(f, "/proc/swaps", SMALL_MAX, &buf, NULL);

    if (rc != 0) {
        ef_fact_unknown(f, "storage.swap.encrypted", "cannot read /proc/swaps: %s", strerror(-rc));
        return;
    }
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (first) { /* header */
            first = 0;
            continue;
        }
        char *sp = NULL, *file = strtok_r(line, " \t", &sp), *type = strtok_r(NULL, " \t", &sp);
        if (file == NULL || type == NULL)
            continue;
        ef_pu_mount_unescape(file);
        n++;
        int st; /* 1 encrypted, 0 plain, -1 unknown */
        if (strncmp(file, "/dev/zram", 9) == 0) {
            st = 1;
            ef_text_printf(ev, sizeof(ev), "%s is compressed RAM", file);
        } else if (strcmp(type, "file") == 0) {
            const struct mount *mp = mount_of(ms, file);
            if (mp == NULL) {
                st = -1;
                ef_text_printf(ev, sizeof(ev), "swap file %s: no filesystem holds it", file);
            } else {
                st = mount_encrypted(f, mp, swap_prefixes, sub, sizeof(sub));
                ef_text_printf(ev, sizeof(ev), "swap file %s: %s", file, sub);
            }
        } else {
            struct mount m = {.point = file, .source = file, .fstype = type};
            st = mount_encrypted(f, &m, swap_prefixes, ev, sizeof(ev));
        }
        add_piece(st == 1 ? enc : st == 0 ? plain : unk, sizeof(enc), ev);
    }
    free(buf);
    if (n == 0)
        ef_fact_bool(f, "storage.swap.encrypted", 1, "no swap in use (/proc/swaps is empty)");
    else if (plain[0])
        ef_fact_bool(f, "storage.swap.encrypted", 0, "%s", plain);
    else if (unk[0])
        ef_fact_unknown(f, "storage.swap.encrypted", "%s", unk);
    else
        ef_fact_bool(f, "storage.swap.encrypted", 1, "%s", enc);
}

/* ---- data filesystems and removable media ---- */

static const char *const crypt_prefixes[] = {"CRYPT-", NULL};

/* A leaf block device (kernel name) is removable: its disk's "removable" attribute is 1,
 * or it hangs below a USB bus (USB disks often report removable 0). *how says which. */
static int leaf_removable(struct ef_facts *f, const char *leaf, const char **how)
{
    char p[PATH_MAX], full[PATH_MAX], attr[16], link[PATH_MAX];

    snprintf(p, sizeof(p), "/sys/class/block/%.255s/partition", leaf);
    int part = ef_facts_path(f, full, sizeof(full), p) == 0 && access(full, F_OK) == 0;
    snprintf(p, sizeof(p), "/sys/class/block/%.255s/%sremovable", leaf, part ? "../" : "");
    if (ef_pu_read_attr(f, p, attr, sizeof(attr)) == 0 && strcmp(attr, "1") == 0) {
        *how = "removable";
        return 1;
    }
    snprintf(p, sizeof(p), "/sys/class/block/%.255s", leaf);
    if (ef_facts_path(f, full, sizeof(full), p) == 0) {
        ssize_t n = readlink(full, link, sizeof(link) - 1);
        if (n > 0) {
            link[n] = '\0';
            if (strstr(link, "/usb") != NULL) {
                *how = "USB";
                return 1;
            }
        }
    }
    return 0;
}

static int walk_removable(struct ef_facts *f, const struct walk *w, const char **how)
{
    for (int i = 0; i < w->nleaves; i++)
        if (leaf_removable(f, w->leaves[i], how))
            return 1;
    return 0;
}

static int path_in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* A mount on a block device the agent can inspect: a device number of a real block device,
 * or an anonymous one (btrfs) with a /dev source. */
static int block_backed(const struct mount *m)
{
    return m->maj != 0 || strncmp(m->source, "/dev/", 5) == 0;
}

/* Seen already: the same device mounted again (bind mounts, btrfs subvolumes). */
static int seen_dev(const struct mounts *ms, size_t upto, const struct mount *m)
{
    for (size_t i = 0; i < upto; i++) {
        const struct mount *o = &ms->m[i];
        if (!block_backed(o))
            continue;
        if (m->maj != 0 ? (o->maj == m->maj && o->min == m->min)
                        : (o->maj == 0 && strcmp(o->source, m->source) == 0))
            return 1;
    }
    return 0;
}

/* A loop device's backing file: the mount holding it decides. Returns like mount_encrypted. */
static int loop_encrypted(struct ef_facts *f, const struct mounts *ms, const char *loop, char *ev,
                          size_t evlen)
{
    char p[PATH_MAX], file[PATH_MAX], sub[EF_EVIDENCE_MAX + 1];

    snprintf(p, sizeof(p), "/sys/class/block/%.255s/loop/backing_file", loop);
    if (ef_pu_read_attr(f, p, file, sizeof(file)) != 0 || file[0] != '/') {
        ef_text_printf(ev, evlen, "%s: backing file unknown", loop);
        return -1;
    }
    const struct mount *mp = mount_of(ms, file);
    if (mp == NULL || !block_backed(mp)) {
        ef_text_printf(ev, evlen, "%s backed by %s, not on an inspectable block device", loop,
                       file);
        return -1;
    }
    int rc = mount_encrypted(f, mp, luks_prefixes, sub, sizeof(sub));
    ef_text_printf(ev, evlen, "%s backed by %s: %s", loop, file, sub);
    return rc;
}

static const char *const skip_points[] = {"/boot", "/boot/efi", "/efi", NULL};
static const char *const skip_fstypes[] = {"squashfs", "erofs", NULL};

/* storage.data.encrypted: every local persistent filesystem on a block device (except
 * /boot, /boot/efi, /efi, squashfs/erofs images and removable media) is on LUKS. */
static void probe_data(struct ef_facts *f, const struct mounts *ms)
{
    char plain[EF_EVIDENCE_MAX + 1] = "", enc[EF_EVIDENCE_MAX + 1] = "",
                                 unk[EF_EVIDENCE_MAX + 1] = "", ev[EF_EVIDENCE_MAX + 1];
    int nenc = 0, nplain = 0, nunk = 0;

    for (size_t i = 0; i < ms->n; i++) {
        const struct mount *m = &ms->m[i];
        struct walk w;
        const char *how;
        int st;
        if (strcmp(m->fstype, "zfs") == 0) {
            ef_text_printf(ev, sizeof(ev), "%s is ZFS dataset %s: encryption not inspected",
                           m->point, m->source);
            add_piece(unk, sizeof(unk), ev);
            nunk++;
            continue;
        }
        if (!block_backed(m) || path_in(m->point, skip_points) ||
            path_in(m->fstype, skip_fstypes) || seen_dev(ms, i, m))
            continue;
        st = mount_encrypted_walk(f, m, luks_prefixes, ev, sizeof(ev), &w);
        if (st >= 0 && walk_removable(f, &w, &how))
            continue; /* removable media: enc.removable_media_policy */
        if (st >= 0 && w.nleaves > 0 &&
            (strncmp(w.leaves[0], "zram", 4) == 0 || strncmp(w.leaves[0], "ram", 3) == 0))
            continue; /* RAM, not persistent */
        if (st == 0 && w.nleaves == 1 && strncmp(w.leaves[0], "loop", 4) == 0) {
            char sub[EF_EVIDENCE_MAX + 1];
            st = loop_encrypted(f, ms, w.leaves[0], sub, sizeof(sub));
            ef_text_printf(ev, sizeof(ev), "%s on %s", m->point, sub);
        }
        if (st == 1)
            nenc++;
        else if (st == 0)
            nplain++;
        else
            nunk++;
        add_piece(st == 1 ? enc : st == 0 ? plain : unk, sizeof(enc), ev);
    }
    if (nplain)
        ef_fact_bool(f, "storage.data.encrypted", 0, "%d of %d local filesystems not on LUKS: %s",
                     nplain, nplain + nenc + nunk, plain);
    else if (nunk)
        ef_fact_unknown(f, "storage.data.encrypted", "%s", unk);
    else if (nenc == 0)
        ef_fact_unknown(f, "storage.data.encrypted",
                        "no local filesystem on a block device in /proc/self/mountinfo");
    else
        ef_fact_bool(f, "storage.data.encrypted", 1, "%d local filesystem%s on LUKS: %s", nenc,
                     nenc == 1 ? "" : "s", enc);
}

/* storage.removable.encrypted: every mounted filesystem on removable media (or USB) sits on
 * an encryption layer (any dm-crypt CRYPT- uuid: LUKS, plain, BitLocker, TrueCrypt). */
static void probe_removable(struct ef_facts *f, const struct mounts *ms)
{
    char plain[EF_EVIDENCE_MAX + 1] = "", enc[EF_EVIDENCE_MAX + 1] = "", ev[EF_EVIDENCE_MAX + 1],
                                 piece[EF_EVIDENCE_MAX + 64];
    int nenc = 0, nplain = 0;

    for (size_t i = 0; i < ms->n; i++) {
        const struct mount *m = &ms->m[i];
        struct walk w;
        const char *how = "";
        if (!block_backed(m) || seen_dev(ms, i, m))
            continue;
        int st = mount_encrypted_walk(f, m, crypt_prefixes, ev, sizeof(ev), &w);
        if (st < 0 || !walk_removable(f, &w, &how))
            continue;
        ef_text_printf(piece, sizeof(piece), "%s [%s]", ev, how);
        add_piece(st ? enc : plain, sizeof(enc), piece);
        st ? nenc++ : nplain++;
    }
    if (nplain)
        ef_fact_bool(f, "storage.removable.encrypted", 0, "unencrypted removable media mounted: %s",
                     plain);
    else if (nenc)
        ef_fact_bool(f, "storage.removable.encrypted", 1, "removable media mounted, encrypted: %s",
                     enc);
    else
        ef_fact_bool(f, "storage.removable.encrypted", 1, "no removable media mounted");
}

void ef_probe_storage(struct ef_facts *f)
{
    struct mounts ms;
    int rc = mounts_read(f, &ms);

    if (rc != 0) {
        ef_fact_unknown(f, "storage.root.encrypted", "cannot read /proc/self/mountinfo: %s",
                        strerror(-rc));
        ef_fact_unknown(f, "storage.swap.encrypted", "cannot read /proc/self/mountinfo: %s",
                        strerror(-rc));
        ef_fact_unknown(f, "storage.data.encrypted", "cannot read /proc/self/mountinfo: %s",
                        strerror(-rc));
        ef_fact_unknown(f, "storage.removable.encrypted", "cannot read /proc/self/mountinfo: %s",
                        strerror(-rc));
        return;
    }
    probe_root(f, &ms);
    probe_swap(f, &ms);
    probe_data(f, &ms);
    probe_removable(f, &ms);
    mounts_free(&ms);
}
