/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* GET /v1/health: version, uptime and every process's state. */

#include <sys/queue.h>

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/child.h"
#include "common/log.h"
#include "common/version.h"
#include "frontd.h"
#include "server.h"

#define HEALTH_TIMEOUT_MS	1000
#define HEALTH_MAXPENDING	64

/* One health request waiting for the other processes to answer. */
struct health_query {
	TAILQ_ENTRY(health_query)	 entry;
	uint32_t			 id;
	struct http_req			*req;
	struct event			*timer;
	int				 have[PROC_MAX];
	struct p_status			 st[PROC_MAX];
};

static TAILQ_HEAD(, health_query) queries =
    TAILQ_HEAD_INITIALIZER(queries);
static int		npending;
static uint32_t		next_id = 1;

static void	health_get(struct http_req *);

const struct http_route health_routes[] = {
	{ "GET", "/v1/health", ROUTE_PUBLIC, health_get },
};
const size_t health_nroutes = sizeof(health_routes) /
    sizeof(health_routes[0]);

static const char *
state_name(const struct health_query *q, int p)
{
	if (!q->have[p])
		return "unresponsive";
	return q->st[p].state == PSTATE_READY ? "ready" : "starting";
}

static json_t *
health_body(const struct health_query *q, int *all_ready)
{
	json_t	*procs = json_object();
	time_t	 started;
	int	 p;

	*all_ready = 1;
	for (p = PROC_PARENT; p <= PROC_AUDIT; p++) {
		json_object_set_new(procs, proc_name(p),
		    json_string(state_name(q, p)));
		if (!q->have[p] || q->st[p].state != PSTATE_READY)
			*all_ready = 0;
	}
	started = q->have[PROC_PARENT] ? (time_t)q->st[PROC_PARENT].started :
	    (time_t)q->st[PROC_FRONT].started;
	return json_pack("{s:s, s:s, s:I, s:o}",
	    "status", *all_ready ? "ok" : "degraded",
	    "version", PCCX_VERSION,
	    "uptime", (json_int_t)(time(NULL) - started),
	    "processes", procs);
}

/* Answer with what has arrived; silent processes show as such. */
static void
health_finish(struct health_query *q)
{
	json_t	*body;
	int	 ready;

	TAILQ_REMOVE(&queries, q, entry);
	npending--;
	event_free(q->timer);
	body = health_body(q, &ready);
	http_reply_json(q->req, ready ? 200 : 503, body);
	http_req_unref(q->req);
	free(q);
}

static void
health_on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	health_finish(arg);
}

static void
health_ask(struct health_query *q)
{
	struct chan	*c;
	int		 p;

	for (p = PROC_PARENT; p <= PROC_AUDIT; p++) {
		if (p == PROC_FRONT || (c = child_chan(p)) == NULL)
			continue;
		if (proto_send_empty(c, MSG_STATUS_REQ, q->id) == -1) {
			log_warnx("status request to %s not queued",
			    proc_name(p));
			continue;
		}
		child_commit(c);
	}
}

static void
health_get(struct http_req *req)
{
	struct health_query	*q;
	struct timeval		 tv = { HEALTH_TIMEOUT_MS / 1000,
	    HEALTH_TIMEOUT_MS % 1000 * 1000 };

	if (npending >= HEALTH_MAXPENDING ||
	    (q = calloc(1, sizeof(*q))) == NULL) {
		http_reply_error(req, 503, "busy", "too many health checks "
		    "in progress");
		return;
	}
	if ((q->timer = evtimer_new(child_base(), health_on_timeout, q)) ==
	    NULL) {
		free(q);
		http_reply_error(req, 500, "internal", "internal error");
		return;
	}
	q->id = next_id++;
	q->req = req;
	http_req_ref(req);
	child_status(&q->st[PROC_FRONT]);
	q->have[PROC_FRONT] = 1;
	TAILQ_INSERT_TAIL(&queries, q, entry);
	npending++;
	evtimer_add(q->timer, &tv);
	health_ask(q);
}

/*
 * health_on_status: a process answered a status request; peer ids tell
 * the queries apart, and an answer to a finished query is dropped.
 */
void
health_on_status(int peer, uint32_t id, const struct p_status *st)
{
	struct health_query	*q;
	int			 p;

	TAILQ_FOREACH(q, &queries, entry)
		if (q->id == id)
			break;
	if (q == NULL || peer < 0 || peer > PROC_AUDIT)
		return;
	q->st[peer] = *st;
	q->have[peer] = 1;
	for (p = PROC_PARENT; p <= PROC_AUDIT; p++)
		if (!q->have[p])
			return;
	health_finish(q);
}

void
health_init(void)
{
	TAILQ_INIT(&queries);
}
