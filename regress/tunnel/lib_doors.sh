# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The door tests' world: suite, laptop namespace, provider and browser.

# Sourced after regress/lib.sh by the door test and its benchmark.
# doors_suite starts the suite with a public TLS door on the host's
# veth address, a plain public door on loopback for the browser, and a
# tunnel door; doors_browser starts Chromium for the logins.  Then:
# lap CMD runs in the laptop namespace, pccx ARGS is the client there,
# hpccx ARGS the same client on the host side, login ARGS a pccx login
# the browser completes, through [SECONDS] health on the tunnel door
# from the laptop, peer_gone SECONDS waits for the suite to have no
# peer.  With DOORS_FALLBACK set, the tunnel also has a device CA and
# a TLS fallback listener on the host's veth address, port $FBPORT.

for c in wireguard-go wg ip node curl openssl /usr/bin/chromium; do
	if [ "$(id -u)" -ne 0 ] || ! command -v "$c" >/dev/null; then
		echo "1..0 # SKIP needs root, $c"
		exit 0
	fi
done

. "$PCCX_TOP/regress/lib_peers.sh"

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
	# The network first: nothing below may leave it behind.
	ip -n "$NS" link del "$WGL" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$VH" 2>/dev/null
	for p in $(laptop_wg); do
		kill "$p" 2>/dev/null
	done
	if [ -f "$T/browser.pids" ]; then
		for p in $(cat "$T/browser.pids"); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	# playwright may sit on SIGTERM while it closes a dead browser.
	[ -n "$DRIVER" ] && kill -KILL "$DRIVER" 2>/dev/null &&
	    wait "$DRIVER" 2>/dev/null
	for p in $PROVIDER ${MORE_PIDS:-}; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	suite_stop
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

# make_pki DIR: the shared throw-away CA and provider keys, the server
# certificate also for the host's veth address: the TLS door uses it.
make_pki() {
	peers_pki "$1" "$HOSTIP" && chmod 600 "$1/tls.key" &&
	    chmod 644 "$1/ca.crt" "$1/tls.crt"
}

lap() { ip netns exec "$NS" "$@"; }
pccx() { lap env HOME="$T/home" "$PCCX_BIN/pccx" -c "$CFG" "$@"; }
hpccx() { env HOME="$T/home" "$PCCX_BIN/pccx" -c "$CFG" "$@"; }
CFG="$T/home/pccx"
NLOGIN=0

# doors_suite: PKI, provider, laptop namespace, the suite.
doors_suite() {
	[ -x "$PCCX_BIN/pccx" ] || bail "build/pccx is not built"
	"$PCCX_TOP/etc/pccx-users" add
	O="$T/oidc"
	make_pki "$O" || bail "openssl failed"
	PORT=$(free_port)
	TPORT=$(free_port)
	[ "$TPORT" != "$PORT" ] || TPORT=$((PORT + 1))
	APORT=$((TPORT + 1))
	WGPORT=$(( 40000 + S % 20000 ))
	peers_provider || bail "provider did not start"

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
	FB_CONF=
	if [ -n "${DOORS_FALLBACK:-}" ]; then
		FBPORT=$(free_port)
		while [ "$FBPORT" = "$PORT" ] || [ "$FBPORT" = "$TPORT" ] ||
		    [ "$FBPORT" = "$APORT" ]; do
			FBPORT=$(free_port)
		done
		(umask 077; openssl req -x509 -newkey ed25519 -nodes \
		    -keyout "$O/device-ca.key" -out "$O/device-ca.crt" \
		    -days 1 -subj "/CN=pccx doors device ca" 2>/dev/null) ||
		    bail "openssl failed"
		chmod 644 "$O/device-ca.crt"
		FB_CONF="fallback listen on $HOSTIP port $FBPORT
	fallback certificate \"$O/tls.crt\" key \"$O/tls.key\"
	device-ca certificate \"$O/device-ca.crt\" key \"$O/device-ca.key\""
	fi
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
	$FB_CONF
}
webauthn {
	rp-id "localhost"
	origin "http://localhost:$PORT"
}
CONF
	suite_start || bail "suite did not start"
	PUB="https://$HOSTIP:$TPORT"
}

# doors_browser: an enrolment code, Chromium, pccx's directory.
doors_browser() {
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
	mkdir -p -m 700 "$T/home" "$CFG"
	printf 'server %s\nca-file %s\n' "$PUB" "$O/ca.crt" >"$CFG/config"
}

# login ARGS...: pccx ARGS -n, the browser completing it; pccx's exit.
login() {
	: >"$T/pccx.out"	# before the background job opens it
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
