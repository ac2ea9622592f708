/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* What the sandbox test program's files share: roles, the scratch dir. */

#ifndef PCCX_SANDBOX_TEST_H
#define PCCX_SANDBOX_TEST_H

#include <stddef.h>

enum test_role {
	R_FRONT = 0,
	R_AUTH,
	R_TUNNEL,
	R_SESSION,
	R_AUDIT,
	R_MAX
};
#define RB(r)		(1U << (r))
#define RB_ALL		(RB(R_MAX) - 1)

/* Exit code of a child whose own child or thread went wrong. */
#define TEST_EFAIL	250

struct role_def {
	const char			*name;
	const struct sandbox_policy	*policy;
	const int			*caps;
	const size_t			*ncaps;
};
extern const struct role_def	roles[R_MAX];

/* A scratch directory, mode 0755, removed at the end of the run. */
#define TEST_DIRMAX	256
extern char	test_dir[TEST_DIRMAX];

/*
 * A workload: setup() runs before the filter (as a daemon's does, and
 * may fork helpers), run() under it.  Each returns 0, or the number of
 * the step that failed, which becomes the child's exit status.  As
 * root, between the two, the child drops privileges as the daemon
 * does: the role's capabilities, uid 65534 (0 for the session), and
 * a chroot into test_dir/dir unless dir is NULL.
 */
struct workload {
	const char	*name;
	unsigned int	 roles;		/* RB() of its roles */
	int		 root;		/* skipped unless root */
	const char	*dir;		/* chroot in test_dir */
	int		(*setup)(void);
	int		(*run)(void);
};
extern const struct workload	workloads[];
extern const size_t		nworkloads;

#endif
