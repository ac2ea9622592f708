#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# wireguard-go in a "laptop" namespace reaches the tunnel daemon's side.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_wg.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null ||
    ! command -v wg >/dev/null || ! command -v ip >/dev/null; then
	echo "1..0 # SKIP needs root, wireguard-go, wg and ip"
	exit 0
fi

# Names are unique per run: UAPI sockets are shared by namespaces.
S=$(( $$ % 100000 ))
NS=pccxlap$S
VH=pvh$S
VL=pvl$S
WGS=pws$S
WGL=pwl$S
T=$(mktemp -d /tmp/pccx-wg.XXXXXX)
chmod 755 "$T"
HPID=
LPID=
SRVPID=
SUITE_PID=

cleanup() {
	exec 3>&- 2>/dev/null
	for p in $HPID $LPID $SRVPID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	suite_stop
	wg_unwire
	ip link del "pxt$S" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

plan 18

# The wire: host 172.31.254.1/30 <-> laptop 172.31.254.2/30.
wg_veth 172.31.254
ok $? "laptop namespace joined to the host by a veth pair"

umask 077
wg_keys
WGPORT=$(( 40000 + S % 20000 ))

# The tunnel side: the daemon's backend and peer table, on the host.
mkfifo "$T/in"
# The harness opens its output only once the fifo has a writer.
: >"$T/out"
"$PCCX_BIN/regress/tunnel/wgharness" "$WGS" 10.77.0.1/24 10.77.0.0/24 \
    "$WGPORT" "$T/server.key" <"$T/in" >"$T/out" 2>"$T/harness.log" &
HPID=$!
exec 3>"$T/in"

is "$(reply 1)" "ready" "wireguard-go started and configured"
ip -o addr show dev "$WGS" 2>/dev/null | grep -q 'inet 10.77.0.1/24'
ok $? "the interface has the suite's address"

echo "add alice@example.org laptop1 s1 $LPUB" >&3
got=$(reply 2)
is "$got" "ok 10.77.0.2/32 -" "PEER_ADD gives the first pool address"
LADDR=${got#ok }
LADDR=${LADDR%% *}

# The laptop: its own wireguard-go, set with wg, in the namespace.
wg_laptop "172.31.254.1:$WGPORT" "$LADDR" 10.77.0.1
ok $? "laptop wireguard-go configured"

# A listener on the suite's tunnel address answers one line.
LPORT=$(( 20000 + S % 20000 ))
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "10.77.0.1",
	    LocalPort => $ARGV[0], Listen => 5, ReuseAddr => 1) or die;
	while (my $c = $s->accept) { print $c "pccx-tunnel-ok\n"; close $c }
' "$LPORT" 3>&- &
SRVPID=$!
sleep 0.2

fetch() {
	ip netns exec "$NS" perl -MIO::Socket::INET -e '
		my $c = IO::Socket::INET->new(PeerAddr => "10.77.0.1",
		    PeerPort => $ARGV[0], Timeout => $ARGV[1]) or exit 1;
		$c->timeout($ARGV[1]);
		print scalar <$c>;
	' "$LPORT" "$1"
}
got=$(fetch 8)
is "$got" "pccx-tunnel-ok" "a TCP request from the laptop reaches the listener"

echo "show" >&3
got=$(reply 3)
hs=$(echo "$got" | awk '{ print $5 }')
[ -n "$hs" ] && [ "$hs" -gt 0 ]
ok $? "the backend reports a handshake ($got)"
reply 4 >/dev/null

echo "add bob@example.org laptop2 s2 $LPUB" >&3
is "$(reply 5)" "err 4" "the key of another user's device is refused"

echo "del session s1" >&3
is "$(reply 6)" "deleted 1" "PEER_DEL removes the session's peer"
got=$(fetch 3)
is "$got" "" "the tunnel is cut after PEER_DEL"

echo "show" >&3
is "$(reply 7)" "end" "the table is empty"

# wireguard-go is tied to its owner: it goes when the owner goes.
WGPID=$(pgrep -P "$HPID" -x wireguard-go)
exec 3>&-
wait "$HPID" 2>/dev/null
HPID=
[ -n "$WGPID" ] && wait_gone "$WGPID" 3000
ok $? "wireguard-go ends with the process that started it"

# The real suite with a tunnel block: pccx-tunneld runs wireguard-go.
"$PCCX_TOP/etc/pccx-users" add
PORT=$(free_port)
suite_conf
cat >>"$T/pccx.conf" <<CONF
tunnel {
	interface "pxt$S"
	address 10.79.0.1/24
	pool 10.79.0.0/24
	port $((WGPORT + 1))
	private-key-file "$T/server.key"
}
CONF
suite_start
ok $? "the suite starts with a tunnel block"
TPID=$(child_pid tunnel)
is "$(awk '/^CapEff/ { print $2 }' "/proc/$TPID/status")" \
    "0000000000001000" \
    "the tunnel daemon keeps CAP_NET_ADMIN and nothing else"
is "$(awk '/^Seccomp:/ { print $2 }' "/proc/$TPID/status")" "2" \
    "the tunnel daemon runs under its seccomp filter"
is "$(ctl tunnel show | awk 'NR == 1 { print $1 } END { print NR }' |
    tr '\n' ' ')" "USER 1 " "pccxctl tunnel show relays an empty table"
WGPID=$(pgrep -P "$TPID" -x wireguard-go)
[ -n "$WGPID" ] && kill "$WGPID"
rc=0
wait_gone "$SUITE_PID" 5000 || rc=1
wait "$SUITE_PID"
st=$?
SUITE_PID=
[ $rc -eq 0 ] && [ $st -ne 0 ]
ok $? "wireguard-go's death brings the suite down (status $st)"
grep -q 'wireguard-go for pxt'"$S"' exited' "$T/log"
ok $? "the log names wireguard-go"
[ $tap_failed -eq 0 ] || sed 's/^/# /' "$T/log" | tail -20

finish
