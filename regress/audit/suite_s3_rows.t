#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Rows of the session and tunnel daemons reach the S3 store, chain intact.

. "$(dirname "$0")/lib_audit.sh"
. "$PCCX_TOP/regress/events/lib_events.sh"
. "$PCCX_TOP/regress/sessions_http/lib_sessions.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null ||
    ! command -v wg >/dev/null; then
	echo "1..0 # SKIP needs root, wireguard-go and wg"
	exit 0
fi
setup
S3RVER_PID=
PROXY_PID=
cleanup() {
	for p in $PROXY_PID $S3RVER_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	events_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

plan 6
sessions_tree
peers_start || events_bail "the OpenID provider did not start"
sessions_conf
(umask 077; wg genkey >"$T/wg.key")
s3_start
ok $? "s3rver and the SigV4 proxy start"
cat >>"$T/pccx.conf" <<CONF
audit {
	checkpoint rows 4096 interval 60s
	host "rows-test"
	s3 {
		endpoint "https://127.0.0.1:$S3_PORT"
		bucket "$S3_BUCKET"
		prefix "suite"
		access-key "$S3_AK"
		secret-key-file "$T/s3.secret"
		ca-file "$T/ca.pem"
	}
}
tunnel {
	interface "pxs$$"
	address 10.83.0.1/24
	pool 10.83.0.0/24
	port $((40000 + ($$ + 7) % 20000))
	private-key-file "$T/wg.key"
}
CONF
"$PCCX_BIN/pccx-remoted" -n -f "$T/pccx.conf" >"$T/check.log" 2>&1 ||
    { sed 's/^/# /' "$T/check.log"; events_bail "config refused"; }
suite_start || events_bail "suite did not start"

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 60 node audit/s3_rows.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$PCCX_BIN/pccxctl" "$T/ctl.sock" >"$T/node.out" 2>&1
ok $? "a login with a WireGuard key opens a session"
grep -A1 '^# FAILED' "$T/node.out" | head -20
uuid=$(sed -n 's/^session //p' "$T/node.out")

# Shipping cuts a checkpoint and an object within a second of a commit.
so=
tp=
i=0
while [ $i -lt 100 ]; do
	set -- "$T/s3data/$S3_BUCKET"/suite/rows-test/*._S3rver_object
	if [ -n "$uuid" ] && [ -f "$1" ]; then
		so=$(grep -l "\"object\":\"$uuid\"" "$@" | head -1)
		tp=$(grep -l '"action":"tunnel.peer.add"' "$@" | head -1)
	fi
	[ -n "$so" ] && [ -n "$tp" ] && break
	sleep 0.1
	i=$((i + 1))
done
[ -n "$so" ] && [ -n "$tp" ]
ok $? "the session open and the tunnel peer reach s3rver"
like "$(grep "\"object\":\"$uuid\"" "$so" 2>/dev/null)" \
    '"daemon":"session".*"action":"session.open".*"outcome":"allow"' \
    "the open is on record as allowed before it happened"
like "$(grep '"action":"tunnel.peer.add"' "$tp" 2>/dev/null)" \
    '"daemon":"tunnel".*"actor":"alice@example.com".*"outcome":"ok"' \
    "the tunnel daemon's row, with the daemon from the channel"
actl -j audit verify --from-s3 -d "$T/state" >"$T/v" 2>&1
ok $? "pccxctl audit verify --from-s3: the shipped chain verifies"
[ "$tap_failed" -ne 0 ] && sed 's/^/# /' "$T/v" | head -20
finish
