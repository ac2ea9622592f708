#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The real trace written by pccx-lab: its figures, exactly, and its checksum.

. "$(dirname "$0")/tap.sh"
need "$VERIFY"
need_trace

figures='format 1.1, bincode, 16,008 events over 32 cores, 5,423,940 cycles, 8 API calls, checksum matches, no structural finding'

"$VERIFY" -s "$TRACE" >"$tmp/sum"
is $? 0 "summary: exit 0"
is "$(sed -n 1p "$tmp/sum")" "$figures" "summary: the figures"
is "$(tail -n 1 "$tmp/sum")" "verdict: pass" "summary: verdict"

"$VERIFY" -s <"$TRACE" >"$tmp/sum2"
is "$(sed -n 1p "$tmp/sum2")" "$figures" "summary from stdin"

"$VERIFY" "$TRACE" >"$tmp/nd"
is $? 0 "ndjson: exit 0"
v=$(grep '"event":"verdict"' "$tmp/nd")
for kv in '"result":"pass"' '"format":"1.1"' '"encoding":"bincode"' \
    '"cores":32,' '"cycles":5423940,' '"events":16008,' \
    '"api_calls":8,' '"checksum":"match"' '"findings":0,'; do
	case $v in
	*"$kv"*)	ok 0 "verdict has $kv" ;;
	*)		ok 1 "verdict has $kv" ;;
	esac
done
is "$(grep -c '"event":"step"' "$tmp/nd")" 8 "ndjson: 8 steps"
is "$(grep -c '"event":"finding"' "$tmp/nd")" 0 "ndjson: no finding"
grep -q '"step":8,"present":true,"api":"uca_get_perf_counters","offset":721,"events":16001,"mac":3200,"dma_read":3200,"dma_write":3200,"stall":3200,"barrier":3200,' "$tmp/nd"
ok $? "ndjson: step 8 holds the work"

# The header's checksum is above 2^63; all 64 bits must be compared.
dec=$(grep -ao '"checksum_fnv64":[0-9]*' "$TRACE" | cut -d: -f2)
want=$(perl -e 'printf "%016x", $ARGV[0]' "$dec")
got=$(echo "$v" | grep -o '"checksum_got":"[0-9a-f]*"' | cut -d'"' -f4)
is "$got" "$want" "checksum: $dec read exactly"

# Same length substitutions keep the header length right.
subst() {
	perl -0777 -pe "s/$1/$2/" "$TRACE" >"$tmp/t.pccx"
	"$VERIFY" -j "$tmp/t.pccx" >"$tmp/out"
}
hex=$want
top=$(perl -e 'printf "%x", hex($ARGV[0]) ^ 0x8000000000000000' "$hex")
low=$(perl -e 'printf "%s", $ARGV[0] - 1' "$dec")
subst "$dec" "\"0x$hex\""
is $? 0 "checksum as a hex string: pass"
subst "$dec" "\"0x$top\""
is $? 1 "checksum differing in bit 63 only: fail"
grep -q '"code":"checksum","offset":292,' "$tmp/out"
ok $? "checksum finding at the payload's start"
subst "$dec" "$low"
is $? 1 "checksum differing in bit 0 only: fail"
grep -q '"code":"checksum","offset":292,' "$tmp/out"
ok $? "checksum finding for bit 0"

done_testing
