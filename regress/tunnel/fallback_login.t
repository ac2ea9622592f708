#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# A real registration issues the device's certificate for the TLS fallback.

# The client regress (regress/client/client.t: an OpenID provider,
# Chromium's virtual authenticator, pccx device register, login,
# revocation) runs again with a tunnel block that has a device CA and
# a fallback listener; the certificate pccx kept is checked after.

top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null ||
    ! command -v wg >/dev/null || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP needs root, wireguard-go, wg and openssl"
	exit 0
fi
tmp=$(mktemp -d /tmp/pccx-fblogin.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

lib='. "$PCCX_TOP/regress/tunnel/fallback_login.sh"'
sed -e 's|^\. "$(dirname "$0")/../lib.sh"$|. "$PCCX_TOP/regress/lib.sh"|' \
    -e "s|^suite_conf\$|suite_conf; $lib; fallback_conf|" \
    -e 's|^exit \$rc$|fallback_after; exit $rc|' \
    "$top/regress/client/client.t" >"$tmp/client.t"
chmod +x "$tmp/client.t"

n=0
check() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}
echo "1..9"
c=$(grep -c -e 'fallback_conf$' -e '^fallback_after; exit' "$tmp/client.t")
[ "$c" -eq 2 ]
check $? "the client regress runs with a device CA"
mkdir "$tmp/out"
PCCX_TOP=$top PCCX_BIN=${PCCX_BIN:-$top/build} FBOUT=$tmp/out \
    timeout 200 "$tmp/client.t" >"$tmp/run" 2>&1
rc=$?
check $rc "the client regress passes"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/run" | tail -30
O=$tmp/out
dev=$(awk '$1 == "device" { print $2 }' "$O/config" 2>/dev/null)
[ -n "$dev" ] && [ -f "$O/tls.crt" ] &&
    [ "$(stat -c %a "$O/tls.key")" = 600 ]
check $? "pccx kept a certificate and a 0600 key for device $dev"
openssl verify -CAfile "$O/device-ca.crt" -purpose sslclient \
    "$O/tls.crt" >/dev/null 2>&1
check $? "the certificate chains to the device CA, for client auth"
cn=$(openssl x509 -in "$O/tls.crt" -noout -subject -nameopt multiline \
    2>/dev/null | awk '$1 == "commonName" { print $3 }')
san=$(openssl x509 -in "$O/tls.crt" -noout -ext subjectAltName \
    2>/dev/null | tail -1 | tr -d ' ')
[ -n "$dev" ] && [ "$cn" = "$dev" ] && [ "$san" = "URI:pccx:device:$dev" ]
check $? "it names the device ($cn, $san)"
[ "$(openssl x509 -in "$O/tls.crt" -noout -pubkey 2>/dev/null)" = \
    "$(openssl pkey -in "$O/tls.key" -pubout 2>/dev/null)" ]
check $? "its key is the laptop's own"
openssl x509 -in "$O/tls.crt" -noout -checkend $((29 * 86400)) \
    >/dev/null 2>&1 && ! openssl x509 -in "$O/tls.crt" -noout \
    -checkend $((31 * 86400)) >/dev/null 2>&1
check $? "it is valid for 30 days"
rrc=$(cat "$O/relay.rc" 2>/dev/null)
[ "$rrc" = 1 ] || [ "$rrc" = 3 ]
check $? "pccx relay of the revoked device is cut off (exit $rrc)"
grep -qE "fallback: 127\.0\.0\.1:[0-9]+ refused: the device has no live peer" \
    "$O/suite.log"
check $? "the tunnel daemon took the certificate and found no peer"
[ $rc -eq 0 ] || exit 1
