#!/usr/bin/env bash
# Public API baselines of the runtime libraries (Microsoft.CodeAnalysis.PublicApiAnalyzers; see src/Directory.Build.targets).
#
#   build/public-api.sh           refresh: PublicAPI.Unshipped.txt becomes exactly the public API that is not in
#                                 PublicAPI.Shipped.txt (run it after adding API or after merging branches that did)
#   build/public-api.sh ship      release: move every Unshipped entry into Shipped
#
# Shipped entries are never removed here, and *REMOVED* lines already in Unshipped are kept: a shipped member that disappeared stays an RS0017 build error until someone
# decides the break is intended (then delete the line, or write it as *REMOVED*<line> in Unshipped).
# (dotnet format's RS0016 fix does not add entries to a project whose Shipped file is already filled, so the current
# API is computed from empty files and the baselines are put back around it.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode="${1:-refresh}"
header='#nullable enable'
# The API lines of baseline files, sorted (none is not an error).
entries() { { grep -hv -e '^#nullable' -e '^$' "$@" || true; } | LC_ALL=C sort -u; }

for shipped in src/*/PublicAPI.Shipped.txt; do
  folder="$(dirname "$shipped")"
  project="$folder/$(basename "$folder").csproj"
  unshipped="$folder/PublicAPI.Unshipped.txt"
  if [ "$mode" = ship ]; then
    { echo "$header"; entries "$shipped" "$unshipped" | { grep -v '^\*REMOVED\*' || true; }; } > "$shipped.new"
    mv "$shipped.new" "$shipped"
    echo "$header" > "$unshipped"
    continue
  fi

  saved="$(mktemp)"
  cp "$shipped" "$saved"
  removals="$(mktemp)"
  { grep '^\*REMOVED\*' "$unshipped" || true; } > "$removals"
  echo "$header" > "$shipped"
  echo "$header" > "$unshipped"
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn -v q
  current="$(mktemp)"
  entries "$unshipped" > "$current"
  cp "$saved" "$shipped"
  { echo "$header"; entries "$shipped" | LC_ALL=C comm -13 - "$current"; cat "$removals"; } > "$unshipped"
  removed="$(entries "$shipped" | LC_ALL=C comm -23 - "$current" | wc -l)"
  echo "$(basename "$folder"): $(($(wc -l < "$unshipped") - 1)) unshipped, $removed shipped member(s) no longer present (RS0017)"
  rm -f "$saved" "$current" "$removals"
done
