/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent's control socket: pccxctl asks, the parent answers. */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/auth.h"
#include "proto/tunnel.h"
#include "remoted.h"

#define CTL_MAXCONNS	8
#define CTL_TIMEOUT_MS	1000

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	uint32_t		 id;
	struct chan		 c;
	struct event		*rev;
	struct event		*wev;
	/* An outstanding status query: one reply per process. */
	uint32_t		 qid;
	int			 have[PROC_MAX];
	struct p_status		 st[PROC_MAX];
	struct event		*qtimer;
	int			 inread;	/* in ctl_on_read's loop */
	int			 dead;		/* close once it ends */
};

static TAILQ_HEAD(, ctl_conn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static int			 nconns;
static uint32_t			 next_id = 1;
static int			 ctl_fd = -1;
static struct event		*ctl_ev;
static char			 ctl_path[108];	/* sun_path */

static int	ctl_msg_status(struct chan *, struct msg *);
static int	ctl_msg_reload(struct chan *, struct msg *);

static const struct msg_rule ctl_rules[] = {
	{ MSG_CTL_STATUS, PROC_BIT(PROC_CTL), ST_ANY, MSG_FD_NEVER, 0, 0,
	    ctl_msg_status },
	{ MSG_CTL_RELOAD, PROC_BIT(PROC_CTL), ST_ANY, MSG_FD_NEVER, 0, 0,
	    ctl_msg_reload },
	/* Relayed to the auth daemon by ctl_auth.c. */
	{ MSG_AUTH_CTL_ENROL, PROC_BIT(PROC_CTL), ST_ANY, MSG_FD_NEVER, 4,
	    3 + PROTO_NAMEMAX, ctl_auth_relay },
	{ MSG_AUTH_CTL_REVOKE, PROC_BIT(PROC_CTL), ST_ANY, MSG_FD_NEVER, 4,
	    3 + PROTO_NAMEMAX, ctl_auth_relay },
	/* Relayed to the tunnel daemon by ctl_tunnel.c. */
	{ MSG_TUNNEL_SHOW, PROC_BIT(PROC_CTL), ST_ANY, MSG_FD_NEVER, 0, 0,
	    ctl_tunnel_relay },
};

static void
ctl_close(struct ctl_conn *cc)
{
	TAILQ_REMOVE(&conns, cc, entry);
	nconns--;
	event_free(cc->rev);
	event_free(cc->wev);
	if (cc->qtimer != NULL)
		event_free(cc->qtimer);
	chan_clear(&cc->c);
	free(cc);
}

/* Send what is queued; a broken peer is closed, after the read loop. */
static void
ctl_commit(struct ctl_conn *cc)
{
	if (chan_flush(&cc->c) == -1) {
		if (cc->inread)
			cc->dead = 1;
		else
			ctl_close(cc);
		return;
	}
	if (chan_pending(&cc->c))
		event_add(cc->wev, NULL);
}

static void
ctl_proc_row(struct ctl_conn *cc, int p)
{
	struct p_ctl_proc	 row;
	struct child		*ch = child_by_proc(p);

	memset(&row, 0, sizeof(row));
	pccx_strlcpy(row.name, proc_name(p), sizeof(row.name));
	pccx_strlcpy(row.user, ch != NULL ? ch->user : "root",
	    sizeof(row.user));
	if (cc->have[p])
		row.st = cc->st[p];
	else {
		row.st.pid = ch != NULL ? ch->pid : 0;
		row.st.state = PSTATE_DOWN;
	}
	proto_send_ctl_proc(&cc->c, &row);
}

/* Every child answered, or the time ran out: send the listing. */
static void
ctl_status_done(struct ctl_conn *cc)
{
	int	p;

	parent_status(&cc->st[PROC_PARENT]);
	cc->have[PROC_PARENT] = 1;
	for (p = PROC_PARENT; p <= PROC_AUDIT; p++)
		ctl_proc_row(cc, p);
	proto_send_empty(&cc->c, MSG_CTL_END, 0);
	cc->qid = 0;
	event_del(cc->qtimer);
	ctl_commit(cc);
}

static void
ctl_on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	ctl_status_done(arg);
}

static int
ctl_msg_status(struct chan *c, struct msg *m)
{
	struct ctl_conn	*cc = c->arg;
	struct timeval	 tv = { CTL_TIMEOUT_MS / 1000,
	    CTL_TIMEOUT_MS % 1000 * 1000 };
	struct child	*ch;
	int		 p;

	if (proto_get_empty(m) == -1 || cc->qid != 0)
		return -1;
	cc->qid = next_id++;
	memset(cc->have, 0, sizeof(cc->have));
	for (p = PROC_FRONT; p <= PROC_AUDIT; p++) {
		ch = child_by_proc(p);
		if (!ch->live ||
		    proto_send_empty(&ch->c, MSG_STATUS_REQ, cc->qid) == -1)
			continue;
		parent_commit(&ch->c);
	}
	evtimer_add(cc->qtimer, &tv);
	return 0;
}

static int
ctl_msg_reload(struct chan *c, struct msg *m)
{
	struct ctl_conn		*cc = c->arg;
	struct p_ctl_result	 res;

	if (proto_get_empty(m) == -1)
		return -1;
	memset(&res, 0, sizeof(res));
	res.code = remoted_reload(res.text, sizeof(res.text)) == 0 ? 0 : 1;
	if (proto_send_ctl_result(c, &res) == -1)
		return -1;
	ctl_commit(cc);
	return 0;
}

/*
 * control_on_status: a child's answer to a status query; queries are
 * told apart by peer id, so a late answer to an old one is dropped.
 */
void
control_on_status(int proc, uint32_t qid, const struct p_status *st)
{
	struct ctl_conn	*cc;
	int		 p, all = 1;

	TAILQ_FOREACH(cc, &conns, entry)
		if (cc->qid != 0 && cc->qid == qid)
			break;
	if (cc == NULL)
		return;
	cc->st[proc] = *st;
	cc->have[proc] = 1;
	for (p = PROC_FRONT; p <= PROC_AUDIT; p++)
		if (!cc->have[p])
			all = 0;
	if (all)
		ctl_status_done(cc);
}

static void
ctl_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_conn	*cc = arg;
	struct msg	 m;
	const char	*why;
	ssize_t		 n;
	int		 rv;

	if ((n = chan_read(&cc->c)) == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		ctl_close(cc);
		return;
	}
	cc->inread = 1;
	while (!cc->dead && (rv = chan_get(&cc->c, &m)) == MSG_OK) {
		if (msg_dispatch(ctl_rules, sizeof(ctl_rules) /
		    sizeof(ctl_rules[0]), ST_ANY, &cc->c, &m, &why) == -1) {
			if (m.fd != -1)
				close(m.fd);
			log_warnx("control: message %u: %s", m.hdr.type, why);
			ctl_close(cc);
			return;
		}
	}
	cc->inread = 0;
	if (cc->dead || rv != MSG_EMORE)
		ctl_close(cc);
}

static void
ctl_on_write(evutil_socket_t fd, short ev, void *arg)
{
	ctl_commit(arg);
}

/* Only root may talk to the parent, whatever the socket's mode says. */
static int
ctl_peer_is_root(int fd)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return 0;
	return cred.uid == 0;
}

static void
ctl_on_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct ctl_conn	*cc;
	int		 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1)
		return;
	if (!ctl_peer_is_root(fd) || nconns >= CTL_MAXCONNS ||
	    (cc = calloc(1, sizeof(*cc))) == NULL) {
		close(fd);
		return;
	}
	if (chan_init(&cc->c, fd, PROC_CTL) == -1) {
		close(fd);
		free(cc);
		return;
	}
	cc->id = next_id++;
	cc->c.arg = cc;
	cc->rev = event_new(env->base, fd, EV_READ | EV_PERSIST, ctl_on_read,
	    cc);
	cc->wev = event_new(env->base, fd, EV_WRITE, ctl_on_write, cc);
	cc->qtimer = evtimer_new(env->base, ctl_on_timeout, cc);
	TAILQ_INSERT_TAIL(&conns, cc, entry);
	nconns++;
	event_add(cc->rev, NULL);
}

/* control_init: listen on a fresh root-only socket at path. */
int
control_init(const char *path)
{
	struct sockaddr_un	sun;
	mode_t			old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (pccx_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("%s: control socket path too long", path);
		return -1;
	}
	pccx_strlcpy(ctl_path, path, sizeof(ctl_path));
	if ((ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("unlink %s", path);
	old = umask(077);
	if (bind(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("bind %s", path);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) == -1 || listen(ctl_fd, 8) == -1) {
		log_warn("%s", path);
		return -1;
	}
	ctl_ev = event_new(env->base, ctl_fd, EV_READ | EV_PERSIST,
	    ctl_on_accept, NULL);
	event_add(ctl_ev, NULL);
	return 0;
}

/* control_id: the id of the control connection behind channel c. */
uint32_t
control_id(struct chan *c)
{
	return ((struct ctl_conn *)c->arg)->id;
}

/*
 * control_reply: send a result to control connection id; -1 when
 * that connection has closed meanwhile.
 */
int
control_reply(uint32_t id, const struct p_ctl_result *res)
{
	struct ctl_conn	*cc;

	TAILQ_FOREACH(cc, &conns, entry)
		if (cc->id == id)
			break;
	if (cc == NULL || proto_send_ctl_result(&cc->c, res) == -1)
		return -1;
	ctl_commit(cc);
	return 0;
}

/*
 * control_chan: the channel of control connection id, or NULL when it
 * has gone; control_commit flushes what was queued on it.
 */
struct chan *
control_chan(uint32_t id)
{
	struct ctl_conn	*cc;

	TAILQ_FOREACH(cc, &conns, entry)
		if (cc->id == id)
			return &cc->c;
	return NULL;
}

void
control_commit(uint32_t id)
{
	struct ctl_conn	*cc;

	TAILQ_FOREACH(cc, &conns, entry)
		if (cc->id == id) {
			ctl_commit(cc);
			return;
		}
}

/* control_cleanup: remove the socket file on the way out. */
void
control_cleanup(void)
{
	if (ctl_fd != -1)
		unlink(ctl_path);
}
