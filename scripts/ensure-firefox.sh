#!/bin/sh
# Make sure Debian's Firefox ESR is at /usr/bin/firefox-esr, version 140 or newer (the Firefox build's
# strict_min_version; e2e tests, `npm start -- --browser firefox` and the benchmark drive it through
# puppeteer-core over WebDriver BiDi, which never downloads a browser).
set -eu
MIN_MAJOR=140
version_ok() {
  v=$(/usr/bin/firefox-esr --version 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\)\.[0-9].*/\1/p')
  [ -n "$v" ] && [ "$v" -ge "$MIN_MAJOR" ]
}
if [ -x /usr/bin/firefox-esr ] && version_ok; then
  exit 0
fi
echo "ensure-firefox: /usr/bin/firefox-esr is missing or older than $MIN_MAJOR; installing Debian's firefox-esr with apt-get" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-firefox: not root and no sudo: run 'apt-get update && apt-get install -y firefox-esr' as root" >&2
    exit 1
  fi
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y firefox-esr
if ! version_ok; then
  echo "ensure-firefox: $(/usr/bin/firefox-esr --version 2>&1) is older than $MIN_MAJOR (the extension's strict_min_version)" >&2
  exit 1
fi
