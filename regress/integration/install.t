#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# make install and make uninstall into a staging directory.

. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP install tests run as root"
	exit 0
fi

tmp=$(mktemp -d /tmp/pccx-install.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
D="$tmp/root"
SBIN="$D/usr/local/sbin"
MAN="$D/usr/local/share/man"
progs="pccx-remoted pccx-frontd pccx-authd pccx-tunneld pccx-sessiond
pccx-auditd pccxctl"

# pmake ARGS: make in the top directory, output kept in $tmp/make.log.
pmake() {
	make -C "$PCCX_TOP" -s "$@" >"$tmp/make.log" 2>&1
	st=$?
	[ "$st" -eq 0 ] || sed 's/^/#   /' "$tmp/make.log" | tail -20
	return "$st"
}

# mode_is FILE MODE NAME: FILE exists with that octal mode.
mode_is() {
	if [ -f "$1" ]; then
		is "$(stat -c %a "$1")" "$2" "$3"
	else
		ok 1 "$3 (missing: $1)"
	fi
}

pmake install DESTDIR="$D" PREFIX=/usr/local
ok $? "make install DESTDIR=... PREFIX=/usr/local"
like "$(cat "$tmp/make.log")" "DESTDIR is set: system users not created" \
    "no system users created under DESTDIR"

for p in $progs; do
	mode_is "$SBIN/$p" 755 "sbin/$p, mode 0755"
done
if [ -f "$PCCX_BIN/pccx-verify" ]; then
	mode_is "$D/usr/local/bin/pccx-verify" 755 "bin/pccx-verify, mode 0755"
fi

npages=0
for f in "$PCCX_TOP"/man/*.[0-9]; do
	[ -f "$f" ] || continue
	page=${f##*/}
	sec=${page##*.}
	mode_is "$MAN/man$sec/$page" 644 "man$sec/$page, mode 0644"
	cmp -s "$f" "$MAN/man$sec/$page"
	ok $? "man$sec/$page is the page from man/"
	npages=$((npages + 1))
done
[ "$npages" -ge 3 ]
ok $? "at least the three suite pages are installed ($npages)"

conf="$D/etc/pccx-remote/pccx-remote.conf"
mode_is "$conf" 644 "etc/pccx-remote/pccx-remote.conf, mode 0644"
cmp -s "$PCCX_TOP/etc/pccx-remote.conf" "$conf"
ok $? "the sample configuration is installed as it is"
"$SBIN/pccx-remoted" -n -f "$conf" 2>/dev/null
ok $? "the installed pccx-remoted accepts the installed configuration"

unit="$D/lib/systemd/system/pccx-remoted.service"
mode_is "$unit" 644 "pccx-remoted.service, mode 0644"
like "$(grep '^ExecStart=' "$unit")" '^ExecStart=/usr/local/sbin/pccx-remoted -d$' \
    "the unit starts /usr/local/sbin/pccx-remoted -d"
rc="$D/etc/init.d/pccx-remoted"
mode_is "$rc" 755 "etc/init.d/pccx-remoted, mode 0755"
sh -n "$rc"
ok $? "the rc script parses"

# The unit, pointed at the staged binaries, passes systemd's own check.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|/usr/local/sbin|$SBIN|g" "$unit" >"$tmp/pccx-remoted.service"
	out=$(systemd-analyze verify --man=no "$tmp/pccx-remoted.service" 2>&1)
	st=$?
	[ "$st" -eq 0 ] && [ -z "$out" ]
	ok $? "systemd-analyze verify passes"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
else
	ok 0 "systemd-analyze verify # SKIP systemd-analyze is not installed"
fi

# A configuration already there is not replaced.
echo "# edited by the operator" >>"$conf"
pmake install DESTDIR="$D" PREFIX=/usr/local
ok $? "make install again"
like "$(tail -1 "$conf")" "edited by the operator" \
    "an existing configuration is kept"

pmake uninstall DESTDIR="$D" PREFIX=/usr/local
ok $? "make uninstall DESTDIR=..."
like "$(cat "$tmp/make.log")" "kept .*pccx-remote.conf and the state directory" \
    "uninstall says what it keeps"
left=$(find "$D" -type f ! -path "$conf" | sed "s|^$D||")
is "$left" "" "uninstall removes every installed file"
[ -f "$conf" ]
ok $? "uninstall keeps the configuration"

# Another PREFIX reaches the unit and the rc script.
D2="$tmp/opt"
pmake install DESTDIR="$D2" PREFIX=/opt/pccx
ok $? "make install PREFIX=/opt/pccx"
[ -x "$D2/opt/pccx/sbin/pccx-remoted" ] && [ -x "$D2/opt/pccx/sbin/pccxctl" ]
ok $? "programs under /opt/pccx/sbin"
like "$(grep '^ExecStart=' "$D2/lib/systemd/system/pccx-remoted.service")" \
    '^ExecStart=/opt/pccx/sbin/pccx-remoted -d$' "the unit follows PREFIX"
like "$(grep '^PCCX_SBIN=' "$D2/etc/init.d/pccx-remoted")" \
    '/opt/pccx/sbin' "the rc script follows PREFIX"
pmake uninstall DESTDIR="$D2" PREFIX=/opt/pccx
ok $? "make uninstall PREFIX=/opt/pccx"
is "$(find "$D2/opt/pccx" -type f | wc -l)" 0 \
    "nothing left under /opt/pccx"

echo "1..$tap_n"
finish
