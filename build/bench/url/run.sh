#!/usr/bin/env bash
# URL pull benchmark: the shipped `modelstore pull --url` (default flags; its SHA-256, cache insert and fsync included)
# against `curl -o` and `aria2c -x4` (their defaults: no hash, no fsync), all from one loopback server (serve.py,
# sendfile). Then a cached `modelstore pull` (nothing to fetch).
#   build/bench/url/run.sh [SIZE_MIB=1024] [ROUNDS=5]
# Every round runs the tools in another order (rotated), each into a fresh target; each row prints the median wall
# time with min-max, the median CPU (user+sys) and CPU per GiB, and the 1-minute load average at the end of the row.
# MODELSTORE_CLI=/path/to/published/folder reuses a published CLI instead of publishing one.
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
size_mib="${1:-1024}"
rounds="${2:-5}"
work="$(mktemp -d /tmp/modelstore-bench-url.XXXXXX)"
server=""
cleanup() { [ -n "$server" ] && { kill "$server"; wait "$server"; } 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
source "$root/build/bench/rows.sh"

cli="${MODELSTORE_CLI:-}"
if [ -z "$cli" ]; then
  cli="$work/cli"
  dotnet publish "$root/src/ModelStore.Cli/ModelStore.Cli.csproj" -c Release -o "$cli" -nodeReuse:false -v:q >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log"; exit 1; }
fi
modelstore="$(find "$cli" -maxdepth 1 -type f -perm -u+x \( -name modelstore -o -name ModelStore.Cli \) | head -1)"
[ -x "$modelstore" ] || { echo "no modelstore executable in $cli" >&2; exit 1; }

mkdir -p "$work/www"
head -c "$((size_mib * 1048576))" /dev/urandom >"$work/www/state.bin"
sha="$(openssl dgst -sha256 -r "$work/www/state.bin" | cut -d' ' -f1)"
python3 "$root/build/bench/url/serve.py" "$work/www" "$work/port" & server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")/state.bin"
echo "object: $size_mib MiB, sha256 $sha, $url; $(nproc) cores; modelstore $modelstore"

tools=(modelstore curl)
command -v aria2c >/dev/null && tools+=(aria2c) || echo "aria2c: not installed (build/prereqs/apt-packages.txt), row skipped"
run_tool() { # tool, round
  case "$1" in
    modelstore) MODELSTORE_HOME="$work/home-$2" "$modelstore" pull bench/url.object.v1 --url "$url" --sha256 "$sha" -q ;;
    curl) curl -sSf -o "$work/curl-$2.bin" "$url" ;;
    aria2c) aria2c -q -x4 -s4 --file-allocation=none --allow-overwrite=true -d "$work" -o "aria2c-$2.bin" "$url" ;;
    cached) MODELSTORE_HOME="$work/home-0" "$modelstore" pull bench/url.object.v1 --url "$url" --sha256 "$sha" -q ;;
  esac
}
verify_tool() { # tool, round: the bytes each tool wrote are the object's
  case "$1" in
    modelstore|cached) [ "$(openssl dgst -sha256 -r "$work/home-${2}/blobs/sha256/${sha:0:2}/$sha" | cut -d' ' -f1)" = "$sha" ] ;;
    curl) [ "$(openssl dgst -sha256 -r "$work/curl-$2.bin" | cut -d' ' -f1)" = "$sha" ] ;;
    aria2c) [ "$(openssl dgst -sha256 -r "$work/aria2c-$2.bin" | cut -d' ' -f1)" = "$sha" ] ;;
  esac
}
export work modelstore url sha
export -f run_tool
clean_tool() { rm -rf "$work/curl-$2.bin" "$work/aria2c-$2.bin"; [ "$1" = modelstore ] && [ "$2" != 0 ] && rm -rf "$work/home-$2"; true; }

declare -A walls cpus loads
for round in $(seq 0 $((rounds - 1))); do
  count=${#tools[@]}
  for i in $(seq 0 $((count - 1))); do
    tool="${tools[$(((i + round) % count))]}"
    if ! /usr/bin/time -f "%e %U %S" -o "$work/time" bash -c 'run_tool "$@"' _ "$tool" "$round" >"$work/out" 2>&1; then
      echo "[$round] $tool FAILED:"; cat "$work/out"; exit 1
    fi
    verify_tool "$tool" "$round" || { echo "[$round] $tool wrote other bytes"; exit 1; }
    read -r wall user sys <"$work/time"
    echo "[$round] $tool wall $wall s cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') s"
    walls[$tool]+="$wall "
    cpus[$tool]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') "
    loads[$tool]+="$(load_now) "
    clean_tool "$tool" "$round"
  done
done
# A cached pull: the object is in home-0 (kept from round 0) and stamped after its first check.
for round in $(seq 0 $((rounds))); do
  /usr/bin/time -f "%e %U %S" -o "$work/time" bash -c 'run_tool cached 0' >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  read -r wall user sys <"$work/time"
  [ "$round" -eq 0 ] && { echo "cached pull, first (hashes once more, then stamps): wall $wall s"; continue; }
  walls[cached]+="$wall "
  cpus[cached]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') "
  loads[cached]+="$(load_now) "
done

echo
echo "rows ($rounds rounds, order rotated each round; load = median and max of the 1-minute load average after each run of the row):"
for tool in "${tools[@]}" cached; do
  read -r wall_median wall_min wall_max <<<"$(echo "${walls[$tool]}" | stats)"
  read -r cpu_median _ _ <<<"$(echo "${cpus[$tool]}" | stats)"
  read -r load_median _ load_max <<<"$(echo "${loads[$tool]}" | stats)"
  echo "row $tool: wall median $wall_median s (min $wall_min, max $wall_max), cpu median $cpu_median s, cpu/GiB $(awk -v c="$cpu_median" -v m="$size_mib" 'BEGIN { printf "%.2f", c * 1024 / m }') s, load $load_median (max $load_max)"
  eval "median_$tool=$wall_median"
done
echo "ratio modelstore/curl (wall median): $(awk -v a="$median_modelstore" -v b="$median_curl" 'BEGIN { printf "%.2fx", a / b }')"
[ -n "${median_aria2c:-}" ] && echo "ratio modelstore/aria2c (wall median): $(awk -v a="$median_modelstore" -v b="$median_aria2c" 'BEGIN { printf "%.2fx", a / b }')"
echo "cached modelstore pull (wall median): $median_cached s"
