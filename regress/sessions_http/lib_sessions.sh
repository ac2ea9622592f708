# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# A suite with project "work" on a copy of this tree, for /v1/sessions.

# sessions_setup needs $T and $PORT from setup (lib.sh) and the events
# helpers (lib_events.sh, which brings lib_peers.sh); it copies the tree
# to $P, writes its digest to $T/tree.sum, starts the OIDC provider and
# the suite.  alice owns
# "work", carol maintains it, dave views it; events_cleanup stops all.

sessions_tree() {
	P="$T/tree"
	mkdir -p "$P"
	# Without git (an exported tree), the sources less build output.
	if git -C "$PCCX_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$PCCX_TOP" && git ls-files -z | tar --null -cf - -T -)
	else
		tar -C "$PCCX_TOP" --exclude=./build \
		    --exclude=./regress/node_modules -cf - .
	fi | tar -C "$P" -xf - || events_bail "cannot copy the tree"
	cat >"$P/hello.c" <<'SRC'
#include <stdio.h>
int
main(void)
{
	printf("hello from %d\n", 6 * 7);
	return 0;
}
SRC
	chown -R nobody "$P" && chmod 755 "$T" || events_bail "chown"
	find "$P" -type f -print0 | sort -z | xargs -0 cat | sha256sum \
	    >"$T/tree.sum"
}

sessions_conf() {
	suite_conf
	cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "nobody"
user "carol@example.com" account "nobody"
user "dave@example.com" account "nobody"
project "work" {
	path "$P"
	owner "alice@example.com"
	maintainer "carol@example.com"
	viewer "dave@example.com"
}
rate-limit {
	address 1000/s burst 2000
	user 1000/s burst 2000
}
CONF
	peers_conf >>"$T/pccx.conf"
}

sessions_setup() {
	sessions_tree
	peers_start || events_bail "the OpenID provider did not start"
	sessions_conf
	peers_check || events_bail "config refused"
	suite_start || events_bail "suite did not start"
}
