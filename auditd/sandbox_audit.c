/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The audit daemon's seccomp policy and capabilities: SQLite and S3. */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>

#include "common/sandbox.h"

/*
 * Beyond the base set the audit daemon keeps audit.db (SQLite, WAL)
 * and its spool in its root, and ships rows to the S3 endpoint over
 * HTTPS through libcurl, which resolves the endpoint's name in a
 * thread with glibc's resolver.
 */
static const struct sandbox_rule audit_rules[] = {
	/* SQLite's unix VFS on audit.db, -wal, -shm and the spool */
	SB_ALLOW("openat", "SQLite opens and creates its files"),
	SB_ALLOW("pread64", "SQLite reads pages"),
	SB_ALLOW("pwrite64", "SQLite writes pages and WAL frames"),
	SB_ALLOW("fsync", "SQLite's directory sync, the S3 spool"),
	SB_ALLOW("fdatasync", "SQLite syncs the WAL"),
	SB_ALLOW("ftruncate", "SQLite truncates the WAL and -shm"),
	SB_ALLOW_EQ("fcntl", 1, F_GETLK, "SQLite tests a lock"),
	SB_ALLOW_EQ("fcntl", 1, F_SETLK, "SQLite takes and drops locks"),
	SB_ALLOW("newfstatat", "SQLite stats its files"),
	SB_ALLOW("lseek", "stdio repositions a file it reads"),
	SB_ALLOW("fchmod",
	    "SQLite gives a new -wal or -shm the db's mode, umask or not"),
	SB_ALLOW("unlink", "SQLite removes -journal and -wal"),
	SB_ALLOW("getcwd", "SQLite makes a relative name absolute"),
	SB_ALLOW("clock_nanosleep",
	    "SQLite's busy handler sleeps while a reader holds the WAL"),

	/* libcurl to the S3 endpoint */
	SB_ALLOW_EQ("socket", 0, AF_INET,
	    "libcurl to the S3 endpoint, the resolver to its nameserver"),
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
};

const struct sandbox_policy sandbox_audit = {
	"audit", audit_rules, SB_NRULES(audit_rules)
};

/* The audit daemon keeps no capability. */
const int	caps_audit[] = { };
const size_t	ncaps_audit = 0;
