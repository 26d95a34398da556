#!/usr/bin/env bash
# Many small states from radosgw, cold: the shipped `modelstore restore` (default flags: its SHA-256 check, cache insert
# and fsync per state) against `aws s3 sync` and `rclone copy` (their defaults: no hash kept, no fsync) of the same
# objects, and the resolve step of a real `dotnet build` of a consumer project declaring every state (against the packed
# feed, cold cache).
#   build/bench/many/run.sh [COUNT=1000] [SIZE_KB=64] [ROUNDS=3]
# Every round runs the contenders in another order (rotated), each into a fresh cache or an empty folder; each row prints
# the median wall time with min-max, the median CPU (user+sys, with the radosgw it drives excluded), and the 1-minute
# load average after each run. The build row also prints the ResolveModelStates task's own time (PerformanceSummary).
# MODELSTORE_CLI=/folder/with/modelstore reuses an installed CLI; MODELSTORE_FEED=/path/to/feed a packed feed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
count="${1:-1000}"
size_kb="${2:-64}"
rounds="${3:-3}"
work="$(mktemp -d /tmp/modelstore-bench-many.XXXXXX)"
cluster="$work/cluster"
cleanup() { "$root/build/s3/stop-radosgw.sh" "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 NUGET_PACKAGES="$work/packages"
source "$root/build/bench/rows.sh"
fail() { echo "many: $*" >&2; exit 1; }
for tool in aws rclone openssl; do command -v "$tool" >/dev/null || fail "$tool is missing (build/prereqs/apt-packages.txt)"; done

# --- The shipped tool and the packed feed -------------------------------------------------------------------------
mkdir -p "$work/cli"
modelstore="$(modelstore_tool "$work/cli")" && [ -x "$modelstore" ] || fail "no modelstore executable"
feed="${MODELSTORE_FEED:-}"
if [ -z "$feed" ]; then
  feed="$work/feed"
  for project in src/ModelStore/ModelStore.csproj src/ModelStore.Build/ModelStore.Build.csproj; do
    dotnet pack "$root/$project" -c Release -o "$feed" -nodeReuse:false -v:q >"$work/pack.log" 2>&1 || { tail -30 "$work/pack.log"; fail "pack failed"; }
  done
fi
version="$(basename "$(ls "$feed"/ModelStore.Build.*.nupkg | grep -v symbols | head -1)" .nupkg)"; version="${version#ModelStore.Build.}"

# --- radosgw with COUNT objects in MoZuMa's layout ----------------------------------------------------------------
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$root/build/s3/start-radosgw.sh" "$cluster" "$port" $(( (count * size_kb * 4 + 1048576) * 1024 )) >/dev/null || fail "radosgw did not start"
set -a; . "$cluster/s3.env"; set +a
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_DEFAULT_REGION=us-east-1
export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph RCLONE_CONFIG_RGW_ENDPOINT="$S3_ENDPOINT" \
  RCLONE_CONFIG_RGW_ACCESS_KEY_ID="$S3_ACCESS_KEY" RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY="$S3_SECRET_KEY" RCLONE_CONFIG_RGW_REGION=us-east-1
unset S3_ACCESS_KEY S3_SECRET_KEY
aws=(aws --endpoint-url "$S3_ENDPOINT")
bucket=bench-many
mkdir -p "$work/objects/pretrained-models/pytorch"
for i in $(seq -w 1 "$count"); do head -c $((size_kb * 1024)) /dev/urandom >"$work/objects/pretrained-models/pytorch/many-net.part$i.v1.pt"; done
(cd "$work/objects/pretrained-models" && openssl dgst -sha256 -r pytorch/*.pt | sed 's/ \*/ /' | sort >"$work/manifest")
"${aws[@]}" s3 mb "s3://$bucket" >/dev/null || fail "cannot create the bucket"
"${aws[@]}" s3 cp --recursive --only-show-errors "$work/objects" "s3://$bucket/" || fail "upload failed"
rm -rf "$work/objects"

# --- The consumer project (all COUNT states), built once to write its lock file -----------------------------------
app="$work/app"
consumer_folder "$app" "$feed"
{
  echo '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup><ItemGroup>'
  echo "<PackageReference Include=\"ModelStore.Build\" Version=\"$version\" PrivateAssets=\"all\" />"
  echo "<ModelStore Include=\"bench\" Kind=\"S3\" Bucket=\"$bucket\" BasePath=\"pretrained-models\" ServiceUrl=\"$S3_ENDPOINT\" Region=\"us-east-1\" />"
  for i in $(seq -w 1 "$count"); do echo "<ModelState Include=\"pytorch/many-net.part$i.v1\" Store=\"bench\" />"; done
  echo '</ItemGroup></Project>'
} >"$app/app.csproj"
MODELSTORE_HOME="$work/home-warmup" dotnet build "$app/app.csproj" -nodeReuse:false -v:q >"$work/warmup.log" 2>&1 || { tail -30 "$work/warmup.log"; fail "the first build failed"; }
[ -f "$app/modelstates.lock.json" ] || fail "the first build wrote no lock file"
rm -rf "$work/home-warmup"
echo "$count states of $size_kb KB in s3://$bucket/pretrained-models/ on radosgw $S3_ENDPOINT; $(nproc) cores; modelstore $modelstore; ModelStore.Build $version"

# --- The rows -----------------------------------------------------------------------------------------------------
run_tool() { # tool, round
  case "$1" in
    restore) MODELSTORE_HOME="$work/home-$2" "$modelstore" restore "$app/modelstates.lock.json" --store-setting "bench:ServiceUrl=$S3_ENDPOINT" ;;
    aws) aws --endpoint-url "$S3_ENDPOINT" s3 sync --only-show-errors "s3://$bucket/pretrained-models/" "$work/aws-$2" ;;
    rclone) env -u AWS_CA_BUNDLE rclone copy "rgw:$bucket/pretrained-models" "$work/rclone-$2" ;; # its AWS SDK refuses a CA bundle for its HTTP transport
    build)
      find "$app/obj" -name modelstates.stamp -delete
      MODELSTORE_HOME="$work/home-$2" dotnet build "$app/app.csproj" --no-restore -nodeReuse:false -tl:off -v:q -clp:PerformanceSummary ;;
  esac
}
verify_tool() { # tool, round: every tool wrote every object's bytes
  case "$1" in
    restore|build)
      [ "$(find "$work/home-$2/blobs" -type f | wc -l)" -eq "$count" ] || return 1
      while read -r sha _; do [ -f "$work/home-$2/blobs/sha256/${sha:0:2}/$sha" ] || return 1; done <"$work/manifest" ;;
    aws|rclone) (cd "$work/$1-$2" && openssl dgst -sha256 -r pytorch/*.pt | sed 's/ \*/ /' | sort | cmp -s - "$work/manifest") ;;
  esac
}
export work app bucket modelstore S3_ENDPOINT
export -f run_tool
clean_tool() { rm -rf "$work/home-$2" "$work/aws-$2" "$work/rclone-$2"; }

tools=(restore aws rclone build)
declare -A walls cpus loads tasks
for round in $(seq 0 $((rounds - 1))); do
  for i in $(seq 0 $((${#tools[@]} - 1))); do
    tool="${tools[$(((i + round) % ${#tools[@]}))]}"
    sync # no dirty pages of an earlier contender waiting to be written by whoever runs next
    if ! /usr/bin/time -f "%e %U %S" -o "$work/time" bash -c 'run_tool "$@"' _ "$tool" "$round" >"$work/out" 2>&1; then
      echo "[$round] $tool FAILED:"; tail -30 "$work/out"; exit 1
    fi
    verify_tool "$tool" "$round" || { echo "[$round] $tool did not write every object's bytes"; tail -20 "$work/out"; exit 1; }
    read -r wall user sys <"$work/time"
    cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    task=""
    if [ "$tool" = build ]; then
      task="$(sed -n '/Task Performance Summary/,$p' "$work/out" | grep -E '^ +[0-9,]+ ms +ResolveModelStates ' | tr -d , | awk '{ print $1 / 1000 }' | head -1)"
      [ -n "$task" ] || { echo "[$round] build: no ResolveModelStates line in its performance summary:"; grep -A30 'Task Performance Summary' "$work/out" | head -30; }
      tasks[build]+="${task:-0} "
    fi
    echo "[$round] $tool wall $wall s cpu $cpu s${task:+ (ResolveModelStates task $task s)}"
    walls[$tool]+="$wall "; cpus[$tool]+="$cpu "; loads[$tool]+="$(load_now) "
    clean_tool "$tool" "$round"
  done
done

echo
echo "rows ($count x $size_kb KB, $rounds rounds, order rotated each round; load = median and max of the 1-minute load average after each run of the row):"
for tool in "${tools[@]}"; do
  read -r wall_median wall_min wall_max <<<"$(echo "${walls[$tool]}" | stats)"
  read -r cpu_median _ _ <<<"$(echo "${cpus[$tool]}" | stats)"
  read -r load_median _ load_max <<<"$(echo "${loads[$tool]}" | stats)"
  echo "row $tool: wall median $wall_median s (min $wall_min, max $wall_max), cpu median $cpu_median s, load $load_median (max $load_max)"
  eval "median_$tool=$wall_median"
done
read -r median_task task_min task_max <<<"$(echo "${tasks[build]:-0}" | stats)"
echo "row build-resolve: median $median_task s (min $task_min, max $task_max), the ResolveModelStates task inside the build row (its PerformanceSummary)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "ratio restore/aws (wall median): $(ratio "$median_restore" "$median_aws") (goal <= 1.0x)"
echo "ratio restore/rclone (wall median): $(ratio "$median_restore" "$median_rclone")"
echo "ratio build-resolve/restore (task median / restore median): $(ratio "$median_task" "$median_restore") (goal <= 1.2x)"
echo "ratio build/restore (whole build, wall median): $(ratio "$median_build" "$median_restore")"
