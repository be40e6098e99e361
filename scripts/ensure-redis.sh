#!/bin/sh
# Make sure Debian's redis-server is installed (the Redis session-store tests start their own instance on a
# free port; nothing uses a system-wide Redis). Installs it with apt-get when missing, like ensure-chromium.sh.
set -eu
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "ensure-redis: redis-server is missing; installing Debian's redis-server with apt-get" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-redis: not root and no sudo: run 'apt-get update && apt-get install -y redis-server' as root" >&2
    exit 1
  fi
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends redis-server
# The package may start a system service; the tests never use it.
command -v redis-server >/dev/null 2>&1
