#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (pytest -m browser), unless it is already there.
# Idempotent: running it again does nothing once /usr/bin/chromium exists.
# Playwright's own browser download (`playwright install`) is never used: the tests drive this system chromium.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: $CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-chromium: $CHROMIUM is missing and this is not root and sudo is not available." >&2
    echo "ensure-chromium: as root, run: apt-get update && apt-get install -y chromium" >&2
    exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing; running: ${SUDO:+$SUDO }apt-get update"
$SUDO apt-get update
echo "ensure-chromium: running: ${SUDO:+$SUDO }apt-get install -y chromium"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
