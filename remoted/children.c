/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent's children: spawn the mesh, configure, supervise, stop. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/tunnel.h"
#include "config.h"
#include "remoted.h"

#define STOP_GRACE_MS	500

/* Who each child runs as, and the directory it is confined to. */
static const struct {
	const char	*user;		/* NULL: stays root */
	const char	*dir;		/* under the state directory */
	mode_t		 mode;
} roles[PROC_MAX] = {
	[PROC_FRONT] = { "_pccxfront", "empty", 0755 },
	[PROC_AUTH] = { "_pccxauth", "auth", 0700 },
	[PROC_TUNNEL] = { "_pccxtun", "tunnel", 0700 },
	[PROC_SESSION] = { NULL, "session", 0700 },
	[PROC_AUDIT] = { "_pccxaudit", "audit", 0700 },
};

/*
 * Each subsystem that needs more than the shared settings sends them
 * from remoted/conf_<subsystem>.c; a subsystem not built yet has none.
 */
void	conf_send_front(struct chan *, const struct config *, int)
	    __attribute__((weak));
void	conf_send_auth(struct chan *, const struct config *, int)
	    __attribute__((weak));
void	conf_send_tunnel(struct chan *, const struct config *, int)
	    __attribute__((weak));
void	conf_send_session(struct chan *, const struct config *, int)
	    __attribute__((weak));
void	conf_send_audit(struct chan *, const struct config *, int)
	    __attribute__((weak));

static void (*const conf_senders[PROC_MAX])(struct chan *,
    const struct config *, int) = {
	[PROC_FRONT] = conf_send_front,
	[PROC_AUTH] = conf_send_auth,
	[PROC_TUNNEL] = conf_send_tunnel,
	[PROC_SESSION] = conf_send_session,
	[PROC_AUDIT] = conf_send_audit,
};

static int	parent_msg_log(struct chan *, struct msg *);
static int	parent_msg_status(struct chan *, struct msg *);
static int	parent_msg_status_req(struct chan *, struct msg *);
static int	parent_msg_tunnel_wg(struct chan *, struct msg *);

/* wireguard-go of pccx-tunneld, ended here if the daemon is not. */
static int	wg_pidfd = -1;

#define CHILDREN_MASK	(PROC_BIT(PROC_FRONT) | PROC_BIT(PROC_AUTH) | \
	PROC_BIT(PROC_TUNNEL) | PROC_BIT(PROC_SESSION) | PROC_BIT(PROC_AUDIT))

/* What the parent accepts from its children. */
static const struct msg_rule parent_rules[] = {
	{ MSG_LOG, CHILDREN_MASK, ST_ANY, MSG_FD_NEVER,
	    3, 3 + PROTO_STRMAX, parent_msg_log },
	{ MSG_STATUS, CHILDREN_MASK, ST_ANY, MSG_FD_NEVER,
	    P_STATUS_LEN, P_STATUS_LEN, parent_msg_status },
	{ MSG_STATUS_REQ, PROC_BIT(PROC_FRONT), ST_ANY, MSG_FD_NEVER,
	    0, 0, parent_msg_status_req },
	{ MSG_CTL_RESULT, PROC_BIT(PROC_AUTH), ST_ANY, MSG_FD_NEVER,
	    6, 6 + PROTO_STRMAX, ctl_auth_result },
	/* pccxctl tunnel show, relayed by ctl_tunnel.c. */
	{ MSG_TUNNEL_PEER_INFO, PROC_BIT(PROC_TUNNEL), ST_ANY, MSG_FD_NEVER,
	    P_TUNNEL_INFO_MIN, P_TUNNEL_INFO_MAX, ctl_tunnel_info },
	{ MSG_CTL_END, PROC_BIT(PROC_TUNNEL), ST_ANY, MSG_FD_NEVER, 0, 0,
	    ctl_tunnel_end },
	{ MSG_TUNNEL_WG, PROC_BIT(PROC_TUNNEL), ST_ANY, MSG_FD_MUST, 0, 0,
	    parent_msg_tunnel_wg },
};

struct child *
child_by_proc(int p)
{
	if (p <= PROC_PARENT || p > PROC_AUDIT)
		return NULL;
	return &env->children[p];
}

void
parent_commit(struct chan *c)
{
	struct child	*ch = c->arg;

	if (chan_flush(c) == -1) {
		log_warn("write to %s", proc_name(c->peer));
		return;
	}
	if (chan_pending(c) && ch != NULL && ch->wev != NULL)
		event_add(ch->wev, NULL);
}

static int
parent_msg_tunnel_wg(struct chan *c, struct msg *m)
{
	if (proto_get_empty(m) == -1)
		return -1;
	if (wg_pidfd != -1)
		close(wg_pidfd);
	wg_pidfd = m->fd;
	m->fd = -1;
	return 0;
}

/* After the children: wireguard-go goes too, whatever became of them. */
static void
children_wg_end(void)
{
	if (wg_pidfd == -1)
		return;
	if (syscall(SYS_pidfd_send_signal, wg_pidfd, SIGTERM, NULL, 0) == 0)
		log_debug("wireguard-go told to end");
	close(wg_pidfd);
	wg_pidfd = -1;
}

static int
parent_msg_log(struct chan *c, struct msg *m)
{
	struct p_log	l;

	if (proto_get_log(m, &l) == -1)
		return -1;
	log_emit(l.pri, proc_name(c->peer), l.text);
	return 0;
}

static int
parent_msg_status(struct chan *c, struct msg *m)
{
	struct p_status	st;

	if (proto_get_status(m, &st) == -1)
		return -1;
	control_on_status(c->peer, m->hdr.peerid, &st);
	return 0;
}

static int
parent_msg_status_req(struct chan *c, struct msg *m)
{
	struct p_status	st;

	if (proto_get_empty(m) == -1)
		return -1;
	parent_status(&st);
	if (proto_send_status(c, m->hdr.peerid, &st) == -1)
		return -1;
	parent_commit(c);
	return 0;
}

void
parent_status(struct p_status *st)
{
	int	p;

	memset(st, 0, sizeof(*st));
	st->pid = getpid();
	st->uid = getuid();
	st->started = env->started;
	st->state = PSTATE_READY;
	for (p = PROC_FRONT; p <= PROC_AUDIT; p++) {
		st->nin += env->children[p].c.nin;
		st->nout += env->children[p].c.nout;
	}
}

/* A child that breaks the protocol is hostile: stop the suite. */
static void
parent_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*ch = arg;
	struct msg	 m;
	const char	*why;
	ssize_t		 n;
	int		 rv;

	if ((n = chan_read(&ch->c)) == -1 && errno == EAGAIN)
		return;
	if (n == -1 && errno != ECONNRESET) {
		/* too many descriptors, cut control data: hostile */
		log_warnx("%s: read: %s", proc_name(ch->proc),
		    strerror(errno));
		children_stop();
		exit(1);
	}
	if (n <= 0) {
		/* The exit itself is reported by the SIGCHLD handler. */
		event_del(ch->rev);
		return;
	}
	while ((rv = chan_get(&ch->c, &m)) == MSG_OK) {
		if (msg_dispatch(parent_rules, sizeof(parent_rules) /
		    sizeof(parent_rules[0]), ST_ANY, &ch->c, &m, &why) == 0)
			continue;
		if (m.fd != -1)
			close(m.fd);
		log_warnx("%s sent message %u: %s", proc_name(ch->proc),
		    m.hdr.type, why);
		children_stop();
		exit(1);
	}
	if (rv != MSG_EMORE) {
		log_warnx("%s: %s", proc_name(ch->proc), msg_errstr(rv));
		children_stop();
		exit(1);
	}
}

static void
parent_on_write(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*ch = arg;

	parent_commit(&ch->c);
}

/* Look up a role's user and make its directory, owned as it needs. */
static void
child_prepare(struct child *ch)
{
	struct passwd	*pw;
	char		 path[PATH_MAX];
	struct stat	 st;

	ch->user = roles[ch->proc].user ? roles[ch->proc].user : "root";
	if ((pw = getpwnam(ch->user)) == NULL)
		fatalx("user %s does not exist (make install creates it)",
		    ch->user);
	ch->uid = pw->pw_uid;
	ch->gid = pw->pw_gid;
	if (snprintf(path, sizeof(path), "%s/%s", env->conf->state_dir,
	    roles[ch->proc].dir) >= (int)sizeof(path))
		fatalx("state directory path too long");
	if (mkdir(path, roles[ch->proc].mode) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		fatalx("%s: not a directory", path);
	/* The front end's root is empty and not its own to write. */
	if (ch->proc == PROC_FRONT) {
		if (chown(path, 0, 0) == -1 || chmod(path, 0755) == -1)
			fatal("%s", path);
	} else if (chown(path, ch->uid, ch->gid) == -1 ||
	    chmod(path, roles[ch->proc].mode) == -1)
		fatal("%s", path);
	pccx_strlcpy(ch->root, path, sizeof(ch->root));
}

/* In the new process: put each channel at its fixed slot and exec. */
static void __attribute__((noreturn))
child_exec(int proc, int sp[PROC_MAX][PROC_MAX], const char *dir)
{
	char	 path[PATH_MAX];
	char	*argv[2];
	int	 tmp[PROC_MAX], q, nullfd;

	for (q = 0; q < PROC_MAX; q++) {
		tmp[q] = -1;
		if (sp[proc][q] != -1 &&
		    (tmp[q] = fcntl(sp[proc][q], F_DUPFD_CLOEXEC, 64)) == -1)
			_exit(127);
	}
	for (q = 0; q <= PROC_AUDIT; q++) {
		if (tmp[q] == -1)
			continue;
		if (dup2(tmp[q], PROC_FD(q)) == -1)
			_exit(127);
	}
	if ((nullfd = open("/dev/null", O_RDWR)) != -1) {
		dup2(nullfd, STDIN_FILENO);
		if (nullfd > STDERR_FILENO && nullfd < PROC_FD(0))
			close(nullfd);
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, proc_binary(proc)) >=
	    (int)sizeof(path))
		_exit(127);
	argv[0] = (char *)proc_binary(proc);
	argv[1] = NULL;
	execv(path, argv);
	_exit(127);
}

/* The directory this binary lives in: the children live beside it. */
static void
self_dir(char *dir, size_t size)
{
	ssize_t	 n;
	char	*slash;

	if ((n = readlink("/proc/self/exe", dir, size - 1)) == -1)
		fatal("readlink /proc/self/exe");
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		fatalx("cannot find my own directory");
	*slash = '\0';
}

static void
mesh_create(int sp[PROC_MAX][PROC_MAX])
{
	int	a, b, fds[2];

	for (a = 0; a < PROC_MAX; a++)
		for (b = 0; b < PROC_MAX; b++)
			sp[a][b] = -1;
	for (a = 0; a <= PROC_AUDIT; a++)
		for (b = a + 1; b <= PROC_AUDIT; b++) {
			if (!proc_linked(a, b))
				continue;
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			    fds) == -1)
				fatal("socketpair");
			sp[a][b] = fds[0];
			sp[b][a] = fds[1];
		}
}

static void
child_attach(struct child *ch, int fd)
{
	if (fd_nonblock(fd) == -1 || chan_init(&ch->c, fd, ch->proc) == -1)
		fatal("channel to %s", proc_name(ch->proc));
	ch->c.arg = ch;
	ch->rev = event_new(env->base, fd, EV_READ | EV_PERSIST,
	    parent_on_read, ch);
	ch->wev = event_new(env->base, fd, EV_WRITE, parent_on_write, ch);
	if (ch->rev == NULL || ch->wev == NULL)
		fatal("event_new");
	event_add(ch->rev, NULL);
	ch->live = 1;
}

/*
 * children_start: make the socketpair mesh, fork and exec every child
 * with its channels on fixed descriptors, and keep the parent's ends.
 */
void
children_start(void)
{
	int		 sp[PROC_MAX][PROC_MAX], p, q;
	char		 dir[PATH_MAX];
	struct child	*ch;

	self_dir(dir, sizeof(dir));
	mesh_create(sp);
	for (p = PROC_FRONT; p <= PROC_AUDIT; p++) {
		ch = &env->children[p];
		ch->proc = p;
		child_prepare(ch);
		switch (ch->pid = fork()) {
		case -1:
			fatal("fork");
		case 0:
			child_exec(p, sp, dir);
		}
	}
	for (p = 0; p < PROC_MAX; p++)
		for (q = 0; q < PROC_MAX; q++) {
			if (sp[p][q] == -1)
				continue;
			if (p == PROC_PARENT)
				child_attach(&env->children[q], sp[p][q]);
			else
				close(sp[p][q]);
		}
}

static void
child_send_key(struct child *ch, const char *name)
{
	struct p_conf_key	 k;
	int			 fd;

	if ((fd = keys_fd(name)) == -1)
		fatalx("no %s key", name);
	pccx_strlcpy(k.name, name, sizeof(k.name));
	if (proto_send_conf_key(&ch->c, fd, &k) == -1)
		fatalx("send key");
}

/* The signing keys, and the front end's certificate and its key. */
static void
child_send_keys(struct child *ch)
{
	if (ch->proc == PROC_AUTH)
		child_send_key(ch, "token");
	else if (ch->proc == PROC_AUDIT)
		child_send_key(ch, "audit");
	else if (ch->proc == PROC_FRONT && env->conf->tls_key[0] != '\0') {
		child_send_key(ch, "tls");
		child_send_key(ch, "tls-cert");
	}
}

static void
child_send_listeners(struct child *ch)
{
	struct listen_addr	*la;
	struct p_conf_listen	 l;

	TAILQ_FOREACH(la, &env->conf->listens, entry) {
		memset(&l, 0, sizeof(l));
		l.tls = la->tls;
		l.kind = la->public ? LISTEN_PUBLIC : la->tunnel ?
		    LISTEN_TUNNEL : LISTEN_ANY;
		snprintf(l.addr, sizeof(l.addr), "%s:%u", la->addr,
		    la->port);
		if (proto_send_conf_listen(&ch->c, la->fd, &l) == -1)
			fatalx("send listener");
		la->fd = -1;	/* closed once sent */
	}
}

/*
 * children_configure: send each child its configuration; the first
 * time also its privileges, keys and sockets, after which it confines
 * itself.  On a reload only what may change is sent.
 */
void
children_configure(int first)
{
	struct p_conf_priv	 pr;
	struct child		*ch;
	int			 p;

	for (p = PROC_FRONT; p <= PROC_AUDIT; p++) {
		ch = &env->children[p];
		if (first) {
			memset(&pr, 0, sizeof(pr));
			pr.uid = ch->uid;
			pr.gid = ch->gid;
			pr.verbose = env->verbose;
			pr.seccomp_debug = env->conf->seccomp_debug;
			pccx_strlcpy(pr.root, ch->root, sizeof(pr.root));
			if (proto_send_conf_priv(&ch->c, &pr) == -1)
				fatalx("send privileges");
			child_send_keys(ch);
		}
		if (p == PROC_FRONT) {
			if (first)
				child_send_listeners(ch);
			if (proto_send_limits(&ch->c, &env->conf->limits) == -1)
				fatalx("send limits");
		}
		if (conf_senders[p] != NULL)
			conf_senders[p](&ch->c, env->conf, first);
		if (proto_send_empty(&ch->c, MSG_CONF_END, 0) == -1)
			fatalx("send end of configuration");
		parent_commit(&ch->c);
	}
}

static const char *
exit_text(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %s",
		    sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "unknown");
	else
		snprintf(buf, size, "exited with status %d",
		    WEXITSTATUS(status));
	return buf;
}

static struct child *
child_by_pid(pid_t pid)
{
	int	p;

	for (p = PROC_FRONT; p <= PROC_AUDIT; p++)
		if (env->children[p].pid == pid)
			return &env->children[p];
	return NULL;
}

/* A child that ended only because a peer went away is not the cause. */
static int
exit_is_echo(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == CHILD_EXIT_PEER;
}

/* Reap what has exited; return the child that went first, if any. */
static struct child *
children_collect(struct child *cause, int *cause_status)
{
	struct child	*ch;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((ch = child_by_pid(pid)) == NULL)
			continue;
		ch->lastpid = ch->pid;
		ch->pid = 0;
		if (cause == NULL || (exit_is_echo(*cause_status) &&
		    !exit_is_echo(status))) {
			cause = ch;
			*cause_status = status;
		}
	}
	return cause;
}

/*
 * children_reap: collect exited children.  Outside a shutdown the
 * death of any child is fatal for the whole suite: fail closed.  The
 * line logged names the child that died first, not the ones that
 * followed it when their channels closed: those are given a second
 * to be joined by the cause (a traced or many-threaded child can take
 * that long to be reported).
 */
void
children_reap(void)
{
	struct child	*cause;
	uint64_t	 deadline = now_mono_ms() + 1000;
	int		 status = 0;
	char		 why[64];

	cause = children_collect(NULL, &status);
	if (cause == NULL || env->stopping)
		return;
	while (exit_is_echo(status) && now_mono_ms() < deadline) {
		usleep(2000);
		cause = children_collect(cause, &status);
	}
	log_warnx("%s (pid %d) %s; stopping the suite",
	    proc_name(cause->proc), (int)cause->lastpid,
	    exit_text(status, why, sizeof(why)));
	children_stop();
	control_cleanup();
	exit(1);
}

static int
children_alive(void)
{
	int	p, n = 0;

	for (p = PROC_FRONT; p <= PROC_AUDIT; p++) {
		if (env->children[p].pid <= 0)
			continue;
		if (waitpid(env->children[p].pid, NULL, WNOHANG) ==
		    env->children[p].pid)
			env->children[p].pid = 0;
		else
			n++;
	}
	return n;
}

static void
children_signal(int sig)
{
	int	p;

	for (p = PROC_FRONT; p <= PROC_AUDIT; p++)
		if (env->children[p].pid > 0)
			kill(env->children[p].pid, sig);
}

/*
 * children_stop: ask every child to end, give them a moment, then
 * kill what is left and reap it all.
 */
void
children_stop(void)
{
	uint64_t	deadline;

	env->stopping = 1;
	children_signal(SIGTERM);
	deadline = now_mono_ms() + STOP_GRACE_MS;
	while (children_alive() > 0 && now_mono_ms() < deadline)
		usleep(5000);
	if (children_alive() > 0) {
		children_signal(SIGKILL);
		while (children_alive() > 0)
			usleep(1000);
	}
	children_wg_end();
}
