#!/usr/bin/env bash
# The apache-arrow npm package (an independent Arrow implementation) for tests/ModelStore.Arrow.Tests'
# interop tests, installed from build/node/package-lock.json into build/node/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")/../node" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are needed for the Arrow interop tests (they come with this machine kind; install Node.js 20+)." >&2
  exit 1
fi
wanted="$(node -p "require('$here/package-lock.json').packages['node_modules/apache-arrow'].version")"
installed="$(node -p "try { require('$here/node_modules/apache-arrow/package.json').version } catch { '' }" 2>/dev/null || true)"
if [ "$installed" != "$wanted" ]; then
  echo "Installing apache-arrow $wanted into build/node"
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
fi
