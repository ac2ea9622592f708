/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The auth daemon's answers to the front end, and its audit rows. */

#include <sys/queue.h>
#include <sys/time.h>

#include <event2/event.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "proto/tunnel.h"
#include "authd.h"
#include "jose.h"

/* an audit row unanswered: fail */
#define HOLD_MAX_MS	5000
#define FLUSH_MAX	8		/* channels waiting for one commit */

/*
 * The audit daemon passes a stored row with action "revoke" (detail
 * {"kind", "id"}) from the auth daemon on to the session and tunnel
 * daemons as MSG_AUDIT_REVOKED, so that sessions and tunnel peers go.
 */
#define AUDIT_REVOKE_ACTION	"revoke"

/*
 * An answer held until the audit daemon has stored the row that
 * records its decision: an allowed action does not go ahead before.
 */
struct held {
	TAILQ_ENTRY(held)	 entry;
	uint32_t		 audit;		/* the row's peer id */
	struct chan		*c;
	uint32_t		 id;		/* the request's peer id */
	int			 allow;		/* a, else r */
	struct p_auth_allow	 a;
	struct p_auth_reply	*r;
	uint64_t		 since;
};

static TAILQ_HEAD(, held)	holds = TAILQ_HEAD_INITIALIZER(holds);
static uint32_t			hold_id;	/* 0: answer at once */
static struct event		*hold_timer;
static struct chan		*flush_q[FLUSH_MAX];
static int			 nflush;
static struct event		*flush_ev;

static void	held_fail(struct held *);

static void
reply_flush(evutil_socket_t fd, short ev, void *arg)
{
	int	i, n = nflush;

	nflush = 0;
	for (i = 0; i < n; i++)
		child_commit(flush_q[i]);
}

/*
 * reply_defer: commit c once the event that is running now is done:
 * the answers released by one read of audit acks or by one batch of
 * verified requests, and the held rows queued by one read of
 * requests, each go out in one sendmsg instead of one apiece.
 */
void
reply_defer(struct chan *c)
{
	int	i;

	for (i = 0; i < nflush; i++)
		if (flush_q[i] == c)
			return;
	if (flush_ev == NULL && (flush_ev = event_new(child_base(), -1, 0,
	    reply_flush, NULL)) == NULL)
		fatal("flush event");
	if (nflush == FLUSH_MAX) {
		child_commit(c);
		return;
	}
	flush_q[nflush++] = c;
	if (nflush == 1)
		event_active(flush_ev, EV_TIMEOUT, 0);
}

static void
held_send(struct held *h)
{
	int	rv;

	if (h->allow)
		rv = proto_send_auth_allow(h->c, h->id, &h->a);
	else
		rv = proto_send_auth_reply(h->c, h->id, h->r);
	if (rv == -1)
		log_warnx("answer to %s not queued", proc_name(h->c->peer));
	reply_defer(h->c);
}

static void
held_free(struct held *h)
{
	TAILQ_REMOVE(&holds, h, entry);
	free(h->r);
	free(h);
}

/* Held answers whose row was never answered fail closed. */
static void
held_sweep(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	 tv = { 1, 0 };
	struct held	*h;
	uint64_t	 now = now_mono_ms();

	while ((h = TAILQ_FIRST(&holds)) != NULL &&
	    now - h->since > HOLD_MAX_MS) {
		log_warnx("audit row %u unanswered", h->audit);
		held_fail(h);
	}
	if (!TAILQ_EMPTY(&holds))
		evtimer_add(hold_timer, &tv);
}

static void
held_add(struct chan *c, uint32_t id, const struct p_auth_allow *a,
    struct p_auth_reply *r)
{
	struct timeval	 tv = { 1, 0 };
	struct held	*h;

	if (hold_timer == NULL && (hold_timer = evtimer_new(child_base(),
	    held_sweep, NULL)) == NULL)
		fatal("hold timer");
	if (!evtimer_pending(hold_timer, NULL))
		evtimer_add(hold_timer, &tv);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		fatal("hold");
	h->audit = hold_id;
	h->c = c;
	h->id = id;
	h->allow = a != NULL;
	if (a != NULL)
		h->a = *a;
	h->r = r;
	h->since = now_mono_ms();
	TAILQ_INSERT_TAIL(&holds, h, entry);
}

/* The row could not be stored: the client is told, the answer dropped. */
static void
held_fail(struct held *h)
{
	struct p_auth_reply	*r = h->r;

	if (r == NULL && (r = calloc(1, sizeof(*r))) == NULL)
		fatal("hold");
	h->r = r;
	h->allow = 0;
	r->status = 503;
	r->html = 0;
	r->retry_after = 1;
	pccx_strlcpy(r->body, "{\"error\":{\"code\":\"audit_unavailable\","
	    "\"message\":\"the decision cannot be recorded\"}}",
	    sizeof(r->body));
	held_send(h);
	held_free(h);
}

/*
 * reply_audit_done: the audit daemon answered row id; ok is non-zero
 * for MSG_AUDIT_ACK.  The answers held for it go out, or fail.
 */
void
reply_audit_done(uint32_t id, int ok)
{
	struct held	*h, *t;

	for (h = TAILQ_FIRST(&holds); h != NULL; h = t) {
		t = TAILQ_NEXT(h, entry);
		if (h->audit != id)
			continue;
		if (ok) {
			held_send(h);
			held_free(h);
		} else
			held_fail(h);
	}
}

/* reply_hold_end: answers from now on go out at once again. */
void
reply_hold_end(void)
{
	hold_id = 0;
}

/* reply_allow: MSG_AUTH_ALLOW, held while an audit row is pending. */
void
reply_allow(struct chan *c, uint32_t id, const struct p_auth_allow *a)
{
	if (hold_id != 0) {
		held_add(c, id, a, NULL);
		return;
	}
	if (proto_send_auth_allow(c, id, a) == -1)
		log_warnx("allow not queued");
}

static void
reply_send(struct chan *c, uint32_t id, int status, int html, json_t *o,
    unsigned retry)
{
	struct p_auth_reply	*r;
	char			*s = NULL;

	/* Only the body's string is sent: no need to clear 60 kB. */
	if ((r = malloc(sizeof(*r))) == NULL)
		fatal("reply");
	r->status = status;
	r->html = html;
	r->retry_after = retry;
	if (o != NULL && (s = json_dumps(o, JSON_COMPACT)) != NULL &&
	    strlen(s) < sizeof(r->body))
		memcpy(r->body, s, strlen(s) + 1);
	else {
		r->status = 500;
		r->html = 0;
		pccx_strlcpy(r->body, "{\"error\":{\"code\":\"internal\","
		    "\"message\":\"internal error\"}}", sizeof(r->body));
	}
	free(s);
	json_decref(o);
	if (hold_id != 0) {
		held_add(c, id, NULL, r);
		return;
	}
	if (proto_send_auth_reply(c, id, r) == -1)
		log_warnx("reply to %s not queued", proc_name(c->peer));
	free(r);
}

/* reply_json: answer request id with status and o (stolen). */
void
reply_json(struct chan *c, uint32_t id, int status, json_t *o)
{
	reply_send(c, id, status, 0, o, 0);
}

/* reply_page: answer with the login page built around o (stolen). */
void
reply_page(struct chan *c, uint32_t id, json_t *o)
{
	reply_send(c, id, 200, 1, o, 0);
}

/* reply_error: the stable error shape, with Retry-After when retry. */
void
reply_error(struct chan *c, uint32_t id, int status, const char *code,
    const char *message, unsigned retry)
{
	reply_send(c, id, status, 0, json_pack("{s:{s:s, s:s}}", "error",
	    "code", code, "message", message), retry);
}

/*
 * Queue one row; the answer held behind it when it allows something.
 * XXX: every allowed read is a row message and an ack of its own
 * (they share sendmsg calls and the audit daemon's group commit);
 * one message for the rows of a batch needs a new audit message.
 */
static void
audit_row(struct p_audit_row *row, const char *outcome)
{
	struct chan	*c;
	struct timeval	 tv;

	if ((c = child_chan(PROC_AUDIT)) == NULL)
		return;
	gettimeofday(&tv, NULL);
	row->time = (uint64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	pccx_strlcpy(row->outcome, outcome, sizeof(row->outcome));
	if (++auth->audit_id == 0)
		auth->audit_id = 1;
	if (audit_append(c, auth->audit_id, row) == 0) {
		/*
		 * A held answer waits for the row anyway; any other row
		 * goes before the answer that it records.
		 */
		if (strcmp(outcome, "allow") == 0 ||
		    strcmp(outcome, "ok") == 0) {
			hold_id = auth->audit_id;
			reply_defer(c);
		} else
			child_commit(c);
	} else
		log_warnx("audit row not queued");
}

/*
 * auth_audit: record a decision, with the refusal's code (or NULL).
 * It goes to the log (an "allow" at debug level only), and as a row to
 * the audit daemon.  After an "allow" or "ok" row, answers are held
 * until the audit daemon has stored it (until reply_hold_end()); with
 * no audit daemon linked they go at once, and the log is the only
 * record.
 */
void
auth_audit(const char *actor, const char *device, const char *source,
    const char *action, const char *project, const char *outcome,
    const char *why)
{
	struct p_audit_row	*row;
	char			 line[512];
	int			 allow;

	/* An allowed request is routine: its row is the record. */
	allow = strcmp(outcome, "allow") == 0;
	if (!allow || log_getverbose() > 0) {
		snprintf(line, sizeof(line), "%s %s by %s (device %s) from "
		    "%s: %s%s%s", action, project != NULL && *project ?
		    project : "-", actor, device != NULL && *device ? device :
		    "-", source, outcome, why != NULL ? " " : "",
		    why != NULL ? why : "");
		if (allow)
			log_debug("audit: %s", line);
		else
			log_info("audit: %s", line);
	}
	if ((row = calloc(1, sizeof(*row))) == NULL)
		return;
	pccx_strlcpy(row->actor, actor, sizeof(row->actor));
	pccx_strlcpy(row->device, device != NULL ? device : "",
	    sizeof(row->device));
	pccx_strlcpy(row->source, source, sizeof(row->source));
	pccx_strlcpy(row->action, action, sizeof(row->action));
	pccx_strlcpy(row->project, project != NULL ? project : "",
	    sizeof(row->project));
	/* Every code is a fixed lower-case word: no JSON quoting needed. */
	if (why != NULL)
		snprintf(row->detail, sizeof(row->detail), "{\"code\":\"%s\"}",
		    why);
	audit_row(row, outcome);
	free(row);
}

/*
 * auth_audit_revoke: record that kind ("user", "device", "session")
 * id was revoked.  Once the row is stored, the audit daemon passes the
 * revocation on to the session and tunnel daemons.
 */
void
auth_audit_revoke(const char *actor, const char *source, const char *kind,
    const char *id, const char *outcome)
{
	struct p_audit_row	*row;
	json_t			*j;
	char			*s;

	log_info("audit: revoke %s %s by %s from %s: %s", kind, id, actor,
	    source, outcome);
	if ((row = calloc(1, sizeof(*row))) == NULL)
		return;
	pccx_strlcpy(row->actor, actor, sizeof(row->actor));
	pccx_strlcpy(row->source, source, sizeof(row->source));
	pccx_strlcpy(row->action, AUDIT_REVOKE_ACTION, sizeof(row->action));
	pccx_strlcpy(row->object, id, sizeof(row->object));
	j = json_pack("{s:s, s:s}", "kind", kind, "id", id);
	if (j != NULL && (s = json_dumps(j, JSON_COMPACT)) != NULL) {
		pccx_strlcpy(row->detail, s, sizeof(row->detail));
		free(s);
	}
	json_decref(j);
	audit_row(row, outcome);
	free(row);
	if (strcmp(outcome, "ok") == 0)
		auth_tunnel_del(kind, id);
}

/*
 * auth_tunnel_add: ask the tunnel daemon for a WireGuard peer for a
 * device's key, tied to user and session sid.  The addresses come
 * back in MSG_TUNNEL_PEER_ADDR (auth_msg_tunnel).
 */
void
auth_tunnel_add(const char *user, const char *device, const char *sid,
    const char *key)
{
	struct p_tunnel_peer_add	 p;
	struct chan			*c = child_chan(PROC_TUNNEL);

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.user, user, sizeof(p.user));
	pccx_strlcpy(p.device, device, sizeof(p.device));
	pccx_strlcpy(p.sid, sid, sizeof(p.sid));
	pccx_strlcpy(p.key, key, sizeof(p.key));
	if (c == NULL || proto_send_tunnel_peer_add(c, lease_new(sid),
	    &p) == -1) {
		log_warnx("tunnel: cannot ask for a peer for %s", device);
		return;
	}
	child_commit(c);
}

/* auth_tunnel_del: the peers of a revoked user, device or session go. */
void
auth_tunnel_del(const char *kind, const char *id)
{
	struct p_tunnel_peer_del	 p;
	struct chan			*c = child_chan(PROC_TUNNEL);

	memset(&p, 0, sizeof(p));
	if (strcmp(kind, "user") == 0)
		p.kind = TUNNEL_DEL_USER;
	else if (strcmp(kind, "device") == 0)
		p.kind = TUNNEL_DEL_DEVICE;
	else
		p.kind = TUNNEL_DEL_SESSION;
	pccx_strlcpy(p.id, id, sizeof(p.id));
	if (c == NULL || proto_send_tunnel_peer_del(c, &p) == -1) {
		log_warnx("tunnel: cannot remove the peers of %s", id);
		return;
	}
	child_commit(c);
}

/* auth_msg_tunnel: the tunnel daemon's answer to a peer request. */
int
auth_msg_tunnel(struct chan *c, struct msg *m)
{
	struct p_tunnel_peer_addr	r;

	if (proto_get_tunnel_peer_addr(m, &r) == -1)
		return -1;
	/* The token answer waits for them (lease_state). */
	lease_answer(m->hdr.peerid, &r);
	if (r.code == TUNNEL_OK)
		log_debug("tunnel: peer at %s %s", r.addr4, r.addr6);
	else if (r.code != TUNNEL_ERR_OFF)
		log_warnx("tunnel: peer refused (code %u)", r.code);
	return 0;
}

/* b64url_get: the base64url string member k of o, decoded; 0 or -1. */
int
b64url_get(json_t *o, const char *k, unsigned char **out, size_t *len)
{
	json_t	*v = json_object_get(o, k);

	*out = NULL;
	if (!json_is_string(v))
		return -1;
	return jose_b64url_decode(json_string_value(v),
	    json_string_length(v), out, len);
}

/* b64url: a new unpadded base64url string; fatal when out of memory. */
char *
b64url(const void *p, size_t n)
{
	char	*s;

	if ((s = jose_b64url_encode(p, n)) == NULL)
		fatal("b64url");
	return s;
}

/* handle_new: a fresh random handle of AUTH_HANDLELEN characters. */
void
handle_new(char *out)
{
	unsigned char	raw[16];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_HANDLELEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
