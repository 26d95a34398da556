#!/usr/bin/env bash
# Builds and runs the sample app (samples/Digits.App) through the packed ModelStore.Build package, on a fresh
# clone: installs what the sample needs (build/install-sample-prerequisites.sh; not the tests' servers), packs the
# packages into the repository-local feed artifacts/sample-feed under a fresh version (MinVer's override, so no stale
# package from an earlier run is used), then builds and runs the app.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build/install-sample-prerequisites.sh

feed="$root/artifacts/sample-feed"
version="1.0.0-sample.$(date -u +%Y%m%d%H%M%S)"
rm -rf "$feed"
mkdir -p "$feed"
packages=(src/ModelStore/ModelStore.csproj src/ModelStore.Build/ModelStore.Build.csproj)
[ -f src/ModelStore.TorchSharp/ModelStore.TorchSharp.csproj ] && packages+=(src/ModelStore.TorchSharp/ModelStore.TorchSharp.csproj)
for project in "${packages[@]}"; do
  echo "Packing $project ($version) into $feed"
  dotnet pack "$project" -c Release -o "$feed" -p:MinVerVersionOverride="$version" -nodeReuse:false -v:q -clp:ErrorsOnly
done

echo "Building and running samples/Digits.App"
dotnet build samples/Digits.App/Digits.App.csproj -c Release -p:ModelStoreVersion="$version" -nodeReuse:false -v:m -clp:NoSummary
dotnet run --project samples/Digits.App/Digits.App.csproj -c Release --no-build -p:ModelStoreVersion="$version"
