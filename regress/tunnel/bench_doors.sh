#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Benchmark: login to first answer through the tunnel; tunnel throughput.

# Twenty logins, each followed by pccx up, which returns once GET
# /v1/health has been answered through the tunnel: the p50 of the time
# from the end of the login to that answer (goal: under 1 s).  Then a
# download of 200 MiB from a file server on the host, once through the
# tunnel and once over the veth pair, in the same run, and the ratio.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_doors.sh"

RUNS=${RUNS:-20}
MIB=${MIB:-200}
doors_suite
doors_browser

ms() { echo $(( $(date +%s%N) / 1000000 )); }

login device register >/dev/null || bail "no registration"
n=1
while [ $n -le "$RUNS" ]; do
	# A browser run can stall at the provider: one more try.
	[ $n -eq 1 ] || login login >/dev/null || login login >/dev/null ||
	    bail "login $n failed: $(grep '^done' "$T/bout" | tail -1)"
	t0=$(ms)
	pccx up -i "$WGL" >/dev/null 2>&1 || bail "pccx up failed ($n)"
	t1=$(ms)
	pccx devices >/dev/null 2>&1 || bail "no answer through the tunnel"
	t2=$(ms)
	echo "$((t1 - t0)) $((t2 - t0))" >>"$T/lat"
	if [ $n -lt "$RUNS" ]; then
		pccx logout >/dev/null 2>&1
		pccx down >/dev/null 2>&1
	fi
	n=$((n + 1))
done
p50() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "login to first answer through the tunnel (health), $RUNS runs:" \
    "p50 $(cut -d' ' -f1 "$T/lat" | p50) ms," \
    "max $(cut -d' ' -f1 "$T/lat" | sort -n | tail -1) ms"
echo "login to first authenticated answer through the tunnel:" \
    "p50 $(cut -d' ' -f2 "$T/lat" | p50) ms"

# The file server listens on every host address: the tunnel's and the
# veth's.
mkdir "$T/www"
truncate -s "${MIB}M" "$T/www/big"
FPORT=$(free_port)
python3 -m http.server --bind 0.0.0.0 --directory "$T/www" "$FPORT" \
    >"$T/www.log" 2>&1 &
MORE_PIDS=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$FPORT/" || [ $i -ge 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
speed() {
	lap curl -sS --max-time 120 -o /dev/null -w '%{speed_download}' \
	    "http://$1:$FPORT/big"
}
tun=$(speed "$TUN.1") || bail "no download through the tunnel"
veth=$(speed "$HOSTIP") || bail "no download over the veth"
awk -v t="$tun" -v v="$veth" -v m="$MIB" 'BEGIN {
	printf "%d MiB through the tunnel: %.1f MB/s; over the veth: " \
	    "%.1f MB/s; ratio %.3f\n", m, t / 1e6, v / 1e6, t / v }'
