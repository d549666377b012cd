# SPDX-License-Identifier: EUPL-1.2
# efterlev-collector %preun ($1: 0 erase, 1 upgrade). As %systemd_preun.
if [ "$1" -eq 0 ] && [ -x /usr/bin/systemctl ]; then
    /usr/bin/systemctl --no-reload disable --now efterlev-collector.service >/dev/null 2>&1 || :
fi
exit 0
