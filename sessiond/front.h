/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session daemon's message table, shared with the tests that drive it. */

#ifndef PCCX_SESSIOND_FRONT_H
#define PCCX_SESSIOND_FRONT_H

#include <stddef.h>

#include "proto/session.h"
#include "sessiond/session.h"

/* The rows of the role table: configuration and the front's requests. */
extern const struct msg_rule	session_rules[];
extern const size_t		session_nrules;

/* Where session_front_reply sends: a channel, and how to flush it. */
struct session_wire {
	struct chan	*(*chan)(void);
	void		 (*commit)(struct chan *);
};

/*
 * session_front_reply: a session_reply_fn; arg is a struct
 * session_wire.  A reply that cannot be queued is logged and dropped,
 * its descriptor closed.
 */
void	session_front_reply(void *, uint32_t, const struct session_reply *);

#endif
