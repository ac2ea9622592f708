#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# /v1/traces and /v1/reports on a real suite: upload, verdict, reports.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../events/lib_events.sh"
. "$(dirname "$0")/../sessions_http/lib_sessions.sh"

# alice owns "work", carol maintains it, dave views it; uploads are
# capped at 700K, which the real trace (623K) fits under.
traces_setup() {
	P="$T/tree"
	mkdir -p "$P" && chmod 755 "$T" || events_bail "no project dir"
	peers_start || events_bail "the OpenID provider did not start"
	sessions_conf
	echo 'limits { upload 700K }' >>"$T/pccx.conf"
	"$PCCX_BIN/pccx-remoted" -n -f "$T/pccx.conf" >"$T/check.log" 2>&1 ||
	    { sed 's/^/# /' "$T/check.log"; events_bail "config refused"; }
	suite_start || events_bail "suite did not start"
}

setup
trap events_cleanup EXIT
trap 'exit 1' INT TERM
traces_setup

TRACE=$(cd "$PCCX_TOP/../shared/data" 2>/dev/null && pwd)/dummy_trace.pccx
[ -r "$TRACE" ] || events_bail "no trace at $TRACE"
cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 150 node traces_http/traces.mjs "$PORT" "$T/profile" \
    "$T/browser.pids" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$T/state" \
    "$TRACE" "$T/log"
rc=$?
[ $rc -ne 0 ] && tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
