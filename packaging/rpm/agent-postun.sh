# SPDX-License-Identifier: EUPL-1.2
# efterlev-agent %postun ($1: 0 erase, 1 upgrade). As %systemd_postun_with_restart.
# RPM has no purge: the state in /var/lib/efterlev (key, seq, spool) stays on erase;
# delete it by hand to forget this machine's identity.
if [ -d /run/systemd/system ]; then
    /usr/bin/systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        /usr/bin/systemctl try-restart efterlev-agent.timer >/dev/null 2>&1 || :
    fi
fi
exit 0
