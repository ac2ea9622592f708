/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Built and run inside a session by the tests: tries what must fail. */

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/sched.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Print what a call returned: "name ok" or "name errno NAME". */
static int
report(const char *name, long rv)
{
	if (rv == -1)
		printf("%s errno %s\n", name, strerrorname_np(errno));
	else
		printf("%s ok\n", name);
	return 0;
}

static int
p_clone3(void)
{
	struct clone_args	ca;
	long			rv;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWUSER;
	ca.exit_signal = SIGCHLD;
	rv = syscall(SYS_clone3, &ca, sizeof(ca));
	if (rv == 0)
		_exit(0);
	if (rv > 0)
		waitpid(rv, NULL, 0);
	return report("clone3", rv);
}

static int
p_clone(void)
{
	long	rv;

	rv = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (rv == 0)
		_exit(0);
	if (rv > 0)
		waitpid(rv, NULL, 0);
	return report("clone", rv);
}

static int
p_ptrace(const char *host)
{
	pid_t	pid;

	report("traceme", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	if ((pid = fork()) == 0) {
		pause();
		_exit(0);
	}
	report("attach-sibling", ptrace(PTRACE_ATTACH, pid, NULL, NULL));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	report("attach-init", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
	if (host != NULL)
		report("attach-host", ptrace(PTRACE_ATTACH, atoi(host), NULL,
		    NULL));
	return 0;
}

static int
p_connect(const char *port)
{
	struct sockaddr_in	sin;
	int			s = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return report("connect", connect(s, (struct sockaddr *)&sin,
	    sizeof(sin)));
}

static int
p_abstract(const char *name)
{
	struct sockaddr_un	sun;
	int			s = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path + 1, name, sizeof(sun.sun_path) - 2);
	return report("abstract", connect(s, (struct sockaddr *)&sun,
	    offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name)));
}

static int
p_kernel(void)
{
	report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	report("umount", umount2("/etc/shadow", MNT_DETACH));
	report("unshare-user", unshare(CLONE_NEWUSER));
	report("unshare-ns", unshare(CLONE_NEWNS));
	report("setns", syscall(SYS_setns, 0, 0));
	report("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	report("bpf", syscall(SYS_bpf, 0, NULL, 0));
	report("io_uring", syscall(SYS_io_uring_setup, 1, NULL));
	report("perf", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	report("procsys", open("/proc/sys/kernel/hostname", O_WRONLY));
	return 0;
}

/* Fork until the kernel refuses; report how many and why. */
static int
p_forkbomb(void)
{
	int	n = 0, err = 0;
	pid_t	pid;

	for (;;) {
		if ((pid = fork()) == -1) {
			err = errno;
			break;
		}
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			pause();
			_exit(0);
		}
		if (++n > 100000)
			break;
	}
	printf("forkbomb %d %s\n", n, strerrorname_np(err));
	fflush(stdout);
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int
p_memhog(const char *mb)
{
	size_t	n = (size_t)atoi(mb) << 20, i;
	char	*p;

	printf("memhog start\n");
	fflush(stdout);
	if ((p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		return report("memhog", -1);
	for (i = 0; i < n; i += 4096)
		p[i] = 1;
	printf("memhog survived\n");
	return 0;
}

static double
secs(clockid_t c)
{
	struct timespec	ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
p_cpuburn(const char *s)
{
	double	wall0 = secs(CLOCK_MONOTONIC), cpu0, len = atof(s);
	volatile unsigned long x = 0;

	cpu0 = secs(CLOCK_PROCESS_CPUTIME_ID);
	while (secs(CLOCK_MONOTONIC) - wall0 < len)
		x++;
	printf("cpuburn %.3f %.3f\n", secs(CLOCK_PROCESS_CPUTIME_ID) - cpu0,
	    secs(CLOCK_MONOTONIC) - wall0);
	return 0;
}

/* n children that wait; then say so and wait too. */
static int
p_forker(const char *s)
{
	int	n = atoi(s), i;

	for (i = 0; i < n; i++)
		if (fork() == 0) {
			pause();
			_exit(0);
		}
	printf("ready %d\n", n);
	fflush(stdout);
	for (;;)
		pause();
}

int
main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "clone3") == 0)
		return p_clone3();
	if (strcmp(argv[1], "clone") == 0)
		return p_clone();
	if (strcmp(argv[1], "ptrace") == 0)
		return p_ptrace(argc > 2 ? argv[2] : NULL);
	if (strcmp(argv[1], "kernel") == 0)
		return p_kernel();
	if (strcmp(argv[1], "forkbomb") == 0)
		return p_forkbomb();
	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "connect") == 0)
		return p_connect(argv[2]);
	if (strcmp(argv[1], "abstract") == 0)
		return p_abstract(argv[2]);
	if (strcmp(argv[1], "memhog") == 0)
		return p_memhog(argv[2]);
	if (strcmp(argv[1], "cpuburn") == 0)
		return p_cpuburn(argv[2]);
	if (strcmp(argv[1], "forker") == 0)
		return p_forker(argv[2]);
	return 2;
}
