/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session helper: forked before confinement, it builds sessions. */

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/log.h"
#include "common/priv.h"
#include "common/util.h"
#include "sessiond/engine.h"

/*
 * Why a helper.  The session daemon confines itself after setup():
 * chroot into <state>/session and an allow-list seccomp filter.  A
 * seccomp filter outlives fork and execve, so every program a
 * session runs would be held to the daemon's list, which cannot be
 * the list a compiler, make, python or git need; and pivot_root
 * refuses a caller whose root is not a mount point, which a chroot
 * into a plain directory is not.  So setup() forks this helper
 * first.  It keeps the host's view of the filesystem (to reach the
 * root filesystem, the project trees, /dev and the cgroup mounts by
 * path, including projects added by a reload), stays uid 0 with the
 * capabilities building a sandbox takes, sets no_new_privs, and runs
 * under a deny-list filter written for user programs (filter.c).  It
 * takes messages from the daemon alone, over one socketpair, and
 * trusts nothing in them that it can check: uuids are checked before
 * any path is built from them.  Each session's init is its clone.
 * XXX: the helper starts as a copy of the daemon's memory; setup()
 * forks it first, before the daemon loads anything secret.
 */
static const int caps_helper[] = {
	CAP_CHOWN,		/* the user's home, the upper's owner */
	CAP_DAC_OVERRIDE,	/* project trees of any owner */
	CAP_FOWNER,		/* modes of the upper directory */
	CAP_KILL,		/* nothing yet; inits are its children */
	CAP_SETGID,		/* an init drops to the user's gid */
	CAP_SETUID,		/* and uid */
	/* loopback up in a new network namespace */
	CAP_NET_ADMIN,
	CAP_SYS_ADMIN,		/* namespaces, mounts, pivot_root */
};

#define HELPER_NSFLAGS	(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | \
	CLONE_NEWUTS | CLONE_NEWIPC)
#define HELPER_MAXHIDE	256

/* Host files no session may read, whatever the configuration says. */
static const char *const hide_always[] = {
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
	"/etc/pccx-remote", "/etc/sudoers", "/etc/sudoers.d", NULL
};

static struct {
	struct chan	 c;
	char		 root[PATH_MAX];
	char		*hide[HELPER_MAXHIDE + 1];
	size_t		 nhide;
	int		 overflow;	/* a path to hide had no room */
	int		 expanded;
	struct sock_fprog filter;	/* FILTER_USER, built once */
} hs;

static void	helper_main(int) __attribute__((noreturn));
static void	helper_on_read(evutil_socket_t, short, void *);
static void	helper_on_write(evutil_socket_t, short, void *);

/*
 * helper_start: fork the helper; called from session_engine_init,
 * before the daemon confines itself.  Returns 0, or -1.
 */
int
helper_start(void)
{
	int	sp[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pid == 0) {
		close(sp[0]);
		helper_main(sp[1]);
	}
	close(sp[1]);
	eng.helper_pid = pid;
	if (fd_nonblock(sp[0]) == -1 || chan_init(&eng.helper, sp[0],
	    PROC_SESSION) == -1)
		return -1;
	eng.ev_helper = event_new(eng.base, sp[0], EV_READ | EV_PERSIST,
	    helper_on_read, NULL);
	eng.ev_helperw = event_new(eng.base, sp[0], EV_WRITE,
	    helper_on_write, NULL);
	if (eng.ev_helper == NULL || eng.ev_helperw == NULL ||
	    event_add(eng.ev_helper, NULL) == -1)
		return -1;
	return 0;
}

static void
helper_commit(void)
{
	if (chan_flush(&eng.helper) == -1)
		fatal("session helper");
	if (chan_pending(&eng.helper))
		event_add(eng.ev_helperw, NULL);
}

static void
helper_on_write(evutil_socket_t fd, short ev, void *arg)
{
	helper_commit();
}

/*
 * helper_conf: send the configuration in force: the sessions' root
 * and the paths they must not see (the state directory, every
 * project tree, what the configuration hides).
 */
void
helper_conf(void)
{
	struct p_session_path	p;
	const char		*h;
	size_t			 i;

	pccx_strlcpy(p.path, sess_conf_root(), sizeof(p.path));
	if (proto_send_session_path(&eng.helper, MSG_SESSION_H_RESET,
	    &p) == -1)
		fatalx("session helper: queue full");
	for (i = 0; (h = sess_conf_hidden(i)) != NULL; i++) {
		pccx_strlcpy(p.path, h, sizeof(p.path));
		if (proto_send_session_path(&eng.helper, MSG_SESSION_H_HIDE,
		    &p) == -1)
			fatalx("session helper: queue full");
	}
	helper_commit();
}

/* helper_build: ask for a session; ctlfd is its init's end, sent. */
int
helper_build(struct session *s, int ctlfd, uint64_t tmpsize)
{
	struct p_session_build	b;

	memset(&b, 0, sizeof(b));
	pccx_strlcpy(b.uuid, s->uuid, sizeof(b.uuid));
	b.uid = s->uid;
	b.gid = s->gid;
	b.ngroups = s->ngroups;
	memcpy(b.groups, s->groups, sizeof(b.groups));
	pccx_strlcpy(b.account, s->account, sizeof(b.account));
	pccx_strlcpy(b.path, s->path, sizeof(b.path));
	b.tmpsize = tmpsize;
	if (proto_send_session_build(&eng.helper, ctlfd, &b) == -1)
		return -1;
	helper_commit();
	return 0;
}

/* helper_stop: close the channel and reap the helper. */
void
helper_stop(void)
{
	int	st;

	if (eng.helper_pid <= 0)
		return;
	event_del(eng.ev_helper);
	event_del(eng.ev_helperw);
	msg_flush_wait(&eng.helper);
	chan_clear(&eng.helper);
	while (waitpid(eng.helper_pid, &st, 0) == -1 && errno == EINTR)
		;
	eng.helper_pid = -1;
}

/* A log record the helper forwarded; it is the daemon's own code. */
static void
helper_log(struct msg *m)
{
	struct p_log	l;

	if (proto_get_log(m, &l) == -1)
		fatalx("session helper: bad log record");
	if (l.pri <= LOG_WARNING)
		log_warnx("session helper: %s", l.text);
	else if (l.pri == LOG_INFO)
		log_info("session helper: %s", l.text);
	else
		log_debug("session helper: %s", l.text);
}

static void
helper_built(struct msg *m)
{
	struct p_session_built	 b;
	struct session		*s;

	if (m->fd == -1 || proto_get_session_built(m, &b) == -1)
		fatalx("session helper: bad %s message",
		    m->hdr.type == MSG_SESSION_H_BUILT ? "built" : "tree");
	if ((s = sess_find(b.uuid)) == NULL || s->dead) {
		close(m->fd);
		return;
	}
	if (m->hdr.type == MSG_SESSION_H_TREE) {
		s->treefd = m->fd;
		s->tree = 1;
		sess_opened(s);
		return;
	}
	s->pid = b.pid;
	s->pidfd = m->fd;
	s->built = 1;
	end_on_built(s);
}

static void
helper_failed(struct msg *m)
{
	struct p_session_fail	 f;
	struct session		*s;

	if (m->fd != -1 || proto_get_session_fail(m, &f) == -1)
		fatalx("session helper: bad failure message");
	if ((s = sess_find(f.uuid)) == NULL)
		return;
	log_warnx("session %s: cannot build: %s", s->uuid, f.text);
	if (s->open_reqid != 0) {
		sess_error(s->open_reqid, SESSION_E_INTERNAL,
		    "cannot build the session: %s", f.text);
		s->open_reqid = 0;
	}
	end_on_failed(s);
}

static void
helper_dispatch(struct msg *m)
{
	switch (m->hdr.type) {
	case MSG_LOG:
		if (m->fd != -1)
			fatalx("session helper: descriptor with a log record");
		helper_log(m);
		break;
	case MSG_SESSION_H_BUILT:
	case MSG_SESSION_H_TREE:
		helper_built(m);
		break;
	case MSG_SESSION_H_FAIL:
		helper_failed(m);
		break;
	default:
		fatalx("session helper sent message %u", m->hdr.type);
	}
}

static void
helper_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct msg	m;
	ssize_t		n;
	int		rv;

	if ((n = chan_read(&eng.helper)) == -1) {
		if (errno == EAGAIN)
			return;
		fatal("session helper");
	}
	if (n == 0) {
		if (eng.stopping)
			return;
		fatalx("session helper exited");
	}
	while ((rv = chan_get(&eng.helper, &m)) == MSG_OK)
		helper_dispatch(&m);
	if (rv != MSG_EMORE)
		fatalx("session helper: %s", msg_errstr(rv));
}

/*
 * In the helper from here on.
 */

static void
hs_hide_clear(void)
{
	size_t	i;

	for (i = 0; i < hs.nhide; i++)
		free(hs.hide[i]);
	hs.nhide = 0;
	hs.hide[0] = NULL;
	hs.expanded = 0;
	hs.overflow = 0;
}

static void
hs_hide_add(const char *path)
{
	if (hs.nhide == HELPER_MAXHIDE) {
		if (!hs.overflow)
			log_warnx("more than %d paths to hide: no session "
			    "is built", HELPER_MAXHIDE);
		hs.overflow = 1;
		return;
	}
	if ((hs.hide[hs.nhide] = strdup(path)) == NULL)
		fatal("strdup");
	hs.hide[++hs.nhide] = NULL;
}

/* The fixed list, and the host keys in the root's /etc/ssh. */
static void
hs_hide_expand(void)
{
	struct dirent	*de;
	char		 path[PATH_MAX + 16];
	DIR		*d;
	size_t		 i;

	for (i = 0; hide_always[i] != NULL; i++)
		hs_hide_add(hide_always[i]);
	snprintf(path, sizeof(path), "%s/etc/ssh",
	    strcmp(hs.root, "/") == 0 ? "" : hs.root);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strstr(de->d_name, "key") != NULL) {
				snprintf(path, sizeof(path), "/etc/ssh/%s",
				    de->d_name);
				hs_hide_add(path);
			}
		closedir(d);
	}
	hs.expanded = 1;
}

static void
hs_fail(const char *uuid, const char *what)
{
	struct p_session_fail	f;

	memset(&f, 0, sizeof(f));
	pccx_strlcpy(f.uuid, uuid, sizeof(f.uuid));
	f.err = errno > 0 && errno < 4096 ? errno : 0;
	if (errno > 0)
		snprintf(f.text, sizeof(f.text), "%s: %s", what,
		    strerror(errno));
	else
		pccx_strlcpy(f.text, what, sizeof(f.text));
	if (proto_send_session_fail(&hs.c, MSG_SESSION_H_FAIL, &f) == -1)
		_exit(1);
}

/*
 * <state>/session/sessions/<uuid>: upper (owned and moded like the
 * tree's root, since it becomes /project's root), work, and root,
 * the new root's mount point.
 */
static int
hs_dirs(const char *uuid, int tree, const char **what)
{
	char		path[PATH_MAX];
	struct stat	sb;

	*what = "session directory";
	snprintf(path, sizeof(path), "%s/%s", SESS_DIR_LIVE, uuid);
	if (mkdir(path, 0700) == -1)
		return -1;
	*what = "upper directory";
	snprintf(path, sizeof(path), "%s/%s/upper", SESS_DIR_LIVE, uuid);
	if (fstat(tree, &sb) == -1 || mkdir(path, 0700) == -1 ||
	    chown(path, sb.st_uid, sb.st_gid) == -1 ||
	    chmod(path, sb.st_mode & 01777) == -1)
		return -1;
	*what = "work directory";
	snprintf(path, sizeof(path), "%s/%s/work", SESS_DIR_LIVE, uuid);
	if (mkdir(path, 0700) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/root", SESS_DIR_LIVE, uuid);
	return mkdir(path, 0755);
}

/*
 * A raw clone3, for CLONE_PIDFD, the namespace flags and, where v2
 * is mounted, CLONE_INTO_CGROUP in one step: the child starts in the
 * session's v2 cgroup, with no migration to wait for.  The child runs
 * on a copy of this single-threaded process, as after fork, but
 * without glibc's fork handlers; it only builds and execs.
 * With CLONE_PARENT the init is the daemon's child, not the helper's:
 * the daemon reaps it through its pidfd before it answers a KILL, so
 * not even a zombie is left, and the init dies with the daemon.
 */
static pid_t
hs_clone(int *pidfd, int cgfd)
{
	struct clone_args	ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = HELPER_NSFLAGS | CLONE_PIDFD | CLONE_PARENT;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	/* With CLONE_PARENT the helper's own, SIGCHLD, is used. */
	ca.exit_signal = 0;
	if (cgfd != -1) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = cgfd;
	}
	return syscall(SYS_clone3, &ca, sizeof(ca));
}

static void
hs_build(struct msg *m)
{
	struct p_session_build	 b;
	struct p_session_built	 r;
	struct build_args	 a;
	const char		*what = "project tree";
	int			 tree = -1, pidfd = -1, cgfd;
	pid_t			 pid;

	if (m->fd == -1 || proto_get_session_build(m, &b) == -1)
		fatalx("session helper: bad build request");
	if (!hs.expanded)
		hs_hide_expand();
	/* fail closed: a path that should be hidden would show */
	what = "more paths to hide than the helper holds";
	errno = 0;
	if (hs.overflow)
		goto fail;
	what = "project tree";
	if ((tree = open(b.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    hs_dirs(b.uuid, tree, &what) == -1)
		goto fail;
	memset(&a, 0, sizeof(a));
	memcpy(a.uuid, b.uuid, sizeof(a.uuid));
	a.uid = b.uid;
	a.gid = b.gid;
	a.ngroups = b.ngroups;
	memcpy(a.groups, b.groups, sizeof(a.groups));
	memcpy(a.account, b.account, sizeof(a.account));
	a.tmpsize = b.tmpsize;
	a.ctlfd = m->fd;
	a.root = hs.root;
	a.treefd = tree;
	a.tree = b.path;
	a.dir = eng.dir;
	a.hide = hs.hide;
	a.filter = &hs.filter;
	what = "clone";
	cgfd = cg_v2_open(b.uuid);
	pid = hs_clone(&pidfd, cgfd);
	if (pid == 0)
		build_session(&a);
	if (cgfd != -1)
		close(cgfd);
	if (pid == -1)
		goto fail;
	close(m->fd);
	memset(&r, 0, sizeof(r));
	memcpy(r.uuid, b.uuid, sizeof(r.uuid));
	r.pid = pid;
	if (proto_send_session_built(&hs.c, MSG_SESSION_H_BUILT, pidfd,
	    &r) == -1 || proto_send_session_built(&hs.c, MSG_SESSION_H_TREE,
	    tree, &r) == -1)
		_exit(1);
	return;
fail:
	hs_fail(b.uuid, what);
	close(m->fd);
	if (tree != -1)
		close(tree);
}

static void
hs_dispatch(struct msg *m)
{
	struct p_session_path	p;

	switch (m->hdr.type) {
	case MSG_SESSION_H_RESET:
	case MSG_SESSION_H_HIDE:
		if (m->fd != -1 || proto_get_session_path(m, &p) == -1)
			fatalx("session helper: bad path");
		if (m->hdr.type == MSG_SESSION_H_RESET) {
			hs_hide_clear();
			pccx_strlcpy(hs.root, p.path, sizeof(hs.root));
		} else
			hs_hide_add(p.path);
		break;
	case MSG_SESSION_H_BUILD:
		hs_build(m);
		break;
	default:
		fatalx("session helper: message %u", m->hdr.type);
	}
}

static void
hs_read(void)
{
	struct msg	m;
	ssize_t		n;
	int		rv;

	if ((n = chan_read(&hs.c)) == 0)
		_exit(0);
	if (n == -1) {
		if (errno == EAGAIN)
			return;
		_exit(1);
	}
	while ((rv = chan_get(&hs.c, &m)) == MSG_OK)
		hs_dispatch(&m);
	if (rv != MSG_EMORE)
		fatalx("session helper: %s", msg_errstr(rv));
}

/* Drop to what building takes: see caps_helper and filter.c. */
static void
hs_confine(int fd)
{
	struct priv_spec	ps;
	struct sock_fprog	own;
	int			keep[8], n = 0;

	keep[n++] = fd;
	cg_fds(keep, &n);
	fd_close_except(keep, n);
	memset(&ps, 0, sizeof(ps));
	ps.root = NULL;
	ps.uid = 0;
	ps.gid = 0;
	ps.caps = caps_helper;
	ps.ncaps = sizeof(caps_helper) / sizeof(caps_helper[0]);
	priv_drop(&ps);
	if (filter_build(FILTER_USER, &hs.filter) == -1 ||
	    filter_build(FILTER_HELPER, &own) == -1 || filter_load(&own) == -1)
		fatalx("session helper: cannot load its filter");
	free(own.filter);
}

static void
helper_main(int fd)
{
	struct pollfd	p[2];
	sigset_t	set;
	pid_t		parent = getppid();
	int		sfd, st, i;

	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	(void)prctl(PR_SET_NAME, "sessiond-helper");
	if (chan_init(&hs.c, fd, PROC_SESSION) == -1)
		_exit(1);
	log_to_parent(&hs.c);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	if (chdir(eng.dir) == -1)
		fatal("session helper: %s", eng.dir);
	hs_confine(fd);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1 ||
	    fd_nonblock(fd) == -1)
		fatal("session helper: signals");
	for (;;) {
		p[0].fd = fd;
		p[0].events = POLLIN | (chan_pending(&hs.c) ? POLLOUT : 0);
		p[1].fd = sfd;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) == -1 && errno != EINTR)
			_exit(1);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			hs_read();
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo	si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			while (waitpid(-1, &st, WNOHANG) > 0)
				;
		}
		if (chan_flush(&hs.c) == -1)
			_exit(1);
	}
}
