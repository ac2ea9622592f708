#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Reports of the real trace: HTML (self-contained, SVG timeline), md, JSON.

. "$(dirname "$0")/tap.sh"
need "$VERIFY"
need_trace

"$VERIFY" -r html -o "$tmp/r.html" "$TRACE" >"$tmp/nd"
is $? 0 "html: exit 0"
grep -q '"event":"verdict","result":"pass"' "$tmp/nd"
ok $? "html: the verdict still goes to stdout"
is "$(grep -o '<g class="core-row"' "$tmp/r.html" | wc -l | tr -d ' ')" 32 \
    "html: one timeline row per core"
is "$(grep -o '<svg' "$tmp/r.html" | wc -l | tr -d ' ')" 1 "html: one svg"
is "$(grep -o '<line class="step"' "$tmp/r.html" | wc -l | tr -d ' ')" 8 \
    "html: a mark per API call"
grep -qi '<script\|src=\|href=\|@import\|url(' "$tmp/r.html"
ok $((!$?)) "html: no script and nothing loaded from elsewhere"
is "$(head -c 15 "$tmp/r.html")" "<!DOCTYPE html>" "html: a document"
grep -q '16,008 events over 32 cores' "$tmp/r.html"
ok $? "html: the figures"
is "$(grep -c '<span class="bar"><span style="width:91.1%">' "$tmp/r.html")" \
    32 "html: a utilisation bar per core"
grep -q '<tr><td>1</td><td class="l">uca_init</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>820</td>' "$tmp/r.html"
ok $? "html: step 1 in the step table"

# The kind follows the file name, or -r; without -o, stdout.
"$VERIFY" -o "$tmp/r.md" "$TRACE" >/dev/null
is $? 0 "md: kind from the name"
is "$(grep -c '^| [0-9]* | 5[0-9][0-9] | 4,939,800 | 91.07% |$' "$tmp/r.md")" \
    32 "md: a row per core"
grep -qx '| 8 | uca\\_get\\_perf\\_counters | 16,001 | 3,200 | 3,200 | 3,200 | 3,200 | 473,500 | 4,950,440 |  |' "$tmp/r.md"
ok $? "md: step 8 in the step table"

"$VERIFY" -r json "$TRACE" >"$tmp/r.json"
is $? 0 "json: on stdout"
perl -MJSON::PP -e '
	local $/; open my $f, "<", $ARGV[0] or die; my $r = decode_json(<$f>);
	my @c = @{$r->{cores}};
	my @b = @{$r->{timeline}{busy}};
	print join(" ", $r->{verdict}, $r->{events}, $r->{api_calls},
	    scalar(@c), scalar(@b), scalar(@{$b[0]}),
	    scalar(@{$r->{steps}}), $r->{types}[1]{count},
	    $r->{types}[2]{cycles}), "\n";
' "$tmp/r.json" >"$tmp/fields"
is "$(cat "$tmp/fields")" "pass 16008 8 32 32 200 8 3200 104755200" \
    "json: verdict, events, cores, timeline, steps, types"

# A broken trace still renders, and says why it fails.
head -c 100000 "$TRACE" >"$tmp/cut.pccx"
"$VERIFY" -r html -o "$tmp/cut.html" "$tmp/cut.pccx" >/dev/null
is $? 1 "cut trace: exit 1"
grep -q 'Trace verification: <span class="fail">fail</span>' "$tmp/cut.html"
ok $? "cut trace: the page says fail"
grep -q '<td class="l">payload_short</td><td>100,000</td>' "$tmp/cut.html"
ok $? "cut trace: the finding is listed"

done_testing
