#!/usr/bin/env bash
# Installs what the tests and the sample need on a fresh Debian 12 machine, once.
# Each build/prereqs/*.sh is idempotent: it checks first and installs only what is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for script in "$here"/prereqs/*.sh; do
  [ -e "$script" ] || continue
  bash "$script"
done
