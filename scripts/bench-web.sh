#!/usr/bin/env bash
# The seed web app under wrk on three back ends in one run (samples/HelloWeb.Launcher bench):
# 4 HelloWeb workers on one port reading "Hello CyberDB!" from CyberDb, from Redis (our own
# redis-server on a free loopback port, no persistence) and from an in-process dictionary.
# Installs wrk and redis-server from Debian's packages when missing. Extra arguments go to the
# launcher, e.g.:  scripts/bench-web.sh --duration 20 --connections 64 --backends cyberdb,redis
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench-web: installing ${missing[*]} from Debian packages"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian's redis package may start a service on 6379; the bench never uses it.
    (command -v service >/dev/null 2>&1 && $SUDO service redis-server stop >/dev/null 2>&1) || true
fi

exec dotnet run --project samples/HelloWeb.Launcher -c Release -- bench "$@"
