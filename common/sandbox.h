/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Seccomp policies as data, and the loader that turns them into a filter. */

#ifndef PCCX_SANDBOX_H
#define PCCX_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

enum sandbox_action {
	SANDBOX_ALLOW = 0,	/* let the call through */
	SANDBOX_ERRNO,		/* fail the call with err */
};

enum sandbox_cmp {
	SANDBOX_CMP_NONE = 0,	/* any arguments */
	SANDBOX_CMP_EQ,		/* arg == value */
	SANDBOX_CMP_MASKED_EQ,	/* (arg & mask) == value */
	SANDBOX_CMP_SELF,	/* arg == the pid that loads the filter */
};

/*
 * One rule: a system call by name, what happens to it, and at most one
 * comparison on one argument.  Arguments are compared on their low 32
 * bits, the part the kernel reads of an int.  Several rules for one
 * call add up (any match applies); a rule without a comparison makes
 * any comparison on the same call moot, so a role may widen a base
 * rule but never narrow it.  Every rule says why it is there.
 */
struct sandbox_rule {
	const char	*call;
	int		 action;	/* enum sandbox_action */
	int		 err;		/* errno, for SANDBOX_ERRNO */
	int		 cmp;		/* enum sandbox_cmp */
	unsigned int	 arg;		/* argument index, 0 to 5 */
	uint64_t	 mask;
	uint64_t	 value;
	const char	*why;
};

#define SB_ALLOW(c, w)							\
	{ (c), SANDBOX_ALLOW, 0, SANDBOX_CMP_NONE, 0, 0, 0, (w) }
#define SB_ALLOW_EQ(c, a, v, w)						\
	{ (c), SANDBOX_ALLOW, 0, SANDBOX_CMP_EQ, (a), 0, (v), (w) }
#define SB_ALLOW_MASK(c, a, m, v, w)					\
	{ (c), SANDBOX_ALLOW, 0, SANDBOX_CMP_MASKED_EQ, (a), (m), (v), (w) }
#define SB_ALLOW_SELF(c, a, w)						\
	{ (c), SANDBOX_ALLOW, 0, SANDBOX_CMP_SELF, (a), 0, 0, (w) }
#define SB_ERRNO(c, e, w)						\
	{ (c), SANDBOX_ERRNO, (e), SANDBOX_CMP_NONE, 0, 0, 0, (w) }
#define SB_ERRNO_EQ(c, e, a, v, w)					\
	{ (c), SANDBOX_ERRNO, (e), SANDBOX_CMP_EQ, (a), 0, (v), (w) }

/*
 * An HTTPS client through libcurl, whose resolver thread runs glibc's
 * getaddrinfo over the chroot's /etc files and DNS: the auth daemon
 * to its OIDC issuer, the audit daemon to its S3 endpoint.  A role
 * that lists it includes <sys/socket.h>, <errno.h> and <sched.h>.
 */
#define SANDBOX_RULES_HTTPS_CLIENT					\
	SB_ALLOW_EQ("socket", 0, AF_INET,				\
	    "libcurl to its server, the resolver to its nameserver"),	\
	SB_ALLOW_EQ("socket", 0, AF_INET6,				\
	    "the same over IPv6; libcurl probes IPv6 with one"),	\
	SB_ERRNO_EQ("socket", EAFNOSUPPORT, 0, AF_NETLINK,		\
	    "getaddrinfo asks for local addresses; it copes without"),	\
	SB_ERRNO_EQ("socket", EACCES, 0, AF_UNIX,			\
	    "glibc tries nscd first; no nscd, nor abstract sockets"),	\
	SB_ALLOW_EQ("socketpair", 0, AF_UNIX,				\
	    "libcurl's resolver thread wakes the caller over a pair"),	\
	SB_ALLOW("connect", "libcurl and the resolver connect out"),	\
	SB_ALLOW("getsockopt", "libcurl reads SO_ERROR after connect"),	\
	SB_ALLOW("setsockopt", "libcurl sets TCP_NODELAY, keepalive"),	\
	SB_ALLOW("getsockname", "libcurl records the local address"),	\
	SB_ALLOW("getpeername", "libcurl records the peer address"),	\
	SB_ALLOW("sendto", "libcurl send(), the resolver's queries"),	\
	SB_ALLOW("recvfrom", "libcurl recv(), the resolver's answers"),	\
	SB_ALLOW("sendmmsg", "the resolver sends A and AAAA at once"),	\
	SB_ERRNO("uname", EPERM,					\
	    "res_init asks for the host name; keep the kernel unnamed"),\
	SB_ALLOW_MASK("clone", 0, CLONE_THREAD, CLONE_THREAD,		\
	    "libcurl's resolver thread; no fork"),			\
	SB_ALLOW("set_robust_list", "glibc sets up a new thread"),	\
	SB_ALLOW("rseq", "glibc registers a new thread"),		\
	SB_ALLOW("newfstatat", "stdio sizes /etc/hosts, the CA file"),	\
	SB_ALLOW("lseek", "the resolver rewinds /etc/hosts")

struct sandbox_policy {
	const char		*role;
	const struct sandbox_rule *rules;
	size_t			 nrules;
};

#define SB_NRULES(a)	(sizeof(a) / sizeof((a)[0]))

/* The rules every role shares, loaded before the role's own. */
extern const struct sandbox_rule	sandbox_base[];
extern const size_t			sandbox_nbase;

/* Each role's policy, defined in <role>d/sandbox_<role>.c. */
extern const struct sandbox_policy	sandbox_front;
extern const struct sandbox_policy	sandbox_auth;
extern const struct sandbox_policy	sandbox_tunnel;
extern const struct sandbox_policy	sandbox_session;
extern const struct sandbox_policy	sandbox_audit;

/*
 * The capabilities each role keeps, defined next to its policy and
 * handed to priv_drop() in struct priv_spec.
 */
extern const int	caps_front[], caps_auth[], caps_tunnel[];
extern const int	caps_session[], caps_audit[];
extern const size_t	ncaps_front, ncaps_auth, ncaps_tunnel;
extern const size_t	ncaps_session, ncaps_audit;

/*
 * sandbox_load: confine the calling process to the base rules plus the
 * policy's, for good.  A call of another architecture (i386 int 0x80,
 * x32) kills the process, as does any call outside the rules; clone3
 * fails with ENOSYS so that libc falls back to clone, whose flags the
 * rules can see.  With debug set, a call outside the rules instead
 * prints "sandbox: <role>: trapped system call <name> (<nr>)" on
 * standard error and exits with status 128 + SIGSYS.  Called once by
 * a child after priv_drop(); fatal() if the filter cannot be loaded.
 */
void	sandbox_load(const struct sandbox_policy *, int);

/* sandbox_rule_valid: 0 when a rule names a known call, -1 if not. */
int	sandbox_rule_valid(const struct sandbox_rule *);

#endif
