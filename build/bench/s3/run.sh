#!/usr/bin/env bash
# S3 pull benchmark: a cold `modelstore pull` of one object from a local radosgw (the shipped CLI, installed from its
# packed tool packages, default flags: parallel ranged GETs, SHA-256, cache insert, fsync) against `rclone copyto` and
# `aws s3 cp` (Debian's rclone and awscli, their defaults: no SHA-256, no fsync) of the same object.
#   build/bench/s3/run.sh [SIZE_MIB=1024] [ROUNDS=3]
# Every round runs the tools in another order (rotated), each into a fresh target, after `sync`. Each row prints the
# median wall time with min-max, the median CPU (user+sys) and CPU per GiB, the peak RSS, and the median and max
# 1-minute load average after the runs of the row. MODELSTORE_CLI=/path/to/folder reuses a modelstore executable.
# Then the CPU floor: openssl dgst -sha256 of the same bytes (from memory) and a cold pull of a 1 KiB object (start-up),
# added to rclone's CPU: what any pull that hashes, writes through the page cache and starts like ours spends.
# S3BENCH_VARIANTS="4:16 2:32" adds a modelstore row per PARALLELISM:CHUNK_MIB (DownloadParallelism, DownloadChunkSize;
# the defaults are 8:8), rotated with the others: the sweep behind the store's defaults.
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
size_mib="${1:-1024}"
rounds="${2:-3}"
work="$(mktemp -d /tmp/modelstore-s3-bench.XXXXXX)"
cluster="$work/cluster"
cleanup() { "$root/build/s3/stop-radosgw.sh" "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
source "$root/build/bench/rows.sh"

modelstore="$(modelstore_tool "$work")" && [ -x "$modelstore" ] || { echo "no modelstore executable" >&2; exit 1; }

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$root/build/s3/start-radosgw.sh" "$cluster" "$port" $(( (size_mib * 3 + 1024) * 1024 * 1024 )) >/dev/null || exit 1
set -a; . "$cluster/s3.env"; set +a
# Every tool reads the same credentials from the environment; none is printed.
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_DEFAULT_REGION=us-east-1
export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph RCLONE_CONFIG_RGW_ENDPOINT="$S3_ENDPOINT" RCLONE_CONFIG_RGW_ENV_AUTH=true
unset S3_ACCESS_KEY S3_SECRET_KEY
aws_cli="$(command -v /usr/bin/aws || command -v aws)" # Debian's awscli (build/prereqs) when there
aws=("$aws_cli" --endpoint-url "$S3_ENDPOINT")
key="pytorch/resnet18.cls1000.imagenet"
object="pretrained-models/pytorch/resnet18.cls1000.imagenet.pt"

"${aws[@]}" s3 mb s3://bench-states >/dev/null || exit 1
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/state.pt"
sha="$(openssl dgst -sha256 -r "$work/state.pt" | cut -d' ' -f1)"
"${aws[@]}" s3 cp --only-show-errors "$work/state.pt" "s3://bench-states/$object" || exit 1
rm -f "$work/state.pt"
echo "object: $size_mib MiB, sha256 $sha, $S3_ENDPOINT; $(nproc) cores; modelstore $modelstore; $(rclone version 2>/dev/null | head -1); $("$aws_cli" --version 2>&1)"

tools=(modelstore rclone aws)
command -v rclone >/dev/null || { echo "rclone: not installed (build/prereqs/apt-packages.txt), row skipped"; tools=(modelstore aws); }
for variant in ${S3BENCH_VARIANTS:-}; do
  [[ "$variant" =~ ^([0-9]+):([0-9]+)$ ]] || { echo "S3BENCH_VARIANTS: '$variant' is not PARALLELISM:CHUNK_MIB" >&2; exit 1; }
  tools+=("modelstore-p${BASH_REMATCH[1]}c${BASH_REMATCH[2]}")
done
verify_tool() { # tool, round: the bytes each tool wrote are the object's
  local file
  case "$1" in
    openssl-sha256) return 0 ;;
    modelstore-startup) [ -n "$(find "$work/home-$1-$2/blobs" -type f 2>/dev/null)" ]; return ;;
    modelstore*) file="$work/home-$1-$2/blobs/sha256/${sha:0:2}/$sha" ;;
    *) file="$work/$1-$2.pt" ;;
  esac
  [ "$(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)" = "$sha" ]
}
# Each file goes right after its check, so every tool starts with the same page cache (writing a gigabyte while an
# earlier one still sits in it costs seconds of reclaim on this kind of VM, which would fall on whoever runs later).
clean_tool() { rm -rf "$work/home-$1-$2" "$work/rclone-$2.pt" "$work/aws-$2.pt"; }
export work modelstore key object S3_ENDPOINT aws_cli
run_tool() { # tool, round (runs in a child bash: no arrays)
  case "$1" in
    openssl-sha256) openssl dgst -sha256 "$work/floor.pt" >/dev/null ;;
    modelstore-startup) MODELSTORE_HOME="$work/home-$1-$2" "$modelstore" pull pytorch/floor-tiny.x.v1 --store s3://bench-states/pretrained-models --setting "ServiceUrl=$S3_ENDPOINT" -q ;;
    modelstore) MODELSTORE_HOME="$work/home-$1-$2" "$modelstore" pull "$key" --store s3://bench-states/pretrained-models --setting "ServiceUrl=$S3_ENDPOINT" -q ;;
    modelstore-p*) # modelstore-pPARALLELISMcCHUNK_MIB
      local spec="${1#modelstore-p}"
      MODELSTORE_HOME="$work/home-$1-$2" "$modelstore" pull "$key" --store s3://bench-states/pretrained-models --setting "ServiceUrl=$S3_ENDPOINT" \
        --setting "DownloadParallelism=${spec%c*}" --setting "DownloadChunkSize=$(( ${spec#*c} * 1048576 ))" -q ;;
    rclone) env -u AWS_CA_BUNDLE rclone copyto "rgw:bench-states/$object" "$work/rclone-$2.pt" ;; # plain http: no CA bundle (rclone refuses one set in the environment)
    aws) "$aws_cli" --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "s3://bench-states/$object" "$work/aws-$2.pt" ;;
  esac
}
export -f run_tool

declare -A walls cpus rsss loads
rotate_rows "$rounds" "${tools[@]}" || exit 1

echo
echo "rows ($rounds rounds, order rotated each round; load = median and max of the 1-minute load average after each run of the row):"
print_rows "$size_mib" "${tools[@]}"
[ -n "${median_rclone:-}" ] && echo "ratio modelstore/rclone (wall median): $(ratio_of "$median_modelstore" "$median_rclone")"
for tool in "${tools[@]}"; do
  [[ "$tool" == modelstore-p* ]] || continue
  median="median_${tool//[-.]/_}"
  [ -n "${median_rclone:-}" ] && echo "ratio $tool/rclone (wall median): $(ratio_of "${!median}" "$median_rclone")"
done
echo "ratio modelstore/aws (wall median): $(ratio_of "$median_modelstore" "$median_aws")"

# The CPU floor of such a pull (S3BENCH_FLOOR=0 skips it): what a tool that receives and writes the bytes as rclone does,
# hashes them as fast as openssl does (SHA-256 from memory), and starts as fast as modelstore does (a cold pull of a
# 1 KiB object: runtime, JIT, SDK, one GET) would spend, against the issue's goal of 1.3 s per GiB.
if [ "${S3BENCH_FLOOR:-1}" != 0 ] && [ -n "${median_rclone:-}" ]; then
  env -u AWS_CA_BUNDLE rclone copyto "rgw:bench-states/$object" "$work/floor.pt" 2>/dev/null || exit 1
  head -c 1024 /dev/urandom >"$work/floor-tiny.pt"
  "${aws[@]}" s3 cp --only-show-errors "$work/floor-tiny.pt" "s3://bench-states/pretrained-models/pytorch/floor-tiny.x.v1.pt" || exit 1
  cat "$work/floor.pt" >/dev/null # the hash reads from memory, as ours does from its buffers
  floor_tools=(openssl-sha256 modelstore-startup)
  rotate_rows "$rounds" "${floor_tools[@]}" >/dev/null || exit 1
  print_rows "$size_mib" "${floor_tools[@]}"
  cpu_of() { echo "${cpus[$1]}" | stats | cut -d' ' -f1; }
  awk -v r="$(cpu_of rclone)" -v h="$(cpu_of openssl-sha256)" -v s="$(cpu_of modelstore-startup)" -v m="$(cpu_of modelstore)" -v mib="$size_mib" 'BEGIN {
    f = (r + h) * 1024 / mib + s
    printf "cpu floor per GiB: rclone %.2f + openssl sha256 %.2f (per GiB) + modelstore start-up %.2f = %.2f s; modelstore %.2f s per GiB (goal 1.30)\n", r * 1024 / mib, h * 1024 / mib, s, f, m * 1024 / mib }'
  rm -f "$work/floor.pt"
fi
