#!/usr/bin/env bash
# Benchmark (not a test): cold fetch of a 1 GiB state from a local radosgw with the S3 store vs `aws s3 cp`
# (Debian's awscli) of the same object, side by side in one run, with wall time and peak RSS (/usr/bin/time -v).
#   build/bench/s3/run.sh [SIZE_MIB] [ROUNDS]     (defaults: 1024 MiB, 3 rounds; every round is cold)
set -euo pipefail
trap 'echo "run.sh: failed at line $LINENO" >&2' ERR
root="$(cd "$(dirname "$0")/../../.." && pwd)"
size_mib="${1:-1024}"
rounds="${2:-3}"
work="$(mktemp -d /tmp/modelstore-s3-bench.XXXXXX)"
cluster="$work/cluster"
cleanup() { "$root/build/s3/stop-radosgw.sh" "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$root/build/s3/start-radosgw.sh" "$cluster" "$port" $(( (size_mib * 3 + 1024) * 1024 * 1024 )) >/dev/null
set -a; . "$cluster/s3.env"; set +a
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_DEFAULT_REGION=us-east-1
unset S3_ACCESS_KEY S3_SECRET_KEY

dotnet build -c Release "$root/build/bench/s3/S3Bench.csproj" -o "$work/bin" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bench=(dotnet "$work/bin/S3Bench.dll")
aws=(/usr/bin/aws --endpoint-url "$S3_ENDPOINT")
key="pytorch/resnet18.cls1000.imagenet"
object="s3://bench-states/pretrained-models/pytorch/resnet18.cls1000.imagenet.pt"

"${aws[@]}" s3 mb s3://bench-states >/dev/null
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/state.pt"
expected="$(sha256sum "$work/state.pt" | cut -d' ' -f1)"
"${bench[@]}" upload "$S3_ENDPOINT" bench-states "$key" "$work/state.pt"
rm -f "$work/state.pt"

measure() { # name, command...
  local name="$1"; shift
  # Every contender starts with no dirty pages of an earlier one waiting to be written (that writeback would otherwise
  # slow whoever runs next).
  sync
  /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time"
  local wall rss cpu
  wall="$(grep 'Elapsed (wall clock)' "$work/$name.time" | awk '{print $NF}')"
  rss="$(grep 'Maximum resident set size' "$work/$name.time" | awk '{print $NF}')"
  cpu="$(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$work/$name.time")"
  printf '%-42s wall %8s   cpu %6s s   peak RSS %6d MiB\n' "$name" "$wall" "$cpu" $((rss / 1024))
}

echo "Cold fetch of a ${size_mib} MiB state from radosgw on 127.0.0.1 ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)), ${rounds} rounds:"
# Each contender's file is checked and deleted right after it is measured, so every one starts with the same page cache:
# on this kind of VM, writing 1 GiB while an earlier contender's gigabyte still sits in the page cache costs seconds of
# kernel reclaim time, which would otherwise always fall on whoever runs later in a round.
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/aws.pt" "$work/store.pt" "$work/cache"
  measure "[$round] aws s3 cp" "${aws[@]}" s3 cp --only-show-errors "$object" "$work/aws.pt"
  if [ "$round" = 1 ]; then # an independent check of the bytes, once (slow on a busy machine)
    [ "$(sha256sum "$work/aws.pt" | cut -d' ' -f1)" = "$expected" ] || { echo "MISMATCH: aws s3 cp"; exit 1; }
  fi
  rm -f "$work/aws.pt"
  measure "[$round] S3StateStore.DownloadToFileAsync" "${bench[@]}" download "$S3_ENDPOINT" bench-states "$key" "$work/store.pt"
  if [ "$round" = 1 ]; then
    [ "$(sha256sum "$work/store.pt" | cut -d' ' -f1)" = "$expected" ] || { echo "MISMATCH: store"; exit 1; }
  fi
  rm -f "$work/store.pt"
  grep -q "sha256 $expected" "$work/[$round] S3StateStore.DownloadToFileAsync.out" || { echo "MISMATCH: store hash"; exit 1; }
  measure "[$round] StateCache fetch (verified)" "${bench[@]}" fetch "$S3_ENDPOINT" bench-states "$key" "$work/cache"
  grep -q "sha256 $expected" "$work/[$round] StateCache fetch (verified).out" || { echo "MISMATCH: cache"; exit 1; }
  rm -rf "$work/cache"
  for variant in ${S3BENCH_VARIANTS:-}; do # optional tuning runs, e.g. S3BENCH_VARIANTS="4:8 16:4" (parallelism:chunk MiB)
    S3BENCH_PARALLELISM="${variant%%:*}" S3BENCH_CHUNK_MIB="${variant##*:}" \
      measure "[$round] DownloadToFileAsync $variant" "${bench[@]}" download "$S3_ENDPOINT" bench-states "$key" "$work/variant.pt"
    rm -f "$work/variant.pt"
  done
done
echo "Every copy has the uploaded SHA-256."
