/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebSocket /v1/events: the audit rows a user may read, as they commit. */

/*
 * The auth gate has checked events.read and says which projects the
 * user may read and whether rows of no project too; that filter goes
 * to the audit daemon with MSG_AUDIT_SUBSCRIBE, which replays the rows
 * after ?since=SEQ and then sends new ones.  Replayed rows come in a
 * window granted EVENTS_GRANT at a time, and only while the client
 * keeps up; live rows come as they commit, and a client that falls
 * behind is closed by its WebSocket's bounded queue.  One user holds
 * at most the feeds limit at once; one more is answered with 429.
 */

#include <sys/queue.h>

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "authgate.h"
#include "events.h"
#include "frontd.h"
#include "server.h"
#include "ws.h"

/* replayed rows before a grant */
#define EVENTS_WINDOW	512
#define EVENTS_GRANT	128

struct evsub {
	TAILQ_ENTRY(evsub)	 entry;
	uint32_t		 id;
	struct ws_conn		*ws;
	uint32_t		 replayed;	/* since the last grant */
	/* a grant waits for drain */
	int			 owed;
	char			 user[PROTO_NAMEMAX];
};

static TAILQ_HEAD(, evsub)	 subs = TAILQ_HEAD_INITIALIZER(subs);
static uint32_t			 next_id = 1;

static void	events_open(struct http_req *);
static void	events_on_drain(struct ws_conn *, void *);
static void	events_on_close(struct ws_conn *, uint16_t, void *);

const struct http_route events_routes[] = {
	{ "GET", "/v1/events", ROUTE_WEBSOCKET, events_open },
};
const size_t events_nroutes = sizeof(events_routes) /
    sizeof(events_routes[0]);

static const struct ws_handler events_handler = {
	.message = NULL,	/* the feed reads nothing from the client */
	.drain = events_on_drain,
	.close = events_on_close,
};

static struct evsub *
events_find(uint32_t id)
{
	struct evsub	*s;

	TAILQ_FOREACH(s, &subs, entry)
		if (s->id == id)
			return s;
	return NULL;
}

/* The feeds user holds open now. */
static uint32_t
events_held(const char *user)
{
	struct evsub	*s;
	uint32_t	 n = 0;

	TAILQ_FOREACH(s, &subs, entry)
		if (strcmp(s->user, user) == 0)
			n++;
	return n;
}

/* ?since=SEQ: digits only; AUDIT_SINCE_HEAD when absent. */
static int
events_since(struct http_req *req, uint64_t *since)
{
	const char	*q = http_req_query(req);
	char		 buf[24], *end;
	unsigned long long v;

	*since = AUDIT_SINCE_HEAD;
	if (q == NULL || http_query_get(q, "since", buf, sizeof(buf)) != 1)
		return q != NULL && strstr(q, "since=") != NULL ? -1 : 0;
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v >= AUDIT_SINCE_HEAD)
		return -1;
	*since = v;
	return 0;
}

static void
events_filter(const struct p_auth_allow *who, uint64_t since, uint32_t id,
    struct p_audit_sub *p)
{
	int	i;

	memset(p, 0, sizeof(*p));
	p->sub = id;
	p->since = since;
	p->window = EVENTS_WINDOW;
	p->suite = who->events_suite;
	p->grant = who->grant;
	p->nprojects = who->nprojects;
	pccx_strlcpy(p->user, who->user, sizeof(p->user));
	for (i = 0; i < who->nprojects && i < AUDIT_SUB_MAXPROJECTS; i++)
		pccx_strlcpy(p->projects[i], who->projects[i],
		    sizeof(p->projects[i]));
}

/* The route's handler, behind the gate: subscribe, then upgrade. */
static void
events_open(struct http_req *req)
{
	const struct p_auth_allow	*who = authgate_identity(req);
	struct chan			*c = child_chan(PROC_AUDIT);
	struct p_audit_sub		*p;
	struct bufferevent		*bev;
	struct evsub			*s;
	uint64_t			 since;

	if (who == NULL || c == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	if (events_since(req, &since) == -1) {
		http_reply_error(req, 400, "bad_since",
		    "since must be a sequence number");
		return;
	}
	if (events_held(who->user) >= server_limits()->feeds_per_user) {
		log_info("events: %s holds %u feeds, one more refused",
		    who->user, server_limits()->feeds_per_user);
		http_reply_error(req, 429, "too_many_feeds",
		    "close a feed before opening another");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (p = malloc(sizeof(*p))) == NULL) {
		free(s);
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	s->id = next_id++;
	pccx_strlcpy(s->user, who->user, sizeof(s->user));
	events_filter(who, since, s->id, p);
	if ((bev = http_reply_upgrade(req)) == NULL ||
	    (s->ws = ws_accept(server_base(), bev, server_limits(),
	    http_req_peer(req), &events_handler, s)) == NULL) {
		free(p);
		free(s);
		return;
	}
	TAILQ_INSERT_TAIL(&subs, s, entry);
	if (proto_send_audit_sub(c, p) == -1)
		ws_close(s->ws, WS_CLOSE_INTERNAL, "audit unreachable");
	else
		child_commit(c);
	free(p);
}

static void
events_grant(struct evsub *s)
{
	struct chan		*c = child_chan(PROC_AUDIT);
	struct p_audit_more	 m = { s->id, EVENTS_GRANT };

	s->owed = 0;
	if (c == NULL || proto_send_audit_more(c, &m) == -1)
		return;
	child_commit(c);
}

static void
events_on_drain(struct ws_conn *ws, void *arg)
{
	struct evsub	*s = arg;

	if (s->owed)
		events_grant(s);
}

static void
events_on_close(struct ws_conn *ws, uint16_t code, void *arg)
{
	struct evsub	*s = arg;
	struct chan	*c = child_chan(PROC_AUDIT);

	log_debug("events: feed %u of %s ends, code %u", s->id, s->user,
	    code);
	if (c != NULL && proto_send_audit_unsub(c, s->id) == 0)
		child_commit(c);
	TAILQ_REMOVE(&subs, s, entry);
	free(s);
}

/* The text a client gets for one row. */
static char *
events_json(const struct p_audit_event *e)
{
	const struct p_audit_row	*r = &e->row;
	json_t				*j, *detail;
	char				*s;

	if ((detail = json_loads(r->detail, JSON_DECODE_ANY, NULL)) == NULL)
		detail = json_object();
	j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:o}",
	    "seq", (json_int_t)e->seq, "time", (json_int_t)r->time,
	    "daemon", e->daemon, "actor", r->actor, "action", r->action,
	    "project", r->project[0] != '\0' ? json_string(r->project) :
	    json_null(), "object", r->object, "outcome", r->outcome,
	    "detail", detail);
	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/*
 * events_msg: MSG_AUDIT_EVENT and MSG_AUDIT_SUBEND from the audit
 * daemon.  A row for a feed that has gone is dropped.
 */
int
events_msg(struct chan *c, struct msg *m)
{
	struct p_audit_event	*e;
	struct evsub		*s;
	char			*text;
	uint32_t		 id;
	uint8_t			 why;

	if (m->hdr.type == MSG_AUDIT_SUBEND) {
		if (proto_get_audit_subend(m, &id, &why) == -1)
			return -1;
		if ((s = events_find(id)) == NULL)
			return 0;
		if (why == AUDIT_SUBEND_SLOW)
			ws_close(s->ws, WS_CLOSE_POLICY, "consumer too slow");
		else if (why == AUDIT_SUBEND_DENIED)
			ws_close(s->ws, WS_CLOSE_POLICY, "feed not granted");
		else
			ws_close(s->ws, WS_CLOSE_INTERNAL, why ==
			    AUDIT_SUBEND_FULL ? "too many feeds" :
			    "audit store failed");
		return 0;
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		fatal("event");
	if (proto_get_audit_event(m, e) == -1) {
		free(e);
		return -1;
	}
	if ((s = events_find(e->sub)) != NULL &&
	    (text = events_json(e)) != NULL) {
		if (ws_send(s->ws, 0, text, strlen(text)) == 0 && e->replay &&
		    ++s->replayed >= EVENTS_GRANT) {
			s->replayed = 0;
			if (ws_queued(s->ws) < WS_QUEUE_MSGS / 2)
				events_grant(s);
			else
				s->owed = 1;
		}
		free(text);
	}
	free(e);
	return 0;
}

/* events_count: feeds open now. */
size_t
events_count(void)
{
	size_t		 n = 0;
	struct evsub	*s;

	TAILQ_FOREACH(s, &subs, entry)
		n++;
	return n;
}
