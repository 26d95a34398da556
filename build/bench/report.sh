#!/usr/bin/env bash
# Every benchmark of the repository in one run on this machine, written as one Markdown report:
#   build/bench/report.sh [--quick]        -> artifacts/bench/report.md (and each benchmark's own output beside it)
# The summary table puts our figure beside its baseline (awscli, sha256sum, PyTorch, TorchSharp.PyBridge, a raw read, a
# build without states) as a ratio, with the goal it is held to. --quick uses smaller sizes and fewer rounds.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/artifacts/bench"
quick=false
[ "${1:-}" = "--quick" ] && quick=true
if $quick; then noop_runs=5; s3_mib=256; s3_rounds=1; url_mib=256; url_rounds=3; oci_mib=256; oci_rounds=1; verify_mib=256; torch_layers=4; arrow_mb=128; plums=(2 64); export RUNS=1
else noop_runs=11; s3_mib=1024; s3_rounds=3; url_mib=1024; url_rounds=5; oci_mib=1024; oci_rounds=3; verify_mib=1024; torch_layers=8; arrow_mb=512; plums=(4 128); export RUNS=3; fi
shard_count=4
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
"$root/build/install-prerequisites.sh" >&2 || { echo "report: prerequisites failed" >&2; exit 1; }

run() { # name, command...: the benchmark's whole output goes to artifacts/bench/NAME.txt
  local name="$1"; shift
  echo "[bench] $name: $*" >&2
  local start=$SECONDS
  "$@" >"$out/$name.txt" 2>&1
  local status=$?
  echo "[bench] $name: exit $status after $((SECONDS - start)) s" >&2
  [ "$status" -eq 0 ] || echo "FAILED (exit $status)" >>"$out/$name.txt"
}

run noop-build "$root/build/bench/noop-build/run.sh" "$noop_runs"
run s3 "$root/build/bench/s3/run.sh" "$s3_mib" "$s3_rounds"
run url "$root/build/bench/url/run.sh" "$url_mib" "$url_rounds"
run oci "$root/build/bench/oci/run.sh" "$oci_mib" "$oci_rounds"
run verify "$root/build/bench/verify/run.sh" "$verify_mib"
run torchsharp "$root/build/bench/torchsharp/run.sh" "$torch_layers" 4000
run arrow dotnet run -c Release --project "$root/build/bench/arrow/ModelStore.Arrow.Bench.csproj" -- "$arrow_mb"
run plums "$root/build/bench/plums/run.sh" "${plums[@]}"
run shards "$root/build/bench/shards/run.sh" "$torch_layers" 4000 "$shard_count"
run faults "$root/build/bench/faults/run.sh" $($quick && echo --short)

# --- Figures, read from each benchmark's output ------------------------------------------------------------------
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
line() { grep -m1 -E "$2" "$out/$1.txt" 2>/dev/null; }

noop="$(line noop-build 'with-states / without-states \(median\)' | grep -oE '[0-9]+\.[0-9]+x' | head -1)"
ours_verify="$(line verify '^modelstore verify' | grep -oE '[0-9]+\.[0-9]+ s' | head -1 | cut -d' ' -f1)"
openssl_verify="$(line verify '^openssl dgst' | grep -oE '[0-9]+\.[0-9]+ s' | head -1 | cut -d' ' -f1)"
torch_vs_pytorch="$(line torchsharp '^ModelStore.TorchSharp / PyTorch:' | sed 's/^[^:]*: //')"
torch_vs_pybridge="$(line torchsharp '^ModelStore.TorchSharp / PyBridge load_py:' | sed 's/^[^:]*: //')"
torch_vs_pybridge_st="$(line torchsharp 'PyBridge load_safetensors \(safetensors\):' | sed 's/^[^:]*: //')"
torch_legacy="$(line torchsharp '^legacy format' | sed 's/^[^:]*: //')"
torch_raw="$(line torchsharp '^ModelStore.TorchSharp / raw read:' | sed 's/^[^:]*: //')"
torch_memory="$(line torchsharp '^load overhead' | sed 's/^[^:]*: //')"
arrow="$(line arrow '^row ')"
plums_save="$(line plums '^save' | grep -oE '[0-9]+ MiB/s')"
plums_load="$(line plums '^strict load' | grep -oE '[0-9]+ MiB/s')"
plums_memory="$(line plums '^peak working set' | sed 's/^[^:]*: //')"
oci_row() { line oci "^\\| $1 \\|" | awk -F'|' '{ gsub(/^ +| +$/, "", $3); gsub(/^ +| +$/, "", $4); print $3 ", peak RSS " $4 }'; }
oci_ratio="$(line oci '^modelstore pull / skopeo copy' | grep -oE '[0-9]+\.[0-9]+x' | head -1)"
shards_memory="$(line shards '^sharded load overhead' | sed 's/^[^:]*: //')"
# The rows of a rotated benchmark (build/bench/rows.sh print_rows): row_of BENCH TOOL, median_of BENCH TOOL.
row_of() { line "$1" "^row $2:" | sed 's/^row [^:]*: //'; }
median_of() { line "$1" "^row $2:" | grep -oE 'wall median [0-9.]+' | awk '{ print $3 }'; }
url_row() { row_of url "$1"; }
url_median() { median_of url "$1"; }

{
  echo "# Benchmark report"
  echo
  echo "One run of every benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown),"
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end$($quick && echo ', quick form (smaller sizes, fewer rounds)')."
  echo "Command: \`build/bench/report.sh$($quick && echo ' --quick')\`. Each benchmark's whole output is in \`artifacts/bench/NAME.txt\`."
  echo
  echo "| Benchmark | Ours | Baseline | Ratio (ours / baseline) | Goal |"
  echo "|---|---|---|---|---|"
  echo "| No-op \`dotnet build\`, 20 states vs none ($noop_runs runs, median) | with states | without states | ${noop:-n/a} | <= 1.03x |"
  echo "| Cold \`modelstore pull\` ${s3_mib} MiB from radosgw (SHA-256, cache insert, fsync), $s3_rounds rounds, order rotated | $(row_of s3 modelstore) | \`rclone copyto\` $(row_of s3 rclone) | $(ratio "$(median_of s3 modelstore)" "$(median_of s3 rclone)") | <= 1.2x, CPU <= 1.3 s/GiB, RSS <= 150 MB |"
  echo "| Same, against \`aws s3 cp\` | | $(row_of s3 aws) | $(ratio "$(median_of s3 modelstore)" "$(median_of s3 aws)") | |"
  echo "| \`modelstore pull --url\` ${url_mib} MiB from a loopback server (SHA-256, cache insert, fsync), $url_rounds rounds, order rotated | $(url_row modelstore) | \`curl -o\` $(url_row curl) | $(ratio "$(url_median modelstore)" "$(url_median curl)") | <= 1.2x |"
  echo "| Cold ${oci_mib} MiB pull from docker-registry (verified cache), $oci_rounds rounds, order alternated | $(oci_row modelstore-pull) | \`skopeo copy\` to a directory $(oci_row skopeo-copy) | ${oci_ratio:-n/a} | <= 1.0x, RSS <= 150 MB |"
  echo "| Same, against \`aria2c -x4\` | | $(url_row aria2c) | $(ratio "$(url_median modelstore)" "$(url_median aria2c)") | |"
  echo "| Cached \`modelstore pull\` (nothing to fetch; stamped), ReadyToRun tool vs the portable IL package | $(url_row cached) | $(url_row cached-il) | $(ratio "$(url_median cached)" "$(url_median cached-il)") | <= 0.25 s |"
  echo "| \`modelstore verify\` of a ${verify_mib} MiB cached state (median of 5, rotated) | ${ours_verify:-n/a} s | \`openssl dgst -sha256\` ${openssl_verify:-n/a} s | $(ratio "$ours_verify" "$openssl_verify") | ~1x |"
  echo "| TorchSharp load of a state dict vs \`torch.load\` + \`load_state_dict\` | ModelStore.TorchSharp | PyTorch 1.13 | ${torch_vs_pytorch:-n/a} | <= 1.0x |"
  echo "| Same vs TorchSharp.PyBridge \`load_py\` | ModelStore.TorchSharp | PyBridge 1.4.4 | ${torch_vs_pybridge:-n/a} | |"
  echo "| safetensors vs PyBridge \`load_safetensors\` | ModelStore.TorchSharp | PyBridge 1.4.4 | ${torch_vs_pybridge_st:-n/a} | |"
  echo "| Legacy \`.pth\` vs \`torch.load\` | ModelStore.TorchSharp | PyTorch 1.13 | ${torch_legacy:-n/a} | |"
  echo "| Load vs a raw read of the file | ModelStore.TorchSharp | raw read | ${torch_raw:-n/a} | <= 1.5x |"
  echo "| Load memory over the model's own | ${torch_memory:-n/a} | | | |"
  echo "| Arrow (LegolasFlux) row, ${arrow_mb} MB | ${arrow:-n/a} | | | |"
  echo "| Sharded weights load memory over the model's own (${shard_count} shards + index) | ${shards_memory:-n/a} | | | about one tensor, not the model |"
  echo "| PMF package save / strict load, ${plums[0]} x ${plums[1]} MiB | ${plums_save:-n/a} / ${plums_load:-n/a}, peak working set ${plums_memory:-n/a} | | | |"
  echo
  for name in noop-build s3 url oci verify torchsharp arrow plums shards faults; do
    echo "## $name"
    echo
    echo '```'
    grep -vE '^\s*$' "$out/$name.txt" | tail -40
    echo '```'
    echo
  done
} >"$out/report.md"

echo "Wrote $out/report.md" >&2
sed -n '1,/^## /p' "$out/report.md" | head -n -1
