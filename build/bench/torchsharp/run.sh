#!/usr/bin/env bash
# Benchmark: load a ~500 MB state dict into a TorchSharp module with ModelStore.TorchSharp, beside
# TorchSharp.PyBridge 1.4.4 (load_py, load_safetensors) and PyTorch's torch.load + load_state_dict on the same
# files, and a raw read of the file; then the same state in the legacy torch.save format.
# Goals: <= 1.0x PyTorch, <= 1.5x raw.
# Every measurement runs in its own process (peak RSS is per process); the files are read once first so all runs
# read from the page cache; each figure is the best of RUNS (default 3). "in-process" is the load alone, timed
# inside the process; "whole process" is the wall time of the process (runtime start, model construction, load,
# and for the .NET loaders a check that reads one tensor back from the file).
# Usage: build/bench/torchsharp/run.sh [LAYERS] [WIDTH]   (default 8 x 4000: 8 Linear(4000, 4000) = 512 MB)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
layers="${1:-8}"
width="${2:-4000}"
runs="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
py=/usr/bin/python3

dotnet build "$here/TorchSharpLoadBench.csproj" -c Release -v q -nologo >/dev/null
bench="$(dirname "$(find "$here/bin/Release" -name TorchSharpLoadBench.dll | head -1)")/TorchSharpLoadBench"

state="$work/bench.pt"
legacy="$work/bench-legacy.pt"
$py "$here/bench.py" make "$state" "$layers" "$width"
$py "$here/bench.py" make-legacy "$legacy" "$layers" "$width"
"$bench" convert "$state" "$work/bench.safetensors"
cat "$state" "$legacy" "$work/bench.safetensors" > /dev/null
size_mb=$(( $(stat -c %s "$state") / 1048576 ))

measure() { # one run: the command's JSON line plus the process's wall time, or {"error": ...}
  local start end out
  start=$(date +%s%N)
  if out="$("$@" 2>"$work/stderr")"; then
    end=$(date +%s%N)
    echo "$out" | $py -c "import json,sys; r=json.load(sys.stdin); r['process_seconds']=($end-$start)/1e9; print(json.dumps(r))"
  else
    $py -c "import json,sys; lines=[l for l in open(sys.argv[1]).read().splitlines() if l.strip()]; print(json.dumps({'error': lines[0].replace('Unhandled exception. ', '')[:150] if lines else 'failed'}))" "$work/stderr"
  fi
}

best() { # best of $runs runs: the fastest in-process run, with the fastest whole-process time; an error as it is
  local out all=""
  for _ in $(seq "$runs"); do
    out="$(measure "$@")"
    if echo "$out" | grep -q '"error"'; then echo "$out"; return; fi
    all="$all$out"$'\n'
  done
  echo -n "$all" | $py -c '
import json, sys
runs = [json.loads(line) for line in sys.stdin if line.strip()]
best = min(runs, key=lambda r: r["seconds"])
best["process_seconds"] = min(r["process_seconds"] for r in runs)
print(json.dumps(best))'
}

raw="$(best "$bench" raw "$state")"
rawmem="$(best "$bench" rawmem "$state")"
ours="$(best "$bench" load "$state" "$layers" "$width")"
pybridge="$(best "$bench" pybridge "$state" "$layers" "$width")"
torch="$(best $py "$here/bench.py" load "$state" "$layers" "$width")"
ours_st="$(best "$bench" load "$work/bench.safetensors" "$layers" "$width")"
pybridge_st="$(best "$bench" pybridge-safetensors "$work/bench.safetensors" "$layers" "$width")"
ours_legacy="$(best "$bench" load "$legacy" "$layers" "$width")"
pybridge_legacy="$(best "$bench" pybridge "$legacy" "$layers" "$width")"
torch_legacy="$(best $py "$here/bench.py" load "$legacy" "$layers" "$width")"

$py - "$size_mb" "$raw" "$rawmem" "$ours" "$pybridge" "$torch" "$ours_st" "$pybridge_st" "$ours_legacy" "$pybridge_legacy" "$torch_legacy" <<'PY'
import json, sys
size = int(sys.argv[1])
raw, rawmem, ours, pybridge, torch, ours_st, pybridge_st, ours_legacy, pybridge_legacy, torch_legacy = (json.loads(a) for a in sys.argv[2:])
print(f"state dict: {size} MB, best of runs, page cache warm")
print(f"{'':46} {'in-process s':>12} {'MB/s':>7} {'process s':>10} {'peak RSS MB':>12} {'RSS before MB':>14}")
rows = (("raw read, reused 4 MiB buffer", raw), ("raw read into a file-sized buffer", rawmem),
        ("zip: ModelStore.TorchSharp LoadState", ours), ("zip: TorchSharp.PyBridge 1.4.4 load_py", pybridge),
        ("zip: PyTorch 1.13 torch.load + load_state_dict", torch),
        ("safetensors: ModelStore.TorchSharp LoadState", ours_st), ("safetensors: PyBridge load_safetensors", pybridge_st),
        ("legacy: ModelStore.TorchSharp LoadState", ours_legacy), ("legacy: TorchSharp.PyBridge load_py", pybridge_legacy),
        ("legacy: PyTorch 1.13 torch.load + load_state_dict", torch_legacy))
for name, r in rows:
    if "error" in r:
        print(f"{name:46} fails: {r['error']}")
        continue
    process = f"{r['process_seconds']:10.3f}" if "process_seconds" in r else f"{'':10}"
    print(f"{name:46} {r['seconds']:12.3f} {size / r['seconds']:7.0f} {process} {r['peak_rss_mb']:12.1f} {r['rss_before_mb']:14.1f}")

def ratio(a, b, key="seconds"):
    return "n/a" if "error" in a or "error" in b else f"{a[key] / b[key]:.2f}x"

print(f"ModelStore.TorchSharp / PyTorch: {ratio(ours, torch)} in-process, {ratio(ours, torch, 'process_seconds')} whole process (goal <= 1.0)")
print(f"ModelStore.TorchSharp / PyBridge load_py: {ratio(ours, pybridge)} in-process, {ratio(ours, pybridge, 'process_seconds')} whole process")
print(f"ModelStore.TorchSharp / PyBridge load_safetensors (safetensors): {ratio(ours_st, pybridge_st)} in-process, {ratio(ours_st, pybridge_st, 'process_seconds')} whole process")
print(f"legacy format, ModelStore.TorchSharp / PyTorch: {ratio(ours_legacy, torch_legacy)} in-process, {ratio(ours_legacy, torch_legacy, 'process_seconds')} whole process")
print(f"ModelStore.TorchSharp / raw read: {ratio(ours, raw)} with a reused buffer, {ratio(ours, rawmem)} into memory (goal <= 1.5)")
print(f"load overhead over the model's own memory: ours {ours['peak_rss_mb'] - ours['rss_before_mb']:.0f} MB, "
      + (f"PyBridge {pybridge['peak_rss_mb'] - pybridge['rss_before_mb']:.0f} MB, " if "error" not in pybridge else "")
      + f"PyTorch {torch['peak_rss_mb'] - torch['rss_before_mb']:.0f} MB")
PY
