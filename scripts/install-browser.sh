#!/usr/bin/env bash
# The browser the end-to-end tests drive: Debian's chromium package, driven by Playwright for Python with
# executable_path=/usr/bin/chromium. Playwright's own browser download is never used (no CDN at test time).
set -euo pipefail
CHROMIUM=${DOCKET_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
"$CHROMIUM" --version
