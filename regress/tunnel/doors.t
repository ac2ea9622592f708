#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The two doors: TLS 1.3 public listener, tunnel listener tied to peers.

# A laptop network namespace joined by a veth pair reaches the suite's
# public door (TLS 1.3, health and the login steps only); pccx logs in
# there with Chromium's virtual authenticator on the host side, brings
# its WireGuard end up with pccx up, and reaches the tunnel door.  The
# token is refused from any other address; logout, revocation and the
# idle timeout each remove the peer and cut the tunnel.

. "$(dirname "$0")/../lib.sh"

for c in wireguard-go wg ip node curl openssl /usr/bin/chromium; do
	if [ "$(id -u)" -ne 0 ] || ! command -v "$c" >/dev/null; then
		echo "1..0 # SKIP needs root, $c"
		exit 0
	fi
done

# Names are unique per run: UAPI sockets are shared by namespaces.
S=$(( $$ % 100000 ))
X=$(( $$ % 250 + 1 ))
NS=pccxdoor$S
VH=pdh$S
VL=pdl$S
WGS=pds$S
WGL=pdw$S
HOSTIP=172.30.$X.1
LAPIP=172.30.$X.2
TUN=10.84.$X
IDLE=${DOORS_IDLE:-60}
T=$(mktemp -d /tmp/pccx-doors.XXXXXX)
chmod 755 "$T"
PROVIDER=
DRIVER=
SUITE_PID=

# The laptop's wireguard-go, found by its exact command line.
laptop_wg() {
	for p in $(pgrep -x wireguard-go); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = \
		    "wireguard-go $WGL " ] && echo "$p"
	done
}

cleanup() {
	exec 3>&- 2>/dev/null
	if [ -f "$T/browser.pids" ]; then
		for p in $(cat "$T/browser.pids"); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	for p in $DRIVER $PROVIDER; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	ip -n "$NS" link del "$WGL" 2>/dev/null
	for p in $(laptop_wg); do
		kill "$p" 2>/dev/null
	done
	suite_stop
	ip netns del "$NS" 2>/dev/null
	ip link del "$VH" 2>/dev/null
	ip link del "$WGS" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

bail() {
	echo "Bail out! $*"
	[ -f "$T/log" ] && tail -30 "$T/log" | sed 's/^/# /'
	exit 1
}

# make_pki DIR: a CA, a certificate for the host's veth address.
make_pki() {
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1/ca.key" -out "$1/ca.crt" -days 1 \
	    -subj "/CN=pccx doors test ca" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1,IP:%s\n%s\n' "$HOSTIP" \
	    'extendedKeyUsage=serverAuth' >"$1/ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1/tls.key" -out "$1/tls.csr" -subj "/CN=$HOSTIP" \
	    2>/dev/null || return 1
	openssl x509 -req -in "$1/tls.csr" -CA "$1/ca.crt" \
	    -CAkey "$1/ca.key" -CAcreateserial -days 1 -extfile "$1/ext" \
	    -out "$1/tls.crt" 2>/dev/null || return 1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1/rsa.pem" 2>/dev/null || return 1
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1/ec.pem" 2>/dev/null || return 1
	openssl genpkey -algorithm ED25519 -out "$1/ed.pem" 2>/dev/null ||
	    return 1
	chmod 600 "$1/tls.key"
	chmod 644 "$1/ca.crt" "$1/tls.crt"
}

[ -x "$PCCX_BIN/pccx" ] || bail "build/pccx is not built"
"$PCCX_TOP/etc/pccx-users" add
plan 28

O="$T/pki"
make_pki "$O" || bail "openssl failed"
PORT=$(free_port)
TPORT=$(free_port)
[ "$TPORT" != "$PORT" ] || TPORT=$((PORT + 1))
APORT=$((TPORT + 1))
WGPORT=$(( 40000 + S % 20000 ))
REDIRECT="http://localhost:$PORT/v1/auth/callback"
node "$PCCX_TOP/regress/oidc/provider.mjs" "$O" "$REDIRECT" \
    >"$T/oidc.port" 2>"$T/provider.log" &
PROVIDER=$!
i=0
while ! grep -q '^port ' "$T/oidc.port" 2>/dev/null; do
	kill -0 "$PROVIDER" 2>/dev/null || bail "provider did not start"
	[ $i -ge 200 ] && bail "provider did not start in 10 s"
	sleep 0.05
	i=$((i + 1))
done
OPORT=$(awk '/^port / { print $2 }' "$T/oidc.port")

# The wire: host $HOSTIP/30 <-> laptop $LAPIP/30.
ip netns add "$NS" &&
ip link add "$VH" type veth peer name "$VL" netns "$NS" &&
ip addr add "$HOSTIP/30" dev "$VH" && ip link set "$VH" up &&
ip -n "$NS" addr add "$LAPIP/30" dev "$VL" &&
ip -n "$NS" link set "$VL" up && ip -n "$NS" link set lo up ||
    bail "no laptop namespace"

printf 'pccx-test-client-secret-0123456789' >"$T/oidc.secret"
(umask 077; wg genkey >"$T/wg.key")
chmod 600 "$T/oidc.secret"
cat >"$T/pccx.conf" <<CONF
state-dir "$T/state"
control-socket "$T/ctl.sock"
# The browser's way in: plain, loopback, public door.
listen on 127.0.0.1 port $PORT public
listen on $HOSTIP port $TPORT tls public
listen on $TUN.1 port $APORT tunnel
tls certificate "$O/tls.crt" key "$O/tls.key"
user "alice@example.com" account "alice"
project "core" {
	path "/tmp"
	maintainer "alice@example.com"
}
oidc {
	issuer "https://127.0.0.1:$OPORT"
	client-id "rp-eddsa"
	client-secret-file "$T/oidc.secret"
	ca-file "$O/ca.crt"
	redirect-uri "$REDIRECT"
}
rate-limit {
	address 100/s burst 200
}
tunnel {
	interface "$WGS"
	address $TUN.1/24
	pool $TUN.0/24
	port $WGPORT
	idle-timeout ${IDLE}s
	private-key-file "$T/wg.key"
}
webauthn {
	rp-id "localhost"
	origin "http://localhost:$PORT"
}
CONF
suite_start || bail "suite did not start"

# The public door: TLS 1.3 only, and only its few routes.
lap() { ip netns exec "$NS" "$@"; }
PUB="https://$HOSTIP:$TPORT"
got=$(lap curl -sS --tlsv1.3 --cacert "$O/ca.crt" -o /dev/null \
    -w '%{http_code} %{ssl_verify_result}' "$PUB/v1/health" 2>&1)
is "$got" "200 0" "public door: health over TLS 1.3 with the test CA"
out=$(echo | lap openssl s_client -connect "$HOSTIP:$TPORT" -tls1_3 \
    -CAfile "$O/ca.crt" 2>&1)
like "$out" "Protocol *: TLSv1.3|New, TLSv1.3" \
    "openssl s_client -tls1_3 negotiates TLS 1.3"
echo | lap openssl s_client -connect "$HOSTIP:$TPORT" -tls1_2 \
    -CAfile "$O/ca.crt" >"$T/tls12" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'alert protocol version' "$T/tls12"
ok $? "TLS 1.2 is refused (s_client exit $rc)"
got=$(lap curl -sS --cacert "$O/ca.crt" "$PUB/v1/sessions" \
    -w ' %{http_code}' 2>&1 | tr -d '\n')
like "$got" '"code":"wrong_door".* 403$' \
    "public door: /v1/sessions refused, 403 wrong_door"
got=$(curl -sS "http://127.0.0.1:$PORT/v1/events" -w ' %{http_code}' |
    tr -d '\n')
like "$got" '"code":"wrong_door".* 403$' \
    "plain public door: /v1/events refused too"

# The browser on the host side, for the whole run.
CODE=$(ctl enrol alice@example.com) || bail "pccxctl enrol failed"
mkfifo "$T/bin"
(cd "$PCCX_TOP/regress" && exec node tunnel/doors.mjs \
    "http://localhost:$PORT" "$T/profile" "$T/browser.pids") \
    <"$T/bin" >"$T/bout" 2>"$T/browser.log" &
DRIVER=$!
exec 3>"$T/bin"
i=0
while ! grep -q '^ready' "$T/bout" && [ $i -lt 600 ]; do
	kill -0 "$DRIVER" 2>/dev/null || bail "no browser"
	sleep 0.05
	i=$((i + 1))
done

# pccx in the laptop namespace.
CFG="$T/home/pccx"
mkdir -p -m 700 "$T/home" "$CFG"
printf 'server %s\nca-file %s\n' "$PUB" "$O/ca.crt" >"$CFG/config"
pccx() { lap env HOME="$T/home" "$PCCX_BIN/pccx" -c "$CFG" "$@"; }
hpccx() { env HOME="$T/home" "$PCCX_BIN/pccx" -c "$CFG" "$@"; }
NLOGIN=0

# login ARGS...: pccx ARGS -n, the browser completing it; pccx's exit.
login() {
	pccx "$@" -n -t 40 >"$T/pccx.out" 2>"$T/pccx.err" &
	lp=$!
	i=0
	while ! grep -q '^https://' "$T/pccx.out" && [ $i -lt 400 ]; do
		kill -0 "$lp" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	url=$(grep -m1 '^https://' "$T/pccx.out")
	if [ "$1" = device ]; then
		sleep 0.2
		wgk=$(sed -n '/public key:$/{n;p;}' "$T/pccx.out")
		echo "$url $CODE $wgk" >&3
	else
		echo "$url" >&3
	fi
	NLOGIN=$((NLOGIN + 1))
	i=0
	while [ "$(grep -c '^done' "$T/bout")" -lt $NLOGIN ] &&
	    [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	wait "$lp"
}

# through: GET /v1/health on the tunnel door from the laptop.
through() {
	lap curl -sS --max-time "${1:-5}" -o /dev/null -w '%{http_code}' \
	    "http://$TUN.1:$APORT/v1/health" 2>/dev/null
}

# peer_gone: wait up to $1 s for the tunnel daemon to have no peer.
peer_gone() {
	i=0
	while [ "$(ctl tunnel show | wc -l)" -gt 1 ] && [ $i -lt $(($1 * 10)) ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(ctl tunnel show | wc -l)" -eq 1 ]
}

login device register
rc=$?
ok $rc "pccx device register on the TLS public door (browser: $(
    grep '^done' "$T/bout" | tail -1))"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/pccx.err"
like "$(cat "$CFG/tunnel" 2>/dev/null)" \
    "\"address4\":\"$TUN\\.2/32\".*\"api\":\"http://$TUN\\.1:$APORT\"" \
    "the token answer carried the tunnel: address and API"

out=$(pccx up -i "$WGL" 2>&1)
like "$out" "^Tunnel up on $WGL: $TUN\\.2/32, API http://$TUN\\.1:$APORT" \
    "pccx up brings the laptop's WireGuard end up"
is "$(through)" "200" "GET /v1/health through the tunnel"
out=$(pccx devices 2>&1)
ok $? "an authenticated, signed request through the tunnel (devices)"
like "$(pccx status 2>&1)" "^tunnel +up on $WGL" "pccx status: tunnel up"
like "$(ctl tunnel show)" "alice@example.com" \
    "the suite has the laptop's peer"

# The same token from another address: the host itself.
out=$(hpccx -s "http://$TUN.1:$APORT" devices 2>&1)
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'refused: wrong_peer'
ok $? "the token from another address is refused 403 wrong_peer"
i=0
while ! ctl -j audit tail -d "$T/state" -n 20 2>/dev/null |
    grep -q 'wrong_peer' && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
like "$(ctl -j audit tail -d "$T/state" -n 20 2>&1 | tr '\n' ' ')" \
    "\"source\": \"$TUN\\.1\",[^}]*\"outcome\": \"deny\",[^}]*wrong_peer" \
    "an audit row says so, with the address it came from"
out=$(hpccx -s "$PUB" devices 2>&1)
like "$out" "refused: wrong_door" \
    "an authenticated route on the public door: wrong_door"
out=$(curl -sS --max-time 5 "http://$TUN.1:$APORT/v1/health" \
    -w ' %{http_code}' 2>&1)
like "$out" " 200$" "health on the tunnel door needs no peer"

# Logout (on the public door: it cuts the tunnel) ends the peer.
out=$(pccx logout 2>&1)
ok $? "pccx logout"
peer_gone 5
ok $? "logout removed the peer"
is "$(through 3)" "000" "the tunnel is cut after logout"
out=$(pccx down 2>&1)
ok $? "pccx down"
! ip -n "$NS" link show "$WGL" >/dev/null 2>&1
ok $? "the laptop's interface is gone"

# Revocation.
login login
ok $? "pccx login again (browser: $(grep '^done' "$T/bout" | tail -1))"
pccx up -i "$WGL" >/dev/null 2>&1
is "$(through)" "200" "the tunnel is back after pccx up"
SID=$(node -e 'const s = JSON.parse(require("fs").readFileSync(
    process.argv[1], "utf8")); console.log(JSON.parse(Buffer.from(
    s.token.split(".")[1], "base64url")).sid)' "$CFG/state")
ctl revoke session "$SID" >/dev/null
peer_gone 5
ok $? "pccxctl revoke session removes the peer"
is "$(through 3)" "000" "the tunnel is cut after revocation"

# The idle timeout: the laptop stops its keepalives and falls silent.
login login
pccx up -i "$WGL" >/dev/null 2>&1
is "$(through)" "200" "a third login, the tunnel up"
lap wg set "$WGL" peer "$(wg pubkey <"$T/wg.key")" persistent-keepalive 0
peer_gone $((IDLE + IDLE / 4 + 20))
ok $? "the idle peer goes after ${IDLE}s"
is "$(through 3)" "000" "the tunnel is cut after the idle timeout"
pccx down >/dev/null 2>&1

[ $tap_failed -eq 0 ] || tail -30 "$T/log" | sed 's/^/# /'
finish
