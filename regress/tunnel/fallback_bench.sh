#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Download throughput through WireGuard directly and through the TLS fallback.

top=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${PCCX_BIN:-$top/build}
MB=${FALLBACK_BENCH_MB:-64}
if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null; then
	echo "bench-fallback: needs root and wireguard-go; skipped"
	exit 0
fi
S=$(( $$ % 100000 ))
NS=pccxfbb$S
VH=pbh$S
VL=pbl$S
WGS=pbs$S
WGL=pbw$S
NET=172.31.$(( 200 + S % 50 ))
T=$(mktemp -d /tmp/pccx-fbb.XXXXXX)
PIDS=
. "$top/regress/tunnel/lib_wg.sh"
cleanup() {
	exec 3>&- 2>/dev/null
	for p in $PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	wg_unwire
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "bench-fallback: $*" >&2; exit 1; }

wg_veth "$NET" || die "namespace"
umask 077
P=$T/pki
mkdir -p "$P"
for c in server-ca device-ca; do
	openssl req -x509 -newkey ed25519 -nodes -keyout "$P/$c.key" \
	    -out "$P/$c.crt" -days 2 -subj "/CN=$c" 2>/dev/null || die pki
done
leaf() {
	openssl genpkey -algorithm ed25519 -out "$P/$1.key" 2>/dev/null &&
	openssl req -new -key "$P/$1.key" -subj "$4" -out "$P/$1.csr" \
	    2>/dev/null && printf '%s\n' "$3" >"$P/$1.ext" &&
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.crt" -CAkey "$P/$2.key" \
	    -set_serial 7 -days 2 -extfile "$P/$1.ext" -out "$P/$1.crt" \
	    2>/dev/null
}
leaf server server-ca "subjectAltName=IP:$NET.1" "/CN=$NET.1" &&
    leaf dev device-ca "extendedKeyUsage=clientAuth" "/CN=bench-$S" ||
    die pki
wg_keys
WGPORT=$(( 40000 + S % 20000 ))
FBPORT=$(( 20000 + S % 20000 ))
RPORT=$(( 30000 + S % 10000 ))
DPORT=$(( 20000 + (S + 11) % 20000 ))

mkfifo "$T/in"
"$BIN/regress/tunnel/fbharness" "$WGS" 10.76.0.1/24 10.76.0.0/24 \
    "$WGPORT" "$T/server.key" "$NET.1" "$FBPORT" "$P/server.crt" \
    "$P/server.key" "$P/device-ca.crt" <"$T/in" >"$T/out" \
    2>"$T/harness.log" &
PIDS="$PIDS $!"
exec 3>"$T/in"
i=0
while ! grep -q ready "$T/out" && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
echo "add bench@example.org bench-$S s1 $LPUB" >&3
wg_laptop "$NET.1:$WGPORT" 10.76.0.2/32 10.76.0.1
rc=$?
PIDS="$PIDS $LPID"
[ $rc -eq 0 ] || die "laptop wg"

# The server sends MB mebibytes to each connection.
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "10.76.0.1",
	    LocalPort => $ARGV[0], Listen => 5, ReuseAddr => 1) or die;
	my $buf = "x" x 65536;
	while (my $c = $s->accept) {
		for (1 .. $ARGV[1] * 16) { print $c $buf or last }
		close $c;
	}' "$DPORT" "$MB" 3>&- &
PIDS="$PIDS $!"
sleep 0.3

# download: MB/s of one download from the laptop, or 0.
download() {
	ip netns exec "$NS" perl -MIO::Socket::INET -MTime::HiRes=time -e '
		my $c = IO::Socket::INET->new(PeerAddr => "10.76.0.1",
		    PeerPort => $ARGV[0], Timeout => 10) or do {
		    print "0\n"; exit };
		my ($n, $t, $b) = (0, time);
		while (my $r = sysread($c, $b, 262144)) { $n += $r }
		printf "%.1f\n", $n / 1048576 / (time - $t)
		    if $n == $ARGV[1] * 1048576;
		print "0\n" if $n != $ARGV[1] * 1048576;
	' "$DPORT" "$MB" 3>&-
}
direct=$(download)
L=$T/laptop
mkdir -p "$L"
cp "$P/dev.key" "$L/tls.key"
cp "$P/dev.crt" "$L/tls.crt"
echo "ca-file $P/server-ca.crt" >"$L/config"
ip netns exec "$NS" "$BIN/pccx" -c "$L" relay --listen "127.0.0.1:$RPORT" \
    "$NET.1:$FBPORT" 2>"$T/relay.log" 3>&- &
PIDS="$PIDS $!"
sleep 0.3
ip netns exec "$NS" nft -f - <<NFT 2>/dev/null ||
table inet pccxfbb {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport $WGPORT drop
	}
}
NFT
    ip netns exec "$NS" iptables -A OUTPUT -p udp --dport "$WGPORT" -j DROP
ip netns exec "$NS" wg set "$WGL" peer "$SPUB" endpoint "127.0.0.1:$RPORT"
sleep 1
fallback=$(download)
echo "bench-fallback: $MB MiB download: direct WireGuard $direct MiB/s," \
    "TLS fallback $fallback MiB/s"
awk -v d="$direct" -v f="$fallback" 'BEGIN {
	if (d <= 0) { print "bench-fallback: no direct figure"; exit 1 }
	printf "bench-fallback: ratio %.2f (goal >= 0.5)\n", f / d }'
