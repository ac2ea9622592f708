#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Benchmark: pccx-verify on 1 GiB traces beside a bare FNV-1a-64 pass.

cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
SIZE=${BENCH_SIZE:-1073741824}
RUNS=${BENCH_RUNS:-5}
GEN=$B/regress/verify/gen_pccx
BENCH=$B/regress/verify/bench_pccx
VERIFY=$B/pccx-verify
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pccx-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# least OLD NEW: the smaller time, 0 meaning none yet.
least() {
	echo "$1 $2" | awk '{ print ($1 == 0 || $2 < $1) ? $2 : $1 }'
}

# field LINE NAME: the word after NAME in LINE.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"
}

for enc in flatbuf bincode; do
	f=$tmp/$enc.pccx
	"$GEN" big "$enc" "$SIZE" "$f" || exit 1
	bytes=$(wc -c <"$f" | tr -d ' ')
	# Warm the page cache, then take the best of RUNS runs of each,
	# alternating: on a shared machine the least time is the one that
	# other load disturbed least, for both alike.
	cat "$f" >/dev/null
	best_c=0
	best_v=0
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		c=$("$BENCH" fnv "$f")
		v=$("$BENCH" run "$VERIFY" -j "$f")
		[ "$(field "$v" status)" = 0 ] || {
			echo "pccx-verify failed on $enc: $v"
			"$VERIFY" -s "$f" | head -5
			exit 1
		}
		cs=$(field "$c" seconds)
		vs=$(field "$v" seconds)
		rss=$(field "$v" maxrss_kib)
		best_c=$(least "$best_c" "$cs")
		best_v=$(least "$best_v" "$vs")
	done
	echo "$enc $bytes $best_c $best_v $rss" | awk '{
		c = $2 / $3; v = $2 / $4;
		printf "%s: %d bytes; fnv-1a %.0f MB/s; pccx-verify %.0f " \
		    "MB/s; ratio %.3f; peak RSS %.1f MiB\n", $1, $2,
		    c / 1e6, v / 1e6, v / c, $5 / 1024 }'
	rm -f "$f"
done
