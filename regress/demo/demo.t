#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# make demo as a test: each step's result, checked after the run.

# The flow (regress/demo/run) runs with KEEP=1 on a free port, so that
# what it made can be checked from outside: the suite's state, the
# project tree, the audit log and the S3 store; then "run stop" must
# remove it all.

. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	echo "1..0 # SKIP needs root and ip"
	exit 0
fi
W=$(mktemp -d /tmp/pccx-demotest.XXXXXX) || exit 1
D=
cleanup() {
	[ -n "$D" ] && [ -d "$D" ] && "$PCCX_TOP/regress/demo/run" stop "$D" \
	    >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

OUT="$W/out"
PORT=$(free_port)
t0=$(date +%s)
KEEP=1 DEMO_PORT=$PORT DEMO_REPORT="$W/pccx-demo-report.html" timeout -k 5 240 \
    "$PCCX_TOP/regress/demo/run" >"$OUT" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
D=$(sed -n 's|^  stop it: .* stop \(/tmp/pccx-demo\.[[:alnum:]]*\)$|\1|p' \
    "$OUT")

# section N: the output of step N, without its banner.
section() {
	awk -v n="$1" '/^== step / { on = ($3 == n ":") ; next } on' "$OUT"
}
ctl_d() { "$PCCX_BIN/pccxctl" -s "$D/ctl.sock" "$@"; }

plan 35
is "$rc" 0 "the demo runs to its end (exit 0)"
[ $rc -eq 0 ] || sed 's/^/# /' "$OUT" | tail -60
ok "$([ "$secs" -lt 120 ]; echo $?)" "in under two minutes ($secs s)"
is "$(sed -n 's/^== step \([0-9]\):.*/\1/p' "$OUT" | tr -d '\n')" \
    123456789 "steps 1 to 9, in order"
like "$(tail -1 "$OUT")" '^demo finished in [0-9]+\.[0-9]{2} s$' \
    "it prints its time"
[ -n "$D" ] && [ -d "$D" ]
ok $? "KEEP=1 prints how to stop it and leaves $D"

# 1: the suite on the built-in configuration plus the demo's lines.
s=$(section 1)
like "$s" '"processes":\{"parent":"ready","front":"ready","auth":"ready",'\
'"tunnel":"ready","session":"ready","audit":"ready"\}' \
    "1: /v1/health: every process ready"
"$PCCX_BIN/pccx-remoted" -nv -f "$PCCX_TOP/etc/pccx-remote.conf" \
    >"$W/builtin" 2>&1
"$PCCX_BIN/pccx-remoted" -nv -f "$D/pccx.conf" >"$W/demo" 2>&1
# Settings the demo may set; any other difference is a failure.
# The blocks the demo adds bring their own defaults (claim, scopes,
# region, idle-timeout, keepalive, backend).
k='state-dir|control-socket|token-key|audit-key|listen on|user|project'
k="$k|path|owner|idle-timeout|\\}|oidc \\{|issuer|client-id|claim|scopes"
k="$k|client-secret-file|ca-file|redirect-uri|origin|s3 \\{|endpoint|bucket"
k="$k|prefix|access-key|secret-key-file|region|tunnel \\{|interface|port"
k="$k|keepalive|private-key-file|backend|address|pool"
diff "$W/builtin" "$W/demo" | grep '^[<>]' |
    grep -Ev "^[<>][[:space:]]*($k)( |\$)" >"$W/extra"
is "$(cat "$W/extra")" "" "1: every other setting is the built-in default"
like "$(section 1)" "listen on 127\\.0\\.0\\.1 port $PORT" \
    "1: the configuration file is printed"

# 2 and 3: registration and login from the laptop's namespace.
s=$(section 2)
like "$s" 'browser: the page says: Signed in\. You can close this page\.' \
    "2: the browser registered the security key"
dev=$(awk '$1 == "device" { print $2 }' "$D/laptop/pccx/config")
like "$s" "Signed in as alice@example.com on device $dev\$" \
    "2: pccx device register signed in, on the device in its config"
s=$(section 3)
like "$s" "^  \\| $dev +laptop .* yes\$" "3: pccx devices lists the laptop"
like "$s" 'browser: signs in with the security key' \
    "3: the login used the registered key"
like "$s" '\| login +valid$' "3: pccx status: the login is valid"
like "$(ctl_d audit tail -n 100 -d "$D/state" 2>/dev/null)" \
    'auth\.login +alice@example\.com' "3: the login is in the audit log"
like "$s" '\| Tunnel up on pmt[0-9]+: 10\.85\.[0-9]+\.2/32, API http' \
    "3: pccx up: the tunnel is up"
like "$s" '\| alice@example\.com +[^ ]+ +[^ ]+ +10\.85\.[0-9]+\.2/32 ' \
    "3: pccxctl tunnel show: the laptop's peer"
like "$s" '\| tunnel +up on pmt[0-9]+, 10\.85\.[0-9]+\.2/32, API http' \
    "3: pccx status: through the tunnel"

# 4: the build in the session printed the program's output.
s=$(section 4)
like "$s" \
    '\| hello from a pccx-remote session: uid 65534, pid [0-9]+, host pccx-' \
    "4: the build's output has the program's line (uid nobody, own host)"

# 5 and 6: the trace and the report.
s=$(section 5)
like "$s" '\| verdict pass: [0-9]+ bytes, 16008 events, ' \
    "5: the streamed verdict: pass, 16008 events"
like "$s" '\| stored [0-9a-f-]{36}$' "5: the trace is stored"
R="$W/pccx-demo-report.html"
n=$(sed -n '/<h2>Cores/,/<h2>/p' "$R" 2>/dev/null | grep -o '<tr><td>' | wc -l)
grep -qi '^<!doctype html' "$R" 2>/dev/null && [ "$n" -eq 32 ] &&
    grep -q '16,008 events over 32 cores, 5,423,940 cycles' "$R"
ok $? "6: the report is HTML: 32 cores, 5423940 cycles, $n core rows"
like "$(section 6)" "the report is in $R " "6: the demo names its path"

# 7: the squash brought back exactly what the build made.
s=$(section 7)
like "$s" ': squash, squashed, 1 files applied' \
    "7: squashed, one entry applied"
is "$(echo "$s" | sed -n 's/^  | \([AMD] .*\)/\1/p')" \
    "A ./regress/demo/hello" "7: the change shown is the built program"
P="$D/project"
is "$(cd "$P" && find . -type f -newer "$D/before.sums" | sort)" \
    "./regress/demo/hello" "7: the tree changed in that file only"
"$P/regress/demo/hello" >"$W/hello" 2>&1
like "$(cat "$W/hello")" '^hello from a pccx-remote session: uid 0,' \
    "7: and it is the program that ran in the session"

# 8: the audit chain, checked here again, and this run's rows.
ctl_d audit verify -d "$D/state" >"$W/v" 2>&1
ok $? "8: pccxctl audit verify passes"
ctl_d audit verify --from-s3 -d "$D/state" >"$W/v3" 2>&1
ok $? "8: pccxctl audit verify --from-s3 passes"
like "$(cat "$W/v3")" 'all match' "8: every shipped row matches"
rows=$(ctl_d audit tail -n 1000 -d "$D/state")
n=0
for a in 'device\.register +alice' 'session\.open +alice@example\.com +demo' \
    'session\.exec +alice@example\.com +demo' \
    'session\.end +alice@example\.com +demo'; do
	echo "$rows" | grep -Eq "$a" && n=$((n + 1))
done
echo "$rows" | grep -Eq 'trace\.store +alice@example\.com +demo' &&
    n=$((n + 1))
is "$n" 5 "8: the run's rows: register, session, exec, end, trace"

# 9: "run stop" removes everything.
pid=$(awk -F= '$1 == "SUITE_PID" { print $2 }' "$D/demo.env")
ns=$(awk -F= '$1 == "NS" { print $2 }' "$D/demo.env")
cg=$(awk -F= '$1 == "CGNAME" { print $2 }' "$D/demo.env")
ls -d /sys/fs/cgroup/*/"$cg" >/dev/null 2>&1
ok $? "9: the demo knows its suite's cgroup directory ($cg)"
"$PCCX_TOP/regress/demo/run" stop "$D" >"$W/stop" 2>&1
r=$?
! kill -0 "$pid" 2>/dev/null && ! ip netns list | grep -q "^$ns\\b" &&
    [ ! -e "$D" ] && [ $r -eq 0 ] && grep -q '^  | Tunnel down' "$W/stop" &&
    ! ls -d /sys/fs/cgroup/*/"$cg" >/dev/null 2>&1
ok $? "9: run stop: pccx down, then the suite, namespace, cgroups, $D gone"
D=

# The README's pccx and pccxctl commands are ones the demo ran: the
# same words once addresses, ids and directories are taken out, and
# perhaps more arguments after them.
norm() {
	sed -E -e 's|https?://[^ ]*|URL|g' \
	    -e 's|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|ID|g' \
	    -e 's|[^ ]*/([^ /]+)|\1|g'
}
cat "$OUT" "$W/stop" | sed -n 's/^  \(laptop\|operator\): //p' |
    norm >"$W/said"
sed -n 's/^    [#$] \(pccx .*\|pccxctl .*\)/\1/p' "$PCCX_TOP/README.md" |
    norm >"$W/readme"
missed=$(awk 'NR == FNR { said[NR] = $0; n = NR; next }
	{
		for (i = 1; i <= n; i++)
			if (said[i] == $0 || index(said[i], $0 " ") == 1)
				next
		printf " [%s]", $0
	}' "$W/said" "$W/readme")
n=$(wc -l <"$W/readme")
[ "$n" -ge 12 ] && [ -z "$missed" ]
ok $? "the demo ran the README's $n pccx and pccxctl commands$missed"

# A step that fails: a laptop whose pccx cannot reach the workstation.
mkdir "$W/bin"
for f in "$PCCX_BIN"/*; do
	[ -f "$f" ] && ln -s "$f" "$W/bin/${f##*/}"
done
rm "$W/bin/pccx"
printf '#!/bin/sh\necho "pccx: cannot reach the workstation" >&2\nexit 3\n' \
    >"$W/bin/pccx"
chmod 755 "$W/bin/pccx"
PCCX_BIN="$W/bin" DEMO_PORT=$PORT timeout -k 5 120 \
    "$PCCX_TOP/regress/demo/run" >"$W/fail" 2>&1
r=$?
like "$r $(grep 'demo FAILED' "$W/fail")" \
    '^1 demo FAILED at step 2: .*pccx device register' \
    "a failing step stops the demo, exit 1, naming the step"
pid=$(sed -n 's/^  pccx-remoted -d -f .*: pid \([0-9]*\)$/\1/p' "$W/fail")
ns=$(sed -n 's/^  laptop: network namespace \([^ ,]*\),.*/\1/p' "$W/fail")
d=$(sed -n 's|^  the configuration file, \(/tmp/pccx-demo\.[^/]*\)/.*|\1|p' \
    "$W/fail")
cg=$(node -e 'let h = 2166136261;
for (const c of Buffer.from(process.argv[1]))
	h = Math.imul(h ^ c, 16777619) >>> 0;
console.log(`pccx-${h.toString(16).padStart(8, "0")}`);' "$d/state")
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && [ -n "$ns" ] &&
    ! ip netns list | grep -q "^$ns\\b" && [ -n "$d" ] && [ ! -e "$d" ] &&
    ! ls -d /sys/fs/cgroup/*/"$cg" >/dev/null 2>&1
ok $? "and its trap removes the suite ($pid), namespace ($ns), $cg and $d"
finish
