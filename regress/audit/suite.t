#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccx-auditd in the real suite: its store under its sandbox, its key.

. "$(dirname "$0")/../lib.sh"

plan 7
setup
suite_conf
suite_start
ok $? "the suite starts"
pid=$(child_pid audit)
[ -n "$pid" ] && grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status"
ok $? "pccx-auditd runs under its seccomp filter"
i=0
while [ ! -s "$T/state/audit/audit.pub" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
db="$T/state/audit/audit.db"
[ -f "$db" ] && [ "$(stat -c %U "$db")" = _pccxaudit ]
ok $? "audit.db was made in its root, owned by _pccxaudit"
is "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE type = \
    'trigger'")" 6 "the append-only triggers are there"
is "$("$PCCX_BIN/pccxctl" audit key -d "$T/state")" \
    "$(cat "$T/state/audit/audit.pub")" \
    "pccxctl audit key: the key file and audit.pub agree"
"$PCCX_BIN/pccxctl" audit verify -d "$T/state" >"$T/v" 2>&1
ok $? "an empty log verifies"
[ -z "$(find "$T/state/audit" -user root)" ]
ok $? "pccxctl left no root-owned file beside audit.db"
grep -i audit "$T/log" | sed "s/^/# /" | head -5
finish
