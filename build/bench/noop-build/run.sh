#!/usr/bin/env bash
# No-op and touch builds of a consumer project against the packed ModelStore.Build, with the user's `dotnet build`
# (default flags: node reuse on) and again with -nodeReuse:false.
#   build/bench/noop-build/run.sh [RUNS=11] [BIG_MIB=2048]
# Rows (every round runs the projects in another order, rotated; median (min-max) in seconds, the CPU time of the
# `dotnet build` process (user + system; the project builds in that process, so this is the build's own work and far
# less sensitive to load than the wall time), and the 1-minute load average after each run of the row, median and max):
#   a) no-op build: the app without states vs 20 vs 1000 states of 64 KB (local store), and 1000 states copied to the
#      output (CopyToOutputDirectory: 1000 more content items for MSBuild's copy and clean targets)
#      goal: 1000 states <= 1.05x without; and a control without the package: the same 1000 items in a project that
#      does not reference it against that project without them (MSBuild's own cost of 1000 items, whoever declares them);
#   b) `touch app.csproj` then build: the app with one BIG_MIB cached state (copied to the output) vs without states
#      goal: <= 0.2 s over without (the issue asks for 10 GiB; 2 GiB because the state sits three times on disk:
#      store, cache, output, and rounds repeat);
#   c) the same touch with -p:ModelStoreVerify=full (every cached state hashed: the CI setting), for contrast.
# MODELSTORE_FEED=/folder with ModelStore and ModelStore.Build packages reuses them instead of packing.
set -euo pipefail
runs="${1:-11}"
big_mib="${2:-2048}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$(mktemp -d /tmp/modelstore-noop-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NUGET_PACKAGES="$work/packages" MODELSTORE_HOME="$work/home"
source "$root/build/bench/rows.sh"

feed="${MODELSTORE_FEED:-}"
if [ -z "$feed" ]; then
  feed="$work/feed"
  echo "Packing ModelStore and ModelStore.Build into $feed ..."
  for project in src/ModelStore/ModelStore.csproj src/ModelStore.Build/ModelStore.Build.csproj; do
    dotnet pack "$root/$project" -c Release -o "$feed" -nodeReuse:false -v:q >"$work/pack.log" 2>&1 || { tail -30 "$work/pack.log"; exit 1; }
  done
fi
package="$(ls "$feed"/ModelStore.Build.*.nupkg | grep -vE '\.symbols\.nupkg$' | sort -V | tail -1)"
version="$(basename "$package" .nupkg)"; version="${version#ModelStore.Build.}"
echo "ModelStore.Build $version from $feed; $(nproc) cores; dotnet $(dotnet --version)"

# The local store (MoZuMa layout): 1000 states of 64 KB, and one of BIG_MIB.
mkdir -p "$work/states"
for i in $(seq -w 1 1000); do head -c 65536 /dev/urandom >"$work/states/pytorch.bench-net.part$i.v1.pt"; done
head -c "$((big_mib * 1048576))" /dev/urandom >"$work/states/pytorch.bench-big.weights.v1.pt"

make_project() { # name, state count (or "big"), copied to the output (yes/no), the package referenced (yes by default)
  local dir="$work/$1"
  consumer_folder "$dir" "$feed"
  {
    echo '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup><ItemGroup>'
    [ "${4:-yes}" = yes ] && echo "<PackageReference Include=\"ModelStore.Build\" Version=\"$version\" PrivateAssets=\"all\" />"
    if [ "$2" != 0 ]; then echo "<ModelStore Include=\"local\" Kind=\"Local\" Folder=\"$work/states\" />"; fi
    if [ "$2" = big ]; then
      echo '<ModelState Include="pytorch/bench-big.weights.v1" Store="local" CopyToOutputDirectory="PreserveNewest" />'
    elif [ "$2" != 0 ]; then
      copy=""; [ "$3" = yes ] && copy=' CopyToOutputDirectory="PreserveNewest"'
      for i in $(seq -f '%04g' 1 "$2"); do echo "<ModelState Include=\"pytorch/bench-net.part$i.v1\" Store=\"local\"$copy />"; done
    fi
    echo '</ItemGroup></Project>'
  } >"$dir/app.csproj"
  dotnet build "$dir/app.csproj" -nodeReuse:false -v:q >"$work/first-$1.log" 2>&1 || { tail -30 "$work/first-$1.log"; exit 1; }
}
make_project states-0 0 no
make_project states-20 20 no
make_project states-1000 1000 no
make_project copied-1000 1000 yes
make_project big big yes
# The control: the same 1000 items in a project without the package (MSBuild evaluates them, nothing reads them),
# against the same project without items: what 1000 items cost MSBuild itself, whoever declares them.
make_project plain-0 0 no no
make_project items-1000 1000 no no
# A blob is stamped by the first check whose ctime is more than 2 s old; this build hashes the big state and stamps it.
sleep 3
dotnet build "$work/big/app.csproj" -nodeReuse:false -v:q -p:ModelStoreVerify=full >/dev/null
[ -n "$(find "$MODELSTORE_HOME/stamps" -type f 2>/dev/null | head -1)" ] || { echo "the big state has no stamp after a full check"; exit 1; }

build() { # project, flags...: the build's CPU seconds (user + system) in $work/cpu
  local project="$1"; shift
  /usr/bin/time -f "%U %S" -o "$work/cpu" dotnet build "$work/$project/app.csproj" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
}

declare -A walls cpus loads
row() { # row name, "touch"|"noop", "flags", projects...: rotated rounds, one median per project
  local name="$1" kind="$2" flags="$3"; shift 3
  local list=("$@") count=$# round i project start end
  for project in "${list[@]}"; do build "$project" $flags; done   # warm-up (nodes, compiler server, disk cache)
  for round in $(seq 0 $((runs - 1))); do
    for i in $(seq 0 $((count - 1))); do
      project="${list[$(((i + round) % count))]}"
      [ "$kind" = touch ] && touch "$work/$project/app.csproj"
      start=$(date +%s%N); build "$project" $flags; end=$(date +%s%N)
      walls[$name/$project]+="$(awk -v n="$((end - start))" 'BEGIN { printf "%.3f", n / 1e9 }') "
      cpus[$name/$project]+="$(awk '{ printf "%.3f", $1 + $2 }' "$work/cpu") "
      loads[$name/$project]+="$(load_now) "
    done
  done
  for project in "${list[@]}"; do
    read -r median min max <<<"$(echo "${walls[$name/$project]}" | stats)"
    read -r cpu cpu_min cpu_max <<<"$(echo "${cpus[$name/$project]}" | stats)"
    read -r load_median _ load_max <<<"$(echo "${loads[$name/$project]}" | stats)"
    echo "row $name $project: median $median s ($min-$max), cpu $cpu s ($cpu_min-$cpu_max), load $load_median (max $load_max)"
    eval "median_${name//-/_}_${project//-/_}=$median cpu_${name//-/_}_${project//-/_}=$cpu"
  done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3fx", a / b }'; }
over() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f s", a - b }'; }

echo "$runs rounds per row, order rotated each round; seconds, median (min-max); load = 1-minute load average after each run, median (max)"
for mode in default no-reuse; do
  flags=""; [ "$mode" = no-reuse ] && flags="-nodeReuse:false"
  row "noop-$mode" noop "$flags" states-0 states-20 states-1000 copied-1000 plain-0 items-1000
  row "touch-$mode" touch "$flags" states-0 big
done
row touch-full touch "-p:ModelStoreVerify=full" states-0 big

echo
for mode in default no-reuse; do
  m="${mode//-/_}"
  eval "none=\$median_noop_${m}_states_0 s20=\$median_noop_${m}_states_20 s1000=\$median_noop_${m}_states_1000 c1000=\$median_noop_${m}_copied_1000"
  eval "cpu_none=\$cpu_noop_${m}_states_0 cpu_s1000=\$cpu_noop_${m}_states_1000 cpu_c1000=\$cpu_noop_${m}_copied_1000"
  eval "touch_none=\$median_touch_${m}_states_0 touch_big=\$median_touch_${m}_big"
  eval "plain=\$median_noop_${m}_plain_0 items=\$median_noop_${m}_items_1000 cpu_plain=\$cpu_noop_${m}_plain_0 cpu_items=\$cpu_noop_${m}_items_1000"
  echo "no-op ($mode): 20 states / none: $(ratio "$s20" "$none"); 1000 states / none: $(ratio "$s1000" "$none") (goal <= 1.05x); 1000 states copied to the output / none: $(ratio "$c1000" "$none")"
  echo "no-op ($mode), CPU: 1000 states / none: $(ratio "$cpu_s1000" "$cpu_none"); 1000 states copied to the output / none: $(ratio "$cpu_c1000" "$cpu_none")"
  echo "no-op ($mode), control without the package: 1000 items / none: $(ratio "$items" "$plain") (CPU $(ratio "$cpu_items" "$cpu_plain")): MSBuild's own cost of the items"
  echo "touch ($mode): ${big_mib} MiB cached state over none: $(over "$touch_big" "$touch_none") (goal <= +0.2 s)"
done
echo "touch with ModelStoreVerify=full: ${big_mib} MiB cached state over none: $(over "$median_touch_full_big" "$median_touch_full_states_0") (hashes the state)"

# Where the package's own targets spend a no-op build of 1000 states (MSBuild's per-target timing).
echo
echo "ModelStore and copy targets in one no-op build of copied-1000 (-clp:PerformanceSummary):"
dotnet build "$work/copied-1000/app.csproj" -nodeReuse:false -tl:off -v:q -clp:PerformanceSummary \
  | grep -E '^\s+[0-9]+ ms\s+(_ModelStore[A-Za-z]*|ResolveModelStates|_CopyOutOfDateSourceItemsToOutputDirectory|_CopyDifferingSourceItemsToOutputDirectory|CoreCompile|_GenerateCompileDependencyCache|GetCopyToOutputDirectoryItems|IncrementalClean)\s' \
  | awk '{ print "  " $0 }'
