/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Test harness: a session engine in a confined child, driven by messages. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/priv.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "proto/audit.h"
#include "sessiond/front.h"
#include "sessiond/trace.h"
#include "harness.h"

#define H_TIMEOUT_MS	60000
#define RUN_BUFSZ	(128 * 1024)

static void	host_cgroup_name(struct host *, const struct host_conf *);

/*
 * In the engine host.
 */

static struct chan	 eh_parent, eh_front, eh_audit;
static struct event	*eh_wev[3];
static int		 eh_confined;
static struct host_conf	 eh_conf;
static char		 eh_dir[4096];
static char		 eh_cgroup[64];

static struct chan *
eh_front_chan(void)
{
	return &eh_front;
}

static void
eh_commit(struct chan *c)
{
	if (chan_flush(c) == -1)
		_exit(3);
	if (chan_pending(c))
		event_add(eh_wev[c == &eh_front ? 1 : c == &eh_audit ? 2 : 0],
		    NULL);
}

static const struct session_wire eh_wire = { eh_front_chan, eh_commit };

static struct chan *
eh_audit_chan(void)
{
	return &eh_audit;
}

static uint32_t
eh_audit_row(void *arg, const struct p_audit_row *r)
{
	static uint32_t	seq;

	if (proto_send_audit_append(&eh_audit, ++seq, r) == -1)
		_exit(3);
	eh_commit(&eh_audit);
	return seq;
}

static void
eh_on_write(evutil_socket_t fd, short ev, void *arg)
{
	eh_commit(arg);
}

/* What setup() and child_confine() do in pccx-sessiond. */
static void
eh_confine(struct event_base *base)
{
	struct session_params	p;
	struct priv_spec	ps;

	if (session_conf_commit() == -1)
		fatalx("no configuration");
	memset(&p, 0, sizeof(p));
	p.dir = eh_dir;
	p.cgroup = eh_cgroup;
	p.no_cgroup2 = eh_conf.no_cgroup2;
	p.base = base;
	p.reply = session_front_reply;
	p.arg = (void *)&eh_wire;
	p.audit = eh_audit_row;
	p.audit_ms = eh_conf.audit_ms;
	if (session_engine_init(&p) == -1 ||
	    trace_init(eh_dir, base, &eh_wire, eh_audit_chan) == -1)
		fatalx("session_engine_init failed");
	if (!eh_conf.unconfined) {
		memset(&ps, 0, sizeof(ps));
		ps.root = eh_dir;
		ps.caps = caps_session;
		ps.ncaps = ncaps_session;
		priv_drop(&ps);
		sandbox_load(&sandbox_session, 1);
	}
	eh_confined = 1;
}

static void
eh_dispatch(struct chan *c, struct msg *m, struct event_base *base)
{
	const char	*why = "?";

	if (c == &eh_parent && m->hdr.type == MSG_CONF_END) {
		if (!eh_confined)
			eh_confine(base);
		else
			session_conf_commit();
		return;
	}
	if (msg_dispatch(session_rules, session_nrules, eh_confined ? ST_RUN :
	    ST_CONF, c, m, &why) == -1)
		fatalx("engine host: message %u: %s", m->hdr.type, why);
}

static void
eh_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct chan	*c = arg;
	struct msg	 m;
	ssize_t		 n;

	if ((n = chan_read(c)) == -1) {
		if (errno == EAGAIN)
			return;
		_exit(3);
	}
	if (n == 0) {
		session_engine_stop();
		_exit(0);
	}
	while (chan_get(c, &m) == MSG_OK)
		eh_dispatch(c, &m, event_get_base(eh_wev[0]));
}

static void __attribute__((noreturn))
host_main(int pfd, int ffd, int afd)
{
	struct event_base	*base;
	struct event		*ev[3];
	const char		*v = getenv("PCCX_TEST_VERBOSE");

	log_init("session", 1, v != NULL ? atoi(v) : 0);
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL ||
	    fd_nonblock(pfd) == -1 || fd_nonblock(ffd) == -1 ||
	    chan_init(&eh_parent, pfd, PROC_PARENT) == -1 ||
	    chan_init(&eh_front, ffd, PROC_FRONT) == -1 ||
	    fd_nonblock(afd) == -1 ||
	    chan_init(&eh_audit, afd, PROC_AUDIT) == -1)
		_exit(3);
	ev[0] = event_new(base, pfd, EV_READ | EV_PERSIST, eh_on_read,
	    &eh_parent);
	ev[1] = event_new(base, ffd, EV_READ | EV_PERSIST, eh_on_read,
	    &eh_front);
	eh_wev[0] = event_new(base, pfd, EV_WRITE, eh_on_write, &eh_parent);
	eh_wev[1] = event_new(base, ffd, EV_WRITE, eh_on_write, &eh_front);
	ev[2] = event_new(base, afd, EV_READ | EV_PERSIST, eh_on_read,
	    &eh_audit);
	eh_wev[2] = event_new(base, afd, EV_WRITE, eh_on_write, &eh_audit);
	event_add(ev[0], NULL);
	event_add(ev[1], NULL);
	event_add(ev[2], NULL);
	event_base_dispatch(base);
	_exit(3);
}

/*
 * In the test.
 */

static void
h_send_conf(struct host *h, int rv)
{
	if (rv == -1 || msg_flush_wait(&h->parent) == -1) {
		fprintf(stderr, "cannot configure the engine host\n");
		exit(1);
	}
}

static int	 pending_fds[3];
static int	 pending_set;

static void
host_prepare(struct host *h, const char *state, const struct host_conf *hc)
{
	struct p_session_conf_settings	s;
	int				pp[2], fp[2], ap[2];

	memset(h, 0, sizeof(*h));
	pccx_strlcpy(h->state, state, sizeof(h->state));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pp) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fp) == -1 ||
	    chan_init(&h->parent, pp[0], PROC_SESSION) == -1 ||
	    chan_init(&h->front, fp[0], PROC_SESSION) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ap) == -1 ||
	    fd_nonblock(ap[0]) == -1 ||
	    chan_init(&h->audit, ap[0], PROC_SESSION) == -1)
		exit(1);
	pending_fds[0] = pp[1];
	pending_fds[1] = fp[1];
	pending_fds[2] = ap[1];
	pending_set = 1;
	memset(&s, 0, sizeof(s));
	s.per_user = hc->per_user != 0 ? hc->per_user : 4;
	pccx_strlcpy(s.root, "/", sizeof(s.root));
	pccx_strlcpy(s.state_dir, state, sizeof(s.state_dir));
	h_send_conf(h, proto_send_session_settings(&h->parent, &s));
}

void
host_project(struct host *h, const char *name, const char *path,
    uint64_t memory, uint32_t cpu, uint32_t pids, uint32_t idle)
{
	struct p_session_conf_project	p;

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.name, name, sizeof(p.name));
	pccx_strlcpy(p.path, path, sizeof(p.path));
	p.memory = memory;
	p.cpu = cpu;
	p.pids = pids;
	p.idle_timeout = idle;
	h_send_conf(h, proto_send_session_project(&h->parent, &p));
}

void
host_member(struct host *h, const char *project, const char *user,
    const char *account, uint32_t uid, uint32_t gid)
{
	struct p_session_conf_member	m;

	memset(&m, 0, sizeof(m));
	pccx_strlcpy(m.project, project, sizeof(m.project));
	pccx_strlcpy(m.user, user, sizeof(m.user));
	pccx_strlcpy(m.account, account, sizeof(m.account));
	m.uid = uid;
	m.gid = gid;
	m.ngroups = 1;
	m.groups[0] = gid;
	m.role = 2;
	h_send_conf(h, proto_send_session_member(&h->parent, &m));
}

void
host_member_conf(struct host *h, const struct p_session_conf_member *m)
{
	h_send_conf(h, proto_send_session_member(&h->parent, m));
}

/* host_init: set up the channels and send the settings. */
void
host_init(struct host *h, const char *state, const struct host_conf *hc)
{
	host_prepare(h, state, hc);
}

static void	h_audit_pump(struct host *);

/* Wait for the reply to id: cb returns 1 when it was the last one. */
static int
h_wait(struct host *h, uint32_t id, int (*cb)(struct msg *, void *),
    void *arg, int ms)
{
	struct p_session_killed	*k;
	struct pollfd		 p[2];
	struct msg		 m;
	ssize_t			 n;
	uint64_t		 end = now_mono_ms() + ms;
	int			 rv;

	for (;;) {
		while ((rv = chan_get(&h->front, &m)) == MSG_OK) {
			if (m.hdr.peerid == id && cb(&m, arg))
				return 0;
			if (m.hdr.peerid != 0 || m.hdr.type !=
			    MSG_SESSION_KILLED || h->nunasked == 32)
				continue;
			if ((k = malloc(sizeof(*k))) == NULL)
				return -1;
			if (proto_get_session_killed(&m, k) == 0) {
				memcpy(h->unasked[h->nunasked], k->uuid,
				    SESSION_IDSZ);
				h->why[h->nunasked++] = k->reason;
			}
			free(k);
		}
		if (rv != MSG_EMORE)
			return -1;
		p[0].fd = h->front.fd;
		p[0].events = POLLIN;
		p[1].fd = h->audit.fd;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (now_mono_ms() >= end ||
		    poll(p, 2, end - now_mono_ms()) <= 0)
			return -1;
		if (p[1].revents & POLLIN)
			h_audit_pump(h);
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((n = chan_read(&h->front)) <= 0 && !(n == -1 &&
		    errno == EAGAIN))
			return -1;
	}
}

int
host_start(struct host *h, const char *state, const struct host_conf *hc)
{
	if (!pending_set)
		host_prepare(h, state, hc);
	host_cgroup_name(h, hc);
	snprintf(eh_dir, sizeof(eh_dir), "%s/session", state);
	pccx_strlcpy(eh_cgroup, h->cgroup, sizeof(eh_cgroup));
	eh_conf = *hc;
	if (mkdir(eh_dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if ((h->pid = fork()) == -1)
		return -1;
	if (h->pid == 0) {
		chan_clear(&h->parent);
		chan_clear(&h->front);
		chan_clear(&h->audit);
		host_main(pending_fds[0], pending_fds[1], pending_fds[2]);
	}
	close(pending_fds[0]);
	close(pending_fds[1]);
	close(pending_fds[2]);
	pending_set = 0;
	h_send_conf(h, proto_send_empty(&h->parent, MSG_CONF_END, 0));
	/* A LIST answered means the engine serves. */
	return h_list(h, NULL, NULL, 0, NULL);
}

void
host_reload(struct host *h, uint32_t per_user, const char *root,
    uint32_t keep)
{
	struct p_session_conf_settings	s;

	memset(&s, 0, sizeof(s));
	s.per_user = per_user;
	s.keep = keep;
	pccx_strlcpy(s.root, root != NULL ? root : "/", sizeof(s.root));
	pccx_strlcpy(s.state_dir, h->state, sizeof(s.state_dir));
	h_send_conf(h, proto_send_session_settings(&h->parent, &s));
}

int
host_commit(struct host *h)
{
	h_send_conf(h, proto_send_empty(&h->parent, MSG_CONF_END, 0));
	/* Answered in order: the reload is done once LIST is answered. */
	return h_list(h, NULL, NULL, 0, NULL);
}

int
host_stop(struct host *h)
{
	int		st = -1, i;

	if (h->pid <= 0)
		return -1;
	chan_clear(&h->front);
	chan_clear(&h->parent);
	chan_clear(&h->audit);
	for (i = 0; i < 3000; i++) {
		if (waitpid(h->pid, &st, WNOHANG) == h->pid)
			break;
		usleep(10000);
	}
	if (i == 3000) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, &st, 0);
	}
	h->pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void
host_crash(struct host *h)
{
	kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	h->pid = -1;
	chan_clear(&h->front);
	chan_clear(&h->parent);
	chan_clear(&h->audit);
}

int
h_revoke(struct host *h, const char *user)
{
	return h_revoke_kind(h, AUDIT_REVOKE_USER, user);
}

int
h_revoke_kind(struct host *h, int kind, const char *id)
{
	struct p_audit_revoked	r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	pccx_strlcpy(r.id, id, sizeof(r.id));
	if (proto_send_audit_revoked(&h->audit, &r) == -1)
		return -1;
	return msg_flush_wait(&h->audit);
}

/* The rows seen so far: action, outcome and object of each. */
static struct {
	char	action[AUDIT_ACTION_MAX];
	char	outcome[AUDIT_OUTCOME_MAX];
	char	object[SESSION_IDSZ];
	char	device[AUDIT_DEVICE_MAX];
}	rows[4096];
static int	nrows;
static uint64_t	audit_seq;

/*
 * Read the rows waiting and answer each as the audit daemon would,
 * in h->audit_answer's way: ACK, NACK, or nothing at all.
 */
static void
h_audit_pump(struct host *h)
{
	static struct p_audit_row	r;
	struct msg			m;
	int				answered = 0;

	while (chan_read(&h->audit) > 0)
		while (chan_get(&h->audit, &m) == MSG_OK) {
			if (m.hdr.type != MSG_AUDIT_APPEND ||
			    proto_get_audit_append(&m, &r) == -1)
				continue;
			if (h->audit_answer == H_AUDIT_ACK)
				answered += proto_send_audit_ack(&h->audit,
				    m.hdr.peerid, ++audit_seq) == 0;
			else if (h->audit_answer == H_AUDIT_NACK)
				answered += proto_send_audit_nack(&h->audit,
				    m.hdr.peerid, AUDIT_NACK_STORE) == 0;
			if (nrows == 4096)
				continue;
			pccx_strlcpy(rows[nrows].action, r.action,
			    sizeof(rows[nrows].action));
			pccx_strlcpy(rows[nrows].outcome, r.outcome,
			    sizeof(rows[nrows].outcome));
			pccx_strlcpy(rows[nrows].device, r.device,
			    sizeof(rows[nrows].device));
			pccx_strlcpy(rows[nrows++].object, r.object,
			    sizeof(rows[0].object));
		}
	if (answered > 0)
		(void)msg_flush_wait(&h->audit);
}

int
h_audit_count(struct host *h, const char *action, const char *outcome,
    const char *object)
{
	int	i, n = 0;

	h_audit_pump(h);
	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].action, action) == 0 &&
		    strcmp(rows[i].outcome, outcome) == 0 &&
		    (object == NULL || strcmp(rows[i].object, object) == 0))
			n++;
	return n;
}

static void
cg_clean_dir(const char *base)
{
	char		 path[4096 + 512], buf[4096];
	struct dirent	*de;
	DIR		*d;
	int		 fd, i;
	ssize_t		 n;

	if ((d = opendir(base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/cgroup.kill", base,
		    de->d_name);
		if ((fd = open(path, O_WRONLY)) != -1) {
			(void)!write(fd, "1", 1);
			close(fd);
		}
		snprintf(path, sizeof(path), "%s/%s/cgroup.procs", base,
		    de->d_name);
		for (i = 0; i < 200; i++) {
			if ((fd = open(path, O_RDONLY)) == -1)
				break;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				break;
			buf[n] = '\0';
			kill(atoi(buf), SIGKILL);
			usleep(5000);
		}
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		rmdir(path);
	}
	closedir(d);
	rmdir(base);
}

static char	cg_names[8][64];
static int	cg_nnames;

void
host_cgroups_clean(void)
{
	static const char *const h[] = { "memory", "cpu", "pids", "freezer",
	    "unified" };
	char	path[1024];
	size_t	i;
	int	n;

	for (n = 0; n < cg_nnames; n++)
		for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s",
			    h[i], cg_names[n]);
			cg_clean_dir(path);
		}
	cg_nnames = 0;
}

void
host_cgroup_track(const char *name)
{
	int	i;

	for (i = 0; i < cg_nnames; i++)
		if (strcmp(cg_names[i], name) == 0)
			return;
	if (cg_nnames < 8)
		pccx_strlcpy(cg_names[cg_nnames++], name, 64);
}

static void
host_cgroup_name(struct host *h, const struct host_conf *hc)
{
	if (hc->cgroup != NULL)
		pccx_strlcpy(h->cgroup, hc->cgroup, sizeof(h->cgroup));
	else
		snprintf(h->cgroup, sizeof(h->cgroup), "pccx-test-%d-%d",
		    (int)getpid(), cg_nnames);
	host_cgroup_track(h->cgroup);
}

void
host_hide(struct host *h, const char *path)
{
	struct p_session_path	p;

	pccx_strlcpy(p.path, path, sizeof(p.path));
	h_send_conf(h, proto_send_session_path(&h->parent,
	    MSG_SESSION_CONF_HIDE, &p));
}

static uint32_t
h_send(struct host *h, int rv)
{
	if (rv == -1 || msg_flush_wait(&h->front) == -1)
		return 0;
	return h->next;
}

struct reply {
	uint16_t		 want;
	void			*out;
	struct p_session_error	*err;
	int			 fd;
	int			 rows, max, *n;
	int			 failed;
};

static int
cb_reply(struct msg *m, void *arg)
{
	struct reply	*r = arg;

	if (m->hdr.type == MSG_SESSION_ERROR) {
		r->failed = 1;
		if (r->err != NULL)
			proto_get_session_error(m, r->err);
		return 1;
	}
	if (m->hdr.type == MSG_SESSION_ROW) {
		if (r->out != NULL && r->rows < r->max)
			proto_get_session_row(m,
			    (struct p_session_row *)r->out + r->rows);
		r->rows++;
		return 0;
	}
	if (m->hdr.type != r->want) {
		r->failed = 1;
		return 1;
	}
	switch (m->hdr.type) {
	case MSG_SESSION_OPENED:
		r->failed = proto_get_session_opened(m, r->out) == -1;
		break;
	case MSG_SESSION_KILLED:
		r->failed = proto_get_session_killed(m, r->out) == -1;
		break;
	case MSG_SESSION_LIST_END:
		if (r->n != NULL)
			*r->n = r->rows;
		break;
	case MSG_SESSION_EXEC_OK:
	case MSG_SESSION_PTY_OK:
	case MSG_SESSION_OK:
		r->fd = m->fd;
		r->failed = proto_get_session_handle(m, r->out) == -1;
		break;
	}
	return 1;
}

static int
h_call(struct host *h, uint32_t id, struct reply *r, int ms)
{
	r->fd = -1;
	if (id == 0 || h_wait(h, id, cb_reply, r, ms) == -1)
		return -1;
	return r->failed ? -1 : 0;
}

static int
h_open_as(struct host *h, const struct p_session_open *o, char *uuid,
    struct p_session_error *err)
{
	struct p_session_opened	od;
	struct reply		 r = { .want = MSG_SESSION_OPENED,
	    .out = &od, .err = err };

	if (h_call(h, h_send(h, proto_send_session_open(&h->front, ++h->next,
	    o)), &r, H_TIMEOUT_MS) == -1)
		return -1;
	pccx_strlcpy(uuid, od.uuid, SESSION_IDSZ);
	return 0;
}

int
h_open(struct host *h, const char *user, const char *project, int mode,
    uint64_t memory, uint32_t cpu, uint32_t pids, char *uuid,
    struct p_session_error *err)
{
	struct p_session_open	o;

	memset(&o, 0, sizeof(o));
	pccx_strlcpy(o.user, user, sizeof(o.user));
	pccx_strlcpy(o.project, project, sizeof(o.project));
	o.uid = o.gid = SESSION_ANYID;
	o.mode = mode;
	o.memory = memory;
	o.cpu = cpu;
	o.pids = pids;
	return h_open_as(h, &o, uuid, err);
}

uint32_t
h_open_begin(struct host *h, const char *user, const char *project)
{
	struct p_session_open	o;

	memset(&o, 0, sizeof(o));
	pccx_strlcpy(o.user, user, sizeof(o.user));
	pccx_strlcpy(o.project, project, sizeof(o.project));
	o.uid = o.gid = SESSION_ANYID;
	o.mode = SESSION_MODE_DISCARD;
	return h_send(h, proto_send_session_open(&h->front, ++h->next, &o));
}

int
h_open_end(struct host *h, uint32_t id, char *uuid,
    struct p_session_error *err, int ms)
{
	struct p_session_opened	od;
	struct reply		 r = { .want = MSG_SESSION_OPENED,
	    .out = &od, .err = err };

	if (h_call(h, id, &r, ms) == -1)
		return -1;
	pccx_strlcpy(uuid, od.uuid, SESSION_IDSZ);
	return 0;
}

int
h_open_login(struct host *h, const char *user, const char *project,
    const char *device, const char *sid, char *uuid,
    struct p_session_error *err)
{
	struct p_session_open	o;

	memset(&o, 0, sizeof(o));
	pccx_strlcpy(o.user, user, sizeof(o.user));
	pccx_strlcpy(o.project, project, sizeof(o.project));
	pccx_strlcpy(o.device, device, sizeof(o.device));
	pccx_strlcpy(o.sid, sid, sizeof(o.sid));
	o.uid = o.gid = SESSION_ANYID;
	o.mode = SESSION_MODE_DISCARD;
	return h_open_as(h, &o, uuid, err);
}

int
h_kill(struct host *h, const char *uuid, const char *user, int mode,
    struct p_session_killed *k, struct p_session_error *err)
{
	struct p_session_ref	ref;
	struct reply		 r = { .want = MSG_SESSION_KILLED,
	    .out = k, .err = err };

	memset(&ref, 0, sizeof(ref));
	pccx_strlcpy(ref.uuid, uuid, sizeof(ref.uuid));
	pccx_strlcpy(ref.user, user, sizeof(ref.user));
	ref.mode = mode;
	return h_call(h, h_send(h, proto_send_session_kill(&h->front,
	    ++h->next, &ref)), &r, H_TIMEOUT_MS);
}

int
h_info(struct host *h, const char *uuid, const char *user,
    struct p_session_row *row, struct p_session_error *err)
{
	struct p_session_ref	ref;
	struct reply		 r = { .want = MSG_SESSION_LIST_END,
	    .out = NULL, .err = err };
	int			n = 0;

	memset(&ref, 0, sizeof(ref));
	pccx_strlcpy(ref.uuid, uuid, sizeof(ref.uuid));
	pccx_strlcpy(ref.user, user, sizeof(ref.user));
	r.out = row;
	r.max = 1;
	r.n = &n;
	if (h_call(h, h_send(h, proto_send_session_ref(&h->front,
	    MSG_SESSION_INFO, ++h->next, &ref)), &r, H_TIMEOUT_MS) == -1)
		return -1;
	return n == 1 ? 0 : -1;
}

int
h_list(struct host *h, const char *user, struct p_session_row *rows,
    int max, int *n)
{
	struct p_session_list	l;
	struct reply		 r = { .want = MSG_SESSION_LIST_END,
	    .out = rows, .err = NULL };

	memset(&l, 0, sizeof(l));
	if (user != NULL)
		pccx_strlcpy(l.user, user, sizeof(l.user));
	r.max = max;
	r.n = n;
	return h_call(h, h_send(h, proto_send_session_list(&h->front,
	    ++h->next, &l)), &r, H_TIMEOUT_MS);
}

int
h_exec_start(struct host *h, const char *uuid, const char *user,
    const char *cwd, char *const *argv, char *const *env,
    struct p_session_error *err)
{
	return h_exec_in(h, uuid, user, cwd, argv, env, NULL, 0, err);
}

int
h_exec_in(struct host *h, const char *uuid, const char *user,
    const char *cwd, char *const *argv, char *const *env, const char *in,
    size_t inlen, struct p_session_error *err)
{
	static struct p_session_exec	x;
	struct p_session_handle		hd;
	struct reply		 r = { .want = MSG_SESSION_EXEC_OK,
	    .out = &hd, .err = err };

	memset(&x, 0, offsetof(struct p_session_exec, argv));
	pccx_strlcpy(x.uuid, uuid, sizeof(x.uuid));
	pccx_strlcpy(x.user, user, sizeof(x.user));
	pccx_strlcpy(x.cwd, cwd, sizeof(x.cwd));
	for (x.argc = 0; argv[x.argc] != NULL; x.argc++)
		x.argv[x.argc] = argv[x.argc];
	x.argv[x.argc] = NULL;
	for (x.envc = 0; env != NULL && env[x.envc] != NULL; x.envc++)
		x.env[x.envc] = env[x.envc];
	x.env[x.envc] = NULL;
	x.in = (char *)in;
	x.inlen = inlen;
	if (h_call(h, h_send(h, proto_send_session_exec(&h->front,
	    MSG_SESSION_EXEC, ++h->next, -1, &x)), &r, H_TIMEOUT_MS) == -1)
		return -1;
	return r.fd;
}

int
h_pty(struct host *h, const char *uuid, const char *user, int rows,
    int cols, uint32_t *id, struct p_session_error *err)
{
	struct p_session_pty	p;
	struct p_session_handle	hd;
	struct reply		 r = { .want = MSG_SESSION_PTY_OK,
	    .out = &hd, .err = err };

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.uuid, uuid, sizeof(p.uuid));
	pccx_strlcpy(p.user, user, sizeof(p.user));
	p.rows = rows;
	p.cols = cols;
	if (h_call(h, h_send(h, proto_send_session_pty(&h->front,
	    MSG_SESSION_PTY, ++h->next, &p)), &r, H_TIMEOUT_MS) == -1)
		return -1;
	*id = hd.id;
	return r.fd;
}

int
h_resize(struct host *h, const char *uuid, const char *user, uint32_t id,
    int rows, int cols, struct p_session_error *err)
{
	struct p_session_pty	p;
	struct p_session_handle	hd;
	struct reply		 r = { .want = MSG_SESSION_OK,
	    .out = &hd, .err = err };

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.uuid, uuid, sizeof(p.uuid));
	pccx_strlcpy(p.user, user, sizeof(p.user));
	p.id = id;
	p.rows = rows;
	p.cols = cols;
	return h_call(h, h_send(h, proto_send_session_pty(&h->front,
	    MSG_SESSION_RESIZE, ++h->next, &p)), &r, H_TIMEOUT_MS);
}

static int
cb_none(struct msg *m, void *arg)
{
	return 0;
}

int
h_wait_unasked(struct host *h, const char *uuid, int ms, uint8_t *why)
{
	uint64_t	end = now_mono_ms() + ms;
	int		i;

	do {
		for (i = 0; i < h->nunasked; i++)
			if (strcmp(h->unasked[i], uuid) == 0) {
				*why = h->why[i];
				return 0;
			}
		h_wait(h, 0xffffffff, cb_none, NULL, 100);
	} while (now_mono_ms() < end);
	return -1;
}

static void
run_append(char **buf, size_t *len, const uint8_t *p, size_t n)
{
	char	*b;

	if ((b = realloc(*buf, *len + n + 1)) == NULL)
		abort();
	memcpy(b + *len, p, n);
	*len += n;
	b[*len] = '\0';
	*buf = b;
}

/* Read frames from fd into r; stop at text in stdout when asked. */
static int
run_frames(int fd, struct run *r, const char *text, int ms)
{
	uint8_t		*buf;
	struct pollfd	 p;
	uint64_t	 end = now_mono_ms() + ms;
	uint32_t	 len;
	uint8_t		 type;
	ssize_t		 n;
	int32_t		 v[2];

	if (r->rbuf == NULL && (r->rbuf = malloc(RUN_BUFSZ)) == NULL)
		return -1;
	buf = r->rbuf;
	for (;;) {
		while (r->have >= SESSION_FRAME_HDR) {
			if (session_frame_get(buf, &type, &len) == -1)
				return -1;
			if (r->have < SESSION_FRAME_HDR + len)
				break;
			if (type == SESSION_FRAME_EXIT) {
				memcpy(v, buf + SESSION_FRAME_HDR, 8);
				r->exited = 1;
				r->code = v[0];
				r->sig = v[1];
			} else if (type == SESSION_FRAME_STDOUT)
				run_append(&r->out, &r->outlen,
				    buf + SESSION_FRAME_HDR, len);
			else
				run_append(&r->err, &r->errlen,
				    buf + SESSION_FRAME_HDR, len);
			r->have -= SESSION_FRAME_HDR + len;
			memmove(buf, buf + SESSION_FRAME_HDR + len, r->have);
		}
		if (text != NULL && r->out != NULL && strstr(r->out, text))
			return 0;
		p.fd = fd;
		p.events = POLLIN;
		if (now_mono_ms() >= end ||
		    poll(&p, 1, end - now_mono_ms()) <= 0)
			return -1;
		if ((n = read(fd, buf + r->have, RUN_BUFSZ - r->have)) <= 0)
			return text == NULL && n == 0 ? 0 : -1;
		r->have += n;
	}
}

int
run_read(int fd, struct run *r, int ms)
{
	int	rv;

	rv = run_frames(fd, r, NULL, ms);
	close(fd);
	return rv;
}

int
run_until(int fd, struct run *r, const char *text, int ms)
{
	return run_frames(fd, r, text, ms);
}

void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	free(r->rbuf);
	memset(r, 0, sizeof(*r));
}

int
h_sh(struct host *h, const char *uuid, const char *user, const char *script,
    struct run *r)
{
	char *const	argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	int		fd;

	memset(r, 0, sizeof(*r));
	if ((fd = h_exec_start(h, uuid, user, "/project", argv, NULL,
	    NULL)) == -1)
		return -1;
	return run_read(fd, r, H_TIMEOUT_MS);
}
