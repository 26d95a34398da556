#!/usr/bin/env bash
# URL pull benchmark: the shipped `modelstore pull --url` (installed from its packed tool packages, default flags; its
# SHA-256, cache insert and fsync included) against `curl -o` and `aria2c -x4` (their defaults: no hash, no fsync), and
# `curl -o` followed by an fsync of its file (as durable as the cache, still no hash), all
# from one loopback server (serve.py, sendfile). Then a cached `modelstore pull` (nothing to fetch), with the native (AOT)
# tool and with the portable IL package (ModelStore.Cli.any: what the runtime's start and the JIT cost).
#   build/bench/url/run.sh [SIZE_MIB=1024] [ROUNDS=5]
# Every round runs the tools in another order (rotated), each into a fresh target; each row prints the median wall
# time with min-max, the median CPU (user+sys) and CPU per GiB, the peak RSS, and the median and max 1-minute load
# average after the runs of the row. MODELSTORE_CLI=/path/to/folder reuses a modelstore executable instead.
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

modelstore="$(modelstore_tool "$work")" && [ -x "$modelstore" ] || { echo "no modelstore executable" >&2; exit 1; }
modelstore_il=""
if [ -z "${MODELSTORE_CLI:-}" ]; then
  feed="$work/modelstore-tool/feed"
  version="$(basename "$(ls "$feed"/ModelStore.Cli.any.*.nupkg | head -1)" .nupkg)"; version="${version#ModelStore.Cli.any.}"
  NUGET_PACKAGES="$work/modelstore-tool/nuget" dotnet tool install --tool-path "$work/tool-il" --add-source "$feed" ModelStore.Cli.any --version "$version" >"$work/install-il.log" 2>&1 \
    && modelstore_il="$work/tool-il/modelstore"
fi

mkdir -p "$work/www"
head -c "$((size_mib * 1048576))" /dev/urandom >"$work/www/state.bin"
sha="$(openssl dgst -sha256 -r "$work/www/state.bin" | cut -d' ' -f1)"
python3 "$root/build/bench/url/serve.py" "$work/www" "$work/port" & server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")/state.bin"
echo "object: $size_mib MiB, sha256 $sha, $url; $(nproc) cores; modelstore $modelstore"

# curl-fsync: curl, then an fsync of its file (coreutils `sync FILE`), what a download that must survive a crash costs
# here: the same durability as the cache's, which the goal's ratio to plain curl does not buy.
tools=(modelstore curl curl-fsync)
command -v aria2c >/dev/null && tools+=(aria2c) || echo "aria2c: not installed (build/prereqs/apt-packages.txt), row skipped"
run_tool() { # tool, round
  case "$1" in
    modelstore) MODELSTORE_HOME="$work/home-$2" "$modelstore" pull bench/url.object.v1 --url "$url" --sha256 "$sha" -q ;;
    curl) curl -sSf -o "$work/curl-$2.bin" "$url" ;;
    curl-fsync) curl -sSf -o "$work/curl-$2.bin" "$url" && sync "$work/curl-$2.bin" ;;
    aria2c) aria2c -q -x4 -s4 --file-allocation=none --allow-overwrite=true -d "$work" -o "aria2c-$2.bin" "$url" ;;
    cached) MODELSTORE_HOME="$work/home-cached" "$modelstore" pull bench/url.object.v1 --url "$url" --sha256 "$sha" -q ;;
    cached-il) MODELSTORE_HOME="$work/home-cached" "$modelstore_il" pull bench/url.object.v1 --url "$url" --sha256 "$sha" -q ;;
  esac
}
verify_tool() { # tool, round: the bytes each tool wrote are the object's
  case "$1" in
    modelstore) [ "$(openssl dgst -sha256 -r "$work/home-${2}/blobs/sha256/${sha:0:2}/$sha" | cut -d' ' -f1)" = "$sha" ] ;;
    cached|cached-il) true ;; # the blob was checked when it was fetched
    curl|curl-fsync) [ "$(openssl dgst -sha256 -r "$work/curl-$2.bin" | cut -d' ' -f1)" = "$sha" ] ;;
    aria2c) [ "$(openssl dgst -sha256 -r "$work/aria2c-$2.bin" | cut -d' ' -f1)" = "$sha" ] ;;
  esac
}
# Every download goes right after its check, the same for every tool: on this kind of VM, memory the kernel has not used
# lately costs several times more to fill (a 1 GiB pull next to a kept 1 GiB blob spent 3.2 s of system time instead
# of 0.9 s; curl 1.9 s instead of 1.2), so a file kept by one contender would tax whoever runs next.
clean_tool() { rm -rf "$work/curl-$2.bin" "$work/aria2c-$2.bin"; [ "$1" = modelstore ] && rm -rf "$work/home-$2"; true; }
export work modelstore modelstore_il url sha
export -f run_tool

declare -A walls cpus rsss loads
rotate_rows "$rounds" "${tools[@]}" || exit 1
# A cached pull: the object is fetched into home-cached once the downloads are measured (not timed); the first pull after
# the download, once the blob is older than the cache's 2 s racy window, hashes it once more and stamps it (not timed
# either), the next ones trust the stamp.
MODELSTORE_HOME="$work/home-cached" "$modelstore" pull bench/url.object.v1 --url "$url" --sha256 "$sha" -q >/dev/null || exit 1
sleep 3
MODELSTORE_HOME="$work/home-cached" "$modelstore" pull bench/url.object.v1 --url "$url" --sha256 "$sha" -q >/dev/null || exit 1
cached=(cached); [ -n "$modelstore_il" ] && cached+=(cached-il)
rotate_rows "$((rounds + 2))" "${cached[@]}" || exit 1

echo
echo "rows ($rounds rounds, order rotated each round; load = median and max of the 1-minute load average after each run of the row):"
print_rows "$size_mib" "${tools[@]}" "${cached[@]}"
echo "ratio modelstore/curl (wall median): $(ratio_of "$median_modelstore" "$median_curl")"
echo "ratio modelstore/curl-fsync (wall median; both durable): $(ratio_of "$median_modelstore" "$median_curl_fsync")"
[ -n "${median_aria2c:-}" ] && echo "ratio modelstore/aria2c (wall median): $(ratio_of "$median_modelstore" "$median_aria2c")"
echo "cached modelstore pull (wall median): $median_cached s${median_cached_il:+ (portable IL package: $median_cached_il s)}"
