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
if $quick; then noop_runs=5; noop_big_mib=512; s3_mib=256; s3_rounds=1; url_mib=256; url_rounds=3; oci_mib=256; oci_rounds=1; verify_mib=256; torch_layers=4; arrow_mb=128; plums=(2 64); bundle_mib=256; bundle_rounds=1; export RUNS=1
else noop_runs=11; noop_big_mib=2048; s3_mib=1024; s3_rounds=3; url_mib=1024; url_rounds=5; oci_mib=1024; oci_rounds=3; verify_mib=1024; torch_layers=8; arrow_mb=512; plums=(4 128); bundle_mib=1024; bundle_rounds=3; export RUNS=3; fi
shard_count=4
$quick && many_count=200 || many_count=1000
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

run noop-build "$root/build/bench/noop-build/run.sh" "$noop_runs" "$noop_big_mib"
run s3 "$root/build/bench/s3/run.sh" "$s3_mib" "$s3_rounds"
run many "$root/build/bench/many/run.sh" "$many_count" 64 "$s3_rounds"
run url "$root/build/bench/url/run.sh" "$url_mib" "$url_rounds"
run oci "$root/build/bench/oci/run.sh" "$oci_mib" "$oci_rounds"
run verify "$root/build/bench/verify/run.sh" "$verify_mib"
run torchsharp "$root/build/bench/torchsharp/run.sh" "$torch_layers" 4000
run arrow dotnet run -c Release --project "$root/build/bench/arrow/ModelStore.Arrow.Bench.csproj" -- "$arrow_mb"
run plums "$root/build/bench/plums/run.sh" "${plums[@]}"
run shards "$root/build/bench/shards/run.sh" "$torch_layers" 4000 "$shard_count"
run bundles "$root/build/bench/bundles/run.sh" 20 1024 "$bundle_mib" "$bundle_rounds"
run faults "$root/build/bench/faults/run.sh" $($quick && echo --short)

# --- Figures, read from each benchmark's output ------------------------------------------------------------------
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
line() { grep -m1 -E "$2" "$out/$1.txt" 2>/dev/null; }

noop_ratio() { line noop-build "^no-op \\($1\\):" | grep -oE "$2 / none: [0-9.]+x" | grep -oE '[0-9.]+x$'; }
noop_cpu_ratio() { line noop-build "^no-op \\($1\\), CPU:" | grep -oE "$2 / none: [0-9.]+x" | grep -oE '[0-9.]+x$'; }
noop_touch() { line noop-build "^touch $1" | grep -oE 'over none: [-+0-9.]+ s' | sed 's/over none: //'; }
noop_row() { line noop-build "^row $1 $2:" | sed 's/^row [^:]*: //'; }
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
many_row() { line many "^row $1:" | sed 's/^row [^:]*: //'; }
many_ratio() { line many "^ratio $1 " | grep -oE '[0-9]+\.[0-9]+x' | head -1; }
bundle_row() { line bundles "^row $1:" | sed 's/^row [^:]*: //'; }
bundle_median() { line bundles "^row $1:" | grep -oE 'wall median [0-9.]+' | awk '{ print $3 }'; }

{
  echo "# Benchmark report"
  echo
  echo "One run of every benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown),"
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end$($quick && echo ', quick form (smaller sizes, fewer rounds)')."
  echo "Command: \`build/bench/report.sh$($quick && echo ' --quick')\`. Each benchmark's whole output is in \`artifacts/bench/NAME.txt\`."
  echo
  echo "| Benchmark | Ours | Baseline | Ratio (ours / baseline) | Goal |"
  echo "|---|---|---|---|---|"
  echo "| No-op \`dotnet build\` (default flags), 1000 states of 64 KB vs none ($noop_runs rounds, rotated) | $(noop_row noop-default states-1000) | $(noop_row noop-default states-0) | $(noop_ratio default '1000 states' || echo n/a) | <= 1.05x |"
  echo "| Same, CPU time of the \`dotnet build\` process (user + system; less sensitive to load), 1000 states vs none | | | $(noop_cpu_ratio default '1000 states' || echo n/a) | |"
  echo "| Same, 20 states | $(noop_row noop-default states-20) | | $(noop_ratio default '20 states' || echo n/a) | |"
  echo "| Same, 1000 states copied to the output (CopyToOutputDirectory) | $(noop_row noop-default copied-1000) | | $(noop_ratio default '1000 states copied to the output' || echo n/a) | |"
  echo "| Control: the same 1000 items in a project without the package vs that project without them (MSBuild's own cost) | $(noop_row noop-default items-1000) | $(noop_row noop-default plain-0) | $(line noop-build '^no-op \(default\), control' | grep -oE 'none: [0-9.]+x' | grep -oE '[0-9.]+x$' || echo n/a) | |"
  echo "| Same, 1000 states, \`-nodeReuse:false\` | $(noop_row noop-no-reuse states-1000) | $(noop_row noop-no-reuse states-0) | $(noop_ratio no-reuse '1000 states' || echo n/a) | <= 1.05x |"
  echo "| \`touch app.csproj\` + \`dotnet build\`, one ${noop_big_mib} MiB cached state vs none | $(noop_row touch-default big) | $(noop_row touch-default states-0) | $(noop_touch '\(default\)' || echo n/a) | <= +0.2 s |"
  echo "| Same, \`-nodeReuse:false\` | $(noop_row touch-no-reuse big) | $(noop_row touch-no-reuse states-0) | $(noop_touch '\(no-reuse\)' || echo n/a) | <= +0.2 s |"
  echo "| Same touch with \`-p:ModelStoreVerify=full\` (hashes every cached state: the CI setting) | $(noop_row touch-full big) | $(noop_row touch-full states-0) | $(noop_touch 'with ModelStoreVerify=full' || echo n/a) | for contrast |"
  echo "| Cold \`modelstore pull\` ${s3_mib} MiB from radosgw (SHA-256, cache insert, fsync), $s3_rounds rounds, order rotated | $(row_of s3 modelstore) | \`rclone copyto\` $(row_of s3 rclone) | $(ratio "$(median_of s3 modelstore)" "$(median_of s3 rclone)") | <= 1.2x, CPU <= 1.3 s/GiB, RSS <= 150 MB |"
  echo "| Same, against \`aws s3 cp\` | | $(row_of s3 aws) | $(ratio "$(median_of s3 modelstore)" "$(median_of s3 aws)") | |"
  echo "| Cold \`modelstore restore\` of ${many_count} states of 64 KB from radosgw (SHA-256, cache insert, fsync each), $s3_rounds rounds, order rotated | $(many_row restore) | \`aws s3 sync\` $(many_row aws) | $(many_ratio restore/aws) | <= 1.0x |"
  echo "| Same, against \`rclone copy\` | | $(many_row rclone) | $(many_ratio restore/rclone) | 1.0x next |"
  echo "| The resolve step (ResolveModelStates) of a cold \`dotnet build\` declaring the same states | $(many_row build-resolve) | \`modelstore restore\` | $(many_ratio build-resolve/restore) | <= 1.2x |"
  echo "| \`modelstore pull --url\` ${url_mib} MiB from a loopback server (SHA-256, cache insert, fsync), $url_rounds rounds, order rotated | $(url_row modelstore) | \`curl -o\` $(url_row curl) | $(ratio "$(url_median modelstore)" "$(url_median curl)") | <= 1.2x |"
  echo "| Same, against \`curl -o\` then an fsync of its file (as durable as the cache) | | $(url_row curl-fsync) | $(ratio "$(url_median modelstore)" "$(url_median curl-fsync)") | |"
  echo "| Same, against \`aria2c -x4\` | | $(url_row aria2c) | $(ratio "$(url_median modelstore)" "$(url_median aria2c)") | |"
  echo "| Cached \`modelstore pull\` (nothing to fetch; stamped), native (AOT) tool vs the portable IL package | $(url_row cached) | $(url_row cached-il) | $(ratio "$(url_median cached)" "$(url_median cached-il)") | <= 0.25 s |"
  echo "| Cold ${oci_mib} MiB pull from docker-registry (verified cache), $oci_rounds rounds, order alternated | $(oci_row modelstore-pull) | \`skopeo copy\` to a directory $(oci_row skopeo-copy) | ${oci_ratio:-n/a} | <= 1.0x, RSS <= 150 MB |"
  echo "| \`modelstore verify\` of a ${verify_mib} MiB cached state (median of 5, rotated) | ${ours_verify:-n/a} s | \`openssl dgst -sha256\` ${openssl_verify:-n/a} s | $(ratio "$ours_verify" "$openssl_verify") | ~1x |"
  echo "| TorchSharp load of a state dict vs \`torch.load\` + \`load_state_dict\` | ModelStore.TorchSharp | PyTorch 1.13 | ${torch_vs_pytorch:-n/a} | <= 1.0x |"
  echo "| Same vs TorchSharp.PyBridge \`load_py\` | ModelStore.TorchSharp | PyBridge 1.4.4 | ${torch_vs_pybridge:-n/a} | |"
  echo "| safetensors vs PyBridge \`load_safetensors\` | ModelStore.TorchSharp | PyBridge 1.4.4 | ${torch_vs_pybridge_st:-n/a} | |"
  echo "| Legacy \`.pth\` vs \`torch.load\` | ModelStore.TorchSharp | PyTorch 1.13 | ${torch_legacy:-n/a} | |"
  echo "| Load vs a raw read of the file | ModelStore.TorchSharp | raw read | ${torch_raw:-n/a} | <= 1.5x |"
  echo "| Load memory over the model's own | ${torch_memory:-n/a} | | | |"
  echo "| Arrow (LegolasFlux) row, ${arrow_mb} MB | ${arrow:-n/a} | | | |"
  echo "| A bundle of 20 files (1 MiB each) vs the same 20 files as 20 single-file states, \`modelstore restore\` from the local Hub server, $bundle_rounds rounds, rotated | $(bundle_row bundle) | 20 states: $(bundle_row single) | $(ratio "$(bundle_median bundle)" "$(bundle_median single)") | |"
  echo "| Cold ${bundle_mib} MiB 4-shard snapshot as one bundle, \`modelstore pull --include\` (SHA-256, cache, fsync) from the local Hub server, $bundle_rounds rounds, rotated | $(bundle_row modelstore-pull) | \`aria2c -x4 -j4 -i\` $(bundle_row aria2c) | $(ratio "$(bundle_median modelstore-pull)" "$(bundle_median aria2c)") | <= 1.0x |"
  echo "| Sharded weights load memory over the model's own (${shard_count} shards + index) | ${shards_memory:-n/a} | | | about one tensor, not the model |"
  echo "| PMF package save / strict load, ${plums[0]} x ${plums[1]} MiB | ${plums_save:-n/a} / ${plums_load:-n/a}, peak working set ${plums_memory:-n/a} | | | |"
  echo
  for name in noop-build s3 many url oci verify torchsharp arrow plums shards bundles faults; do
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
