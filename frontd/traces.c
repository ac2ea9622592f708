/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The /v1/traces, /v1/reports and reference routes. */

/*
 * Every route sits behind the auth gate, which has checked the RBAC
 * action in the project of ?project= (or X-Project; for references the
 * path names it).  The session daemon checks the user's role again and
 * records uploads, deletes and references with the audit daemon before
 * it acts; this file asks it with the caller's name and turns the
 * replies into HTTP.
 *
 * An upload's body is never held whole: each piece goes into a pipe
 * whose read end the session daemon has, and reading the client stops
 * while the pipe is full.  Its SHA-256 is computed on the way; at the
 * end a TRACE_END tells the session daemon whether the body is whole
 * and matches Content-Digest, and nothing is stored without that.  The
 * verdict comes back on another pipe and is relayed as NDJSON over
 * chunked encoding while the body still comes.
 */

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/session.h"
#include "accept.h"
#include "authgate.h"
#include "frontd.h"
#include "server.h"
#include "traces.h"

#define TRACES_MAXPENDING	256
#define TRACES_OUT_BOUND	(256 * 1024)	/* reply bytes unsent */
#define TRACES_HELD_MAX		(64 * 1024)	/* body not yet in the pipe */

enum treq_kind {
	TREQ_PUT,
	TREQ_LIST,
	TREQ_SHOW,
	TREQ_DEL,
	TREQ_REPORT,
	TREQ_REF
};

/* Bytes on their way into a pipe to the session daemon. */
struct tfeed {
	int		 fd;
	struct event	*ev;
	struct evbuffer	*held;
	void		 (*drained)(void *);
	void		*arg;
};

/* An upload: the body going in, the verdict coming out. */
struct tup {
	struct http_req		*req;
	struct tfeed		 feed;
	EVP_MD_CTX		*sha;
	uint8_t			 want[32];
	uint64_t		 bytes;
	int			 body_done;
	int			 ended;		/* TRACE_END sent */
	int			 asked;		/* PUT not answered yet */
	int			 finished;	/* the reply ended or failed */
	int			 veof;		/* the verdict's pipe ended */
	struct bufferevent	*out;		/* the verdict */
	char			 project[PROTO_NAMEMAX];
	char			 id[SESSION_IDSZ];
	char			 user[PROTO_NAMEMAX];
};

/* A request the session daemon has not answered yet. */
struct treq {
	TAILQ_ENTRY(treq)	 entry;
	uint32_t		 id;
	enum treq_kind		 kind;
	struct http_req		*req;
	struct tup		*up;		/* PUT */
	json_t			*rows;
	/* LIST of every project the caller may list: those still to do */
	char			(*more)[PROTO_NAMEMAX];
	int			 nmore;
	int			 all;
	const char		*ctype;		/* REPORT */
	char			 project[PROTO_NAMEMAX];
	char			 tid[SESSION_IDSZ];
	char			 name[PROTO_NAMEMAX];
	char			 user[PROTO_NAMEMAX];
};

/* A report relayed from its pipe. */
struct trep {
	struct http_req		*req;
	struct bufferevent	*bev;
	int			 eof;
	uint64_t		 want;		/* the plaintext's length */
	uint64_t		 got;
	char			 id[SESSION_IDSZ];
};

static TAILQ_HEAD(, treq)	 treqs = TAILQ_HEAD_INITIALIZER(treqs);
static int			 ntreqs;
static uint32_t			 next_id = 1;

static void	traces_upload(struct http_req *);
static void	traces_list(struct http_req *);
static void	traces_show(struct http_req *);
static void	traces_delete(struct http_req *);
static void	traces_report(struct http_req *);
static void	traces_ref_put(struct http_req *);
static void	up_end_body(struct tup *, uint8_t);
static void	up_release(struct tup *);

const struct http_route traces_routes[] = {
	{ "POST", "/v1/traces", ROUTE_UPLOAD, traces_upload },
	{ "GET", "/v1/traces", 0, traces_list },
	{ "GET", "/v1/traces/{id}", 0, traces_show },
	{ "DELETE", "/v1/traces/{id}", 0, traces_delete },
	{ "GET", "/v1/reports/{id}", 0, traces_report },
	{ "PUT", "/v1/projects/{project}/references/{name}", 0,
	    traces_ref_put },
};
const size_t traces_nroutes = sizeof(traces_routes) /
    sizeof(traces_routes[0]);

/* What GET /v1/reports/{id} can give, in order of preference. */
static const char *const report_types[] = {
	"application/json", "text/html", "text/markdown"
};
static const uint8_t report_kinds[] = {
	SESSION_TK_JSON, SESSION_TK_HTML, SESSION_TK_MD
};
static const char *const report_ctypes[] = {
	"application/json", "text/html; charset=utf-8",
	"text/markdown; charset=utf-8"
};
static const char *const kind_names[] = {
	[SESSION_TK_TRACE] = "trace", [SESSION_TK_JSON] = "json",
	[SESSION_TK_HTML] = "html", [SESSION_TK_MD] = "markdown",
};

int
traces_name_ok(const char *s)
{
	size_t	i;

	if (s[0] == '\0' || s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= PROTO_NAMEMAX - 1 || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* The project the gate checked, a valid name; -1 after answering 400. */
static int
req_project(struct http_req *req, char *dst, size_t size)
{
	const char	*q = http_req_query(req);
	const char	*h;

	if (q != NULL && http_query_get(q, "project", dst, size) == 1 &&
	    traces_name_ok(dst))
		return 0;
	if ((q == NULL || http_query_get(q, "project", dst, size) == 0) &&
	    (h = http_req_header(req, "X-Project")) != NULL &&
	    pccx_strlcpy(dst, h, size) < size && traces_name_ok(dst))
		return 0;
	http_reply_error(req, 400, "bad_project", "name a project: "
	    "?project= of [A-Za-z0-9_.-]");
	return -1;
}

/* The {id} of the path, a uuid; -1 after answering 400. */
static int
req_id(struct http_req *req, char *dst)
{
	const char	*id = http_req_param(req, "id");

	if (id == NULL || !proto_session_uuid_ok(id)) {
		http_reply_error(req, 400, "bad_id", "a trace id is a uuid");
		return -1;
	}
	memcpy(dst, id, SESSION_IDSZ);
	return 0;
}

/*
 * A new pending request for req (referenced) by the caller the gate
 * let through, or NULL after an answer.
 */
static struct treq *
treq_new(struct http_req *req, enum treq_kind kind, const char *project)
{
	const struct p_auth_allow	*who = authgate_identity(req);
	struct treq			*t;

	if (who == NULL || who->user[0] == '\0') {
		http_reply_error(req, 500, "internal_error",
		    "internal error");
		return NULL;
	}
	if (child_chan(PROC_SESSION) == NULL ||
	    ntreqs >= TRACES_MAXPENDING ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return NULL;
	}
	t->id = next_id++ | TRACES_ID_BIT;
	if (next_id == TRACES_ID_BIT)
		next_id = 1;
	t->kind = kind;
	t->req = req;
	http_req_ref(req);
	pccx_strlcpy(t->project, project, sizeof(t->project));
	pccx_strlcpy(t->user, who->user, sizeof(t->user));
	TAILQ_INSERT_TAIL(&treqs, t, entry);
	ntreqs++;
	return t;
}

static void
treq_free(struct treq *t)
{
	TAILQ_REMOVE(&treqs, t, entry);
	ntreqs--;
	if (t->up != NULL) {
		t->up->asked = 0;
		up_release(t->up);
	}
	http_req_unref(t->req);
	json_decref(t->rows);
	free(t->more);
	free(t);
}

/* Queue a trace message for t; on failure answer 503, free t, -1. */
static int
treq_send(struct treq *t, uint16_t type, int fd, struct p_session_trace *p)
{
	struct chan	*c = child_chan(PROC_SESSION);

	if (c != NULL && proto_send_session_trace(c, type, t->id, fd,
	    p) == 0) {
		child_commit(c);
		return 0;
	}
	if (fd != -1)
		close(fd);
	http_reply_error(t->req, 503, "busy", "try again later");
	treq_free(t);
	return -1;
}

/* The request's fields for the session daemon, as the caller. */
static void
treq_fill(struct treq *t, struct p_session_trace *p)
{
	memset(p, 0, sizeof(*p));
	pccx_strlcpy(p->project, t->project, sizeof(p->project));
	pccx_strlcpy(p->id, t->tid, sizeof(p->id));
	pccx_strlcpy(p->name, t->name, sizeof(p->name));
	pccx_strlcpy(p->user, t->user, sizeof(p->user));
}

/* Feeding a pipe. */

static void
feed_close(struct tfeed *f)
{
	if (f->ev != NULL)
		event_free(f->ev);
	if (f->held != NULL)
		evbuffer_free(f->held);
	if (f->fd != -1)
		close(f->fd);
	f->ev = NULL;
	f->held = NULL;
	f->fd = -1;
}

/* Write what is held; drained(arg) once nothing is.  -1 on an error. */
static int
feed_flush(struct tfeed *f)
{
	while (evbuffer_get_length(f->held) > 0) {
		if (evbuffer_write(f->held, f->fd) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			event_add(f->ev, NULL);
			return 0;
		}
	}
	if (f->drained != NULL)
		f->drained(f->arg);
	return 0;
}

static void
feed_on_write(evutil_socket_t fd, short ev, void *arg)
{
	struct tfeed	*f = arg;

	if (feed_flush(f) == -1)
		f->drained(f->arg);
}

/* A non-blocking pipe: the read end for the daemon, the feed's end. */
static int
feed_open(struct tfeed *f, void (*drained)(void *), void *arg)
{
	int	p[2];

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	f->fd = p[1];
	f->drained = drained;
	f->arg = arg;
	if (fd_nonblock(f->fd) == -1 || (f->held = evbuffer_new()) == NULL ||
	    (f->ev = event_new(server_base(), f->fd, EV_WRITE, feed_on_write,
	    f)) == NULL) {
		feed_close(f);
		close(p[0]);
		return -1;
	}
	return p[0];
}

/* Uploads. */

static void
up_free(struct tup *u)
{
	feed_close(&u->feed);
	EVP_MD_CTX_free(u->sha);
	if (u->out != NULL)
		bufferevent_free(u->out);
	if (u->req != NULL) {
		http_req_on_gone(u->req, NULL, NULL);
		http_req_on_body(u->req, NULL, NULL, NULL);
		http_reply_on_drain(u->req, NULL, NULL);
		http_req_unref(u->req);
	}
	free(u);
}

/* Free the upload once neither its request nor its reply needs it. */
static void
up_release(struct tup *u)
{
	if (!u->asked && u->finished)
		up_free(u);
}

/* Tell the session daemon how the body ended; once. */
static void
up_end_body(struct tup *u, uint8_t kind)
{
	struct p_session_trace	 p;
	struct chan		*c = child_chan(PROC_SESSION);

	if (u->ended)
		return;
	u->ended = 1;
	feed_close(&u->feed);
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, u->project, sizeof(p.project));
	pccx_strlcpy(p.id, u->id, sizeof(p.id));
	pccx_strlcpy(p.user, u->user, sizeof(p.user));
	p.size = u->bytes;
	p.kind = kind;
	if (c == NULL || proto_send_session_trace(c, MSG_SESSION_TRACE_END,
	    0, -1, &p) == -1) {
		log_warnx("trace %s: cannot end the upload", u->id);
		return;
	}
	child_commit(c);
	if (kind != SESSION_TE_OK)
		log_info("trace %s/%s: upload abandoned (%u)", u->project,
		    u->id, kind);
}

/* The body is in the pipe: END, with the digest's word. */
static void
up_close_body(struct tup *u)
{
	uint8_t		got[EVP_MAX_MD_SIZE];
	unsigned int	n = 0;

	if (EVP_DigestFinal_ex(u->sha, got, &n) != 1 || n != 32 ||
	    sodium_memcmp(got, u->want, 32) != 0) {
		log_warnx("trace %s/%s: body does not match Content-Digest",
		    u->project, u->id);
		up_end_body(u, SESSION_TE_DIGEST);
	} else
		up_end_body(u, SESSION_TE_OK);
}

/* The pipe took everything held: read on, or end. */
static void
up_drained(void *arg)
{
	struct tup	*u = arg;

	if (u->feed.fd == -1)
		return;
	if (evbuffer_get_length(u->feed.held) > 0) {
		/* the pipe broke: the session daemon gave up */
		up_end_body(u, SESSION_TE_FAILED);
		return;
	}
	if (u->body_done)
		up_close_body(u);
	else if (u->req != NULL)
		http_req_pause(u->req, 0);
}

static void
up_on_data(struct http_req *req, const char *data, size_t len, void *arg)
{
	struct tup	*u = arg;

	if (u->ended)
		return;
	u->bytes += len;
	if (EVP_DigestUpdate(u->sha, data, len) != 1 ||
	    evbuffer_add(u->feed.held, data, len) == -1 ||
	    feed_flush(&u->feed) == -1) {
		up_end_body(u, SESSION_TE_FAILED);
		return;
	}
	if (evbuffer_get_length(u->feed.held) > 0)
		http_req_pause(req, 1);
}

static void
up_on_end(struct http_req *req, void *arg)
{
	struct tup	*u = arg;

	u->body_done = 1;
	if (!u->ended && evbuffer_get_length(u->feed.held) == 0)
		up_close_body(u);
}

/* The client went away: nothing of it may be kept. */
static void
up_on_gone(struct http_req *req, void *arg)
{
	struct tup	*u = arg;

	up_end_body(u, u->body_done ? SESSION_TE_FAILED : SESSION_TE_GONE);
	if (u->out != NULL) {
		bufferevent_free(u->out);
		u->out = NULL;
	}
	http_req_on_gone(u->req, NULL, NULL);
	http_req_on_body(u->req, NULL, NULL, NULL);
	http_reply_on_drain(u->req, NULL, NULL);
	http_req_unref(u->req);
	u->req = NULL;
	u->finished = 1;
	up_release(u);
}

/* The verdict ended (or failed): end the reply. */
static void
up_finish(struct tup *u)
{
	struct http_req	*req = u->req;

	if (u->finished)
		return;
	u->finished = 1;
	if (u->out != NULL) {
		bufferevent_free(u->out);
		u->out = NULL;
	}
	if (!u->body_done)
		up_end_body(u, SESSION_TE_FAILED);
	if (req != NULL) {
		http_req_on_gone(req, NULL, NULL);
		http_req_on_body(req, NULL, NULL, NULL);
		http_reply_on_drain(req, NULL, NULL);
		u->req = NULL;
		http_reply_end(req);
		http_req_unref(req);
	}
	up_release(u);
}

/* Relay whole verdict lines while the client keeps up. */
static void
up_relay(struct tup *u)
{
	struct evbuffer	*in = bufferevent_get_input(u->out);
	size_t		 n;

	while (http_reply_pending(u->req) < TRACES_OUT_BOUND &&
	    (n = evbuffer_get_length(in)) > 0) {
		if (n > 16384)
			n = 16384;
		if (http_reply_chunk(u->req, evbuffer_pullup(in, n), n) == -1)
			break;
		evbuffer_drain(in, n);
	}
	if (!u->veof && http_reply_pending(u->req) >= TRACES_OUT_BOUND)
		bufferevent_disable(u->out, EV_READ);
}

static void
up_out_read(struct bufferevent *bev, void *arg)
{
	up_relay(arg);
}

static void
up_out_event(struct bufferevent *bev, short what, void *arg)
{
	struct tup	*u = arg;

	u->veof = 1;
	bufferevent_disable(bev, EV_READ);
	up_relay(u);
	if (evbuffer_get_length(bufferevent_get_input(bev)) == 0)
		up_finish(u);
}

static void
up_out_drain(struct http_req *req, void *arg)
{
	struct tup	*u = arg;

	if (u->out == NULL)
		return;
	up_relay(u);
	if (!u->veof)
		bufferevent_enable(u->out, EV_READ);
	else if (evbuffer_get_length(bufferevent_get_input(u->out)) == 0)
		up_finish(u);
}

/* STREAM: the verdict's pipe; relay it as it comes. */
static void
up_stream(struct tup *u, int fd)
{
	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    (u->out = bufferevent_socket_new(server_base(), fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		http_reply_error(u->req, 503, "busy", "try again later");
		up_finish(u);
		return;
	}
	http_reply_header(u->req, "X-Trace-Id", u->id);
	if (http_reply_start(u->req, 200, "application/x-ndjson") == -1) {
		up_finish(u);
		return;
	}
	http_reply_on_drain(u->req, up_out_drain, u);
	bufferevent_setcb(u->out, up_out_read, NULL, up_out_event, u);
	bufferevent_enable(u->out, EV_READ);
}

/* The SHA-256 Content-Digest claims; -1 when it names none. */
static int
up_digest(struct http_req *req, uint8_t *out)
{
	const char	*cd = http_req_header(req, "Content-Digest");
	const char	*p;
	size_t		 n;

	if (cd == NULL || (p = strstr(cd, "sha-256=:")) == NULL)
		return -1;
	p += 9;
	if (sodium_base642bin(out, 32, p, strcspn(p, ":"), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n != 32)
		return -1;
	return 0;
}

/* A random version 4 uuid, lower case. */
static void
up_uuid(char *dst)
{
	uint8_t	b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(dst, SESSION_IDSZ, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
	    b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
	    b[14], b[15]);
}

/* The upload's state and the PUT; -1 after answering. */
static int
up_begin(struct http_req *req, struct treq *t, const uint8_t *want)
{
	const struct http_head	*h = http_req_head(req);
	struct p_session_trace	 p;
	struct tup		*u;
	int			 rfd;

	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(u->sha, EVP_sha256(), NULL) != 1 ||
	    (rfd = feed_open(&u->feed, up_drained, u)) == -1) {
		if (u != NULL)
			EVP_MD_CTX_free(u->sha);
		free(u);
		http_reply_error(req, 503, "busy", "try again later");
		treq_free(t);
		return -1;
	}
	u->req = req;
	http_req_ref(req);
	memcpy(u->want, want, sizeof(u->want));
	up_uuid(t->tid);
	treq_fill(t, &p);
	p.size = h->framing == HTTP_BODY_LENGTH ? h->content_length : 0;
	p.cap = server_limits()->upload_bytes;
	pccx_strlcpy(u->project, p.project, sizeof(u->project));
	pccx_strlcpy(u->id, p.id, sizeof(u->id));
	pccx_strlcpy(u->user, p.user, sizeof(u->user));
	u->asked = 1;
	t->up = u;
	http_req_on_body(req, up_on_data, up_on_end, u);
	http_req_on_gone(req, up_on_gone, u);
	if (treq_send(t, MSG_SESSION_TRACE_PUT, rfd, &p) == -1) {
		/* the daemon never heard of it; a bodiless request ends */
		u->ended = u->finished = 1;
		up_release(u);
		return -1;
	}
	return 0;
}

/* POST /v1/traces?project=P[&reference=NAME] */
static void
traces_upload(struct http_req *req)
{
	const char	*q = http_req_query(req);
	char		 project[PROTO_NAMEMAX], ref[PROTO_NAMEMAX];
	uint8_t		 want[32];
	struct treq	*t;
	int		 r = 0;

	if (req_project(req, project, sizeof(project)) == -1)
		return;
	ref[0] = '\0';
	if (q != NULL && (r = http_query_get(q, "reference", ref,
	    sizeof(ref))) != 0 && (r == -1 || !traces_name_ok(ref))) {
		http_reply_error(req, 400, "bad_reference",
		    "a reference name is of [A-Za-z0-9_.-]");
		return;
	}
	if (up_digest(req, want) == -1) {
		http_reply_error(req, 400, "bad_digest",
		    "an upload needs Content-Digest with sha-256");
		return;
	}
	if ((t = treq_new(req, TREQ_PUT, project)) == NULL)
		return;
	pccx_strlcpy(t->name, ref, sizeof(t->name));
	up_begin(req, t, want);
}

/* Reads. */

/* The projects the auth daemon found the caller may list. */
static int
list_all(struct treq *t, const struct p_auth_allow *who)
{
	int	i;

	t->all = 1;
	if (who->nprojects == 0)
		return 0;
	if ((t->more = calloc(who->nprojects, sizeof(*t->more))) == NULL)
		return -1;
	/* the first goes now, the rest after each LIST_END */
	pccx_strlcpy(t->project, who->projects[0], sizeof(t->project));
	for (i = 1; i < who->nprojects; i++)
		pccx_strlcpy(t->more[t->nmore++], who->projects[i],
		    sizeof(t->more[0]));
	return 0;
}

/* GET /v1/traces[?project=P]: one project's, or every one's. */
static void
traces_list(struct http_req *req)
{
	const struct p_auth_allow	*who = authgate_identity(req);
	const char			*q = http_req_query(req);
	struct p_session_trace		 p;
	char				 project[PROTO_NAMEMAX] = "";
	struct treq			*t;
	int				 all;

	all = who != NULL && (q == NULL || http_query_get(q, "project",
	    project, sizeof(project)) == 0) &&
	    http_req_header(req, "X-Project") == NULL;
	if ((!all && req_project(req, project, sizeof(project)) == -1) ||
	    (t = treq_new(req, TREQ_LIST, project)) == NULL)
		return;
	if ((t->rows = json_array()) == NULL ||
	    (all && list_all(t, who) == -1)) {
		http_reply_error(req, 503, "busy", "try again later");
		treq_free(t);
		return;
	}
	if (all && t->project[0] == '\0') {
		http_reply_json(req, 200, json_pack("{s:O}", "traces",
		    t->rows));
		treq_free(t);
		return;
	}
	treq_fill(t, &p);
	treq_send(t, MSG_SESSION_TRACE_LIST, -1, &p);
}

/* GET /v1/traces/{id}?project=P: the row of that trace. */
static void
traces_show(struct http_req *req)
{
	struct p_session_trace	 p;
	char			 project[PROTO_NAMEMAX], id[SESSION_IDSZ];
	struct treq		*t;

	if (req_id(req, id) == -1 ||
	    req_project(req, project, sizeof(project)) == -1 ||
	    (t = treq_new(req, TREQ_SHOW, project)) == NULL)
		return;
	memcpy(t->tid, id, sizeof(t->tid));
	treq_fill(t, &p);
	p.id[0] = '\0';
	treq_send(t, MSG_SESSION_TRACE_LIST, -1, &p);
}

/* DELETE /v1/traces/{id}?project=P */
static void
traces_delete(struct http_req *req)
{
	struct p_session_trace	 p;
	char			 project[PROTO_NAMEMAX], id[SESSION_IDSZ];
	struct treq		*t;

	if (req_id(req, id) == -1 ||
	    req_project(req, project, sizeof(project)) == -1 ||
	    (t = treq_new(req, TREQ_DEL, project)) == NULL)
		return;
	memcpy(t->tid, id, sizeof(t->tid));
	treq_fill(t, &p);
	treq_send(t, MSG_SESSION_TRACE_DEL, -1, &p);
}

/* GET /v1/reports/{id}?project=P, Accept: JSON, HTML or Markdown. */
static void
traces_report(struct http_req *req)
{
	struct p_session_trace	 p;
	char			 project[PROTO_NAMEMAX], id[SESSION_IDSZ];
	struct treq		*t;
	int			 i;

	if (req_id(req, id) == -1 ||
	    req_project(req, project, sizeof(project)) == -1)
		return;
	i = accept_pick(http_req_header(req, "Accept"), report_types,
	    sizeof(report_types) / sizeof(report_types[0]));
	if (i == ACCEPT_BAD) {
		http_reply_error(req, 400, "bad_accept",
		    "Accept is not a list of media ranges");
		return;
	}
	if (i == ACCEPT_NONE) {
		http_reply_error(req, 406, "not_acceptable", "reports are "
		    "application/json, text/html or text/markdown");
		return;
	}
	if ((t = treq_new(req, TREQ_REPORT, project)) == NULL)
		return;
	memcpy(t->tid, id, sizeof(t->tid));
	t->ctype = report_ctypes[i];
	treq_fill(t, &p);
	p.kind = report_kinds[i];
	treq_send(t, MSG_SESSION_TRACE_GET, -1, &p);
}

/* References. */

/* The reference body is in the pipe: close it, the daemon reads EOF. */
static void
ref_drained(void *arg)
{
	struct tfeed	*f = arg;

	feed_close(f);
	free(f);
}

/* PUT /v1/projects/{project}/references/{name}: JSON Lines. */
static void
traces_ref_put(struct http_req *req)
{
	const char		*project = http_req_param(req, "project");
	const char		*name = http_req_param(req, "name");
	const char		*body;
	struct p_session_trace	 p;
	struct tfeed		*f;
	struct treq		*t;
	size_t			 len;
	int			 rfd;

	if (project == NULL || name == NULL || !traces_name_ok(project) ||
	    !traces_name_ok(name)) {
		http_reply_error(req, 400, "bad_name", "project and "
		    "reference names are of [A-Za-z0-9_.-]");
		return;
	}
	if ((body = http_req_body(req, &len)) == NULL) {
		http_reply_error(req, 400, "bad_body",
		    "a reference is JSON Lines, one row per step");
		return;
	}
	if ((t = treq_new(req, TREQ_REF, project)) == NULL)
		return;
	pccx_strlcpy(t->name, name, sizeof(t->name));
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (rfd = feed_open(f, ref_drained, f)) == -1) {
		free(f);
		http_reply_error(req, 503, "busy", "try again later");
		treq_free(t);
		return;
	}
	if (evbuffer_add(f->held, body, len) == -1) {
		ref_drained(f);
		close(rfd);
		http_reply_error(req, 503, "busy", "try again later");
		treq_free(t);
		return;
	}
	treq_fill(t, &p);
	treq_send(t, MSG_SESSION_REF_PUT, rfd, &p);
	/* what the pipe cannot take now waits for the daemon to read */
	if (feed_flush(f) == -1)
		ref_drained(f);
}

/* Replies. */

static void
reply_error(struct treq *t, const struct p_session_error *e)
{
	static const struct {
		int		 status;
		const char	*code;
	} map[] = {
		[SESSION_E_INTERNAL] = { 503, "unavailable" },
		[SESSION_E_NOPROJECT] = { 404, "no_project" },
		[SESSION_E_NOTMAPPED] = { 403, "forbidden" },
		[SESSION_E_NOSESSION] = { 404, "no_trace" },
		[SESSION_E_ARGS] = { 400, "bad_request" },
		[SESSION_E_AUDIT] = { 503, "audit_unavailable" },
	};

	if (e->code < sizeof(map) / sizeof(map[0]) &&
	    map[e->code].code != NULL)
		http_reply_error(t->req, map[e->code].status,
		    map[e->code].code, e->text);
	else
		http_reply_error(t->req, 500, "internal_error", e->text);
}

static json_t *
row_json(const char *project, const struct p_session_trace *r)
{
	json_t	*j, *kinds;
	int	 k;

	if ((kinds = json_array()) == NULL)
		return NULL;
	for (k = SESSION_TK_JSON; k <= SESSION_TK_MAX; k++)
		if (r->kinds & (1 << k))
			json_array_append_new(kinds,
			    json_string(kind_names[k]));
	j = json_pack("{s:s, s:s, s:I, s:o}", "id", r->id, "project",
	    project, "stored_bytes", (json_int_t)r->size, "reports", kinds);
	return j;
}

static void
reply_row(struct treq *t, const struct p_session_trace *r)
{
	if (t->kind == TREQ_LIST)
		json_array_append_new(t->rows, row_json(t->project, r));
	else if (t->kind == TREQ_SHOW && strcmp(r->id, t->tid) == 0 &&
	    t->rows == NULL)
		t->rows = row_json(t->project, r);
}

/* LIST_END: answer, or list the next project; 1 when t is done. */
static int
reply_list_end(struct treq *t)
{
	struct p_session_trace	p;

	if (t->kind == TREQ_LIST && t->nmore > 0) {
		pccx_strlcpy(t->project, t->more[--t->nmore],
		    sizeof(t->project));
		treq_fill(t, &p);
		pccx_strlcpy(p.project, t->project, sizeof(p.project));
		treq_send(t, MSG_SESSION_TRACE_LIST, -1, &p);
		return 0;
	}
	if (t->kind == TREQ_LIST && t->all)
		http_reply_json(t->req, 200, json_pack("{s:O}", "traces",
		    t->rows));
	else if (t->kind == TREQ_LIST)
		http_reply_json(t->req, 200, json_pack("{s:s, s:O}",
		    "project", t->project, "traces", t->rows));
	else if (t->rows != NULL)
		http_reply_json(t->req, 200, json_incref(t->rows));
	else
		http_reply_error(t->req, 404, "no_trace", "no such trace");
	return 1;
}

static void
rep_free(struct trep *r)
{
	bufferevent_free(r->bev);
	http_req_on_gone(r->req, NULL, NULL);
	http_reply_on_drain(r->req, NULL, NULL);
	http_req_unref(r->req);
	free(r);
}

/* Relay what the client can take; end at the pipe's end. */
static void
rep_pump(struct trep *r)
{
	struct evbuffer	*in = bufferevent_get_input(r->bev);
	size_t		 n;

	while (http_reply_pending(r->req) < TRACES_OUT_BOUND &&
	    (n = evbuffer_get_length(in)) > 0) {
		if (n > 65536)
			n = 65536;
		http_reply_chunk(r->req, evbuffer_pullup(in, n), n);
		evbuffer_drain(in, n);
		r->got += n;
	}
	if (r->eof && evbuffer_get_length(in) == 0) {
		http_reply_on_drain(r->req, NULL, NULL);
		http_req_on_gone(r->req, NULL, NULL);
		if (r->got == r->want)
			http_reply_end(r->req);
		else {
			log_warnx("report %s: %llu of %llu bytes, cut short",
			    r->id, (unsigned long long)r->got,
			    (unsigned long long)r->want);
			http_reply_abort(r->req);
		}
		rep_free(r);
		return;
	}
	if (http_reply_pending(r->req) >= TRACES_OUT_BOUND)
		bufferevent_disable(r->bev, EV_READ);
}

static void
rep_read_cb(struct bufferevent *bev, void *arg)
{
	rep_pump(arg);
}

static void
rep_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct trep	*r = arg;

	r->eof = 1;
	bufferevent_disable(bev, EV_READ);
	rep_pump(r);
}

static void
rep_drain_cb(struct http_req *req, void *arg)
{
	struct trep	*r = arg;

	if (!r->eof)
		bufferevent_enable(r->bev, EV_READ);
	rep_pump(r);
}

static void
rep_gone_cb(struct http_req *req, void *arg)
{
	rep_free(arg);
}

/*
 * DATA: the report's plaintext comes on fd, size bytes of it.  One
 * that ends short (it failed to decrypt) is cut off without its last
 * chunk, so that the client cannot take it for whole.
 */
static void
reply_data(struct treq *t, int fd, uint64_t size)
{
	struct trep	*r = NULL;

	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    (r = calloc(1, sizeof(*r))) == NULL ||
	    (r->bev = bufferevent_socket_new(server_base(), fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(r);
		close(fd);
		http_reply_error(t->req, 503, "busy", "try again later");
		return;
	}
	r->req = t->req;
	r->want = size;
	pccx_strlcpy(r->id, t->tid, sizeof(r->id));
	http_req_ref(r->req);
	http_reply_header(r->req, "X-Content-Type-Options", "nosniff");
	if (strncmp(t->ctype, "text/html", 9) == 0)
		http_reply_header(r->req, "Content-Security-Policy",
		    "default-src 'none'; style-src 'unsafe-inline'; "
		    "img-src data:; frame-ancestors 'none'");
	if (http_reply_start(r->req, 200, t->ctype) == -1) {
		rep_free(r);
		return;
	}
	http_req_on_gone(r->req, rep_gone_cb, r);
	http_reply_on_drain(r->req, rep_drain_cb, r);
	bufferevent_setcb(r->bev, rep_read_cb, NULL, rep_event_cb, r);
	bufferevent_enable(r->bev, EV_READ);
}

/* A trace message for t; m->fd is taken when used.  1 when t is done. */
static int
reply_trace(struct treq *t, struct msg *m, const struct p_session_trace *p,
    int gone)
{
	switch (m->hdr.type) {
	case MSG_SESSION_TRACE_ROW:
		if (!gone)
			reply_row(t, p);
		return 0;
	case MSG_SESSION_TRACE_STREAM:
		if (!gone && t->kind == TREQ_PUT && t->up->req != NULL) {
			up_stream(t->up, m->fd);
			m->fd = -1;
		}
		return 1;
	case MSG_SESSION_TRACE_DATA:
		if (!gone && t->kind == TREQ_REPORT) {
			reply_data(t, m->fd, p->size);
			m->fd = -1;
		}
		return 1;
	}
	/* DONE */
	if (gone)
		return 1;
	if (t->kind == TREQ_DEL)
		http_reply_json(t->req, 200, json_pack("{s:s, s:s, s:b}",
		    "id", t->tid, "project", t->project, "deleted", 1));
	else if (t->kind == TREQ_REF)
		http_reply_json(t->req, 201, json_pack("{s:s, s:s}",
		    "project", t->project, "reference", t->name));
	return 1;
}

/* An ERROR for t: answer, and an upload's state goes with it. */
static void
reply_failed(struct treq *t, const struct p_session_error *e, int gone)
{
	if (t->kind == TREQ_PUT) {
		/* refused before any verdict: nothing to end */
		t->up->ended = 1;
		feed_close(&t->up->feed);
		if (t->up->req != NULL && !gone) {
			http_req_on_gone(t->up->req, NULL, NULL);
			http_req_on_body(t->up->req, NULL, NULL, NULL);
			reply_error(t, e);
		}
		if (t->up->req != NULL) {
			http_req_unref(t->up->req);
			t->up->req = NULL;
		}
		t->up->finished = 1;
		return;
	}
	if (!gone)
		reply_error(t, e);
}

static struct treq *
treq_find(uint32_t id)
{
	struct treq	*t;

	TAILQ_FOREACH(t, &treqs, entry)
		if (t->id == id)
			return t;
	return NULL;
}

/* traces_msg: see traces.h. */
int
traces_msg(struct chan *c, struct msg *m)
{
	union {
		struct p_session_error	e;
		struct p_session_trace	p;
		struct p_session_count	n;
	} u;
	struct treq	*t;
	int		 gone, done = 1, rv;

	if (m->hdr.type == MSG_SESSION_ERROR)
		rv = proto_get_session_error(m, &u.e);
	else if (m->hdr.type == MSG_SESSION_LIST_END)
		rv = proto_get_session_list_end(m, &u.n);
	else
		rv = proto_get_session_trace(m, &u.p);
	if (rv == 0 && (t = treq_find(m->hdr.peerid)) != NULL) {
		gone = http_req_gone(t->req);
		if (m->hdr.type == MSG_SESSION_ERROR)
			reply_failed(t, &u.e, gone);
		else if (m->hdr.type == MSG_SESSION_LIST_END)
			done = gone ? 1 : reply_list_end(t);
		else
			done = reply_trace(t, m, &u.p, gone);
		if (done)
			treq_free(t);
	}
	if (m->fd != -1)
		close(m->fd);
	m->fd = -1;
	return rv;
}
