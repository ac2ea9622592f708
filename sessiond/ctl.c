/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The daemon's end of a session init's channel; the init is not trusted. */

#include <errno.h>
#include <event2/event.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "sessiond/engine.h"

static void	ctl_on_read(evutil_socket_t, short, void *);
static void	ctl_on_write(evutil_socket_t, short, void *);

/* ctl_attach: s's channel to its init-to-be; 0 or -1. */
int
ctl_attach(struct session *s, int fd)
{
	if (fd_nonblock(fd) == -1 || chan_init(&s->ctl, fd,
	    PROC_SESSION) == -1) {
		close(fd);
		return -1;
	}
	s->ev_ctl = event_new(eng.base, fd, EV_READ | EV_PERSIST,
	    ctl_on_read, s);
	s->ev_ctlw = event_new(eng.base, fd, EV_WRITE, ctl_on_write, s);
	if (s->ev_ctl == NULL || s->ev_ctlw == NULL ||
	    event_add(s->ev_ctl, NULL) == -1)
		fatal("event");
	s->ctl_live = 1;
	return 0;
}

/* ctl_detach: close the channel; the init exits when it sees that. */
void
ctl_detach(struct session *s)
{
	if (!s->ctl_live)
		return;
	event_free(s->ev_ctl);
	event_free(s->ev_ctlw);
	s->ev_ctl = s->ev_ctlw = NULL;
	chan_clear(&s->ctl);
	s->ctl_live = 0;
}

static int
ctl_commit(struct session *s)
{
	if (chan_flush(&s->ctl) == -1)
		return -1;
	if (chan_pending(&s->ctl))
		event_add(s->ev_ctlw, NULL);
	return 0;
}

static void
ctl_on_write(evutil_socket_t fd, short ev, void *arg)
{
	struct session	*s = arg;

	if (ctl_commit(s) == -1)
		ctl_detach(s);
}

/* ctl_item: the exec or pty id of s, or NULL. */
struct sess_item *
ctl_item(struct session *s, uint32_t id)
{
	int	i;

	for (i = 0; i < s->nitems; i++)
		if (s->items[i].id == id)
			return &s->items[i];
	return NULL;
}

/* ctl_item_drop: forget an exec or pty, closing what it held. */
void
ctl_item_drop(struct session *s, struct sess_item *it)
{
	if (it->slavefd != -1)
		close(it->slavefd);
	*it = s->items[--s->nitems];
}

/* ctl_exec: hand an exec to the init with the client's stream end. */
int
ctl_exec(struct session *s, uint32_t id, const struct p_session_exec *x,
    int fd)
{
	static struct p_session_exec	y;

	if (!s->ctl_live)
		return -1;
	memcpy(y.cwd, x->cwd, sizeof(y.cwd));
	memcpy(y.argv, x->argv, sizeof(y.argv));
	memcpy(y.env, x->env, sizeof(y.env));
	y.argc = x->argc;
	y.envc = x->envc;
	y.in = x->in;
	y.inlen = x->inlen;
	y.id = id;
	if (proto_send_session_exec(&s->ctl, MSG_SESSION_I_EXEC, 0, fd,
	    &y) == -1)
		return -1;
	return ctl_commit(s);
}

/* ctl_pty: ask the init for a pty; the reply comes as I_PTY_OK. */
int
ctl_pty(struct session *s, uint32_t id, const struct p_session_pty *p)
{
	struct p_session_pty	q = *p;

	if (!s->ctl_live)
		return -1;
	q.id = id;
	if (proto_send_session_pty(&s->ctl, MSG_SESSION_I_PTY, 0, &q) == -1)
		return -1;
	return ctl_commit(s);
}

/* ctl_resize: pass a new window size to the init. */
int
ctl_resize(struct session *s, const struct p_session_pty *p)
{
	if (!s->ctl_live ||
	    proto_send_session_pty(&s->ctl, MSG_SESSION_I_RESIZE, 0, p) == -1)
		return -1;
	return ctl_commit(s);
}

/* The init broke its protocol: it is the user's now, end the session. */
static void
ctl_hostile(struct session *s, struct msg *m, const char *why)
{
	if (m != NULL && m->fd != -1)
		close(m->fd);
	log_warnx("session %s: init sent %s%u: %s", s->uuid,
	    m != NULL ? "message " : "bytes after message ",
	    m != NULL ? m->hdr.type : (unsigned int)s->ctl.nin, why);
	if (s->state == SESSION_ST_OPENING && s->open_reqid != 0) {
		sess_error(s->open_reqid, SESSION_E_INTERNAL,
		    "session set-up failed");
		s->open_reqid = 0;
	}
	end_session(s, SESSION_WHY_FAILED, SESSION_MODE_DEFAULT, 0);
}

static int
ctl_set_up(struct session *s, struct msg *m)
{
	struct p_session_fail	f;

	if (s->state != SESSION_ST_OPENING || s->ready || m->fd != -1)
		return -1;
	if (m->hdr.type == MSG_SESSION_I_READY) {
		if (proto_get_empty(m) == -1)
			return -1;
		s->ready = 1;
		sess_opened(s);
		return 0;
	}
	if (proto_get_session_fail(m, &f) == -1)
		return -1;
	log_warnx("session %s: set-up failed: %s", s->uuid, f.text);
	if (s->open_reqid != 0)
		sess_error(s->open_reqid, SESSION_E_INTERNAL,
		    "session set-up failed: %s", f.text);
	s->open_reqid = 0;
	end_session(s, SESSION_WHY_FAILED, SESSION_MODE_DISCARD, 0);
	return 0;
}

/* The front end holds the pty: it tells its client how the shell ended. */
static void
ctl_pty_exit(const struct session *s, const struct p_session_exit *e)
{
	struct session_reply	r;

	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_PTY_EXIT;
	r.fd = -1;
	pccx_strlcpy(r.u.pty_exit.uuid, s->uuid, sizeof(r.u.pty_exit.uuid));
	r.u.pty_exit.e = *e;
	sess_reply(0, &r);
}

static int
ctl_exit(struct session *s, struct msg *m)
{
	struct p_session_exit	 e;
	struct sess_item	*it;

	if (m->fd != -1 || proto_get_session_exit(m, &e) == -1 ||
	    (it = ctl_item(s, e.id)) == NULL)
		return -1;
	if (it->pty && it->reqid != 0)
		sess_error(it->reqid, SESSION_E_INTERNAL, "the shell ended");
	else if (it->pty)
		ctl_pty_exit(s, &e);
	log_debug("session %s: %s %u ended, status %d signal %d", s->uuid,
	    it->pty ? "pty" : "exec", e.id, e.code, e.sig);
	ctl_item_drop(s, it);
	sess_touch(s);
	return 0;
}

static int
ctl_pty_msg(struct session *s, struct msg *m)
{
	struct session_reply	 r;
	struct p_session_id	 p;
	struct sess_item	*it;

	if (proto_get_session_id(m, &p) == -1 ||
	    (it = ctl_item(s, p.id)) == NULL || !it->pty ||
	    (m->fd == -1) != (m->hdr.type == MSG_SESSION_I_PTY_FAIL))
		return -1;
	if (m->hdr.type == MSG_SESSION_I_PTY_SLAVE) {
		if (it->slavefd != -1)
			return -1;
		it->slavefd = m->fd;
		return 0;
	}
	if (it->reqid == 0)
		return -1;
	if (m->hdr.type == MSG_SESSION_I_PTY_FAIL) {
		sess_error(it->reqid, SESSION_E_INTERNAL,
		    "cannot open a pty: %s", strerror(p.err));
		ctl_item_drop(s, it);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_PTY_OK;
	r.fd = m->fd;
	pccx_strlcpy(r.u.handle.uuid, s->uuid, sizeof(r.u.handle.uuid));
	r.u.handle.id = it->id;
	sess_reply(it->reqid, &r);
	it->reqid = 0;
	return 0;
}

/* A log line from the init, which the user could write: few, marked. */
static int
ctl_log(struct session *s, struct msg *m)
{
	struct p_log	l;

	if (m->fd != -1 || proto_get_log(m, &l) == -1)
		return -1;
	if (s->nlogs++ < SESS_MAXLOGS)
		log_warnx("session %s: init: %s", s->uuid, l.text);
	return 0;
}

static int
ctl_dispatch(struct session *s, struct msg *m)
{
	if (s->state == SESSION_ST_ENDING) {
		if (m->fd != -1)
			close(m->fd);
		return 0;
	}
	switch (m->hdr.type) {
	case MSG_SESSION_I_READY:
	case MSG_SESSION_I_FAIL:
		return ctl_set_up(s, m);
	case MSG_SESSION_I_EXIT:
		return s->state == SESSION_ST_READY ? ctl_exit(s, m) : -1;
	case MSG_SESSION_I_PTY_OK:
	case MSG_SESSION_I_PTY_SLAVE:
	case MSG_SESSION_I_PTY_FAIL:
		return s->state == SESSION_ST_READY ? ctl_pty_msg(s, m) : -1;
	case MSG_LOG:
		return ctl_log(s, m);
	}
	return -1;
}

static void
ctl_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct session	*s = arg;
	struct msg	 m;
	ssize_t		 n;
	int		 rv;

	if ((n = chan_read(&s->ctl)) == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* The init is gone or going; its pidfd says when. */
		ctl_detach(s);
		return;
	}
	while (s->ctl_live && (rv = chan_get(&s->ctl, &m)) == MSG_OK)
		if (ctl_dispatch(s, &m) == -1) {
			ctl_hostile(s, &m, "unexpected here");
			return;
		}
	if (s->ctl_live && rv != MSG_EMORE)
		ctl_hostile(s, NULL, msg_errstr(rv));
}
