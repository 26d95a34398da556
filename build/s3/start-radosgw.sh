#!/usr/bin/env bash
# Starts a throwaway single-node Ceph cluster serving S3 on 127.0.0.1, for tests and benchmarks:
# one monitor, one memory-backed OSD (MemStore, nothing touches a disk) and radosgw, with cephx off.
# Everything lives under DIR; stop it with build/s3/stop-radosgw.sh DIR.
#
# usage: start-radosgw.sh DIR S3_PORT [MEMORY_BYTES]
# On success DIR/s3.env holds S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY (a fresh random user);
# nothing secret is printed. Logs are in DIR/log.
set -euo pipefail
dir="${1:?usage: start-radosgw.sh DIR S3_PORT [MEMORY_BYTES]}"
s3_port="${2:?usage: start-radosgw.sh DIR S3_PORT [MEMORY_BYTES]}"
memory="${3:-2147483648}"
here="$(cd "$(dirname "$0")" && pwd)"
for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph python3; do
  command -v "$tool" >/dev/null || { echo "start-radosgw: $tool is missing (apt packages radosgw ceph-mon ceph-osd)" >&2; exit 2; }
done

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/ceph.conf"
ceph_cli=(ceph --conf "$conf" --connect-timeout 10)

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

write_conf() { # MON_PORT FSID
  cat >"$conf" <<CONF
[global]
fsid = $2
mon host = v1:127.0.0.1:$1
mon initial members = a
public addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = /dev/null
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
# At its first start an OSD places itself in the CRUSH map and sets its device class, monitor commands that are
# refused now and then ("init unable to update_crush_location: (1) Operation not permitted"); the script places it
# before it starts instead (start_cluster), and one memory OSD needs no device class.
osd crush update on start = false
osd class update on start = false
osd objectstore = memstore
memstore device bytes = $memory
osd data = $dir/osd/\$cluster-\$id
mon data = $dir/mon/\$cluster-\$id
osd max object size = 1073741824
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$s3_port
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw thread pool size = 64
CONF
}

# One attempt from scratch; returns non-zero (rather than exiting) so that the caller can retry.
start_cluster() {
  rm -rf "$dir"/{run,log,mon,osd} "$dir/monmap"
  mkdir -p "$dir"/{run,log,mon,osd}
  local mon_port fsid osd_uuid osd_id
  mon_port="$(free_port)"
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  write_conf "$mon_port" "$fsid"
  monmaptool --create --clobber --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null || return 1
  ceph-mon --conf "$conf" --mkfs -i a --monmap "$dir/monmap" >>"$dir/log/setup.log" 2>&1 || return 1
  ceph-mon --conf "$conf" -i a >>"$dir/log/setup.log" 2>&1 || return 1
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  osd_id="$("${ceph_cli[@]}" osd new "$osd_uuid" 2>>"$dir/log/setup.log")" || return 1
  "${ceph_cli[@]}" osd crush add "osd.$osd_id" 1.0 root=default host=localhost >>"$dir/log/setup.log" 2>&1 || return 1
  mkdir -p "$dir/osd/ceph-$osd_id"
  ceph-osd --conf "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$dir/log/setup.log" 2>&1 || return 1
  ceph-osd --conf "$conf" -i "$osd_id" >>"$dir/log/setup.log" 2>&1 || return 1
  for _ in $(seq 1 120); do
    "${ceph_cli[@]}" osd stat 2>/dev/null | grep -q "1 up" && break
    sleep 0.25
  done
  radosgw --conf "$conf" -n client.rgw.a >>"$dir/log/setup.log" 2>&1 || return 1
  for _ in $(seq 1 240); do
    (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

# Now and then the OSD's first start fails under load (the monitor answers "wrong fsid"); a fresh attempt clears it.
started=""
for attempt in 1 2 3; do
  if start_cluster; then
    started=yes
    break
  fi
  echo "start-radosgw: attempt $attempt failed; last log lines:" >&2
  tail -n 3 "$dir/log/setup.log" >&2 || true
  "$here/stop-radosgw.sh" "$dir" --keep
done
[ -n "$started" ] || { echo "start-radosgw: radosgw did not start on port $s3_port; see $dir/log" >&2; exit 1; }

access_key="$(head -c 15 /dev/urandom | base32 | tr -d '=')"
secret_key="$(head -c 30 /dev/urandom | base64 | tr -d '=+/')"
radosgw-admin --conf "$conf" user create --uid modelstore-tests --display-name "ModelStore tests" \
  --access-key "$access_key" --secret-key "$secret_key" >/dev/null 2>>"$dir/log/setup.log" \
  || { echo "start-radosgw: creating the S3 user failed; see $dir/log/setup.log" >&2; exit 1; }
umask 077
cat >"$dir/s3.env" <<ENV
S3_ENDPOINT=http://127.0.0.1:$s3_port
S3_ACCESS_KEY=$access_key
S3_SECRET_KEY=$secret_key
ENV
echo "radosgw listening on http://127.0.0.1:$s3_port (state in $dir)"
