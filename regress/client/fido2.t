#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx --fido2 with a software security key, on a real suite and provider.

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

# pki DIR: the provider's certificate for 127.0.0.1 and its token keys.
pki() {
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1/ca.key" -out "$1/ca.crt" -days 1 \
	    -subj "/CN=pccx fido2 test ca" 2>/dev/null || return 1
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

SOFT="$PCCX_BIN/regress/client/pccx-soft"
[ -x "$SOFT" ] || { echo "Bail out! pccx-soft is not built"; exit 1; }
setup
trap cleanup EXIT
trap 'exit 1' INT TERM

O="$T/oidc"
pki "$O" || bail "openssl failed"
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
	user-verification required
}
CONF
suite_start || bail "suite did not start"
CODE=$(ctl enrol alice@example.com) || bail "pccxctl enrol failed"
mkdir -m 700 "$T/home"

cd "$PCCX_TOP/regress" || bail "no regress directory"
timeout 150 node client/fido2.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$SOFT" "$T/home" "$T/softkey" "$CODE"
rc=$?
[ $rc -eq 0 ] || tail -40 "$T/log" | sed 's/^/# /'
exit $rc
