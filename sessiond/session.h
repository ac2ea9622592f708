/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session engine's C API: configure it, then open, run, end sessions. */

#ifndef PCCX_SESSION_H
#define PCCX_SESSION_H

#include <stdint.h>

#include "proto/session.h"

struct event_base;
struct p_audit_row;

/*
 * Every request names a reqid chosen by the caller (the front end's
 * peerid) and gets exactly one reply through the reply function:
 * OPENED, EXEC_OK, PTY_OK, OK or KILLED, or ERROR; LIST and INFO get
 * ROW replies then one LIST_END.  Replies may come before the request
 * function returns.  A session that ends without a KILL (idle
 * timeout, revocation, its init dying) is reported as a KILLED with
 * reqid 0.
 */
struct session_reply {
	uint16_t	type;		/* MSG_SESSION_* */
	/* EXEC_OK, PTY_OK: the receiver's */
	int		fd;
	union {
		struct p_session_opened		 opened;
		struct p_session_error		 error;
		struct p_session_row		 row;
		struct p_session_count		 count;
		struct p_session_handle		 handle;
		const struct p_session_killed	*killed;
		struct p_session_pty_exit	 pty_exit;
	} u;
};

typedef void	(*session_reply_fn)(void *, uint32_t,
		    const struct session_reply *);

struct session_params {
	/* <state>/session, a host path */
	const char		*dir;
	const char		*cgroup;	/* cgroup name, e.g. "pccx" */
	int			 no_cgroup2;	/* use cgroup v1 alone */
	struct event_base	*base;
	session_reply_fn	 reply;
	void			*arg;
	/*
	 * Each decision and each end as an audit row (actor, action
	 * "session.open", "session.exec", "session.pty", "session.kill"
	 * or "session.end", project, the session's uuid as object, an
	 * outcome, a JSON detail); NULL for none.  Called with arg; it
	 * returns the row's id (not 0), or 0 when the row could not be
	 * sent.  An open, exec, pty or kill is described by an "allow"
	 * row and then waits until session_audit_done says that row is
	 * durable; without an audit function it goes ahead at once.
	 */
	uint32_t		(*audit)(void *,
	    const struct p_audit_row *);
	/* how long a request waits for its row (ms); 0: SESS_AUDIT_MS */
	uint32_t		 audit_ms;
};

/*
 * Configuration, from the parent's MSG_SESSION_CONF_* messages.
 * session_conf_settings starts a new configuration, the others add
 * to it, and session_conf_commit makes it the one in force (sessions
 * already open keep what they started with).  Each returns 0, or -1
 * when the message does not fit (a project or member twice, a member
 * of an unknown project, a relative path), which the caller treats
 * as a broken peer.
 */
int	session_conf_settings(const struct p_session_conf_settings *);
int	session_conf_project(const struct p_session_conf_project *);
int	session_conf_member(const struct p_session_conf_member *);
int	session_conf_hide(const struct p_session_path *);
int	session_conf_commit(void);
/* session_state_dir: the state directory the configuration names. */
const char *session_state_dir(void);

/*
 * session_engine_init: called once, as root, after the first
 * configuration was committed and before the caller confines itself:
 * opens the state directories under params->dir, finds the cgroup
 * hierarchies, cleans up what a previous run left (processes and
 * cgroups killed, upper layers kept under orphans/), and forks the
 * helper that builds sessions.  From then on the engine reaches files
 * only through the descriptors it opened here, so the caller may
 * chroot to params->dir.  Returns 0, or -1 with a warning logged.
 */
int	session_engine_init(const struct session_params *);

/* Requests; see proto/session.h for what each payload means. */
void	session_open(uint32_t, const struct p_session_open *);
void	session_list(uint32_t, const struct p_session_list *);
void	session_info(uint32_t, const struct p_session_ref *);
/* session_exec: argv, env and in point into the payload's own buf. */
void	session_exec(uint32_t, const struct p_session_exec *);
void	session_pty(uint32_t, const struct p_session_pty *);
void	session_resize(uint32_t, const struct p_session_pty *);
void	session_kill(uint32_t, const struct p_session_ref *);

/*
 * session_kill_user: end every session of user at once (revocation);
 * each is reported as a KILLED with reqid 0 and reason REVOKED, in
 * its own end mode.  Returns the number of sessions being ended.
 */
int	session_kill_user(const char *);
/*
 * session_revoke: the same for what a revocation names: kind is
 * AUDIT_REVOKE_USER, _DEVICE or _SESSION (a login), and the sessions
 * opened under it end; opens still waiting for their audit row are
 * refused.  Returns the number of sessions being ended.
 */
int	session_revoke(int, const char *);
/*
 * session_audit_done: the audit daemon answered row id (ok non-zero
 * for MSG_AUDIT_ACK): the request held for it goes ahead, or is
 * refused with SESSION_E_AUDIT.  An id nothing waits for is ignored.
 */
void	session_audit_done(uint32_t, int);

/*
 * session_engine_stop: end every session (discard), wait until each
 * has gone, and stop the helper.  For an orderly exit and for tests.
 */
void	session_engine_stop(void);

/* session_count: sessions in the table, opening and ending included. */
int	session_count(void);

#endif
