#!/usr/bin/env bash
# Installs the benchmark peers that the bench harness (src/CyberDb.Bench) starts by itself:
#   - redis-server from Debian's packages (only when missing; the system service is not used:
#     the harness runs its own redis-server on a free loopback port and stops it afterwards);
#   - garnet-server, a dotnet tool pinned in .config/dotnet-tools.json (dotnet tool restore).
# Idempotent; a failure here is not fatal to the bench: a peer that cannot be started shows as
# "missing" with its reason in the results.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
if command -v redis-server >/dev/null 2>&1; then
    echo "install-peers: redis-server present ($(redis-server --version | head -n1))"
else
    echo "install-peers: installing redis-server from Debian packages"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null; then
        # Debian's package may start its own service on 6379; the bench never uses it.
        (command -v systemctl >/dev/null 2>&1 && $SUDO systemctl stop redis-server >/dev/null 2>&1) || true
        (command -v service >/dev/null 2>&1 && $SUDO service redis-server stop >/dev/null 2>&1) || true
        echo "install-peers: redis-server installed ($(redis-server --version | head -n1))"
    else
        echo "install-peers: could not install redis-server; Redis will be reported missing" >&2
        status=1
    fi
fi

if dotnet tool restore >/dev/null; then
    echo "install-peers: dotnet tools restored (garnet-server)"
else
    echo "install-peers: dotnet tool restore failed; Garnet may be reported missing" >&2
    status=1
fi
exit $status
