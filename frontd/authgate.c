/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The check every non-public route passes, asked of the auth daemon. */

#include <sys/queue.h>

#include <event2/event.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd/rbac.h"
#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "authgate.h"
#include "frontd.h"
#include "traces.h"

#define GATE_MAXPENDING	4096

/* A request waiting for the auth daemon's answer. */
struct gate_wait {
	TAILQ_ENTRY(gate_wait)	 entry;
	uint32_t		 id;
	struct http_req		*req;
	void			(*cont)(struct http_req *,
				    const struct p_auth_allow *);
};

static TAILQ_HEAD(, gate_wait)	 waits = TAILQ_HEAD_INITIALIZER(waits);
static int			 nwaits;
static uint32_t			 next_id = 1;
static struct http_route	*gate_tab;
static void			(**gate_orig)(struct http_req *);
static size_t			 gate_n;
static const struct http_req	*cur_req;
static const struct p_auth_allow *cur_who;

/* The action each gated route asks for; a route not here is refused. */
static const struct {
	const char	*method;
	const char	*path;
	int		 action;
} gate_actions[] = {
	{ "GET", "/v1/sessions", RBAC_SESSION_LIST },
	{ "POST", "/v1/sessions", RBAC_SESSION_OPEN },
	{ "GET", "/v1/sessions/{id}", RBAC_SESSION_READ },
	{ "DELETE", "/v1/sessions/{id}", RBAC_SESSION_KILL },
	{ "POST", "/v1/sessions/{id}/exec", RBAC_SESSION_EXEC },
	{ "GET", "/v1/sessions/{id}/pty", RBAC_SESSION_PTY },
	{ "GET", "/v1/traces", RBAC_TRACE_LIST },
	{ "POST", "/v1/traces", RBAC_TRACE_UPLOAD },
	{ "GET", "/v1/traces/{id}", RBAC_TRACE_READ },
	{ "DELETE", "/v1/traces/{id}", RBAC_TRACE_DELETE },
	{ "GET", "/v1/reports/{id}", RBAC_REPORT_READ },
	{ "PUT", "/v1/projects/{project}/references/{name}",
	    RBAC_REFERENCE_WRITE },
	{ "GET", "/v1/events", RBAC_EVENTS_READ },
	{ "GET", "/v1/auth/check", AUTH_ACTION_BYNAME },
};

/* Copy a header's value into dst; -1 when it does not fit. */
static int
gate_header(struct http_req *req, const char *name, char *dst, size_t size)
{
	const char	*v = http_req_header(req, name);

	if (v == NULL) {
		*dst = '\0';
		return 0;
	}
	return pccx_strlcpy(dst, v, size) < size ? 0 : -1;
}

/* The peer's address without its port. */
static void
gate_addr(struct http_req *req, char *dst, size_t size)
{
	const char	*p = http_req_peer(req);
	size_t		 n;

	if (*p == '[') {
		p++;
		n = strcspn(p, "]");
	} else
		n = strrchr(p, ':') != NULL ? (size_t)(strrchr(p, ':') - p) :
		    strlen(p);
	if (n >= size)
		n = size - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/*
 * A streamed body is not read yet: take the SHA-256 it claims, and
 * leave the comparison with the body to the route, which must make
 * it before anything of the body is kept (traces.c does).
 */
static void
gate_claimed_sha(const char *cd, uint8_t *out)
{
	const char	*p;
	size_t		 n;

	memset(out, 0, 32);
	if (cd == NULL || (p = strstr(cd, "sha-256=:")) == NULL)
		return;
	p += 9;
	if (sodium_base642bin(out, 32, p, strcspn(p, ":"), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n != 32)
		memset(out, 0, 32);
}

static void
gate_on_flush(evutil_socket_t fd, short ev, void *arg)
{
	child_commit(arg);
}

/*
 * The checks of every request read in this turn of the event loop
 * go to the auth daemon in one sendmsg: the commit runs once the
 * events that are active now are done.
 */
static void
gate_commit_later(struct chan *c)
{
	static struct event	*flush_ev;

	if (flush_ev == NULL && (flush_ev = event_new(child_base(), -1, 0,
	    gate_on_flush, c)) == NULL)
		fatal("gate flush");
	if (!event_pending(flush_ev, EV_TIMEOUT, NULL))
		event_active(flush_ev, EV_TIMEOUT, 0);
}

int
authgate_fill(struct http_req *req, struct p_auth_req *r)
{
	const char	*host = http_req_header(req, "Host");
	const char	*body;
	size_t		 len;
	int		 n;

	memset(r, 0, sizeof(*r));
	r->action = AUTH_ACTION_NONE;
	pccx_strlcpy(r->method, http_req_method(req), sizeof(r->method));
	/* The scheme is the listener's: what the client connected to. */
	n = snprintf(r->target, sizeof(r->target), "%s://%s%s",
	    http_req_tls(req) ? "https" : "http", host != NULL ? host : "",
	    http_req_target(req));
	r->door = http_req_door(req);
	if (http_req_route_flags(req) & (ROUTE_STREAM | ROUTE_UPLOAD))
		gate_claimed_sha(http_req_header(req, "Content-Digest"),
		    r->body_sha256);
	else {
		body = http_req_body(req, &len);
		SHA256((const unsigned char *)(body != NULL ? body : ""),
		    body != NULL ? len : 0, r->body_sha256);
	}
	gate_addr(req, r->addr, sizeof(r->addr));
	if (n < 0 || (size_t)n >= sizeof(r->target) ||
	    gate_header(req, "Authorization", r->authorization,
	    sizeof(r->authorization)) == -1 ||
	    gate_header(req, "X-Device-Key", r->device_key,
	    sizeof(r->device_key)) == -1 ||
	    gate_header(req, "Signature-Input", r->sig_input,
	    sizeof(r->sig_input)) == -1 ||
	    gate_header(req, "Signature", r->signature,
	    sizeof(r->signature)) == -1 ||
	    gate_header(req, "Content-Digest", r->content_digest,
	    sizeof(r->content_digest)) == -1) {
		http_reply_error(req, 400, "bad_request",
		    "a request field is too long");
		return -1;
	}
	return 0;
}

void
authgate_send(struct http_req *req, uint16_t type, struct p_auth_req *r,
    void (*cont)(struct http_req *, const struct p_auth_allow *))
{
	struct chan		*c = child_chan(PROC_AUTH);
	struct gate_wait	*w;

	if (c == NULL || nwaits >= GATE_MAXPENDING ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	w->id = next_id++;
	w->req = req;
	w->cont = cont;
	if (proto_send_auth_req(c, type, w->id, r) == -1) {
		free(w);
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	http_req_ref(req);
	TAILQ_INSERT_TAIL(&waits, w, entry);
	nwaits++;
	gate_commit_later(c);
}

static struct gate_wait *
gate_take(uint32_t id)
{
	struct gate_wait	*w;

	TAILQ_FOREACH(w, &waits, entry)
		if (w->id == id) {
			TAILQ_REMOVE(&waits, w, entry);
			nwaits--;
			return w;
		}
	return NULL;
}

static void
gate_relay(struct http_req *req, const struct p_auth_reply *rp)
{
	char	buf[16];

	if (rp->retry_after > 0) {
		snprintf(buf, sizeof(buf), "%u", rp->retry_after);
		http_reply_header(req, "Retry-After", buf);
	}
	if (rp->html && rp->status == 200)
		login_page_reply(req, rp->body);
	else
		http_reply(req, rp->status, "application/json", rp->body,
		    strlen(rp->body));
}

static void
gate_allow(struct gate_wait *w, const struct p_auth_allow *who)
{
	if (w->cont == NULL) {
		http_reply_error(w->req, 500, "internal_error",
		    "internal error");
		return;
	}
	cur_req = w->req;
	cur_who = who;
	w->cont(w->req, who);
	cur_req = NULL;
	cur_who = NULL;
}

/*
 * authgate_msg: the auth daemon's answer to request peerid; one for a
 * request that is gone, or that we never asked, is dropped.
 */
int
authgate_msg(struct chan *c, struct msg *m)
{
	struct p_auth_reply	*rp = NULL;
	struct p_auth_allow	 who;
	struct gate_wait	*w;
	int			 rv;

	if (m->hdr.type == MSG_AUTH_ALLOW)
		rv = proto_get_auth_allow(m, &who);
	else if ((rp = malloc(sizeof(*rp))) == NULL)
		fatal("reply");
	else
		rv = proto_get_auth_reply(m, rp);
	if (rv == 0 && (w = gate_take(m->hdr.peerid)) != NULL) {
		if (!http_req_gone(w->req) && m->hdr.type == MSG_AUTH_ALLOW)
			gate_allow(w, &who);
		else if (!http_req_gone(w->req))
			gate_relay(w->req, rp);
		http_req_unref(w->req);
		free(w);
	}
	free(rp);
	return rv;
}

const struct p_auth_allow *
authgate_identity(const struct http_req *req)
{
	return req == cur_req ? cur_who : NULL;
}

static int
gate_action(const struct http_route *rt)
{
	size_t	i;

	for (i = 0; i < sizeof(gate_actions) / sizeof(gate_actions[0]); i++)
		if (strcmp(rt->method, gate_actions[i].method) == 0 &&
		    strcmp(rt->path, gate_actions[i].path) == 0)
			return gate_actions[i].action;
	return AUTH_ACTION_NONE;
}

/* Run the route's own handler once the gate let the request through. */
static void
gate_continue(struct http_req *req, const struct p_auth_allow *who)
{
	const struct http_route	*rt = http_req_route(req);
	size_t			 i = rt - gate_tab;

	if (rt < gate_tab || i >= gate_n) {
		http_reply_error(req, 500, "internal_error",
		    "internal error");
		return;
	}
	gate_orig[i](req);
	if (rt->flags & (ROUTE_STREAM | ROUTE_UPLOAD))
		http_req_pause(req, 0);
}

/* The handler of every gated route: one MSG_AUTH_CHECK, then the route. */
static void
gate_handler(struct http_req *req)
{
	const struct http_route	*rt = http_req_route(req);
	struct p_auth_req	*r;
	const char		*q = http_req_query(req);

	if ((r = malloc(sizeof(*r))) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	if (authgate_fill(req, r) == 0) {
		r->action = rt != NULL ? gate_action(rt) : AUTH_ACTION_NONE;
		if (r->action == AUTH_ACTION_BYNAME && (q == NULL ||
		    http_query_get(q, "action", r->arg, sizeof(r->arg)) != 1))
			r->action = AUTH_ACTION_NONE;
		if (http_req_param(req, "project") != NULL) {
			/* a path that names its project */
			if (pccx_strlcpy(r->project, http_req_param(req,
			    "project"), sizeof(r->project)) >=
			    sizeof(r->project))
				r->project[0] = '\0';
		} else if ((q == NULL || http_query_get(q, "project",
		    r->project, sizeof(r->project)) != 1) &&
		    gate_header(req, "X-Project", r->project,
		    sizeof(r->project)) == -1)
			r->project[0] = '\0';
		/* no configured project has another name */
		if (r->project[0] != '\0' && !traces_name_ok(r->project)) {
			http_reply_error(req, 400, "bad_project",
			    "a project name is of [A-Za-z0-9_.-]");
			free(r);
			return;
		}
		if (rt != NULL && (rt->flags & (ROUTE_STREAM | ROUTE_UPLOAD)))
			http_req_pause(req, 1);
		authgate_send(req, MSG_AUTH_CHECK, r, gate_continue);
	}
	free(r);
}

void
authgate_wrap(struct http_route *tab, size_t n)
{
	size_t	i;

	if ((gate_orig = calloc(n, sizeof(*gate_orig))) == NULL)
		fatal("authgate");
	gate_tab = tab;
	gate_n = n;
	for (i = 0; i < n; i++) {
		gate_orig[i] = tab[i].handler;
		if (!(tab[i].flags & ROUTE_PUBLIC))
			tab[i].handler = gate_handler;
	}
}
