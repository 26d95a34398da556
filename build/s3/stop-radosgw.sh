#!/usr/bin/env bash
# Stops the cluster started by start-radosgw.sh DIR (radosgw, OSD, monitor, in that order) and deletes DIR
# (unless --keep).
# usage: stop-radosgw.sh DIR [--keep]
set -uo pipefail
dir="${1:?usage: stop-radosgw.sh DIR [--keep]}"
[ -d "$dir" ] || exit 0
for name in client.rgw.a osd.0 mon.a; do
  pidfile="$dir/run/$name.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
done
[ "${2:-}" = "--keep" ] || rm -rf "$dir"
