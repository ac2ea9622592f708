#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The TLS fallback carries WireGuard when UDP is blocked; bad certs are refused.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_wg.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null ||
    ! command -v wg >/dev/null || ! command -v ip >/dev/null ||
    ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP needs root, wireguard-go, wg, ip and openssl"
	exit 0
fi
if command -v nft >/dev/null; then
	FW=nft
elif command -v iptables >/dev/null; then
	FW=iptables
else
	echo "1..0 # SKIP needs nft or iptables"
	exit 0
fi

# Names are unique per run: UAPI sockets are shared by namespaces.
S=$(( $$ % 100000 ))
NS=pccxfb$S
VH=pfh$S
VL=pfl$S
WGS=pfs$S
WGL=pfw$S
NET=172.31.$(( 100 + S % 100 ))
T=$(mktemp -d /tmp/pccx-fb.XXXXXX)
chmod 755 "$T"
HPID=
LPID=
SRVPID=
RPID=
SUITE_PID=

cleanup() {
	exec 3>&- 2>/dev/null
	for p in $RPID $HPID $LPID $SRVPID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	suite_stop
	ip link del "pft$S" 2>/dev/null
	wg_unwire
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

plan 33

wg_veth "$NET"
ok $? "laptop namespace joined to the host by a veth pair"

# The PKI: the suite's server CA, the device CA, a stranger's CA.
umask 077
P=$T/pki
mkdir -p "$P"
ca() {
	openssl req -x509 -newkey ed25519 -nodes -keyout "$P/$1.key" \
	    -out "$P/$1.crt" -days 2 -subj "/CN=$1" 2>/dev/null
}
# leaf NAME CA EXT SUBJECT
leaf() {
	openssl genpkey -algorithm ed25519 -out "$P/$1.key" 2>/dev/null &&
	openssl req -new -key "$P/$1.key" -subj "$4" -out "$P/$1.csr" \
	    2>/dev/null &&
	printf '%s\n' "$3" >"$P/$1.ext" &&
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.crt" -CAkey "$P/$2.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 2 \
	    -extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null
}
CLI='extendedKeyUsage=clientAuth'
ca server-ca && ca device-ca && ca other-ca &&
leaf server server-ca "subjectAltName=IP:$NET.1" "/CN=$NET.1" &&
leaf dev1 device-ca "$CLI" "/CN=dev1-$S" &&
leaf dev2 device-ca "$CLI" "/CN=dev2-$S" &&
leaf stranger other-ca "$CLI" "/CN=dev1-$S"
ok $? "certificates for the server, two devices and a stranger"

wg_keys
WGPORT=$(( 40000 + S % 20000 ))
FBPORT=$(( 20000 + S % 20000 ))
RPORT=$(( 30000 + S % 10000 ))

mkfifo "$T/in"
# The harness opens its output only once the fifo has a writer.
: >"$T/out"
FB_IDLE=3 FB_STALL=2 "$PCCX_BIN/regress/tunnel/fbharness" "$WGS" \
    10.78.0.1/24 10.78.0.0/24 \
    "$WGPORT" "$T/server.key" "$NET.1" "$FBPORT" "$P/server.crt" \
    "$P/server.key" "$P/device-ca.crt" <"$T/in" >"$T/out" \
    2>"$T/harness.log" &
HPID=$!
exec 3>"$T/in"

cmd() {
	n=$(( $(wc -l <"$T/out") + 1 ))
	echo "$1" >&3
	reply $n
}
# stat NAME: one counter of the relay.
stat() {
	cmd stats | awk -v k="$1" '{ for (i = 1; i < NF; i++)
	    if ($i == k) print $(i + 1) }'
}
is "$(reply 1)" "ready" "wireguard-go and the fallback listener started"
is "$(cmd "add alice@example.org dev1-$S s1 $LPUB")" "ok 10.78.0.2/32" \
    "a peer for the device"

# The laptop's wireguard-go, first aimed straight at the WireGuard port.
wg_laptop "$NET.1:$WGPORT" 10.78.0.2/32 10.78.0.1
ok $? "laptop wireguard-go configured"

# UDP to the WireGuard port is dropped on the laptop's way out.
if [ "$FW" = nft ]; then
	ip netns exec "$NS" nft -f - <<NFT
table inet pccxfb {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport $WGPORT counter drop
	}
}
NFT
else
	ip netns exec "$NS" iptables -A OUTPUT -p udp --dport "$WGPORT" \
	    -j DROP
fi
ok $? "UDP to port $WGPORT dropped in the laptop namespace ($FW)"

LPORT=$(( 20000 + (S + 7) % 20000 ))
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "10.78.0.1",
	    LocalPort => $ARGV[0], Listen => 5, ReuseAddr => 1) or die;
	while (my $c = $s->accept) { print $c "pccx-fallback-ok\n"; close $c }
' "$LPORT" 3>&- &
SRVPID=$!
fetch() {
	ip netns exec "$NS" perl -MIO::Socket::INET -e '
		my $c = IO::Socket::INET->new(PeerAddr => "10.78.0.1",
		    PeerPort => $ARGV[0], Timeout => $ARGV[1]) or exit 1;
		$c->timeout($ARGV[1]);
		print scalar <$c>;
	' "$LPORT" "$1" 3>&-
}
is "$(fetch 3)" "" "the direct path is blocked"

# The laptop's relay, with the device's certificate.
L=$T/laptop
mkdir -p "$L"
cp "$P/dev1.key" "$L/tls.key"
cp "$P/dev1.crt" "$L/tls.crt"
echo "ca-file $P/server-ca.crt" >"$L/config"
ip netns exec "$NS" "$PCCX_BIN/pccx" -c "$L" relay \
    --listen "127.0.0.1:$RPORT" "$NET.1:$FBPORT" 2>"$T/relay.log" 3>&- &
RPID=$!
ip netns exec "$NS" wg set "$WGL" peer "$SPUB" endpoint "127.0.0.1:$RPORT"
got=$(fetch 8)
is "$got" "pccx-fallback-ok" "traffic through the tunnel works over TLS"
n=$(stat to_udp)
[ "${n:-0}" -gt 0 ]
ok $? "the relay carried $n datagrams to WireGuard"
if [ "$FW" = nft ]; then
	ip netns exec "$NS" nft list table inet pccxfb |
	    grep -q 'counter packets [1-9]'
	ok $? "the firewall dropped the direct attempts"
else
	ok 0 "the firewall dropped the direct attempts # SKIP nft only"
fi

# try CERT-ARGS...: a TLS client that sends one datagram's frame.
try() {
	printf '\000\004abcd' | ip netns exec "$NS" timeout 5 \
	    openssl s_client -connect "$NET.1:$FBPORT" -tls1_3 -quiet \
	    -CAfile "$P/server-ca.crt" "$@" >/dev/null 2>&1 3>&-
}
# waitstat NAME VALUE: until the counter reaches VALUE (5 s at most).
waitstat() {
	i=0
	while [ "$(stat "$1")" != "$2" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	stat "$1"
}
n0=$(stat to_udp)
try
is "$(waitstat refused_cert 1)" "1" "a client without a certificate is refused"
try -cert "$P/stranger.crt" -key "$P/stranger.key"
is "$(waitstat refused_cert 2)" "2" "a certificate from another CA is refused"
try -cert "$P/dev2.crt" -key "$P/dev2.key"
is "$(waitstat refused_device 1)" "1" \
    "a device without a live peer (revoked) is refused"
n1=$(stat to_udp)
# The laptop's own keepalives still flow; compare with its counters.
is "$(stat authed)" "1" "only the real device got through ($n0, $n1 datagrams)"
grep -q "refused: the device has no live peer" "$T/harness.log"
ok $? "the log says why"

# Timeouts: a client that never shakes hands, one that never sends.
ip netns exec "$NS" perl -MIO::Socket::INET -MTime::HiRes=time -e '
	my $c = IO::Socket::INET->new(PeerAddr => $ARGV[0],
	    PeerPort => $ARGV[1], Timeout => 3) or exit 1;
	my ($t, $b) = (time);
	$c->timeout(8);
	1 while sysread($c, $b, 512);
	exit(time - $t < 5 ? 0 : 1);
' "$NET.1" "$FBPORT" 3>&-
ok $? "a client that never shakes hands is closed"
sleep 7 | ip netns exec "$NS" timeout 9 openssl s_client -connect \
    "$NET.1:$FBPORT" -tls1_3 -quiet -CAfile "$P/server-ca.crt" \
    -cert "$P/dev1.crt" -key "$P/dev1.key" >/dev/null 2>&1 3>&- &
SPID=$!
i=0
while ! grep -q "closed: silent" "$T/harness.log" && [ $i -lt 80 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q "(device dev1-$S) closed: silent" "$T/harness.log"
ok $? "a device that sends nothing is dropped"
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
grep -q "refused: handshake timed out" "$T/harness.log"
ok $? "the log names the handshake timeout"

# A client that trickles its handshake, a byte every half second, is
# closed all the same, by the handshake's deadline (FB_STALL, 2 s, from
# the accept), though each byte would reset a timer of inactivity.
ip netns exec "$NS" perl -MIO::Socket::INET -MIO::Select -MTime::HiRes=time -e '
	my $c = IO::Socket::INET->new(PeerAddr => $ARGV[0],
	    PeerPort => $ARGV[1], Timeout => 3) or exit 2;
	my ($t, $b) = (time);
	$SIG{PIPE} = "IGNORE";
	# a handshake record of 16 KiB, then its bytes one at a time
	syswrite($c, "\x16\x03\x01\x40\x00") or exit 2;
	while (time - $t < 10) {
		syswrite($c, "\x01") or last;
		next unless IO::Select->new($c)->can_read(0.5);
		last unless sysread($c, $b, 512);
	}
	printf "%.1f\n", time - $t;
' "$NET.1" "$FBPORT" >"$T/trickle" 3>&-
awk '{ exit !($1 >= 1.5 && $1 < 4) }' "$T/trickle"
ok $? "a client trickling its handshake is closed at 2 s ($(cat "$T/trickle") s)"
# Eight handshakes at once from one host, and no more.
ip netns exec "$NS" perl -MIO::Socket::INET -MIO::Select -e '
	my @c;
	for (1 .. 9) {
		push @c, IO::Socket::INET->new(PeerAddr => $ARGV[0],
		    PeerPort => $ARGV[1], Timeout => 3) or exit 2;
	}
	my $b;
	my $shut = IO::Select->new($c[8])->can_read(2) &&
	    !sysread($c[8], $b, 1);
	my $open = !IO::Select->new($c[0])->can_read(0.1);
	exit($shut && $open ? 0 : 1);
' "$NET.1" "$FBPORT" 3>&-
ok $? "a ninth handshake from the same host is refused, the first still open"

# Revocation: the peer goes, and its live connection with it.
is "$(cmd "del dev1-$S")" "deleted 1" "the device is revoked"
is "$(stat cut)" "1" "its TLS connection was closed at once"
wait_gone "$RPID" 5000
ok $? "the laptop's relay saw the connection end"
wait "$RPID" 2>/dev/null
RPID=
[ $tap_failed -eq 0 ] || sed 's/^/# /' "$T/harness.log" "$T/relay.log" |
    tail -30

# The real suite: pccx-tunneld serves the fallback under its sandbox.
# Its state directory must let pccxctl, as the audit user, read audit.db.
umask 022
"$PCCX_TOP/etc/pccx-users" add
PORT=$(free_port)
FB2=$(free_port)
while [ "$FB2" = "$PORT" ]; do
	FB2=$(free_port)
done
suite_conf
cat >>"$T/pccx.conf" <<CONF
tunnel {
	interface "pft$S"
	address 10.79.$((S % 200)).1/24
	pool 10.79.$((S % 200)).0/24
	port $((WGPORT + 1))
	private-key-file "$T/server.key"
	fallback listen on 127.0.0.1 port $FB2
	fallback certificate "$P/server.crt" key "$P/server.key"
	device-ca certificate "$P/device-ca.crt" key "$P/device-ca.key"
}
CONF
suite_start
ok $? "the suite starts with a fallback listener"
grep -q "no fallback listener" "$T/log" && diag "$(grep tunnel: "$T/log")"
TPID=$(child_pid tunnel)
grep -q "fallback listening" "$T/log"
ok $? "pccx-tunneld serves the fallback"
# hostry CERT-ARGS...: the same client as try, from the host.
hostry() {
	printf '\000\004abcd' | timeout 5 openssl s_client -connect \
	    "127.0.0.1:$FB2" -tls1_3 -quiet -CAfile "$P/server-ca.crt" "$@" \
	    >/dev/null 2>&1 3>&-
}
# waitlog RE: until the suite's log has a line matching RE (5 s).
waitlog() {
	i=0
	while ! grep -qE "$1" "$T/log" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -qE "$1" "$T/log"
}
hostry
waitlog 'fallback: 127.0.0.1:[0-9]+ refused: handshake failed'
ok $? "the daemon refuses a client without a certificate"
hostry -cert "$P/dev1.crt" -key "$P/dev1.key"
waitlog 'fallback: 127.0.0.1:[0-9]+ refused: the device has no live peer'
ok $? "a device certificate without a login's peer is refused"
hostry -cert "$P/stranger.crt" -key "$P/stranger.key"
waitlog 'fallback: 127.0.0.1:[0-9]+ refused: handshake failed: unknown CA'
ok $? "a certificate from another CA is refused"

# Each refusal is an audit row of the tunnel daemon.
# rows: the fallback's audit rows, one line each: daemon, action,
# outcome, device, object and detail.
rows() {
	ctl -j audit tail -d "$T/state" -n 100 2>/dev/null | node -e '
let t = "";
process.stdin.on("data", (d) => t += d);
process.stdin.on("end", () => {
	for (const r of JSON.parse(t || "[]"))
		if (/^tunnel\.fallback\./.test(r.action))
			console.log(`${r.daemon} ${r.action} ${r.outcome} ` +
			    `${r.device || "-"} ${r.object} ${r.detail}`);
});'
}
i=0
while [ "$(rows | wc -l)" -lt 3 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
R=$(rows)
like "$(echo "$R" | grep -m1 'no certificate')" \
    '^tunnel tunnel\.fallback\.refuse deny - 127\.0\.0\.1:[0-9]+ ' \
    "audit: the client without a certificate, refused by the tunnel daemon"
like "$(echo "$R" | grep -m1 'no live peer')" \
    "^tunnel tunnel\\.fallback\\.refuse deny dev1-$S 127\\.0\\.0\\.1:" \
    "audit: the device without a live peer, with its name and address"
like "$(echo "$R" | grep -m1 'unknown CA')" \
    '^tunnel tunnel\.fallback\.refuse deny ' \
    "audit: the certificate from another CA"
[ $tap_failed -eq 0 ] || diag "$(ctl -j audit tail -d "$T/state" -n 20 2>&1)"
is "$(awk '/^Seccomp:/ { print $2 }' "/proc/$TPID/status")" "2" \
    "the tunnel daemon still runs under its seccomp filter"
is "$(child_pid tunnel)" "$TPID" "and survived the handshakes"
[ $tap_failed -eq 0 ] || sed 's/^/# /' "$T/log" | tail -30

finish
