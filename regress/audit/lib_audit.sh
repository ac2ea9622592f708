# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Helpers of the audit tests: the harness, pccxctl, an S3 store behind TLS.

. "$(dirname "$0")/../lib.sh"

HARNESS="$PCCX_BIN/regress/audit/audit_harness"
NODE_DIR="$PCCX_TOP/regress/node_modules"
S3_AK=AKIDPCCXAUDITTEST
S3_BUCKET=audit-log

actl() { "$PCCX_BIN/pccxctl" "$@"; }

# audit_setup: a temporary directory and a trap that ends what we start.
audit_setup() {
	T=$(mktemp -d /tmp/pccx-audit.XXXXXX)
	chmod 755 "$T"
	S3RVER_PID=
	PROXY_PID=
	trap 'audit_cleanup' EXIT INT TERM
}

audit_cleanup() {
	for p in $PROXY_PID $S3RVER_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}

# tls_make: a throw-away CA and a certificate for 127.0.0.1 signed by it.
tls_make() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 2 -subj /CN=pccx-test-ca -keyout "$T/ca.key" \
	    -out "$T/ca.pem" >/dev/null 2>&1 &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=127.0.0.1 -keyout "$T/srv.key" -out "$T/srv.csr" \
	    >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san.ext" &&
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" \
	    -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	    -extfile "$T/san.ext" -out "$T/srv.pem" >/dev/null 2>&1
}

# wait_port PORT: until something listens there (5 s at most).
wait_port() {
	i=0
	while ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; do
		[ $i -ge 100 ] && return 1
		sleep 0.05
		i=$((i + 1))
	done
}

s3rver_start() {
	node "$NODE_DIR/s3rver/bin/s3rver.js" -d "$T/s3data" \
	    -a 127.0.0.1 -p "$S3_UP" -s --no-vhost-buckets \
	    --configure-bucket "$S3_BUCKET" >>"$T/s3rver.log" 2>&1 &
	S3RVER_PID=$!
	wait_port "$S3_UP"
}

s3rver_stop() {
	kill "$S3RVER_PID" 2>/dev/null && wait "$S3RVER_PID" 2>/dev/null
	S3RVER_PID=
}

# s3_start: s3rver on loopback behind the SigV4-checking HTTPS proxy.
s3_start() {
	mkdir -p "$T/s3data"
	printf 'pccx-secret-%s\n' "$$" >"$T/s3.secret"
	chmod 600 "$T/s3.secret"
	tls_make || return 1
	S3_UP=$(free_port)
	s3rver_start || return 1
	S3_PORT=$(free_port)
	[ "$S3_PORT" = "$S3_UP" ] && S3_PORT=$((S3_PORT + 1))
	NODE_PATH="$NODE_DIR" node "$PCCX_TOP/regress/audit/s3proxy.js" \
	    "$S3_PORT" "$S3_UP" "$T/srv.key" "$T/srv.pem" "$S3_AK" \
	    "$T/s3.secret" >>"$T/proxy.log" 2>&1 &
	PROXY_PID=$!
	wait_port "$S3_PORT"
}

# s3_env: the harness ships to the store with these settings.
s3_env() {
	export AUDIT_S3_ENDPOINT="https://127.0.0.1:$S3_PORT"
	export AUDIT_S3_BUCKET="$S3_BUCKET" AUDIT_S3_PREFIX=logs
	export AUDIT_S3_ACCESS="$S3_AK" AUDIT_S3_SECRET_FILE="$T/s3.secret"
	export AUDIT_S3_CA="$T/ca.pem" AUDIT_HOST=testhost
}

# s3_keys: the object keys in the store, one a line, in order.
s3_keys() {
	find "$T/s3data/$S3_BUCKET" -name '*.ndjson._S3rver_object' \
	    2>/dev/null | sed "s|^$T/s3data/$S3_BUCKET/||;s|._S3rver_object$||" |
	    sort
}

# s3_seqs: every row's seq in the store, in key order, one a line.
s3_seqs() {
	for k in $(s3_keys); do
		grep -o '"type":"row","seq":[0-9]*' \
		    "$T/s3data/$S3_BUCKET/$k._S3rver_object" |
		    sed 's/.*://'
	done
}
