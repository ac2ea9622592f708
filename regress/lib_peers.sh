# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The login peers shared by tests and the demo: CA, OpenID provider, auth.

# Source after lib.sh.  The functions use $T (a temporary directory)
# and $PORT (the suite's port) and write under $T: oidc/ (the CA, the
# provider's certificate and its ID token keys), oidc.secret,
# oidc.port, provider.log, and browser.pids, which the browser scripts
# fill with Chromium's pids.  peers_stop ends what was started here.

PROVIDER=
PEERS_SECRET=pccx-test-client-secret-0123456789

# peers_pki DIR [IP]: a throw-away CA, a server certificate for
# 127.0.0.1 (and IP) signed by it, and the provider's ID token keys
# rsa.pem, ec.pem and ed.pem.
peers_pki() {
	san="IP:127.0.0.1"
	[ -n "${2:-}" ] && san="$san,IP:$2"
	mkdir -p "$1" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1/ca.key" -out "$1/ca.crt" -days 1 \
	    -subj "/CN=pccx throw-away ca" 2>/dev/null &&
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" \
	    >"$1/ext" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1/tls.key" -out "$1/tls.csr" -subj /CN=127.0.0.1 \
	    2>/dev/null &&
	openssl x509 -req -in "$1/tls.csr" -CA "$1/ca.crt" \
	    -CAkey "$1/ca.key" -CAcreateserial -days 1 -extfile "$1/ext" \
	    -out "$1/tls.crt" 2>/dev/null &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1/rsa.pem" 2>/dev/null &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1/ec.pem" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$1/ed.pem" 2>/dev/null &&
	chmod 644 "$1/ca.crt"
}

# peers_provider [HOST]: oidc-provider with the keys of $T/oidc, on
# HOST (127.0.0.1 by default), for the suite's callback on $PORT.  Sets
# PROVIDER (its pid), OPORT, ISSUER and REDIRECT; fails when it does
# not listen within 10 s.
peers_provider() {
	REDIRECT="http://localhost:$PORT/v1/auth/callback"
	node "$PCCX_TOP/regress/oidc/provider.mjs" "$T/oidc" "$REDIRECT" \
	    ${1:+"$1"} >"$T/oidc.port" 2>"$T/provider.log" &
	PROVIDER=$!
	i=0
	while ! grep -q '^port ' "$T/oidc.port" 2>/dev/null; do
		kill -0 "$PROVIDER" 2>/dev/null || return 1
		[ $i -ge 200 ] && return 1
		sleep 0.05
		i=$((i + 1))
	done
	OPORT=$(awk '/^port / { print $2 }' "$T/oidc.port")
	ISSUER="https://${1:-127.0.0.1}:$OPORT"
}

# peers_start [HOST]: peers_pki and peers_provider, and the client
# secret in $T/oidc.secret (root's, mode 0600).
peers_start() {
	peers_pki "$T/oidc" ${1:+"$1"} || return 1
	peers_provider ${1:+"$1"} || return 1
	(umask 077 && printf '%s' "$PEERS_SECRET" >"$T/oidc.secret")
}

# peers_conf: the oidc and webauthn blocks for the provider that
# peers_start began, the browser reaching the suite as localhost:$PORT.
peers_conf() {
	cat <<CONF
oidc {
	issuer "$ISSUER"
	client-id "rp-eddsa"
	client-secret-file "$T/oidc.secret"
	ca-file "$T/oidc/ca.crt"
	redirect-uri "$REDIRECT"
}
webauthn {
	rp-id "localhost"
	origin "http://localhost:$PORT"
}
CONF
}

# peers_check: pccx-remoted -n on $T/pccx.conf; the errors as TAP
# comments when it is refused.
peers_check() {
	"$PCCX_BIN/pccx-remoted" -n -f "$T/pccx.conf" >"$T/check.log" 2>&1 &&
	    return 0
	sed 's/^/# /' "$T/check.log"
	return 1
}

# peers_bail MESSAGE: bail out of a TAP test; the ends of the suite's
# and the provider's logs go to stderr, which prove shows.
peers_bail() {
	echo "Bail out! $*"
	[ -f "$T/log" ] && tail -30 "$T/log" | sed 's/^/# /' >&2
	[ -f "$T/provider.log" ] && tail -30 "$T/provider.log" |
	    sed 's/^/# /' >&2
	exit 1
}

# peers_stop: Chromium, the provider and the suite, then $T.
peers_stop() {
	if [ -n "${T:-}" ] && [ -f "$T/browser.pids" ]; then
		for p in $(cat "$T/browser.pids"); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	if [ -n "$PROVIDER" ]; then
		kill -TERM "$PROVIDER" 2>/dev/null
		wait "$PROVIDER" 2>/dev/null
	fi
	PROVIDER=
	suite_stop
	[ -n "${T:-}" ] && rm -rf "$T"
}
