/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The display of an upload's streamed verdict. */

#ifndef PCCX_CLIENT_VERDICT_H
#define PCCX_CLIENT_VERDICT_H

#include <stdint.h>
#include <stdio.h>

#define VERDICT_NONE	0
#define VERDICT_PASS	1
#define VERDICT_FAIL	2

/* What has been shown of one upload. */
struct verdict {
	FILE		*out;		/* findings, steps, verdict */
	FILE		*bar;		/* a terminal, or NULL */
	FILE		*plain;		/* else progress lines, or NULL */
	uint64_t	 total;		/* bytes of the file */
	uint64_t	 sent;
	uint64_t	 events;	/* the checker has seen */
	uint64_t	 nextpct;
	uint64_t	 lastpct;
	int		 barshown;
	int		 result;
	int		 stored;
	int		 failed;	/* the server did not keep it */
	char		 id[40];
};

/* verdict_line: an ndjson line handler (see ndjson_init). */
int	verdict_line(const char *, size_t, void *);
/* verdict_tick: a stream_req tick: the bytes sent. */
void	verdict_tick(void *, uint64_t);
/* verdict_status: the exit code for what came; the bar is wiped. */
int	verdict_status(struct verdict *);

#endif
