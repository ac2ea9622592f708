/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Signals that end or resize a command, seen through a self-pipe. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "client/pccx.h"

static volatile sig_atomic_t	intr_sig;
static volatile sig_atomic_t	intr_resized;
static int			intr_pipe[2] = { -1, -1 };

static void
intr_handler(int sig)
{
	int	save = errno;
	ssize_t	n;

	if (sig == SIGWINCH)
		intr_resized = 1;
	else if (intr_sig == 0)
		intr_sig = sig;
	n = write(intr_pipe[1], "", 1);
	(void)n;	/* a full pipe is awake already */
	errno = save;
}

/* intr_init: the handlers and the pipe they write to. */
void
intr_init(int winch)
{
	struct sigaction	sa;
	int			i;

	if (intr_pipe[0] == -1) {
		if (pipe2(intr_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
			fatal("pipe");
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = intr_handler;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (winch)
		sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	for (i = 0; i < 2; i++)
		(void)fcntl(intr_pipe[i], F_SETFD, FD_CLOEXEC);
}

/* intr_fd: the read end of the pipe. */
int
intr_fd(void)
{
	return intr_pipe[0];
}

/* intr_stop: the first signal that asked to stop, 0 if none. */
int
intr_stop(void)
{
	return intr_sig;
}

/* intr_winch: whether the window changed since the last call. */
int
intr_winch(void)
{
	char	buf[64];
	int	r;

	/* Drained first: a change after this wakes the next poll. */
	while (read(intr_pipe[0], buf, sizeof(buf)) > 0)
		;
	r = intr_resized;
	intr_resized = 0;
	return r;
}
