#!/usr/bin/env bash
# Install Debian's PCP (for `npm run bench -- pcp-compare`) on a machine or
# container without systemd: pcp's maintainer scripts call systemctl, which
# fails there, so a no-op systemctl shadows it during the install. The bench
# starts its own private pmcd; no service is enabled or started here.
set -euo pipefail
if [ -x /usr/lib/pcp/bin/pmcd ] && [ -f /var/lib/pcp/pmns/root ]; then
  echo "pcp already installed"
  exit 0
fi
shim=/usr/local/sbin/systemctl
cleanup() { rm -f "$shim"; }
trap cleanup EXIT
if ! systemctl is-system-running >/dev/null 2>&1; then
  printf '#!/bin/sh\nexit 0\n' > "$shim"
  chmod +x "$shim"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends pcp || dpkg --configure -a
# The name space is normally built by the service start; build it if missing.
if [ ! -f /var/lib/pcp/pmns/root ]; then (cd /var/lib/pcp/pmns && ./Rebuild -u); fi
echo "pcp installed: $(pmlogger -V 2>&1 | head -1 || true)"
