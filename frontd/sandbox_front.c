/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The front end's seccomp policy and capabilities: serve, never dial. */

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>

#include "common/sandbox.h"

/*
 * Beyond the base set the front end only serves connections on the
 * listeners the parent handed it.  It cannot make a socket, connect,
 * or open a file: its root is an empty directory.
 */
static const struct sandbox_rule front_rules[] = {
	SB_ALLOW("accept4", "take a client from a listener it was given"),
	SB_ALLOW("getsockname", "the local address a client reached"),
	SB_ALLOW("getpeername", "the client address, for limits and audit"),
	SB_ALLOW_EQ("setsockopt", 1, SOL_SOCKET,
	    "keepalive and buffer sizes on a connection"),
	SB_ALLOW_EQ("setsockopt", 1, IPPROTO_TCP,
	    "TCP_NODELAY on a connection"),
	SB_ALLOW("shutdown", "half-close a connection after a response"),
	SB_ALLOW("pipe2", "an upload's body and a reference go to the "
	    "session daemon through a pipe"),
	/*
	 * jansson would seed its hash function from /dev/urandom, which
	 * is not here: common/child.c seeds it before confinement.
	 */
	SB_ERRNO("openat", EACCES,
	    "jansson and libc probe for files; the empty root has none"),
};

const struct sandbox_policy sandbox_front = {
	"front", front_rules, SB_NRULES(front_rules)
};

/* The front end keeps no capability. */
const int	caps_front[] = { };
const size_t	ncaps_front = 0;
