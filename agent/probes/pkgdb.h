/* SPDX-License-Identifier: EUPL-1.2 */
/* Package databases and version ordering: dpkg's status file (read under any root) and
 * the rpm database (asked with `rpm -q` on the live system only), with Debian and rpm
 * version comparison. Shared by the package rule and the patch probes. */
#ifndef EFTERLEV_AGENT_PKGDB_H
#define EFTERLEV_AGENT_PKGDB_H

#include <stddef.h>

/* Debian version ordering ([epoch:]upstream[-revision]; '~' sorts before everything,
 * even the end of the string). <0, 0, >0 like strcmp. */
int ef_dpkg_vercmp(const char *a, const char *b);
/* rpm version ordering of whole [epoch:]version[-release] strings (rpmvercmp on each
 * part; '~' sorts before, '^' after the end of a part). */
int ef_rpm_vercmp(const char *a, const char *b);

enum ef_pkg_db { EF_PKGDB_NONE = 0, EF_PKGDB_DPKG, EF_PKGDB_RPM };

/* Which package database root has: dpkg when ROOT/var/lib/dpkg/status exists, rpm when
 * ROOT/var/lib/rpm or ROOT/usr/lib/sysimage/rpm exists. */
enum ef_pkg_db ef_pkgdb_kind(const char *root);

/* Whether package name is installed: 1 installed (version in ver, as the database
 * writes it), 0 not installed, -1 unknown (why says why: unreadable database, rpm under
 * another root, no database). ev receives a short description of the source. */
int ef_pkg_installed(const char *root, const char *name, char *ver, size_t verlen, char *why,
                     size_t whylen);

/* Iterate the installed packages of a dpkg status text: for each stanza whose Status is
 * "install ok installed", fn(name, arch, version, ctx). buf is modified (NULs). */
void ef_dpkg_each_installed(char *buf, size_t len,
                            void (*fn)(const char *name, const char *arch, const char *version,
                                       void *ctx),
                            void *ctx);

#endif
