/* SPDX-License-Identifier: EUPL-1.2 */
/* Boot probe: UEFI Secure Boot state and GRUB's boot loader password.
 *
 * boot.uefi: ROOT/sys/firmware/efi exists (the kernel was booted by UEFI firmware).
 * boot.secure_boot: the EFI variable SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c in
 *   ROOT/sys/firmware/efi/efivars (efivarfs: 4 attribute bytes, then the value byte) is 1;
 *   SetupMode (same GUID) is reported too. Unknown without UEFI or efivarfs.
 * boot.grub.password: the GRUB configuration (ROOT/boot/grub/grub.cfg, else
 *   /boot/grub2/grub.cfg) sets superusers and gives a PBKDF2 password (password_pbkdf2 USER
 *   grub.pbkdf2..., or ${GRUB2_PASSWORD} with GRUB2_PASSWORD=grub.pbkdf2... in user.cfg next
 *   to it, as RHEL's grub2-setpassword writes). A plain-text "password" does not count.
 * boot.grub.config_protected: that grub.cfg (and user.cfg when present) has no permission
 *   bit beyond 0600.
 * The GRUB facts are unknown when no grub.cfg is found (other boot loaders are not
 * evaluated) or it cannot be read (run as root). Evidence never quotes a password hash. */
#include "facts.h"
#include "probe_util.h"

#include "efterlev/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EFI_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define CFG_MAX (8 * 1024 * 1024)

/* The value byte of a global EFI variable: 0/1..255, or a negative errno. */
static int efivar_byte(struct ef_facts *f, const char *name)
{
    char rel[160], path[PATH_MAX];
    unsigned char buf[8];

    snprintf(rel, sizeof(rel), "/sys/firmware/efi/efivars/%s-" EFI_GUID, name);
    if (ef_facts_path(f, path, sizeof(path), rel) != 0)
        return -ENAMETOOLONG;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof(buf));
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    if (n < 5)
        return -EINVAL;
    return buf[4];
}

static void probe_secure_boot(struct ef_facts *f)
{
    char path[PATH_MAX];
    struct stat st;

    if (ef_facts_path(f, path, sizeof(path), "/sys/firmware/efi") != 0 || stat(path, &st) != 0) {
        ef_fact_bool(f, "boot.uefi", 0, "no /sys/firmware/efi: booted by legacy BIOS");
        ef_fact_unknown(f, "boot.secure_boot", "not booted by UEFI (no /sys/firmware/efi)");
        return;
    }
    ef_fact_bool(f, "boot.uefi", 1, "/sys/firmware/efi present: booted by UEFI");
    int sb = efivar_byte(f, "SecureBoot");
    if (sb < 0) {
        if (sb == -ENOENT &&
            (ef_facts_path(f, path, sizeof(path), "/sys/firmware/efi/efivars") != 0 ||
             stat(path, &st) != 0))
            ef_fact_unknown(f, "boot.secure_boot",
                            "/sys/firmware/efi/efivars is not mounted (efivarfs)");
        else if (sb == -ENOENT)
            ef_fact_bool(f, "boot.secure_boot", 0,
                         "no SecureBoot EFI variable: the firmware does not support Secure Boot");
        else
            ef_fact_unknown(f, "boot.secure_boot", "cannot read the SecureBoot EFI variable: %s",
                            sb == -EINVAL ? "too short" : ef_pu_errtext(sb));
        return;
    }
    int setup = efivar_byte(f, "SetupMode");
    char sm[64] = "";
    if (setup >= 0)
        snprintf(sm, sizeof(sm), ", SetupMode=%d%s", setup, setup ? " (no platform key)" : "");
    ef_fact_bool(f, "boot.secure_boot", sb == 1, "EFI variable SecureBoot=%d%s", sb, sm);
}

/* Line number of the first line matching pattern (POSIX ERE), 0 when none. */
static int find_line(char *text, const char *pattern)
{
    regex_t re;
    int lineno = 0, found = 0;

    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
        return 0;
    for (char *p = text; p != NULL && !found;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        found = regexec(&re, p, 0, NULL, 0) == 0;
        if (nl)
            *nl = '\n';
        p = nl ? nl + 1 : NULL;
    }
    regfree(&re);
    return found ? lineno : 0;
}

static void probe_grub(struct ef_facts *f)
{
    static const char *const cfgs[] = {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"};
    char path[PATH_MAX], dir[64], ucfg[96], *text = NULL, *utext = NULL;
    const char *cfg = NULL;
    struct stat st;
    int rc = -ENOENT;

    for (size_t i = 0; i < EF_ARRAY_LEN(cfgs) && cfg == NULL; i++) {
        if (ef_facts_path(f, path, sizeof(path), cfgs[i]) != 0)
            continue;
        if (stat(path, &st) != 0) {
            if (errno == EACCES) {
                ef_fact_unknown(f, "boot.grub.password", "cannot read %s: %s", cfgs[i],
                                ef_pu_errtext(errno));
                ef_fact_unknown(f, "boot.grub.config_protected", "cannot read %s: %s", cfgs[i],
                                ef_pu_errtext(EACCES));
                return;
            }
            continue;
        }
        cfg = cfgs[i];
        rc = ef_read_file(path, CFG_MAX, &text, NULL);
    }
    if (cfg == NULL) {
        ef_fact_unknown(f, "boot.grub.password",
                        "no GRUB configuration (/boot/grub/grub.cfg, /boot/grub2/grub.cfg); "
                        "other boot loaders are not evaluated");
        ef_fact_unknown(f, "boot.grub.config_protected", "no GRUB configuration found");
        return;
    }
    /* user.cfg next to grub.cfg */
    strlcpy(dir, cfg, sizeof(dir));
    *strrchr(dir, '/') = '\0';
    snprintf(ucfg, sizeof(ucfg), "%s/user.cfg", dir);
    struct stat ust;
    char upath[PATH_MAX];
    int have_user = ef_facts_path(f, upath, sizeof(upath), ucfg) == 0 && stat(upath, &ust) == 0;

    /* permissions: from stat, readable or not */
    mode_t extra = st.st_mode & 07777 & ~(mode_t)0600;
    mode_t uextra = have_user ? (ust.st_mode & 07777 & ~(mode_t)0600) : 0;
    if (extra || uextra)
        ef_fact_bool(f, "boot.grub.config_protected", 0, "%s mode %04o exceeds 0600",
                     extra ? cfg : ucfg, (unsigned)((extra ? st.st_mode : ust.st_mode) & 07777));
    else
        ef_fact_bool(f, "boot.grub.config_protected", 1, "%s mode %04o%s", cfg,
                     (unsigned)(st.st_mode & 07777), have_user ? ", user.cfg too" : "");

    if (rc != 0) {
        ef_fact_unknown(f, "boot.grub.password", "cannot read %s: %s", cfg,
                        rc == -ENOENT ? "not found" : ef_pu_errtext(rc));
        return;
    }
    int su = find_line(text, "^[[:space:]]*set[[:space:]]+superusers=[\"']?[^\"' ]");
    int pw = find_line(text, "^[[:space:]]*password_pbkdf2[[:space:]]+[^[:space:]]+[[:space:]]+"
                             "grub\\.pbkdf2\\.");
    int pwvar = find_line(text, "^[[:space:]]*password_pbkdf2[[:space:]]+[^[:space:]]+[[:space:]]+"
                                "\\$\\{?GRUB2_PASSWORD");
    int upw = 0;
    if (!pw && pwvar && have_user) {
        int urc = ef_read_file(upath, CFG_MAX, &utext, NULL);
        if (urc != 0) {
            ef_fact_unknown(f, "boot.grub.password", "cannot read %s: %s", ucfg,
                            urc == -ENOENT ? "not found" : ef_pu_errtext(urc));
            free(text);
            return;
        }
        upw = find_line(utext, "^[[:space:]]*GRUB2_PASSWORD=grub\\.pbkdf2\\.");
        free(utext);
    }
    if (su && (pw || upw)) {
        if (pw)
            ef_fact_bool(f, "boot.grub.password", 1,
                         "%s: superusers set (line %d), password_pbkdf2 (line %d)", cfg, su, pw);
        else
            ef_fact_bool(f, "boot.grub.password", 1,
                         "%s: superusers set (line %d); GRUB2_PASSWORD in %s line %d", cfg, su,
                         ucfg, upw);
    } else {
        ef_fact_bool(f, "boot.grub.password", 0, "%s: %s", cfg,
                     !su ? "no 'set superusers=' line" : "no PBKDF2 password (password_pbkdf2)");
    }
    free(text);
}

void ef_probe_boot(struct ef_facts *f)
{
    probe_secure_boot(f);
    probe_grub(f);
}
