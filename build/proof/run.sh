#!/usr/bin/env bash
# The fault proof suite: real processes killed for real, real servers stopped for real.
#
#   build/proof/run.sh [--short]
#
# Against a throwaway radosgw (behind a byte-counting proxy) and a local folder store, it kills `modelstore pull`
# and `dotnet build` with kill -9 at random points and re-runs them (they must resume, leave no orphan, and never
# show a wrong blob), talks to a server that never answers, stops a server mid-transfer, runs 8 builds of one state
# at once (one download), flips a byte in the cache, and counts secrets in everything the project wrote. It prints
# one Markdown table and ends with "proof: N passed, N failed". --short (CI) uses a smaller state and fewer kills.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/build/proof"
short=false
[ "${1:-}" = "--short" ] && short=true
if $short; then size_mib=96; kills=3; builds=4; else size_mib=384; kills=10; builds=8; fi
# PROOF_SCENARIOS narrows a run to some of: cli-s3 cli-local build-s3 build-local final-window silent silent-stores cut
# azure-restart concurrent flip secrets echo readonly. PROOF_FIGURES=FILE appends the measured figures there, one a line
# ("kill-extra SCENARIO PERCENT", "silent KIND SECONDS"), for build/bench/faults/.
scenarios=" ${PROOF_SCENARIOS:-cli-s3 cli-local build-s3 build-local final-window silent silent-stores cut azure-restart concurrent flip secrets echo readonly} "
figures="${PROOF_FIGURES:-/dev/null}"
want() { [[ "$scenarios" == *" $1 "* ]]; }
# One random seed a run, printed, so a failing sequence of kill points can be replayed with PROOF_SEED.
seed="${PROOF_SEED:-$RANDOM}"
RANDOM="$seed"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDDISABLENODEREUSE=1
work="$(mktemp -d /tmp/modelstore-proof.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do { kill -9 "$pid"; wait "$pid"; } 2>/dev/null; done
  mountpoint -q "$work/ro-cache" 2>/dev/null && umount "$work/ro-cache"
  "$root/build/s3/stop-radosgw.sh" "$work/cluster" >/dev/null 2>&1
  if [ "${PROOF_KEEP:-0}" = 1 ]; then echo "[proof] kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

rows=()
passed=0
failed=0
record() { # scenario, runs, PASS|FAIL, evidence
  rows+=("| $1 | $2 | $3 | $4 |")
  if [ "$3" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  echo "[proof] $1: $3 - $4" >&2
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
random_between_ms() { echo $(( $1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1) )); }
sleep_ms() { sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"; }

# --- Setup -------------------------------------------------------------------------------------------------------
echo "[proof] seed $seed, state ${size_mib} MiB, $kills kills a scenario, $builds concurrent builds" >&2
"$root/build/install-prerequisites.sh" >&2 || { echo "proof: prerequisites failed"; exit 1; }

s3_port="$(free_port)"
"$root/build/s3/start-radosgw.sh" "$work/cluster" "$s3_port" $(( (size_mib * 3 + 512) * 1024 * 1024 )) >"$work/radosgw.log" 2>&1 \
  || { cat "$work/radosgw.log" >&2; echo "proof: radosgw did not start"; exit 1; }
set -a; . "$work/cluster/s3.env"; set +a
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_DEFAULT_REGION=us-east-1
unset S3_ACCESS_KEY S3_SECRET_KEY

proxy_port="$(free_port)"
# The proxy paces downloads at about 4 s per state, so kill points spread over a whole transfer on any machine.
rate=$(( size_mib * 1024 * 1024 / 4 ))
start_proxy() {
  python3 "$here/counting-proxy.py" "$proxy_port" "$s3_port" "$work/proxy.count" "$rate" &
  proxy_pid=$!
  pids+=("$proxy_pid")
  for _ in $(seq 1 50); do [ -f "$work/proxy.count" ] && break; sleep 0.1; done
}
start_proxy
proxied() { sleep 0.3; cat "$work/proxy.count"; }
endpoint="http://127.0.0.1:$proxy_port"

key="pytorch/proof-net.big.v1"
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/state.pt"
expected="$(sha256sum "$work/state.pt" | cut -d' ' -f1)"
size=$((size_mib * 1024 * 1024))
chunk_count=$(( (size + 8 * 1024 * 1024 - 1) / (8 * 1024 * 1024) ))   # the downloads' default 8 MiB chunks
aws --endpoint-url "$S3_ENDPOINT" s3 mb s3://proof >/dev/null
aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$work/state.pt" "s3://proof/states/pytorch/proof-net.big.v1.pt"
mkdir -p "$work/local"
cp "$work/state.pt" "$work/local/pytorch.proof-net.big.v1.pt"
rm -f "$work/state.pt"

echo "[proof] packing the tool and the packages ..." >&2
# The tool users install (build/pack-tool.sh; on linux-x64 the native AOT build); MODELSTORE_TEST_TOOL reuses one.
if [ -n "${MODELSTORE_TEST_TOOL:-}" ]; then
  cli=("$MODELSTORE_TEST_TOOL")
else
  tool="$("$root/build/pack-tool.sh" "$work/cli" | tail -1)" || { echo "proof: the tool did not pack"; exit 1; }
  cli=("$tool")
fi
for project in src/ModelStore/ModelStore.csproj src/ModelStore.Build/ModelStore.Build.csproj; do
  dotnet pack -c Release "$root/$project" -o "$work/feed" >"$work/pack.log" 2>&1 || { tail -20 "$work/pack.log" >&2; echo "proof: packing failed"; exit 1; }
done
version="$(basename "$(ls "$work"/feed/ModelStore.Build.*.nupkg | grep -v snupkg | head -1)" .nupkg)"; version="${version#ModelStore.Build.}"
export NUGET_PACKAGES="$work/nuget"

source "$root/build/bench/rows.sh" # consumer_folder
make_consumer() { # dir, store kind (s3|local)
  local dir="$1"
  consumer_folder "$dir" "$work/feed"
  echo 'Console.WriteLine(Proof.ModelStates.Big.Sha256);' >"$dir/Program.cs"
  local store
  if [ "$2" = s3 ]; then
    store="<ModelStore Include=\"team\" Kind=\"S3\" Bucket=\"proof\" BasePath=\"states/\" ServiceUrl=\"$endpoint\" />"
  else
    store="<ModelStore Include=\"team\" Kind=\"Local\" Folder=\"$work/local\" />"
  fi
  cat >"$dir/app.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><RootNamespace>Proof</RootNamespace><UseSharedCompilation>false</UseSharedCompilation></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ModelStore.Build" Version="$version" />
    $store
    <ModelState Include="$key" Store="team" AccessorName="Big" />
  </ItemGroup>
</Project>
XML
  dotnet restore "$dir/app.csproj" >"$dir/restore.log" 2>&1
}

# --- Invariants --------------------------------------------------------------------------------------------------
# No blob may ever be visible under a name that is not its hash; at most one partial download per (store, key).
cache_problems() { # home
  local home="$1" problems=""
  if [ -d "$home/blobs" ]; then
    while IFS= read -r blob; do
      [ "$(sha256sum "$blob" | cut -d' ' -f1)" = "$(basename "$blob")" ] || problems+="wrong blob $(basename "$blob"); "
    done < <(find "$home/blobs" -type f)
  fi
  local partials
  partials="$(find "$home/tmp" -name '*.partial' 2>/dev/null | wc -l)"
  [ "$partials" -le 1 ] || problems+="$partials partial files; "
  echo "$problems"
}
leftovers() { find "$1/tmp" -type f 2>/dev/null | wc -l; }
partial_bytes() { local f; for f in "$1"/tmp/*.partial; do [ -f "$f" ] && { stat -c %s "$f"; return; }; done; echo 0; }
chunks_done() { # home: finished chunks recorded by the journal of the download in progress, if any
  local journal
  journal="$(find "$1/tmp" -name '*.journal' 2>/dev/null | head -1)"
  [ -n "$journal" ] || { echo 0; return; }
  python3 -c 'import json,sys; print(sum(1 for d in json.load(open(sys.argv[1]))["Done"] if d))' "$journal" 2>/dev/null || echo 0
}
no_stack_trace() { ! grep -qE '^\s+at [A-Za-z_.]+\(|Unhandled exception' "$1"; }

# --- Kill -9 at random points, then re-run -----------------------------------------------------------------------
kill_and_rerun() { # scenario name, kind (cli|build), store (s3|local)
  local name="$1" kind="$2" store="$3" runs=0 resumed=0 resumable=0 problems="" duration points=""
  local dir="$work/consumer-$store"
  [ "$kind" = build ] && [ ! -d "$dir" ] && make_consumer "$dir" "$store"
  run_once() { # home, log; sets pid. Runs in its own process group so kill -9 takes every process it started
    if [ "$kind" = cli ]; then
      local target=(--store "$work/local")
      [ "$store" = s3 ] && target=(--store s3://proof/states/ --setting "ServiceUrl=$endpoint")
      setsid "${cli[@]}" pull "$key" "${target[@]}" --cache "$1" >"$2" 2>&1 &
    else
      rm -f "$dir/modelstates.lock.json"
      setsid dotnet build "$dir/app.csproj" --no-restore -m:1 -nodeReuse:false "-p:ModelStoreHome=$1" >"$2" 2>&1 &
    fi
    pid=$!
  }
  # A clean run first: how long one takes, so kill points spread over the whole transfer.
  local start pid
  start="$(now_ms)"; run_once "$work/home-$name-calibration" "$work/$name-calibration.log"; wait "$pid"
  local status=$?
  duration=$(( $(now_ms) - start ))
  if [ "$status" -ne 0 ]; then
    record "$name" 0 FAIL "a clean run failed (exit $status): $(tail -3 "$work/$name-calibration.log" | tr '\n' ' ')"
    return
  fi
  for i in $(seq 1 "$kills"); do
    local home="$work/home-$name-$i" at
    # A random point inside the transfer: once the journal records a random number of finished chunks (S3: chunks finish
    # about four at a time, so the target leaves the last ones out), or the partial file holds a random share of the
    # state (a local folder is streamed). A run that ends before that point is started again, up to three times.
    local attempt at
    local before_kill
    for attempt in 1 2 3; do
      rm -rf "$home"
      before_kill="$(proxied)"
      run_once "$home" "$work/$name-$i-killed.log"
      if [ "$store" = s3 ]; then
        local target=$(( 1 + RANDOM % (chunk_count > 5 ? chunk_count - 5 : 1) ))
        while kill -0 "$pid" 2>/dev/null && [ "$(chunks_done "$home")" -lt "$target" ]; do sleep 0.05; done
        at="after $(chunks_done "$home") of $chunk_count chunks"
      else
        local threshold=$(( size / 100 * (10 + RANDOM % 71) ))
        while kill -0 "$pid" 2>/dev/null && [ "$(partial_bytes "$home")" -lt "$threshold" ]; do sleep 0.005; done
        at="at $(( $(partial_bytes "$home") * 100 / size ))% of the bytes"
      fi
      kill -0 "$pid" 2>/dev/null && break
      wait "$pid" 2>/dev/null
      [ "$attempt" = 3 ] && problems+="run $i: three runs ended before their kill point; "
    done
    kill -9 -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    runs=$((runs + 1))
    points+="${points:+; }${at#after }"
    local found done_before bytes_before transferred
    found="$(cache_problems "$home")"
    [ -n "$found" ] && problems+="kill $i $at: $found"
    done_before="$(chunks_done "$home")"
    bytes_before="$(proxied)"
    run_once "$home" "$work/$name-$i-rerun.log"; wait "$pid"; status=$?
    transferred=$(( $(proxied) - bytes_before ))
    if [ "$status" -ne 0 ]; then problems+="re-run $i failed (exit $status); "; continue; fi
    found="$(cache_problems "$home")"
    [ -n "$found" ] && problems+="after re-run $i: $found"
    [ -f "$home/blobs/sha256/${expected:0:2}/$expected" ] || problems+="re-run $i: no blob $expected; "
    [ "$(leftovers "$home")" -eq 0 ] || problems+="re-run $i left $(leftovers "$home") file(s) in tmp/; "
    # Extra bytes: what the killed run and its re-run moved together, beyond the state's own size.
    [ "$store" = s3 ] && echo "kill-extra $name $(( ($(proxied) - before_kill - size) * 100 / size ))" >>"$figures"
    if [ "$store" = s3 ] && [ "$done_before" -gt 0 ]; then
      resumable=$((resumable + 1))
      if [ "$transferred" -lt "$size" ]; then resumed=$((resumed + 1)); else problems+="re-run $i transferred $transferred bytes after $done_before finished chunks; "; fi
    fi
  done
  local evidence="$runs kills at random points of a ${duration} ms run (${points}); every re-run completed with the right blob, no wrong blob was ever visible, tmp/ empty after success"
  [ "$store" = s3 ] && evidence+="; $resumed of $resumable re-runs that had finished chunks resumed (fewer bytes than the ${size_mib} MiB object through the proxy)"
  if [ -z "$problems" ] && { [ "$store" != s3 ] || [ "$resumable" -gt 0 ]; }; then
    record "$name" "$runs" PASS "$evidence"
  else
    record "$name" "$runs" FAIL "${problems:-no kill landed after a finished chunk, so resuming was never exercised}"
  fi
}

want cli-s3 && kill_and_rerun "kill -9 modelstore pull (S3)" cli s3
want cli-local && kill_and_rerun "kill -9 modelstore pull (local)" cli local
want build-s3 && kill_and_rerun "kill -9 dotnet build fetch (S3)" build s3
want build-local && kill_and_rerun "kill -9 dotnet build fetch (local)" build local

# --- kill -9 in the final window: the download is complete, not yet in the cache ----------------------------------
# Random kill points almost never land between the end of the download and the rename into the cache (a few ms), so
# the product's proof hook pauses there (MODELSTORE_PROOF_PAUSE) and the kill is sent during the pause.
if want final-window; then
home="$work/home-final"
before_kill="$(proxied)"
MODELSTORE_PROOF_PAUSE=before-commit:30000 setsid "${cli[@]}" pull "$key" --store s3://proof/states/ --setting "ServiceUrl=$endpoint" --cache "$home" >"$work/final-killed.log" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do grep -q "paused .* at before-commit" "$work/final-killed.log" 2>/dev/null && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
paused=false; grep -q "paused .* at before-commit" "$work/final-killed.log" && paused=true
kill -9 -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null
bytes_before="$(proxied)"
"${cli[@]}" pull "$key" --store s3://proof/states/ --setting "ServiceUrl=$endpoint" --cache "$home" >"$work/final-rerun.log" 2>&1; status=$?
transferred=$(( $(proxied) - bytes_before ))
echo "kill-extra final-window $(( ($(proxied) - before_kill - size) * 100 / size ))" >>"$figures"
# The re-run may only re-hash: at most 2 % of the state through the proxy (the HEAD and nothing else).
if $paused && [ "$status" -eq 0 ] && [ $((transferred * 100)) -le $((size * 2)) ] && [ -f "$home/blobs/sha256/${expected:0:2}/$expected" ] \
   && [ -z "$(cache_problems "$home")" ] && [ "$(leftovers "$home")" -eq 0 ]; then
  record "kill -9 between download and commit" 1 PASS "killed in the final window; the re-run moved $transferred bytes (<= 2 % of $size), right blob, tmp/ empty"
else
  record "kill -9 between download and commit" 1 FAIL "paused: $paused, re-run exit $status, $transferred bytes moved again: $(tail -2 "$work/final-rerun.log" | tr '\n' ' ')"
fi
fi

# --- A server that accepts connections and never answers, for every HTTP store kind ---------------------------------
# The documented bound: RequestTimeoutSeconds (60 s by default) per command, retries included (MaxRetries=3 allowed);
# the short form sets 10 s. `silent` is S3's list and pull; `silent-stores` the Hub's, Azure's and GitHub's pulls.
if want silent || want silent-stores; then
silent_port="$(free_port)"
python3 "$here/silent-server.py" "$silent_port" & pids+=("$!")
sleep 0.5
if $short; then silent_settings=(--setting RequestTimeoutSeconds=10 --setting MaxRetries=3); bound_s=25; else silent_settings=(--setting MaxRetries=3); bound_s=75; fi
expect_timeout() { # label, figure name, command...: the command must fail with a coded Timeout within the bound
  local label="$1" figure="$2" log="$work/silent-$2.log"; shift 2
  start="$(now_ms)"
  timeout $((bound_s * 3)) "$@" "${silent_settings[@]}" --cache "$work/home-silent" >"$log" 2>&1
  status=$?
  elapsed=$(( ($(now_ms) - start) / 1000 ))
  echo "silent $figure $elapsed" >>"$figures"
  if [ "$status" -eq 1 ] && grep -q "Timeout" "$log" && no_stack_trace "$log" && [ "$elapsed" -le "$bound_s" ]; then
    record "silent server: $label" 1 PASS "exit 1 with a Timeout error after ${elapsed} s (bound ${bound_s} s, retries included), no stack trace"
  else
    record "silent server: $label" 1 FAIL "exit $status after ${elapsed} s (bound ${bound_s} s): $(tail -2 "$log" | tr '\n' ' ')"
  fi
}
silent="http://127.0.0.1:$silent_port"
if want silent; then
  expect_timeout "modelstore list (S3)" s3-list "${cli[@]}" list --store s3://proof/states/ --type pytorch/proof-net --setting "ServiceUrl=$silent"
  expect_timeout "modelstore pull (S3)" s3-pull "${cli[@]}" pull "$key" --store s3://proof/states/ --setting "ServiceUrl=$silent"
fi
if want silent-stores; then
  expect_timeout "modelstore pull (Hugging Face)" huggingface "${cli[@]}" pull "$key" --store hf:proof/silent --setting "Endpoint=$silent/"
  AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=proof;AccountKey=cHJvb2Y=;BlobEndpoint=$silent/proof;" \
    expect_timeout "modelstore pull (Azure)" azure "${cli[@]}" pull "$key" --store az://proof/states/
  expect_timeout "modelstore pull (GitHub)" github "${cli[@]}" pull "$key" --store github:proof/silent --setting "BaseAddress=$silent/"
fi
fi

# --- The server stops mid-transfer, then comes back ---------------------------------------------------------------
if want cut; then
home="$work/home-cut"
setsid "${cli[@]}" pull "$key" --store s3://proof/states/ --setting "ServiceUrl=$endpoint" --cache "$home" >"$work/cut.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ "$(chunks_done "$home")" -ge 2 ] && break; sleep 0.05; done
kill -9 "$proxy_pid"
start="$(now_ms)"; wait "$pid"; status=$?; elapsed=$(( ($(now_ms) - start) / 1000 ))
rm -f "$work/proxy.count"; start_proxy
bytes_before="$(proxied)"
"${cli[@]}" pull "$key" --store s3://proof/states/ --setting "ServiceUrl=$endpoint" --cache "$home" >"$work/cut-rerun.log" 2>&1; rerun=$?
transferred=$(( $(proxied) - bytes_before ))
if [ "$status" -eq 1 ] && no_stack_trace "$work/cut.log" && grep -qE "error \((Unreachable|Timeout)\)" "$work/cut.log" && [ "$rerun" -eq 0 ] \
   && [ "$transferred" -lt "$size" ] && [ -f "$home/blobs/sha256/${expected:0:2}/$expected" ] && [ -z "$(cache_problems "$home")" ]; then
  record "server stopped mid-pull" 1 PASS "pull failed in ${elapsed} s with a coded error and no stack trace; after restart it resumed ($transferred of $size bytes)"
else
  record "server stopped mid-pull" 1 FAIL "exit $status, re-run exit $rerun, $transferred bytes: $(tail -2 "$work/cut.log" | tr '\n' ' ')"
fi
fi

# --- Azure (Azurite) restarted mid-body: a coded error, then a resumed download ----------------------------------------
if want azure-restart; then
bash "$root/build/prereqs/30-azurite-npm.sh" >&2
az_port="$(free_port)"; az_dir="$work/azurite"; mkdir -p "$az_dir"
az_key="$(head -c 64 /dev/urandom | base64 -w0)"
start_azurite() {
  (cd "$az_dir" && AZURITE_ACCOUNTS="proof:$az_key" exec "$root/build/node/azurite/node_modules/.bin/azurite-blob" \
    --blobHost 127.0.0.1 --blobPort "$az_port" --location "$az_dir" --skipApiVersionCheck --disableTelemetry --silent >>"$work/azurite.log" 2>&1) &
  azurite_pid=$!
  pids+=("$azurite_pid")
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$az_port") 2>/dev/null && break; sleep 0.1; done
}
start_azurite
python3 "$here/azure-container.py" "http://127.0.0.1:$az_port/proof" proof "$az_key" states
az_proxy_port="$(free_port)"
python3 "$here/counting-proxy.py" "$az_proxy_port" "$az_port" "$work/az-proxy.count" "$rate" & pids+=("$!")
az_direct="DefaultEndpointsProtocol=http;AccountName=proof;AccountKey=$az_key;BlobEndpoint=http://127.0.0.1:$az_port/proof;"
az_proxied="DefaultEndpointsProtocol=http;AccountName=proof;AccountKey=$az_key;BlobEndpoint=http://127.0.0.1:$az_proxy_port/proof;"
AZURE_STORAGE_CONNECTION_STRING="$az_direct" "${cli[@]}" push "$work/local/pytorch.proof-net.big.v1.pt" "$key" --store az://states/ >"$work/az-push.log" 2>&1
home="$work/home-azure"
AZURE_STORAGE_CONNECTION_STRING="$az_proxied" setsid "${cli[@]}" pull "$key" --store az://states/ --cache "$home" >"$work/az-cut.log" 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ "$(chunks_done "$home")" -ge 2 ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill "$azurite_pid"; wait "$azurite_pid" 2>/dev/null
start="$(now_ms)"; wait "$pid"; status=$?; elapsed=$(( ($(now_ms) - start) / 1000 ))
start_azurite
az_before="$(sleep 0.3; cat "$work/az-proxy.count")"
AZURE_STORAGE_CONNECTION_STRING="$az_proxied" "${cli[@]}" pull "$key" --store az://states/ --cache "$home" >"$work/az-rerun.log" 2>&1; rerun=$?
transferred=$(( $(sleep 0.3; cat "$work/az-proxy.count") - az_before ))
if [ "$status" -eq 1 ] && no_stack_trace "$work/az-cut.log" && grep -qE "error \((Unreachable|Timeout)\)" "$work/az-cut.log" && ! grep -q "AggregateException" "$work/az-cut.log" \
   && [ "$rerun" -eq 0 ] && [ "$transferred" -lt "$size" ] && [ -f "$home/blobs/sha256/${expected:0:2}/$expected" ] && [ -z "$(cache_problems "$home")" ]; then
  record "Azurite restarted mid-pull" 1 PASS "pull failed in ${elapsed} s with a coded error (no AggregateException, no stack trace); after the restart it resumed ($transferred of $size bytes)"
else
  record "Azurite restarted mid-pull" 1 FAIL "exit $status, re-run exit $rerun, $transferred bytes: $(tail -2 "$work/az-cut.log" | tr '\n' ' ') / $(tail -1 "$work/az-rerun.log")"
fi
fi

# --- Concurrent builds of one state: one download ----------------------------------------------------------------
if want concurrent; then
home="$work/home-concurrent"
for i in $(seq 1 "$builds"); do make_consumer "$work/concurrent-$i" s3; done
bytes_before="$(proxied)"
started=()
for i in $(seq 1 "$builds"); do
  dotnet build "$work/concurrent-$i/app.csproj" --no-restore -m:1 -nodeReuse:false "-p:ModelStoreHome=$home" >"$work/concurrent-$i.log" 2>&1 &
  started+=("$!")
done
failures=0
for pid in "${started[@]}"; do wait "$pid" || failures=$((failures + 1)); done
transferred=$(( $(proxied) - bytes_before ))
downloads="$(grep -l "ModelStore: fetched $key" "$work"/concurrent-*.log | wc -l)"
# One download: at most 2 % over the state's bytes (the requests and headers), never a second copy.
if [ "$failures" -eq 0 ] && [ "$downloads" -eq 1 ] && [ $((transferred * 100)) -le $((size * 102)) ] && [ -z "$(cache_problems "$home")" ]; then
  record "$builds concurrent builds of one state" "$builds" PASS "all built; one build downloaded ($transferred bytes through the proxy for a $size-byte state, <= 1.02x)"
else
  record "$builds concurrent builds of one state" "$builds" FAIL "$failures failed, $downloads downloaded, $transferred bytes"
fi
fi

# --- A flipped byte in the cache ---------------------------------------------------------------------------------
if want flip; then
flip() { python3 - "$1" <<'PY'
import os, sys
path = sys.argv[1]
os.chmod(path, 0o644)
with open(path, "r+b") as f:
    f.seek(os.path.getsize(path) // 2)
    b = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([b[0] ^ 0xFF]))
PY
}
dir="$work/consumer-flip"
home="$work/home-flip"
make_consumer "$dir" s3
dotnet build "$dir/app.csproj" --no-restore -m:1 -nodeReuse:false "-p:ModelStoreHome=$home" >"$work/flip-first.log" 2>&1
blob="$home/blobs/sha256/${expected:0:2}/$expected"
flip "$blob"
dotnet build "$dir/app.csproj" --no-restore -m:1 -nodeReuse:false "-p:ModelStoreHome=$home" >"$work/flip-online.log" 2>&1; online=$?
online_ok=false
[ "$online" -eq 0 ] && grep -q "MST0004" "$work/flip-online.log" && [ "$(sha256sum "$blob" | cut -d' ' -f1)" = "$expected" ] && online_ok=true
flip "$blob"
dotnet build "$dir/app.csproj" --no-restore -m:1 -nodeReuse:false "-p:ModelStoreHome=$home" -p:ModelStoreOffline=true -p:ModelStoreLockedMode=true >"$work/flip-offline.log" 2>&1; offline=$?
if $online_ok && [ "$offline" -ne 0 ] && grep -q "error MST0004" "$work/flip-offline.log"; then
  record "flipped byte in the cache" 2 PASS "online: MST0004 warning, fetched again, blob correct; offline and locked: error MST0004"
else
  record "flipped byte in the cache" 2 FAIL "online exit $online (MST0004 logged: $(grep -c MST0004 "$work/flip-online.log")), offline exit $offline"
fi
fi

# --- Secrets never reach the project's own output ----------------------------------------------------------------
if want secrets; then
export GH_TOKEN="ghp_proofSecretToken0123456789" HF_TOKEN="hf_proofSecretToken0123456789"
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=proof;AccountKey=cHJvb2ZTZWNyZXRBY2NvdW50S2V5;BlobEndpoint=http://127.0.0.1:1/proof;"
dir="$work/consumer-secrets"
make_consumer "$dir" s3
dotnet build "$dir/app.csproj" --no-restore -m:1 -nodeReuse:false "-p:ModelStoreHome=$work/home-secrets" "-bl:$work/secrets.binlog" >"$work/secrets-build.log" 2>&1
"${cli[@]}" pull "$key" --store s3://proof/states/ --setting "ServiceUrl=http://user:proofUrlPassword@127.0.0.1:$proxy_port" --cache "$work/home-secrets" >"$work/secrets-cli.log" 2>&1
"${cli[@]}" env >"$work/secrets-env.log" 2>&1
mkdir -p "$work/scan"
for binlog in "$work"/*.binlog; do zcat "$binlog" >"$work/scan/$(basename "$binlog").raw" 2>/dev/null; done
hits=""
scan() { grep -rlF --exclude-dir=cluster --exclude-dir=nuget --exclude-dir=feed --exclude-dir=cli --exclude='*.binlog' -- "$1" "$work" 2>/dev/null; }
for pair in "AWS secret key=$AWS_SECRET_ACCESS_KEY" "GH_TOKEN=$GH_TOKEN" "HF_TOKEN=$HF_TOKEN" "Azure account key=cHJvb2ZTZWNyZXRBY2NvdW50S2V5" "URL password=proofUrlPassword"; do
  found="$(scan "${pair#*=}" | sed "s|^$work/||" | tr '\n' ' ')"
  [ -n "$found" ] && hits+="${pair%%=*} in: $found; "
done
scanned="$(find "$work" -type f \( -name '*.log' -o -name '*.raw' -o -name '*.json' -o -path '*/obj/*' -o -path '*/home-*' \) -not -path '*/cluster/*' -not -path '*/nuget/*' | wc -l)"
if [ -z "$hits" ]; then
  record "secrets in output" "$scanned files" PASS "0 occurrences of 5 secrets (AWS secret key, GH_TOKEN, HF_TOKEN, Azure account key, URL password) in console logs, binlogs, lock files, obj/ and the caches"
else
  record "secrets in output" "$scanned files" FAIL "$hits"
fi
fi

# --- A server that echoes the request's headers in its errors ------------------------------------------------------
if want echo; then
echo_port="$(free_port)"
: >"$work/echo-requests.log"
python3 "$here/echo-server.py" "$echo_port" "$work/echo-requests.log" & pids+=("$!")
sleep 0.5
# Values not shaped like tokens: only the scrubber's knowledge of the environment can catch them.
hf_value="proofHubValue$RANDOM$RANDOM"; gh_value="proofGitHubValue$RANDOM$RANDOM"; aws_value="proofSessionValue$RANDOM$RANDOM"
HF_TOKEN="$hf_value" "${cli[@]}" pull "$key" --store hf:proof/echo --setting "Endpoint=http://127.0.0.1:$echo_port/" --setting MaxRetries=0 --cache "$work/home-echo" >"$work/echo-hf.log" 2>&1; hf_status=$?
GH_TOKEN="$gh_value" "${cli[@]}" pull "$key" --store github:proof/echo --setting "BaseAddress=http://127.0.0.1:$echo_port/" --setting MaxRetries=0 --cache "$work/home-echo" >"$work/echo-github.log" 2>&1; gh_status=$?
AWS_SESSION_TOKEN="$aws_value" "${cli[@]}" pull "$key" --store s3://proof/states/ --setting "ServiceUrl=http://127.0.0.1:$echo_port" --setting MaxRetries=0 --cache "$work/home-echo" >"$work/echo-s3.log" 2>&1; s3_status=$?
sent=0
for value in "$hf_value" "$gh_value" "$aws_value"; do grep -qF -- "$value" "$work/echo-requests.log" && sent=$((sent + 1)); done
printed="$(cat "$work/echo-hf.log" "$work/echo-github.log" "$work/echo-s3.log" | grep -cF -e "$hf_value" -e "$gh_value" -e "$aws_value" || true)"
escapes="$(cat "$work/echo-hf.log" "$work/echo-github.log" "$work/echo-s3.log" | grep -c $'\x1b' || true)"
if [ "$sent" -eq 3 ] && [ "$printed" -eq 0 ] && [ "$escapes" -eq 0 ] && [ "$hf_status" -eq 1 ] && [ "$gh_status" -eq 1 ] && [ "$s3_status" -eq 1 ] \
   && no_stack_trace "$work/echo-hf.log" && no_stack_trace "$work/echo-github.log" && no_stack_trace "$work/echo-s3.log"; then
  record "echoing server (HF, GitHub, S3)" 3 PASS "3 of 3 credentials sent and echoed back; secrets printed: 0, raw ESC printed: 0, each a coded error"
else
  record "echoing server (HF, GitHub, S3)" 3 FAIL "sent $sent of 3, secrets printed: $printed, raw ESC printed: $escapes, exits $hf_status/$gh_status/$s3_status"
fi
fi

# --- A read-only cache file system: fails at once with a coded error ------------------------------------------------
if want readonly; then
ro="$work/ro-cache"
mkdir -p "$ro"
if mount -t tmpfs -o size=1m tmpfs "$ro" 2>"$work/ro-mount.log" && mkdir -p "$ro/locks" "$ro/tmp" "$ro/blobs" "$ro/index" && mount -o remount,ro "$ro" 2>>"$work/ro-mount.log"; then
  start="$(now_ms)"
  timeout 120 "${cli[@]}" pull "$key" --store "$work/local" --cache "$ro" >"$work/readonly.log" 2>&1; status=$?
  elapsed=$(( ($(now_ms) - start) / 1000 ))
  umount "$ro"
  if [ "$status" -eq 1 ] && grep -q "error (Cache)" "$work/readonly.log" && grep -qi "read-only" "$work/readonly.log" && no_stack_trace "$work/readonly.log" && [ "$elapsed" -le 10 ]; then
    record "read-only cache file system" 1 PASS "exit 1 after ${elapsed} s with error (Cache) naming the read-only file system (it used to wait 30 min for a lock 'held by another process')"
  else
    record "read-only cache file system" 1 FAIL "exit $status after ${elapsed} s: $(tail -2 "$work/readonly.log" | tr '\n' ' ')"
  fi
else
  record "read-only cache file system" 0 FAIL "could not mount a read-only file system (needs root): $(tr '\n' ' ' <"$work/ro-mount.log")"
fi
fi

# --- The table ---------------------------------------------------------------------------------------------------
echo
echo "Fault proof suite ($($short && echo short || echo full) form, seed $seed, $(nproc) cores, state ${size_mib} MiB, $(date -u +%Y-%m-%d)):"
echo
echo "| Scenario | Runs | Result | Evidence |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "proof: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
