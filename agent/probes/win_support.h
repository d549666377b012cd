/* SPDX-License-Identifier: EUPL-1.2 */
/* End of servicing per Windows release and edition family: checks/windows-support.csv,
 * built into the agent (cmake/embed_text.cmake) and parsed strictly on first use. */
#ifndef EFTERLEV_AGENT_WIN_SUPPORT_H
#define EFTERLEV_AGENT_WIN_SUPPORT_H

#include <stddef.h>

#define EF_WINREL_MAX 512 /* rows */

struct ef_winrel {
    long long build;  /* CurrentBuild */
    char display[8];  /* DisplayVersion or ReleaseId, "-" for none */
    char family[16];  /* home-pro, ent-edu, ltsc, iot-ltsc, server, client */
    char eos[11];     /* YYYY-MM-DD, the last day of security updates */
    char release[64]; /* "Windows 10 22H2", "Windows Server 2022" */
};

/* Parse the table's text into rows (malloc'd, *n of them). 0, or -1 with err naming the line
 * and what is wrong: every row has five fields, a known family, a real date, no duplicate
 * (build, family). */
int ef_winsupport_parse(const char *text, struct ef_winrel **rows, size_t *n, char *err,
                        size_t errlen);

/* The edition family of a Windows installation: from EditionID, InstallationType and
 * ProductType (any may be ""), and the build (Windows 7 and 8.1 have one family). NULL when
 * the edition is not known to the agent. */
const char *ef_winsupport_family(const char *edition, const char *installation_type,
                                 const char *product_type, long long build);

/* The built-in table's row for (build, family): 1 found, 0 not listed, -1 the built-in
 * table does not parse (err says why). */
int ef_winsupport_find(long long build, const char *family, const struct ef_winrel **out, char *err,
                       size_t errlen);

#endif
