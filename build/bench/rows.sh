# Sourced by the benchmark scripts: the statistics of a row.
# stats: whitespace-separated numbers on stdin -> "median min max" (three decimals).
stats() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f", m, a[1], a[NR] }'; }
# load_now: the 1-minute load average, recorded after each run of a row.
load_now() { cut -d' ' -f1 /proc/loadavg; }
# consumer_folder DIR FEED: a folder for a consumer project built against FEED: the repository's global.json, a
# nuget.config taking ModelStore* from FEED and the rest from nuget.org, and a Program.cs; the caller writes the project.
consumer_folder() {
  local repo; repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  mkdir -p "$1"
  cp "$repo/global.json" "$1/"
  cat >"$1/nuget.config" <<XML
<configuration><packageSources><clear /><add key="feed" value="$2" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
<packageSourceMapping><packageSource key="feed"><package pattern="ModelStore*" /></packageSource><packageSource key="nuget.org"><package pattern="*" /></packageSource></packageSourceMapping></configuration>
XML
  echo 'Console.WriteLine("hello");' >"$1/Program.cs"
}

# modelstore_tool WORK: prints the path of the modelstore command a user gets. MODELSTORE_CLI (a folder holding a
# modelstore executable) when set; otherwise the CLI is packed (its RID-specific tool packages: the native AOT one on
# linux-x64) and installed into WORK by build/pack-tool.sh, as `dotnet tool install` installs it for a user.
modelstore_tool() {
  local work="$1" repo
  if [ -n "${MODELSTORE_CLI:-}" ]; then
    find "$MODELSTORE_CLI" -maxdepth 1 \( -type f -o -type l \) \( -name modelstore -o -name ModelStore.Cli \) | head -1
    return
  fi
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  "$repo/build/pack-tool.sh" "$work/modelstore-tool" "0.0.0-bench.$(date +%s)" | tail -1
}

# rotate_rows ROUNDS TOOL...: every round runs each tool once, in an order rotated by one each round, through the
# caller's functions run_tool TOOL ROUND (the measured command), verify_tool TOOL ROUND (its bytes are right) and
# clean_tool TOOL ROUND (untimed). Collects per tool, in the associative arrays walls, cpus, rsss and loads, the wall
# time, the CPU time (user + system), the peak RSS (KiB) and the 1-minute load after the run. The caller exports
# run_tool and what it reads (it runs under /usr/bin/time in a child bash).
rotate_rows() {
  local rounds="$1"; shift
  local tools=("$@") count=$# round i tool wall user sys rss timing
  timing="$(mktemp)"
  for round in $(seq 0 $((rounds - 1))); do
    for i in $(seq 0 $((count - 1))); do
      tool="${tools[$(((i + round) % count))]}"
      sync # no dirty pages of the previous run left for this one to wait on
      if ! /usr/bin/time -f "%e %U %S %M" -o "$timing" bash -c 'run_tool "$@"' _ "$tool" "$round" >"$timing.out" 2>&1; then
        echo "[$round] $tool FAILED:"; cat "$timing.out"; rm -f "$timing" "$timing.out"; return 1
      fi
      verify_tool "$tool" "$round" || { echo "[$round] $tool wrote other bytes"; rm -f "$timing" "$timing.out"; return 1; }
      read -r wall user sys rss <"$timing"
      echo "[$round] $tool wall $wall s cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') s peak RSS $((rss / 1024)) MiB"
      walls[$tool]+="$wall "
      cpus[$tool]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') "
      rsss[$tool]+="$rss "
      loads[$tool]+="$(load_now) "
      clean_tool "$tool" "$round"
    done
  done
  rm -f "$timing" "$timing.out"
}

# print_rows SIZE_MIB TOOL...: one line per tool from rotate_rows' arrays: "row TOOL: wall median M s (min A, max B),
# cpu median C s, cpu/GiB G s, peak RSS R MiB, load L (max X)"; sets median_TOOL (TOOL with - and . as _) to the median wall.
print_rows() {
  local size_mib="$1"; shift
  local tool wall_median wall_min wall_max cpu_median load_median load_max rss_max
  for tool in "$@"; do
    read -r wall_median wall_min wall_max <<<"$(echo "${walls[$tool]}" | stats)"
    read -r cpu_median _ _ <<<"$(echo "${cpus[$tool]}" | stats)"
    read -r _ _ rss_max <<<"$(echo "${rsss[$tool]:-0}" | stats)"
    read -r load_median _ load_max <<<"$(echo "${loads[$tool]}" | stats)"
    echo "row $tool: wall median $wall_median s (min $wall_min, max $wall_max), cpu median $cpu_median s, cpu/GiB $(awk -v c="$cpu_median" -v m="$size_mib" 'BEGIN { printf "%.2f", c * 1024 / m }') s, peak RSS $(awk -v r="$rss_max" 'BEGIN { printf "%d", r / 1024 }') MiB, load $load_median (max $load_max)"
    printf -v "median_${tool//[-.]/_}" '%s' "$wall_median"
  done
}

# ratio A B: "A/B" as "1.23x".
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }'; }
