/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The auth daemon's seccomp policy and capabilities: HTTPS to the issuer. */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>

#include "common/sandbox.h"

/*
 * Beyond the base set the auth daemon talks HTTPS to the OIDC issuer
 * through libcurl (discovery, JWKS, token exchange), which resolves
 * the issuer's name in a thread with glibc's resolver.  It reads, and
 * never writes, files in its root.
 */
static const struct sandbox_rule auth_rules[] = {
	SB_ALLOW_EQ("socket", 0, AF_INET,
	    "libcurl to the issuer, the resolver to its nameserver"),
	SB_ALLOW_EQ("socket", 0, AF_INET6,
	    "the same over IPv6; libcurl probes IPv6 with one"),
	SB_ERRNO_EQ("socket", EAFNOSUPPORT, 0, AF_NETLINK,
	    "getaddrinfo asks for local addresses; it copes without"),
	SB_ERRNO_EQ("socket", EACCES, 0, AF_UNIX,
	    "glibc tries nscd first; no nscd, nor abstract sockets"),
	SB_ALLOW_EQ("socketpair", 0, AF_UNIX,
	    "libcurl's resolver thread wakes the caller over a pair"),
	SB_ALLOW("connect", "libcurl and the resolver connect out"),
	SB_ALLOW("getsockopt", "libcurl reads SO_ERROR after connecting"),
	SB_ALLOW("setsockopt", "libcurl sets TCP_NODELAY and keepalive"),
	SB_ALLOW("getsockname", "libcurl records the local address"),
	SB_ALLOW("getpeername", "libcurl records the peer address"),
	SB_ALLOW("sendto", "libcurl send(), the resolver's queries"),
	SB_ALLOW("recvfrom", "libcurl recv(), the resolver's answers"),
	SB_ALLOW("sendmmsg", "the resolver sends A and AAAA at once"),
	SB_ERRNO("uname", EPERM,
	    "res_init asks for the host name; keep the kernel unnamed"),
	SB_ALLOW_MASK("clone", 0, CLONE_THREAD, CLONE_THREAD,
	    "libcurl's resolver thread; no fork"),
	SB_ALLOW("set_robust_list", "glibc sets up a new thread"),
	SB_ALLOW("rseq", "glibc registers a new thread"),
	SB_ALLOW_MASK("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY,
	    "read /etc/hosts, resolv.conf, nsswitch.conf, the CA file"),
	SB_ALLOW("newfstatat", "stdio and OpenSSL size a file they read"),
	SB_ALLOW("lseek", "stdio repositions a file it reads"),
};

const struct sandbox_policy sandbox_auth = {
	"auth", auth_rules, SB_NRULES(auth_rules)
};

/* The auth daemon keeps no capability. */
const int	caps_auth[] = { };
const size_t	ncaps_auth = 0;
