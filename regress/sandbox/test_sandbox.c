/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Every role under its seccomp filter, the debug trap, and priv_drop. */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/priv.h"
#include "common/sandbox.h"
#include "sandbox_test.h"

#define NOBODY		65534
#define CHILD_ALARM	30

enum { WANT_OK, WANT_KILL, WANT_ERR };

struct outcome {
	int	how;
	int	err;
};
#define OK	{ WANT_OK, 0 }
#define KILL	{ WANT_KILL, 0 }
#define ERR(e)	{ WANT_ERR, (e) }
#define ALL(o)	{ o, o, o, o, o }

/* One call made under each role's filter, and what must come of it. */
struct op {
	const char	*name;
	int		(*setup)(void);
	int		(*fn)(void);
	int		 root;
	struct outcome	 out[R_MAX];	/* in enum test_role order */
};

struct cell {
	int			 role;
	const struct op		*op;
	const struct workload	*work;
};

struct priv_case {
	const char	*name;
	uid_t		 uid;
	int		 role;		/* caps, and policy if load */
	int		 load;
};

const struct role_def roles[R_MAX] = {
	{ "front", &sandbox_front, caps_front, &ncaps_front },
	{ "auth", &sandbox_auth, caps_auth, &ncaps_auth },
	{ "tunnel", &sandbox_tunnel, caps_tunnel, &ncaps_tunnel },
	{ "session", &sandbox_session, caps_session, &ncaps_session },
	{ "audit", &sandbox_audit, caps_audit, &ncaps_audit },
};

char		test_dir[TEST_DIRMAX];
static int	listen_fd = -1;
static int	work_debug;	/* SANDBOX_DEBUG set: workloads trap */
static const struct cell *work_cell;

static int	 op_getpid(void);
static int	 op_reboot(void);
static int	 op_int80(void);
static int	 op_x32(void);
static int	 op_clone3(void);
static int	 op_mmap_exec(void);
static int	 op_socket(int, int, int);
static int	 op_inet(void);
static int	 op_inet6(void);
static int	 op_netlink(void);
static int	 op_packet(void);
static int	 op_listen(void);
static int	 op_accept(void);
static int	 op_fork(void);
static int	 op_thread(void);
static int	 op_open_ro(void);
static int	 op_open_create(void);
static int	 op_exec(void);
static int	 op_mount(void);
static int	 op_lo_up(void);
static int	 op_winsz(void);

static const struct op ops[] = {
	{ "getpid", NULL, op_getpid, 0, ALL(OK) },
	{ "reboot(0xdead)", NULL, op_reboot, 0, ALL(KILL) },
	{ "i386 int 0x80 getpid", NULL, op_int80, 0, ALL(KILL) },
	{ "x32 getpid", NULL, op_x32, 0, ALL(KILL) },
	{ "clone3", NULL, op_clone3, 0, ALL(ERR(ENOSYS)) },
	{ "mmap PROT_EXEC", NULL, op_mmap_exec, 0,
	    { KILL, KILL, KILL, OK, KILL } },
	{ "socket(AF_INET)", NULL, op_inet, 0,
	    { KILL, OK, OK, KILL, OK } },
	{ "socket(AF_INET6)", NULL, op_inet6, 0,
	    { KILL, OK, OK, KILL, OK } },
	{ "socket(AF_NETLINK)", NULL, op_netlink, 0,
	    { KILL, ERR(EAFNOSUPPORT), OK, KILL, ERR(EAFNOSUPPORT) } },
	{ "socket(AF_PACKET)", NULL, op_packet, 0, ALL(KILL) },
	{ "accept4", op_listen, op_accept, 0,
	    { ERR(EAGAIN), KILL, ERR(EAGAIN), KILL, KILL } },
	{ "fork", NULL, op_fork, 0, { KILL, KILL, KILL, OK, KILL } },
	{ "pthread_create", NULL, op_thread, 0,
	    { KILL, OK, KILL, OK, OK } },
	{ "open read-only", NULL, op_open_ro, 0,
	    { ERR(EACCES), OK, ERR(EACCES), OK, OK } },
	{ "open to create", NULL, op_open_create, 0,
	    { ERR(EACCES), OK, ERR(EACCES), OK, OK } },
	{ "fork and exec /bin/true", NULL, op_exec, 0,
	    { KILL, KILL, KILL, OK, KILL } },
	{ "unshare and mount tmpfs", NULL, op_mount, 1,
	    { KILL, KILL, KILL, OK, KILL } },
	{ "loopback up in a new netns", NULL, op_lo_up, 1,
	    { KILL, KILL, KILL, OK, KILL } },
	{ "ioctl(TIOCGWINSZ)", NULL, op_winsz, 0, ALL(KILL) },
};

/*
 * Fork a child that runs setup, loads the role's filter (none for a
 * negative role) and then fn, whose result is its exit status; return
 * the wait status.  A setup failure exits with 200 plus its step.
 */
static int
run_confined(int role, int debug, int (*setup)(void), int (*fn)(void),
    int errfd)
{
	pid_t	pid;
	int	st, rv;

	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		alarm(CHILD_ALARM);
		if (errfd != -1 && dup2(errfd, STDERR_FILENO) == -1)
			_exit(199);
		if (setup != NULL && (rv = setup()) != 0)
			_exit(200 + rv);
		if (role >= 0)
			sandbox_load(roles[role].policy, debug);
		exit(fn());	/* atexit handlers run confined too */
	}
	if (waitpid(pid, &st, 0) == -1)
		fail_msg("waitpid: %s", strerror(errno));
	return st;
}

static const char *
status_str(int st)
{
	static char	buf[64];

	if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)",
		    WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit status %d (%s)",
		    WEXITSTATUS(st), WEXITSTATUS(st) == 0 ? "ok" :
		    strerror(WEXITSTATUS(st)));
	else
		snprintf(buf, sizeof(buf), "wait status %#x", st);
	return buf;
}

static void
check_outcome(int st, const struct outcome *o)
{
	switch (o->how) {
	case WANT_OK:
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("want success, got %s", status_str(st));
		break;
	case WANT_KILL:
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
			fail_msg("want SIGSYS, got %s", status_str(st));
		break;
	case WANT_ERR:
		if (!WIFEXITED(st) || WEXITSTATUS(st) != o->err)
			fail_msg("want %s, got %s", strerror(o->err),
			    status_str(st));
		break;
	}
}

static void
test_op(void **state)
{
	const struct cell	*c = *state;
	int			 st;

	st = run_confined(c->role, 0, c->op->setup, c->op->fn, -1);
	check_outcome(st, &c->op->out[c->role]);
}

/* In the child: the workload's setup, then the daemon's priv_drop. */
static int
work_setup(void)
{
	const struct role_def	*r = &roles[work_cell->role];
	const struct workload	*w = work_cell->work;
	struct priv_spec	 ps;
	char			 root[PATH_MAX];
	int			 rv;

	if (w->setup != NULL && (rv = w->setup()) != 0)
		return rv;
	if (geteuid() != 0)
		return 0;
	ps.uid = ps.gid = work_cell->role == R_SESSION ? 0 : NOBODY;
	ps.caps = r->caps;
	ps.ncaps = *r->ncaps;
	ps.root = NULL;
	if (w->dir != NULL) {
		snprintf(root, sizeof(root), "%s/%s", test_dir, w->dir);
		if ((mkdir(root, 0755) == -1 && errno != EEXIST) ||
		    chown(root, ps.uid, ps.gid) == -1)
			return 40;
		ps.root = root;
	}
	priv_drop(&ps);
	return 0;
}

static void
test_workload(void **state)
{
	const struct cell	*c = *state;
	int			 st;

	work_cell = c;
	st = run_confined(c->role, work_debug, work_setup, c->work->run, -1);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s: %s: %s (a number under 200 is the failed "
		    "step, over 200 a setup step)", roles[c->role].name,
		    c->work->name, status_str(st));
}

/* The ops themselves: 0 on success or the errno of the failed call. */

static int
op_getpid(void)
{
	return syscall(SYS_getpid) > 0 ? 0 : errno;
}

static int
op_reboot(void)
{
	/* A bad magic number: EINVAL or EPERM where it is not filtered. */
	return syscall(SYS_reboot, 0xdead, 0, 0, NULL) == -1 ? errno : 0;
}

static int
op_int80(void)
{
#if defined(__x86_64__)
	long	rv = 20;	/* getpid in the i386 table */

	__asm__ volatile ("int $0x80" : "+a"(rv) : : "memory");
	return rv > 0 ? 0 : (int)-rv;
#else
	return ENOSYS;
#endif
}

static int
op_x32(void)
{
#if defined(__x86_64__)
	return syscall(SYS_getpid | 0x40000000) > 0 ? 0 : errno;
#else
	return ENOSYS;
#endif
}

static int
op_clone3(void)
{
	/* EINVAL where it is not filtered: no arguments. */
	return syscall(SYS_clone3, NULL, 0) == -1 ? errno : 0;
}

static int
op_mmap_exec(void)
{
	void	*p;

	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

static int
op_socket(int family, int type, int proto)
{
	int	s;

	if ((s = socket(family, type | SOCK_CLOEXEC, proto)) == -1)
		return errno;
	close(s);
	return 0;
}

static int
op_inet(void)
{
	return op_socket(AF_INET, SOCK_STREAM, 0);
}

static int
op_inet6(void)
{
	return op_socket(AF_INET6, SOCK_STREAM, 0);
}

static int
op_netlink(void)
{
	return op_socket(AF_NETLINK, SOCK_RAW, 0);
}

static int
op_packet(void)
{
	return op_socket(AF_PACKET, SOCK_DGRAM, 0);
}

static int
op_listen(void)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (listen_fd == -1)
		return 1;
	if (bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(listen_fd, 4) == -1)
		return 2;
	return 0;
}

static int
op_accept(void)
{
	int	s;

	s = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s == -1)
		return errno;
	close(s);
	return 0;
}

static int
op_fork(void)
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == -1)
		return errno;
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &st, 0) == -1)
		return errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : TEST_EFAIL;
}

static void *
op_thread_main(void *arg)
{
	return arg;
}

static int
op_thread(void)
{
	static int	 token;
	pthread_t	 t;
	void		*res = NULL;
	int		 rv;

	if ((rv = pthread_create(&t, NULL, op_thread_main, &token)) != 0)
		return rv;
	if ((rv = pthread_join(t, &res)) != 0)
		return rv;
	return res == &token ? 0 : TEST_EFAIL;
}

static int
op_open_ro(void)
{
	int	fd;

	if ((fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	close(fd);
	return 0;
}

static int
op_open_create(void)
{
	char	path[PATH_MAX];
	int	fd;

	snprintf(path, sizeof(path), "%s/create.%ld", test_dir,
	    (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return errno;
	close(fd);
	return 0;
}

static int
op_exec(void)
{
	char *const	 argv[] = { "true", NULL };
	char *const	 envp[] = { NULL };
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == -1)
		return errno;
	if (pid == 0) {
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1)
		return errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : TEST_EFAIL;
}

static int
op_mount(void)
{
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", test_dir, "tmpfs", 0, "size=64k") == -1 ||
	    umount2(test_dir, 0) == -1)
		return errno;
	return 0;
}

static int
op_lo_up(void)
{
	struct ifreq	ifr;
	int		s, rv = 0;

	if (unshare(CLONE_NEWNET) == -1)
		return errno;
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		rv = errno;
	ifr.ifr_flags |= IFF_UP;
	if (rv == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
		rv = errno;
	ifr.ifr_flags = 0;
	if (rv == 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		rv = errno;
	if (rv == 0 && (ifr.ifr_flags & IFF_UP) == 0)
		rv = TEST_EFAIL;
	close(s);
	return rv;
}

static int
op_winsz(void)
{
	struct winsize	ws;

	return ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == -1 ? errno : 0;
}

/*
 * Without a filter the calls the filters kill or answer do something
 * else, so the tests above could fail.
 */
static void
test_unconfined(void **state)
{
	int	st;

	st = run_confined(-1, 0, NULL, op_reboot, -1);
	assert_true(WIFEXITED(st));
	st = run_confined(-1, 0, NULL, op_int80, -1);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	st = run_confined(-1, 0, NULL, op_x32, -1);
	assert_true(WIFEXITED(st));
	st = run_confined(-1, 0, NULL, op_clone3, -1);
	assert_true(WIFEXITED(st));
	assert_int_not_equal(WEXITSTATUS(st), ENOSYS);
	st = run_confined(-1, 0, NULL, op_mmap_exec, -1);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The debug trap names the call, and errno answers stay answers. */

static void
test_debug_names_call(void **state)
{
	char	buf[256], want[128];
	ssize_t	n;
	int	p[2], st;

	if (pipe2(p, O_CLOEXEC) == -1)
		fail_msg("pipe: %s", strerror(errno));
	st = run_confined(R_FRONT, 1, NULL, op_reboot, p[1]);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want),
	    "sandbox: front: trapped system call reboot (%d)\n", SYS_reboot);
	assert_string_equal(buf, want);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 128 + SIGSYS);
}

static void
test_debug_errno_kept(void **state)
{
	int	st;

	st = run_confined(R_AUTH, 1, NULL, op_clone3, -1);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), ENOSYS);
}

static void
test_debug_arch_killed(void **state)
{
	int	st;

	st = run_confined(R_SESSION, 1, NULL, op_int80, -1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	st = run_confined(R_SESSION, 1, NULL, op_x32, -1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

/* Every rule names a known call and gives a reason; none repeats. */
static void
check_rules(const char *role, const struct sandbox_rule *r, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		if (sandbox_rule_valid(&r[i]) != 0)
			fail_msg("%s: bad rule for %s", role, r[i].call);
		for (j = 0; j < sandbox_nbase && r != sandbox_base; j++)
			if (strcmp(r[i].call, sandbox_base[j].call) == 0 &&
			    r[i].action != sandbox_base[j].action)
				fail_msg("%s: %s conflicts with the base",
				    role, r[i].call);
		for (j = 0; j < i; j++)
			if (strcmp(r[i].call, r[j].call) == 0 &&
			    r[i].cmp == r[j].cmp && r[i].arg == r[j].arg &&
			    r[i].value == r[j].value)
				fail_msg("%s: %s twice", role, r[i].call);
	}
}

static void
test_rules_valid(void **state)
{
	int	i;

	check_rules("base", sandbox_base, sandbox_nbase);
	for (i = 0; i < R_MAX; i++) {
		assert_string_equal(roles[i].policy->role, roles[i].name);
		check_rules(roles[i].name, roles[i].policy->rules,
		    roles[i].policy->nrules);
	}
	/* A bad name is refused before it reaches a filter. */
	{
		const struct sandbox_rule bad =
		    SB_ALLOW("no_such_call", "test");
		assert_int_equal(sandbox_rule_valid(&bad), -1);
	}
}

static void
test_caps_documented(void **state)
{
	uint64_t	want;

	assert_int_equal(ncaps_front, 0);
	assert_int_equal(ncaps_auth, 0);
	assert_int_equal(ncaps_audit, 0);
	assert_int_equal(priv_caps_mask(caps_tunnel, ncaps_tunnel),
	    1ULL << CAP_NET_ADMIN);
	want = 1ULL << CAP_CHOWN | 1ULL << CAP_DAC_OVERRIDE |
	    1ULL << CAP_FOWNER | 1ULL << CAP_KILL | 1ULL << CAP_SETGID |
	    1ULL << CAP_SETUID | 1ULL << CAP_NET_ADMIN |
	    1ULL << CAP_SYS_CHROOT | 1ULL << CAP_SYS_ADMIN;
	assert_int_equal(priv_caps_mask(caps_session, ncaps_session), want);
}

/* priv_drop, seen from outside through /proc/PID/status. */

static const struct priv_case priv_cases[] = {
	{ "priv: uid 65534 keeping CAP_NET_ADMIN", NOBODY, R_TUNNEL, 0 },
	{ "priv: front as uid 65534, then its filter", NOBODY, R_FRONT, 1 },
	{ "priv: session stays root, reduced", 0, R_SESSION, 1 },
};

static int
status_field(const char *buf, const char *key, char *out, size_t len)
{
	const char	*p = buf;
	size_t		 klen = strlen(key), n;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			p += strspn(p, " \t");
			n = strcspn(p, "\n");
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n >= len)
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

static void
assert_field(const char *buf, const char *key, const char *want)
{
	char	val[128];

	if (status_field(buf, key, val, sizeof(val)) == -1)
		fail_msg("no %s in /proc/PID/status", key);
	if (strcmp(val, want) != 0)
		fail_msg("%s: want \"%s\", got \"%s\"", key, want, val);
}

/* The confined child: drop, look around, say so, wait to be read. */
static void
priv_child(const struct priv_case *pc, const char *root, int ready,
    int go)
{
	struct priv_spec	 ps;
	char			 cwd[16], code = 0, c;
	const struct role_def	*r = &roles[pc->role];

	alarm(CHILD_ALARM);
	ps.root = root;
	ps.uid = pc->uid;
	ps.gid = pc->uid;
	ps.caps = r->caps;
	ps.ncaps = *r->ncaps;
	priv_drop(&ps);
	if (access("/marker", R_OK) != 0)
		code = 1;
	else if (getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		code = 2;
	if (pc->load)
		sandbox_load(r->policy, 0);
	if (write(ready, &code, 1) != 1 || read(go, &c, 1) != 1)
		_exit(3);
	_exit(0);
}

/* What anyone may see of the child: its status and its root link. */
static void
priv_snapshot(pid_t pid, char *buf, size_t len, char *link, size_t llen)
{
	char	path[64];
	ssize_t	n;
	int	fd;

	buf[0] = link[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if ((n = read(fd, buf, len - 1)) > 0)
			buf[n] = '\0';
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%ld/root", (long)pid);
	if ((n = readlink(path, link, llen - 1)) > 0)
		link[n] = '\0';
}

static void
priv_check_status(const struct priv_case *pc, const char *buf)
{
	const char	*ids = pc->uid == 0 ? "0\t0\t0\t0" :
			    "65534\t65534\t65534\t65534";
	char		 want[32];
	uint64_t	 caps;

	caps = priv_caps_mask(roles[pc->role].caps, *roles[pc->role].ncaps);
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)caps);
	assert_field(buf, "CapEff", want);
	assert_field(buf, "CapPrm", want);
	assert_field(buf, "CapBnd", want);
	assert_field(buf, "CapInh", "0000000000000000");
	assert_field(buf, "CapAmb", "0000000000000000");
	assert_field(buf, "NoNewPrivs", "1");
	assert_field(buf, "Seccomp", pc->load ? "2" : "0");
	assert_field(buf, "Uid", ids);
	assert_field(buf, "Gid", ids);
	assert_field(buf, "Groups", pc->uid == 0 ? "0" : "65534");
}

static void
test_priv(void **state)
{
	const struct priv_case	*pc = *state;
	char			 root[PATH_MAX], marker[PATH_MAX + 8];
	char			 buf[4096], link[PATH_MAX], c;
	int			 ready[2], go[2], st, fd;
	pid_t			 pid;

	snprintf(root, sizeof(root), "%s/root.%s", test_dir,
	    roles[pc->role].name);
	snprintf(marker, sizeof(marker), "%s/marker", root);
	if ((mkdir(root, 0755) == -1 && errno != EEXIST) ||
	    (fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1)
		fail_msg("%s: %s", root, strerror(errno));
	close(fd);
	if (pipe2(ready, O_CLOEXEC) == -1 || pipe2(go, O_CLOEXEC) == -1)
		fail_msg("pipe: %s", strerror(errno));

	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0)
		priv_child(pc, root, ready[1], go[0]);
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1)
		c = -1;
	if (c == 0)
		priv_snapshot(pid, buf, sizeof(buf), link, sizeof(link));
	if (write(go[1], "", 1) != 1)
		kill(pid, SIGKILL);
	close(ready[0]);
	close(go[1]);
	waitpid(pid, &st, 0);

	if (c != 0)
		fail_msg("child said %d, %s", c, status_str(st));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	priv_check_status(pc, buf);
	assert_string_equal(link, root);
}

/* Setting up and cleaning up the scratch directory, listing policies. */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(path);
}

static int
group_setup(void **state)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(test_dir, sizeof(test_dir), "%s/sandbox.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(test_dir) == NULL || chmod(test_dir, 0755) == -1)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	/* Helpers that outlived their confined parent end within 0.1 s. */
	alarm(CHILD_ALARM);
	while (waitpid(-1, NULL, 0) > 0)
		;
	alarm(0);
	nftw(test_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void
list_rules(const char *role, const struct sandbox_rule *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		printf("%-8s %-16s", role, r[i].call);
		if (r[i].action == SANDBOX_ERRNO)
			printf(" %-10s", strerrorname_np(r[i].err));
		else
			printf(" %-10s", "allow");
		if (r[i].cmp == SANDBOX_CMP_EQ)
			printf(" a%u == %#llx", r[i].arg,
			    (unsigned long long)r[i].value);
		else if (r[i].cmp == SANDBOX_CMP_MASKED_EQ)
			printf(" a%u & %#llx == %#llx", r[i].arg,
			    (unsigned long long)r[i].mask,
			    (unsigned long long)r[i].value);
		else if (r[i].cmp == SANDBOX_CMP_SELF)
			printf(" a%u == own pid", r[i].arg);
		printf("\t# %s\n", r[i].why);
	}
}

static void
list_policies(void)
{
	int	i;

	list_rules("base", sandbox_base, sandbox_nbase);
	for (i = 0; i < R_MAX; i++)
		list_rules(roles[i].name, roles[i].policy->rules,
		    roles[i].policy->nrules);
}

/*
 * The tests, built at run time: each op and workload for each role.
 * What needs root is left out, not skipped, when not run as root:
 * prove takes cmocka's "not ok # SKIP" for a failure.
 */
struct tests {
	struct CMUnitTest	*t;
	struct cell		*cells;
	size_t			 n, nc;
};

static void
add_test(struct tests *ts, const char *name, CMUnitTestFunction fn,
    void *state)
{
	struct CMUnitTest	*t = &ts->t[ts->n++];

	t->name = name;
	t->test_func = fn;
	t->setup_func = NULL;
	t->teardown_func = NULL;
	t->initial_state = state;
}

static void
add_cell(struct tests *ts, int role, const struct op *op,
    const struct workload *w)
{
	struct cell	*c = &ts->cells[ts->nc++];
	char		*name;

	c->role = role;
	c->op = op;
	c->work = w;
	if (asprintf(&name, "%s: %s", roles[role].name,
	    op != NULL ? op->name : w->name) == -1)
		abort();
	add_test(ts, name, op != NULL ? test_op : test_workload, c);
}

static void
add_roles(struct tests *ts, int root)
{
	size_t	i;
	int	r;

	for (r = 0; r < R_MAX; r++) {
		for (i = 0; i < SB_NRULES(ops); i++)
			if (root || !ops[i].root)
				add_cell(ts, r, &ops[i], NULL);
		for (i = 0; i < nworkloads; i++)
			if ((workloads[i].roles & RB(r)) != 0 &&
			    (root || !workloads[i].root))
				add_cell(ts, r, NULL, &workloads[i]);
	}
}

static void
add_all(struct tests *ts, int root)
{
	size_t	i;

	add_test(ts, "rules are valid and explained", test_rules_valid,
	    NULL);
	add_test(ts, "capabilities as documented", test_caps_documented,
	    NULL);
	add_test(ts, "unconfined, the same calls are not killed",
	    test_unconfined, NULL);
	add_roles(ts, root);
	add_test(ts, "debug: a trapped call is named",
	    test_debug_names_call, NULL);
	add_test(ts, "debug: errno answers stay", test_debug_errno_kept,
	    NULL);
	add_test(ts, "debug: other architectures still killed",
	    test_debug_arch_killed, NULL);
	for (i = 0; root && i < SB_NRULES(priv_cases); i++)
		add_test(ts, priv_cases[i].name, test_priv,
		    (void *)&priv_cases[i]);
}

int
main(int argc, char *argv[])
{
	struct tests	ts;
	size_t		max = R_MAX * (SB_NRULES(ops) + nworkloads) + 16;
	int		root = geteuid() == 0;

	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		list_policies();
		return 0;
	}
	log_init("test_sandbox", 1, 0);
	work_debug = getenv("SANDBOX_DEBUG") != NULL;
	signal(SIGPIPE, SIG_IGN);
	/* Orphaned helpers come back here to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	memset(&ts, 0, sizeof(ts));
	ts.t = calloc(max, sizeof(*ts.t));
	ts.cells = calloc(max, sizeof(*ts.cells));
	if (ts.t == NULL || ts.cells == NULL)
		abort();
	add_all(&ts, root);
	if (!root)
		printf("# not root: namespaces, chroot and priv_drop "
		    "tests left out\n");

	cmocka_set_message_output(CM_OUTPUT_TAP);
	if (getenv("SANDBOX_FILTER") != NULL)
		cmocka_set_test_filter(getenv("SANDBOX_FILTER"));
	return _cmocka_run_group_tests("sandbox", ts.t, ts.n, group_setup,
	    group_teardown);
}
