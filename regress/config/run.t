#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Config regress: -nv output of good files and its reparse, errors of bad ones.

here=$PWD
cd "$(dirname "$0")/../.." || exit 1
case ${PCCX_BIN:-} in
"")	bin=$PWD/build/pccx-remoted ;;
/*)	bin=$PCCX_BIN ;;
*)	bin=$here/$PCCX_BIN ;;
esac
dir=regress/config
if [ ! -x "$bin" ]; then
	echo "Bail out! no executable $bin (build it, or set PCCX_BIN)"
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# Good files with what -nv must print; the sample config is one of them.
good() {
	for f in "$dir"/*.conf; do
		case $f in
		"$dir"/bad-*) ;;
		*) echo "$f ${f%.conf}.out" ;;
		esac
	done
	echo "etc/pccx-remote.conf $dir/sample.out"
}

n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

# diffs: compare expected and actual, showing a difference as TAP comments.
diffs() {
	if [ ! -f "$1" ]; then
		echo "# missing $1"
		return 1
	fi
	diff -u "$1" "$2" >"$tmp/diff" && return 0
	sed 's/^/# /' "$tmp/diff"
	return 1
}

# The options a file wants beyond -f, such as -D, from FILE.args.
args() {
	a=${1%.conf}.args
	[ -f "$a" ] && cat "$a"
}

good >"$tmp/good"
ngood=$(wc -l <"$tmp/good")
nbad=$(set -- "$dir"/bad-*.conf; echo $#)
echo "1..$((2 * ngood + 2 * nbad + 2))"

while read -r f out; do
	# shellcheck disable=SC2046
	"$bin" -nv $(args "$f") -f "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	r=1
	if [ $rc -ne 0 ] || ! grep -qx "configuration OK" "$tmp/err"; then
		echo "# exit status $rc, stderr:"
		sed 's/^/#   /' "$tmp/err"
	elif diffs "$out" "$tmp/out"; then
		r=0
	fi
	ok $r "$f: -nv prints $out"

	cp "$tmp/out" "$tmp/again.conf"
	"$bin" -nv -f "$tmp/again.conf" >"$tmp/again" 2>"$tmp/err"
	rc=$?
	r=1
	if [ $rc -ne 0 ]; then
		echo "# exit status $rc on its own output, stderr:"
		sed 's/^/#   /' "$tmp/err"
	elif diffs "$tmp/out" "$tmp/again"; then
		r=0
	fi
	ok $r "$f: the printed form reads back the same"
done <"$tmp/good"

for f in "$dir"/bad-*.conf; do
	# shellcheck disable=SC2046
	"$bin" -n $(args "$f") -f "$f" >"$tmp/out" 2>"$tmp/raw"
	rc=$?
	r=1
	[ $rc -eq 1 ] && r=0
	[ $r -eq 0 ] || echo "# exit status $rc"
	ok $r "$f: rejected with exit status 1"

	# Lines read "file:line: message", after the program's own name.
	sed 's/^pccx-remoted: //' "$tmp/raw" >"$tmp/err"
	r=1
	diffs "${f%.conf}.err" "$tmp/err" && r=0
	ok $r "$f: stderr is ${f%.conf}.err"
done

# The sample's commented examples of blocks, from "#oidc {" on, must
# parse once their "#" is taken away.
awk '/^#oidc \{/ { on = 1 }
    on && /^#[a-z}\t]/ { print substr($0, 2); next }
    { print }' etc/pccx-remote.conf >"$tmp/examples.conf"
"$bin" -n -f "$tmp/examples.conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
r=1
if [ $rc -eq 0 ] && grep -q '^project "demo" {' "$tmp/examples.conf"; then
	r=0
else
	echo "# exit status $rc, stderr:"
	sed 's/^/#   /' "$tmp/err"
fi
ok $r "etc/pccx-remote.conf: its commented block examples parse"

# Without -f and without the installed file, the built-in copy of the
# sample is what is read.
if [ -e /etc/pccx-remote/pccx-remote.conf ]; then
	n=$((n + 1))
	echo "ok $n # SKIP /etc/pccx-remote/pccx-remote.conf is installed"
else
	"$bin" -nv >"$tmp/out" 2>"$tmp/err"
	rc=$?
	r=1
	[ $rc -eq 0 ] && diffs "$dir/sample.out" "$tmp/out" && r=0
	ok $r "built-in default prints $dir/sample.out"
fi

[ "$fails" -eq 0 ]
