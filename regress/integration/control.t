#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# pccxctl and /v1/health report every process, and a silent one too.

. "$(dirname "$0")/../lib.sh"
setup
suite_conf
plan 20

health() {
	curl -s -o "$T/health" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/health"
}

suite_start
ok $? "suite starts"
out=$(ctl status)
is "$(echo "$out" | awk 'NR > 1 && $7 == "ready"' | wc -l)" 6 \
    "pccxctl status: six processes ready"
is "$(echo "$out" | awk 'NR > 1 { print $1 ":" $3 }' | tr '\n' ' ')" \
    "parent:root front:_pccxfront auth:_pccxauth tunnel:_pccxtun session:root audit:_pccxaudit " \
    "pccxctl status: names and users"
ctl -j status | perl -MJSON::PP -e '
	my $a = decode_json(join "", <STDIN>);
	exit(!(@$a == 6 && $a->[0]{name} eq "parent" && $a->[0]{pid} > 1 &&
	    defined $a->[1]{messages_in}));'
ok $? "pccxctl -j status is JSON with six rows"
is "$(health)" 200 "health answers 200"
perl -MJSON::PP -e '
	open my $f, "<", $ARGV[0] or exit 1;
	my $h = decode_json(join "", <$f>);
	exit(!($h->{status} eq "ok" && $h->{version} =~ /^\d+\.\d+\.\d+$/ &&
	    $h->{uptime} >= 0 && keys %{$h->{processes}} == 6 &&
	    !grep { $_ ne "ready" } values %{$h->{processes}}));' "$T/health"
ok $? "health: version, uptime and six ready processes"

# A child that stops answering shows as such, and the answer still comes.
auth=$(child_pid auth)
kill -STOP "$auth"
start=$(date +%s%N)
is "$(health)" 503 "stopped auth: health answers 503"
el=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$el" -lt 3000 ]
ok $? "stopped auth: answer within the time limit (${el} ms)"
like "$(cat "$T/health")" '"auth":"unresponsive"' "stopped auth: unresponsive"
like "$(cat "$T/health")" '"status":"degraded"' "stopped auth: degraded"
out=$(ctl status)
ok $(( $? == 1 ? 0 : 1 )) "stopped auth: pccxctl status exits 1"
like "$out" "^auth .* unresponsive$" "stopped auth: pccxctl says so"
kill -CONT "$auth"
sleep 0.2
is "$(health)" 200 "resumed auth: health is 200 again"

# Errors are one line and a non-zero exit; only root gets in.
out=$("$PCCX_BIN/pccxctl" -s "$T/none.sock" status 2>&1)
ok $(( $? != 0 ? 0 : 1 )) "no suite: non-zero exit"
is "$(echo "$out" | wc -l)" 1 "no suite: one line"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PCCX_BIN/pccxctl" -s "$T/ctl.sock" status 2>&1)
ok $(( $? != 0 ? 0 : 1 )) "not root: refused"
is "$(stat -c '%U %a' "$T/ctl.sock")" "root 600" "control socket is root's, 0600"

# A client that sends four reloads and is gone before the first answer
# (the parent stopped meanwhile): the parent finds it cannot answer,
# drops the client, and serves on.
printf '%s\n' '#include <stdio.h>' '#include <stdint.h>' \
    '#include <sys/types.h>' '#include "proto/proto.h"' \
    'int main(void) { printf("%d\n", MSG_CTL_RELOAD); return 0; }' |
    cc -I"$PCCX_TOP" -x c -o "$T/msgtype" - && type=$("$T/msgtype")
ok $? "the reload message's type: $type"
kill -STOP "$SUITE_PID"
perl -MSocket -e '
	socket(my $s, AF_UNIX, SOCK_STREAM, 0) or exit 1;
	connect($s, pack_sockaddr_un($ARGV[0])) or exit 1;
	my $h = pack("SSLLL", $ARGV[1], 0, 0, 1, $$);
	exit(!(syswrite($s, $h x 4) == 64 && close($s)));' \
    "$T/ctl.sock" "$type"
r=$?
kill -CONT "$SUITE_PID"
ok $r "four reloads sent, the client gone"
sleep 0.3
out=$(ctl status)
ok $(( $? == 0 && $(echo "$out" | grep -c ' ready$') == 6 ? 0 : 1 )) \
    "the parent serves on: six processes ready"
suite_stop
finish
