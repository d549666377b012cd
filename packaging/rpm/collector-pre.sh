# SPDX-License-Identifier: EUPL-1.2
# efterlev-collector %pre: the system user the service runs as.
getent group efterlev >/dev/null || groupadd -r efterlev
getent passwd efterlev >/dev/null || \
    useradd -r -g efterlev -d /var/lib/efterlev-collector -M -s /sbin/nologin \
        -c "efterlev collector" efterlev
exit 0
