/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Actions held until the audit daemon says their row is durable. */

#include <sys/queue.h>

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "sessiond/engine.h"

/*
 * An open, exec, pty or kill, or the removal of a kept layer, is
 * described by an audit row first; the action waits here, keyed by the
 * row's id, while other requests go on.  The ACK runs it; a NACK, no
 * answer within the deadline or a row that could not be sent refuses
 * it with SESSION_E_AUDIT (a removal is logged and left for the next
 * pass), and nothing of it happens.  The list is in the order the rows left, so
 * the first entry is always the next to expire.
 */
struct gate {
	TAILQ_ENTRY(gate)	 entry;
	uint32_t		 id;		/* the audit row's */
	uint32_t		 reqid;
	int			 kind;		/* GATE_* */
	uint64_t		 deadline;	/* monotonic, microseconds */
	/* OPEN: admitted, not yet in the table */
	struct session		*s;
	/* EXEC: a copy, argv and env into its own buf */
	struct p_session_exec	*x;
	struct p_session_pty	 p;
	struct p_session_ref	 k;
	char			 kept[64];	/* PRUNE: orphans/ID... */
};

static TAILQ_HEAD(, gate)	 gates = TAILQ_HEAD_INITIALIZER(gates);
static struct event		*ev_gate;

static void	gate_on_timer(evutil_socket_t, short, void *);

static void
gate_arm(void)
{
	struct gate	*g;
	struct timeval	 tv;
	uint64_t	 now, left;

	if ((g = TAILQ_FIRST(&gates)) == NULL) {
		if (ev_gate != NULL)
			evtimer_del(ev_gate);
		return;
	}
	if (ev_gate == NULL &&
	    (ev_gate = evtimer_new(eng.base, gate_on_timer, NULL)) == NULL)
		fatalx("evtimer_new");
	now = sess_now_us();
	left = g->deadline > now ? g->deadline - now : 0;
	tv.tv_sec = left / 1000000;
	tv.tv_usec = left % 1000000;
	evtimer_add(ev_gate, &tv);
}

static void
gate_free(struct gate *g)
{
	if (g->s != NULL) {
		event_free(g->s->ev_timer);
		free(g->s);
	}
	free(g->x);
	free(g);
}

static void
gate_refuse(struct gate *g, int code, const char *why)
{
	if (g->kind == GATE_PRUNE) {
		log_warnx("%s: kept, not removed: %s", g->kept, why);
		gate_free(g);
		return;
	}
	if (g->kind == GATE_OPEN)
		log_warnx("session open for %s refused: %s", g->s->user, why);
	else
		log_warnx("session %s: request refused: %s", g->kind ==
		    GATE_EXEC ? g->x->uuid : g->kind == GATE_PTY ? g->p.uuid :
		    g->k.uuid, why);
	sess_error(g->reqid, code, "%s", why);
	gate_free(g);
}

/* The action, now that its row is durable (or there is no audit). */
static void
gate_go(struct gate *g)
{
	switch (g->kind) {
	case GATE_OPEN:
		sess_go_open(g->reqid, g->s);
		g->s = NULL;
		break;
	case GATE_EXEC:
		sess_go_exec(g->reqid, g->x);
		break;
	case GATE_PTY:
		sess_go_pty(g->reqid, &g->p);
		break;
	case GATE_KILL:
		sess_go_kill(g->reqid, &g->k);
		break;
	case GATE_PRUNE:
		end_prune_go(g->kept);
		break;
	}
	gate_free(g);
}

/* A copy whose argv, env and input point into its own buf. */
static struct p_session_exec *
gate_exec_copy(const struct p_session_exec *x)
{
	struct p_session_exec	*n;
	uint32_t		 i;

	if ((n = malloc(sizeof(*n))) == NULL)
		return NULL;
	memcpy(n, x, sizeof(*n));
	for (i = 0; i < x->argc; i++)
		n->argv[i] = n->buf + (x->argv[i] - x->buf);
	n->argv[x->argc] = NULL;
	for (i = 0; i < x->envc; i++)
		n->env[i] = n->buf + (x->env[i] - x->buf);
	n->env[x->envc] = NULL;
	if (x->in != NULL)
		n->in = n->buf + (x->in - x->buf);
	return n;
}

/*
 * gate_hold: hold request reqid of kind until row id is durable; arg
 * is the session (OPEN, which the gate then owns) or the payload.
 * Without an audit function the action runs at once; with one, an id
 * of 0 (the row could not be sent) refuses it at once.
 */
void
gate_hold(uint32_t reqid, int kind, uint32_t id, void *arg)
{
	struct gate	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		fatal("gate");
	g->reqid = reqid;
	g->kind = kind;
	g->id = id;
	switch (kind) {
	case GATE_OPEN:
		g->s = arg;
		break;
	case GATE_EXEC:
		if ((g->x = gate_exec_copy(arg)) == NULL)
			fatal("gate");
		break;
	case GATE_PTY:
		memcpy(&g->p, arg, sizeof(g->p));
		break;
	case GATE_KILL:
		memcpy(&g->k, arg, sizeof(g->k));
		break;
	case GATE_PRUNE:
		pccx_strlcpy(g->kept, arg, sizeof(g->kept));
		break;
	}
	if (eng.audit == NULL) {
		gate_go(g);
		return;
	}
	if (id == 0) {
		gate_refuse(g, SESSION_E_AUDIT,
		    "the action cannot be recorded");
		return;
	}
	g->deadline = sess_now_us() + (uint64_t)eng.audit_ms * 1000;
	TAILQ_INSERT_TAIL(&gates, g, entry);
	if (TAILQ_FIRST(&gates) == g)
		gate_arm();
}

/* session_audit_done: see session.h. */
void
session_audit_done(uint32_t id, int ok)
{
	struct gate	*g;

	TAILQ_FOREACH(g, &gates, entry)
		if (g->id == id)
			break;
	if (g == NULL)
		return;			/* a row nothing waits for */
	TAILQ_REMOVE(&gates, g, entry);
	gate_arm();
	if (ok)
		gate_go(g);
	else
		gate_refuse(g, SESSION_E_AUDIT,
		    "the audit daemon could not record the action");
}

static void
gate_on_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct gate	*g;
	uint64_t	 now = sess_now_us();

	while ((g = TAILQ_FIRST(&gates)) != NULL && g->deadline <= now) {
		TAILQ_REMOVE(&gates, g, entry);
		gate_refuse(g, SESSION_E_AUDIT,
		    "the audit daemon did not answer");
	}
	gate_arm();
}

/* gate_count_user: opens of user waiting for their row. */
int
gate_count_user(const char *user)
{
	struct gate	*g;
	int		 n = 0;

	TAILQ_FOREACH(g, &gates, entry)
		if (g->kind == GATE_OPEN && strcmp(g->s->user, user) == 0)
			n++;
	return n;
}

/* gate_prune_held: non-zero when the removal of kept waits here. */
int
gate_prune_held(const char *kept)
{
	struct gate	*g;

	TAILQ_FOREACH(g, &gates, entry)
		if (g->kind == GATE_PRUNE && strcmp(g->kept, kept) == 0)
			return 1;
	return 0;
}

/*
 * gate_revoke: refuse the opens waiting under a revoked user, device
 * or login (kind AUDIT_REVOKE_*).  Returns how many.
 */
int
gate_revoke(int kind, const char *id)
{
	struct gate	*g, *next;
	int		 n = 0;

	for (g = TAILQ_FIRST(&gates); g != NULL; g = next) {
		next = TAILQ_NEXT(g, entry);
		if (g->kind != GATE_OPEN || !sess_revoked(g->s, kind, id))
			continue;
		TAILQ_REMOVE(&gates, g, entry);
		gate_refuse(g, SESSION_E_STATE, "revoked");
		n++;
	}
	gate_arm();
	return n;
}

/* gate_stop: refuse everything still waiting (the engine stops). */
void
gate_stop(void)
{
	struct gate	*g;

	while ((g = TAILQ_FIRST(&gates)) != NULL) {
		TAILQ_REMOVE(&gates, g, entry);
		gate_refuse(g, SESSION_E_STATE, "sessions are not served");
	}
	if (ev_gate != NULL) {
		event_free(ev_gate);
		ev_gate = NULL;
	}
}
