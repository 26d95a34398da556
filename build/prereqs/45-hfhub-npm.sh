#!/usr/bin/env bash
# @huggingface/hub (the Hugging Face JavaScript client, written by Hugging Face) for tests/ModelStore.HuggingFace.Tests'
# shared-cache interop tests: it writes and reads huggingface_hub's cache layout independently of our code. Installed
# from build/node/hfhub/package-lock.json into build/node/hfhub/node_modules (it runs on the Node.js 20 of this machine kind).
set -euo pipefail
here="$(cd "$(dirname "$0")/../node/hfhub" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are needed for the Hugging Face cache interop tests (they come with this machine kind; install Node.js 20+)." >&2
  exit 1
fi
wanted="$(node -p "require('$here/package-lock.json').packages['node_modules/@huggingface/hub'].version")"
installed="$(node -p "try { require('$here/node_modules/@huggingface/hub/package.json').version } catch { '' }" 2>/dev/null || true)"
if [ "$installed" != "$wanted" ]; then
  echo "Installing @huggingface/hub $wanted into build/node/hfhub"
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
fi
