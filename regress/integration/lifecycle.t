#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Start, reload, stop, and fail closed when any child dies.

. "$(dirname "$0")/../lib.sh"
setup
suite_conf
plan 46

# Every child killed in turn takes the whole suite down within 1 s.
for role in front auth tunnel session audit; do
	: >"$T/log"
	suite_start
	ok $? "$role: suite starts"
	pids=$(suite_pids)
	victim=$(child_pid "$role")
	kill -KILL "$victim"
	wait_gone "$SUITE_PID" 1000
	ok $? "$role: parent gone within 1 s of kill -9"
	wait "$SUITE_PID"
	st=$?
	SUITE_PID=
	[ "$st" -ne 0 ]
	ok $? "$role: parent exit status is non-zero ($st)"
	left=0
	for p in $pids; do
		kill -0 "$p" 2>/dev/null && left=$((left + 1))
	done
	is "$left" 0 "$role: no process left behind"
	like "$(cat "$T/log")" \
	    "pccx-remoted: $role \\(pid $victim\\) was killed by signal KILL" \
	    "$role: one line names the child and the signal"
done

# SIGHUP with a broken file keeps the old configuration.
: >"$T/log"
suite_start
ok $? "suite starts for reload"
cp "$T/pccx.conf" "$T/good.conf"
echo "limits { body 99G }" >>"$T/pccx.conf"
kill -HUP "$SUITE_PID"
sleep 0.3
like "$(cat "$T/log")" "reload failed: configuration has errors" \
    "broken file: reload refused with a reason"
ctl status >/dev/null
ok $? "broken file: every process still ready"
out=$(ctl reload 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "pccxctl reload of a broken file exits 1"
is "$out" "configuration has errors; nothing changed" \
    "pccxctl reload says why"
cp "$T/good.conf" "$T/pccx.conf"
echo "limits { body 2M }" >>"$T/pccx.conf"
is "$(ctl reload)" "configuration reloaded" "a good file reloads"
# A user added to the file is known from the reload on.
ctl enrol bob@example.com >/dev/null 2>&1
ok $(( $? != 0 ? 0 : 1 )) "before the reload, bob cannot be enrolled"
echo 'user "bob@example.com" account "nobody"' >>"$T/pccx.conf"
is "$(ctl reload)" "configuration reloaded" "a file with a new user reloads"
like "$(ctl enrol bob@example.com)" '^[A-Za-z0-9_-]{32}$' \
    "after the reload, bob can be enrolled"
# Each reload that took is an audit row; the refused ones are not.
reloads() {
	sqlite3 "$T/state/audit/audit.db" \
	    "SELECT count(*) FROM rows WHERE action = 'config.reload'"
}
i=0
while [ "$(reloads)" != 2 ] && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
is "$(reloads)" 2 "two reloads took, two config.reload rows"
# What waits for a restart is named; the per-user cap, taken, is not.
printf 'sessions { per-user 2 }\naudit { checkpoint rows 100 }\n' \
    >>"$T/pccx.conf"
is "$(ctl reload)" \
    "configuration reloaded; changes to audit wait for a restart" \
    "a reload names the part that waits for a restart"
like "$(cat "$T/log")" "changes to audit wait for a restart" \
    "and logs it"
kill -TERM "$SUITE_PID"
wait_gone "$SUITE_PID" 2000
ok $? "SIGTERM stops the suite"
wait "$SUITE_PID"
is "$?" 0 "SIGTERM: exit status 0"
SUITE_PID=
like "$(cat "$T/log")" "terminating" "SIGTERM is logged"
ok $(( $(grep -c 'killed by signal' "$T/log") == 0 ? 0 : 1 )) \
    "SIGTERM: no child reported as killed"
cp "$T/good.conf" "$T/pccx.conf"

# The sessions' cgroup is named after the state directory (FNV-1a) and
# goes with the suite.
cg=$(perl -e 'use integer; my $h = 2166136261;
	$h = (($h ^ ord) * 16777619) & 0xffffffff for split //, $ARGV[0];
	printf "pccx-%08x", $h' "$T/state")
suite_start
[ -d "/sys/fs/cgroup/pids/$cg" ] || [ -d "/sys/fs/cgroup/$cg" ]
ok $? "the sessions' cgroup $cg exists while the suite runs"
suite_stop
! ls -d /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg" >/dev/null 2>&1
ok $? "and is gone once it stopped"

# A key file with loose permissions stops the start.
chmod 0644 "$T/state/keys/token.key"
"$PCCX_BIN/pccx-remoted" -d -f "$T/pccx.conf" >"$T/log" 2>&1
ok $(( $? == 1 ? 0 : 1 )) "loose key file: refuses to start"
like "$(cat "$T/log")" \
    "token.key: holds a secret and must be owned by root with mode 0600" \
    "loose key file: clear message"
chmod 0600 "$T/state/keys/token.key"
chown nobody "$T/state/keys/token.key"
"$PCCX_BIN/pccx-remoted" -d -f "$T/pccx.conf" >"$T/log" 2>&1
ok $(( $? == 1 ? 0 : 1 )) "key file not owned by root: refuses to start"
chown root "$T/state/keys/token.key"
finish
