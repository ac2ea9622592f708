#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx --fido2 with a software security key, on a real suite and provider.

. "$(dirname "$0")/../lib.sh"
. "$PCCX_TOP/regress/lib_peers.sh"

SOFT="$PCCX_BIN/regress/client/pccx-soft"
[ -x "$SOFT" ] || { echo "Bail out! pccx-soft is not built"; exit 1; }
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
mkdir -m 700 "$T/home"

cd "$PCCX_TOP/regress" || peers_bail "no regress directory"
timeout 150 node client/fido2.mjs "$PORT" "$T/profile" "$T/browser.pids" \
    "$SOFT" "$T/home" "$T/softkey" "$CODE"
rc=$?
[ $rc -eq 0 ] || tail -40 "$T/log" | sed 's/^/# /' >&2
exit $rc
