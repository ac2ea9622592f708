#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# make bench-audit: acknowledged appends/s against a naive loop; FTS latency.

set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
H="$top/build/regress/audit/audit_harness"
N=${AUDIT_BENCH_ROWS:-100000}
BIG=${AUDIT_BENCH_BIG:-1000000}
T=$(mktemp -d /tmp/pccx-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

rate() { sed -n 's/.*: \([0-9]*\) rows\/s.*/\1/p'; }
# indexed: rows acknowledged and indexed per second, of a run's line.
indexed() {
	sed -n 's/.*indexed and shipped after \([0-9.]*\) s.*/\1/p' |
	    awk -v n="$1" '{ printf "%.0f", n / $1 }'
}

echo "audit append path, $N rows, batches of 256, WAL + synchronous=FULL"
naive=$("$H" naive -n "$N" "$T/naive.db")
echo "  $naive"
store=$("$H" gen -S -n "$N" "$T/store")
echo "  $store"
msgs=$("$H" run -t 600 -n "$N" -w 1024 "$T/msgs")
echo "  through messages: $msgs"
r1=$(echo "$naive" | rate)
r2=$(echo "$store" | rate)
r3=$(echo "$msgs" | rate)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "  ratio, store path / naive: $(ratio "$r2" "$r1")"
echo "  ratio, messages + store / naive: $(ratio "$r3" "$r1")" \
    "(goal >= 1.0)"

# A burst longer than the index may lag (APPEND_FTS_LAG, 262144 rows):
# the index then shares the loop with the appends.  Both ratios: rows
# acknowledged, and rows acknowledged and indexed, per second.
L=$((N * 4))
echo "sustained, $L rows"
naive=$("$H" naive -n "$L" "$T/naive4.db")
echo "  $naive"
msgs=$("$H" run -t 600 -n "$L" -w 1024 "$T/msgs4")
echo "  through messages: $msgs"
r1=$(echo "$naive" | rate)
r3=$(echo "$msgs" | rate)
r4=$(echo "$msgs" | indexed "$L")
echo "  ratio, acknowledged / naive: $(ratio "$r3" "$r1") (goal >= 1.0)"
echo "  ratio, acknowledged and indexed / naive: $(ratio "$r4" "$r1")"

echo "FTS5 search at $BIG rows (generating the log once)"
t0=$(date +%s)
"$H" gen -n "$BIG" "$T/big" >/dev/null
echo "  generated in $(( $(date +%s) - t0 )) s"
"$H" search "$T/big/audit/audit.db" login user5@example.com \
    'session.kill proj3' w42 obj-777777 'deny dev-7' 'harness' \
    '10.0.3.4:443' 'no-such-word'
