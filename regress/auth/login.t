#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The whole login on a real suite: OIDC provider, Chromium, signed requests.

. "$(dirname "$0")/../lib.sh"

PROVIDER=
BROWSER_PIDS=
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

setup
trap cleanup EXIT
trap 'exit 1' INT TERM

# The provider's CA and certificate (127.0.0.1) and signing keys.
O="$T/oidc"
mkdir -p "$O"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$O/ca.key" -out "$O/ca.crt" -days 1 -subj "/CN=pccx auth ca" \
    2>/dev/null || bail "openssl: no CA"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    >"$O/ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$O/tls.key" -out "$O/tls.csr" -subj /CN=127.0.0.1 \
    2>/dev/null &&
openssl x509 -req -in "$O/tls.csr" -CA "$O/ca.crt" -CAkey "$O/ca.key" \
    -CAcreateserial -days 1 -extfile "$O/ext" -out "$O/tls.crt" \
    2>/dev/null || bail "openssl: no server certificate"
for k in "rsa.pem RSA -pkeyopt rsa_keygen_bits:2048" \
    "ec.pem EC -pkeyopt ec_paramgen_curve:P-256" "ed.pem ED25519"; do
	set -- $k
	f=$1
	shift
	openssl genpkey -algorithm "$@" -out "$O/$f" 2>/dev/null ||
	    bail "openssl: no $f"
done
chmod 644 "$O/ca.crt"

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
user "bob@example.com" account "bob"
project "core" {
	path "/tmp"
	maintainer "alice@example.com"
	owner "bob@example.com"
}
project "lab" {
	path "/tmp"
	viewer "alice@example.com"
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
"$PCCX_BIN/pccx-remoted" -n -f "$T/pccx.conf" >"$T/check.log" 2>&1 ||
    { cat "$T/check.log" | sed 's/^/# /'; bail "configuration refused"; }
suite_start || bail "suite did not start"

CODE=$(ctl enrol alice@example.com) || bail "pccxctl enrol failed"
out=$(ctl enrol nobody@example.com 2>&1)
[ $? -ne 0 ] || bail "enrol of an unknown user succeeded"

cd "$PCCX_TOP/regress" || bail "no regress directory"
timeout 85 node auth/login.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$T/state/keys/token.key" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$CODE" \
    "$T/log"
rc=$?
if [ $rc -ne 0 ]; then
	tail -40 "$T/log" | sed 's/^/# /'
fi
exit $rc
