#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Golden diff of the real trace against reference profiles (JSON Lines).

. "$(dirname "$0")/tap.sh"
need "$VERIFY" "$GEN"
need_trace

# What the real trace holds: seven API calls alone, then all the work.
cat >"$tmp/good.jsonl" <<'JSONL'
# reference profile of dummy_trace.pccx
{"step": 1, "api": "uca_init", "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0, "cycles": 820}
{"step": 2, "api": "uca_alloc_buffer", "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0, "cycles": 2520}
{"step": 3, "api": "uca_load_weights", "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0, "cycles": 284000}

{"step": 4, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 5, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0, "cycles": 60, "tol_pct": 0}
{"step": 6, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 7, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 8, "api": "uca_get_perf_counters", "mac": 3200, "dma_read": 3200, "dma_write": 3200, "barrier": 3200, "cycles": 4950440, "tol_pct": 0}
JSONL

"$VERIFY" -s -g "$tmp/good.jsonl" "$TRACE" >"$tmp/out"
is $? 0 "matching reference: exit 0"
grep -qx 'golden diff: 8 of 8 steps pass' "$tmp/out"
ok $? "matching reference: 8 of 8 steps pass"
"$VERIFY" -j -g "$tmp/good.jsonl" "$TRACE" >"$tmp/nd"
is "$(grep -c '"golden":"pass","diff"' "$tmp/nd")" 8 "ndjson: 8 steps pass"
grep -q '"golden":"pass","golden_steps":8,"golden_failed":0' "$tmp/nd"
ok $? "ndjson: verdict passes the golden diff"

# Changed expectations.  Step 3: cycles over budget.  Step 5: another
# API name.  Step 8: mac beyond 10%; dma_read, dma_write and barrier
# off but within it.  Step 9 is not in the trace.
cat >"$tmp/bad.jsonl" <<'JSONL'
{"step": 1, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 2, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 3, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0, "cycles": 200000}
{"step": 4, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 5, "api": "uca_poll", "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 6, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 7, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 8, "mac": 2000, "dma_read": 3100, "dma_write": 2910, "barrier": 3000, "tol_pct": 10}
{"step": 9, "mac": 1, "dma_read": 0, "dma_write": 0, "barrier": 0}
JSONL

"$VERIFY" -j -g "$tmp/bad.jsonl" "$TRACE" >"$tmp/nd"
is $? 1 "changed reference: exit 1"
failed=$(grep '"golden":"fail"' "$tmp/nd" | grep -o '"step":[0-9]*' |
    cut -d: -f2 | tr '\n' ' ')
is "$failed" "3 5 8 9 " "changed reference: steps 3, 5, 8, 9 fail"
grep -q '"golden":"fail","golden_steps":9,"golden_failed":4' "$tmp/nd"
ok $? "verdict: 4 of 9 steps fail"

step() {
	grep "\"event\":\"step\",\"step\":$1," "$tmp/nd"
}
has() {
	case $1 in
	*"$2"*)	ok 0 "$3" ;;
	*)	ok 1 "$3"; echo "# $1" ;;
	esac
}
s3=$(step 3)
has "$s3" '"cycles":{"expected":200000,"actual":284000,"allowed":20000,"pass":false}' \
    "step 3: cycles over budget"
has "$s3" '"mac":{"expected":0,"actual":0,"allowed":0,"pass":true}' \
    "step 3: mac passes"
has "$(step 5)" '"api":{"expected":"uca_poll","actual":"uca_poll_completion","pass":false}' \
    "step 5: api name differs"
s8=$(step 8)
has "$s8" '"mac":{"expected":2000,"actual":3200,"allowed":200,"pass":false}' \
    "step 8: mac beyond 10%"
has "$s8" '"dma_read":{"expected":3100,"actual":3200,"allowed":310,"pass":true}' \
    "step 8: dma_read within 10%"
has "$s8" '"dma_write":{"expected":2910,"actual":3200,"allowed":291,"pass":true}' \
    "step 8: dma_write at the edge of 10%"
has "$s8" '"barrier":{"expected":3000,"actual":3200,"allowed":300,"pass":true}' \
    "step 8: barrier within 10%"
has "$(step 9)" '"present":false,"golden":"fail"' "step 9: missing"

# An absolute tolerance wins over a smaller percentage.
printf '%s\n' '{"step": 8, "mac": 3150, "dma_read": 3200, "dma_write": 3200, "barrier": 3200, "tol_pct": 1, "tol_abs": 50}' >"$tmp/abs.jsonl"
"$VERIFY" -j -g "$tmp/abs.jsonl" "$TRACE" >"$tmp/nd"
has "$(step 8)" '"mac":{"expected":3150,"actual":3200,"allowed":50,"pass":true}' \
    "tol_abs 50 over 1%"
printf '%s\n' '{"step": 8, "mac": 3149, "dma_read": 3200, "dma_write": 3200, "barrier": 3200, "tol_pct": 1, "tol_abs": 50}' >"$tmp/abs.jsonl"
"$VERIFY" -j -g "$tmp/abs.jsonl" "$TRACE" >"$tmp/nd"
has "$(step 8)" '"mac":{"expected":3149,"actual":3200,"allowed":50,"pass":false}' \
    "one past tol_abs fails"

"$VERIFY" -s -g "$tmp/bad.jsonl" "$TRACE" >"$tmp/sum"
grep -qx 'golden diff: 4 of 9 steps fail' "$tmp/sum"
ok $? "summary: 4 of 9 steps fail"
grep -qx '  step 8 (uca_get_perf_counters): mac 3,200, expected 2,000 +- 200' \
    "$tmp/sum"
ok $? "summary: names the failing metric"

# Events before the first API call make up step 0.
"$GEN" case fb_order "$tmp/order.pccx"
echo '{"step": 0, "mac": 1, "dma_read": 1, "dma_write": 0, "barrier": 0}' \
    >"$tmp/zero.jsonl"
"$VERIFY" -j -g "$tmp/zero.jsonl" "$tmp/order.pccx" >"$tmp/nd"
is $? 0 "step 0: passes"
grep -q '"step":0,"present":true,"offset":179,"events":2,' "$tmp/nd"
ok $? "step 0: holds the two events"

# Bad lines are reported with their numbers, and nothing is checked.
cat >"$tmp/broken.jsonl" <<'JSONL'
# a comment
{"step": 1, "mac": 0
   
{"step": 2, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0, "color": 1}
{"step": 3, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 4, "mac": 0, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 4, "mac": -1, "dma_read": 0, "dma_write": 0, "barrier": 0}
{"step": 4, "mac": 1, "dma_read": 0, "dma_write": 0, "barrier": 0}
JSONL
"$VERIFY" -j -g "$tmp/broken.jsonl" "$TRACE" >"$tmp/out" 2>"$tmp/err"
is $? 2 "broken reference: exit 2"
is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 "broken reference: trace not read"
lines=$(grep -o 'broken.jsonl:[0-9]*:' "$tmp/err" | cut -d: -f2 | tr '\n' ' ')
is "$lines" "2 4 5 7 8 " "broken reference: lines 2, 4, 5, 7, 8"
grep -q 'broken.jsonl:4: unknown field "color"' "$tmp/err"
ok $? "broken reference: says which field"
grep -q 'broken.jsonl:8: step 4 is already on line 6' "$tmp/err"
ok $? "broken reference: says which step repeats"

done_testing
