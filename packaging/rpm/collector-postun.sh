# SPDX-License-Identifier: EUPL-1.2
# efterlev-collector %postun ($1: 0 erase, 1 upgrade). As %systemd_postun_with_restart.
# RPM has no purge: /var/lib/efterlev-collector (database, TLS keys) stays on erase.
if [ -d /run/systemd/system ]; then
    /usr/bin/systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        /usr/bin/systemctl try-restart efterlev-collector.service >/dev/null 2>&1 || :
    fi
fi
exit 0
