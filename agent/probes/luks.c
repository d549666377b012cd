/* SPDX-License-Identifier: EUPL-1.2 */
/* LUKS parameters probe: the format version and key derivation function of every open LUKS
 * container.
 *
 * Open containers are the device-mapper devices under ROOT/sys/class/block whose dm/uuid
 * starts with CRYPT-LUKS1- or CRYPT-LUKS2- (the prefix alone tells the version). For LUKS2
 * the header of the device below (its slaves/ entry, read as ROOT/dev/NAME) is read directly
 * instead of running `cryptsetup luksDump`: a 4096-byte binary header (magic "LUKS\xba\xbe",
 * big-endian version 2 at offset 6, header size including the JSON area at offset 8), then
 * the JSON metadata whose "keyslots" give each slot's "kdf"."type" and whose "tokens" show a
 * systemd-tpm2 enrolment. Reading a block device needs root: without it the KDF is unknown.
 * LUKS1 knows only PBKDF2, so a LUKS1 container fails without reading anything. Nothing
 * secret (salts, digests, key areas) is reported. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BIN_HDR 4096
#define JSON_MAX (4 * 1024 * 1024)
#define CONTAINERS_MAX 64

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static int read_full(int fd, void *buf, size_t len, off_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? -EIO : -errno;
        got += (size_t)n;
    }
    return 0;
}

/* Judge the keyslots and tokens of a LUKS2 JSON area. Returns 1 all argon2id, 0 not, -1 bad. */
static int judge_json(const char *text, size_t len, char *ev, size_t evlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    json_t *slots = root ? json_object_get(root, "keyslots") : NULL;
    const char *key;
    json_t *slot;
    int ok = 1, n = 0;

    if (!json_is_object(slots)) {
        snprintf(ev, evlen, "LUKS2 metadata unreadable (%s)", root ? "no keyslots" : jerr.text);
        json_decref(root);
        return -1;
    }
    ef_text_printf(ev, evlen, "LUKS2, keyslot KDF");
    json_object_foreach(slots, key, slot)
    {
        const char *kdf = json_string_value(json_object_get(json_object_get(slot, "kdf"), "type"));
        char piece[128];
        if (kdf == NULL)
            kdf = "?";
        if (strcmp(kdf, "argon2id") != 0)
            ok = 0;
        snprintf(piece, sizeof(piece), "%s %.16s: %.16s", n++ ? "," : "", key, kdf);
        ef_text_append(ev, evlen, piece, strlen(piece));
    }
    if (n == 0) {
        ef_text_append(ev, evlen, "s: none", 7);
        ok = -1;
    }
    json_t *tokens = json_object_get(root, "tokens"), *tok;
    json_object_foreach(tokens, key, tok)
    {
        const char *type = json_string_value(json_object_get(tok, "type"));
        if (type == NULL || strcmp(type, "systemd-tpm2") != 0)
            continue;
        int pin = json_is_true(json_object_get(tok, "tpm2-pin"));
        const char *note = pin ? "; systemd-tpm2 token (TPM with PIN)"
                               : "; systemd-tpm2 token (TPM-only unlock, no PIN)";
        ef_text_append(ev, evlen, note, strlen(note));
        break;
    }
    json_decref(root);
    return ok;
}

/* Read and judge the LUKS2 header of ROOT/dev/dev. Returns 1, 0 or -1 (unknown). */
static int judge_header(struct ef_facts *f, const char *dev, char *ev, size_t evlen)
{
    char rel[PATH_MAX], full[PATH_MAX];
    unsigned char bin[BIN_HDR];

    snprintf(rel, sizeof(rel), "/dev/%.255s", dev);
    if (ef_facts_path(f, full, sizeof(full), rel) != 0) {
        snprintf(ev, evlen, "path too long");
        return -1;
    }
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        ef_text_printf(ev, evlen, "cannot read %s: %s", rel, ef_pu_errtext(errno));
        return -1;
    }
    int rc = read_full(fd, bin, sizeof(bin), 0);
    if (rc != 0) {
        ef_text_printf(ev, evlen, "cannot read the header of %s: %s", rel, ef_pu_errtext(rc));
        close(fd);
        return -1;
    }
    if (memcmp(bin, "LUKS\xba\xbe", 6) != 0) {
        ef_text_printf(ev, evlen, "%s has no LUKS header at offset 0 (detached header?)", rel);
        close(fd);
        return -1;
    }
    unsigned version = (unsigned)bin[6] << 8 | bin[7];
    if (version == 1) {
        close(fd);
        ef_text_printf(ev, evlen, "%s: LUKS1 header (PBKDF2 only)", rel);
        return 0;
    }
    uint64_t hdr_size = be64(bin + 8);
    if (version != 2 || hdr_size <= BIN_HDR || hdr_size - BIN_HDR > JSON_MAX) {
        close(fd);
        ef_text_printf(ev, evlen, "%s: unexpected LUKS header (version %u, size %llu)", rel,
                       version, (unsigned long long)hdr_size);
        return -1;
    }
    size_t jlen = (size_t)(hdr_size - BIN_HDR);
    char *json = malloc(jlen + 1);
    if (json == NULL) {
        close(fd);
        snprintf(ev, evlen, "out of memory");
        return -1;
    }
    rc = read_full(fd, json, jlen, BIN_HDR);
    close(fd);
    if (rc != 0) {
        free(json);
        ef_text_printf(ev, evlen, "cannot read the LUKS2 metadata of %s: %s", rel,
                       ef_pu_errtext(rc));
        return -1;
    }
    json[jlen] = '\0';
    char sub[512];
    int ok = judge_json(json, strnlen(json, jlen), sub, sizeof(sub));
    free(json);
    ef_text_printf(ev, evlen, "%s: %s", rel, sub);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void add(char *dst, size_t cap, const char *piece)
{
    if (dst[0])
        ef_text_append(dst, cap, "; ", 2);
    ef_text_append(dst, cap, piece, strlen(piece));
}

/* "crypttab: tpm2-device= in line N" when any line of ROOT/etc/crypttab asks for a TPM. */
static void crypttab_tpm(struct ef_facts *f, char *out, size_t outlen)
{
    char *buf, *line;
    size_t len, pos = 0, n = 0;

    out[0] = '\0';
    if (ef_pu_read(f, "/etc/crypttab", 1 << 20, &buf, &len) != 0)
        return;
    while ((line = ef_pu_next_line(buf, len, &pos, &n)) != NULL) {
        line = ef_pu_trim(line);
        if (*line != '#' && strstr(line, "tpm2-device=") != NULL) {
            snprintf(out, outlen, "/etc/crypttab line %zu: tpm2-device= (TPM unlock)", n);
            break;
        }
    }
    free(buf);
}

void ef_probe_luks(struct ef_facts *f)
{
    char dir[PATH_MAX], bad[EF_EVIDENCE_MAX + 1] = "", good[EF_EVIDENCE_MAX + 1] = "",
                                              unk[EF_EVIDENCE_MAX + 1] = "", tpm[256];
    char(*names)[NAME_MAX + 1] = calloc(CONTAINERS_MAX, sizeof(*names));
    int n = 0, nbad = 0, nunk = 0;

    if (names == NULL) {
        ef_fact_unknown(f, "storage.luks.count", "out of memory");
        ef_fact_unknown(f, "storage.luks.strong", "out of memory");
        return;
    }
    DIR *d = ef_facts_path(f, dir, sizeof(dir), "/sys/class/block") == 0 ? opendir(dir) : NULL;
    if (d == NULL) {
        ef_fact_unknown(f, "storage.luks.count", "cannot read /sys/class/block");
        ef_fact_unknown(f, "storage.luks.strong", "cannot read /sys/class/block");
        free(names);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < CONTAINERS_MAX) {
        char p[PATH_MAX], uuid[256];
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "/sys/class/block/%.255s/dm/uuid", de->d_name);
        if (ef_pu_read_attr(f, p, uuid, sizeof(uuid)) == 0 &&
            (strncmp(uuid, "CRYPT-LUKS1-", 12) == 0 || strncmp(uuid, "CRYPT-LUKS2-", 12) == 0))
            strlcpy(names[n++], de->d_name, sizeof(names[0]));
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), cmp_str);

    for (int i = 0; i < n; i++) {
        char p[PATH_MAX], uuid[256], dmname[128] = "", slave[NAME_MAX + 1] = "", sub[600],
                                     piece[EF_EVIDENCE_MAX + 1];
        snprintf(p, sizeof(p), "/sys/class/block/%.255s/dm/uuid", names[i]);
        ef_pu_read_attr(f, p, uuid, sizeof(uuid));
        snprintf(p, sizeof(p), "/sys/class/block/%.255s/dm/name", names[i]);
        ef_pu_read_attr(f, p, dmname, sizeof(dmname));
        snprintf(p, sizeof(p), "/sys/class/block/%.255s/slaves", names[i]);
        DIR *sd = ef_facts_path(f, dir, sizeof(dir), p) == 0 ? opendir(dir) : NULL;
        while (sd && (de = readdir(sd)) != NULL)
            if (de->d_name[0] != '.') {
                strlcpy(slave, de->d_name, sizeof(slave));
                break;
            }
        if (sd)
            closedir(sd);
        int st;
        if (strncmp(uuid, "CRYPT-LUKS1-", 12) == 0) {
            st = 0;
            snprintf(sub, sizeof(sub), "LUKS1 (PBKDF2 only; dm/uuid CRYPT-LUKS1-)");
        } else if (slave[0] == '\0') {
            st = -1;
            snprintf(sub, sizeof(sub), "no device below it in sysfs");
        } else {
            st = judge_header(f, slave, sub, sizeof(sub));
        }
        ef_text_printf(piece, sizeof(piece), "%s (%s) on %s: %s", names[i], dmname,
                       slave[0] ? slave : "?", sub);
        add(st == 1 ? good : st == 0 ? bad : unk, sizeof(good), piece);
        nbad += st == 0;
        nunk += st < 0;
    }
    free(names);
    crypttab_tpm(f, tpm, sizeof(tpm));
    if (tpm[0]) {
        add(nbad ? bad : nunk ? unk : good, sizeof(good), tpm);
    }
    ef_fact_int(f, "storage.luks.count", n, "%d open LUKS container%s%s%s", n, n == 1 ? "" : "s",
                n ? ": " : " (no dm/uuid CRYPT-LUKS1-/CRYPT-LUKS2- in /sys/class/block)",
                n ? (nbad   ? bad
                     : nunk ? unk
                            : good)
                  : "");
    if (nbad)
        ef_fact_bool(f, "storage.luks.strong", 0, "%s", bad);
    else if (nunk)
        ef_fact_unknown(f, "storage.luks.strong", "%s", unk);
    else if (n == 0)
        ef_fact_unknown(f, "storage.luks.strong", "no open LUKS container");
    else
        ef_fact_bool(f, "storage.luks.strong", 1, "%s", good);
}
