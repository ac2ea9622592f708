#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx up --tcp: the tunnel through the TLS fallback when UDP is blocked.

# A laptop namespace whose UDP to the WireGuard port is dropped: a
# real registration gives the device its certificate and the token
# answer the fallback's address; pccx up --tcp starts the relay in
# the background, an authenticated request goes through, the relay
# connects again after its connection is reset, and pccx down leaves
# no relay and no interface.  Without a certificate pccx says so.

. "$(dirname "$0")/../lib.sh"
DOORS_FALLBACK=1
. "$(dirname "$0")/lib_doors.sh"

if ! command -v nft >/dev/null; then
	echo "1..0 # SKIP needs nft"
	exit 0
fi

# The relay pccx recorded, if it is still a pccx process.
relay_pid() {
	p=$(cat "$CFG/relay.pid" 2>/dev/null) || return 1
	[ -n "$p" ] && [ "$(readlink "/proc/$p/exe")" = \
	    "$(readlink -f "$PCCX_BIN/pccx")" ] && echo "$p"
}
upcleanup() {
	p=$(relay_pid) && kill "$p" 2>/dev/null
	cleanup
}
trap upcleanup EXIT

# waitfor FILE RE COUNT: until FILE has COUNT lines matching RE (15 s).
waitfor() {
	i=0
	while [ "$(grep -cE "$2" "$1" 2>/dev/null)" -lt "$3" ] &&
	    [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

plan 21
doors_suite
doors_browser

login device register
rc=$?
ok $rc "pccx device register (browser: $(grep '^done' "$T/bout" | tail -1))"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/pccx.err"
[ -f "$CFG/tls.crt" ] && grep -q "\"fallback\":\"$HOSTIP:$FBPORT\"" \
    "$CFG/tunnel"
ok $? "the device has its certificate, the tunnel the fallback's address"

# UDP to the WireGuard port is dropped on the laptop's way out.
lap nft -f - <<NFT
table inet pccxup$S {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport $WGPORT counter drop
	}
}
NFT
ok $? "UDP to port $WGPORT dropped in the laptop namespace"
out=$(pccx up -i "$WGL" 2>&1)
is "$?" "3" "the direct tunnel does not answer ($(echo "$out" | tail -1))"
pccx down >/dev/null 2>&1

out=$(pccx up --tcp -i "$WGL" 2>&1)
rc=$?
ms=$(echo "$out" | sed -n 's/.*(\([0-9]*\) ms).*/\1/p')
like "$out" \
    "^Tunnel up on $WGL: $TUN\\.2/32, API .*, over TLS to $HOSTIP:$FBPORT\$" \
    "pccx up --tcp: the tunnel up through the fallback (exit $rc, $ms ms)"
RPID=$(relay_pid)
[ -n "$RPID" ] && [ "$(stat -c %a "$CFG/relay.pid")" = 600 ] &&
    [ "$(awk '/^PPid:/ { print $2 }' "/proc/$RPID/status")" != "$$" ]
ok $? "the relay ($RPID) runs detached, its pid in a 0600 file"
out=$(pccx devices 2>&1)
ok $? "an authenticated, signed request through the tunnel (devices)"
like "$(pccx status 2>&1)" "tunnel +up on $WGL, .*over TLS to $HOSTIP" \
    "pccx status: the tunnel is up over TLS"
lap nft list table inet "pccxup$S" | grep -q 'counter packets [1-9]'
ok $? "WireGuard's direct datagrams were dropped"

# The relay's connection is reset: it connects again by itself.
lap nft -f - <<NFT
table inet pccxrst$S {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp dport $FBPORT reject with tcp reset
	}
}
NFT
through 2 >/dev/null
waitfor "$CFG/relay.log" 'relay: connecting again in' 1
ok $? "the relay saw its connection reset and waits to connect again"
lap nft delete table inet "pccxrst$S"
waitfor "$CFG/relay.log" "relay: connected to $HOSTIP:$FBPORT" 2
ok $? "and connected again"
out=$(pccx devices 2>&1)
ok $? "an authenticated request through the new connection"

out=$(pccx down 2>&1)
ok $? "pccx down"
wait_gone "$RPID" 3000 && [ ! -e "$CFG/relay.pid" ]
ok $? "no relay process is left, nor its pid file"
! lap ip link show "$WGL" >/dev/null 2>&1
ok $? "the laptop's interface is gone"

# The tunnel daemon audited the end of each relayed connection.
rows() {
	ctl -j audit tail -d "$T/state" -n 200 2>/dev/null | node -e '
let t = "";
process.stdin.on("data", (d) => t += d);
process.stdin.on("end", () => {
	for (const r of JSON.parse(t || "[]"))
		if (r.action === "tunnel.fallback.close")
			console.log(`${r.daemon} ${r.outcome} ${r.actor} ` +
			    `${r.device} ${r.detail}`);
});'
}
i=0
while [ "$(rows | grep -c closed)" -lt 1 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
DEV=$(awk '$1 == "device" { print $2 }' "$CFG/config")
R='"reason":"closed".*"bytes_in":[1-9]'
like "$(rows | tail -1)" "^tunnel ok alice@example.com $DEV .*$R" \
    "audit: the relayed connection's close, device, bytes and reason"

# Without a certificate, pccx says so in one line and starts nothing.
mv "$CFG/tls.crt" "$CFG/tls.crt.off"
pccx up --tcp -i "$WGL" >"$T/nocert.out" 2>&1
rc=$?
[ $rc -ne 0 ] && [ "$(wc -l <"$T/nocert.out")" -eq 1 ]
ok $? "pccx up --tcp without a certificate fails (exit $rc) with one line"
like "$(cat "$T/nocert.out")" \
    "relay: this device has no certificate: run pccx login" "the line says why"
[ ! -e "$CFG/relay.pid" ] && ! lap ip link show "$WGL" >/dev/null 2>&1
ok $? "no relay and no interface were left"
mv "$CFG/tls.crt.off" "$CFG/tls.crt"

# --relay overrides the address the login gave, here spoilt.
sed -i "s/\"fallback\":\"[^\"]*\"/\"fallback\":\"127.0.0.1:9\"/" "$CFG/tunnel"
out=$(pccx up --tcp --relay "$HOSTIP:$FBPORT" -i "$WGL" 2>&1)
like "$out" "^Tunnel up on $WGL: .*, over TLS to $HOSTIP:$FBPORT\$" \
    "pccx up --tcp --relay takes the address given"
pccx down >/dev/null 2>&1 && [ ! -e "$CFG/relay.pid" ] &&
    ! lap ip link show "$WGL" >/dev/null 2>&1
ok $? "and pccx down ends it"

[ $tap_failed -eq 0 ] || { sed 's/^/# relay: /' "$CFG/relay.log" | tail -20
    tail -30 "$T/log" | sed 's/^/# /'; }
finish
