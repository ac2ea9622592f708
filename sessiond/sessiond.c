/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-sessiond: builds and ends the sandboxed sessions. */

#include "common/child.h"

extern const struct sandbox_policy	sandbox_session;
extern const int			caps_session[];
extern const size_t			ncaps_session;

static const struct child_role session_role = {
	.proc = PROC_SESSION,
	.caps = caps_session,
	.policy = &sandbox_session,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = session_role;

	r.ncaps = ncaps_session;
	child_main(&r, argc, argv);
}
