#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Benchmark: session open through HTTP beside bubblewrap, printed.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../events/lib_events.sh"
. "$(dirname "$0")/lib_sessions.sh"

[ -x /usr/bin/bwrap ] || { echo "no /usr/bin/bwrap" >&2; exit 1; }
setup
trap events_cleanup EXIT
trap 'exit 1' INT TERM
sessions_setup

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 100 node sessions_http/bench.mjs "$PORT" "$T/profile" \
    "$T/browser.pids" "$PCCX_BIN/pccxctl" "$T/ctl.sock"
rc=$?
[ $rc -ne 0 ] && grep -Ev ": (open for|ended, processes)" "$T/log" |
    tail -40 | sed 's/^/# /'
exit $rc
