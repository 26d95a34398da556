#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs prerequisites, builds, tests, runs the fault proof
# suite's short form (build/proof/run.sh --short), and ends with one line "N passed, N failed[, N skipped]".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build/install-prerequisites.sh || { echo "Prerequisites failed to install."; echo "0 passed, 1 failed"; exit 1; }

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet build ModelStore.Build.sln -c Release 2>&1 | tee "$log" | grep -E "error|Warn|Elapsed|Build succeeded"; then :; fi
if ! grep -q "Build succeeded" "$log"; then
  echo "The build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

# The tool as users install it (on linux-x64 the native AOT build), packed once: ModelStore.Cli.NativeTests runs the
# CLI's tests against it and the proof suite kills it.
pack_failed=0
if tool="$(build/pack-tool.sh "$root/artifacts/tool" | tail -1)" && [ -x "$tool" ]; then
  export MODELSTORE_TEST_TOOL="$tool"
else
  echo "Packing the modelstore tool failed (build/pack-tool.sh; log: artifacts/tool/pack.log)."
  pack_failed=1
fi

dotnet test --solution ModelStore.Build.sln -c Release --no-build --no-progress --output Detailed --results-directory "$root/artifacts/test-results" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform prints one summary per run; sum them to the plain closing line.
read -r passed failed skipped < <(awk '
  /^[[:space:]]*failed:[[:space:]]*[0-9]+/    { f += $2 }
  /^[[:space:]]*succeeded:[[:space:]]*[0-9]+/ { p += $2 }
  /^[[:space:]]*skipped:[[:space:]]*[0-9]+/   { s += $2 }
  END { print p + 0, f + 0, s + 0 }' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$pack_failed" -ne 0 ]; then failed=$((failed + 1)); status=1; fi

# The fault proof suite in its short form (kill -9 of pulls and builds, a silent server, a server stopped mid-transfer,
# concurrent builds, a flipped byte, secrets): each of its scenarios counts as one test. PROOF=0 skips it.
if [ "${PROOF:-1}" != "0" ]; then
  proof_log="$root/artifacts/test-results/proof.txt"
  mkdir -p "$(dirname "$proof_log")"
  build/proof/run.sh --short >"$proof_log" 2>&1
  proof_status=$?
  sed -n '/^Fault proof suite/,$p' "$proof_log"
  read -r proof_passed proof_failed < <(sed -n 's/^proof: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$proof_log")
  if [ -z "${proof_passed:-}" ]; then
    tail -20 "$proof_log"
    proof_passed=0; proof_failed=1
  fi
  [ "$proof_status" -ne 0 ] && [ "$proof_failed" -eq 0 ] && proof_failed=1
  passed=$((passed + proof_passed)); failed=$((failed + proof_failed))
  [ "$proof_failed" -gt 0 ] && status=1
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
