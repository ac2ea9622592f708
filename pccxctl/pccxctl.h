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

#endif
