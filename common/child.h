/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The life of a child process: configure, confine, serve. */

#ifndef PCCX_CHILD_H
#define PCCX_CHILD_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

struct sandbox_policy;
struct event_base;

/*
 * What a role tells the shared child code about itself.  The child
 * reads its configuration from the parent (MSG_CONF_*), calls
 * setup() to open what it needs while it still may, confines itself
 * (chroot, ids, capabilities, no_new_privs, seccomp), calls serve(),
 * and runs the event loop until the parent ends it.
 */
struct child_role {
	int				 proc;
	const int			*caps;		/* kept */
	size_t				 ncaps;
	const struct sandbox_policy	*policy;
	const struct msg_rule		*rules;
	size_t				 nrules;
	int				(*setup)(void);
	int				(*serve)(void);
	/* Called for MSG_CONF_END after a reload, when running. */
	void				(*reload)(void);
	/* Called on SIGTERM or a closed channel, just before exit. */
	void				(*stop)(void);
};

/* child_main: run a role; never returns. */
void		 child_main(const struct child_role *, int, char **)
		    __attribute__((noreturn));
/* child_chan: the channel to a peer, or NULL when not linked. */
struct chan	*child_chan(int);
struct event_base *child_base(void);
/* child_send_done: flush what was queued on c from outside a callback. */
void		 child_commit(struct chan *);
/* child_state: ST_CONF until confined, then ST_RUN. */
int		 child_state(void);
/* child_status: fill a status record for this process. */
void		 child_status(struct p_status *);
/* child_keyfd: a key file the parent passed by name, or -1. */
int		 child_keyfd(const char *);
/* child_sign_key: an Ed25519 key pair from a seed file; 0 or -1. */
int		 child_sign_key(const char *, unsigned char *,
		    unsigned char *);

#endif
