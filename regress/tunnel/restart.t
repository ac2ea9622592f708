#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Sessions and their tunnel peers outlive a restart of the suite.

. "$(dirname "$0")/../lib.sh"
. "$PCCX_TOP/regress/lib_peers.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null ||
    ! command -v wg >/dev/null || [ ! -x "$PCCX_BIN/pccx" ]; then
	echo "1..0 # SKIP needs root, wireguard-go, wg and build/pccx"
	exit 0
fi
setup
trap peers_stop EXIT
trap 'exit 1' INT TERM

peers_start || peers_bail "the OpenID provider did not start"
suite_conf
(umask 077; wg genkey >"$T/wg.key")
cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "alice"
project "core" {
	path "/tmp"
	maintainer "alice@example.com"
}
tunnel {
	interface "pxr$$"
	address 10.83.0.1/24
	pool 10.83.0.0/24
	port $((40000 + ($$ + 7) % 20000))
	private-key-file "$T/wg.key"
}
rate-limit {
	address 100/s burst 200
}
CONF
peers_conf >>"$T/pccx.conf"
cp "$T/pccx.conf" "$T/pccx.conf.orig"
peers_check || peers_bail "configuration refused"
suite_start || peers_bail "suite did not start"
CODE=$(ctl enrol alice@example.com) || peers_bail "pccxctl enrol failed"
mkdir -m 700 "$T/home1"

cd "$PCCX_TOP/regress" || peers_bail "no regress directory"
timeout 120 node tunnel/restart.mjs "$PORT" "$T/profile" \
    "$T/browser.pids" "$CODE" "$PCCX_BIN/pccx" "$T/home1" "$T/home2" \
    >"$T/logins" 2>&1
rc=$?
plan 14
sed 's/^/# /' "$T/logins"
[ $rc -eq 0 ] || peers_bail "the logins failed"

# The session id in the token a pccx configuration holds.
sid_of() {
	node -e 'const s = JSON.parse(require("fs").readFileSync(
	    process.argv[1] + "/pccx/state", "utf8"));
	    const p = s.token.split(".")[1];
	    console.log(JSON.parse(Buffer.from(p, "base64url")).sid);' "$1"
}
pccx_in() {
	h=$1
	shift
	env -i PATH=/usr/bin:/bin XDG_CONFIG_HOME="$h" "$PCCX_BIN/pccx" "$@"
}
# peer_addr SID: the address pccxctl tunnel show gives its peer,
# waiting up to 5 s for it.
peer_addr() {
	i=0
	while [ $i -lt 50 ]; do
		a=$(ctl tunnel show | awk -v s="$1" '$3 == s { print $4 }')
		[ -n "$a" ] && { echo "$a"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
restart() {
	suite_stop
	suite_start || peers_bail "suite did not start again"
}
SID1=$(sid_of "$T/home1")
SID2=$(sid_of "$T/home2")
[ -n "$SID1" ] && [ -n "$SID2" ] && [ "$SID1" != "$SID2" ]
ok $? "two sessions of one device"
# The second login of the device took its key's peer over: the first
# session's address is in the tunnel daemon's log.
ADDR1=$(sed -n "s|^tunnel: peer .*(session $SID1) added: \\([^ ]*\\).*|\\1|p" \
    "$T/log" | head -1)
like "$ADDR1" '^10\.83\.0\.[0-9]+/32$' "the first login added a peer"
pccx_in "$T/home2" devices >"$T/out" 2>&1
is "$?" 0 "the second session works before the revocation"
ctl revoke session "$SID2" >"$T/out" 2>&1
is "$?" 0 "pccxctl revoke session of the second one"
! pccx_in "$T/home2" devices >"$T/out" 2>&1
ok $? "the revoked session is refused at once"

restart
pccx_in "$T/home1" devices >"$T/out" 2>&1
rc=$?
is "$rc" 0 "after a restart the same token works (pccx devices)"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/out"
like "$(cat "$T/out")" 'alice|current|[A-Za-z0-9_-]{22}' \
    "and lists the device"
! pccx_in "$T/home2" devices >"$T/out" 2>&1
ok $? "the session revoked before the restart stays refused"
A=$(peer_addr "$SID1")
is "$A" "$ADDR1" "pccxctl tunnel show lists the peer again, same address"
n=$(ctl tunnel show | awk -v s="$SID2" '$3 == s' | wc -l)
is "$n" 0 "the revoked session has no peer"
like "$(cat "$T/log")" '^auth: 1 session restored$' \
    "the auth daemon restored one session"

# The sliding expiry, shortened: a session unused for longer is not
# loaded, and its row goes.
suite_stop
cp "$T/pccx.conf.orig" "$T/pccx.conf"
echo "tokens { idle 1m }" >>"$T/pccx.conf"
sleep 62
suite_start || peers_bail "suite did not start a third time"
! pccx_in "$T/home1" devices >"$T/out" 2>&1
ok $? "a session idle past the configured time is refused"
like "$(cat "$T/log")" '1 expired session removed' \
    "the expired session was not loaded (its row removed)"
sleep 1
n=$(ctl tunnel show | awk -v s="$SID1" '$3 == s' | wc -l)
is "$n" 0 "and it gets no peer"
finish
