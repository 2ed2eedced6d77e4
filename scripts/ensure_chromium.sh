#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. Install it where we can (root with apt-get, as CI
# runs); otherwise stop before any test runs and print the one command that installs it.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium, which is not installed. Install it, then run make test again:" >&2
echo "    sudo apt-get install chromium" >&2
exit 1
