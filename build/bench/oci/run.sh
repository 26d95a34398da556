#!/usr/bin/env bash
# Benchmark (not a test): cold pull of a 1 GiB state from a local OCI registry (Debian's docker-registry on 127.0.0.1)
# with `modelstore pull` (the OCI store through the verified cache: parallel ranged GETs, digest and SHA-256 checked)
# vs `skopeo copy` of the same artifact to a local OCI layout, with wall time and peak RSS (/usr/bin/time -v).
# The order of the two contenders alternates every round; the summary gives medians with min-max, and the load.
#   build/bench/oci/run.sh [SIZE_MIB] [ROUNDS]     (defaults: 1024 MiB, 5 rounds; every round is cold)
set -euo pipefail
trap 'echo "run.sh: failed at line $LINENO" >&2' ERR
root="$(cd "$(dirname "$0")/../../.." && pwd)"
size_mib="${1:-1024}"
rounds="${2:-5}"
work="$(mktemp -d /tmp/modelstore-oci-bench.XXXXXX)"
registry_pid=""
cleanup() { [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

dotnet build -c Release "$root/src/ModelStore.Cli/ModelStore.Cli.csproj" -o "$work/cli" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
modelstore=(dotnet "$work/cli/ModelStore.Cli.dll")
store=(--store "oci://127.0.0.1:$port/bench/models" --setting Insecure=true)
key="pytorch/resnet18.cls1000.imagenet"
tag="pytorch.resnet18.cls1000.imagenet"

head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/state.pt"
expected="$(sha256sum "$work/state.pt" | cut -d' ' -f1)"
"${modelstore[@]}" push "$work/state.pt" "$key" "${store[@]}" --cache "$work/push-cache" --quiet
rm -rf "$work/state.pt" "$work/push-cache"

measure() { # name, command...
  local name="$1"; shift
  sync
  /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time"
  local wall rss
  wall="$(grep 'Elapsed (wall clock)' "$work/$name.time" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')"
  rss="$(grep 'Maximum resident set size' "$work/$name.time" | awk '{print $NF}')"
  printf '%s %s %s\n' "${name%%@*}" "$wall" "$((rss / 1024))" >>"$work/results.txt"
  printf '%-32s wall %7.2f s   peak RSS %5d MiB\n' "$name" "$wall" $((rss / 1024))
}

pull_store() {
  measure "modelstore-pull@$1" "${modelstore[@]}" pull "$key" "${store[@]}" --cache "$work/cache" --quiet
  local blob
  blob="$(find "$work/cache" -type f -size +$((size_mib * 1024 - 1))k | head -1)"
  if [ "$1" = 1 ]; then [ "$(sha256sum "$blob" | cut -d' ' -f1)" = "$expected" ] || { echo "MISMATCH: modelstore pull"; exit 1; }; fi
  rm -rf "$work/cache"
}
pull_skopeo() {
  measure "skopeo-copy@$1" skopeo copy --quiet --src-tls-verify=false "docker://127.0.0.1:$port/bench/models:$tag" "oci:$work/layout:bench"
  if [ "$1" = 1 ]; then [ -f "$work/layout/blobs/sha256/$expected" ] || { echo "MISMATCH: skopeo copy"; exit 1; }; fi
  rm -rf "$work/layout"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "Cold pull of a ${size_mib} MiB state from docker-registry on 127.0.0.1 ($(nproc) cores, load $load_before), ${rounds} rounds, order alternating:"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then pull_store "$round"; pull_skopeo "$round"; else pull_skopeo "$round"; pull_store "$round"; fi
done

python3 - "$work/results.txt" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
by = {}
for name, wall, rss in rows:
    by.setdefault(name, []).append((float(wall), int(rss)))
print()
print("| contender | wall median (min-max) | peak RSS median (min-max) |")
print("|---|---|---|")
for name, values in by.items():
    walls = [v[0] for v in values]; rsss = [v[1] for v in values]
    print(f"| {name} | {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}) | {statistics.median(rsss):.0f} MiB ({min(rsss)}-{max(rsss)}) |")
ours = statistics.median(v[0] for v in by["modelstore-pull"]); theirs = statistics.median(v[0] for v in by["skopeo-copy"])
print(f"\nmodelstore pull / skopeo copy (median wall): {ours / theirs:.2f}x (goal <= 1.0x); load average before {sys.argv[2]}, after {sys.argv[3]}")
PY
echo "Both copies have the pushed SHA-256."
