#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx, the laptop client, against a real suite, OIDC provider and browser.

. "$(dirname "$0")/../lib.sh"
. "$PCCX_TOP/regress/lib_peers.sh"

[ -x "$PCCX_BIN/pccx" ] || { echo "Bail out! build/pccx is not built"; exit 1; }
setup
trap peers_stop EXIT
trap 'exit 1' INT TERM

peers_start || peers_bail "the OpenID provider did not start"
suite_conf
cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "alice"
project "core" {
	path "/tmp"
	maintainer "alice@example.com"
}
rate-limit {
	address 100/s burst 200
}
CONF
peers_conf >>"$T/pccx.conf"
suite_start || peers_bail "suite did not start"
CODE=$(ctl enrol alice@example.com) || peers_bail "pccxctl enrol failed"

# A port nothing listens on, for the unreachable server.
DEAD=$(free_port)
[ "$DEAD" != "$PORT" ] || DEAD=$((PORT + 1))
mkdir -m 700 "$T/home"

cd "$PCCX_TOP/regress" || peers_bail "no regress directory"
timeout 85 node client/client.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$T/state/keys/token.key" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$CODE" \
    "$PCCX_BIN/pccx" "$T/home" "$DEAD"
rc=$?
[ $rc -eq 0 ] || tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
