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
 * the issuer's name in a thread with glibc's resolver, and keeps its
 * devices, enrolment codes and login sessions in auth.db (SQLite,
 * write-ahead log) in its root.  Its Ed25519 verification threads
 * (vpool.c) start once it is confined and need nothing more than that
 * resolver thread does: clone with CLONE_THREAD, set_robust_list,
 * rseq, mmap and mprotect of their stacks, futex for the job queue,
 * and write on a pipe opened before confinement to wake the event
 * loop.
 */
static const struct sandbox_rule auth_rules[] = {
	SANDBOX_RULES_HTTPS_CLIENT,
	SB_ALLOW("openat", "SQLite opens and creates auth.db, its log and "
	    "its shared index; the resolver's files and the CA file are read"),
	SB_ALLOW("pread64", "SQLite reads pages"),
	SB_ALLOW("pwrite64", "SQLite writes pages and the log"),
	SB_ALLOW("fsync", "SQLite syncs the log and the database"),
	SB_ALLOW("fdatasync", "SQLite syncs the log"),
	SB_ALLOW("ftruncate", "SQLite truncates the log and database"),
	SB_ALLOW_EQ("fcntl", 1, F_GETLK, "SQLite tests a lock"),
	SB_ALLOW_EQ("fcntl", 1, F_SETLK, "SQLite takes and drops locks"),
	SB_ALLOW("fchmod", "SQLite gives a new log the db's mode"),
	SB_ALLOW("unlink", "SQLite removes the log as it closes"),
	SB_ALLOW("getcwd", "SQLite makes a relative name absolute"),
	SB_ALLOW("geteuid", "SQLite chowns new files only as root"),
	SB_ALLOW("clock_nanosleep", "SQLite's busy handler sleeps"),
};

const struct sandbox_policy sandbox_auth = {
	"auth", auth_rules, SB_NRULES(auth_rules)
};

/* The auth daemon keeps no capability. */
const int	caps_auth[] = { };
const size_t	ncaps_auth = 0;
