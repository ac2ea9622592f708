#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx session, exec, shell and events against a real suite.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../events/lib_events.sh"
. "$(dirname "$0")/../sessions_http/lib_sessions.sh"

remote_cleanup() {
	[ -n "$T" ] && [ -S "$T/tmux.sock" ] &&
	    tmux -S "$T/tmux.sock" kill-server 2>/dev/null
	events_cleanup
}

[ -x "$PCCX_BIN/pccx" ] || { echo "Bail out! build/pccx is not built"; exit 1; }
command -v tmux >/dev/null 2>&1 || { echo "Bail out! no tmux"; exit 1; }
setup
trap remote_cleanup EXIT
trap 'exit 1' INT TERM
sessions_setup
CODE=$(ctl enrol alice@example.com) || events_bail "pccxctl enrol failed"
DEAD=$(free_port)
[ "$DEAD" != "$PORT" ] || DEAD=$((PORT + 1))
mkdir -m 700 "$T/home"
TRACE=$PCCX_TOP/../shared/data/dummy_trace.pccx
[ -r "$TRACE" ] || TRACE=${PCCX_TRACE:-}

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout "${PCCX_TIMEOUT:-170}" node client/remote.mjs "$PORT" "$T/profile" \
    "$T/browser.pids" "$T/state/keys/token.key" "$PCCX_BIN/pccxctl" \
    "$T/ctl.sock" "$CODE" "$PCCX_BIN/pccx" "$T/home" "$DEAD" "$T" "$TRACE"
rc=$?
[ $rc -eq 0 ] || tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
