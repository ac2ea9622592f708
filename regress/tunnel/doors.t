#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The two doors: TLS 1.3 public listener, tunnel listener tied to peers.

# A laptop network namespace joined by a veth pair reaches the suite's
# public door (TLS 1.3, health and the login steps only); pccx logs in
# there with Chromium's virtual authenticator on the host side, brings
# its WireGuard end up with pccx up, and reaches the tunnel door.  The
# token is refused from any other address; logout, revocation and the
# idle timeout each remove the peer and cut the tunnel.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_doors.sh"

plan 28
doors_suite

# The public door: TLS 1.3 only, and only its few routes.
got=$(lap curl -sS --tlsv1.3 --cacert "$O/ca.crt" -o /dev/null \
    -w '%{http_code} %{ssl_verify_result}' "$PUB/v1/health" 2>&1)
is "$got" "200 0" "public door: health over TLS 1.3 with the test CA"
out=$(echo | lap openssl s_client -connect "$HOSTIP:$TPORT" -tls1_3 \
    -CAfile "$O/ca.crt" 2>&1)
like "$out" "Protocol *: TLSv1.3|New, TLSv1.3" \
    "openssl s_client -tls1_3 negotiates TLS 1.3"
echo | lap openssl s_client -connect "$HOSTIP:$TPORT" -tls1_2 \
    -CAfile "$O/ca.crt" >"$T/tls12" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'alert protocol version' "$T/tls12"
ok $? "TLS 1.2 is refused (s_client exit $rc)"
got=$(lap curl -sS --cacert "$O/ca.crt" "$PUB/v1/sessions" \
    -w ' %{http_code}' 2>&1 | tr -d '\n')
like "$got" '"code":"wrong_door".* 403$' \
    "public door: /v1/sessions refused, 403 wrong_door"
got=$(curl -sS "http://127.0.0.1:$PORT/v1/events" -w ' %{http_code}' |
    tr -d '\n')
like "$got" '"code":"wrong_door".* 403$' \
    "plain public door: /v1/events refused too"

doors_browser

login device register
rc=$?
ok $rc "pccx device register on the TLS public door (browser: $(
    grep '^done' "$T/bout" | tail -1))"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/pccx.err"
like "$(cat "$CFG/tunnel" 2>/dev/null)" \
    "\"address4\":\"$TUN\\.2/32\".*\"api\":\"http://$TUN\\.1:$APORT\"" \
    "the token answer carried the tunnel: address and API"

out=$(pccx up -i "$WGL" 2>&1)
like "$out" "^Tunnel up on $WGL: $TUN\\.2/32, API http://$TUN\\.1:$APORT" \
    "pccx up brings the laptop's WireGuard end up"
is "$(through)" "200" "GET /v1/health through the tunnel"
out=$(pccx devices 2>&1)
ok $? "an authenticated, signed request through the tunnel (devices)"
like "$(pccx status 2>&1)" "^tunnel +up on $WGL" "pccx status: tunnel up"
like "$(ctl tunnel show)" "alice@example.com" \
    "the suite has the laptop's peer"

# The same token from another address: the host itself.
out=$(hpccx -s "http://$TUN.1:$APORT" devices 2>&1)
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'refused: wrong_peer'
ok $? "the token from another address is refused 403 wrong_peer"
i=0
while ! ctl -j audit tail -d "$T/state" -n 20 2>/dev/null |
    grep -q 'wrong_peer' && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
like "$(ctl -j audit tail -d "$T/state" -n 20 2>&1 | tr '\n' ' ')" \
    "\"source\": \"$TUN\\.1\",[^}]*\"outcome\": \"deny\",[^}]*wrong_peer" \
    "an audit row says so, with the address it came from"
out=$(hpccx -s "$PUB" devices 2>&1)
like "$out" "refused: wrong_door" \
    "an authenticated route on the public door: wrong_door"
out=$(curl -sS --max-time 5 "http://$TUN.1:$APORT/v1/health" \
    -w ' %{http_code}' 2>&1)
like "$out" " 200$" "health on the tunnel door needs no peer"

# Logout (on the public door: it cuts the tunnel) ends the peer.
out=$(pccx logout 2>&1)
ok $? "pccx logout"
peer_gone 5
ok $? "logout removed the peer"
is "$(through 3)" "000" "the tunnel is cut after logout"
out=$(pccx down 2>&1)
ok $? "pccx down"
! ip -n "$NS" link show "$WGL" >/dev/null 2>&1
ok $? "the laptop's interface is gone"

# Revocation.
login login
ok $? "pccx login again (browser: $(grep '^done' "$T/bout" | tail -1))"
pccx up -i "$WGL" >/dev/null 2>&1
is "$(through)" "200" "the tunnel is back after pccx up"
SID=$(node -e 'const s = JSON.parse(require("fs").readFileSync(
    process.argv[1], "utf8")); console.log(JSON.parse(Buffer.from(
    s.token.split(".")[1], "base64url")).sid)' "$CFG/state")
ctl revoke session "$SID" >/dev/null
peer_gone 5
ok $? "pccxctl revoke session removes the peer"
is "$(through 3)" "000" "the tunnel is cut after revocation"

# The idle timeout: the laptop, which sends no keepalives, falls silent.
login login
pccx up -i "$WGL" >/dev/null 2>&1
is "$(through)" "200" "a third login, the tunnel up"
peer_gone $((IDLE + IDLE / 4 + 20))
ok $? "the idle peer goes after ${IDLE}s"
is "$(through 3)" "000" "the tunnel is cut after the idle timeout"
pccx down >/dev/null 2>&1

[ $tap_failed -eq 0 ] || tail -30 "$T/log" | sed 's/^/# /'
finish
