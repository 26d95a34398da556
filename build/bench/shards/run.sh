#!/usr/bin/env bash
# Benchmark: peak memory of loading sharded weights (a shard index and its shards, as Hugging Face ships models over
# ~5 GB) into a TorchSharp module with ModelStore.TorchSharp, beside the same state in one safetensors file.
# Loading goes tensor by tensor from each shard straight into the module's parameters, so the memory above the
# model's own (built before the load) stays about one tensor's size, however many shards there are. Goal: the load's
# overhead over the model's own memory is at most the largest tensor (+ runtime noise), not the model's size.
# Each load runs in its own process (build/bench/torchsharp's program, peak RSS from /proc/self/status VmHWM).
# Usage: build/bench/shards/run.sh [LAYERS] [WIDTH] [SHARDS]   (default 8 x 4000 in 4 shards: 512 MB)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
layers="${1:-8}"
width="${2:-4000}"
shards="${3:-4}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
py=/usr/bin/python3

dotnet build "$here/../torchsharp/TorchSharpLoadBench.csproj" -c Release -v q -nologo >/dev/null
bench="$(dirname "$(find "$here/../torchsharp/bin/Release" -name TorchSharpLoadBench.dll | head -1)")/TorchSharpLoadBench"
$py "$here/make_shards.py" make "$work" "$layers" "$width" "$shards"
cat "$work/single.safetensors" "$work"/safetensors/* "$work"/bin/* > /dev/null

single="$("$bench" load "$work/single.safetensors" "$layers" "$width")"
sharded_st="$("$bench" load "$work/safetensors/model.safetensors.index.json" "$layers" "$width")"
sharded_bin="$("$bench" load "$work/bin/pytorch_model.bin.index.json" "$layers" "$width")"

$py - "$(stat -c %s "$work/single.safetensors")" "$((width * width * 4))" "$shards" "$single" "$sharded_st" "$sharded_bin" <<'PY'
import json, sys
size, largest, shards = int(sys.argv[1]) / 1048576, int(sys.argv[2]) / 1048576, sys.argv[3]
rows = [("one safetensors file", json.loads(sys.argv[4])),
        (f"{shards} safetensors shards + index", json.loads(sys.argv[5])),
        (f"{shards} torch.save shards + index", json.loads(sys.argv[6]))]
print(f"model: {size:.0f} MB of weights, largest tensor {largest:.0f} MB; page cache warm")
print(f"{'':34} {'load s':>8} {'RSS before MB':>14} {'peak RSS MB':>12} {'overhead MB':>12} {'overhead / model':>17}")
for name, r in rows:
    overhead = r["peak_rss_mb"] - r["rss_before_mb"]
    print(f"{name:34} {r['seconds']:8.3f} {r['rss_before_mb']:14.1f} {r['peak_rss_mb']:12.1f} {overhead:12.1f} {overhead / size:16.2%}")
over = [r["peak_rss_mb"] - r["rss_before_mb"] for _, r in rows]
print(f"sharded load overhead over the model's own: {over[1]:.0f} MB with {shards} safetensors shards, {over[2]:.0f} MB with {shards} torch.save shards, "
      f"{over[0]:.0f} MB from one file ({size:.0f} MB model, largest tensor {largest:.0f} MB)")
PY
