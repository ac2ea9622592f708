#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# make bench-audit-ship: lag from commit to the object readable in s3rver.

# The audit daemon's append path and shipper (audit_harness run) take
# a steady stream of rows, one every GAP microseconds, and ship to
# s3rver behind the SigV4 proxy.  The sender notes the wall clock of
# each acknowledgement (the row is committed then); a watcher notes
# when each object file appears in s3rver's store.  A row's lag is the
# time from its acknowledgement to the appearance of the object that
# holds it.  Goal: p99 under 2 s.

. "$(dirname "$0")/lib_audit.sh"

N=${AUDIT_SHIP_ROWS:-3000}
GAP=${AUDIT_SHIP_GAP_US:-5000}
audit_setup
WATCH_PID=
trap 'kill $WATCH_PID 2>/dev/null; audit_cleanup' EXIT INT TERM
s3_start || { echo "s3rver or the proxy did not start"; exit 1; }
s3_env
dir="$T/s3data/$S3_BUCKET/$AUDIT_S3_PREFIX/$AUDIT_HOST"

# The watcher: every object file's first sight, "FIRST LAST US".
node -e '
const fs = require("fs");
const [dir, out, stop] = process.argv.slice(1);
const seen = new Map();
const t0 = Date.now() * 1000, h0 = process.hrtime.bigint();
const now = () => t0 + Number((process.hrtime.bigint() - h0) / 1000n);
function look() {
	let names = [];
	try {
		names = fs.readdirSync(dir);
	} catch {}
	const t = now();
	for (const n of names) {
		const m = /^(\d+)-(\d+)\.ndjson\._S3rver_object$/.exec(n);
		if (m && !seen.has(n))
			seen.set(n, `${Number(m[1])} ${Number(m[2])} ${t}`);
	}
	if (fs.existsSync(stop)) {
		fs.writeFileSync(out, [...seen.values()].join("\n") + "\n");
		process.exit(0);
	}
	setTimeout(look, 5);
}
look();' "$dir" "$T/seen" "$T/stop" &
WATCH_PID=$!

echo "audit shipping lag: $N rows, one every $GAP us, to s3rver over TLS"
t0=$(date +%s)
"$HARNESS" run -t 300 -n "$N" -g "$GAP" -a "$T/acks" "$T/st" \
    >"$T/run" 2>&1 || { echo "harness failed:"; cat "$T/run"; exit 1; }
touch "$T/stop"
wait "$WATCH_PID"
WATCH_PID=
echo "  $(wc -l <"$T/seen") objects in $(( $(date +%s) - t0 )) s"
awk '
FNR == NR { first[NR] = $1; last[NR] = $2; at[NR] = $3; n = NR; next }
{
	for (i = 1; i <= n; i++)
		if ($1 >= first[i] && $1 <= last[i])
			break;
	if (i > n) {
		missing++;
		next;
	}
	lag[++k] = (at[i] - $3) / 1000.0;
}
END {
	if (k == 0) {
		print "  no row reached the store";
		exit 1;
	}
	for (i = 1; i <= k; i++)
		s[i] = lag[i];
	sort_num(s, k);
	p50 = s[int(k * 0.50) > 0 ? int(k * 0.50) : 1];
	p99 = s[int(k * 0.99) > 0 ? int(k * 0.99) : 1];
	printf "  lag per row, ms: p50 %.0f, p99 %.0f, max %.0f (%d rows, " \
	    "%d not found)\n", p50, p99, s[k], k, missing;
	printf "  shipping lag p99: %.0f ms (goal: under 2000 ms): %s\n",
	    p99, p99 < 2000 ? "met" : "MISSED";
}
# Shell sort: enough for a few thousand rows, and in any awk.
function sort_num(a, n,    i, j, t, h) {
	for (h = int(n / 2); h > 0; h = int(h / 2))
		for (i = h + 1; i <= n; i++) {
			t = a[i];
			for (j = i; j > h && a[j - h] > t; j -= h)
				a[j] = a[j - h];
			a[j] = t;
		}
}' "$T/seen" "$T/acks"
