/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session daemon's messages: who may send what, and the replies. */

#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "proto/audit.h"
#include "sessiond/front.h"
#include "sessiond/trace.h"

static int	msg_settings(struct chan *, struct msg *);
static int	msg_project(struct chan *, struct msg *);
static int	msg_member(struct chan *, struct msg *);
static int	msg_hide(struct chan *, struct msg *);
static int	msg_open(struct chan *, struct msg *);
static int	msg_list(struct chan *, struct msg *);
static int	msg_ref(struct chan *, struct msg *);
static int	msg_exec(struct chan *, struct msg *);
static int	msg_pty(struct chan *, struct msg *);
static int	msg_audit(struct chan *, struct msg *);
static int	msg_revoked(struct chan *, struct msg *);
static int	msg_trace(struct chan *, struct msg *);

#define P	PROC_BIT(PROC_PARENT)
#define F	PROC_BIT(PROC_FRONT)
#define A	PROC_BIT(PROC_AUDIT)
/* a string of at most n - 1 bytes */
#define STR(n)	(2 + (n) - 1)
#define UUID	(2 + SESSION_UUIDLEN)
#define NAME	STR(PROTO_NAMEMAX)
#define PATH	STR(PATH_MAX)
/* a trace request: four strings (a user), kind, kinds, size, cap */
#define TRMIN(p, i, n)	((p) + (i) + (n) + 3 + 2 + 16)
#define TRMAX		(NAME + UUID + NAME + NAME + 2 + 16)

/*
 * The parent configures; the front end asks, once auth has said yes,
 * and still every request is checked here: the project exists, the
 * user is its member with an account, the session is theirs.  The
 * sizes are the tightest the encodings allow; the decoders check the
 * rest and a message that fails them ends this daemon.
 */
const struct msg_rule session_rules[] = {
	{ MSG_SESSION_CONF_SETTINGS, P, ST_ANY, MSG_FD_NEVER,
	    8 + 2 * 3, 8 + 2 * PATH, msg_settings },
	{ MSG_SESSION_CONF_PROJECT, P, ST_ANY, MSG_FD_NEVER,
	    2 * 3 + 20, NAME + PATH + 20, msg_project },
	{ MSG_SESSION_CONF_MEMBER, P, ST_ANY, MSG_FD_NEVER,
	    3 * 3 + 9 + 8, 3 * NAME + 9 + 4 + 4 * SESSION_GROUPSMAX,
	    msg_member },
	{ MSG_SESSION_CONF_HIDE, P, ST_ANY, MSG_FD_NEVER,
	    3, PATH, msg_hide },
	{ MSG_SESSION_OPEN, F, ST_RUN, MSG_FD_NEVER,
	    2 * 3 + 2 * 2 + 25, 4 * NAME + 25, msg_open },
	{ MSG_SESSION_LIST, F, ST_RUN, MSG_FD_NEVER,
	    4, 2 * NAME, msg_list },
	{ MSG_SESSION_INFO, F, ST_RUN, MSG_FD_NEVER,
	    UUID + 2, UUID + NAME, msg_ref },
	{ MSG_SESSION_EXEC, F, ST_RUN, MSG_FD_NEVER,
	    UUID + 3 + 3 + 2 + 3 + 2 + 1, MSG_MAXPAYLOAD, msg_exec },
	{ MSG_SESSION_PTY, F, ST_RUN, MSG_FD_NEVER,
	    UUID + 3 + 4 + 2, UUID + NAME + 4 + STR(SESSION_TERMSZ),
	    msg_pty },
	{ MSG_SESSION_RESIZE, F, ST_RUN, MSG_FD_NEVER,
	    UUID + 3 + 8, UUID + NAME + 8, msg_pty },
	{ MSG_SESSION_KILL, F, ST_RUN, MSG_FD_NEVER,
	    UUID + 2 + 1 + 2, UUID + NAME + 1 + NAME, msg_ref },
	{ MSG_SESSION_TRACE_PUT, F, ST_RUN, MSG_FD_MUST,
	    TRMIN(3, UUID, 2), TRMAX, msg_trace },
	{ MSG_SESSION_TRACE_LIST, F, ST_RUN, MSG_FD_NEVER,
	    TRMIN(3, 2, 2), TRMIN(NAME, 2, 2) + NAME - 3, msg_trace },
	{ MSG_SESSION_TRACE_GET, F, ST_RUN, MSG_FD_NEVER,
	    TRMIN(3, UUID, 2), TRMIN(NAME, UUID, 2) + NAME - 3, msg_trace },
	{ MSG_SESSION_TRACE_DEL, F, ST_RUN, MSG_FD_NEVER,
	    TRMIN(3, UUID, 2), TRMIN(NAME, UUID, 2) + NAME - 3, msg_trace },
	{ MSG_SESSION_REF_PUT, F, ST_RUN, MSG_FD_MUST,
	    TRMIN(3, 2, 3), TRMIN(NAME, 2, NAME) + NAME - 3, msg_trace },
	{ MSG_SESSION_TRACE_END, F, ST_RUN, MSG_FD_NEVER,
	    TRMIN(3, UUID, 2), TRMIN(NAME, UUID, 2) + NAME - 3, msg_trace },
	{ MSG_AUDIT_ACK, A, ST_RUN, MSG_FD_NEVER, 8, 8, msg_audit },
	{ MSG_AUDIT_NACK, A, ST_RUN, MSG_FD_NEVER, 4, 4, msg_audit },
	{ MSG_AUDIT_REVOKED, A, ST_RUN, MSG_FD_NEVER,
	    4, 3 + AUDIT_REVOKE_IDMAX, msg_revoked },
};
const size_t session_nrules = sizeof(session_rules) /
    sizeof(session_rules[0]);

static int
msg_settings(struct chan *c, struct msg *m)
{
	struct p_session_conf_settings	p;

	if (proto_get_session_settings(m, &p) == -1)
		return -1;
	return session_conf_settings(&p);
}

static int
msg_project(struct chan *c, struct msg *m)
{
	struct p_session_conf_project	p;

	if (proto_get_session_project(m, &p) == -1)
		return -1;
	return session_conf_project(&p);
}

static int
msg_member(struct chan *c, struct msg *m)
{
	struct p_session_conf_member	p;

	if (proto_get_session_member(m, &p) == -1)
		return -1;
	return session_conf_member(&p);
}

static int
msg_hide(struct chan *c, struct msg *m)
{
	struct p_session_path	p;

	if (proto_get_session_path(m, &p) == -1)
		return -1;
	return session_conf_hide(&p);
}

static int
msg_open(struct chan *c, struct msg *m)
{
	struct p_session_open	p;

	if (proto_get_session_open(m, &p) == -1)
		return -1;
	session_open(m->hdr.peerid, &p);
	return 0;
}

static int
msg_list(struct chan *c, struct msg *m)
{
	struct p_session_list	p;

	if (proto_get_session_list(m, &p) == -1)
		return -1;
	session_list(m->hdr.peerid, &p);
	return 0;
}

static int
msg_ref(struct chan *c, struct msg *m)
{
	struct p_session_ref	p;

	if (proto_get_session_ref(m, &p) == -1)
		return -1;
	if (m->hdr.type == MSG_SESSION_KILL)
		session_kill(m->hdr.peerid, &p);
	else
		session_info(m->hdr.peerid, &p);
	return 0;
}

static int
msg_exec(struct chan *c, struct msg *m)
{
	static struct p_session_exec	p;

	if (proto_get_session_exec(m, &p) == -1)
		return -1;
	session_exec(m->hdr.peerid, &p);
	return 0;
}

static int
msg_pty(struct chan *c, struct msg *m)
{
	struct p_session_pty	p;

	if (proto_get_session_pty(m, &p) == -1)
		return -1;
	if (m->hdr.type == MSG_SESSION_PTY)
		session_pty(m->hdr.peerid, &p);
	else
		session_resize(m->hdr.peerid, &p);
	return 0;
}

/*
 * Traces and references: trace.c checks the user's role in the
 * project again, and that the names are safe file names.
 */
static int
msg_trace(struct chan *c, struct msg *m)
{
	struct p_session_trace	p;

	if (proto_get_session_trace(m, &p) == -1)
		return -1;
	switch (m->hdr.type) {
	case MSG_SESSION_TRACE_PUT:
		trace_put(m->hdr.peerid, &p, m->fd);
		break;
	case MSG_SESSION_TRACE_LIST:
		trace_list(m->hdr.peerid, &p);
		break;
	case MSG_SESSION_TRACE_GET:
		trace_get(m->hdr.peerid, &p);
		break;
	case MSG_SESSION_TRACE_DEL:
		trace_del(m->hdr.peerid, &p);
		break;
	case MSG_SESSION_REF_PUT:
		trace_ref_put(m->hdr.peerid, &p, m->fd);
		break;
	case MSG_SESSION_TRACE_END:
		trace_end(m->hdr.peerid, &p);
		break;
	}
	return 0;
}

/*
 * The audit daemon's answers to the rows sent, matched by peerid: the
 * request held for a row goes ahead on its ACK, and is refused on its
 * NACK (session_audit_done).
 */
static int
msg_audit(struct chan *c, struct msg *m)
{
	uint64_t	seq;
	uint32_t	why;

	if (m->hdr.peerid & TRACE_AUDIT_BIT)
		return trace_audit_msg(m);
	if (m->hdr.type == MSG_AUDIT_ACK) {
		if (proto_get_audit_ack(m, &seq) == -1)
			return -1;
		session_audit_done(m->hdr.peerid, 1);
		return 0;
	}
	if (proto_get_audit_nack(m, &why) == -1)
		return -1;
	log_warnx("audit refused session row %u (%u)", m->hdr.peerid, why);
	session_audit_done(m->hdr.peerid, 0);
	return 0;
}

/*
 * A revocation recorded: the sessions of that user, or opened under
 * that device or login, end at once.
 */
static int
msg_revoked(struct chan *c, struct msg *m)
{
	static const char *const kinds[] = { "?", "user", "device",
	    "login" };
	struct p_audit_revoked	r;
	int			n;

	if (proto_get_audit_revoked(m, &r) == -1)
		return -1;
	n = session_revoke(r.kind, r.id);
	log_info("%s %s revoked: %d sessions ending",
	    kinds[r.kind <= AUDIT_REVOKE_SESSION ? r.kind : 0], r.id, n);
	return 0;
}

/* Encode one reply; -1 when it could not be queued. */
static int
front_encode(struct chan *c, uint32_t reqid, const struct session_reply *r)
{
	switch (r->type) {
	case MSG_SESSION_OPENED:
		return proto_send_session_opened(c, reqid, &r->u.opened);
	case MSG_SESSION_ERROR:
		return proto_send_session_error(c, reqid, &r->u.error);
	case MSG_SESSION_ROW:
		return proto_send_session_row(c, reqid, &r->u.row);
	case MSG_SESSION_LIST_END:
		return proto_send_session_list_end(c, reqid, &r->u.count);
	case MSG_SESSION_EXEC_OK:
	case MSG_SESSION_PTY_OK:
	case MSG_SESSION_OK:
		return proto_send_session_handle(c, r->type, reqid, r->fd,
		    &r->u.handle);
	case MSG_SESSION_KILLED:
		return proto_send_session_killed(c, reqid, r->u.killed);
	case MSG_SESSION_PTY_EXIT:
		return proto_send_session_pty_exit(c, &r->u.pty_exit);
	}
	return -1;
}

/*
 * session_front_reply: the engine's reply function when it serves
 * messages: encode the reply for the front end's channel and send.
 */
void
session_front_reply(void *arg, uint32_t reqid, const struct session_reply *r)
{
	const struct session_wire	*w = arg;
	struct chan			*c;

	if ((c = w->chan()) == NULL || front_encode(c, reqid, r) == -1) {
		log_warnx("cannot send message %u to the front end", r->type);
		if (r->fd != -1)
			close(r->fd);
		return;
	}
	w->commit(c);
}
