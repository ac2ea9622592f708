/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-tunneld: owns the WireGuard interface and its peer table. */

#include "common/child.h"

extern const struct sandbox_policy	sandbox_tunnel;
extern const int			caps_tunnel[];
extern const size_t			ncaps_tunnel;

static const struct child_role tunnel_role = {
	.proc = PROC_TUNNEL,
	.caps = caps_tunnel,
	.policy = &sandbox_tunnel,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = tunnel_role;

	r.ncaps = ncaps_tunnel;
	child_main(&r, argc, argv);
}
