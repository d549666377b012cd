# SPDX-License-Identifier: EUPL-1.2
# efterlev-agent %post ($1: 1 install, 2 upgrade). As %systemd_post: the timer is enabled
# by the distribution's presets (RHEL/Fedora presets leave it disabled:
# systemctl enable --now efterlev-agent.timer).
if [ ! -d /var/lib/efterlev ]; then
    mkdir -p /var/lib/efterlev
fi
chown root:root /var/lib/efterlev
chmod 0700 /var/lib/efterlev
if [ "$1" -eq 1 ] && [ -x /usr/bin/systemctl ]; then
    /usr/bin/systemctl --no-reload preset efterlev-agent.timer >/dev/null 2>&1 || :
fi
if [ -d /run/systemd/system ]; then
    /usr/bin/systemctl daemon-reload >/dev/null 2>&1 || :
fi
exit 0
