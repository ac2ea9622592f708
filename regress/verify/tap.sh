# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Shared by the verify tests: paths, the real trace and TAP helpers.

cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
VERIFY=${VERIFY:-$B/pccx-verify}
GEN=$B/regress/verify/gen_pccx
TRACE=../shared/data/dummy_trace.pccx
[ -r "$TRACE" ] || TRACE=${PCCX_TRACE:-}

tap_n=0
tap_failed=0

# ok CONDITION-STATUS DESCRIPTION: print one TAP line.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	[ "$1" = "$2" ]
	r=$?
	ok $r "$3"
	[ $r -eq 0 ] || printf '# got:  %s\n# want: %s\n' "$1" "$2"
}

need() {
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			echo "Bail out! no executable $f (make check-verify)"
			exit 1
		fi
	done
}

need_trace() {
	if [ -z "$TRACE" ] || [ ! -r "$TRACE" ]; then
		echo "Bail out! the real trace is missing" \
		    "(../shared/data/dummy_trace.pccx or PCCX_TRACE)"
		exit 1
	fi
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

done_testing() {
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}
