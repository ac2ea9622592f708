#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The OIDC relying party against oidc-provider on loopback over HTTPS.

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${PCCX_BIN:-$top/build}
T=$(mktemp -d /tmp/pccx-oidc.XXXXXX) || exit 1
PROVIDER=

cleanup() {
	if [ -n "$PROVIDER" ]; then
		kill -TERM "$PROVIDER" 2>/dev/null
		wait "$PROVIDER" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

bail() {
	echo "Bail out! $*"
	[ -f "$T/provider.log" ] && sed 's/^/# /' "$T/provider.log"
	exit 1
}

# ca NAME: a throw-away certificate authority.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$T/$1.key" -out "$T/$1.crt" -days 1 \
	    -subj "/CN=pccx test $1" 2>/dev/null
}

# The provider's certificate names 127.0.0.1 and nothing else.
ca ca && ca other || bail "openssl: no CA"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    >"$T/ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/tls.key" -out "$T/tls.csr" -subj /CN=127.0.0.1 \
    2>/dev/null &&
openssl x509 -req -in "$T/tls.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
    -CAcreateserial -days 1 -extfile "$T/ext" -out "$T/tls.crt" \
    2>/dev/null || bail "openssl: no server certificate"
# The provider's ID token signing keys.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/rsa.pem" 2>/dev/null &&
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/ec.pem" 2>/dev/null &&
openssl genpkey -algorithm ED25519 -out "$T/ed.pem" 2>/dev/null ||
    bail "openssl: no signing keys"

REDIRECT=http://localhost:8443/v1/auth/callback
node "$top/regress/oidc/provider.mjs" "$T" "$REDIRECT" \
    >"$T/port" 2>"$T/provider.log" &
PROVIDER=$!
i=0
while ! grep -q '^port ' "$T/port" 2>/dev/null; do
	kill -0 "$PROVIDER" 2>/dev/null || bail "provider did not start"
	[ $i -ge 200 ] && bail "provider did not start in 10 s"
	sleep 0.05
	i=$((i + 1))
done

# The program's log (warnings it provokes on purpose) shows on failure.
OIDC_PORT=$(awk '/^port / { print $2 }' "$T/port") \
OIDC_CA="$T/ca.crt" OIDC_OTHER_CA="$T/other.crt" OIDC_REDIRECT="$REDIRECT" \
    "${OIDC_TEST:-$bin/regress/oidc/test_oidc}" 2>"$T/test.log"
rc=$?
[ $rc -ne 0 ] && sed 's/^/# /' "$T/test.log"
exit $rc
