/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The program that make demo builds and runs inside a session. */

#include <sys/utsname.h>

#include <stdio.h>
#include <unistd.h>

int
main(void)
{
	struct utsname	u;

	if (uname(&u) == -1)
		return 1;
	printf("hello from a pccx-remote session: uid %u, pid %d, host %s\n",
	    (unsigned)getuid(), (int)getpid(), u.nodename);
	return 0;
}
