# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# A suite with an OIDC provider and four users, for the events tests.

# Projects: core (alice owner, carol maintainer), lab (carol and dave
# viewers); erin is a user of no project.  events_setup needs $T and
# $PORT from setup (lib.sh); it starts the provider and the suite, and
# events_cleanup stops them and Chromium.

. "$PCCX_TOP/regress/lib_peers.sh"

events_cleanup() { peers_stop; }
events_bail() { peers_bail "$@"; }
# The provider in two steps, as peers_start does it in one.
events_keys() { peers_pki "$T/oidc"; }
events_provider() {
	peers_provider &&
	    (umask 077 && printf '%s' "$PEERS_SECRET" >"$T/oidc.secret")
}

events_setup() {
	peers_start || events_bail "the OpenID provider did not start"
	suite_conf
	cat >>"$T/pccx.conf" <<CONF
user "alice@example.com" account "alice"
user "carol@example.com" account "carol"
user "dave@example.com" account "dave"
user "erin@example.com" account "erin"
project "core" {
	path "/tmp"
	owner "alice@example.com"
	maintainer "carol@example.com"
}
project "lab" {
	path "/tmp"
	viewer "carol@example.com"
	viewer "dave@example.com"
}
rate-limit {
	address 1000/s burst 2000
	user 1000/s burst 2000
}
${EVENTS_CONF:-}
CONF
	peers_conf >>"$T/pccx.conf"
	peers_check || events_bail "config refused"
	suite_start || events_bail "suite did not start"
}
