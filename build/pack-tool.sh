#!/usr/bin/env bash
# Packs the modelstore tool as users get it and installs it from that feed:
#   build/pack-tool.sh OUT [VERSION]
# writes OUT/feed/ModelStore.Cli.VERSION.nupkg (the pointer package), ModelStore.Cli.any (portable IL) and
# ModelStore.Cli.linux-x64 (native AOT; needs clang, installed by build/prereqs), installs the tool with
# `dotnet tool install --tool-path OUT/tool`, which picks the package for this machine, and prints the path of the
# installed `modelstore` on the last line. An AOT tool is packed once per RID (the .NET 10 SDK's rule), hence three packs.
# VERSION defaults to the repository's own (MinVer, from git), so the build the tests use is not rebuilt with another
# version. The install reads OUT/feed through a packages folder of its own (OUT/nuget): a package of the same version
# cached by an earlier commit is never taken for this one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: build/pack-tool.sh OUT [VERSION]}"
version="${2:-}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -rf "$out/feed"
# The packs take whatever lies in the publish folders: start them empty (an earlier publish may have left symbols there).
rm -rf "$root"/src/ModelStore.Cli/bin/Release/net10.0/*/publish
project="$root/src/ModelStore.Cli/ModelStore.Cli.csproj"
log="$out/pack.log"
: >"$log"
pack() { # extra arguments of one pack
  dotnet pack "$project" -c Release -o "$out/feed" ${version:+-p:MinVerVersionOverride="$version"} -nodeReuse:false -v:q "$@" >>"$log" 2>&1 \
    || { tail -30 "$log" >&2; echo "pack-tool: dotnet pack $* failed (whole log: $log)" >&2; exit 1; }
}
pack
pack -r any
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pack -r linux-x64 ;;
esac
if [ -z "$version" ]; then
  version="$(cd "$out/feed" && ls ModelStore.Cli.*.nupkg | grep -vE '^ModelStore\.Cli\.(any|[a-z]+-[a-z0-9]+)\.' | grep -v snupkg | sed 's/^ModelStore\.Cli\.//; s/\.nupkg$//' | sort -V | tail -1)"
fi
rm -rf "$out/tool" "$out/nuget"
NUGET_PACKAGES="$out/nuget" dotnet tool install --tool-path "$out/tool" --add-source "$out/feed" ModelStore.Cli --version "$version" >>"$log" 2>&1 \
  || { tail -30 "$log" >&2; echo "pack-tool: dotnet tool install failed (whole log: $log)" >&2; exit 1; }
echo "$out/tool/modelstore"
