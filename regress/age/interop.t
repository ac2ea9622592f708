#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# common/age.c against the age tool both ways, and its refusals.

. "$(dirname "$0")/../lib.sh"

A="$PCCX_BIN/regress/age/agetool"
if ! command -v age >/dev/null 2>&1 ||
    ! command -v age-keygen >/dev/null 2>&1; then
	echo "1..0 # SKIP age is not installed (regress/install-deps)"
	exit 0
fi
T=$(mktemp -d /tmp/pccx-age.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
plan 78

# Keys: one from age-keygen, one from agetool; each side reads both.
age-keygen -o "$T/k1" 2>/dev/null
r1=$(age-keygen -y "$T/k1")
"$A" keygen >"$T/k2"
r2=$(sed -n 's/^# public key: //p' "$T/k2")
is "$("$A" pubkey -i "$T/k1")" "$r1" "age-keygen identity gives its recipient"
is "$(age-keygen -y "$T/k2")" "$r2" "age-keygen -y reads our identity"
like "$(grep -v '^#' "$T/k2")" '^AGE-SECRET-KEY-1[0-9A-Z]{58}$' \
    "our identity is upper-case Bech32"
like "$r2" '^age1[0-9a-z]{58}$' "our recipient is lower-case Bech32"

# same FILE1 FILE2 NAME: the two files are byte for byte equal.
same() {
	cmp -s "$1" "$2"
	ok $? "$3"
}

for size in 0 1 65535 65536 65537 196608 5242880; do
	head -c "$size" /dev/urandom >"$T/p"
	"$A" encrypt -r "$r1" <"$T/p" >"$T/c" &&
	    age -d -i "$T/k1" <"$T/c" >"$T/d"
	same "$T/p" "$T/d" "$size bytes: ours to age, age-keygen key"
	rm -f "$T/d"
	age -r "$r1" <"$T/p" >"$T/c" && "$A" decrypt -i "$T/k1" <"$T/c" >"$T/d"
	same "$T/p" "$T/d" "$size bytes: age to ours, age-keygen key"
	rm -f "$T/d"
	"$A" encrypt -r "$r2" <"$T/p" >"$T/c" &&
	    age -d -i "$T/k2" <"$T/c" >"$T/d"
	same "$T/p" "$T/d" "$size bytes: ours to age, our key"
	rm -f "$T/d"
	age -r "$r2" <"$T/p" >"$T/c" && "$A" decrypt -i "$T/k2" <"$T/c" >"$T/d"
	same "$T/p" "$T/d" "$size bytes: age to ours, our key"
	rm -f "$T/d"
done

# Odd read sizes split header lines, the nonce and chunks anywhere.
head -c 140000 /dev/urandom >"$T/p"
age -r "$r1" <"$T/p" >"$T/c"
"$A" -b 7 decrypt -i "$T/k1" <"$T/c" >"$T/d"
same "$T/p" "$T/d" "age file read 7 bytes at a time"
"$A" -b 65537 decrypt -i "$T/k1" <"$T/c" >"$T/d"
same "$T/p" "$T/d" "age file read 65537 bytes at a time"

# Several recipients: each identity opens the file, from either tool.
"$A" encrypt -r "$r1" -r "$r2" <"$T/p" >"$T/c"
age -d -i "$T/k1" <"$T/c" | cmp -s - "$T/p"
ok $? "ours to two recipients: age opens it with the first key"
age -d -i "$T/k2" <"$T/c" | cmp -s - "$T/p"
ok $? "ours to two recipients: age opens it with the second key"
age -r "$r1" -r "$r2" <"$T/p" >"$T/c"
"$A" decrypt -i "$T/k2" <"$T/c" | cmp -s - "$T/p"
ok $? "age to two recipients: ours opens it with the second key"

# Memory does not grow with the file: 1 MB and 64 MB through a pipe.
rss() {
	head -c "$1" /dev/zero | age -r "$r1" |
	    "$A" -m decrypt -i "$T/k1" 2>&1 >/dev/null |
	    sed -n 's/^agetool: maxrss \([0-9]*\) kB$/\1/p'
}
small=$(rss 1048576)
big=$(rss 67108864)
diag "maxrss decrypting 1 MB: ${small} kB, 64 MB: ${big} kB"
[ -n "$small" ] && [ -n "$big" ] && [ $((big - small)) -lt 1024 ]
ok $? "decrypting 64 MB needs under 1 MB more than 1 MB does"

# refused FILE PATTERN NAME: ours fails on FILE with a message that
# matches PATTERN.
refused() {
	msg=$("$A" decrypt -i "$T/k1" <"$1" 2>&1 >/dev/null)
	st=$?
	if [ "$st" -eq 0 ]; then
		ok 1 "$3 (accepted)"
	else
		like "$msg" "$2" "$3"
		diag "$msg"
	fi
}

# poke OFFSET: a copy of c with the byte at OFFSET inverted, as "$T/x".
poke() {
	cp "$T/c" "$T/x"
	b=$(od -An -tu1 -j "$1" -N1 "$T/c" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 255)))" |
	    dd of="$T/x" bs=1 seek="$1" conv=notrunc 2>/dev/null
}

# put OFFSET [CHAR]: a copy of c with the character at OFFSET replaced
# by CHAR or else another base64 one ('A', 'B' if it was 'A'), as "$T/x".
put() {
	cp "$T/c" "$T/x"
	c=${2:-A}
	[ "$(od -An -c -j "$1" -N1 "$T/c" | tr -d ' ')" = "$c" ] && c=B
	printf '%s' "$c" | dd of="$T/x" bs=1 seek="$1" conv=notrunc \
	    2>/dev/null
}

head -c 200000 /dev/urandom >"$T/p"
age -r "$r1" <"$T/p" >"$T/c"
hlen=$(($(grep -abn '^--- ' "$T/c" | cut -d: -f2) + 48))
size=$(stat -c %s "$T/c")
body=$(head -n 2 "$T/c" | wc -c)
poke 0
refused "$T/x" 'not an age v1 file' "changed version byte"
put $((22 + 12))
refused "$T/x" 'no identity matches' "changed share character"
put $((22 + 12)) '!'
refused "$T/x" 'non-canonical base64' "share character out of the alphabet"
poke $((22 + 12))
refused "$T/x" 'malformed header' "share byte not printable"
put $((body + 5))
refused "$T/x" 'no identity matches' "changed wrapped key character"
put $((hlen - 44))
refused "$T/x" 'header MAC mismatch' "changed MAC character"
poke $((hlen + 3))
refused "$T/x" 'chunk fails authentication' "changed nonce byte"
poke $((hlen + 16 + 100))
refused "$T/x" 'chunk fails authentication' "changed byte in chunk 0"
poke $((hlen + 16 + 65552 + 7))
refused "$T/x" 'chunk fails authentication' "changed byte in chunk 1"
poke $((size - 1))
refused "$T/x" 'chunk fails authentication' "changed byte in the last tag"

# Truncation anywhere: in the header, the nonce, a chunk, a boundary.
for cut in 0 10 $((hlen - 1)) $((hlen + 8)) $((hlen + 16)) \
    $((hlen + 16 + 15)) $((hlen + 16 + 1000)) $((hlen + 16 + 65552)) \
    $((hlen + 16 + 2 * 65552)) $((size - 1)); do
	head -c "$cut" "$T/c" >"$T/x"
	refused "$T/x" 'truncated' "truncated at $cut of $size"
done

# Data after the last chunk, when that chunk is full and when it is not.
head -c 65536 /dev/urandom | age -r "$r1" >"$T/c"
{ cat "$T/c"; printf 'x'; } >"$T/x"
refused "$T/x" 'trailing data after last chunk' "a byte after a full last chunk"
{ cat "$T/c"; head -c 65552 /dev/zero; } >"$T/x"
refused "$T/x" 'trailing data after last chunk' "a chunk after the last chunk"
head -c 1000 /dev/urandom | age -r "$r1" >"$T/c"
{ cat "$T/c"; printf 'x'; } >"$T/x"
refused "$T/x" 'truncated|chunk fails' "a byte after a short last chunk"

# The share replaced by points of small order: the all-zero point, 1,
# the order-8 points and the non-canonical encodings of p-1, p, p+1.
head -c 1000 /dev/urandom | age -r "$r1" >"$T/c"
for pt in AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA \
    X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc \
    7P///////////////////////////////////////38 \
    7f///////////////////////////////////////38 \
    7v///////////////////////////////////////38; do
	sed "2s|^-> X25519 .*|-> X25519 $pt|" "$T/c" >"$T/x"
	refused "$T/x" 'low-order X25519 share refused' \
	    "low-order share $(echo "$pt" | cut -c1-8)"
done
sed "2s|^-> X25519 .*|-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|" \
    "$T/c" >"$T/x"
age -d -i "$T/k1" <"$T/x" >/dev/null 2>&1
[ $? -ne 0 ]
ok $? "age refuses the all-zero share too"

# Stanzas of unknown type only; stanza syntax; non-canonical base64.
sed '2s|^-> X25519 |-> ssh-ed25519 |' "$T/c" >"$T/x"
refused "$T/x" 'no identity matches' "unknown stanza type only"
sed '2s|$|=|' "$T/c" >"$T/x"
refused "$T/x" 'non-canonical base64' "padded share"
sed '2s|.$|B|' "$T/c" >"$T/x"
if [ "$(sed -n '2s|.*\(.\)$|\1|p' "$T/c")" = B ]; then
	sed '2s|.$|D|' "$T/c" >"$T/x"
fi
refused "$T/x" 'non-canonical base64' "share with stray low bits"
sed '3s|.$|B|' "$T/c" >"$T/x"
if [ "$(sed -n '3s|.*\(.\)$|\1|p' "$T/c")" = B ]; then
	sed '3s|.$|D|' "$T/c" >"$T/x"
fi
refused "$T/x" 'non-canonical base64' "body with stray low bits"
sed '2s|^-> X25519 |->  X25519 |' "$T/c" >"$T/x"
refused "$T/x" 'malformed header' "empty stanza argument"
sed '2s|$| extra|' "$T/c" >"$T/x"
refused "$T/x" 'malformed header' "X25519 stanza with two arguments"

# Keys: a changed checksum and a changed case are refused.
bad=$(echo "$r1" | sed 's/.$/q/')
[ "$bad" = "$r1" ] && bad=$(echo "$r1" | sed 's/.$/p/')
"$A" encrypt -r "$bad" </dev/null >/dev/null 2>&1
[ $? -ne 0 ]
ok $? "recipient with a bad checksum refused"
"$A" encrypt -r "$(echo "$r1" | tr a-z A-Z | sed 's/^AGE/age/')" \
    </dev/null >/dev/null 2>&1
[ $? -ne 0 ]
ok $? "recipient in mixed case refused"
tr A-Z a-z <"$T/k1" >"$T/k3"
"$A" pubkey -i "$T/k3" >/dev/null 2>&1
[ $? -ne 0 ]
ok $? "identity in lower case refused"

finish
