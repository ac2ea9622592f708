#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# /v1/sessions on a real suite: open, exec, pty, list, kill, squash.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../events/lib_events.sh"

setup
trap events_cleanup EXIT
trap 'exit 1' INT TERM

# The project: a copy of this repository's tracked files.
P="$T/tree"
mkdir -p "$P"
# Without git (an exported tree), the sources less build output.
if git -C "$PCCX_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$PCCX_TOP" && git ls-files -z | tar --null -cf - -T -)
else
	tar -C "$PCCX_TOP" --exclude=./build --exclude=./regress/node_modules \
	    -cf - .
fi | tar -C "$P" -xf - || events_bail "cannot copy the tree"
cat >"$P/hello.c" <<'SRC'
#include <stdio.h>
int
main(void)
{
	printf("hello from %d\n", 6 * 7);
	return 0;
}
SRC
chown -R nobody "$P" && chmod 755 "$T" || events_bail "chown"
find "$P" -type f -print0 | sort -z | xargs -0 cat | sha256sum >"$T/tree.sum"

events_keys || events_bail "openssl: no keys"
events_provider || events_bail "provider did not start"
printf 'pccx-test-client-secret-0123456789' >"$T/oidc.secret"
chmod 600 "$T/oidc.secret"
suite_conf
cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "nobody"
user "carol@example.com" account "nobody"
user "dave@example.com" account "nobody"
project "work" {
	path "$P"
	owner "alice@example.com"
	maintainer "carol@example.com"
	viewer "dave@example.com"
}
oidc {
	issuer "https://127.0.0.1:$OPORT"
	client-id "rp-eddsa"
	client-secret-file "$T/oidc.secret"
	ca-file "$T/oidc/ca.crt"
	redirect-uri "http://localhost:$PORT/v1/auth/callback"
}
rate-limit {
	address 1000/s burst 2000
	user 1000/s burst 2000
}
webauthn {
	rp-id "localhost"
	origin "http://localhost:$PORT"
}
CONF
"$PCCX_BIN/pccx-remoted" -n -f "$T/pccx.conf" >"$T/check.log" 2>&1 ||
    { sed 's/^/# /' "$T/check.log"; events_bail "config refused"; }
suite_start || events_bail "suite did not start"

cd "$PCCX_TOP/regress" || events_bail "no regress directory"
timeout 85 node sessions_http/sessions.mjs "$PORT" "$T/profile" \
    "$T/browser.pids" "$PCCX_BIN/pccxctl" "$T/ctl.sock" "$P" "$T/tree.sum"
rc=$?
[ $rc -ne 0 ] && tail -40 "$T/log" | sed 's/^/# /'
exit $rc
