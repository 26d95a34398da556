# Sourced by the benchmark scripts: the statistics of a row.
# stats: whitespace-separated numbers on stdin -> "median min max" (three decimals).
stats() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f", m, a[1], a[NR] }'; }
# load_now: the 1-minute load average, recorded after each run of a row.
load_now() { cut -d' ' -f1 /proc/loadavg; }
# published_cli WORK: the path of the modelstore executable, published into WORK/cli (MODELSTORE_CLI=/published/folder reuses one).
published_cli() {
  local cli="${MODELSTORE_CLI:-$1/cli}"
  if [ -z "${MODELSTORE_CLI:-}" ]; then
    dotnet publish "$root/src/ModelStore.Cli/ModelStore.Cli.csproj" -c Release -o "$cli" -nodeReuse:false -v:q >"$1/publish.log" 2>&1 \
      || { cat "$1/publish.log" >&2; return 1; }
  fi
  find "$cli" -maxdepth 1 -type f -perm -u+x \( -name modelstore -o -name ModelStore.Cli \) | head -1
}
