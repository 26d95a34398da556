#!/usr/bin/env bash
# `modelstore verify` (re-hash every cached state; the published CLI, default flags) beside `openssl dgst -sha256`
# (SHA instructions of the CPU, the strongest peer here) and `sha256sum` of the same blob, page cache warm.
#   build/bench/verify/run.sh [SIZE_MIB=1024] [ROUNDS=5]
# Every round runs the three in another order (rotated); each row: median wall with min-max, and the median and max of
# the 1-minute load average after each run of the row. MODELSTORE_CLI=/published/folder reuses a published CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
size_mib="${1:-1024}"
rounds="${2:-5}"
work="$(mktemp -d /tmp/modelstore-verify-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
source "$root/build/bench/rows.sh"

cli="${MODELSTORE_CLI:-}"
if [ -z "$cli" ]; then
  cli="$work/cli"
  dotnet publish -c Release "$root/src/ModelStore.Cli/ModelStore.Cli.csproj" -o "$cli" -nodeReuse:false -v:q >"$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }
fi
modelstore="$cli/ModelStore.Cli"
mkdir -p "$work/store"
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/store/pytorch.bench-net.verify.v1.pt"
"$modelstore" pull pytorch/bench-net.verify.v1 --store "$work/store" --cache "$work/cache" >/dev/null 2>&1
blob="$(find "$work/cache/blobs" -type f | head -1)"
cat "$blob" >/dev/null

tools=("modelstore verify" "openssl dgst -sha256" "sha256sum")
run_tool() {
  case "$1" in
    "modelstore verify") "$modelstore" verify --cache "$work/cache" ;;
    "openssl dgst -sha256") openssl dgst -sha256 "$blob" ;;
    sha256sum) sha256sum "$blob" ;;
  esac
}
declare -A walls loads
for round in $(seq 0 $((rounds - 1))); do
  for i in 0 1 2; do
    tool="${tools[$(((i + round) % 3))]}"
    start=$(date +%s%N); run_tool "$tool" >/dev/null; end=$(date +%s%N)
    walls[$tool]+="$(awk -v t="$(( (end - start) / 1000 ))" 'BEGIN { printf "%.3f", t / 1000000 }') "
    loads[$tool]+="$(load_now) "
  done
done
echo "verify of one ${size_mib} MiB cached state, page cache warm, $rounds rounds in rotated order ($(nproc) cores):"
for tool in "${tools[@]}"; do
  read -r median low high <<<"$(echo "${walls[$tool]}" | stats)"
  read -r load _ load_max <<<"$(echo "${loads[$tool]}" | stats)"
  echo "$tool: $median s median (min $low, max $high; $(awk -v s="$median" -v m="$size_mib" 'BEGIN { printf "%.0f", m / s }') MiB/s; load $load, max $load_max)"
  eval "median_${tool%% *}=$median"
done
echo "modelstore verify / openssl dgst -sha256: $(awk -v a="$median_modelstore" -v b="$median_openssl" 'BEGIN { printf "%.2fx", a / b }') (process start included)"
