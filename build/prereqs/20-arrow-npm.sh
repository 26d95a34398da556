#!/usr/bin/env bash
# The npm packages of build/node/package.json, independent implementations the interop tests check our files
# against: apache-arrow (tests/ModelStore.Arrow.Tests: Arrow IPC files both ways) and @huggingface/hub, the Hugging Face
# JavaScript client (tests/ModelStore.HuggingFace.Tests: huggingface_hub's cache layout both ways; it runs on the
# Node.js 20 of this machine kind). Installed from build/node/package-lock.json into build/node/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")/../node" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are needed for the Arrow and Hugging Face interop tests (they come with this machine kind; install Node.js 20+)." >&2
  exit 1
fi
for package in apache-arrow @huggingface/hub; do
  wanted="$(node -p "require('$here/package-lock.json').packages['node_modules/$package'].version")"
  installed="$(node -p "try { require('$here/node_modules/$package/package.json').version } catch { '' }" 2>/dev/null || true)"
  if [ "$installed" != "$wanted" ]; then
    echo "Installing the interop packages of build/node ($package $wanted was missing)"
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
    break
  fi
done
