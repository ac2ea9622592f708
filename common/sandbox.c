/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The seccomp loader: base rules, the role's rules, the debug trap. */

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* si_code of a SIGSYS from seccomp; glibc does not name it. */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1
#endif

/* Calls numbered below this get a name in the debug trap. */
#define SANDBOX_MAXNR	1024

static void	 sandbox_add(scmp_filter_ctx, const char *,
		    const struct sandbox_rule *, pid_t);
static void	 sandbox_trap_init(const char *);
static void	 sandbox_on_sigsys(int, siginfo_t *, void *);
static size_t	 trap_cat(char *, size_t, size_t, const char *);
static size_t	 trap_num(char *, size_t, size_t, unsigned int);

/*
 * What every child does whatever its role: malloc, the libevent loop,
 * messages to its peers with descriptors, time, signals and exit.
 */
const struct sandbox_rule sandbox_base[] = {
	/* glibc malloc, libevent buffers, OpenSSL, jansson */
	SB_ALLOW("brk", "malloc grows the main heap"),
	SB_ALLOW_MASK("mmap", 2, PROT_EXEC, 0,
	    "malloc maps large blocks and arenas; never executable"),
	SB_ALLOW_MASK("mprotect", 2, PROT_EXEC, 0,
	    "malloc commits arena pages; never executable"),
	SB_ALLOW("munmap", "free returns large blocks"),
	SB_ALLOW("mremap", "realloc grows a large block in place"),
	SB_ALLOW("madvise", "free gives arena pages back"),
	SB_ALLOW("futex", "glibc locks (stdio, malloc) when contended"),
	SB_ALLOW("getrandom", "OpenSSL and libsodium draw randomness"),

	/* the event loop */
	SB_ALLOW("epoll_wait", "libevent waits for events"),
	SB_ALLOW("epoll_ctl", "libevent adds and removes descriptors"),
	SB_ALLOW("poll", "msg_flush_wait waits for a full channel"),
	SB_ALLOW("restart_syscall", "the kernel resumes a stopped wait"),
	SB_ALLOW_EQ("ioctl", 1, FIONREAD,
	    "libevent sizes a read with FIONREAD"),
	SB_ALLOW_EQ("fcntl", 1, F_GETFD, "descriptor flags of a new fd"),
	SB_ALLOW_EQ("fcntl", 1, F_SETFD, "close-on-exec on a new fd"),
	SB_ALLOW_EQ("fcntl", 1, F_GETFL, "status flags of a new fd"),
	SB_ALLOW_EQ("fcntl", 1, F_SETFL, "O_NONBLOCK on a received fd"),

	/* messages to peers, connections, the log */
	SB_ALLOW("read", "channels, connections, the signal pipe"),
	SB_ALLOW("readv", "libevent reads into several chains"),
	SB_ALLOW("write", "channels, connections, stderr with -d"),
	SB_ALLOW("writev", "libevent writes several chains"),
	SB_ALLOW("recvmsg", "messages from peers with SCM_RIGHTS"),
	SB_ALLOW("sendmsg", "messages to peers with SCM_RIGHTS"),
	SB_ALLOW("close", "descriptors received or done with"),

	/* time, identity, signals, exit */
	SB_ALLOW("clock_gettime",
	    "libevent timers, when the clock source has no vDSO path"),
	SB_ALLOW("gettimeofday", "the same for gettimeofday"),
	SB_ALLOW("getpid", "the pid in every message header"),
	SB_ALLOW("gettid", "raise() and abort() name the thread"),
	SB_ALLOW("getuid", "the status record shows the uid"),
	SB_ALLOW_SELF("tgkill", 0, "raise() and abort(), to itself only"),
	SB_ALLOW("rt_sigaction", "libevent signal events, the debug trap"),
	SB_ALLOW("rt_sigprocmask", "libevent and abort() mask signals"),
	SB_ALLOW("rt_sigreturn", "return from a signal handler"),
	SB_ALLOW("exit", "a thread ends (libcurl's resolver thread)"),
	SB_ALLOW("exit_group", "the process ends"),

	/* probes */
	SB_ERRNO("clone3", ENOSYS,
	    "its flags are out of reach: libc falls back to clone"),
};
const size_t sandbox_nbase = SB_NRULES(sandbox_base);

static const char	*trap_role = "?";
static char		*trap_names[SANDBOX_MAXNR];

void
sandbox_load(const struct sandbox_policy *p, int debug)
{
	scmp_filter_ctx	 ctx;
	pid_t		 self = getpid();
	size_t		 i;
	int		 rv;

	ctx = seccomp_init(debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		fatalx("sandbox: %s: seccomp_init failed", p->role);
	/* Only the native architecture: i386 and x32 calls are killed. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0)
		fatalx("sandbox: %s: cannot set filter attributes", p->role);

	for (i = 0; i < sandbox_nbase; i++)
		sandbox_add(ctx, p->role, &sandbox_base[i], self);
	for (i = 0; i < p->nrules; i++)
		sandbox_add(ctx, p->role, &p->rules[i], self);

	if (debug)
		sandbox_trap_init(p->role);
	if ((rv = seccomp_load(ctx)) != 0) {
		errno = -rv;
		fatal("sandbox: %s: cannot load the filter", p->role);
	}
	seccomp_release(ctx);
	log_debug("sandbox: %s: %zu rules loaded%s", p->role,
	    sandbox_nbase + p->nrules, debug ? ", trapping" : "");
}

int
sandbox_rule_valid(const struct sandbox_rule *r)
{
	if (r->call == NULL || r->why == NULL || r->why[0] == '\0')
		return -1;
	if (seccomp_syscall_resolve_name(r->call) == __NR_SCMP_ERROR)
		return -1;
	if (r->action != SANDBOX_ALLOW && r->action != SANDBOX_ERRNO)
		return -1;
	if (r->action == SANDBOX_ERRNO && (r->err <= 0 || r->err > 4095))
		return -1;
	if (r->cmp != SANDBOX_CMP_NONE && r->arg > 5)
		return -1;
	switch (r->cmp) {
	case SANDBOX_CMP_NONE:
	case SANDBOX_CMP_EQ:
	case SANDBOX_CMP_SELF:
		return 0;
	case SANDBOX_CMP_MASKED_EQ:
		/* A value outside the mask would never match. */
		return (r->value & ~r->mask) == 0 ? 0 : -1;
	}
	return -1;
}

/* Turn one rule into a libseccomp rule; fatal on a bad policy. */
static void
sandbox_add(scmp_filter_ctx ctx, const char *role,
    const struct sandbox_rule *r, pid_t self)
{
	struct scmp_arg_cmp	 c;
	uint32_t		 action = SCMP_ACT_ALLOW;
	int			 nr, rv;

	if (sandbox_rule_valid(r) == -1)
		fatalx("sandbox: %s: bad rule for %s", role,
		    r->call != NULL ? r->call : "(null)");
	nr = seccomp_syscall_resolve_name(r->call);
	if (r->action == SANDBOX_ERRNO)
		action = SCMP_ACT_ERRNO(r->err);

	memset(&c, 0, sizeof(c));
	c.arg = r->arg;
	c.op = SCMP_CMP_MASKED_EQ;
	c.datum_a = 0xffffffff;
	switch (r->cmp) {
	case SANDBOX_CMP_EQ:
		c.datum_b = r->value & 0xffffffff;
		break;
	case SANDBOX_CMP_MASKED_EQ:
		c.datum_a = r->mask & 0xffffffff;
		c.datum_b = r->value & 0xffffffff;
		break;
	case SANDBOX_CMP_SELF:
		c.datum_b = (uint32_t)self;
		break;
	}
	if (r->cmp == SANDBOX_CMP_NONE)
		rv = seccomp_rule_add(ctx, action, nr, 0);
	else
		rv = seccomp_rule_add_array(ctx, action, nr, 1, &c);
	if (rv != 0) {
		errno = -rv;
		fatal("sandbox: %s: cannot add the rule for %s", role,
		    r->call);
	}
}

/*
 * Resolve the names now, while malloc may still be called safely, so
 * that the handler only reads a table and writes one line.
 */
static void
sandbox_trap_init(const char *role)
{
	struct sigaction	sa;
	int			nr;

	trap_role = role;
	for (nr = 0; nr < SANDBOX_MAXNR; nr++)
		if (trap_names[nr] == NULL)
			trap_names[nr] = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, nr);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sandbox: %s: sigaction SIGSYS", role);
}

/* Async-signal-safe: name the trapped call on stderr and exit. */
static void
sandbox_on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char		 line[160];
	const char	*name = NULL;
	unsigned int	 nr = (unsigned int)si->si_syscall;
	size_t		 n;
	ssize_t		 w;

	if (si->si_code == SYS_SECCOMP && nr < SANDBOX_MAXNR)
		name = trap_names[nr];
	n = trap_cat(line, 0, sizeof(line), "sandbox: ");
	n = trap_cat(line, n, sizeof(line), trap_role);
	n = trap_cat(line, n, sizeof(line), ": trapped system call ");
	n = trap_cat(line, n, sizeof(line), name != NULL ? name : "unknown");
	n = trap_cat(line, n, sizeof(line), " (");
	n = trap_num(line, n, sizeof(line), nr);
	n = trap_cat(line, n, sizeof(line), ")\n");
	w = write(STDERR_FILENO, line, n);
	(void)w;
	_exit(128 + SIGSYS);
}

static size_t
trap_cat(char *buf, size_t off, size_t size, const char *s)
{
	while (*s != '\0' && off < size)
		buf[off++] = *s++;
	return off;
}

static size_t
trap_num(char *buf, size_t off, size_t size, unsigned int v)
{
	char	digits[12];
	size_t	i = 0;

	do {
		digits[i++] = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	while (i > 0 && off < size)
		buf[off++] = digits[--i];
	return off;
}
