#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccxctl audit search: words match as words; hostile text is never syntax.

. "$(dirname "$0")/lib_audit.sh"

plan 10
audit_setup
"$HARNESS" gen -n 600 "$T/st" >/dev/null 2>&1
search() { actl audit search -d "$T/st" "$@" 2>&1; }

like "$(search -n 5 user5@example.com login)" \
    '^[0-9]+ .* (auth|session) +(ok|deny) +login +user5@example\.com' \
    "words find the rows that hold them all"
is "$(search -n 3 user5@example.com | tail -n +2 | wc -l)" 3 \
    "-n limits the rows"

bad=0
for q in '"' '""' '*' 'NEAR(' 'NEAR(a b' '-' '--x' 'AND' 'OR' 'NOT' \
    '(' ')' '((' 'a)' '^' 'col:' 'actor:user5' '"unbalanced' "it's" \
    '{x}' '+' 'w1*' 'x AND' '\' '%' ':'; do
	out=$(actl audit search -d "$T/st" -- "$q" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || printf '%s' "$out" | grep -qi 'error'; then
		diag "search '$q': rc $rc: $out"
		bad=$((bad + 1))
	fi
done
is "$bad" 0 "hostile text never makes an FTS5 error"

is "$(search actor:user5)" "$(printf 'SEQ%s\nno match' \
    "$(search actor:user5 | head -1 | cut -c4-)")" \
    "a column filter is text, not syntax"
like "$(actl audit search --raw -d "$T/st" actor:user5 2>&1)" \
    'user5@example.com' "... which --raw does apply"
like "$(search 'w1 OR w999')" 'no match' "OR is a word to find"
like "$(actl -j audit search --raw -d "$T/st" 'w1 OR w599' 2>&1)" \
    'w599' "... and an operator with --raw"
like "$(search 'NEAR(')" 'no match' "NEAR( matches nothing"
actl audit search --raw -d "$T/st" 'NEAR(' >/dev/null 2>&1
[ $? -ne 0 ]
ok $? "--raw reports broken syntax as an error"
actl -j audit search -d "$T/st" -n 2 login >"$T/j" 2>&1 &&
    node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1]));
	if (a.length !== 2 || a[0].action !== "login") process.exit(1)' \
	"$T/j"
ok $? "-j prints JSON rows"
finish
