#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx, the laptop client, against a real suite, OIDC provider and browser.

. "$(dirname "$0")/../lib.sh"

PROVIDER=
cleanup() {
	if [ -n "$T" ] && [ -f "$T/browser.pids" ]; then
		for p in $(cat "$T/browser.pids"); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	if [ -n "$PROVIDER" ]; then
		kill -TERM "$PROVIDER" 2>/dev/null
		wait "$PROVIDER" 2>/dev/null
	fi
	suite_stop
	[ -n "$T" ] && rm -rf "$T"
}

bail() {
	echo "Bail out! $*"
	[ -f "$T/log" ] && tail -30 "$T/log" | sed 's/^/# /'
	[ -f "$T/provider.log" ] && sed 's/^/# /' "$T/provider.log"
	exit 1
}

# make_pki DIR: a CA, a certificate for 127.0.0.1, the ID token keys.
make_pki() {
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1/ca.key" -out "$1/ca.crt" -days 1 \
	    -subj "/CN=pccx client test ca" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
	    >"$1/ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1/tls.key" -out "$1/tls.csr" -subj /CN=127.0.0.1 \
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
	chmod 644 "$1/ca.crt"
}

[ -x "$PCCX_BIN/pccx" ] || { echo "Bail out! build/pccx is not built"; exit 1; }
setup
trap cleanup EXIT
trap 'exit 1' INT TERM

O="$T/oidc"
make_pki "$O" || bail "openssl failed"
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

printf 'pccx-test-client-secret-0123456789' >"$T/oidc.secret"
chmod 600 "$T/oidc.secret"
suite_conf
cat >>"$T/pccx.conf" <<CONF
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
webauthn {
	rp-id "localhost"
	origin "http://localhost:$PORT"
}
CONF
suite_start || bail "suite did not start"
CODE=$(ctl enrol alice@example.com) || bail "pccxctl enrol failed"

# A port nothing listens on, for the unreachable server.
DEAD=$(free_port)
[ "$DEAD" != "$PORT" ] || DEAD=$((PORT + 1))
mkdir -m 700 "$T/home"

cd "$PCCX_TOP/regress" || bail "no regress directory"
timeout 85 node client/client.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$T/state/keys/token.key" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$CODE" \
    "$PCCX_BIN/pccx" "$T/home" "$DEAD"
rc=$?
[ $rc -eq 0 ] || tail -40 "$T/log" | sed 's/^/# /'
exit $rc
