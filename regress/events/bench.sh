#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Benchmark: /v1/events fan-out latency to 100 subscribers, printed.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_events.sh"

setup
trap events_cleanup EXIT
trap 'exit 1' INT TERM
# One user holds all the feeds: more than the default of eight.
EVENTS_CONF='limits { feeds 128 }'
events_setup

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 120 node events/bench.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$PCCX_BIN/pccxctl" "$T/ctl.sock"
