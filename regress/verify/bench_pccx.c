/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Benchmark helper: the bare FNV-1a-64 ceiling, and timing a command. */

#include <sys/resource.h>
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		(256 * 1024)
#define FNV_OFFSET	((uint64_t)0xcbf29ce484222325ULL)
#define FNV_PRIME	((uint64_t)0x100000001b3ULL)

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a file in chunks as pccx-verify does and hash every byte. */
static void
bench_fnv(const char *path)
{
	static uint8_t	 buf[CHUNK];
	uint64_t	 h = FNV_OFFSET, total = 0;
	ssize_t		 n, i;
	double		 t0, t;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		err(1, "%s", path);
	t0 = now();
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			h ^= buf[i];
			h *= FNV_PRIME;
		}
		total += n;
	}
	if (n == -1)
		err(1, "%s", path);
	t = now() - t0;
	close(fd);
	printf("bytes %" PRIu64 " seconds %.3f rate %.0f hash %016" PRIx64
	    "\n", total, t, total / t, h);
}

/* Run a command with stdout on /dev/null; report wall time and RSS. */
static void
bench_run(char **argv)
{
	struct rusage	 ru;
	double		 t0, t;
	pid_t		 pid;
	int		 status, fd;

	t0 = now();
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(fd, STDOUT_FILENO) == -1)
			err(1, "/dev/null");
		execvp(argv[0], argv);
		err(127, "%s", argv[0]);
	}
	if (wait4(pid, &status, 0, &ru) == -1)
		err(1, "wait4");
	t = now() - t0;
	printf("seconds %.3f maxrss_kib %ld status %d\n", t, ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

int
main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "fnv") == 0)
		bench_fnv(argv[2]);
	else if (argc > 2 && strcmp(argv[1], "run") == 0)
		bench_run(argv + 2);
	else {
		fprintf(stderr, "usage: bench_pccx fnv file\n"
		    "       bench_pccx run command [argument ...]\n");
		return 2;
	}
	return 0;
}
