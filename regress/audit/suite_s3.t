#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The real suite with an audit block: settings and S3 secret reach the daemon.

. "$(dirname "$0")/lib_audit.sh"

plan 6
"$PCCX_TOP/etc/pccx-users" add
audit_setup
PORT=$(free_port)
trap 'suite_stop; audit_cleanup' EXIT INT TERM
s3_start
ok $? "s3rver and the SigV4 proxy start"
suite_conf
cat >>"$T/pccx.conf" <<CONF
audit {
	checkpoint rows 64 interval 2s
	host "ws-test"
	s3 {
		endpoint "https://127.0.0.1:$S3_PORT"
		bucket "$S3_BUCKET"
		prefix "suite"
		access-key "$S3_AK"
		secret-key-file "$T/s3.secret"
		ca-file "$T/ca.pem"
	}
}
CONF
"$PCCX_BIN/pccx-remoted" -n -f "$T/pccx.conf" >"$T/check" 2>&1
ok $? "the audit block parses"
suite_start
ok $? "the suite starts with shipping on"
sleep 0.3
db="$T/state/audit/audit.db"
is "$(sqlite3 "$db" "SELECT value FROM meta WHERE key IN ('host', \
    's3.bucket', 's3.prefix') ORDER BY key" | tr '\n' ' ')" \
    "ws-test $S3_BUCKET suite " "the daemon got its settings"
grep -q 'audit: audit log at seq 0, checkpoint 0, shipping' "$T/log"
ok $? "and its S3 secret: it ships"
actl audit verify --from-s3 -d "$T/state" >"$T/v" 2>&1
ok $? "verify --from-s3 reaches the store through the proxy"
# Rows of the session and tunnel daemons end to end: suite_s3_rows.t.
finish
