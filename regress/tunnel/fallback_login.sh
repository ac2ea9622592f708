# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Sourced into the client regress by fallback_login.t: a tunnel with a
# device CA and a fallback listener, then what the client kept.

# fallback_conf: the PKI under $T/fb and a tunnel block for the suite.
fallback_conf() {
	F=$T/fb
	mkdir -p "$F"
	(
	umask 077
	openssl req -x509 -newkey ed25519 -nodes -keyout "$F/device-ca.key" \
	    -out "$F/device-ca.crt" -days 2 -subj "/CN=pccx device ca" &&
	openssl req -x509 -newkey ed25519 -nodes -keyout "$F/server-ca.key" \
	    -out "$F/server-ca.crt" -days 2 -subj "/CN=pccx server ca" &&
	openssl genpkey -algorithm ed25519 -out "$F/server.key" &&
	openssl req -new -key "$F/server.key" -subj /CN=127.0.0.1 \
	    -out "$F/server.csr" &&
	echo "subjectAltName=IP:127.0.0.1" >"$F/server.ext" &&
	openssl x509 -req -in "$F/server.csr" -CA "$F/server-ca.crt" \
	    -CAkey "$F/server-ca.key" -set_serial 9 -days 2 \
	    -extfile "$F/server.ext" -out "$F/server.crt" &&
	wg genkey >"$F/wg.key"
	) 2>/dev/null || echo "# fallback pki failed"
	chmod 644 "$F/device-ca.crt" "$F/server-ca.crt" "$F/server.crt"
	FBPORT=$(free_port)
	[ "$FBPORT" != "$PORT" ] || FBPORT=$((PORT + 2))
	cat >>"$T/pccx.conf" <<CONF
tunnel {
	interface "pxf$$"
	address 10.82.0.1/24
	pool 10.82.0.0/24
	port $((40000 + $$ % 20000))
	private-key-file "$F/wg.key"
	fallback listen on 127.0.0.1 port $FBPORT
	fallback certificate "$F/server.crt" key "$F/server.key"
	device-ca certificate "$F/device-ca.crt" key "$F/device-ca.key"
}
CONF
}

# fallback_after: keep the client's files and try its relay, whose
# device the run has revoked by now; the log goes along.
fallback_after() {
	[ -n "${FBOUT:-}" ] || return 0
	C=$T/home/pccx
	cp -p "$C/config" "$C/tls.key" "$C/tls.crt" "$F/device-ca.crt" \
	    "$FBOUT/" 2>/dev/null
	echo "ca-file $F/server-ca.crt" >>"$C/config"
	timeout 10 "$PCCX_BIN/pccx" -c "$C" relay --listen \
	    "127.0.0.1:$((FBPORT + 1))" "127.0.0.1:$FBPORT" \
	    >"$FBOUT/relay.out" 2>&1
	echo "$?" >"$FBOUT/relay.rc"
	sleep 0.3
	cp "$T/log" "$FBOUT/suite.log"
}
