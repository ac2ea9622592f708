/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The append path: group commit, acknowledgements, checkpoints, fan-out. */

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "auditd.h"

/*
 * A batch commits as soon as the messages already read are handled
 * (a zero timeout runs after this turn of the event loop), or at once
 * when full.  While the commit's fsync runs, more appends pile up in
 * the channels, so under load the batches fill without any wait.
 */
#define APPEND_WAIT_USEC	0
/* Rows indexed into FTS5 per transaction, between commits. */
#define APPEND_FTS_CHUNK	1024
/*
 * Past this many unindexed rows, indexing runs even under load: a few
 * seconds of appends at full rate.  Search says how many rows it does
 * not see yet; a lower bound makes a long burst pay for its index
 * while it is acknowledged, which is what keeping it off the durable
 * path avoids.
 */
#define APPEND_FTS_LAG		262144
/* Indexing waits until appends have paused this long. */
#define APPEND_FTS_IDLE_MS	5
/* With shipping on, a checkpoint (and object) is cut this soon. */
#define APPEND_SHIP_CUT_MS	500

struct waiter {
	struct chan	*c;
	uint32_t	 peerid;
};

static struct event_base	*base;
static struct audit_store	*store;
static struct audit_row		 batch[AUDIT_BATCH_MAX];
static struct waiter		 waiters[AUDIT_BATCH_MAX];
static size_t			 nbatch;
static struct event		*ev_commit, *ev_fts, *ev_cp;
static uint32_t			 cp_interval_ms = 10000;
static int			 shipping;
static void			(*hook)(const struct audit_row *, void *);
static void			*hook_arg;

static void	append_on_commit(evutil_socket_t, short, void *);
static void	append_on_fts(evutil_socket_t, short, void *);
static void	append_on_cp(evutil_socket_t, short, void *);

/*
 * append_init: set up the append path on base over an open store.
 * Called once from serve(), and by the tests.
 */
void
append_init(struct event_base *b, struct audit_store *s)
{
	base = b;
	store = s;
	ev_commit = evtimer_new(base, append_on_commit, NULL);
	ev_fts = evtimer_new(base, append_on_fts, NULL);
	ev_cp = evtimer_new(base, append_on_cp, NULL);
	if (ev_commit == NULL || ev_fts == NULL || ev_cp == NULL)
		fatalx("evtimer_new");
	/* Rows a crash left unindexed; rows that came in early. */
	if (store->fts_seq < store->head)
		event_active(ev_fts, EV_TIMEOUT, 0);
	if (nbatch > 0)
		event_active(ev_commit, EV_TIMEOUT, 0);
}

/*
 * append_configure: checkpoint every checkpoint_rows rows or
 * checkpoint_interval seconds, or sooner when shipping is on.
 */
void
append_configure(const struct p_audit_conf *conf, int ship)
{
	store->cp_rows = conf->checkpoint_rows;
	cp_interval_ms = conf->checkpoint_interval * 1000;
	shipping = ship;
	if (shipping && cp_interval_ms > APPEND_SHIP_CUT_MS)
		cp_interval_ms = APPEND_SHIP_CUT_MS;
}

void
append_set_hook(void (*fn)(const struct audit_row *, void *), void *arg)
{
	hook = fn;
	hook_arg = arg;
}

static void
timer_ms(struct event *ev, uint32_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/*
 * append_msg: MSG_AUDIT_APPEND from a daemon.  The row waits for its
 * transaction; the answer goes out once that has committed.  A
 * payload that does not decode is fatal, as any malformed message.
 */
int
append_msg(struct chan *c, struct msg *m)
{
	struct audit_row	*row = &batch[nbatch];
	struct timeval		 tv = { 0, APPEND_WAIT_USEC };

	if (proto_get_audit_append(m, &row->p) == -1)
		return -1;
	if (nbatch == AUDIT_BATCH_MAX) {
		/* Still being configured, with a batch already waiting. */
		if (proto_send_audit_nack(c, m->hdr.peerid,
		    AUDIT_NACK_STORE) == -1)
			return -1;
		child_commit(c);
		return 0;
	}
	pccx_strlcpy(row->daemon, proc_name(c->peer), sizeof(row->daemon));
	waiters[nbatch].c = c;
	waiters[nbatch].peerid = m->hdr.peerid;
	if (++nbatch == AUDIT_BATCH_MAX && store != NULL)
		append_flush();
	else if (store == NULL)
		return 0;
	else if (!evtimer_pending(ev_commit, NULL))
		evtimer_add(ev_commit, &tv);
	return 0;
}

/* Flush each channel once, however many answers it got. */
static void
append_answer(int ok)
{
	size_t	i, j;

	for (i = 0; i < nbatch; i++) {
		if ((ok ? proto_send_audit_ack(waiters[i].c,
		    waiters[i].peerid, batch[i].rec.seq) :
		    proto_send_audit_nack(waiters[i].c, waiters[i].peerid,
		    AUDIT_NACK_STORE)) == -1)
			fatalx("cannot queue an answer to %s",
			    proc_name(waiters[i].c->peer));
	}
	for (i = 0; i < nbatch; i++) {
		for (j = 0; j < i; j++)
			if (waiters[j].c == waiters[i].c)
				break;
		if (j == i)
			child_commit(waiters[i].c);
	}
}

/*
 * A revocation is forwarded once it is durable.  Only the auth
 * daemon decides revocations, so only its rows are obeyed: a front
 * end cannot make the others drop a user by writing a row.
 */
static void
append_revoke(const struct audit_row *row)
{
	static const int	 to[] = { PROC_AUTH, PROC_SESSION,
	    PROC_TUNNEL };
	struct p_audit_revoked	 rv;
	struct chan		*c;
	json_t			*j;
	const char		*kind, *id;
	size_t			 i;

	if (strcmp(row->rec.action, "revoke") != 0 ||
	    strcmp(row->daemon, proc_name(PROC_AUTH)) != 0 ||
	    (strcmp(row->rec.outcome, "ok") != 0 &&
	    strcmp(row->rec.outcome, "allow") != 0))
		return;
	if ((j = json_loads(row->rec.detail, 0, NULL)) == NULL)
		return;
	memset(&rv, 0, sizeof(rv));
	if (json_unpack(j, "{s:s, s:s}", "kind", &kind, "id", &id) == 0 &&
	    pccx_strlcpy(rv.id, id, sizeof(rv.id)) < sizeof(rv.id))
		rv.kind = strcmp(kind, "user") == 0 ? AUDIT_REVOKE_USER :
		    strcmp(kind, "device") == 0 ? AUDIT_REVOKE_DEVICE :
		    strcmp(kind, "session") == 0 ? AUDIT_REVOKE_SESSION : 0;
	json_decref(j);
	if (rv.kind == 0 || rv.id[0] == '\0') {
		log_warnx("revoke row %llu names nothing to revoke",
		    (unsigned long long)row->rec.seq);
		return;
	}
	for (i = 0; i < sizeof(to) / sizeof(to[0]); i++) {
		if ((c = child_chan(to[i])) == NULL)
			continue;
		if (proto_send_audit_revoked(c, &rv) == -1)
			fatalx("cannot queue a revocation to %s",
			    proc_name(to[i]));
		child_commit(c);
	}
}

/* The durable part: commit, answer, then everything that may wait. */
void
append_flush(void)
{
	size_t	i;
	int	ok;

	evtimer_del(ev_commit);
	if (nbatch == 0)
		return;
	ok = store_append(store, batch, nbatch) == 0;
	append_answer(ok);
	if (ok) {
		for (i = 0; i < nbatch; i++) {
			append_revoke(&batch[i]);
			if (hook != NULL)
				hook(&batch[i], hook_arg);
		}
	}
	nbatch = 0;
	if (ok && store->head == store->cp_seq && shipping)
		ship_kick();
	else if (ok && !evtimer_pending(ev_cp, NULL))
		timer_ms(ev_cp, cp_interval_ms);
	if (store->head - store->fts_seq >= APPEND_FTS_LAG)
		event_active(ev_fts, EV_TIMEOUT, 0);
	else
		timer_ms(ev_fts, APPEND_FTS_IDLE_MS);
}

static void
append_on_commit(evutil_socket_t fd, short ev, void *arg)
{
	append_flush();
}

/*
 * Index once appends pause (each commit pushes the timer back), or
 * between commits once the lag grows long.
 */
static void
append_on_fts(evutil_socket_t fd, short ev, void *arg)
{
	int	n;

	if (nbatch > 0 && store->head - store->fts_seq < APPEND_FTS_LAG)
		return;
	if ((n = store_fts_index(store, APPEND_FTS_CHUNK)) == -1) {
		timer_ms(ev_fts, 1000);
		return;
	}
	if (store->fts_seq < store->head)
		event_active(ev_fts, EV_TIMEOUT, 0);
}

/*
 * A checkpoint cut by rows ships at once; otherwise one is cut when
 * the interval has passed since the rows began to wait for it.
 */
static void
append_on_cp(evutil_socket_t fd, short ev, void *arg)
{
	if (store->head != store->cp_seq && store_checkpoint(store) == -1)
		timer_ms(ev_cp, 1000);
	else if (shipping)
		ship_kick();
}
