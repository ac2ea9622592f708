/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Feeds of rows for /v1/events: replay from the store, then live fan-out. */

/*
 * A feed replays the stored rows after its start point in bounded
 * steps, each scanning at most FEED_SCAN rows and sending no more than
 * the window the front end granted; the step is skipped while the
 * channel to the front end holds more than FEED_CHAN_BYTES unsent.
 * Once it reaches the head it is live: the append hook hands it every
 * committed row that passes its filter.  Both paths run on the one
 * event loop, so no row is sent twice or skipped in between.
 *
 * The filter the front end relays must fit inside the grant the auth
 * daemon sent here itself for that request (MSG_AUDIT_GRANT): same
 * user and grant number, no suite rows or project beyond it.  A grant
 * serves one feed and lapses unused after GRANT_TTL_MS; a feed whose
 * grant has not arrived yet waits GRANT_WAIT_MS for it, then ends.
 * So a compromised front end can at most replay what auth allowed
 * for a request it was shown, never widen it.
 */

#include <sys/queue.h>

#include <event2/event.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "auditd.h"

#define FEED_MAX		4096		/* feeds at once */
#define FEED_SCAN		512		/* rows read per step */
#define FEED_CHAN_BYTES		(1024 * 1024)	/* then wait */
#define FEED_RETRY_MS		5
/* A live feed ends when the front end lets this much pile up. */
#define FEED_CHAN_LIVE		(8 * 1024 * 1024)
#define GRANT_MAX		1024		/* unused grants kept */
#define GRANT_TTL_MS		30000
#define GRANT_WAIT_MS		1000
#define GRANT_SWEEP_MS		200

struct feed {
	TAILQ_ENTRY(feed)	 entry;
	struct chan		*c;
	struct p_audit_sub	 sub;
	uint64_t		 cursor;	/* rows up to here are done */
	uint32_t		 credit;	/* replayed rows allowed */
	int			 live;
	/* waiting for its grant until then (monotonic ms) */
	int			 waiting;
	uint64_t		 deadline;
};

/* What the auth daemon allowed one request, until a feed uses it. */
struct grant {
	TAILQ_ENTRY(grant)	 entry;
	struct p_audit_sub	 g;
	uint64_t		 expires;	/* monotonic ms */
};

static TAILQ_HEAD(, grant)	 grants = TAILQ_HEAD_INITIALIZER(grants);
static size_t			 ngrants;
static struct event		*ev_grant;

static TAILQ_HEAD(, feed)	 feeds = TAILQ_HEAD_INITIALIZER(feeds);
static size_t			 nfeeds;
static struct audit_store	*store;
static sqlite3_stmt		*st_scan;
static struct event		*ev_replay, *ev_commit;
static struct chan		*dirty;		/* to commit */

static const char feed_sql[] = "SELECT seq, time, daemon, actor, device, "
    "source, action, project, object, outcome, detail FROM rows "
    "WHERE seq > ?1 ORDER BY seq LIMIT ?2";

static void	feed_on_row(const struct audit_row *, void *);
static void	feed_on_replay(evutil_socket_t, short, void *);
static void	feed_on_commit(evutil_socket_t, short, void *);
static void	feed_on_grant(evutil_socket_t, short, void *);

/*
 * feed_init: feeds over the open store s on base; hooks the append
 * path.  Called once from the daemon's serve step.  0, or -1.
 */
int
feed_init(struct event_base *base, struct audit_store *s)
{
	store = s;
	if (sqlite3_prepare_v3(s->db, feed_sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &st_scan, NULL) != SQLITE_OK) {
		log_warnx("audit.db: feed: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	ev_replay = evtimer_new(base, feed_on_replay, NULL);
	ev_commit = event_new(base, -1, 0, feed_on_commit, NULL);
	ev_grant = evtimer_new(base, feed_on_grant, NULL);
	if (ev_replay == NULL || ev_commit == NULL || ev_grant == NULL)
		fatalx("evtimer_new");
	append_set_hook(feed_on_row, NULL);
	return 0;
}

static struct feed *
feed_find(struct chan *c, uint32_t id)
{
	struct feed	*f;

	TAILQ_FOREACH(f, &feeds, entry)
		if (f->c == c && f->sub.sub == id)
			return f;
	return NULL;
}

static void
feed_free(struct feed *f)
{
	TAILQ_REMOVE(&feeds, f, entry);
	nfeeds--;
	free(f);
}

/* Commit the front end's channel once per loop, not once per row. */
static void
feed_touch(struct chan *c)
{
	dirty = c;
	if (!event_pending(ev_commit, EV_TIMEOUT, NULL))
		event_active(ev_commit, EV_TIMEOUT, 1);
}

static void
feed_on_commit(evutil_socket_t fd, short ev, void *arg)
{
	if (dirty != NULL)
		child_commit(dirty);
	dirty = NULL;
}

static void
feed_kick(int ms)
{
	struct timeval	tv = { 0, ms * 1000 };

	if (!evtimer_pending(ev_replay, NULL))
		evtimer_add(ev_replay, &tv);
}

static void
feed_send(struct feed *f, const struct p_audit_event *e)
{
	if (proto_send_audit_event(f->c, e) == -1)
		fatalx("cannot queue an event to %s", proc_name(f->c->peer));
	feed_touch(f->c);
}

/*
 * End a feed from this side; the front end closes its client.  The
 * answer is small and the channel is well below its cap here.
 */
static void
feed_end(struct feed *f, uint8_t why)
{
	log_warnx("feed %u of %s ended (%s)", f->sub.sub, f->sub.user,
	    why == AUDIT_SUBEND_SLOW ? "front end behind" : "store failed");
	if (proto_send_audit_subend(f->c, f->sub.sub, why) == -1)
		fatalx("cannot queue a feed's end");
	feed_touch(f->c);
	feed_free(f);
}

/* The append hook: a committed row for every live feed that may see it. */
static void
feed_on_row(const struct audit_row *row, void *arg)
{
	struct p_audit_event	*e = NULL;
	struct feed		*f;

	struct feed		*next;

	for (f = TAILQ_FIRST(&feeds); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (!f->live || row->rec.seq <= f->cursor)
			continue;
		f->cursor = row->rec.seq;
		if (!audit_sub_match(&f->sub, row->p.project))
			continue;
		if (f->c->wqbytes > FEED_CHAN_LIVE) {
			feed_end(f, AUDIT_SUBEND_SLOW);
			continue;
		}
		if (e == NULL && (e = calloc(1, sizeof(*e))) == NULL)
			fatal("event");
		e->sub = f->sub.sub;
		e->replay = 0;
		e->seq = row->rec.seq;
		pccx_strlcpy(e->daemon, row->daemon, sizeof(e->daemon));
		e->row = row->p;
		feed_send(f, e);
	}
	free(e);
}

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	pccx_strlcpy(dst, t != NULL ? (const char *)t : "", size);
}

static void
feed_event_from(sqlite3_stmt *st, struct p_audit_event *e)
{
	struct p_audit_row	*r = &e->row;

	e->seq = sqlite3_column_int64(st, 0);
	r->time = sqlite3_column_int64(st, 1);
	col_text(st, 2, e->daemon, sizeof(e->daemon));
	col_text(st, 3, r->actor, sizeof(r->actor));
	col_text(st, 4, r->device, sizeof(r->device));
	col_text(st, 5, r->source, sizeof(r->source));
	col_text(st, 6, r->action, sizeof(r->action));
	col_text(st, 7, r->project, sizeof(r->project));
	col_text(st, 8, r->object, sizeof(r->object));
	col_text(st, 9, r->outcome, sizeof(r->outcome));
	col_text(st, 10, r->detail, sizeof(r->detail));
}

/* One step of one feed's replay; -1 when the store failed. */
static int
feed_replay_step(struct feed *f, struct p_audit_event *e)
{
	int	rv = SQLITE_DONE;

	sqlite3_bind_int64(st_scan, 1, f->cursor);
	sqlite3_bind_int64(st_scan, 2, FEED_SCAN);
	while (f->credit > 0 && (rv = sqlite3_step(st_scan)) == SQLITE_ROW) {
		feed_event_from(st_scan, e);
		f->cursor = e->seq;
		if (!audit_sub_match(&f->sub, e->row.project))
			continue;
		e->sub = f->sub.sub;
		e->replay = 1;
		feed_send(f, e);
		f->credit--;
	}
	if (f->credit > 0 && rv != SQLITE_DONE) {
		sqlite3_reset(st_scan);
		return -1;
	}
	sqlite3_reset(st_scan);
	if (f->cursor >= store->head)
		f->live = 1;
	return 0;
}

/* Every feed still replaying, with credit, gets one step in turn. */
static void
feed_on_replay(evutil_socket_t fd, short ev, void *arg)
{
	struct p_audit_event	*e;
	struct feed		*f, *next;
	int			 more = 0;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("event");
	for (f = TAILQ_FIRST(&feeds); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (f->live || f->waiting || f->credit == 0)
			continue;
		if (f->c->wqbytes > FEED_CHAN_BYTES) {
			more = 1;
			continue;
		}
		if (feed_replay_step(f, e) == -1) {
			log_warnx("audit.db: feed: %s",
			    sqlite3_errmsg(store->db));
			feed_end(f, AUDIT_SUBEND_STORE);
			continue;
		}
		more |= !f->live && f->credit > 0;
	}
	free(e);
	if (more)
		feed_kick(FEED_RETRY_MS);
}

static uint64_t
feed_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
feed_grant_arm(void)
{
	struct timeval	tv = { 0, GRANT_SWEEP_MS * 1000 };

	if (!evtimer_pending(ev_grant, NULL))
		evtimer_add(ev_grant, &tv);
}

static void
grant_free(struct grant *g)
{
	TAILQ_REMOVE(&grants, g, entry);
	ngrants--;
	free(g);
}

/* The feed starts: replay from its start point, or live at the head. */
static void
feed_begin(struct feed *f)
{
	f->waiting = 0;
	f->credit = f->sub.window;
	f->cursor = f->sub.since;
	if (f->cursor >= store->head) {
		f->cursor = f->cursor == AUDIT_SINCE_HEAD ? store->head :
		    f->cursor;
		f->live = 1;
	} else
		feed_kick(0);
	log_debug("feed %u for %s from %llu", f->sub.sub, f->sub.user,
	    (unsigned long long)f->cursor);
}

/* The feed asked for more than its grant, or had none: it ends. */
static void
feed_deny(struct feed *f, const char *why)
{
	log_warnx("feed %u of %s refused: %s", f->sub.sub, f->sub.user, why);
	if (proto_send_audit_subend(f->c, f->sub.sub,
	    AUDIT_SUBEND_DENIED) == -1)
		fatalx("cannot queue a feed's end");
	feed_touch(f->c);
	feed_free(f);
}

/* Hold f against grant g, which it uses up. */
static void
feed_judge(struct feed *f, const struct p_audit_sub *g)
{
	if (audit_sub_within(&f->sub, g))
		feed_begin(f);
	else
		feed_deny(f, "wider than the auth daemon's grant");
}

/* Lapse grants and waiting feeds past their time. */
static void
feed_on_grant(evutil_socket_t fd, short ev, void *arg)
{
	struct feed	*f, *next;
	uint64_t	 now = feed_now_ms();
	int		 more = 0;

	while (!TAILQ_EMPTY(&grants) &&
	    TAILQ_FIRST(&grants)->expires <= now)
		grant_free(TAILQ_FIRST(&grants));
	for (f = TAILQ_FIRST(&feeds); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (!f->waiting)
			continue;
		if (f->deadline <= now)
			feed_deny(f, "no grant from the auth daemon");
		else
			more = 1;
	}
	if (more || !TAILQ_EMPTY(&grants))
		feed_grant_arm();
}

/*
 * feed_msg_grant: MSG_AUDIT_GRANT from the auth daemon: a feed that
 * waits for it is judged now, or it is kept for the one to come.
 */
int
feed_msg_grant(struct chan *c, struct msg *m)
{
	struct grant	*g;
	struct feed	*f;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		fatal("grant");
	if (proto_get_audit_grant(m, &g->g) == -1) {
		free(g);
		return -1;
	}
	TAILQ_FOREACH(f, &feeds, entry)
		if (f->waiting && f->sub.grant == g->g.grant)
			break;
	if (f != NULL) {
		feed_judge(f, &g->g);
		free(g);
		return 0;
	}
	if (ngrants == GRANT_MAX)
		grant_free(TAILQ_FIRST(&grants));
	g->expires = feed_now_ms() + GRANT_TTL_MS;
	TAILQ_INSERT_TAIL(&grants, g, entry);
	ngrants++;
	feed_grant_arm();
	return 0;
}

/* feed_msg_sub: MSG_AUDIT_SUBSCRIBE from the front end. */
int
feed_msg_sub(struct chan *c, struct msg *m)
{
	struct feed	*f;
	struct grant	*g;
	uint32_t	 id;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal("feed");
	if (proto_get_audit_sub(m, &f->sub) == -1 ||
	    feed_find(c, f->sub.sub) != NULL) {
		free(f);
		return -1;
	}
	id = f->sub.sub;
	if (store == NULL || nfeeds >= FEED_MAX) {
		free(f);
		if (proto_send_audit_subend(c, id, AUDIT_SUBEND_FULL) == -1)
			return -1;
		feed_touch(c);
		return 0;
	}
	f->c = c;
	TAILQ_INSERT_TAIL(&feeds, f, entry);
	nfeeds++;
	TAILQ_FOREACH(g, &grants, entry)
		if (f->sub.grant != 0 && g->g.grant == f->sub.grant)
			break;
	if (g != NULL) {
		feed_judge(f, &g->g);
		grant_free(g);
		return 0;
	}
	f->waiting = 1;
	f->deadline = feed_now_ms() + GRANT_WAIT_MS;
	feed_grant_arm();
	return 0;
}

/* feed_msg_more: MSG_AUDIT_MORE; a feed that already ended is fine. */
int
feed_msg_more(struct chan *c, struct msg *m)
{
	struct p_audit_more	 p;
	struct feed		*f;

	if (proto_get_audit_more(m, &p) == -1)
		return -1;
	if ((f = feed_find(c, p.sub)) == NULL)
		return 0;
	f->credit = p.rows > AUDIT_SUB_WINDOW_MAX - f->credit ?
	    AUDIT_SUB_WINDOW_MAX : f->credit + p.rows;
	if (!f->live)
		feed_kick(0);
	return 0;
}

/* feed_msg_unsub: MSG_AUDIT_UNSUBSCRIBE. */
int
feed_msg_unsub(struct chan *c, struct msg *m)
{
	struct feed	*f;
	uint32_t	 id;

	if (proto_get_audit_unsub(m, &id) == -1)
		return -1;
	if ((f = feed_find(c, id)) != NULL)
		feed_free(f);
	return 0;
}

/* feed_count: feeds open now. */
size_t
feed_count(void)
{
	return nfeeds;
}
