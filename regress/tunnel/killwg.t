#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# A SIGKILL of pccx-tunneld leaves neither wireguard-go nor its interface.

# The suite runs with a tunnel block on wireguard-go; pccx-tunneld is
# killed with SIGKILL, which skips its exit handler.  The suite stops,
# as for the loss of any child, and wireguard-go, which the kernel
# sends SIGTERM when its parent dies (PR_SET_PDEATHSIG), exits and
# takes its interface with it within a few seconds.

. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null ||
    ! command -v wg >/dev/null || ! command -v ip >/dev/null; then
	echo "1..0 # SKIP needs root, wireguard-go, wg and ip"
	exit 0
fi

# Names are unique per run: UAPI sockets are shared by namespaces.
S=$(( $$ % 100000 ))
WGS=pkw$S
T=$(mktemp -d /tmp/pccx-killwg.XXXXXX)
chmod 755 "$T"
SUITE_PID=
WGPID=

# The suite's wireguard-go, found by its exact command line.
suite_wg() {
	for p in $(pgrep -x wireguard-go); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = \
		    "wireguard-go -f $WGS " ] && echo "$p"
	done
}

cleanup() {
	suite_stop
	for p in $(suite_wg); do
		kill "$p" 2>/dev/null
	done
	ip link del "$WGS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

plan 8

"$PCCX_TOP/etc/pccx-users" add
(umask 077; wg genkey >"$T/wg.key")
PORT=$(free_port)
suite_conf
cat >>"$T/pccx.conf" <<CONF
tunnel {
	interface "$WGS"
	address 10.77.$((S % 200)).1/24
	pool 10.77.$((S % 200)).0/24
	port $(( 40000 + (S + 11) % 20000 ))
	private-key-file "$T/wg.key"
}
CONF
suite_start
ok $? "the suite starts with a tunnel on wireguard-go"
TPID=$(child_pid tunnel)
WGPID=$(suite_wg)
[ -n "$TPID" ] && [ -n "$WGPID" ] &&
    [ "$(awk '/^PPid:/ { print $2 }' "/proc/$WGPID/status")" = "$TPID" ]
ok $? "wireguard-go ($WGPID) is pccx-tunneld's ($TPID) child"
ip link show "$WGS" >/dev/null 2>&1
ok $? "the interface $WGS exists"
# It holds none of pccx-tunneld's channels: no socket of its is one
# that pccx-tunneld holds too.
socks() {
	for f in /proc/$1/fd/*; do
		readlink "$f"
	done 2>/dev/null | grep '^socket:' | sort -u
}
socks "$TPID" >"$T/tsocks"
shared=$(socks "$WGPID" | comm -12 - "$T/tsocks" | wc -l)
[ -s "$T/tsocks" ] && [ "$shared" -eq 0 ]
ok $? "wireguard-go holds no socket of pccx-tunneld's ($shared shared)"

t0=$(date +%s%N)
kill -KILL "$TPID"
wait_gone "$SUITE_PID" 5000
ok $? "the suite stops when pccx-tunneld is killed"
wait "$SUITE_PID" 2>/dev/null
SUITE_PID=
grep -q "tunnel.*\(exited\|killed\|signal\)" "$T/log"
ok $? "the parent saw pccx-tunneld die"

# Within 5 s: wireguard-go gone, and the interface with it.
wait_gone "$WGPID" 5000
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $rc "wireguard-go exits without its parent, $ms ms after the SIGKILL"
i=0
while ip link show "$WGS" >/dev/null 2>&1 && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
! ip link show "$WGS" >/dev/null 2>&1 && [ -z "$(suite_wg)" ]
ok $? "no interface $WGS and no wireguard-go for it are left"
[ $tap_failed -eq 0 ] || sed 's/^/# /' "$T/log" | tail -20

finish
