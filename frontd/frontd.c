/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-frontd: the unprivileged HTTP front end and its messages. */

#include <string.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "proto/audit.h"
#include "authgate.h"
#include "events.h"
#include "frontd.h"
#include "server.h"
#include "sessions.h"
#include "traces.h"
#include "ws.h"

extern const struct sandbox_policy	sandbox_front;
extern const int			caps_front[];
extern const size_t			ncaps_front;

static struct {
	int	fd;
	int	tls;
	int	kind;
	char	name[PROTO_NAMEMAX];
}			listeners[PROTO_MAXLISTEN];
static size_t		nlisteners;
static struct p_limits	limits;
static int		have_limits;

static int	front_msg_limits(struct chan *, struct msg *);
static int	front_msg_listen(struct chan *, struct msg *);
static int	front_msg_status(struct chan *, struct msg *);
static int	front_msg_session(struct chan *, struct msg *);

#define DAEMONS_MASK	(PROC_BIT(PROC_PARENT) | PROC_BIT(PROC_AUTH) | \
	PROC_BIT(PROC_TUNNEL) | PROC_BIT(PROC_SESSION) | PROC_BIT(PROC_AUDIT))

/*
 * Session replies: a uuid string, strings of at most n - 1 bytes; a
 * ROW has 54 bytes of numbers after its four strings.
 */
#define FROM_SESSION	PROC_BIT(PROC_SESSION)
#define SSTR(n)		(2 + (n) - 1)
#define SUUID		(2 + SESSION_UUIDLEN)
#define SROW_NUMS	54
/* A trace reply: "", an id (or "" in DONE), "", "", two u8, two u64. */
#define STRACE(i)	(2 + (i) + 2 + 2 + 2 + 16)

static const struct msg_rule front_rules[] = {
	{ MSG_CONF_LIMITS, PROC_BIT(PROC_PARENT), ST_ANY, MSG_FD_NEVER,
	    P_LIMITS_LEN, P_LIMITS_LEN, front_msg_limits },
	{ MSG_CONF_LISTEN, PROC_BIT(PROC_PARENT), ST_CONF, MSG_FD_MUST,
	    4, 4 + PROTO_NAMEMAX, front_msg_listen },
	{ MSG_STATUS, DAEMONS_MASK, ST_RUN, MSG_FD_NEVER,
	    P_STATUS_LEN, P_STATUS_LEN, front_msg_status },
	{ MSG_AUTH_ALLOW, PROC_BIT(PROC_AUTH), ST_RUN, MSG_FD_NEVER,
	    P_AUTH_ALLOW_MIN, P_AUTH_ALLOW_MAX, authgate_msg },
	{ MSG_AUTH_REPLY, PROC_BIT(PROC_AUTH), ST_RUN, MSG_FD_NEVER,
	    9, 9 + AUTH_REPLYMAX, authgate_msg },
	{ MSG_AUDIT_EVENT, PROC_BIT(PROC_AUDIT), ST_RUN, MSG_FD_NEVER,
	    P_AUDIT_EVENT_MIN, P_AUDIT_EVENT_MAX, events_msg },
	{ MSG_AUDIT_SUBEND, PROC_BIT(PROC_AUDIT), ST_RUN, MSG_FD_NEVER,
	    5, 5, events_msg },
	{ MSG_SESSION_OPENED, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    SUUID + 8, SUUID + 8, sessions_msg },
	{ MSG_SESSION_ERROR, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    4 + 2, 4 + SSTR(PROTO_STRMAX), front_msg_session },
	{ MSG_SESSION_ROW, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    SUUID + 3 * 2 + SROW_NUMS,
	    SUUID + 3 * SSTR(PROTO_NAMEMAX) + SROW_NUMS, sessions_msg },
	{ MSG_SESSION_LIST_END, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    4, 4, front_msg_session },
	{ MSG_SESSION_EXEC_OK, FROM_SESSION, ST_RUN, MSG_FD_MUST,
	    SUUID + 4, SUUID + 4, sessions_msg },
	{ MSG_SESSION_PTY_OK, FROM_SESSION, ST_RUN, MSG_FD_MUST,
	    SUUID + 4, SUUID + 4, sessions_msg },
	{ MSG_SESSION_OK, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    SUUID + 4, SUUID + 4, sessions_msg },
	{ MSG_SESSION_KILLED, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    SUUID + 4 + 12 + 2, MSG_MAXPAYLOAD, sessions_msg },
	{ MSG_SESSION_PTY_EXIT, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    SUUID + 12, SUUID + 12, sessions_pty_exit },
	{ MSG_SESSION_TRACE_STREAM, FROM_SESSION, ST_RUN, MSG_FD_MUST,
	    STRACE(SUUID), STRACE(SUUID), traces_msg },
	{ MSG_SESSION_TRACE_ROW, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    STRACE(SUUID), STRACE(SUUID), traces_msg },
	{ MSG_SESSION_TRACE_DATA, FROM_SESSION, ST_RUN, MSG_FD_MUST,
	    STRACE(SUUID), STRACE(SUUID), traces_msg },
	{ MSG_SESSION_TRACE_DONE, FROM_SESSION, ST_RUN, MSG_FD_NEVER,
	    STRACE(2), STRACE(SUUID), traces_msg },
};

static int
front_msg_limits(struct chan *c, struct msg *m)
{
	if (proto_get_limits(m, &limits) == -1)
		return -1;
	if (have_limits)
		server_set_limits(&limits);
	have_limits = 1;
	return 0;
}

static int
front_msg_listen(struct chan *c, struct msg *m)
{
	struct p_conf_listen	l;

	if (proto_get_conf_listen(m, &l) == -1 ||
	    nlisteners == PROTO_MAXLISTEN) {
		close(m->fd);
		return -1;
	}
	listeners[nlisteners].fd = m->fd;
	listeners[nlisteners].tls = l.tls;
	listeners[nlisteners].kind = l.kind;
	memcpy(listeners[nlisteners].name, l.addr, sizeof(l.addr));
	nlisteners++;
	return 0;
}

static int
front_msg_status(struct chan *c, struct msg *m)
{
	struct p_status	st;

	if (proto_get_status(m, &st) == -1)
		return -1;
	health_on_status(c->peer, m->hdr.peerid, &st);
	return 0;
}

/* ERROR and LIST_END answer a session or a trace request, by peer id. */
static int
front_msg_session(struct chan *c, struct msg *m)
{
	if (m->hdr.peerid & TRACES_ID_BIT)
		return traces_msg(c, m);
	return sessions_msg(c, m);
}

static int
front_setup(void)
{
	size_t	i;

	if (!have_limits || nlisteners == 0) {
		log_warnx("no limits or no listener configured");
		return -1;
	}
	for (i = 0; i < nlisteners; i++)
		if (listeners[i].tls)
			return tls_setup();
	return 0;
}

/* Confined now: start accepting on the sockets the parent bound. */
static int
front_serve(void)
{
	size_t	i;

	server_init(child_base());
	server_set_limits(&limits);
	server_count_upgraded(ws_count);
	routes_install();
	health_init();
	for (i = 0; i < nlisteners; i++) {
		if (server_listen(listeners[i].fd, listeners[i].kind,
		    listeners[i].tls, listeners[i].name) == -1)
			return -1;
		log_info("listening on %s", listeners[i].name);
	}
	return 0;
}

static const struct child_role front_role = {
	.proc = PROC_FRONT,
	.caps = caps_front,
	.policy = &sandbox_front,
	.rules = front_rules,
	.nrules = sizeof(front_rules) / sizeof(front_rules[0]),
	.setup = front_setup,
	.serve = front_serve,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = front_role;

	r.ncaps = ncaps_front;
	child_main(&r, argc, argv);
}
