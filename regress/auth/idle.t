#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Idle sessions and removed users, on a real suite with idle 1m.

. "$(dirname "$0")/../lib.sh"
. "$PCCX_TOP/regress/lib_peers.sh"

setup
trap peers_stop EXIT
trap 'exit 1' INT TERM

peers_start || peers_bail "the OpenID provider did not start"
suite_conf
cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "alice"
user "carol@example.com" account "carol"
tokens { idle 1m }
CONF
peers_conf >>"$T/pccx.conf"
peers_check || peers_bail "configuration refused"
suite_start || peers_bail "suite did not start"

cd "$PCCX_TOP/regress" || peers_bail "no regress directory"
timeout 150 node auth/idle.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$T/pccx.conf"
rc=$?
[ $rc -ne 0 ] && tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
