#!/usr/bin/env bash
# Azurite (the Azure Storage emulator, npm package azurite) for the Azure Blob store's tests, which start it
# themselves on 127.0.0.1; installed from build/node/azurite/package-lock.json into build/node/azurite/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")/../node/azurite" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are needed for the Azure Blob tests (they come with this machine kind; install Node.js 20+)." >&2
  exit 1
fi
wanted="$(node -p "require('$here/package-lock.json').packages['node_modules/azurite'].version")"
installed="$(node -p "try { require('$here/node_modules/azurite/package.json').version } catch { '' }" 2>/dev/null || true)"
if [ "$installed" != "$wanted" ] || [ ! -x "$here/node_modules/.bin/azurite-blob" ]; then
  echo "Installing azurite $wanted into build/node/azurite"
  # Azurite 3.37 declares node >= 22 but its blob service runs on the Node.js 20 this machine kind has.
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error --engine-strict=false >/dev/null
fi
