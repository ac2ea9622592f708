#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# /v1/events on a real suite: four users, RBAC filtering, resume.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_events.sh"

setup
trap events_cleanup EXIT
trap 'exit 1' INT TERM
events_setup

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 150 node events/events.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$PCCX_BIN/pccxctl" "$T/ctl.sock"
rc=$?
[ $rc -ne 0 ] && tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
