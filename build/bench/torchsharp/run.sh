#!/usr/bin/env bash
# Benchmark: load a ~500 MB PyTorch state dict into a TorchSharp module (ModelStore.TorchSharp), vs PyTorch's
# torch.load + load_state_dict of the same file, vs a raw read of the file. Goals: <= 1.0x PyTorch, <= 1.5x raw.
# Every measurement runs in its own process (peak RSS is per process); the file is read once first so all
# runs read from the page cache; each figure is the best of RUNS (default 3).
# Usage: build/bench/torchsharp/run.sh [LAYERS] [WIDTH]   (default 8 x 4000: 8 Linear(4000, 4000) = 512 MB)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
layers="${1:-8}"
width="${2:-4000}"
runs="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build "$here/TorchSharpLoadBench.csproj" -c Release -v q -nologo >/dev/null
bench="$(dirname "$(find "$here/bin/Release" -name TorchSharpLoadBench.dll | head -1)")/TorchSharpLoadBench"

state="$work/bench.pt"
/usr/bin/python3 "$here/bench.py" make "$state" "$layers" "$width"
cat "$state" > /dev/null
size_mb=$(( $(stat -c %s "$state") / 1048576 ))

best() { # best of $runs runs of a command printing one JSON line
  local out best_line="" best_s=""
  for _ in $(seq "$runs"); do
    out="$("$@")"
    s="$(echo "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')"
    if [ -z "$best_s" ] || /usr/bin/python3 -c "import sys; sys.exit(0 if $s < $best_s else 1)"; then best_s="$s"; best_line="$out"; fi
  done
  echo "$best_line"
}

"$bench" convert "$state" "$work/bench.safetensors"
cat "$work/bench.safetensors" > /dev/null

raw="$(best "$bench" raw "$state")"
rawmem="$(best "$bench" rawmem "$state")"
safetensors="$(best "$bench" load "$work/bench.safetensors" "$layers" "$width")"
ours="$(best "$bench" load "$state" "$layers" "$width")"
torch="$(best /usr/bin/python3 "$here/bench.py" load "$state" "$layers" "$width")"

/usr/bin/python3 - "$size_mb" "$raw" "$rawmem" "$ours" "$torch" "$safetensors" <<'PY'
import json, sys
size, raw, rawmem, ours, torch, safetensors = int(sys.argv[1]), *(json.loads(a) for a in sys.argv[2:])
print(f"state dict: {size} MB (PyTorch zip), best of runs, page cache warm")
print(f"{'':38} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12} {'RSS before MB':>14}")
for name, r in (("raw read, reused 4 MiB buffer", raw), ("raw read into a file-sized buffer", rawmem), ("ModelStore.TorchSharp load", ours), ("PyTorch torch.load + load_state_dict", torch), ("ModelStore.TorchSharp, safetensors", safetensors)):
    print(f"{name:38} {r['seconds']:8.3f} {size / r['seconds']:8.0f} {r['peak_rss_mb']:12.1f} {r['rss_before_mb']:14.1f}")
print(f"ModelStore.TorchSharp / PyTorch: {ours['seconds'] / torch['seconds']:.2f}x (goal <= 1.0)")
print(f"ModelStore.TorchSharp / raw read: {ours['seconds'] / raw['seconds']:.2f}x with a reused buffer, {ours['seconds'] / rawmem['seconds']:.2f}x into memory (goal <= 1.5)")
print(f"load overhead over the model's own memory: ours {ours['peak_rss_mb'] - ours['rss_before_mb']:.0f} MB, PyTorch {torch['peak_rss_mb'] - torch['rss_before_mb']:.0f} MB")
PY
