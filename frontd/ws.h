/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebSocket connections (RFC 6455) on wslay over an upgraded bufferevent. */

#ifndef PCCX_WS_H
#define PCCX_WS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

struct bufferevent;
struct event_base;
struct ws_conn;

/* Close codes the server sends. */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_POLICY		1008
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

/* Defaults of a connection's bounds and timers. */
#define WS_QUEUE_MSGS		1024		/* unsent messages */
#define WS_QUEUE_BYTES		(1024 * 1024)	/* unsent bytes */
#define WS_PING_SECS		30
#define WS_CLOSE_SECS		5		/* close handshake */

/*
 * What the owner of a connection hears.  Every callback may be NULL.
 * message: a whole text (binary 0) or binary (1) message from the peer.
 * drain: the send queue went below half its bounds.
 * close: the connection is going away; code is the close code sent or
 * received (1006 when none).  The connection is freed right after; the
 * owner must forget it.
 */
struct ws_handler {
	void	(*message)(struct ws_conn *, int, const uint8_t *, size_t,
		    void *);
	void	(*drain)(struct ws_conn *, void *);
	void	(*close)(struct ws_conn *, uint16_t, void *);
};

/*
 * ws_accept: run a server-side WebSocket over bev, whose 101 answer is
 * queued already; takes bev (it is freed with the connection).  The
 * message size cap is lim->ws_message_bytes, the frame cap
 * lim->ws_frame_bytes.  Input already in bev is processed from the
 * event loop, not from this call.  NULL on error (bev is freed).
 */
struct ws_conn	*ws_accept(struct event_base *, struct bufferevent *,
		    const struct p_limits *, const char *,
		    const struct ws_handler *, void *);
/* ws_set_queue: bound the send queue to msgs messages and bytes bytes. */
void	ws_set_queue(struct ws_conn *, size_t, size_t);
/* ws_set_ping: ping every secs seconds (0: never); a silent peer ends. */
void	ws_set_ping(struct ws_conn *, unsigned int);
/*
 * ws_send: queue one text (binary 0) or binary (1) message.  0, or -1
 * when the connection is closing, or when the queue is over its bounds:
 * the peer is then closed with 1008 "consumer too slow".
 */
int	ws_send(struct ws_conn *, int, const void *, size_t);
/* ws_queued: messages waiting to be sent. */
size_t	ws_queued(const struct ws_conn *);
/*
 * ws_close: start the close handshake with code and reason; the close
 * callback runs once the peer answered or WS_CLOSE_SECS passed.
 */
void	ws_close(struct ws_conn *, uint16_t, const char *);
/* ws_peer: the peer's address, for log lines. */
const char *ws_peer(const struct ws_conn *);
/* ws_count: connections open now. */
size_t	ws_count(void);
/* ws_shutdown: close every connection with 1001 at once. */
void	ws_shutdown(void);

#endif
