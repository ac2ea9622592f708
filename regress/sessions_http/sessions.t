#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# /v1/sessions on a real suite: open, exec, pty, list, kill, squash.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../events/lib_events.sh"
. "$(dirname "$0")/lib_sessions.sh"

setup
trap events_cleanup EXIT
trap 'exit 1' INT TERM
sessions_setup

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 85 node sessions_http/sessions.mjs "$PORT" "$T/profile" \
    "$T/browser.pids" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$P" "$T/tree.sum"
rc=$?
[ $rc -ne 0 ] && tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
