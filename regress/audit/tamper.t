#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccxctl audit verify names each kind of tampering and its first seq.

. "$(dirname "$0")/lib_audit.sh"

plan 12
audit_setup
"$HARNESS" gen -n 1000 "$T/good" >/dev/null 2>&1
actl audit verify -d "$T/good" >"$T/out" 2>&1
ok $? "a fresh log of 1000 rows verifies"

# fresh NAME: a copy of the good state to tamper with.
fresh() {
	rm -rf "$T/$1"
	cp -a "$T/good" "$T/$1"
	db="$T/$1/audit/audit.db"
}
verify() { actl audit verify -d "$T/$1" 2>&1; }

fresh t0
sqlite3 "$db" "UPDATE rows SET actor = 'mallory' WHERE seq = 512" \
    >"$T/err" 2>&1
like "$(cat "$T/err")" 'append-only' "the trigger refuses an UPDATE"
sqlite3 "$db" "DELETE FROM rows WHERE seq = 1000" >"$T/err" 2>&1
like "$(cat "$T/err")" 'append-only' "the trigger refuses a DELETE"

fresh t1
sqlite3 "$db" "DROP TRIGGER rows_no_update;
    UPDATE rows SET actor = 'mallory' WHERE seq = 437"
like "$(verify t1)" 'seq 437: row 437 was changed' \
    "one changed row: seq 437"

fresh t2
sqlite3 "$db" "DROP TRIGGER rows_no_delete; DELETE FROM rows WHERE seq > 950"
like "$(verify t2)" 'seq 951: rows 951-1000 were deleted' \
    "the newest rows deleted: seq 951"

fresh t3
sqlite3 "$db" "DROP TRIGGER checkpoints_no_delete;
    DELETE FROM checkpoints WHERE seq = 512"
like "$(verify t3)" 'seq 512: checkpoint 512 was deleted' \
    "a checkpoint dropped from the middle: seq 512"

fresh t4
sqlite3 "$db" "DROP TRIGGER rows_no_delete; DELETE FROM rows WHERE seq = 222"
like "$(verify t4)" 'seq 222: rows 222-222 are missing' \
    "a row deleted from the middle: seq 222"

fresh t5
sqlite3 "$db" "DROP TRIGGER checkpoints_no_update;
    UPDATE checkpoints SET sig = zeroblob(64) WHERE seq = 768"
like "$(verify t5)" 'seq 768: checkpoint 768 has a bad signature' \
    "a forged checkpoint signature: seq 768"

fresh t6
sqlite3 "$db" "DROP TRIGGER rows_no_update;
    UPDATE rows SET detail = '{}' WHERE seq = 650;
    UPDATE rows SET hash = zeroblob(32) WHERE seq = 650"
like "$(verify t6 | head -1)" 'fails verification at seq 650$' \
    "a row changed with its hash: seq 650"

other=$(head -c 32 /dev/urandom | base64)
actl audit verify -d "$T/good" -p "$other" >"$T/out" 2>&1
[ $? -ne 0 ] && grep -q 'bad signature' "$T/out"
ok $? "another key does not verify the checkpoints"

actl audit verify -d "$T/t1" --from 438 >"$T/out" 2>&1
ok $? "--from starts after the changed row"

actl -j audit verify -d "$T/t2" >"$T/out.json" 2>&1
like "$(cat "$T/out.json")" '"first_bad": 951' "-j names the first bad seq"
finish
