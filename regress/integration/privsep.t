#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The privilege table of a running suite, read from /proc.

. "$(dirname "$0")/../lib.sh"
setup
suite_conf
plan 69

suite_start
ok $? "suite starts"

# field PID NAME: one line of /proc/PID/status, without its name.
field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status"
}

uidof() { id -u "$1"; }
gidof() { id -g "$1"; }

# check ROLE USER ROOT CAPS SECCOMP NNP
check() {
	pid=$(child_pid "$1")
	[ -n "$pid" ] || pid=0
	u=$(uidof "$2")
	g=$(gidof "$2")
	is "$(field "$pid" Uid)" "$u $u $u $u" "$1: uid is $2"
	is "$(field "$pid" Gid)" "$g $g $g $g" "$1: gid is $2"
	want_groups="$g"
	[ "$2" = root ] && want_groups=$(field "$pid" Groups)
	is "$(field "$pid" Groups)" "$want_groups" "$1: only its own group"
	is "$(readlink "/proc/$pid/root")" "$3" "$1: root is $3"
	is "$(field "$pid" CapEff)" "$4" "$1: effective capabilities"
	is "$(field "$pid" CapPrm)" "$4" "$1: permitted capabilities"
	is "$(field "$pid" CapBnd)" "$4" "$1: bounding set"
	is "$(field "$pid" CapAmb)" "0000000000000000" "$1: no ambient"
	is "$(field "$pid" Seccomp)" "$5" "$1: seccomp mode"
	is "$(field "$pid" NoNewPrivs)" "$6" "$1: no_new_privs"
}

S="$T/state"
check front _pccxfront "$S/empty" 0000000000000000 2 1
check auth _pccxauth "$S/auth" 0000000000000000 2 1
check tunnel _pccxtun "$S/tunnel" 0000000000001000 2 1
check session root "$S/session" 00000000002410eb 2 1
check audit _pccxaudit "$S/audit" 0000000000000000 2 1
check parent root / 0000000000000020 0 0

# The session daemon's helper: root, host view, no chroot capability.
spid=$(child_pid session)
hpid=$(for d in /proc/[0-9]*; do
	[ "$(awk '{ print $4 }' "$d/stat" 2>/dev/null)" = "$spid" ] &&
	    [ "$(cat "$d/comm" 2>/dev/null)" = sessiond-helper ] &&
	    echo "${d#/proc/}"
done | head -n 1)
[ -n "$hpid" ]
ok $? "session: its helper runs"
[ -n "$hpid" ] || hpid=0
is "$(field "$hpid" CapEff)" 00000000002010eb "session helper: capabilities"
is "$(field "$hpid" CapBnd)" 00000000002010eb "session helper: bounding set"
is "$(field "$hpid" Seccomp)" 2 "session helper: seccomp"
is "$(field "$hpid" NoNewPrivs)" 1 "session helper: no_new_privs"

# Only the session daemon (and its helper) may hold CAP_SYS_ADMIN.
n=0
for pid in $(suite_pids); do
	cap=$(field "$pid" CapEff)
	[ $(( 0x$cap >> 21 & 1 )) -eq 1 ] && n=$((n + 1))
done
is "$n" 1 "exactly one process holds CAP_SYS_ADMIN"

# The front end's root is empty and not writable by it.
is "$(ls -A "$S/empty" | wc -l)" 0 "front root is empty"
is "$(stat -c %U:%a "$S/empty")" "root:755" "front root is root's"

suite_stop
finish
