#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The commands of README.md: each one is run, here or by the demo.

# A command is an indented line of README.md that starts with "# " (as
# root) or "$ " (as a user).  The quick start (make demo, make check) is
# what make check and this test's neighbour demo.t run.  The workstation
# commands run here, make install into a staging directory (DESTDIR in
# the environment), the configuration example is checked with the
# installed pccx-remoted, and systemctl runs where systemd does.  The
# pccx and pccxctl commands are the demo's: demo.t checks that the demo
# ran each of them.

. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi
README="$PCCX_TOP/README.md"
W=$(mktemp -d /tmp/pccx-readme.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
STAGE="$W/root"

cmds() { sed -n 's/^    [#$] //p' "$README"; }
quick=$(sed -n '/^## Quick start/,/^## /s/^    \(make .*\)/\1/p' "$README")

plan 11
is "$(echo "$quick" | tr '\n' ' ')" "make demo make check " \
    "the quick start is make demo and make check"
grep -q '^demo: deps$' "$PCCX_TOP/Makefile" &&
    grep -q '^	regress/demo/run$' "$PCCX_TOP/Makefile" &&
    grep -q '^TESTS.*regress/demo/demo.t' \
    "$PCCX_TOP/regress/demo/Makefile.inc"
ok $? "make demo runs regress/demo/run, make check runs demo.t"

# run CMD: a README command, in the top directory, its output kept.
run() {
	(cd "$PCCX_TOP" && DESTDIR="$STAGE" \
	    PATH="$STAGE/usr/local/sbin:$PATH" sh -c "$1") >"$W/log" 2>&1
	st=$?
	[ $st -eq 0 ] || tail -20 "$W/log" | sed 's/^/#   /'
	return $st
}

n=0
other=
for c in $(cmds | tr ' ' '\001'); do
	c=$(echo "$c" | tr '\001' ' ')
	case $c in
	regress/install-deps|make|"make install")
		run "$c"
		ok $? "ran: $c"
		;;
	"pccx-remoted -n")
		run "$c"
		ok $? "ran: $c (the installed pccx-remoted)"
		;;
	"systemctl "*)
		if [ -d /run/systemd/system ]; then
			run "$c" && run "systemctl stop pccx-remoted"
			ok $? "ran: $c"
		else
			ok 0 "ran: $c # SKIP no systemd on this machine"
		fi
		;;
	"pccx "*|"pccxctl "*)
		other="$other|$c"
		continue
		;;
	*)
		ok 1 "a README command that no test runs: $c"
		;;
	esac
	n=$((n + 1))
done
is "$n" 5 "five workstation commands"

[ -x "$STAGE/usr/local/sbin/pccx-remoted" ] &&
    [ -f "$STAGE/etc/pccx-remote/pccx-remote.conf" ] &&
    [ -f "$STAGE/lib/systemd/system/pccx-remoted.service" ]
ok $? "make install staged the programs, the configuration and the unit"

# The configuration example, added to the installed sample.
sed -n '/for example:$/,/then check it:$/s/^    //p' "$README" |
    sed 's/^    /\t/' >"$W/example"
cat "$STAGE/etc/pccx-remote/pccx-remote.conf" "$W/example" >"$W/full.conf"
"$STAGE/usr/local/sbin/pccx-remoted" -n -f "$W/full.conf" >"$W/log" 2>&1
st=$?
[ $st -eq 0 ] && grep -q '^oidc {' "$W/example" &&
    grep -q '^project "demo" {' "$W/example"
ok $? "the configuration example is accepted"
[ $st -eq 0 ] || sed 's/^/#   /' "$W/log"

# What is left is the demo's; demo.t checks that it ran each one.
like "$other" '\|pccxctl enrol alice@example.com' \
    "the enrolment is among the commands left to the demo"
finish
