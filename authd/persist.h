/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Login sessions kept in auth.db across restarts, with their peers. */

#ifndef PCCX_PERSIST_H
#define PCCX_PERSIST_H

struct chan;
struct msg;

/* Seconds between two batches of last-use writes. */
#define PERSIST_FLUSH	30

/*
 * persist_start: load the live sessions of auth.db into the token
 * table, keep the table's changes in auth.db from now on, and write
 * last uses every PERSIST_FLUSH seconds and at exit.  The peers of the
 * loaded sessions are asked for once the tunnel daemon is ready.
 * Called once confined, with auth->store open; 0 or -1.
 */
int	persist_start(void);
/* persist_lease: the tunnel addresses session sid was given. */
void	persist_lease(const char *, const char *, const char *);
/* persist_tunnel_ready: MSG_TUNNEL_READY, the tunnel daemon serves. */
int	persist_tunnel_ready(struct chan *, struct msg *);

#endif
