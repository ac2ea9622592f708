#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Real logins add WireGuard peers; logout and revocation remove them.

# The whole login regress (regress/auth/login.t: an OpenID provider,
# Chromium's virtual authenticator, enrolment, logout, revocations) is
# run again with a tunnel block added to its configuration, and the
# tunnel daemon's log lines are checked afterwards.

top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null ||
    ! command -v wg >/dev/null; then
	echo "1..0 # SKIP needs root, wireguard-go and wg"
	exit 0
fi
tmp=$(mktemp -d /tmp/pccx-wglogin.XXXXXX) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

sed -e 's|^\. "$(dirname "$0")/../lib.sh"$|. "$PCCX_TOP/regress/lib.sh"|' \
    -e 's|^rate-limit {$|tunnel {\
	interface "pxl$$"\
	address 10.81.0.1/24\
	pool 10.81.0.0/24\
	port $((40000 + $$ % 20000))\
	private-key-file "$T/wg.key"\
}\
rate-limit {|' \
    -e 's|^suite_conf$|suite_conf; (umask 077; wg genkey >"$T/wg.key")|' \
    -e 's|^exit \$rc$|sed -n "s/^tunnel: /# tunnel: /p" "$T/log"; \
. "$PCCX_TOP/regress/tunnel/audit_rows.sh"; exit $rc|' \
    "$top/regress/auth/login.t" >"$tmp/login.t"
chmod +x "$tmp/login.t"

echo "1..10"
n=$(grep -c -e '^tunnel {$' -e 'wg genkey' -e '# tunnel: ' "$tmp/login.t")
if [ "$n" -eq 3 ]; then
	echo "ok 1 - the login regress runs with a tunnel block"
else
	echo "not ok 1 - the login regress runs with a tunnel block ($n)"
fi
PCCX_TOP=$top PCCX_BIN=${PCCX_BIN:-$top/build} timeout 200 \
    "$tmp/login.t" >"$tmp/out" 2>&1
rc=$?
check() {
	if grep -qE "$1" "$tmp/out"; then
		echo "ok $2 - $3"
	else
		echo "not ok $2 - $3"
	fi
}
if [ $rc -eq 0 ]; then
	echo "ok 2 - the logins pass with the tunnel daemon serving"
else
	echo "not ok 2 - the logins pass with the tunnel daemon serving"
	sed 's/^/# /' "$tmp/out" | tail -40
fi
check '^# tunnel: tunnel pxl[0-9]+ up on port [0-9]+, userspace backend' \
    3 "pccx-tunneld brought its interface up over wireguard-go"
added='^# tunnel: peer .* of alice@example.com \(session .*\) added: '
check "${added}10\\.81\\.0\\.2/32\$" 4 \
    "a login with a WireGuard key adds a peer (PEER_ADD from auth)"
check 'removed: session ended$' 5 "logout removes it (PEER_DEL by session)"
check 'removed: (device|user) revoked$' 6 \
    "revoking the device or user removes it"

# Each change of the peer table is an audit row the tunnel daemon made.
row='^# audit: tunnel tunnel\.peer\.'
who='ok alice@example\.com [^ ]+ '
check "${row}add ${who}.*\"addr4\":\"10\\.81\\.0\\.2/32\"" 7 \
    "a peer added leaves an audit row from the tunnel daemon"
check "${row}del ${who}.*\"reason\":\"session ended\"" 8 \
    "a peer removed at logout leaves an audit row"
check "${row}del ${who}.*\"reason\":\"(device|user) revoked\"" 9 \
    "a peer removed by a revocation leaves an audit row"

# The suite has stopped: the interface and its wireguard-go are gone.
if=$(sed -n 's/^# tunnel: tunnel \(pxl[0-9]*\) up .*/\1/p' "$tmp/out" | head -1)
i=0
while [ -n "$if" ] && pgrep -f "wireguard-go -f $if\$" >/dev/null &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -n "$if" ] && ! pgrep -f "wireguard-go -f $if\$" >/dev/null &&
    ! ip link show "$if" >/dev/null 2>&1; then
	echo "ok 10 - no interface or wireguard-go outlives the suite"
else
	echo "not ok 10 - no interface or wireguard-go outlives the suite ($if)"
	pkill_if=$(pgrep -f "wireguard-go -f $if\$")
	[ -n "$pkill_if" ] && kill $pkill_if
fi
