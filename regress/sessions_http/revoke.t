#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Device and login revocations end the sandbox sessions opened under them.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../events/lib_events.sh"
. "$(dirname "$0")/lib_sessions.sh"

setup
trap events_cleanup EXIT
trap 'exit 1' INT TERM
sessions_setup

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 85 node sessions_http/revoke.mjs "$PORT" "$T/profile" \
    "$T/browser.pids" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$T/state"
rc=$?
[ $rc -ne 0 ] && tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
