/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* HTTP/1.1 connections on bufferevents: limits, timeouts, routing. */

/*
 * One request at a time per connection: while a request waits for its
 * answer, pipelined bytes stay unparsed in the input buffer, whose
 * read watermark stops the socket reads.  A connection ends after any
 * refusal, after "Connection: close", after HTTP/1.0, and when a reply
 * comes before the body is read; it then drains input for a moment
 * (a lingering close) so that the client can read the reply.
 *
 * A WebSocket route's handshake is checked when its head is in; after
 * the gate and the handler, http_reply_upgrade() queues the 101 and
 * gives the bufferevent away.  The connection object is then freed
 * without touching the bufferevent, and nothing parses its input
 * again: the head was drained when it was parsed, and the request
 * ended there (a handshake carries no body).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "common/log.h"
#include "server.h"

#define SERVER_NAME		"pccx-remote"
#define HTTP_INPUT_HIWAT	(64 * 1024)	/* unparsed input */
#define HTTP_OUTPUT_HIWAT	(256 * 1024)	/* unsent, then stop */
#define HTTP_EXTRA_MAX		8192	/* handler's headers */
#define HTTP_LINGER_SECS	2
#define HTTP_LINGER_BYTES	(1024 * 1024)
#define HTTP_MAXPARAMS		4
#define ACCEPT_PAUSE_SECS	1
#define PEER_MAX		(NI_MAXHOST + 8)
#define WS_GUID			"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEYLEN		16	/* decoded Sec-WebSocket-Key */
#define RESPOND_CHUNKED		((size_t)-1)
#define RESPOND_UNTIL_CLOSE	((size_t)-2)

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	struct evconnlistener	*lev;
	struct event		*pause;
	int			 kind;		/* LISTEN_* */
	int			 tls;
	char			 name[PROTO_NAMEMAX];
};

struct http_conn {
	TAILQ_ENTRY(http_conn)	 entry;
	struct bufferevent	*bev;
	struct event		*timer;		/* request, linger */
	struct event		*resume;	/* deferred processing */
	struct http_parser	 parser;
	struct http_req		*req;		/* in progress */
	int			 flags;
#define CONN_INREQ	0x01		/* request timer running */
#define CONN_BODYDONE	0x02		/* request fully read */
#define CONN_CLOSE	0x04		/* close once output is sent */
#define CONN_LINGER	0x08		/* output sent, draining input */
#define CONN_INLOOP	0x10		/* inside conn_process() */
#define CONN_DEAD	0x20		/* free when the loop unwinds */
#define CONN_PAUSED	0x40		/* body reading paused */
#define CONN_EOF	0x80		/* client sent no more */
	size_t			 lingered;
	int			 kind;		/* the listener's */
	int			 tls;
	char			 peer[PEER_MAX];
};

struct http_req {
	struct http_conn	*conn;		/* NULL once detached */
	struct http_head	 head;
	const struct http_route	*route;
	char			*body;
	size_t			 bodylen;
	char			*segs;		/* param values */
	struct {
		const char	*name;		/* in route path */
		size_t		 namelen;
		const char	*value;
	}			 params[HTTP_MAXPARAMS];
	int			 nparams;
	struct evbuffer		*extra;		/* more headers */
	int			 refs;
	int			 flags;
#define REQ_REPLIED	0x01
#define REQ_GONE	0x02
#define REQ_STREAMING	0x04		/* chunked reply under way */
#define REQ_RAWSTREAM	0x08		/* HTTP/1.0: no chunks */
#define REQ_CONTINUED	0x10		/* 100 Continue sent */
	void			(*gone_cb)(struct http_req *, void *);
	void			*gone_arg;
	void			(*data_cb)(struct http_req *, const char *,
				    size_t, void *);
	void			(*end_cb)(struct http_req *, void *);
	void			*body_arg;
	void			(*drain_cb)(struct http_req *, void *);
	void			*drain_arg;
	int			 kind;		/* LISTEN_* */
	int			 tls;
	char			 peer[PEER_MAX];
};

static struct event_base	*srv_base;
static struct p_limits		 srv_lim;
static const struct http_route	*srv_routes;
static size_t			 srv_nroutes;
static size_t			 srv_nconns;
static size_t			(*srv_upgraded)(void);
static SSL_CTX			*srv_tls;
static TAILQ_HEAD(, listener)	 srv_listeners =
    TAILQ_HEAD_INITIALIZER(srv_listeners);
static TAILQ_HEAD(, http_conn)	 srv_conns =
    TAILQ_HEAD_INITIALIZER(srv_conns);

static const struct p_limits srv_default_limits = {
	.request_line = 8192,
	.header_count = 100,
	.header_bytes = 32768,
	.body_bytes = 1024 * 1024,
	.upload_bytes = 1024ULL * 1024 * 1024,
	.idle_timeout = 60,
	.request_timeout = 300,
	.ws_frame_bytes = 1024 * 1024,
	.ws_message_bytes = 16 * 1024 * 1024,
	.max_connections = 1024,
	.feeds_per_user = 8,
};

static void	conn_process(struct http_conn *);
static void	conn_free(struct http_conn *);
static void	conn_fail(struct http_conn *, int, const char *,
		    const char *);
static void	conn_linger(struct http_conn *);
static void	conn_continue(struct http_conn *);
static int	ws_handshake_check(struct http_req *);

void
server_init(struct event_base *base)
{
	srv_base = base;
	srv_lim = srv_default_limits;
	/* A client that goes away must not kill the process on write. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
}

void
server_set_limits(const struct p_limits *lim)
{
	if (proto_check_limits(lim) == -1)
		fatalx("%s: limits out of range", __func__);
	srv_lim = *lim;
}

void
server_set_routes(const struct http_route *routes, size_t n)
{
	srv_routes = routes;
	srv_nroutes = n;
}

void
server_set_tls(SSL_CTX *ctx)
{
	srv_tls = ctx;
}

size_t
server_connections(void)
{
	return srv_nconns;
}

void
server_count_upgraded(size_t (*fn)(void))
{
	srv_upgraded = fn;
}

struct event_base *
server_base(void)
{
	return srv_base;
}

const struct p_limits *
server_limits(void)
{
	return &srv_lim;
}

/* Responses. */

static void
http_date(char *buf, size_t size)
{
	static const char	 days[7][4] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char	 mons[12][4] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;
	time_t			 now = time(NULL);

	if (gmtime_r(&now, &tm) == NULL) {
		snprintf(buf, size, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, mons[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Queue one whole response on the connection.  204 and 304 carry no
 * body, and so no Content-Length (RFC 9110 8.6).  With len
 * RESPOND_CHUNKED or RESPOND_UNTIL_CLOSE only the head goes out: a
 * streamed body follows.
 */
static void
conn_respond(struct http_conn *c, int status, const char *ctype,
    const void *body, size_t len, struct evbuffer *extra, int close)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	char		 date[64];
	int		 nobody = status == 204 || status == 304;

	http_date(date, sizeof(date));
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Server: " SERVER_NAME "\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n", status,
	    http_reason(status), date);
	if (ctype != NULL && !nobody)
		evbuffer_add_printf(out, "Content-Type: %s\r\n", ctype);
	if (len == RESPOND_CHUNKED)
		evbuffer_add_printf(out, "Transfer-Encoding: chunked\r\n");
	else if (len != RESPOND_UNTIL_CLOSE && !nobody)
		evbuffer_add_printf(out, "Content-Length: %zu\r\n", len);
	if (extra != NULL)
		evbuffer_add_buffer(out, extra);
	if (close)
		evbuffer_add_printf(out, "Connection: close\r\n");
	evbuffer_add(out, "\r\n", 2);
	if (len > 0 && len < RESPOND_UNTIL_CLOSE && !nobody)
		evbuffer_add(out, body, len);
}

/*
 * Compact JSON text and a newline, so that a response read as text
 * (or several pipelined ones) ends its line; NULL on failure.
 */
static char *
json_text(const json_t *j)
{
	char	*s, *t;
	size_t	 n;

	if (j == NULL || (s = json_dumps(j, JSON_COMPACT |
	    JSON_ENCODE_ANY)) == NULL)
		return NULL;
	n = strlen(s);
	if ((t = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

/* The JSON text of an error; falls back to a fixed one. */
static char *
error_body(const char *code, const char *message)
{
	json_t	*j;
	char	*s;

	j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
	    message);
	s = json_text(j);
	json_decref(j);
	if (s == NULL)
		s = strdup("{\"error\":{\"code\":\"internal_error\","
		    "\"message\":\"internal error\"}}\n");
	return s;
}

static void
conn_send_error(struct http_conn *c, int status, const char *code,
    const char *message)
{
	char	*s;

	s = error_body(code, message);
	conn_respond(c, status, "application/json", s,
	    s != NULL ? strlen(s) : 0, NULL, 1);
	free(s);
}

/* Requests. */

static struct http_req *
req_new(struct http_conn *c)
{
	struct http_req	*req;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	if ((req->extra = evbuffer_new()) == NULL) {
		free(req);
		return NULL;
	}
	req->refs = 1;
	req->conn = c;
	req->kind = c->kind;
	req->tls = c->tls;
	memcpy(req->peer, c->peer, sizeof(req->peer));
	return req;
}

void
http_req_ref(struct http_req *req)
{
	req->refs++;
}

void
http_req_unref(struct http_req *req)
{
	if (--req->refs > 0)
		return;
	http_head_free(&req->head);
	free(req->body);
	free(req->segs);
	evbuffer_free(req->extra);
	free(req);
}

static int
conn_body_pending(struct http_conn *c)
{
	const struct http_head	*h;

	if (c->req == NULL || (c->flags & CONN_BODYDONE))
		return 0;
	h = &c->req->head;
	return h->framing == HTTP_BODY_CHUNKED ||
	    (h->framing == HTTP_BODY_LENGTH && h->content_length > 0);
}

/*
 * Let go of the current request.  It is gone when it was not answered
 * or its body not read; its owner hears of it once.
 */
static void
conn_detach(struct http_conn *c)
{
	struct http_req	*req = c->req;

	if (req == NULL)
		return;
	if (!(req->flags & REQ_REPLIED) || (req->flags & REQ_STREAMING) ||
	    conn_body_pending(c))
		req->flags |= REQ_GONE;
	c->req = NULL;
	req->conn = NULL;
	if ((req->flags & REQ_GONE) && req->gone_cb != NULL)
		req->gone_cb(req, req->gone_arg);
	http_req_unref(req);
}

static void
conn_set_idle(struct http_conn *c, int reading)
{
	struct timeval	tv = { srv_lim.idle_timeout, 0 };

	bufferevent_set_timeouts(c->bev, reading ? &tv : NULL, &tv);
}

/* Answered and read: get ready for the next request. */
static void
conn_finish(struct http_conn *c)
{
	conn_detach(c);
	c->flags &= ~(CONN_INREQ | CONN_BODYDONE | CONN_PAUSED);
	evtimer_del(c->timer);
	conn_set_idle(c, 1);
	if (!(c->flags & CONN_INLOOP))
		event_active(c->resume, EV_TIMEOUT, 1);
}

/* No more requests: send what is queued, then close. */
static void
conn_close_soon(struct http_conn *c)
{
	struct timeval	tv = { srv_lim.idle_timeout, 0 };

	c->flags |= CONN_CLOSE;
	evtimer_del(c->timer);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_linger(c);
}

/* Refuse the request in progress, if not answered yet, and close. */
static void
conn_fail(struct http_conn *c, int status, const char *code,
    const char *message)
{
	struct http_req	*req = c->req;

	if (c->flags & (CONN_CLOSE | CONN_LINGER))
		return;
	log_debug("%s: %d %s", c->peer, status, code);
	if (req == NULL || !(req->flags & REQ_REPLIED)) {
		conn_send_error(c, status, code, message);
		if (req != NULL)
			req->flags |= REQ_GONE;
	}
	conn_detach(c);
	conn_close_soon(c);
}

int
http_reply_header(struct http_req *req, const char *name,
    const char *value)
{
	static const char	*own[] = { "cache-control", "connection",
	    "content-length", "content-type", "date", "server",
	    "transfer-encoding" };
	size_t			 i;

	if (req->flags & (REQ_REPLIED | REQ_GONE) ||
	    !http_field_ok(name, value))
		return -1;
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcasecmp(name, own[i]) == 0)
			return -1;
	if (evbuffer_get_length(req->extra) + strlen(name) +
	    strlen(value) + 4 > HTTP_EXTRA_MAX)
		return -1;
	return evbuffer_add_printf(req->extra, "%s: %s\r\n", name,
	    value) == -1 ? -1 : 0;
}

int
http_reply(struct http_req *req, int status, const char *ctype,
    const void *body, size_t len)
{
	struct http_conn	*c = req->conn;
	int			 close;

	if (req->flags & REQ_GONE)
		return -1;
	if ((req->flags & REQ_REPLIED) || c == NULL) {
		log_warnx("%s: second reply dropped", __func__);
		return -1;
	}
	if (status < 200 || status > 599) {
		log_warnx("%s: status %d", __func__, status);
		return http_reply_error(req, 500, "internal_error",
		    "internal error");
	}
	req->flags |= REQ_REPLIED;
	close = (req->head.flags & HTTP_HEAD_CLOSE) || conn_body_pending(c);
	conn_respond(c, status, ctype, body, ctype != NULL ? len : 0,
	    req->extra, close);
	log_debug("%s: %s %s %d", c->peer, req->head.method,
	    req->head.target, status);
	if (close)
		conn_close_soon(c);
	else
		conn_finish(c);
	return 0;
}

int
http_reply_json(struct http_req *req, int status, json_t *body)
{
	char	*s;
	int	 r;

	s = json_text(body);
	json_decref(body);
	if (s == NULL)
		return http_reply_error(req, 500, "internal_error",
		    "internal error");
	r = http_reply(req, status, "application/json", s, strlen(s));
	free(s);
	return r;
}

int
http_reply_error(struct http_req *req, int status, const char *code,
    const char *message)
{
	char	*s;
	int	 r;

	if ((s = error_body(code, message)) == NULL)
		return http_reply(req, 500, NULL, NULL, 0);
	r = http_reply(req, status, "application/json", s, strlen(s));
	free(s);
	return r;
}

/* Streamed replies. */

int
http_reply_start(struct http_req *req, int status, const char *ctype)
{
	struct http_conn	*c = req->conn;
	int			 raw;

	if (req->flags & REQ_GONE)
		return -1;
	/* an upload's verdict may stream while its body still comes */
	if ((req->flags & REQ_REPLIED) || c == NULL ||
	    (!(c->flags & CONN_BODYDONE) && (req->route == NULL ||
	    !(req->route->flags & ROUTE_UPLOAD))) ||
	    status < 200 || status > 599 ||
	    status == 204 || status == 304 || ctype == NULL) {
		log_warnx("%s: cannot start a stream", __func__);
		return -1;
	}
	raw = req->head.version != 11;
	req->flags |= REQ_REPLIED | REQ_STREAMING | (raw ? REQ_RAWSTREAM : 0);
	evtimer_del(c->timer);
	conn_respond(c, status, ctype, NULL, raw ? RESPOND_UNTIL_CLOSE :
	    RESPOND_CHUNKED, req->extra, raw ||
	    (req->head.flags & HTTP_HEAD_CLOSE));
	log_debug("%s: %s %s %d, streamed", c->peer, req->head.method,
	    req->head.target, status);
	return 0;
}

int
http_reply_chunk(struct http_req *req, const void *data, size_t len)
{
	struct evbuffer	*out;

	if (!(req->flags & REQ_STREAMING) || (req->flags & REQ_GONE) ||
	    req->conn == NULL)
		return -1;
	if (len == 0)
		return 0;
	out = bufferevent_get_output(req->conn->bev);
	if (!(req->flags & REQ_RAWSTREAM) &&
	    evbuffer_add_printf(out, "%zx\r\n", len) == -1)
		return -1;
	if (evbuffer_add(out, data, len) == -1)
		return -1;
	if (!(req->flags & REQ_RAWSTREAM) && evbuffer_add(out, "\r\n", 2))
		return -1;
	return 0;
}

int
http_reply_end(struct http_req *req)
{
	struct http_conn	*c = req->conn;

	if (!(req->flags & REQ_STREAMING) || (req->flags & REQ_GONE) ||
	    c == NULL)
		return -1;
	req->flags &= ~REQ_STREAMING;
	req->drain_cb = NULL;
	if (!(req->flags & REQ_RAWSTREAM))
		evbuffer_add(bufferevent_get_output(c->bev), "0\r\n\r\n",
		    5);
	if ((req->flags & REQ_RAWSTREAM) ||
	    (req->head.flags & HTTP_HEAD_CLOSE) || conn_body_pending(c)) {
		conn_detach(c);
		conn_close_soon(c);
	} else
		conn_finish(c);
	return 0;
}

int
http_reply_abort(struct http_req *req)
{
	struct http_conn	*c = req->conn;

	if (!(req->flags & REQ_STREAMING) || (req->flags & REQ_GONE) ||
	    c == NULL)
		return -1;
	req->flags &= ~REQ_STREAMING;
	req->drain_cb = NULL;
	log_debug("%s: %s %s, stream cut short", c->peer, req->head.method,
	    req->head.target);
	conn_detach(c);
	conn_close_soon(c);
	return 0;
}

size_t
http_reply_pending(const struct http_req *req)
{
	if (req->conn == NULL || req->conn->bev == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(req->conn->bev));
}

void
http_reply_on_drain(struct http_req *req,
    void (*cb)(struct http_req *, void *), void *arg)
{
	req->drain_cb = cb;
	req->drain_arg = arg;
}

/* Request accessors. */

int
http_req_gone(const struct http_req *req)
{
	return (req->flags & REQ_GONE) != 0;
}

void
http_req_on_gone(struct http_req *req,
    void (*cb)(struct http_req *, void *), void *arg)
{
	req->gone_cb = cb;
	req->gone_arg = arg;
}

void
http_req_on_body(struct http_req *req,
    void (*data)(struct http_req *, const char *, size_t, void *),
    void (*end)(struct http_req *, void *), void *arg)
{
	req->data_cb = data;
	req->end_cb = end;
	req->body_arg = arg;
}

void
http_req_pause(struct http_req *req, int pause)
{
	struct http_conn	*c = req->conn;

	if (c == NULL)
		return;
	if (pause) {
		c->flags |= CONN_PAUSED;
		return;
	}
	c->flags &= ~CONN_PAUSED;
	conn_continue(c);
	if (!(c->flags & CONN_INLOOP))
		event_active(c->resume, EV_TIMEOUT, 1);
}

const struct http_head *
http_req_head(const struct http_req *req)
{
	return &req->head;
}

const char *
http_req_method(const struct http_req *req)
{
	return req->head.method;
}

const char *
http_req_path(const struct http_req *req)
{
	return req->head.path;
}

const char *
http_req_target(const struct http_req *req)
{
	return req->head.target;
}

const char *
http_req_query(const struct http_req *req)
{
	return req->head.query;
}

const char *
http_req_header(const struct http_req *req, const char *name)
{
	return http_head_get(&req->head, name);
}

const char *
http_req_param(const struct http_req *req, const char *name)
{
	size_t	n = strlen(name);
	int	i;

	for (i = 0; i < req->nparams; i++)
		if (req->params[i].namelen == n &&
		    memcmp(req->params[i].name, name, n) == 0)
			return req->params[i].value;
	return NULL;
}

const char *
http_req_body(const struct http_req *req, size_t *len)
{
	if (len != NULL)
		*len = req->bodylen;
	return req->body;
}

const char *
http_req_peer(const struct http_req *req)
{
	return req->peer;
}

int
http_req_door(const struct http_req *req)
{
	return req->kind;
}

int
http_req_tls(const struct http_req *req)
{
	return req->tls;
}

const struct http_route *
http_req_route(const struct http_req *req)
{
	return req->route;
}

int
http_req_route_flags(const struct http_req *req)
{
	return req->route != NULL ? req->route->flags : 0;
}

/* Routing. */

/*
 * Match a decoded path against a route path; with req, keep the
 * "{name}" values in req->segs, a copy of the path cut at each value.
 */
static int
route_match(const char *t, const char *p, struct http_req *req)
{
	size_t	tl, pl;
	int	n = 0;

	while (*t == '/' && *p == '/') {
		t++;
		p++;
		tl = strcspn(t, "/");
		pl = strcspn(p, "/");
		if (tl > 2 && t[0] == '{' && t[tl - 1] == '}') {
			if (pl == 0 || n == HTTP_MAXPARAMS)
				return 0;
			if (req != NULL) {
				req->params[n].name = t + 1;
				req->params[n].namelen = tl - 2;
				req->params[n].value = req->segs +
				    (p - req->head.path);
				req->segs[p - req->head.path + pl] = '\0';
			}
			n++;
		} else if (tl != pl || memcmp(t, p, tl) != 0)
			return 0;
		t += tl;
		p += pl;
	}
	if (*t != '\0' || *p != '\0')
		return 0;
	if (req != NULL)
		req->nparams = n;
	return 1;
}

/* Add a method to an Allow list unless an earlier row gave it. */
static void
route_allow(size_t i, const char *path, char *allow, size_t size)
{
	const struct http_route	*rt = &srv_routes[i];
	size_t			 j, len = strlen(allow);

	for (j = 0; j < i; j++)
		if (strcmp(srv_routes[j].method, rt->method) == 0 &&
		    route_match(srv_routes[j].path, path, NULL))
			return;
	snprintf(allow + len, size - len, "%s%s", len > 0 ? ", " : "",
	    rt->method);
}

/*
 * The route for req, or NULL with the status to refuse it with: 404
 * when no row has the path, 501 when no row has the method (methods
 * are case-sensitive, so "get" is unknown), else 405.
 */
static const struct http_route *
route_find(struct http_req *req, int *status, char *allow, size_t size)
{
	const struct http_route	*rt;
	const char		*path = req->head.path;
	size_t			 i;
	int			 found = 0, known = 0, same;

	allow[0] = '\0';
	for (i = 0; i < srv_nroutes; i++) {
		rt = &srv_routes[i];
		same = strcmp(rt->method, req->head.method) == 0;
		known |= same;
		if (!route_match(rt->path, path, NULL))
			continue;
		if (same) {
			if ((req->segs = strdup(path)) == NULL) {
				*status = 500;
				return NULL;
			}
			route_match(rt->path, path, req);
			return rt;
		}
		found = 1;
		route_allow(i, path, allow, size);
	}
	*status = !found ? 404 : !known ? 501 : 405;
	return NULL;
}

static void
conn_route_error(struct http_conn *c, int status, const char *allow)
{
	struct http_req	*req = c->req;

	switch (status) {
	case 404:
		http_reply_error(req, 404, "not_found", "no such resource");
		break;
	case 405:
		http_reply_header(req, "Allow", allow);
		http_reply_error(req, 405, "method_not_allowed",
		    "method not allowed on this resource");
		break;
	case 501:
		http_reply_error(req, 501, "not_implemented",
		    "unknown method");
		break;
	default:
		http_reply_error(req, 500, "internal_error",
		    "internal error");
		break;
	}
}

/*
 * What the public door serves: exact paths, and the prefixes that end
 * in '/'.  Everything else needs the tunnel (or a door of kind any).
 * Logout is here because it cuts the tunnel its answer would take.
 */
static const char *const door_public[] = {
	"/v1/health",
	"/v1/auth/login",
	"/v1/auth/callback",
	"/v1/auth/webauthn",
	"/v1/auth/token",
	"/v1/auth/logout",
	"/v1/devices/register/",
};

static int
door_public_path(const char *path)
{
	size_t	i, n;

	for (i = 0; i < sizeof(door_public) / sizeof(door_public[0]); i++) {
		n = strlen(door_public[i]);
		if (door_public[i][n - 1] == '/' ?
		    strncmp(path, door_public[i], n) == 0 :
		    strcmp(path, door_public[i]) == 0)
			return 1;
	}
	return 0;
}

/* Non-zero when the comma-separated list v has the token tok. */
static int
list_has(const char *v, const char *tok)
{
	size_t	n, len = strlen(tok);

	while (v != NULL && *v != '\0') {
		v += strspn(v, " \t,");
		n = strcspn(v, " \t,");
		if (n == len && strncasecmp(v, tok, n) == 0)
			return 1;
		v += n;
	}
	return 0;
}

/* The Sec-WebSocket-Key, when it is 16 bytes in padded base64. */
static int
ws_key_ok(const char *key)
{
	unsigned char	bin[WS_KEYLEN + 4];
	size_t		n;

	if (key == NULL || strlen(key) != 24)
		return 0;
	return sodium_base642bin(bin, sizeof(bin), key, 24, NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && n == WS_KEYLEN;
}

/* A WebSocket route's handshake (RFC 6455 4.2.1); -1 once refused. */
static int
ws_handshake_check(struct http_req *req)
{
	const struct http_head	*h = &req->head;
	const char		*v;

	if (h->version != 11 || h->framing == HTTP_BODY_CHUNKED ||
	    (h->framing == HTTP_BODY_LENGTH && h->content_length > 0)) {
		http_reply_error(req, 400, "bad_handshake",
		    "a WebSocket handshake is an HTTP/1.1 GET without body");
		return -1;
	}
	if (!list_has(http_head_get(h, "Upgrade"), "websocket")) {
		http_reply_header(req, "Upgrade", "websocket");
		http_reply_error(req, 426, "upgrade_required",
		    "this resource speaks WebSocket only");
		return -1;
	}
	if (!(h->flags & HTTP_HEAD_UPGRADE)) {
		http_reply_error(req, 400, "bad_handshake",
		    "Connection must contain upgrade");
		return -1;
	}
	if ((v = http_head_get(h, "Sec-WebSocket-Version")) == NULL ||
	    strcmp(v, "13") != 0) {
		http_reply_header(req, "Sec-WebSocket-Version", "13");
		http_reply_error(req, 426, "unsupported_version",
		    "WebSocket version 13 only");
		return -1;
	}
	if (!ws_key_ok(http_head_get(h, "Sec-WebSocket-Key"))) {
		http_reply_error(req, 400, "bad_handshake",
		    "Sec-WebSocket-Key must be 16 bytes in base64");
		return -1;
	}
	return 0;
}

struct bufferevent *
http_reply_upgrade(struct http_req *req)
{
	struct http_conn	*c = req->conn;
	struct bufferevent	*bev;
	unsigned char		 md[SHA_DIGEST_LENGTH];
	char			 acc[64], buf[128];
	const char		*key;

	if ((req->flags & (REQ_REPLIED | REQ_GONE)) || c == NULL ||
	    req->route == NULL || !(req->route->flags & ROUTE_WEBSOCKET) ||
	    !(c->flags & CONN_BODYDONE))
		return NULL;
	key = http_head_get(&req->head, "Sec-WebSocket-Key");
	if (snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID) >=
	    (int)sizeof(buf))
		return NULL;
	SHA1((const unsigned char *)buf, strlen(buf), md);
	sodium_bin2base64(acc, sizeof(acc), md, sizeof(md),
	    sodium_base64_VARIANT_ORIGINAL);
	req->flags |= REQ_REPLIED;
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 101 Switching Protocols\r\nServer: " SERVER_NAME
	    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	log_debug("%s: %s %s 101", c->peer, req->head.method,
	    req->head.target);
	bev = c->bev;
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	c->bev = NULL;
	c->flags |= CONN_CLOSE;
	conn_free(c);
	return bev;
}

/*
 * Invite the body of a request that asked to be (Expect: 100-continue),
 * once: not while the gate holds it paused, so a request it refuses
 * is not asked for its body.
 */
static void
conn_continue(struct http_conn *c)
{
	struct http_req	*req = c->req;

	if (req != NULL && !(req->flags & (REQ_REPLIED | REQ_CONTINUED)) &&
	    !(c->flags & CONN_PAUSED) &&
	    (req->head.flags & HTTP_HEAD_CONTINUE) &&
	    req->head.version == 11 && conn_body_pending(c)) {
		req->flags |= REQ_CONTINUED;
		evbuffer_add_printf(bufferevent_get_output(c->bev),
		    "HTTP/1.1 100 Continue\r\n\r\n");
	}
}

/* The head is in: route it, bound the body, maybe start the handler. */
static void
conn_head(struct http_conn *c)
{
	const struct http_route	*rt;
	struct http_req		*req;
	char			 allow[256];
	uint64_t		 cap;
	int			 status, stream;

	if ((req = req_new(c)) == NULL) {
		conn_fail(c, 500, "internal_error", "internal error");
		return;
	}
	c->req = req;
	http_parser_take(&c->parser, &req->head);
	if (c->kind == LISTEN_PUBLIC && !door_public_path(req->head.path)) {
		http_reply_error(req, DOOR_REFUSED, "wrong_door", "this "
		    "address serves only health, login and device "
		    "registration");
		return;
	}
	if ((rt = route_find(req, &status, allow, sizeof(allow))) == NULL) {
		conn_route_error(c, status, allow);
		return;
	}
	req->route = rt;
	if ((rt->flags & ROUTE_WEBSOCKET) && ws_handshake_check(req) == -1)
		return;
	stream = (rt->flags & (ROUTE_STREAM | ROUTE_UPLOAD)) != 0;
	cap = (rt->flags & ROUTE_UPLOAD) ? srv_lim.upload_bytes :
	    srv_lim.body_bytes;
	http_parser_body(&c->parser, cap, stream);
	if (req->head.framing == HTTP_BODY_LENGTH &&
	    req->head.content_length > cap)
		return;		/* the parser refuses it next */
	if (stream) {
		http_req_ref(req);
		rt->handler(req);
		http_req_unref(req);
	}
	conn_continue(c);
}

static void
conn_data(struct http_conn *c)
{
	struct http_req	*req = c->req;

	if (req == NULL || req->data_cb == NULL || ((req->flags &
	    REQ_REPLIED) && !(req->flags & REQ_STREAMING)))
		return;
	http_req_ref(req);
	req->data_cb(req, c->parser.data, c->parser.datalen, req->body_arg);
	http_req_unref(req);
}

/* The request is read: run the handler, or end the streamed body. */
static void
conn_done(struct http_conn *c)
{
	struct http_req	*req = c->req;

	if (req == NULL)
		return;
	c->flags |= CONN_BODYDONE;
	if (((req->flags & REQ_REPLIED) && !(req->flags & REQ_STREAMING)) ||
	    req->route == NULL) {
		conn_finish(c);
		return;
	}
	http_req_ref(req);
	if (req->route->flags & (ROUTE_STREAM | ROUTE_UPLOAD)) {
		if (req->end_cb != NULL)
			req->end_cb(req, req->body_arg);
	} else {
		http_parser_take_body(&c->parser, &req->body, &req->bodylen);
		req->route->handler(req);
	}
	/* Answered later: the client may be silent meanwhile. */
	if (c->req == req && !(req->flags & REQ_REPLIED))
		conn_set_idle(c, 0);
	http_req_unref(req);
}

static void
conn_dispatch(struct http_conn *c, int ev)
{
	const struct http_error	*e;

	switch (ev) {
	case HTTP_EV_HEAD:
		conn_head(c);
		break;
	case HTTP_EV_DATA:
		conn_data(c);
		break;
	case HTTP_EV_DONE:
		conn_done(c);
		break;
	case HTTP_EV_ERROR:
		e = http_parser_error(&c->parser);
		conn_fail(c, e->status, e->code, e->message);
		break;
	}
}

/* Parse one piece of input; -1 when there is nothing more to do now. */
static int
conn_step(struct http_conn *c)
{
	struct evbuffer		*in;
	struct evbuffer_iovec	 v;
	struct timeval		 tv = { srv_lim.request_timeout, 0 };
	size_t			 used;
	int			 ev;

	if (c->flags & (CONN_CLOSE | CONN_LINGER | CONN_DEAD | CONN_PAUSED))
		return -1;
	/* Kept across the dispatch: an upgrade may take c->bev. */
	in = bufferevent_get_input(c->bev);
	if (c->req != NULL && (c->flags & CONN_BODYDONE))
		return -1;		/* waiting for the reply */
	if (c->req == NULL && evbuffer_get_length(
	    bufferevent_get_output(c->bev)) > HTTP_OUTPUT_HIWAT)
		return -1;		/* until the client reads */
	if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) {
		v.iov_base = (void *)"";
		v.iov_len = 0;
	}
	if (v.iov_len > 0 && !(c->flags & CONN_INREQ)) {
		c->flags |= CONN_INREQ;
		evtimer_add(c->timer, &tv);
	}
	ev = http_parse(&c->parser, v.iov_base, v.iov_len, &used);
	conn_dispatch(c, ev);
	if (!(c->flags & CONN_LINGER))
		evbuffer_drain(in, used);
	return ev == HTTP_EV_MORE && v.iov_len == 0 ? -1 : 0;
}

static void
conn_process(struct http_conn *c)
{
	if (c->flags & CONN_INLOOP)
		return;
	c->flags |= CONN_INLOOP;
	while (conn_step(c) == 0)
		;
	c->flags &= ~CONN_INLOOP;
	if (c->flags & CONN_DEAD)
		conn_free(c);
}

/* Connection events. */

/* Output is sent: stop writing, read and drop input for a while. */
static void
conn_linger(struct http_conn *c)
{
	struct timeval	tv = { HTTP_LINGER_SECS, 0 };

	if (c->flags & CONN_LINGER)
		return;
	c->flags |= CONN_LINGER;
	/*
	 * TLS has no half close: the reply is with the kernel, end.
	 * XXX: input left unread then makes the kernel reset the
	 * connection, which can lose that reply; no lingering close
	 * (close_notify, then drain) is done for TLS yet.
	 */
	if ((c->flags & CONN_EOF) || c->tls ||
	    shutdown(bufferevent_getfd(c->bev), SHUT_WR) == -1) {
		conn_free(c);
		return;
	}
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_enable(c->bev, EV_READ);
	evtimer_add(c->timer, &tv);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);

	if (c->flags & CONN_LINGER) {
		c->lingered += evbuffer_get_length(in);
		evbuffer_drain(in, evbuffer_get_length(in));
		if (c->lingered > HTTP_LINGER_BYTES)
			conn_free(c);
		return;
	}
	conn_process(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;

	struct http_req		*req = c->req;

	if (c->flags & CONN_CLOSE)
		conn_linger(c);
	else if (req != NULL && (req->flags & REQ_STREAMING)) {
		if (req->drain_cb != NULL) {
			http_req_ref(req);
			req->drain_cb(req, req->drain_arg);
			http_req_unref(req);
		}
	} else
		conn_process(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn	*c = arg;

	/* A TLS handshake done: nothing to do but read. */
	if (what == BEV_EVENT_CONNECTED)
		return;
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		if (http_parser_busy(&c->parser)) {
			conn_fail(c, 408, "request_timeout",
			    "the request did not arrive in time");
			return;
		}
		/* Idle, but replies are still going out: finish them. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
			conn_close_soon(c);
			return;
		}
	}
	if ((what & BEV_EVENT_EOF) && !(c->flags & CONN_LINGER) &&
	    (c->req == NULL || ((c->req->flags & REQ_REPLIED) &&
	    !(c->req->flags & REQ_STREAMING))) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		c->flags |= CONN_EOF | CONN_CLOSE;
		return;
	}
	conn_free(c);
}

/* The request timer: the request took too long, or lingering ends. */
static void
conn_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_conn	*c = arg;

	if (c->flags & CONN_LINGER)
		conn_free(c);
	else if (c->req != NULL && (c->flags & CONN_BODYDONE))
		conn_fail(c, 504, "timeout", "the request took too long");
	else
		conn_fail(c, 408, "request_timeout",
		    "the request did not arrive in time");
}

static void
conn_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	conn_process(arg);
}

static void
conn_free(struct http_conn *c)
{
	if (c->flags & CONN_INLOOP) {
		c->flags |= CONN_DEAD;
		return;
	}
	conn_detach(c);
	TAILQ_REMOVE(&srv_conns, c, entry);
	srv_nconns--;
	http_parser_free(&c->parser);
	event_free(c->timer);
	event_free(c->resume);
	if (c->bev != NULL)	/* NULL once upgraded */
		bufferevent_free(c->bev);
	free(c);
}

static void
conn_peer(struct http_conn *c, int fd, struct sockaddr *sa, int salen)
{
	char	host[NI_MAXHOST], serv[NI_MAXSERV];
	int	one = 1;

	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(c->peer, sizeof(c->peer), "local");
		return;
	}
	snprintf(c->peer, sizeof(c->peer), sa->sa_family == AF_INET6 ?
	    "[%s]:%s" : "%s:%s", host, serv);
	/* Replies go out whole; do not hold their last segment back. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		log_debug("%s: TCP_NODELAY failed", c->peer);
}

/* A plain bufferevent, or one that runs the TLS handshake first. */
static struct bufferevent *
conn_bev(int fd, int tls)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (!tls)
		return bufferevent_socket_new(srv_base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (srv_tls == NULL || (ssl = SSL_new(srv_tls)) == NULL)
		return NULL;
	/*
	 * XXX: libevent 2.1 may free the SSL itself when it fails for
	 * want of memory; that case is taken as not happening.
	 */
	if ((bev = bufferevent_openssl_socket_new(srv_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Clients that close without close_notify are common. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Take a new connection; on failure fd stays the caller's. */
static int
conn_new(int fd, struct sockaddr *sa, int salen, const struct listener *l)
{
	struct http_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->kind = l->kind;
	c->tls = l->tls;
	c->timer = evtimer_new(srv_base, conn_timer_cb, c);
	c->resume = event_new(srv_base, -1, 0, conn_resume_cb, c);
	if (c->timer == NULL || c->resume == NULL ||
	    (c->bev = conn_bev(fd, l->tls)) == NULL) {
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->resume != NULL)
			event_free(c->resume);
		free(c);
		return -1;
	}
	http_parser_init(&c->parser, &srv_lim);
	conn_peer(c, fd, sa, salen);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, HTTP_INPUT_HIWAT);
	conn_set_idle(c, 1);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv_conns, c, entry);
	srv_nconns++;
	return 0;
}

/* Listeners. */

/* Over max_connections: say so if the socket takes it, and close. */
static void
srv_refuse(int fd, int tls)
{
	char	*body, buf[512];
	int	 n;

	/* A TLS client could not read plain text: just close. */
	if (tls) {
		close(fd);
		return;
	}

	body = error_body("too_many_connections",
	    "the server has too many connections");
	n = snprintf(buf, sizeof(buf), "HTTP/1.1 503 Service Unavailable\r\n"
	    "Server: " SERVER_NAME "\r\nCache-Control: no-store\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", body != NULL ? strlen(body) : 0,
	    body != NULL ? body : "");
	free(body);
	if (n > 0 && (size_t)n < sizeof(buf) &&
	    send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		log_debug("%s: send", __func__);
	close(fd);
}

static void
srv_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener	*l = arg;
	static time_t	 warned;

	/* Upgraded connections count too, until they close. */
	if (srv_nconns + (srv_upgraded != NULL ? srv_upgraded() : 0) >=
	    srv_lim.max_connections) {
		if (time(NULL) != warned)
			log_warnx("%s: connection limit reached", l->name);
		warned = time(NULL);
		srv_refuse(fd, l->tls);
		return;
	}
	if (conn_new(fd, sa, salen, l) == -1) {
		log_warn("%s: connection", l->name);
		close(fd);
	}
}

/* accept(2) failed, often for want of descriptors: pause a second. */
static void
srv_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener	*l = arg;
	struct timeval	 tv = { ACCEPT_PAUSE_SECS, 0 };

	log_warn("%s: accept", l->name);
	evconnlistener_disable(lev);
	evtimer_add(l->pause, &tv);
}

static void
srv_accept_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct listener	*l = arg;

	evconnlistener_enable(l->lev);
}

int
server_listen(int fd, int kind, int tls, const char *name)
{
	struct listener	*l;

	if (tls && srv_tls == NULL) {
		log_warnx("%s: tls listener without a certificate", name);
		return -1;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	l->kind = kind;
	l->tls = tls;
	snprintf(l->name, sizeof(l->name), "%s", name);
	if ((l->pause = evtimer_new(srv_base, srv_accept_resume_cb,
	    l)) == NULL) {
		free(l);
		return -1;
	}
	l->lev = evconnlistener_new(srv_base, srv_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (l->lev == NULL) {
		event_free(l->pause);
		free(l);
		return -1;
	}
	evconnlistener_set_error_cb(l->lev, srv_accept_error_cb);
	TAILQ_INSERT_TAIL(&srv_listeners, l, entry);
	return 0;
}

void
server_shutdown(void)
{
	struct listener		*l;
	struct http_conn	*c, *next;

	while ((l = TAILQ_FIRST(&srv_listeners)) != NULL) {
		TAILQ_REMOVE(&srv_listeners, l, entry);
		evconnlistener_free(l->lev);
		event_free(l->pause);
		free(l);
	}
	for (c = TAILQ_FIRST(&srv_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_free(c);
	}
}
