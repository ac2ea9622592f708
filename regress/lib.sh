# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Shared helpers for the shell tests: TAP output and a throw-away suite.

: "${PCCX_BIN:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
: "${PCCX_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tap_n=0
tap_failed=0

plan() { echo "1..$1"; }

# ok STATUS NAME: a test passes when STATUS is 0.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT NAME: a test passes when both strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

# like GOT PATTERN NAME: grep -E for PATTERN in GOT.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "$1" | sed 's/^/#   /' | head -20
	fi
}

diag() { echo "# $*"; }

# A free TCP port on loopback: below the kernel's ephemeral range
# (32768 up), where an outgoing connection of an earlier test could
# hold it, and used by no socket in any state.
free_port() {
	p=$(( 20000 + ($$ * 7 + $(date +%N | sed 's/^0*//;s/^$/0/')) % 12000 ))
	while ss -tanH "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

# suite_conf: write a minimal configuration for a suite under $T.
suite_conf() {
	cat >"$T/pccx.conf" <<CONF
state-dir "$T/state"
control-socket "$T/ctl.sock"
listen on 127.0.0.1 port $PORT
CONF
}

# suite_start [ARGS]: start the suite in the foreground, in the
# background of this shell, and wait for it to answer.
suite_start() {
	"$PCCX_BIN/pccx-remoted" -d -f "$T/pccx.conf" "$@" \
	    >>"$T/log" 2>&1 &
	SUITE_PID=$!
	i=0
	while [ $i -lt 300 ]; do
		if "$PCCX_BIN/pccxctl" -s "$T/ctl.sock" status \
		    >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$SUITE_PID" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

ctl() { "$PCCX_BIN/pccxctl" -s "$T/ctl.sock" "$@"; }

# child_pid ROLE: the pid of a running child, from pccxctl.
child_pid() {
	ctl status | awk -v r="$1" '$1 == r { print $2 }'
}

# suite_pids: the parent and every child, for checks after a stop.
suite_pids() {
	ctl status | awk 'NR > 1 { print $2 }'
}

# wait_gone PID MS: wait up to MS milliseconds for PID to disappear.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $i -ge "$2" ] && return 1
		sleep 0.01
		i=$((i + 10))
	done
	return 0
}

suite_stop() {
	if [ -n "${SUITE_PID:-}" ] && kill -0 "$SUITE_PID" 2>/dev/null; then
		kill -TERM "$SUITE_PID"
		wait "$SUITE_PID" 2>/dev/null
	fi
	SUITE_PID=
}

# setup: a temporary directory, the system users, and a cleanup trap.
setup() {
	"$PCCX_TOP/etc/pccx-users" add
	T=$(mktemp -d /tmp/pccx-test.XXXXXX)
	chmod 755 "$T"
	PORT=$(free_port)
	trap 'suite_stop; rm -rf "$T"' EXIT INT TERM
}

finish() {
	[ "$tap_failed" -eq 0 ]
}
