#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Real WebAuthn ceremonies in headless Chromium, verified by test_webauthn.

. "$(dirname "$0")/../lib.sh"

T=$(mktemp -d /tmp/pccx-webauthn.XXXXXX)
NODE_PID=

# Chromium started here, found by the profile on its command line (the
# pid file may not be written yet when this runs); its helpers share
# its process group, which playwright makes for it.
ours() {
	grep -l -a -F -- "--user-data-dir=$T/profile" \
	    /proc/[0-9]*/cmdline 2>/dev/null | while read -r f; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = chromium ] &&
		    echo "$p"
	done
}

# After a clean run ceremony.mjs has closed Chromium itself.  Else end
# node, then each Chromium group of ours, then remove the profile,
# again until no process is left to write in it.
cleanup() {
	if [ -n "$NODE_PID" ]; then
		kill -KILL "$NODE_PID" 2>/dev/null
		wait "$NODE_PID" 2>/dev/null
	fi
	for p in $(ours); do
		kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
	done
	i=0
	while [ -e "$T" ] && [ $i -lt 50 ]; do
		rm -rf "$T" 2>/dev/null || sleep 0.1
		i=$((i + 1))
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

hex32() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

for x in node /usr/bin/chromium; do
	if ! command -v "$x" >/dev/null 2>&1; then
		echo "Bail out! $x is not installed"
		exit 1
	fi
done

node "$PCCX_TOP/regress/webauthn/ceremony.mjs" --profile "$T/profile" \
    --reg-challenge "$(hex32)" --nonce "$(hex32)" \
    --login-pk "$(hex32)" >"$T/ceremony.json" 2>"$T/node.log" &
NODE_PID=$!
wait "$NODE_PID"
rc=$?
NODE_PID=
if [ "$rc" -ne 0 ]; then
	echo "Bail out! ceremony.mjs failed (exit $rc)"
	sed 's/^/# /' "$T/node.log"
	exit 1
fi

"$PCCX_BIN/regress/webauthn/test_webauthn" "$T/ceremony.json"
