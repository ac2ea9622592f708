#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# One crafted file per structural finding: its kind, byte offset and exit.

. "$(dirname "$0")/tap.sh"
need "$VERIFY" "$GEN"

# case, expected exit, finding kind, offset: a number, H+n (from the
# header's start) or P+n (from the payload's start); "-" for none.
cases='
magic		1 magic		0
version		1 version	4
reserved	1 reserved	7
minor		1 minor		5
hdrlen_absurd	1 header_length	8
hdrlen_past	1 header_length	8
truncated	1 truncated	10
header_utf8	1 header_utf8	H+11
header_json	1 header_json	H+24
header_field	1 header_field	16
encoding	1 encoding	16
checksum_toobig	1 header_field	T
event_count	1 event_count	16
payload_short	1 payload_short	P+72
payload_long	1 payload_long	P+72
checksum	1 checksum	P+0
fb_good		0 -		-
bc_good		0 -		-
bc_checksum_hex	0 -		-
no_checksum	0 -		-
bc_trailing	1 trailing	P+105
bc_total	1 total_cycles	P+0
fb_record	1 record	P+24
fb_core		1 core		P+24
fb_cycles	1 cycles	P+72
fb_type		1 type		P+44
fb_overlap	1 overlap	P+24
fb_order	0 order		P+24
fb_names	0 -		-
fb_name_count	1 name		P+72
fb_name_len	1 length_prefix	P+80
bc_count	1 length_prefix	P+8
bc_count_late	1 length_prefix	P+8
bc_tlen		1 length_prefix	P+36
bc_nlen		1 length_prefix	P+53
bc_tag		1 option_tag	P+52
bc_type		1 type		P+84
bc_preamble	1 record	P+0
'

# The file's header length, read as a little-endian u64.
hdrlen() {
	od -An -t u8 -j 8 -N 8 "$1" | tr -d ' '
}

offset_of() {
	case $2 in
	H+*)	echo $((16 + ${2#H+})) ;;
	P+*)	echo $((16 + $(hdrlen "$1") + ${2#P+})) ;;
	T)	grep -abo 18446744073709551616 "$1" | cut -d: -f1 ;;
	*)	echo "$2" ;;
	esac
}

echo "$cases" | while read -r name want code off; do
	[ -n "$name" ] || continue
	f=$tmp/$name.pccx
	"$GEN" case "$name" "$f" || echo "Bail out! gen_pccx $name"
	"$VERIFY" -j "$f" >"$tmp/out" 2>"$tmp/err"
	is $? "$want" "$name: exit status"
	if [ "$code" = - ]; then
		grep -q '"event":"finding"' "$tmp/out"
		ok $((!$?)) "$name: no finding"
	else
		o=$(offset_of "$f" "$off")
		grep -qF "\"code\":\"$code\",\"offset\":$o," "$tmp/out"
		r=$?
		ok $r "$name: $code at byte $o"
		[ $r -eq 0 ] || sed 's/^/# /' "$tmp/out"
	fi
	echo "$tap_n $tap_failed" >"$tmp/count"
done
read -r tap_n tap_failed <"$tmp/count"

# Names from the flatbuf name table reach the step.
"$VERIFY" -j "$tmp/fb_names.pccx" >"$tmp/out"
grep -q '"step":1,"present":true,"api":"boot"' "$tmp/out"
ok $? "fb_names: step 1 is named boot"

# The same from a pipe; an unreadable file and bad usage give 2.
"$VERIFY" -j - <"$tmp/fb_core.pccx" | grep -q '"code":"core"'
ok $? "stdin: read as a stream"
"$VERIFY" -j "$tmp/does-not-exist" >/dev/null 2>&1
is $? 2 "missing file: exit 2"
"$VERIFY" -x >/dev/null 2>&1
is $? 2 "bad option: exit 2"
"$VERIFY" -r pdf "$tmp/fb_good.pccx" >/dev/null 2>&1
is $? 2 "bad report kind: exit 2"

done_testing
