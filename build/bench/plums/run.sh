#!/usr/bin/env bash
# Save and strict-load throughput of a PMF package with large checkpoints; memory stays flat (files are streamed).
# Usage: build/bench/plums/run.sh [checkpoints=4] [MiB each=128]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet run -c Release --project "$here/Plums.Bench.csproj" -- "${1:-4}" "${2:-128}"
