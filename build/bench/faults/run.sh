#!/usr/bin/env bash
# Benchmark figures of the failure kit (not a test: build/proof/run.sh is the pass/fail suite), measured by the proof
# suite's own harness on real servers and printed as one table:
#   - extra bytes after kill -9 at random points of an S3 pull and of a build (and in the final window between the end
#     of the download and the commit): what the killed run and its re-run moved through the counting proxy beyond the
#     state's size, in % of it (goal <= 10 % each, none 100 %);
#   - time to fail against a server that accepts connections and never answers, for every store kind, with the default
#     RequestTimeoutSeconds (60 s) and MaxRetries (3) (goal <= 75 s, retries included).
#   build/bench/faults/run.sh [--short]     (--short: the proof's short form, 96 MiB and 3 kills; the silent figures
#                                            then use RequestTimeoutSeconds=10 for S3, the Hub, Azure and GitHub)
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
figures="$(mktemp /tmp/modelstore-fault-figures.XXXXXX)"
trap 'rm -f "$figures"' EXIT

PROOF_FIGURES="$figures" PROOF_SCENARIOS="cli-s3 build-s3 final-window silent silent-stores" "$root/build/proof/run.sh" "$@" >&2
status=$?

echo "| Figure | Runs | Values | Worst | Goal | Met |"
echo "|---|---|---|---|---|---|"
kill_row() { # label, scenario prefix
  local values worst runs
  values="$(awk -v s="$2" '$1 == "kill-extra" && index(substr($0, 12), s) == 1 { print $NF }' "$figures")"
  runs="$(printf '%s\n' "$values" | grep -c .)"
  worst="$(printf '%s\n' "$values" | sort -n | tail -1)"
  echo "| Extra bytes after kill -9, $1 (% of the state) | $runs | $(printf '%s\n' "$values" | sed 's/$/ %/' | paste -sd, - | sed 's/,/, /g') | ${worst:-n/a} % | <= 10 % each, none 100 % | $([ -n "$worst" ] && [ "$worst" -le 10 ] && echo yes || echo NO) |"
}
kill_row "modelstore pull (S3), random points" "kill -9 modelstore pull (S3)"
kill_row "dotnet build (S3), random points" "kill -9 dotnet build fetch (S3)"
kill_row "between download and commit" "final-window"
while read -r _ kind seconds; do
  echo "| Time to fail against a silent server: $kind | 1 | $seconds s | $seconds s | <= 75 s, retries included | $([ "$seconds" -le 75 ] && echo yes || echo NO) |"
done < <(grep '^silent ' "$figures")
echo
echo "Command: build/bench/faults/run.sh $*; proof harness exit $status."
exit "$status"
