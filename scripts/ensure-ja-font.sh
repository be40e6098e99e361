#!/bin/sh
# Make sure a Japanese font is installed, so the Japanese screenshot of `npm run screenshots` shows text rather
# than empty boxes: Debian's fonts-ipafont-gothic (small), installed with apt-get when no font covers Japanese.
set -eu
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja 2>/dev/null | head -n 1)" ]; then
  exit 0
fi
echo "ensure-ja-font: no Japanese font; installing Debian's fonts-ipafont-gothic with apt-get" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-ja-font: not root and no sudo: run 'apt-get install -y fonts-ipafont-gothic' as root" >&2
    exit 1
  fi
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y fonts-ipafont-gothic >/dev/null || {
  $SUDO apt-get update >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y fonts-ipafont-gothic >/dev/null
}
