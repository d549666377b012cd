# SPDX-License-Identifier: EUPL-1.2
# efterlev-collector %post ($1: 1 install, 2 upgrade): first-time init, then as %systemd_post.
STATE=/var/lib/efterlev-collector
if [ ! -d "$STATE" ]; then
    mkdir -p "$STATE"
    chown efterlev:efterlev "$STATE"
    chmod 0750 "$STATE"
fi
if [ ! -e "$STATE/collector.yml" ] && [ ! -e "$STATE/efterlev.db" ] && [ ! -e "$STATE/tls" ]; then
    if (umask 027 && setpriv --reuid=efterlev --regid=efterlev --clear-groups \
            /usr/bin/efterlev-collector init --dir "$STATE" >/dev/null 2>&1); then
        if [ -f "$STATE/tls/ca-key.pem" ]; then
            chown root:root "$STATE/tls/ca-key.pem"
            chmod 0600 "$STATE/tls/ca-key.pem"
        fi
    else
        echo "efterlev-collector: 'efterlev-collector init --dir $STATE' failed; run it by hand" >&2
    fi
fi
# The export key (next to the configuration): signs exports and certifies every agent key
# at enrollment; serve needs it at start. Made by root, then the service's (every time).
if [ ! -e /etc/efterlev/export-key.pem ] && [ -e /etc/efterlev/collector.yml ]; then
    (umask 077 && /usr/bin/efterlev-collector export-key --create \
        --config /etc/efterlev/collector.yml >/dev/null 2>&1) || :
fi
if [ -f /etc/efterlev/export-key.pem ]; then
    chown efterlev:efterlev /etc/efterlev/export-key.pem
    chmod 0600 /etc/efterlev/export-key.pem
fi
# The policy key: signs the policies served to agents (they pin it at enrollment).
if [ ! -e /etc/efterlev/policy-key.pem ] && [ -e /etc/efterlev/collector.yml ]; then
    (umask 077 && /usr/bin/efterlev-collector policy key --create \
        --config /etc/efterlev/collector.yml >/dev/null 2>&1) || :
fi
if [ -f /etc/efterlev/policy-key.pem ]; then
    chown efterlev:efterlev /etc/efterlev/policy-key.pem
    chmod 0600 /etc/efterlev/policy-key.pem
fi
if [ "$1" -eq 1 ] && [ -x /usr/bin/systemctl ]; then
    /usr/bin/systemctl --no-reload preset efterlev-collector.service >/dev/null 2>&1 || :
fi
if [ -d /run/systemd/system ]; then
    /usr/bin/systemctl daemon-reload >/dev/null 2>&1 || :
fi
exit 0
