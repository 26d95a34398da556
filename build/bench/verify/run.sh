#!/usr/bin/env bash
# `modelstore verify` (re-hash every cached state) beside `sha256sum` of the same blob, page cache warm, best of 3.
#   build/bench/verify/run.sh [SIZE_MIB=1024]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
size_mib="${1:-1024}"
work="$(mktemp -d /tmp/modelstore-verify-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build -c Release "$root/src/ModelStore.Cli/ModelStore.Cli.csproj" -o "$work/cli" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
cli=(dotnet "$work/cli/ModelStore.Cli.dll")
mkdir -p "$work/store"
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/store/pytorch.bench-net.verify.v1.pt"
"${cli[@]}" pull pytorch/bench-net.verify.v1 --store "$work/store" --cache "$work/cache" >/dev/null 2>&1
blob="$(find "$work/cache/blobs" -type f | head -1)"
cat "$blob" >/dev/null

best() { # best wall time in seconds of 3 runs of the command
  local best="" start end
  for _ in 1 2 3; do
    start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N)
    best="$(awk -v b="$best" -v t="$(( (end - start) / 1000000 ))" 'BEGIN { if (b == "" || t / 1000 < b) printf "%.3f", t / 1000; else print b }')"
  done
  echo "$best"
}
ours="$(best "${cli[@]}" verify --cache "$work/cache")"
theirs="$(best sha256sum "$blob")"
echo "verify of one ${size_mib} MiB cached state, page cache warm, best of 3 ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)):"
echo "modelstore verify: $ours s ($(awk -v s="$ours" -v m="$size_mib" 'BEGIN { printf "%.0f", m / s }') MiB/s, process start included)"
echo "sha256sum: $theirs s ($(awk -v s="$theirs" -v m="$size_mib" 'BEGIN { printf "%.0f", m / s }') MiB/s)"
echo "modelstore verify / sha256sum: $(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2fx", a / b }')"
