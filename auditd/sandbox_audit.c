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
	SANDBOX_RULES_HTTPS_CLIENT,

	/*
	 * SQLite's unix VFS on audit.db, -wal and -shm, and the spool;
	 * newfstatat and lseek, which it uses too, are in the set above.
	 */
	SB_ALLOW("openat", "SQLite opens and creates its files"),
	SB_ALLOW("pread64", "SQLite reads pages"),
	SB_ALLOW("pwrite64", "SQLite writes pages and WAL frames"),
	SB_ALLOW("fsync", "SQLite's directory sync, the S3 spool"),
	SB_ALLOW("fdatasync", "SQLite syncs the WAL"),
	SB_ALLOW("ftruncate", "SQLite truncates the WAL and -shm"),
	SB_ALLOW_EQ("fcntl", 1, F_GETLK, "SQLite tests a lock"),
	SB_ALLOW_EQ("fcntl", 1, F_SETLK, "SQLite takes and drops locks"),
	SB_ALLOW("fchmod",
	    "SQLite gives a new -wal or -shm the db's mode, umask or not"),
	SB_ALLOW("unlink", "SQLite removes -journal and -wal"),
	SB_ALLOW("getcwd", "SQLite makes a relative name absolute"),
	SB_ALLOW("geteuid", "SQLite chowns new files only as root"),
	SB_ALLOW("clock_nanosleep",
	    "SQLite's busy handler sleeps while a reader holds the WAL"),
	SB_ALLOW("rename",
	    "audit.pub and the S3 spool file are replaced whole"),
};

const struct sandbox_policy sandbox_audit = {
	"audit", audit_rules, SB_NRULES(audit_rules)
};

/* The audit daemon keeps no capability. */
const int	caps_audit[] = { };
const size_t	ncaps_audit = 0;
