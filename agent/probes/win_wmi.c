/* SPDX-License-Identifier: EUPL-1.2 */
/* Windows probes over WMI and the declared API tables (agent/platform/winsys.h), for what a
 * declarative wmi rule cannot say:
 *   win_bitlocker: the system volume (Win32_OperatingSystem.SystemDrive) in
 *     root\CIMV2\Security\MicrosoftVolumeEncryption Win32_EncryptableVolume: its state from
 *     ProtectionStatus (0 off, 1 on, 2 unknown) and ConversionStatus (0 fully decrypted,
 *     1 fully encrypted, 2 encryption in progress, 3 decryption in progress, 4 encryption
 *     paused, 5 decryption paused): "on" is protection 1 with conversion 1 ("used space
 *     only" is fully encrypted too), "suspended" protection 0 with conversion 1; its
 *     EncryptionMethod; and its TPM key protector from api:BitLockerKeyProtectors.
 *   win_av: another anti-malware product than Microsoft Defender that Windows Security
 *     Center reports on (api:SecurityCenterAntivirus; workstations only: servers have no
 *     Security Center, so "none" there).
 *   win_asr: the attack surface reduction rules in block mode, from MSFT_MpPreference's
 *     parallel arrays AttackSurfaceReductionRules_Ids and _Actions (0 off, 1 block, 2 audit,
 *     5 not configured, 6 warn), where Intune and PowerShell set them (Group Policy writes
 *     the registry, which the policy reads with registry rules).
 *   win_firmware: boot.uefi from api:Firmware (GetFirmwareType).
 * Every table that needs Administrator makes its facts unknown "needs Administrator". */
#include "facts.h"

#include "platform/winsys.h"

#include "efterlev/textlist.h"
#include "efterlev/util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CIMV2 "root\\CIMV2"
#define BL_NS "root\\CIMV2\\Security\\MicrosoftVolumeEncryption"
#define NO_RECORDING                                                                               \
    "no recording of this machine's WMI and API results (scan --recording FILE.json)"

/* The rows of table (wmi when cls is set, else the api table ns), or NULL after setting
 * every fact of names unknown with the reason. */
static json_t *rows_or_unknown(struct ef_facts *f, const char *ns, const char *cls,
                               const char *const *names, size_t n, ef_win_status *stp, char *why,
                               size_t whylen)
{
    struct ef_win *w = ef_facts_win(f);
    json_t *rows = NULL;
    char what[400], msg[600] = "";

    snprintf(what, sizeof(what), cls ? "WMI %s %s" : "%s%s", ns, cls ? cls : "");
    if (w == NULL) {
        snprintf(why, whylen, "%s not read: %s", what, NO_RECORDING);
        *stp = EF_WIN_ERROR;
    } else {
        *stp = cls ? ef_win_wmi(w, ns, cls, &rows, msg, sizeof(msg))
                   : ef_win_table(w, ns, &rows, msg, sizeof(msg));
        if (*stp == EF_WIN_OK)
            return rows;
        snprintf(why, whylen, "%s: %s (%s)", what,
                 *stp == EF_WIN_DENIED   ? "needs Administrator"
                 : *stp == EF_WIN_ABSENT ? "not on this machine"
                                         : "cannot be read",
                 msg);
    }
    for (size_t i = 0; i < n; i++)
        if (names[i])
            ef_fact_unknown(f, names[i], "%s", why);
    return NULL;
}

/* ---- BitLocker ---- */

static const char *method_name(long long m)
{
    switch (m) {
    case 0:
        return "none: not encrypted";
    case 1:
        return "AES-128 with diffuser";
    case 2:
        return "AES-256 with diffuser";
    case 3:
        return "AES-128 (CBC)";
    case 4:
        return "AES-256 (CBC)";
    case 5:
        return "hardware encryption (self-encrypting drive)";
    case 6:
        return "XTS-AES-128";
    case 7:
        return "XTS-AES-256";
    default:
        return "unknown";
    }
}

static const char *protector_name(long long t)
{
    static const char *const names[] = {"unknown",
                                        "TPM",
                                        "external key",
                                        "numerical password",
                                        "TPM+PIN",
                                        "TPM+startup key",
                                        "TPM+PIN+startup key",
                                        "public key",
                                        "passphrase",
                                        "TPM certificate",
                                        "SID"};
    return t >= 0 && t < (long long)EF_ARRAY_LEN(names) ? names[t] : "?";
}

#define F_STATE "bitlocker.os_volume.state"
#define F_METHOD "bitlocker.os_volume.encryption_method"
#define F_TPM "bitlocker.os_volume.tpm_protector"

static void key_protectors(struct ef_facts *f, const char *drive, const char *device)
{
    static const char *const names[] = {F_TPM};
    ef_win_status st;
    char why[900], list[400] = "";
    json_t *rows =
        rows_or_unknown(f, "api:BitLockerKeyProtectors", NULL, names, 1, &st, why, sizeof(why));
    size_t i;
    const json_t *row;
    int has[11] = {0}, n = 0;

    if (rows == NULL)
        return;
    json_array_foreach(rows, i, row)
    {
        const char *dl = ef_win_str(row, "drive_letter"), *id = ef_win_str(row, "device_id");
        long long t;
        if (!((dl && strcasecmp(dl, drive) == 0) || (device && id && strcmp(id, device) == 0)))
            continue;
        if (ef_win_int(row, "type", &t) != 0)
            continue;
        char one[64];
        snprintf(one, sizeof(one), "%lld %s", t, protector_name(t));
        ef_evidence_add(list, sizeof(list), one);
        if (t >= 0 && t < (long long)EF_ARRAY_LEN(has))
            has[t] = 1;
        n++;
    }
    /* one TPM-based protector at most (BitLocker allows no second): the strongest named */
    const char *v = has[4]   ? "tpm_pin"
                    : has[6] ? "tpm_pin_startup_key"
                    : has[5] ? "tpm_startup_key"
                    : has[1] ? "tpm"
                             : "none";
    ef_fact_str(f, F_TPM, v, "api:BitLockerKeyProtectors of the system volume %s, protectors %s",
                drive, n ? list : "none");
}

void ef_probe_win_bitlocker(struct ef_facts *f)
{
    static const char *const all[] = {F_STATE, F_METHOD, F_TPM};
    ef_win_status st;
    char why[900], drive[16];

    if (ef_facts_registry(f) == NULL)
        return;
    json_t *os = rows_or_unknown(f, CIMV2, "Win32_OperatingSystem", all, 3, &st, why, sizeof(why));
    if (os == NULL)
        return;
    const char *sd = ef_win_str(json_array_get(os, 0), "SystemDrive");
    if (sd == NULL || strlen(sd) != 2 || sd[1] != ':') {
        for (size_t i = 0; i < 3; i++)
            ef_fact_unknown(f, all[i], "WMI Win32_OperatingSystem.SystemDrive is %s",
                            sd ? "not a drive letter" : "absent");
        return;
    }
    snprintf(drive, sizeof(drive), "%s", sd);
    json_t *vols =
        rows_or_unknown(f, BL_NS, "Win32_EncryptableVolume", all, 2, &st, why, sizeof(why));
    if (vols == NULL) {
        if (st == EF_WIN_ABSENT) {
            /* no BitLocker on this edition: the system volume is not encrypted by it */
            ef_fact_str(f, F_STATE, "unavailable",
                        "system volume %s: %s: BitLocker is not available, the volume is not "
                        "encrypted by it",
                        drive, why);
            ef_fact_int(f, F_METHOD, 0, "system volume %s: %s: no BitLocker", drive, why);
            ef_fact_str(f, F_TPM, "none", "system volume %s: %s: no BitLocker", drive, why);
        } else {
            ef_fact_unknown(f, F_TPM, "%s", why);
        }
        return;
    }
    size_t i;
    const json_t *row, *vol = NULL;
    json_array_foreach(vols, i, row)
    {
        const char *dl = ef_win_str(row, "DriveLetter");
        if (dl && strcasecmp(dl, drive) == 0) {
            vol = row;
            break;
        }
    }
    if (vol == NULL) {
        for (size_t k = 0; k < 3; k++)
            ef_fact_unknown(f, all[k],
                            "WMI %s Win32_EncryptableVolume: no row with DriveLetter %s (the "
                            "system drive, Win32_OperatingSystem.SystemDrive) among %zu",
                            BL_NS, drive, json_array_size(vols));
        return;
    }
    long long prot, conv, meth;
    char src[300];
    snprintf(src, sizeof(src),
             "WMI %s Win32_EncryptableVolume DriveLetter %s (the system drive, "
             "Win32_OperatingSystem.SystemDrive)",
             BL_NS, drive);
    if (ef_win_int(vol, "ProtectionStatus", &prot) != 0 ||
        ef_win_int(vol, "ConversionStatus", &conv) != 0) {
        ef_fact_unknown(f, F_STATE, "%s: ProtectionStatus or ConversionStatus not read", src);
    } else {
        static const char *const conv_names[] = {"fully decrypted",        "fully encrypted",
                                                 "encryption in progress", "decryption in progress",
                                                 "encryption paused",      "decryption paused"};
        static const char *const conv_state[] = {
            "off", "on", "encrypting", "decrypting", "encryption_paused", "decryption_paused"};
        const char *cn = conv >= 0 && conv <= 5 ? conv_names[conv] : "?";
        if (prot == 2 || conv < 0 || conv > 5)
            ef_fact_unknown(f, F_STATE, "%s: ProtectionStatus %lld, ConversionStatus %lld (%s)",
                            src, prot, conv, prot == 2 ? "protection unknown: volume locked" : cn);
        else if (conv == 1 && prot == 0)
            ef_fact_str(f, F_STATE, "suspended",
                        "%s: ProtectionStatus 0, ConversionStatus 1 (%s): protection suspended, "
                        "the key is stored in the clear on the disk",
                        src, cn);
        else
            ef_fact_str(f, F_STATE, conv == 1 ? "on" : conv_state[conv],
                        "%s: ProtectionStatus %lld (%s), ConversionStatus %lld (%s)", src, prot,
                        prot == 1 ? "protection on" : "protection off", conv, cn);
    }
    if (ef_win_int(vol, "EncryptionMethod", &meth) != 0 || meth < 0 || meth > 7)
        ef_fact_unknown(f, F_METHOD, "%s: EncryptionMethod not read or unknown", src);
    else
        ef_fact_int(f, F_METHOD, meth, "%s: EncryptionMethod %lld (%s)", src, meth,
                    method_name(meth));
    key_protectors(f, drive, ef_win_str(vol, "DeviceID"));
}

/* ---- anti-malware ---- */

/* Microsoft Defender Antivirus as Security Center names it (in any release). */
static int is_defender(const char *name)
{
    return strncasecmp(name, "Windows Defender", 16) == 0 ||
           strncasecmp(name, "Microsoft Defender", 18) == 0;
}

void ef_probe_win_av(struct ef_facts *f)
{
    static const char *const names[] = {"malware.other_av"};
    ef_win_status st;
    char why[900], on[400] = "", seen[400] = "";

    if (ef_facts_registry(f) == NULL)
        return;
    struct ef_win *w = ef_facts_win(f);
    json_t *rows = NULL;
    if (w == NULL) {
        ef_fact_unknown(f, names[0], "api:SecurityCenterAntivirus not read: %s", NO_RECORDING);
        return;
    }
    st = ef_win_table(w, "api:SecurityCenterAntivirus", &rows, why, sizeof(why));
    if (st == EF_WIN_ABSENT) {
        ef_fact_str(f, names[0], "none",
                    "api:SecurityCenterAntivirus: no Windows Security Center (%s): only "
                    "Microsoft Defender is judged",
                    why);
        return;
    }
    if (rows_or_unknown(f, "api:SecurityCenterAntivirus", NULL, names, 1, &st, why, sizeof(why)) ==
        NULL)
        return;
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *n = ef_win_str(row, "name"), *s = ef_win_str(row, "state");
        char one[200];
        if (n == NULL)
            continue;
        snprintf(one, sizeof(one), "%.120s (%s)", n, s ? s : "state unknown");
        ef_evidence_add(seen, sizeof(seen), one);
        if (!is_defender(n) && s && strcmp(s, "on") == 0)
            ef_evidence_add(on, sizeof(on), n);
    }
    if (on[0])
        ef_fact_str(f, names[0], on, "api:SecurityCenterAntivirus: another product is on: %s",
                    seen);
    else
        ef_fact_str(f, names[0], "none",
                    "api:SecurityCenterAntivirus: no product but Microsoft Defender is on "
                    "(%s)",
                    seen[0] ? seen : "no product registered");
}

/* ---- attack surface reduction ---- */

#define DEF_NS "root\\Microsoft\\Windows\\Defender"

/* malware.asr_block_rules: the rules in block mode, each as the first 8 hex digits of its
 * GUID in upper case ("BE9BA2D9 D4F940AB"; a whole list of GUIDs would not fit a fact), or
 * "none". The policy names the rules it requires by the same 8 digits. */
void ef_probe_win_asr(struct ef_facts *f)
{
    static const char *const names[] = {"malware.asr_block_rules"};
    ef_win_status st;
    char why[900];

    if (ef_facts_registry(f) == NULL)
        return;
    json_t *rows = rows_or_unknown(f, DEF_NS, "MSFT_MpPreference", names, 1, &st, why, sizeof(why));
    if (rows == NULL)
        return;
    const json_t *row = json_array_get(rows, 0);
    const json_t *ids = json_object_get(row, "AttackSurfaceReductionRules_Ids");
    const json_t *acts = json_object_get(row, "AttackSurfaceReductionRules_Actions");
    const char *src = "WMI " DEF_NS " MSFT_MpPreference AttackSurfaceReductionRules_Ids/_Actions";
    if (row == NULL ||
        ((ids == NULL || json_is_null(ids)) && (acts == NULL || json_is_null(acts)))) {
        ef_fact_str(f, names[0], "none", "%s: no rule set", src);
        return;
    }
    if (!json_is_array(ids) || !json_is_array(acts) ||
        json_array_size(ids) != json_array_size(acts)) {
        ef_fact_unknown(f, names[0], "%s: not two arrays of one length", src);
        return;
    }
    char block[EF_FACT_STR_MAX + 1] = "", other[400] = "";
    size_t i, nblock = 0;
    const json_t *id;
    json_array_foreach(ids, i, id)
    {
        const char *g = json_string_value(id);
        const json_t *a = json_array_get(acts, i);
        if (g == NULL || strlen(g) < 8 || !json_is_integer(a)) {
            ef_fact_unknown(f, names[0], "%s: entry %zu is not a GUID with an action", src, i);
            return;
        }
        char pre[9];
        for (size_t k = 0; k < 8; k++)
            pre[k] = (g[k] >= 'a' && g[k] <= 'f') ? (char)(g[k] - 'a' + 'A') : g[k];
        pre[8] = '\0';
        if (json_integer_value(a) == 1) {
            if (block[0] != '\0')
                ef_text_append(block, sizeof(block), " ", 1);
            ef_text_append(block, sizeof(block), pre, 8);
            nblock++;
        } else {
            char one[40];
            snprintf(one, sizeof(one), "%s action %lld", pre, (long long)json_integer_value(a));
            ef_evidence_add(other, sizeof(other), one);
        }
    }
    ef_fact_str(f, names[0], nblock ? block : "none",
                "%s: %zu rules, %zu in block mode (action 1)%s%s", src, json_array_size(ids),
                nblock, other[0] ? "; not blocking: " : "", other);
}

/* ---- firmware ---- */

void ef_probe_win_firmware(struct ef_facts *f)
{
    static const char *const names[] = {"boot.uefi"};
    ef_win_status st;
    char why[900];

    if (ef_facts_registry(f) == NULL)
        return;
    json_t *rows = rows_or_unknown(f, "api:Firmware", NULL, names, 1, &st, why, sizeof(why));
    if (rows == NULL)
        return;
    const char *t = ef_win_str(json_array_get(rows, 0), "type");
    if (t && strcmp(t, "uefi") == 0)
        ef_fact_bool(f, names[0], 1, "api:Firmware type uefi (GetFirmwareType): booted by UEFI");
    else if (t && strcmp(t, "bios") == 0)
        ef_fact_bool(f, names[0], 0,
                     "api:Firmware type bios (GetFirmwareType): booted by legacy BIOS, which has "
                     "no Secure Boot");
    else
        ef_fact_unknown(f, names[0], "api:Firmware type %s (GetFirmwareType)", t ? t : "absent");
}
