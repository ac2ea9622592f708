#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# kill -9 during a burst: every acknowledged row survives; the chain holds.

. "$(dirname "$0")/lib_audit.sh"

plan 6
audit_setup
"$HARNESS" run -t 120 -n 400000 -a "$T/acks" "$T/st" >"$T/run" 2>&1 &
H=$!
i=0
acked() { if [ -f "$T/acks" ]; then wc -l <"$T/acks"; else echo 0; fi; }
while [ "$(acked)" -lt 20000 ] &&
    [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 "$H"
wait "$H" 2>/dev/null
sleep 0.2
n=$(wc -l <"$T/acks")
diag "$n rows acknowledged before the kill"
[ "$n" -ge 20000 ] && [ "$n" -lt 400000 ]
ok $? "killed in the middle of the burst"

# Each acknowledged row: its seq holds the object the sender sent.
db="$T/st/audit/audit.db"
awk '{ printf "%s|obj-%s\n", $1, $2 }' "$T/acks" | sort >"$T/want"
sqlite3 "$db" "SELECT seq || '|' || object FROM rows" | sort >"$T/have"
missing=$(comm -23 "$T/want" "$T/have" | wc -l)
is "$missing" 0 "every acknowledged row is in audit.db, as sent"
have=$(sqlite3 "$db" "SELECT count(*) FROM rows")
[ "$have" -ge "$n" ]
ok $? "$have rows stored, at least the $n acknowledged"

actl audit verify -d "$T/st" >"$T/v" 2>&1
ok $? "the chain and checkpoints verify after the crash"
"$HARNESS" run -t 60 -n 1000 "$T/st" >"$T/run2" 2>&1
ok $? "the log reopens and takes more rows"
actl audit verify -d "$T/st" >"$T/v" 2>&1
ok $? "and still verifies"
finish
