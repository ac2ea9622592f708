#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Secrets are compared in constant time: each named site, and no other.

# A timing test would flake; the source is what can be checked.  First,
# each place where a secret of the suite meets outside bytes must use
# sodium_memcmp() or CRYPTO_memcmp().  Then no plain comparison in the
# programs may take an operand whose name says it is a secret, except
# the few listed below with the reason they are not secrets.
. "$(dirname "$0")/../lib.sh"
cd "$PCCX_TOP" || { echo "Bail out! no tree"; exit 1; }

# site FILE FIXED-STRING WHAT
site() {
	grep -qF -- "$2" "$1"
	ok $? "$3 ($1)"
}

plan 14
site authd/oidc.c 'sodium_memcmp(p->state, state,' \
    "OIDC state of a pending login"
site authd/oidc.c 'sodium_memcmp(json_string_value(v), x->nonce, n)' \
    "ID token nonce"
site authd/login.c 'sodium_memcmp(l->state, state, n)' \
    "login state at the callback"
site authd/login.c 'sodium_memcmp(h, s, AUTH_HANDLELEN)' \
    "login and step handles"
site authd/webauthn.c 'CRYPTO_memcmp(json_string_value(v), enc, n)' \
    "WebAuthn challenge"
site authd/webauthn.c 'CRYPTO_memcmp(h, ad->rpid_hash' "rpIdHash"
site authd/httpsig.c 'sodium_memcmp(dig, sha256, SHA256_LEN)' \
    "Content-Digest of a signed body"
site authd/token.c 'sodium_memcmp(v->h, h, TOKEN_VHASH)' \
    "verified-token cache (a hash of the token)"
site authd/check.c 'sodium_memcmp(d.wg_key, r->device_key, n)' \
    "X-Device-Key"
site common/age.c 'CRYPTO_memcmp(want, got, sizeof(want))' \
    "age header MAC"
site frontd/traces.c 'sodium_memcmp(got, u->want, 32)' \
    "upload digest"

# The enrolment code is never compared: its hash is the lookup key.
grep -q 'WHERE hash = ?2' authd/store.c &&
    ! grep -nE 'cmp\([^)]*code' authd/store.c authd/register.c
ok $? "enrolment code found by its BLAKE2b hash, never compared"

# Plain comparisons whose operands are named like secrets.  Allowed: a
# state directory's path, and pccx's "-" argument for a code.  Session
# ids (sid) are names that the audit log shows, not secrets.
scan() {
	grep -HnE '(^|[^_[:alnum:]])(memcmp|bcmp|strn?(case)?cmp)\(' "$@" |
	    awk -F: '{ c = $0; sub(/^[^:]*:[^:]*:/, "", c); c = tolower(c) }
		c ~ /state|nonce|challenge|verifier|secret|code|digest|token/ ||
		c ~ /handle|passw|psk|priv|mac[^a-z]|pin[^a-z]/ {
		if (c !~ /state_dir|pccx_state_dir|\*code, "-"/)
			print
	    }'
}
plain=$(scan authd/*.c auditd/*.c common/*.c frontd/*.c tunneld/*.c \
    sessiond/*.c remoted/*.c proto/*.c client/*.c pccxctl/*.c)
[ -z "$plain" ]
ok $? "no plain comparison of a secret-named operand"
[ -z "$plain" ] || printf '%s\n' "$plain" | sed 's/^/#   /'

# The scan finds a planted one.
T=$(mktemp -d /tmp/pccx-ct.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
printf 'if (memcmp(l->nonce, s, n) == 0)\n' >"$T/a.c"
printf 'if (strcmp(x->state_dir, d) == 0)\n' >"$T/b.c"
[ "$(scan "$T/a.c" "$T/b.c" | wc -l)" -eq 1 ]
ok $? "the scan finds a planted plain comparison, and only that"

finish
