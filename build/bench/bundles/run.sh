#!/usr/bin/env bash
# Bundle benchmark (issue #21), from the local Hub-compatible server of the tests (FakeHuggingFaceHub, run as a process
# by HubHost; LFS files redirected to its storage host, both on 127.0.0.1):
#   (a) a bundle of FILES files (one state, Files="*.safetensors") against the same files as FILES single-file states
#       (Path=...): `modelstore restore` of each lock file (as a build wrote them: commit and hashes pinned) into an
#       empty cache; wall time and the HTTP requests the Hub and its storage host received (counted by the server);
#   (b) a cold snapshot of a BIG_MIB model in 4 shards (4 files of BIG_MIB/4) as one bundle, `modelstore pull --include`
#       (SHA-256, cache insert, fsync) against `aria2c -x4 -s4 -j4 -i` of the four files' addresses (no hash, no fsync).
#   build/bench/bundles/run.sh [FILES=20] [FILE_KIB=1024] [BIG_MIB=1024] [ROUNDS=3]
# Every round runs the contenders in another order (rotated), each into a fresh target; each row prints the median wall
# time with min-max, CPU (user+sys) per GiB, requests, and the 1-minute load average after each run of the row.
# huggingface_hub's cache is pointed at an empty folder, so nothing comes from it. MODELSTORE_CLI=/folder/with/modelstore
# reuses it instead of packing and installing the tool; MODELSTORE_BASELINE=/folder/with/modelstore adds that build as the
# contender `baseline-pull` of row (b), for an A/B of two builds in the same run (same load, same server).
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
files="${1:-20}"
file_kib="${2:-1024}"
big_mib="${3:-1024}"
rounds="${4:-3}"
work="$(mktemp -d /tmp/modelstore-bench-bundles.XXXXXX)"
host_pid=""
cleanup() { [ -n "$host_pid" ] && { kill "$host_pid"; wait "$host_pid"; } 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
source "$root/build/bench/rows.sh"

modelstore="$(modelstore_tool "$work")" && [ -x "$modelstore" ] || { echo "no modelstore executable" >&2; exit 1; }
dotnet build "$root/build/bench/bundles/HubHost/HubHost.csproj" -c Release -o "$work/host" -nodeReuse:false -v:q >"$work/host.log" 2>&1 \
  || { cat "$work/host.log"; exit 1; }
mkdir -p "$work/empty-hf-cache"
export HF_HUB_CACHE="$work/empty-hf-cache"
unset HF_TOKEN HF_HUB_OFFLINE

start_hub() { # folder, repository, count, bytes, [--no-locks]: the Hub as a coprocess; waits until it is ready
  coproc HUB { "$work/host/HubHost" "$@"; }
  host_pid=$HUB_PID
  read -r ready <&"${HUB[0]}" || { echo "the Hub did not start" >&2; exit 1; }
  echo "hub: $ready"
}
stop_hub() { exec {HUB[1]}>&-; wait "$host_pid" 2>/dev/null; host_pid=""; }
requests() { echo count >&"${HUB[1]}"; read -r counted <&"${HUB[0]}"; local hub="${counted#hub=}"; echo "$(( ${hub%% *} + ${counted##*storage=} ))"; }
blobs_ok() { # cache root, sha256sum file: every file's blob is in the cache with its hash
  while read -r sha _; do
    [ "$(openssl dgst -sha256 -r "$1/blobs/sha256/${sha:0:2}/$sha" 2>/dev/null | cut -d' ' -f1)" = "$sha" ] || return 1
  done <"$2"
}
cpu_of() { awk -v u="$2" -v s="$3" 'BEGIN { printf "%.2f", u + s }'; }

declare -A walls cpus loads counts
record() { # contender, time file, requests
  read -r wall user sys <"$2"
  walls[$1]+="$wall "; cpus[$1]+="$(cpu_of x "$user" "$sys") "; loads[$1]+="$(load_now) "; counts[$1]+="$3 "
  echo "[$round] $1 wall $wall s cpu $(cpu_of x "$user" "$sys") s requests $3"
}
row() { # contender, MiB moved
  read -r wall_median wall_min wall_max <<<"$(echo "${walls[$1]}" | stats)"
  read -r cpu_median _ _ <<<"$(echo "${cpus[$1]}" | stats)"
  read -r requests_median _ requests_max <<<"$(echo "${counts[$1]}" | stats)"
  read -r load_median _ load_max <<<"$(echo "${loads[$1]}" | stats)"
  echo "row $1: wall median $wall_median s (min $wall_min, max $wall_max), cpu median $cpu_median s, cpu/GiB $(awk -v c="$cpu_median" -v m="$2" 'BEGIN { printf "%.2f", c * 1024 / m }') s, requests median ${requests_median%.000} (max ${requests_max%.000}), load $load_median (max $load_max)"
  eval "median_${1//-/_}=$wall_median"
}

# (a) FILES files as one bundle or as FILES single-file states, restored from their lock files.
start_hub "$work/a" acme/bundle "$files" "$((file_kib * 1024))"
endpoint="$(cat "$work/a/endpoint")"
echo "(a) $files files of $file_kib KiB; $(nproc) cores; modelstore $modelstore"
contenders=(single bundle)
for round in $(seq 0 $((rounds - 1))); do
  for i in 0 1; do
    contender="${contenders[$(((i + round) % 2))]}"
    before="$(requests)"
    if ! HF_ENDPOINT="$endpoint" /usr/bin/time -f "%e %U %S" -o "$work/time" "$modelstore" restore "$work/a/$contender.lock.json" --cache "$work/home-$contender-$round" -q >"$work/out" 2>&1; then
      echo "[$round] $contender FAILED:"; cat "$work/out"; exit 1
    fi
    record "$contender" "$work/time" "$(( $(requests) - before ))"
    blobs_ok "$work/home-$contender-$round" "$work/a/sha256.txt" || { echo "[$round] $contender: a file is missing or differs"; exit 1; }
    rm -rf "$work/home-$contender-$round"
  done
done
stop_hub

# (b) a cold 4-shard snapshot: one bundle pulled by modelstore, or the four files by aria2c.
shard_bytes="$((big_mib * 1048576 / 4))"
start_hub "$work/b" acme/shards 4 "$shard_bytes" --no-locks
endpoint="$(cat "$work/b/endpoint")"
echo "(b) 4 shards of $((shard_bytes / 1048576)) MiB"
contenders=(modelstore-pull)
baseline=""
if [ -n "${MODELSTORE_BASELINE:-}" ]; then
  baseline="$(MODELSTORE_CLI="$MODELSTORE_BASELINE" modelstore_tool "$work")" && [ -x "$baseline" ] || { echo "no modelstore executable in MODELSTORE_BASELINE" >&2; exit 1; }
  contenders+=(baseline-pull)
fi
command -v aria2c >/dev/null && contenders+=(aria2c) || echo "aria2c: not installed (build/prereqs/apt-packages.txt), row skipped"
for round in $(seq 0 $((rounds - 1))); do
  for i in $(seq 0 $((${#contenders[@]} - 1))); do
    contender="${contenders[$(((i + round) % ${#contenders[@]}))]}"
    target="$work/$contender-$round"
    before="$(requests)"
    case "$contender" in
      modelstore-pull) command=("$modelstore" pull bench/shards.v1 --store hf:acme/shards --setting "Endpoint=$endpoint" --include '*.safetensors' --cache "$target" -q) ;;
      baseline-pull) command=("$baseline" pull bench/shards.v1 --store hf:acme/shards --setting "Endpoint=$endpoint" --include '*.safetensors' --cache "$target" -q) ;;
      aria2c) command=(aria2c -q -x4 -s4 -j4 --file-allocation=none --allow-overwrite=true -d "$target" -i "$work/b/urls.txt") ;;
    esac
    /usr/bin/time -f "%e %U %S" -o "$work/time" "${command[@]}" >"$work/out" 2>&1 || { echo "[$round] $contender FAILED:"; cat "$work/out"; exit 1; }
    record "$contender" "$work/time" "$(( $(requests) - before ))"
    case "$contender" in
      modelstore-pull|baseline-pull) blobs_ok "$target" "$work/b/sha256.txt" ;;
      aria2c) (cd "$target" && sha256sum --quiet -c "$work/b/sha256.txt") ;;
    esac || { echo "[$round] $contender: a file is missing or differs"; exit 1; }
    rm -rf "$target"
  done
done
stop_hub

echo
echo "rows ($rounds rounds, order rotated each round; requests = those the Hub and its storage host received; load = median and max of the 1-minute load average after each run of the row):"
bundle_mib="$(awk -v n="$files" -v k="$file_kib" 'BEGIN { print n * k / 1024 }')"
row single "$bundle_mib"
row bundle "$bundle_mib"
echo "ratio bundle/single (wall median): $(awk -v a="$median_bundle" -v b="$median_single" 'BEGIN { printf "%.2fx", a / b }')"
row modelstore-pull "$big_mib"
if [ -n "$baseline" ]; then
  row baseline-pull "$big_mib"
  echo "ratio modelstore/baseline (wall median): $(awk -v a="$median_modelstore_pull" -v b="$median_baseline_pull" 'BEGIN { printf "%.2fx", a / b }')"
fi
if [ -n "${walls[aria2c]:-}" ]; then
  row aria2c "$big_mib"
  echo "ratio modelstore/aria2c (wall median): $(awk -v a="$median_modelstore_pull" -v b="$median_aria2c" 'BEGIN { printf "%.2fx", a / b }')"
fi
