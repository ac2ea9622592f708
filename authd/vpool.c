/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Ed25519 verification threads beside the auth daemon's event loop. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/log.h"
#include "vpool.h"

/*
 * The threads hold no state of their own: a job carries its keys,
 * signatures and messages in, and its answers out.  The replay cache,
 * the session table, rate limits and everything else that decides a
 * request stay with the event loop, which runs each job's done()
 * one at a time, so they are as exact as with no threads at all.
 * A thread that finishes a job when the done list was empty writes
 * one byte to a pipe; the event loop then takes the whole list.
 */
static pthread_mutex_t		 vp_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 vp_cv = PTHREAD_COND_INITIALIZER;
static TAILQ_HEAD(, vpool_job)	 vp_todo = TAILQ_HEAD_INITIALIZER(vp_todo);
static TAILQ_HEAD(, vpool_job)	 vp_done = TAILQ_HEAD_INITIALIZER(vp_done);
static int			 vp_pipe[2] = { -1, -1 };
static int			 vp_n;
static struct event		*vp_ev;

static void
vpool_run(struct vpool_job *j)
{
	struct vpool_sig	*s;
	int			 i;

	for (i = 0; i < j->nsig; i++) {
		s = &j->sig[i];
		s->ok = crypto_sign_verify_detached(s->sig, s->msg, s->len,
		    s->pk) == 0;
	}
}

static void *
vpool_thread(void *arg)
{
	struct vpool_job	*j;
	int			 wake;
	char			 b = 0;

	for (;;) {
		pthread_mutex_lock(&vp_mu);
		while ((j = TAILQ_FIRST(&vp_todo)) == NULL)
			pthread_cond_wait(&vp_cv, &vp_mu);
		TAILQ_REMOVE(&vp_todo, j, entry);
		pthread_mutex_unlock(&vp_mu);

		vpool_run(j);

		pthread_mutex_lock(&vp_mu);
		wake = TAILQ_EMPTY(&vp_done);
		TAILQ_INSERT_TAIL(&vp_done, j, entry);
		pthread_mutex_unlock(&vp_mu);
		/* A full pipe already holds a wake-up. */
		if (wake && write(vp_pipe[1], &b, 1) == -1 && errno != EAGAIN)
			fatal("vpool wake");
	}
	return NULL;
}

/* The event loop's side: every finished job, in the order finished. */
static void
vpool_on_wake(evutil_socket_t fd, short ev, void *arg)
{
	TAILQ_HEAD(, vpool_job)	 list = TAILQ_HEAD_INITIALIZER(list);
	struct vpool_job	*j;
	char			 buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&vp_mu);
	TAILQ_CONCAT(&list, &vp_done, entry);
	pthread_mutex_unlock(&vp_mu);
	while ((j = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, j, entry);
		j->done(j);
	}
}

int
vpool_init(struct event_base *base, int n)
{
	if (n < 0 || n > VPOOL_MAXTHREADS)
		return -1;
	vp_n = n;
	if (n == 0)
		return 0;
	if (pipe2(vp_pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	vp_ev = event_new(base, vp_pipe[0], EV_READ | EV_PERSIST,
	    vpool_on_wake, NULL);
	if (vp_ev == NULL || event_add(vp_ev, NULL) == -1)
		return -1;
	return 0;
}

int
vpool_start(void)
{
	pthread_t	t;
	sigset_t	all, old;
	int		i, rv = 0;

	/* Signals stay with the event loop's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < vp_n && rv == 0; i++)
		if ((rv = pthread_create(&t, NULL, vpool_thread, NULL)) == 0)
			pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0) {
		errno = rv;
		log_warn("verification thread");
		return -1;
	}
	return 0;
}

void
vpool_add(struct vpool_job *j, const unsigned char *pk,
    const unsigned char *sig, const unsigned char *msg, size_t len)
{
	struct vpool_sig	*s;

	if (j->nsig == VPOOL_MAXSIGS)
		fatalx("vpool: too many checks in one job");
	s = &j->sig[j->nsig++];
	s->pk = pk;
	s->sig = sig;
	s->msg = msg;
	s->len = len;
	s->ok = 0;
}

void
vpool_submit(struct vpool_job *j)
{
	if (j->nsig == 0 || vp_n == 0) {
		vpool_run(j);
		j->done(j);
		return;
	}
	pthread_mutex_lock(&vp_mu);
	TAILQ_INSERT_TAIL(&vp_todo, j, entry);
	pthread_cond_signal(&vp_cv);
	pthread_mutex_unlock(&vp_mu);
}

int
vpool_threads(void)
{
	return vp_n;
}
