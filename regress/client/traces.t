#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx trace, report and reference against a stand-in for the routes.

. "$(dirname "$0")/../lib.sh"

[ -x "$PCCX_BIN/pccx" ] || { echo "Bail out! build/pccx is not built"; exit 1; }
T=$(mktemp -d /tmp/pccx-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
TRACE=$PCCX_TOP/../shared/data/dummy_trace.pccx
[ -r "$TRACE" ] || TRACE=${PCCX_TRACE:-}
# Without the real trace, any bytes do: the stand-in checks none.
if [ ! -r "$TRACE" ]; then
	TRACE=$T/any.pccx
	head -c 65536 /dev/urandom >"$TRACE"
fi
cd "$PCCX_TOP/regress" || exit 1
timeout "${PCCX_TIMEOUT:-60}" node client/traces.mjs "$PCCX_BIN/pccx" "$T" \
    "$TRACE"
