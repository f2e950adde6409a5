#!/usr/bin/env bash
# Installs everything a fresh machine needs, then runs every test. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser tests drive Debian's Chromium through playwright-core (no browser download), and
# the foreign-writer tests run a real `sqlite3` process beside Strata. The off-site tests start
# real WebDAV servers: Apache with mod_dav_fs (package apache2) and `rclone serve webdav`
# (s3rver, the S3 server, comes from npm). In CI a missing server fails its tests.
missing=()
if ! command -v chromium >/dev/null 2>&1 && [ -z "${STRATA_CHROMIUM:-}" ]; then missing+=(chromium); fi
if ! command -v sqlite3 >/dev/null 2>&1; then missing+=(sqlite3); fi
if [ ! -x /usr/sbin/apache2 ] || [ ! -f /usr/lib/apache2/modules/mod_dav_fs.so ]; then missing+=(apache2); fi
if ! command -v rclone >/dev/null 2>&1; then missing+=(rclone); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian's ${missing[*]} for the tests..."
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# No Electron binary is downloaded here: Electron 42+ fetches it on first run, not at install.
# If the install itself fails there are no test counts; still end with the line CI reads.
if ! npm ci --no-audit --no-fund; then
  echo "npm ci failed: see the messages above."
  echo "0 passed, 1 failed"
  exit 1
fi
npm test
