/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* State and helpers shared by the files of pccxctl. */

#ifndef PCCX_PCCXCTL_H
#define PCCX_PCCXCTL_H

#include "common/msg.h"

struct ctl {
	struct chan	 c;
	int		 json;		/* -j */
	const char	*sock;		/* -s */
};

/* ctl_connect: open the parent's control socket; fatal on failure. */
void	ctl_connect(struct ctl *, const char *);
/* ctl_next: the next message from the parent; fatal on silence. */
void	ctl_next(struct ctl *, struct msg *);
/* cmd_audit: pccxctl audit verify|search|tail|key (pccxctl/audit.c). */
int	cmd_audit(struct ctl *, int, char **);
/* cmd_enrol, cmd_revoke: enrolment codes and revocation (auth.c). */
int	cmd_enrol(struct ctl *, int, char **);
int	cmd_revoke(struct ctl *, int, char **);
/* cmd_tunnel: pccxctl tunnel show (tunnel.c). */
int	cmd_tunnel(struct ctl *, int, char **);

#endif
