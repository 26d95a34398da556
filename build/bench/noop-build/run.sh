#!/usr/bin/env bash
# No-op build overhead of ModelStore.Build: a console app with 20 ModelState items vs the same app (same
# package reference) without them, and the app without the package. Every project is built once (warm cache,
# lock file written), then timed on N no-op `dotnet build` runs, interleaved so machine load hits all alike.
# Usage: build/bench/noop-build/run.sh [runs=15]     Goal: with-states / without-states <= 1.03 (median).
set -euo pipefail
runs="${1:-15}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$(mktemp -d /tmp/modelstore-noop-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NUGET_PACKAGES="$work/packages" MODELSTORE_HOME="$work/home"

echo "Packing ModelStore and ModelStore.Build into $work/feed ..."
for project in src/ModelStore/ModelStore.csproj src/ModelStore.Build/ModelStore.Build.csproj; do
  dotnet pack "$root/$project" -c Release -o "$work/feed" -nodeReuse:false -v:q >"$work/pack.log" 2>&1 || { tail -30 "$work/pack.log"; exit 1; }
done
version="$(basename "$(ls "$work"/feed/ModelStore.Build.*.nupkg)" .nupkg)"; version="${version#ModelStore.Build.}"

# 20 states of 64 KB in a local store (MoZuMa layout).
mkdir -p "$work/states"
for i in $(seq -w 1 20); do head -c 65536 /dev/urandom > "$work/states/pytorch.bench-net.part$i.v1.pt"; done

make_project() { # name, with package (yes/no), with states (yes/no)
  local dir="$work/$1"; mkdir -p "$dir"
  cp "$root/global.json" "$dir/"
  cat > "$dir/nuget.config" <<XML
<configuration><packageSources><clear /><add key="feed" value="$work/feed" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
<packageSourceMapping><packageSource key="feed"><package pattern="ModelStore*" /></packageSource><packageSource key="nuget.org"><package pattern="*" /></packageSource></packageSourceMapping></configuration>
XML
  echo 'Console.WriteLine("hello");' > "$dir/Program.cs"
  {
    echo '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup><ItemGroup>'
    [ "$2" = yes ] && echo "<PackageReference Include=\"ModelStore.Build\" Version=\"$version\" />"
    if [ "$3" = yes ]; then
      echo "<ModelStore Include=\"local\" Kind=\"Local\" Folder=\"$work/states\" />"
      for i in $(seq -w 1 20); do echo "<ModelState Include=\"pytorch/bench-net.part$i.v1\" Store=\"local\" />"; done
    fi
    echo '</ItemGroup></Project>'
  } > "$dir/app.csproj"
  dotnet build "$dir/app.csproj" -nodeReuse:false -v:q >/dev/null
}
make_project with-states yes yes
make_project without-states yes no
make_project no-package no no

build() { dotnet build "$work/$1/app.csproj" -nodeReuse:false -tl:off -v:q >/dev/null; }
declare -A times
for variant in with-states without-states no-package; do build "$variant"; done   # one more warm-up each
for run in $(seq 1 "$runs"); do
  for variant in with-states without-states no-package; do
    start=$(date +%s%N); build "$variant"; end=$(date +%s%N)
    times[$variant]+="$(( (end - start) / 1000000 )) "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mean() { tr ' ' '\n' | grep -v '^$' | awk '{s+=$1} END {printf "%.0f", s/NR}'; }
echo "No-op dotnet build, $runs interleaved runs each (ms):"
for variant in with-states without-states no-package; do
  printf '  %-15s median %6s   mean %6s\n' "$variant" "$(echo "${times[$variant]}" | median)" "$(echo "${times[$variant]}" | mean)"
done
with=$(echo "${times[with-states]}" | median); without=$(echo "${times[without-states]}" | median)
ratio=$(awk -v a="$with" -v b="$without" 'BEGIN {printf "%.3f", a/b}')
echo "with-states / without-states (median): ${ratio}x (goal <= 1.03x)"
with=$(echo "${times[with-states]}" | mean); without=$(echo "${times[without-states]}" | mean)
echo "with-states / without-states (mean):   $(awk -v a="$with" -v b="$without" 'BEGIN {printf "%.3f", a/b}')x"

# What the package's own targets cost inside one no-op build (MSBuild's per-target timing; machine load affects it far less).
echo "Time spent in ModelStore targets during one no-op build of with-states:"
dotnet build "$work/with-states/app.csproj" -nodeReuse:false -tl:off -v:q -clp:PerformanceSummary \
  | grep -E '^\s+[0-9]+ ms\s+(_ModelStore|ResolveModelStates|BeforeResolveModelStates|AfterResolveModelStates)' \
  | awk '{ print "  " $0; total += $1 } END { printf "  total: %d ms\n", total }'
