/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Ed25519 verification threads beside the auth daemon's event loop. */

#ifndef PCCX_VPOOL_H
#define PCCX_VPOOL_H

#include <sys/queue.h>

#include <stddef.h>

struct event_base;

#define VPOOL_MAXSIGS	2		/* a token and a request */
#define VPOOL_MAXTHREADS 16

/* One Ed25519 check: pointers stay valid until the job is done. */
struct vpool_sig {
	const unsigned char	*pk;		/* 32 bytes */
	const unsigned char	*sig;		/* 64 bytes */
	const unsigned char	*msg;
	size_t			 len;
	int			 ok;		/* the answer */
};

/*
 * A job: up to VPOOL_MAXSIGS checks, then done() on the event loop's
 * thread.  A thread only reads the inputs and writes the answers; all
 * other state stays with the event loop.
 */
struct vpool_job {
	TAILQ_ENTRY(vpool_job)	 entry;
	struct vpool_sig	 sig[VPOOL_MAXSIGS];
	int			 nsig;
	void			(*done)(struct vpool_job *);
};

/*
 * vpool_init: prepare for n threads (0: none, every job runs inline)
 * on base.  Before confinement: it opens the wake-up pipe.  0 or -1.
 */
int	vpool_init(struct event_base *, int);
/* vpool_start: start the threads; once confined.  0 or -1. */
int	vpool_start(void);
/* vpool_add: add a check to j; the caller keeps the buffers alive. */
void	vpool_add(struct vpool_job *, const unsigned char *,
	    const unsigned char *, const unsigned char *, size_t);
/*
 * vpool_submit: run j's checks on a thread; j->done(j) follows on the
 * event loop.  A job without checks, or with no threads, is done
 * before vpool_submit returns.
 */
void	vpool_submit(struct vpool_job *);
/* vpool_threads: how many threads verify (0: inline). */
int	vpool_threads(void);

#endif
