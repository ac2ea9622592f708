# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# A suite with an OIDC provider and four users, for the events tests.

# Projects: core (alice owner, carol maintainer), lab (carol and dave
# viewers); erin is a user of no project.  events_setup needs $T and
# $PORT from setup (lib.sh); it starts the provider and the suite, and
# events_cleanup stops them and Chromium.

PROVIDER=

events_cleanup() {
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

events_bail() {
	echo "Bail out! $*"
	[ -f "$T/log" ] && tail -30 "$T/log" | sed 's/^/# /'
	[ -f "$T/provider.log" ] && sed 's/^/# /' "$T/provider.log"
	exit 1
}

events_keys() {
	O="$T/oidc"
	mkdir -p "$O"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$O/ca.key" -out "$O/ca.crt" -days 1 \
	    -subj "/CN=pccx events ca" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
	    >"$O/ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$O/tls.key" -out "$O/tls.csr" -subj /CN=127.0.0.1 \
	    2>/dev/null &&
	openssl x509 -req -in "$O/tls.csr" -CA "$O/ca.crt" \
	    -CAkey "$O/ca.key" -CAcreateserial -days 1 -extfile "$O/ext" \
	    -out "$O/tls.crt" 2>/dev/null || return 1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$O/rsa.pem" 2>/dev/null &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$O/ec.pem" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$O/ed.pem" 2>/dev/null ||
	    return 1
	chmod 644 "$O/ca.crt"
}

events_provider() {
	REDIRECT="http://localhost:$PORT/v1/auth/callback"
	node "$PCCX_TOP/regress/oidc/provider.mjs" "$T/oidc" "$REDIRECT" \
	    >"$T/oidc.port" 2>"$T/provider.log" &
	PROVIDER=$!
	i=0
	while ! grep -q '^port ' "$T/oidc.port" 2>/dev/null; do
		kill -0 "$PROVIDER" 2>/dev/null || return 1
		[ $i -ge 200 ] && return 1
		sleep 0.05
		i=$((i + 1))
	done
	OPORT=$(awk '/^port / { print $2 }' "$T/oidc.port")
}

events_setup() {
	events_keys || events_bail "openssl: no keys"
	events_provider || events_bail "provider did not start"
	printf 'pccx-test-client-secret-0123456789' >"$T/oidc.secret"
	chmod 600 "$T/oidc.secret"
	suite_conf
	cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "alice"
user "carol@example.com" account "carol"
user "dave@example.com" account "dave"
user "erin@example.com" account "erin"
project "core" {
	path "/tmp"
	owner "alice@example.com"
	maintainer "carol@example.com"
}
project "lab" {
	path "/tmp"
	viewer "carol@example.com"
	viewer "dave@example.com"
}
oidc {
	issuer "https://127.0.0.1:$OPORT"
	client-id "rp-eddsa"
	client-secret-file "$T/oidc.secret"
	ca-file "$T/oidc/ca.crt"
	redirect-uri "$REDIRECT"
}
rate-limit {
	address 1000/s burst 2000
	user 1000/s burst 2000
}
webauthn {
	rp-id "localhost"
	origin "http://localhost:$PORT"
}
CONF
	"$PCCX_BIN/pccx-remoted" -n -f "$T/pccx.conf" >"$T/check.log" 2>&1 ||
	    { sed 's/^/# /' "$T/check.log"; events_bail "config refused"; }
	suite_start || events_bail "suite did not start"
}
