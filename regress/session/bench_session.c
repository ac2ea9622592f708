/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Session open and kill latency, inside the engine, beside bubblewrap. */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "sessiond/session.h"

#define B_UID		65534
#define B_OPENS		100
#define B_MAXN		128

static struct event_base	*base;
static struct {
	uint32_t	reqid;
	int		done;
	int		failed;
	int		fd;
	char		uuid[SESSION_IDSZ];
	uint32_t	kill_us;
} want;
static char	work[1024];

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
on_reply(void *arg, uint32_t reqid, const struct session_reply *r)
{
	if (reqid != want.reqid) {
		if (r->fd != -1)
			close(r->fd);
		return;
	}
	want.done = 1;
	want.fd = r->fd;
	switch (r->type) {
	case MSG_SESSION_OPENED:
		memcpy(want.uuid, r->u.opened.uuid, SESSION_IDSZ);
		break;
	case MSG_SESSION_KILLED:
		want.kill_us = r->u.killed->kill_us;
		break;
	case MSG_SESSION_ERROR:
		fprintf(stderr, "error: %s\n", r->u.error.text);
		want.failed = 1;
		break;
	}
}

static int
wait_reply(void)
{
	while (!want.done)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			return -1;
	return want.failed ? -1 : 0;
}

static int
b_open(const char *project, char *uuid)
{
	struct p_session_open	o;

	memset(&o, 0, sizeof(o));
	snprintf(o.user, sizeof(o.user), "bench");
	snprintf(o.project, sizeof(o.project), "%s", project);
	o.uid = o.gid = SESSION_ANYID;
	o.mode = SESSION_MODE_DISCARD;
	memset(&want, 0, sizeof(want));
	want.reqid = 1;
	session_open(1, &o);
	if (wait_reply() == -1)
		return -1;
	memcpy(uuid, want.uuid, SESSION_IDSZ);
	return 0;
}

static int
b_kill(const char *uuid, uint32_t *kill_us)
{
	struct p_session_ref	k;

	memset(&k, 0, sizeof(k));
	memcpy(k.uuid, uuid, SESSION_IDSZ);
	memset(&want, 0, sizeof(want));
	want.reqid = 2;
	session_kill(2, &k);
	if (wait_reply() == -1)
		return -1;
	if (kill_us != NULL)
		*kill_us = want.kill_us;
	return 0;
}

/* Start n waiting processes in the session; wait until they run. */
static int
b_spawn(const char *uuid, int n)
{
	static struct p_session_exec	x;
	char				arg[16], buf[4096];
	struct pollfd			p;
	size_t				have = 0;
	ssize_t				r;

	memset(&x, 0, offsetof(struct p_session_exec, argv));
	memcpy(x.uuid, uuid, SESSION_IDSZ);
	snprintf(x.user, sizeof(x.user), "bench");
	snprintf(x.cwd, sizeof(x.cwd), "/project");
	snprintf(arg, sizeof(arg), "%d", n);
	/* As a decoded request has them: the strings inside x.buf. */
	snprintf(x.buf, sizeof(x.buf), "/project/.probe%cforker%c%s", 0, 0,
	    arg);
	x.argv[0] = x.buf;
	x.argv[1] = x.argv[0] + strlen(x.argv[0]) + 1;
	x.argv[2] = x.argv[1] + strlen(x.argv[1]) + 1;
	x.argv[3] = NULL;
	x.argc = 3;
	memset(&want, 0, sizeof(want));
	want.reqid = 3;
	session_exec(3, &x);
	if (wait_reply() == -1)
		return -1;
	p.fd = want.fd;
	p.events = POLLIN;
	while (memmem(buf, have, "ready", 5) == NULL) {
		while (poll(&p, 1, 0) == 0)
			event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if ((r = read(p.fd, buf + have, sizeof(buf) - have)) <= 0)
			return -1;
		have += r;
		if (have == sizeof(buf))
			have = 0;
	}
	return p.fd;
}

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, int p)
{
	int	i = (n * p + 99) / 100 - 1;

	qsort(v, n, sizeof(*v), dcmp);
	return v[i < 0 ? 0 : i];
}

/* One bwrap run, the way the design compares: /bin/true, all unshared. */
static double
b_bwrap(void)
{
	char *const	argv[] = { "bwrap", "--unshare-all", "--ro-bind",
	    "/", "/", "/bin/true", NULL };
	double		t0 = now_ms();
	pid_t		pid;
	int		st;

	if ((pid = fork()) == 0) {
		execv("/usr/bin/bwrap", argv);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return now_ms() - t0;
}

static pid_t	bench_pid;

/* At the bench's exit, not its helper's: remove what it made. */
static void
b_cleanup(void)
{
	char	cmd[1600];

	if (getpid() != bench_pid || work[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s; for h in memory cpu pids "
	    "freezer unified; do for d in /sys/fs/cgroup/$h/pccx-bench/*/; do "
	    "[ -d \"$d\" ] && rmdir \"$d\"; done; "
	    "rmdir /sys/fs/cgroup/$h/pccx-bench; done 2>/dev/null", work);
	work[0] = '\0';
	(void)!system(cmd);
}

static void
b_setup(void)
{
	struct p_session_conf_settings	s;
	struct p_session_conf_project	p;
	struct p_session_conf_member	m;
	char				cmd[8192], cwd[512];
	const char			*top = getenv("PCCX_TOP");

	if (top == NULL && (top = getcwd(cwd, sizeof(cwd))) == NULL)
		fatal("getcwd");
	snprintf(work, sizeof(work), "%s/build/regress/session/bench.XXXXXX",
	    top);
	if (mkdtemp(work) == NULL)
		fatal("mkdtemp");
	bench_pid = getpid();
	atexit(b_cleanup);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/state/session %s/tree && "
	    "cp %s/regress/session/probe.c %s/tree && "
	    "cc -O1 -D_GNU_SOURCE -o %s/tree/.probe %s/tree/probe.c && "
	    "chown -R %d:%d %s/tree", work, work, top, work, work, work,
	    B_UID, B_UID, work);
	if (system(cmd) != 0)
		fatalx("cannot set up %s", work);
	memset(&s, 0, sizeof(s));
	s.per_user = 16;
	snprintf(s.root, sizeof(s.root), "/");
	snprintf(s.state_dir, sizeof(s.state_dir), "%s/state", work);
	session_conf_settings(&s);
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "bench");
	snprintf(p.path, sizeof(p.path), "%s/tree", work);
	p.pids = 4096;
	p.idle_timeout = 3600;
	session_conf_project(&p);
	memset(&m, 0, sizeof(m));
	snprintf(m.project, sizeof(m.project), "bench");
	snprintf(m.user, sizeof(m.user), "bench");
	snprintf(m.account, sizeof(m.account), "nobody");
	m.uid = m.gid = B_UID;
	m.ngroups = 1;
	m.groups[0] = B_UID;
	m.role = 2;
	session_conf_member(&m);
	session_conf_commit();
}

static void
b_open_bench(void)
{
	double	eng[B_OPENS], bw[B_OPENS], t0;
	char	uuid[SESSION_IDSZ];
	int	i;

	for (i = 0; i < 5; i++) {		/* warm caches */
		if (b_open("bench", uuid) == -1 || b_kill(uuid, NULL) == -1)
			fatalx("warm-up failed");
		b_bwrap();
	}
	for (i = 0; i < B_OPENS; i++) {
		t0 = now_ms();
		if (b_open("bench", uuid) == -1)
			fatalx("open failed");
		eng[i] = now_ms() - t0;
		if (b_kill(uuid, NULL) == -1)
			fatalx("kill failed");
		if ((bw[i] = b_bwrap()) < 0)
			fatalx("bwrap failed (apt-get install bubblewrap)");
	}
	printf("open (request in, sandbox ready), %d sessions:\n", B_OPENS);
	printf("  engine  p50 %6.2f ms  p99 %6.2f ms\n", pct(eng, B_OPENS, 50),
	    pct(eng, B_OPENS, 99));
	printf("  bwrap   p50 %6.2f ms  p99 %6.2f ms  (--unshare-all "
	    "--ro-bind / / /bin/true)\n", pct(bw, B_OPENS, 50),
	    pct(bw, B_OPENS, 99));
	printf("  ratio   p50 %6.2f     p99 %6.2f     (goal <= 0.75)\n",
	    pct(eng, B_OPENS, 50) / pct(bw, B_OPENS, 50),
	    pct(eng, B_OPENS, 99) / pct(bw, B_OPENS, 99));
}

static void
b_kill_bench(int n, int rounds, double goal)
{
	double		t[B_MAXN], k[B_MAXN], t0;
	char		uuid[SESSION_IDSZ];
	uint32_t	us;
	int		i, fd;

	for (i = 0; i < rounds; i++) {
		if (b_open("bench", uuid) == -1 ||
		    (fd = b_spawn(uuid, n)) == -1)
			fatalx("cannot start %d processes", n);
		t0 = now_ms();
		if (b_kill(uuid, &us) == -1)
			fatalx("kill failed");
		t[i] = now_ms() - t0;
		k[i] = us / 1000.0;
		close(fd);
	}
	printf("kill with %4d processes, %d rounds: request to reply p50 "
	    "%6.2f ms p99 %6.2f ms; to no process left p50 %6.2f ms p99 "
	    "%6.2f ms%s\n", n + 2, rounds, pct(t, rounds, 50),
	    pct(t, rounds, 99), pct(k, rounds, 50), pct(k, rounds, 99),
	    goal > 0 ? (pct(t, rounds, 99) < goal ? " (goal met)" :
	    " (goal missed)") : "");
}

int
main(void)
{
	struct session_params	p;
	char			dir[1100];

	log_init("bench", 1, 0);
	if (getuid() != 0)
		fatalx("run as root");
	b_setup();
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	snprintf(dir, sizeof(dir), "%s/state/session", work);
	memset(&p, 0, sizeof(p));
	p.dir = dir;
	p.cgroup = "pccx-bench";
	p.base = base;
	p.reply = on_reply;
	if (session_engine_init(&p) == -1)
		fatalx("session_engine_init");
	/* Then warnings only: a line per session buries the figures. */
	log_setverbose(-1);
	b_open_bench();
	b_kill_bench(1, 40, 0);
	b_kill_bench(100, 30, 20);
	b_kill_bench(1000, 10, 200);
	session_engine_stop();
	return 0;
}
