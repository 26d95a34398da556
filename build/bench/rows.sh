# Sourced by the benchmark scripts: the statistics of a row.
# stats: whitespace-separated numbers on stdin -> "median min max" (three decimals).
stats() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f", m, a[1], a[NR] }'; }
# load_now: the 1-minute load average, recorded after each run of a row.
load_now() { cut -d' ' -f1 /proc/loadavg; }
