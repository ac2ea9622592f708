#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# WebSocket handshake, framing, limits and slow consumers on the harness.

. "$(dirname "$0")/../lib.sh"

HARNESS=
cleanup() {
	if [ -n "$HARNESS" ]; then
		kill -TERM "$HARNESS" 2>/dev/null
		wait "$HARNESS" 2>/dev/null
	fi
	[ -n "$T" ] && rm -rf "$T"
}

T=$(mktemp -d /tmp/pccx-ws.XXXXXX) || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM

PCCX_WS_PING=1 "$PCCX_BIN/regress/events/ws_harness" "$T/port" \
    2>"$T/log" &
HARNESS=$!
i=0
while [ ! -s "$T/port" ]; do
	if ! kill -0 "$HARNESS" 2>/dev/null; then
		echo "Bail out! the harness did not start"
		sed 's/^/# /' "$T/log"
		exit 1
	fi
	[ $i -ge 100 ] && { echo "Bail out! harness did not start"; exit 1; }
	sleep 0.05
	i=$((i + 1))
done

cd "$PCCX_TOP/regress" || exit 1
timeout 120 node events/ws_frames.mjs "$(cat "$T/port")"
rc=$?
kill -0 "$HARNESS" 2>/dev/null || { echo "# the harness died"; rc=1; }
[ $rc -ne 0 ] && sed 's/^/# /' "$T/log" | tail -20
exit $rc
