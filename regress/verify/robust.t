#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The ASan build of pccx-verify fed cut and damaged copies through a pipe.

. "$(dirname "$0")/tap.sh"
VERIFY=$B/asan/pccx-verify
need "$VERIFY"
need_trace
size=$(wc -c <"$TRACE" | tr -d ' ')

# check NAME: run on $tmp/in from a pipe; it must fail with a finding
# of one of the given kinds, within the time limit, and ASan be quiet.
check() {
	name=$1
	shift
	cat "$tmp/in" | timeout 60 "$VERIFY" -j -r json -o "$tmp/r.json" \
	    >"$tmp/out" 2>"$tmp/err"
	r=$?
	found=1
	for code in "$@"; do
		grep -q "\"code\":\"$code\"" "$tmp/out" && found=0
	done
	[ $r -eq 1 ] && [ $found -eq 0 ] && [ ! -s "$tmp/err" ] &&
	    tail -n 1 "$tmp/out" | grep -q '"event":"verdict","result":"fail"'
	r2=$?
	ok $r2 "$name"
	[ $r2 -eq 0 ] || { echo "# exit $r"; sed 's/^/# /' "$tmp/err"; }
}

for cut in 0 1 4 15 16 17 100 291 292 293 300 308 1000 65536 262144 \
    262145 600000 $((size - 1)); do
	head -c "$cut" "$TRACE" >"$tmp/in"
	check "cut at $cut" truncated header_length payload_short
done

for at in 0 4 5 6 8 15 16 100 291 292 300 308 336 1000 262143 262144 \
    $((size - 1)); do
	perl -0777 -pe "substr(\$_, $at, 1) ^= chr(255)" "$TRACE" >"$tmp/in"
	check "flip at $at" magic version minor reserved header_length \
	    header_utf8 checksum
done

done_testing
