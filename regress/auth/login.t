#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The whole login on a real suite: OIDC provider, Chromium, signed requests.

. "$(dirname "$0")/../lib.sh"
. "$PCCX_TOP/regress/lib_peers.sh"

setup
trap peers_stop EXIT
trap 'exit 1' INT TERM

peers_start || peers_bail "the OpenID provider did not start"
suite_conf
cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "alice"
user "bob@example.com" account "bob"
project "core" {
	path "/tmp"
	maintainer "alice@example.com"
	owner "bob@example.com"
}
project "lab" {
	path "/tmp"
	viewer "alice@example.com"
}
rate-limit {
	address 100/s burst 200
}
CONF
peers_conf >>"$T/pccx.conf"
peers_check || peers_bail "configuration refused"
suite_start || peers_bail "suite did not start"

CODE=$(ctl enrol alice@example.com) || peers_bail "pccxctl enrol failed"
out=$(ctl enrol nobody@example.com 2>&1)
[ $? -ne 0 ] || peers_bail "enrol of an unknown user succeeded"

cd "$PCCX_TOP/regress" || peers_bail "no regress directory"
timeout 85 node auth/login.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$T/state/keys/token.key" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$CODE" \
    "$T/log"
rc=$?
if [ $rc -ne 0 ]; then
	tail -40 "$T/log" | sed 's/^/# /' >&2
fi
exit $rc
