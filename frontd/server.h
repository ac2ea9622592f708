/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The front end's HTTP/1.1 server: listeners, connections, routing. */

#ifndef PCCX_SERVER_H
#define PCCX_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/proto.h"
#include "http.h"

struct bufferevent;
struct event_base;
struct http_req;
struct ssl_ctx_st;

/* Route flags. */
#define ROUTE_PUBLIC	0x01	/* needs no token; for the auth layer */
#define ROUTE_STREAM	0x02	/* body handed out as it arrives */
#define ROUTE_UPLOAD	0x04	/* bound by upload_bytes, streamed */
/* a WebSocket handshake; see below */
#define ROUTE_WEBSOCKET	0x08

/*
 * One row of the route table.  path is exact, or has "{name}" segments
 * that match any one non-empty segment (see http_req_param()).  The
 * first row that matches both method and path wins.
 *
 * The handler runs once the whole body is read, or, for ROUTE_STREAM
 * and ROUTE_UPLOAD, once the head is read (it then asks for the body
 * with http_req_on_body()).  It must answer with one http_reply_*(),
 * now or later; to answer later it takes a reference first.
 *
 * For ROUTE_WEBSOCKET (method GET) the server checks the handshake
 * before anything else runs: HTTP/1.1, "Upgrade: websocket",
 * "Connection: upgrade", "Sec-WebSocket-Version: 13", a
 * Sec-WebSocket-Key of 16 bytes in base64, and no body; else 400, or
 * 426 for a missing upgrade or another version.  The handler (behind
 * the auth gate like any other) then either refuses with an HTTP
 * error or takes the connection with http_reply_upgrade().
 */
struct http_route {
	const char	*method;
	const char	*path;
	int		 flags;
	void		(*handler)(struct http_req *);
};

/* server_init: set up on base, with built-in limits; ignores SIGPIPE. */
void	server_init(struct event_base *);
/* server_set_limits: limits for connections accepted from now on. */
void	server_set_limits(const struct p_limits *);
/* server_set_routes: the route table; it must outlive the server. */
void	server_set_routes(const struct http_route *, size_t);
/*
 * The status of a request refused on the public door: the route may
 * exist, but not on that address.
 */
#define DOOR_REFUSED	403

/* server_set_tls: the TLS 1.3 context of every tls listener. */
void	server_set_tls(struct ssl_ctx_st *);
/*
 * server_listen: accept connections on fd, a bound, listening,
 * non-blocking socket, of kind LISTEN_* (proto/proto.h), with TLS when
 * tls is set (server_set_tls first); name is for log lines.  On
 * LISTEN_PUBLIC only health, the login steps and device registration
 * are served; anything else is refused with DOOR_REFUSED and the code
 * "wrong_door".  Returns 0 and owns fd, or -1 and fd stays the
 * caller's.
 */
int	server_listen(int, int, int, const char *);
/*
 * server_shutdown: close every listener and connection; one whose
 * handler is running closes when the handler returns.
 */
void	server_shutdown(void);
/* server_connections: HTTP connections open now. */
size_t	server_connections(void);
/*
 * server_count_upgraded: fn tells how many upgraded connections are
 * open; they count toward max_connections with the server's own.
 */
void	server_count_upgraded(size_t (*)(void));
/* server_base, server_limits: what the server runs on, for upgrades. */
struct event_base	*server_base(void);
const struct p_limits	*server_limits(void);

/*
 * Requests.  A request is reference counted: the server holds one
 * reference while its connection lives; a handler that answers after
 * it returns takes its own with http_req_ref() and drops it with
 * http_req_unref() once done, answered or not.  When the connection
 * goes away first, the request is marked gone, its gone callback runs,
 * and any later reply is dropped.
 */
void	http_req_ref(struct http_req *);
void	http_req_unref(struct http_req *);
/*
 * http_req_gone: non-zero once the connection ended before the request
 * was answered and read, or the server answered it on a timeout.
 */
int	http_req_gone(const struct http_req *);
/* http_req_on_gone: cb(req, arg) runs once when the request goes. */
void	http_req_on_gone(struct http_req *,
	    void (*)(struct http_req *, void *), void *);
/*
 * http_req_on_body: for streamed routes, data(req, bytes, len, arg) for
 * each piece of the body and end(req, arg) after the last one.
 */
void	http_req_on_body(struct http_req *,
	    void (*)(struct http_req *, const char *, size_t, void *),
	    void (*)(struct http_req *, void *), void *);
/* http_req_pause: stop (1) or resume (0) reading a streamed body. */
void	http_req_pause(struct http_req *, int);

const struct http_head	*http_req_head(const struct http_req *);
const char	*http_req_method(const struct http_req *);
const char	*http_req_path(const struct http_req *);	/* decoded */
const char	*http_req_target(const struct http_req *);	/* raw */
const char	*http_req_query(const struct http_req *);	/* or NULL */
/* http_req_header: the first header of that name, or NULL. */
const char	*http_req_header(const struct http_req *, const char *);
/* http_req_param: the value of a "{name}" segment, or NULL. */
const char	*http_req_param(const struct http_req *, const char *);
/* http_req_body: the kept body (NUL-terminated) or NULL when empty. */
const char	*http_req_body(const struct http_req *, size_t *);
/* http_req_peer: the client's numeric address and port. */
const char	*http_req_peer(const struct http_req *);
/* http_req_door: the LISTEN_* kind of the listener it came on. */
int		 http_req_door(const struct http_req *);
/* http_req_tls: non-zero when it came over TLS. */
int		 http_req_tls(const struct http_req *);
int		 http_req_route_flags(const struct http_req *);
/* http_req_route: the route table row the request matched, or NULL. */
const struct http_route *http_req_route(const struct http_req *);

/*
 * Replies.  Each returns 0 when the response was queued, or -1 when it
 * was dropped: the request is gone, or was already answered.  Every
 * response carries Content-Length, Cache-Control: no-store and a
 * Server header without a version.
 *
 * http_reply_header: add a header to the coming reply; -1 for a name
 * or value that cannot go on the wire as it is, a header the server
 * sets itself, or too many bytes of them.
 */
int	http_reply_header(struct http_req *, const char *, const char *);
/*
 * http_reply: status with a body of type ctype (NULL: no body); 204
 * and 304 go without body and Content-Length.
 */
int	http_reply(struct http_req *, int, const char *, const void *,
	    size_t);
/*
 * http_reply_json: body as compact JSON text and a newline; steals the
 * reference.
 */
int	http_reply_json(struct http_req *, int, json_t *);
/* http_reply_error: {"error":{"code":code,"message":message}} too. */
int	http_reply_error(struct http_req *, int, const char *, const char *);
/*
 * http_reply_upgrade: for a ROUTE_WEBSOCKET request, queue "101
 * Switching Protocols" with Sec-WebSocket-Accept and give the
 * connection away: the caller owns the returned bufferevent (bytes the
 * client sent after the head are in its input) and the server parses
 * nothing more on it.  NULL when the request is gone or answered.
 */
struct bufferevent *http_reply_upgrade(struct http_req *);

/*
 * Streamed replies, for a body made as it goes.  http_reply_start
 * queues the head with "Transfer-Encoding: chunked" (an HTTP/1.0
 * client gets the bytes as they are and the connection closes after
 * them); only once the request body is read, but for ROUTE_UPLOAD,
 * whose body goes on coming to the data callback while the reply
 * streams (a stream that ends before the body closes the connection
 * after it).  http_reply_chunk queues
 * len bytes as one chunk; http_reply_end queues the last chunk and
 * lets the connection serve its next request.  Each returns 0, or -1
 * when the request is gone or not streaming.  A client that goes away
 * mid-stream makes the request gone (its gone callback runs).
 *
 * Back-pressure: nothing bounds what is queued but the caller, who
 * checks http_reply_pending (bytes not yet sent), stops producing
 * above its own bound, and resumes from the drain callback, which runs
 * each time everything queued has been written.
 */
int	http_reply_start(struct http_req *, int, const char *);
int	http_reply_chunk(struct http_req *, const void *, size_t);
int	http_reply_end(struct http_req *);
/*
 * http_reply_abort: end a streamed reply without its last chunk and
 * close the connection, so that the client sees the body cut short.
 */
int	http_reply_abort(struct http_req *);
size_t	http_reply_pending(const struct http_req *);
void	http_reply_on_drain(struct http_req *,
	    void (*)(struct http_req *, void *), void *);

#endif
