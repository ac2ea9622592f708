#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# mandoc-lint: every manual page is clean under mandoc -Tlint -Wall.

# Each page is checked from inside man/, where mandoc finds the pages
# that a .Xr names when they are not installed in its base manpath.
cd "$(dirname "$0")/../../man" || { echo "Bail out! no man directory"; exit 1; }
command -v mandoc >/dev/null 2>&1 || { echo "Bail out! mandoc is not installed"; exit 1; }

pages=
for f in *.[0-9]; do
	[ -f "$f" ] && pages="$pages $f"
done
set -- $pages
if [ $# -eq 0 ]; then
	echo "1..0 # SKIP no manual pages"
	exit 0
fi

echo "1..$#"
n=0
failed=0
for page; do
	n=$((n + 1))
	out=$(mandoc -Tlint -Wall "$page" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		echo "ok $n - mandoc -Tlint -Wall $page"
	else
		echo "not ok $n - mandoc -Tlint -Wall $page (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
