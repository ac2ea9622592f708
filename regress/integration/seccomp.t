#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# A call outside its policy kills each running role.

. "$(dirname "$0")/../lib.sh"
setup
suite_conf
plan 15

# reboot(2) with a bad magic is harmless where it is allowed, and no
# role's policy allows it: make each child call it through a debugger.
for role in front auth tunnel session audit; do
	: >"$T/log"
	suite_start
	ok $? "$role: suite starts"
	victim=$(child_pid "$role")
	# gdb may crash when its inferior dies under it: no core file.
	(ulimit -c 0; timeout 20 gdb -q -batch -p "$victim" \
	    -ex 'call (long)syscall(169, 0, 0, 0, 0)') >"$T/gdb" 2>&1
	wait_gone "$SUITE_PID" 3000
	wait "$SUITE_PID"
	st=$?
	SUITE_PID=
	[ "$st" -ne 0 ]
	ok $? "$role: suite stopped with non-zero status"
	like "$(cat "$T/log")" \
	    "pccx-remoted: $role \\(pid $victim\\) was killed by signal SYS" \
	    "$role: killed by the seccomp filter"
done
finish
