#!/usr/bin/env bash
# Benchmark (not a test): a state uploaded and fetched cold through the Azure Blob store and through the Azure SDK's own
# parallel transfers (the same block size and concurrency), against a local Azurite, side by side in one run, with wall
# time, CPU and peak RSS (/usr/bin/time -v). Azurite (Node.js, in memory) runs on the same cores and is the ceiling.
#   build/bench/azure/run.sh [SIZE_MIB] [ROUNDS]     (defaults: 512 MiB, 3 rounds; every download round is cold)
set -euo pipefail
trap 'echo "run.sh: failed at line $LINENO" >&2' ERR
root="$(cd "$(dirname "$0")/../../.." && pwd)"
size_mib="${1:-512}"
rounds="${2:-3}"
work="$(mktemp -d /tmp/modelstore-azure-bench.XXXXXX)"
azurite_pid=""
cleanup() { [ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bash "$root/build/prereqs/30-azurite-npm.sh"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
account="bench$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
key="$(head -c 64 /dev/urandom | base64 -w0)"
(cd "$work" && AZURITE_ACCOUNTS="$account:$key" exec "$root/build/node/azurite/node_modules/.bin/azurite-blob" \
  --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence --extentMemoryLimit $((size_mib * 3 + 256)) \
  --disableTelemetry --silent >"$work/azurite.log" 2>&1) &
azurite_pid=$!
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$port/$account;"
unset key

dotnet build -c Release "$root/build/bench/azure/AzureBench.csproj" -o "$work/bin" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bench=(dotnet "$work/bin/AzureBench.dll")
state="pytorch/resnet18.cls1000.imagenet"
container="bench-states"

head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/state.pt"
expected="$(sha256sum "$work/state.pt" | cut -d' ' -f1)"

measure() { # name, command...
  local name="$1"; shift
  /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time"
  local wall rss cpu
  wall="$(grep 'Elapsed (wall clock)' "$work/$name.time" | awk '{print $NF}')"
  rss="$(grep 'Maximum resident set size' "$work/$name.time" | awk '{print $NF}')"
  cpu="$(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$work/$name.time")"
  printf '%-44s wall %8s   cpu %6s s   peak RSS %6d MiB\n' "$name" "$wall" "$cpu" $((rss / 1024))
}

echo "A ${size_mib} MiB state and Azurite 3.37 on 127.0.0.1 ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)), ${rounds} rounds:"
measure "sdk UploadAsync (8 MiB blocks, 4 in flight)" "${bench[@]}" sdk-upload "$container" "$state" "$work/state.pt"
measure "AzureBlobStateStore.WriteAsync" "${bench[@]}" upload "$container" "$state" "$work/state.pt"
rm -f "$work/state.pt"
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/sdk.pt" "$work/store.pt" "$work/cache"
  measure "[$round] sdk DownloadToAsync (8 x 8 MiB)" "${bench[@]}" sdk-download "$container" "$state" "$work/sdk.pt"
  measure "[$round] AzureBlobStateStore.DownloadToFileAsync" "${bench[@]}" download "$container" "$state" "$work/store.pt"
  measure "[$round] StateCache fetch (verified)" "${bench[@]}" fetch "$container" "$state" "$work/cache"
  if [ "$round" = 1 ]; then # an independent check of the bytes, once
    [ "$(sha256sum "$work/sdk.pt" | cut -d' ' -f1)" = "$expected" ] || { echo "MISMATCH: sdk"; exit 1; }
    [ "$(sha256sum "$work/store.pt" | cut -d' ' -f1)" = "$expected" ] || { echo "MISMATCH: store"; exit 1; }
  fi
  grep -q "sha256 $expected" "$work/[$round] AzureBlobStateStore.DownloadToFileAsync.out" || { echo "MISMATCH: store hash"; exit 1; }
  grep -q "sha256 $expected" "$work/[$round] StateCache fetch (verified).out" || { echo "MISMATCH: cache"; exit 1; }
done
echo "Every copy has the uploaded SHA-256."
