/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A session's init: runs execs and ptys, relays output, reaps. */

#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "sessiond/engine.h"

#define SI_BUFSZ	(64 * 1024)	/* output waiting for the client */
#define SI_DRAIN_MS	200		/* output read after the exit */
#define SI_NPOLL	(2 + 4 * SESS_MAXITEMS)
/* poll kinds of a job's descriptors besides the output frames */
#define SI_KIND_SOCK	0
#define SI_KIND_IN	-1
#define SI_ENVMAX	(SESSION_ARGMAX + 16)

/* An exec or a pty; the pid leads its own session and group. */
struct job {
	uint32_t	 id;
	int		 pty;
	pid_t		 pid;
	int		 out, err;	/* exec: pipes from the command */
	/* exec: its standard input, or -1, and what is left to write */
	int		 in;
	uint8_t		*inbuf;
	size_t		 inlen, inoff;
	int		 sock;		/* exec: the client's stream */
	int		 slave;		/* pty: kept for TIOCSWINSZ */
	int		 exited;
	int		 code, sig;
	uint64_t	 exit_ms;
	int		 gone;		/* the client went away */
	int		 ended;		/* EXIT frame queued */
	uint8_t		*buf;
	size_t		 len, off;
};

static struct chan	*si_ctl;
static struct job	*si_jobs[SESS_MAXITEMS];
static char		 si_home[PROTO_NAMEMAX + 16];
static char		 si_user[PROTO_NAMEMAX + 16];
static char		 si_logname[PROTO_NAMEMAX + 16];
static char		 si_shell[32];
static const char	*si_shpath;

static void	si_ctl_read(void);
static void	si_reap(int);
static void	si_job_pump(struct job *);

static void
si_send(void)
{
	if (chan_flush(si_ctl) == -1)
		_exit(0);
}

static void
si_exit_msg(uint32_t id, int code, int sig)
{
	struct p_session_exit	e;

	e.id = id;
	e.code = code;
	e.sig = sig;
	if (proto_send_session_exit(si_ctl, &e) == -1)
		_exit(1);
	si_send();
}

static struct job *
si_job_new(uint32_t id, int pty)
{
	struct job	*j;
	int		 i;

	for (i = 0; i < SESS_MAXITEMS; i++)
		if (si_jobs[i] == NULL)
			break;
	if (i == SESS_MAXITEMS || (j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	if (!pty && (j->buf = malloc(SI_BUFSZ)) == NULL) {
		free(j);
		return NULL;
	}
	j->id = id;
	j->pty = pty;
	j->out = j->err = j->in = j->sock = j->slave = -1;
	si_jobs[i] = j;
	return j;
}

static void
si_job_free(struct job *j)
{
	int	i;

	for (i = 0; i < SESS_MAXITEMS; i++)
		if (si_jobs[i] == j)
			si_jobs[i] = NULL;
	if (j->out != -1)
		close(j->out);
	if (j->err != -1)
		close(j->err);
	if (j->in != -1)
		close(j->in);
	if (j->sock != -1)
		close(j->sock);
	if (j->slave != -1)
		close(j->slave);
	free(j->inbuf);
	free(j->buf);
	free(j);
}

/* The environment every program of the session starts from. */
static int
si_env(char **env, char *const *extra, uint32_t nextra, const char *term)
{
	static char	tbuf[SESSION_TERMSZ + 8];
	int		n = 0;
	uint32_t	i;

	env[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	env[n++] = si_home;
	env[n++] = si_user;
	env[n++] = si_logname;
	env[n++] = si_shell;
	env[n++] = "LANG=C.UTF-8";
	if (term != NULL) {
		snprintf(tbuf, sizeof(tbuf), "TERM=%s", term[0] != '\0' ?
		    term : "xterm-256color");
		env[n++] = tbuf;
	}
	for (i = 0; i < nextra && n < SI_ENVMAX - 1; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	return n;
}

/* In a new child: back to default signals, its own session. */
static void
si_child_reset(void)
{
	sigset_t	none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	umask(022);
}

/*
 * Standard input is the pipe i when the request gave one (the init
 * writes it, then closes it), else /dev/null.
 */
static void __attribute__((noreturn))
si_exec_child(struct job *j, int i, int o, int e,
    const struct p_session_exec *x)
{
	extern char	**environ;
	static char	*env[SI_ENVMAX];

	si_child_reset();
	if (i == -1 && (i = open("/dev/null", O_RDONLY)) == -1)
		_exit(126);
	if (dup2(i, 0) == -1 || dup2(o, 1) == -1 || dup2(e, 2) == -1)
		_exit(126);
	closefrom(3);
	if (chdir(x->cwd) == -1) {
		dprintf(2, "%s: %s\n", x->cwd, strerror(errno));
		_exit(126);
	}
	si_env(env, x->env, x->envc, NULL);
	environ = env;
	execvp(x->argv[0], x->argv);
	dprintf(2, "%s: %s\n", x->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Keep the request's input for the pipe; the child has the read end. */
static int
si_exec_input(struct job *j, const struct p_session_exec *x, int *in)
{
	in[0] = in[1] = -1;
	if (x->in == NULL)
		return 0;
	if (x->inlen > 0 && (j->inbuf = malloc(x->inlen)) == NULL)
		return -1;
	if (pipe2(in, O_CLOEXEC) == -1)
		return -1;
	if (x->inlen > 0)
		memcpy(j->inbuf, x->in, x->inlen);
	j->inlen = x->inlen;
	return 0;
}

/* A frame header and its payload appended to a job's buffer. */
static void
si_frame(struct job *j, uint8_t type, const void *p, uint32_t n)
{
	session_frame_put(j->buf + j->len, type, n);
	memcpy(j->buf + j->len + SESSION_FRAME_HDR, p, n);
	j->len += SESSION_FRAME_HDR + n;
}

/*
 * Write what is left of a command's input; at its end, or when the
 * command will read no more, close the pipe (end of file).
 */
static void
si_job_input(struct job *j)
{
	ssize_t	n;

	while (j->inoff < j->inlen) {
		n = write(j->in, j->inbuf + j->inoff, j->inlen - j->inoff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;		/* polled for POLLOUT */
		if (n == -1)
			break;		/* EPIPE: it closed its input */
		j->inoff += n;
	}
	close(j->in);
	j->in = -1;
	free(j->inbuf);
	j->inbuf = NULL;
}

/* A command that could not start: say why, as the command would. */
static void
si_exec_refuse(uint32_t id, int sock, const char *why)
{
	uint8_t	buf[SESSION_FRAME_HDR * 2 + 256];
	size_t	n = strlen(why);

	if (sock != -1) {
		session_frame_put(buf, SESSION_FRAME_STDERR, n);
		memcpy(buf + SESSION_FRAME_HDR, why, n);
		session_frame_put(buf + SESSION_FRAME_HDR + n,
		    SESSION_FRAME_EXIT, SESSION_FRAME_EXITLEN);
		memset(buf + 2 * SESSION_FRAME_HDR + n, 0, 8);
		buf[2 * SESSION_FRAME_HDR + n] = 126;
		(void)!write(sock, buf, 2 * SESSION_FRAME_HDR + n + 8);
		close(sock);
	}
	si_exit_msg(id, 126, 0);
}

static void
si_exec(struct msg *m)
{
	static struct p_session_exec	 x;
	struct job			*j;
	int				 o[2], e[2], in[2];

	if (m->fd == -1 || proto_get_session_exec(m, &x) == -1 ||
	    m->hdr.type != MSG_SESSION_I_EXEC)
		_exit(1);
	if ((j = si_job_new(x.id, 0)) == NULL) {
		si_exec_refuse(x.id, m->fd, "too many commands\n");
		return;
	}
	j->sock = m->fd;
	if (si_exec_input(j, &x, in) == -1 || pipe2(o, O_CLOEXEC) == -1 ||
	    pipe2(e, O_CLOEXEC) == -1 || (j->pid = fork()) == -1) {
		if (in[0] != -1) {
			close(in[0]);
			close(in[1]);
		}
		j->sock = -1;
		si_job_free(j);
		si_exec_refuse(x.id, m->fd, "cannot start the command\n");
		return;
	}
	if (j->pid == 0)
		si_exec_child(j, in[0], o[1], e[1], &x);
	close(o[1]);
	close(e[1]);
	j->out = o[0];
	j->err = e[0];
	fd_nonblock(j->out);
	fd_nonblock(j->err);
	fd_nonblock(j->sock);
	if (in[0] != -1) {
		close(in[0]);
		j->in = in[1];
		fd_nonblock(j->in);
		si_job_input(j);
	}
}

static void __attribute__((noreturn))
si_pty_child(int slave, const char *term)
{
	extern char	**environ;
	static char	*env[SI_ENVMAX];
	char		 argv0[40];
	char		*argv[2];

	si_child_reset();
	if (ioctl(slave, TIOCSCTTY, 0) == -1 || dup2(slave, 0) == -1 ||
	    dup2(slave, 1) == -1 || dup2(slave, 2) == -1)
		_exit(126);
	closefrom(3);
	if (chdir("/project") == -1)
		(void)!chdir("/");
	si_env(env, NULL, 0, term);
	environ = env;
	snprintf(argv0, sizeof(argv0), "-%s", strrchr(si_shell, '/') + 1);
	argv[0] = argv0;
	argv[1] = NULL;
	execv(si_shpath, argv);
	_exit(127);
}

/* A pty pair in the session's devpts; the master goes to the daemon. */
static void
si_pty(struct msg *m)
{
	struct p_session_pty	 p;
	struct p_session_id	 r;
	struct winsize		 ws;
	struct job		*j = NULL;
	char			 name[64];
	int			 mfd = -1, spath = -1;

	if (m->fd != -1 || proto_get_session_pty(m, &p) == -1 ||
	    m->hdr.type != MSG_SESSION_I_PTY)
		_exit(1);
	memset(&r, 0, sizeof(r));
	r.id = p.id;
	if ((j = si_job_new(p.id, 1)) == NULL) {
		errno = EBUSY;
		goto fail;
	}
	if ((mfd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(mfd) == -1 || unlockpt(mfd) == -1 ||
	    ptsname_r(mfd, name, sizeof(name)) != 0 ||
	    (j->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    (spath = open(name, O_PATH | O_CLOEXEC)) == -1)
		goto fail;
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = p.rows;
	ws.ws_col = p.cols;
	if (ioctl(j->slave, TIOCSWINSZ, &ws) == -1 || (j->pid = fork()) == -1)
		goto fail;
	if (j->pid == 0)
		si_pty_child(j->slave, p.term);
	if (proto_send_session_id(si_ctl, MSG_SESSION_I_PTY_OK, mfd,
	    &r) == -1 || proto_send_session_id(si_ctl,
	    MSG_SESSION_I_PTY_SLAVE, spath, &r) == -1)
		_exit(1);
	si_send();
	return;
fail:
	r.err = errno > 0 && errno < 4096 ? errno : EIO;
	if (mfd != -1)
		close(mfd);
	if (spath != -1)
		close(spath);
	if (j != NULL)
		si_job_free(j);
	if (proto_send_session_id(si_ctl, MSG_SESSION_I_PTY_FAIL, -1, &r) == -1)
		_exit(1);
	si_send();
}

static void
si_resize(struct msg *m)
{
	struct p_session_pty	p;
	struct winsize		ws;
	int			i;

	if (m->fd != -1 || proto_get_session_pty(m, &p) == -1 ||
	    m->hdr.type != MSG_SESSION_I_RESIZE)
		_exit(1);
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = p.rows;
	ws.ws_col = p.cols;
	for (i = 0; i < SESS_MAXITEMS; i++)
		if (si_jobs[i] != NULL && si_jobs[i]->pty &&
		    si_jobs[i]->id == p.id)
			(void)ioctl(si_jobs[i]->slave, TIOCSWINSZ, &ws);
}

/* Messages from the daemon; anything unexpected ends the session. */
static void
si_ctl_read(void)
{
	struct msg	m;
	ssize_t		n;
	int		rv;

	if ((n = chan_read(si_ctl)) == 0)
		_exit(0);
	if (n == -1) {
		if (errno == EAGAIN)
			return;
		_exit(1);
	}
	while ((rv = chan_get(si_ctl, &m)) == MSG_OK) {
		switch (m.hdr.type) {
		case MSG_SESSION_I_EXEC:
			si_exec(&m);
			break;
		case MSG_SESSION_I_PTY:
			si_pty(&m);
			break;
		case MSG_SESSION_I_RESIZE:
			si_resize(&m);
			break;
		default:
			_exit(1);
		}
	}
	if (rv != MSG_EMORE)
		_exit(1);
}

/*
 * The client closed its end: the command and its group die.
 * XXX: a descendant that made a session or group of its own lives on
 * until the session ends.
 */
static void
si_job_gone(struct job *j)
{
	j->gone = 1;
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);
	if (j->sock != -1)
		close(j->sock);
	if (j->out != -1)
		close(j->out);
	if (j->err != -1)
		close(j->err);
	if (j->in != -1)
		close(j->in);
	j->sock = j->out = j->err = j->in = -1;
	j->len = j->off = 0;
}

static void
si_job_read(struct job *j, int *fdp, uint8_t type)
{
	uint8_t	buf[SESSION_FRAME_MAX];
	ssize_t	n;

	if (SI_BUFSZ - j->len < SESSION_FRAME_HDR * 2 + SESSION_FRAME_MAX +
	    SESSION_FRAME_EXITLEN)
		return;		/* polled again once the client reads */
	n = read(*fdp, buf, sizeof(buf));
	if (n > 0) {
		si_frame(j, type, buf, n);
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	close(*fdp);
	*fdp = -1;
}

static void
si_job_write(struct job *j)
{
	ssize_t	n;

	n = write(j->sock, j->buf + j->off, j->len - j->off);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			si_job_gone(j);
		return;
	}
	j->off += n;
	if (j->off == j->len)
		j->off = j->len = 0;
}

/*
 * After its exit, a command's output is relayed until both pipes
 * close or SI_DRAIN_MS pass (a background child may hold them), then
 * the EXIT frame, then the stream closes.
 */
static void
si_job_pump(struct job *j)
{
	uint8_t	st[SESSION_FRAME_EXITLEN];
	int32_t	code, sig;

	if (!j->exited || j->pty)
		return;
	if (j->gone) {
		si_exit_msg(j->id, j->code, j->sig);
		si_job_free(j);
		return;
	}
	if ((j->out != -1 || j->err != -1) &&
	    now_mono_ms() < j->exit_ms + SI_DRAIN_MS)
		return;
	if (j->out != -1 || j->err != -1) {
		if (j->out != -1)
			close(j->out);
		if (j->err != -1)
			close(j->err);
		j->out = j->err = -1;
	}
	if (!j->ended) {
		if (SI_BUFSZ - j->len < SESSION_FRAME_HDR + sizeof(st))
			return;
		code = j->code;
		sig = j->sig;
		memcpy(st, &code, 4);
		memcpy(st + 4, &sig, 4);
		si_frame(j, SESSION_FRAME_EXIT, st, sizeof(st));
		j->ended = 1;
	}
	if (j->len != 0)
		return;
	si_exit_msg(j->id, j->code, j->sig);
	si_job_free(j);
}

static void
si_reap(int sfd)
{
	struct signalfd_siginfo	 si;
	struct job		*j;
	pid_t			 pid;
	int			 st, i;

	while (read(sfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0, j = NULL; i < SESS_MAXITEMS && j == NULL; i++)
			if (si_jobs[i] != NULL && si_jobs[i]->pid == pid &&
			    !si_jobs[i]->exited)
				j = si_jobs[i];
		if (j == NULL)
			continue;	/* an orphan the session left */
		j->exited = 1;
		j->exit_ms = now_mono_ms();
		j->code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		j->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		if (j->pty) {
			si_exit_msg(j->id, j->code, j->sig);
			si_job_free(j);
		}
	}
}

/* The descriptors to watch for one exec, and what each is for. */
static int
si_poll_job(struct job *j, struct pollfd *p, struct job **who, int *kind,
    int n)
{
	if (j->pty || j->gone)
		return n;
	if (j->sock != -1) {
		p[n].fd = j->sock;
		p[n].events = POLLRDHUP | (j->len > j->off ? POLLOUT : 0);
		who[n] = j;
		kind[n++] = SI_KIND_SOCK;
	}
	if (j->in != -1) {
		p[n].fd = j->in;
		p[n].events = POLLOUT;
		who[n] = j;
		kind[n++] = SI_KIND_IN;
	}
	if (SI_BUFSZ - j->len < SESSION_FRAME_HDR * 2 + SESSION_FRAME_MAX +
	    SESSION_FRAME_EXITLEN)
		return n;
	if (j->out != -1) {
		p[n].fd = j->out;
		p[n].events = POLLIN;
		who[n] = j;
		kind[n++] = SESSION_FRAME_STDOUT;
	}
	if (j->err != -1) {
		p[n].fd = j->err;
		p[n].events = POLLIN;
		who[n] = j;
		kind[n++] = SESSION_FRAME_STDERR;
	}
	return n;
}

static void
si_poll_event(struct pollfd *p, struct job *j, int kind)
{
	char	junk[512];

	if (j->gone)
		return;
	if (kind == SI_KIND_IN) {
		if (j->in != -1)
			si_job_input(j);
		return;
	}
	if (kind == SI_KIND_SOCK) {
		if (p->revents & (POLLERR | POLLHUP | POLLRDHUP)) {
			si_job_gone(j);
			return;
		}
		if (p->revents & POLLIN && read(p->fd, junk, sizeof(junk)) == 0)
			si_job_gone(j);
		else if (p->revents & POLLOUT)
			si_job_write(j);
	} else if (p->revents & (POLLIN | POLLHUP | POLLERR))
		si_job_read(j, kind == SESSION_FRAME_STDOUT ? &j->out : &j->err,
		    kind);
}

/* How long poll may sleep: until the first drain deadline. */
static int
si_timeout(void)
{
	uint64_t	now = now_mono_ms(), end;
	int		i, t = -1;

	for (i = 0; i < SESS_MAXITEMS; i++) {
		if (si_jobs[i] == NULL || !si_jobs[i]->exited ||
		    si_jobs[i]->pty)
			continue;
		end = si_jobs[i]->exit_ms + SI_DRAIN_MS;
		if (end <= now)
			return 0;
		if (t == -1 || (int)(end - now) < t)
			t = end - now;
	}
	return t;
}

static void
si_setup(struct chan *ctl, const char *account, int *sfd)
{
	sigset_t	set;

	si_ctl = ctl;
	snprintf(si_home, sizeof(si_home), "HOME=/home/%s", account);
	snprintf(si_user, sizeof(si_user), "USER=%s", account);
	snprintf(si_logname, sizeof(si_logname), "LOGNAME=%s", account);
	si_shpath = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	snprintf(si_shell, sizeof(si_shell), "SHELL=%s", si_shpath);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1 ||
	    fd_nonblock(ctl->fd) == -1)
		_exit(1);
}

/*
 * sinit_main: the session's pid 1, as the user, under the session
 * filter.  It tells the daemon it is ready, then serves I_EXEC,
 * I_PTY and I_RESIZE, reaps every process of the session, and exits
 * when the daemon's end of the channel closes, which ends the pid
 * namespace and everything in it.
 */
void
sinit_main(struct chan *ctl, const char *account)
{
	struct pollfd	 p[SI_NPOLL];
	struct job	*who[SI_NPOLL];
	int		 kind[SI_NPOLL], sfd, n, i;

	si_setup(ctl, account, &sfd);
	if (proto_send_empty(ctl, MSG_SESSION_I_READY, 0) == -1)
		_exit(1);
	si_send();
	for (;;) {
		p[0].fd = ctl->fd;
		p[0].events = POLLIN | (chan_pending(ctl) ? POLLOUT : 0);
		p[1].fd = sfd;
		p[1].events = POLLIN;
		for (n = 2, i = 0; i < SESS_MAXITEMS; i++)
			if (si_jobs[i] != NULL)
				n = si_poll_job(si_jobs[i], p, who, kind, n);
		if (poll(p, n, si_timeout()) == -1 && errno != EINTR)
			_exit(1);
		if (p[0].revents & POLLOUT)
			si_send();
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			si_ctl_read();
		for (i = 2; i < n; i++)
			if (p[i].revents != 0)
				si_poll_event(&p[i], who[i], kind[i]);
		if (p[1].revents & POLLIN)
			si_reap(sfd);
		for (i = 0; i < SESS_MAXITEMS; i++)
			if (si_jobs[i] != NULL)
				si_job_pump(si_jobs[i]);
	}
}
