/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebSocket connections (RFC 6455) on wslay over an upgraded bufferevent. */

/*
 * wslay does the framing: in server mode it refuses unmasked frames,
 * control frames over 125 bytes or fragmented, a continuation without
 * a start and a new message inside a fragmented one, each with close
 * code 1002, and a message over its cap with 1009.  It has no frame
 * cap, so the frame header is checked here as it arrives.
 *
 * The send callback never blocks: every frame goes whole into the
 * bufferevent's output, and ws_send() bounds that output instead (in
 * messages and in bytes).  A consumer over the bounds is closed with
 * 1008; the close frame then follows the data already queued, so a
 * client that reads late still learns why.
 *
 * The server pings every WS_PING_SECS; a peer that has not answered by
 * the next ping is dropped without a close frame (it reads nothing).
 * A close we send waits WS_CLOSE_SECS for the peer's; a close we send
 * while refusing its input half-closes and drains for that long, so
 * that unread input does not reset the connection before it is read.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <wslay/wslay.h>

#include "common/log.h"
#include "ws.h"

#define WS_INPUT_HIWAT		(64 * 1024)	/* bytes read ahead */
/* message ends kept */
#define WS_RING			4096
#define WS_PEERMAX		80

struct ws_conn {
	TAILQ_ENTRY(ws_conn)	 entry;
	struct bufferevent	*bev;
	wslay_event_context_ptr	 ctx;
	struct event		*ping;
	struct event		*kick;		/* deferred work */
	struct event		*closing;	/* close handshake timer */
	const struct ws_handler	*h;
	void			*arg;
	uint64_t		 frame_cap;
	size_t			 qmsgs;
	size_t			 qbytes;
	uint64_t		 written;	/* bytes given to output */
	uint64_t		 ends[WS_RING];	/* each message's end */
	size_t			 rfirst;
	size_t			 rcount;
	unsigned int		 ping_secs;
	int			 busy;
	int			 flags;
#define WS_PINGED	0x01		/* a ping is unanswered */
#define WS_CLOSING	0x02		/* we sent or queued a close */
#define WS_DEAD		0x04		/* end when unwound */
#define WS_ENDED	0x08		/* owner told */
#define WS_FULL		0x10		/* over half the bounds */
#define WS_NOREAD	0x20		/* read no more */
#define WS_LINGER	0x40		/* closed: drain input a moment */
	/* of the frame's payload */
	uint64_t		 left;
	/* a header refused: code */
	uint16_t		 bad;
	uint16_t		 code;
	char			 peer[WS_PEERMAX];
};

static TAILQ_HEAD(, ws_conn)	ws_conns = TAILQ_HEAD_INITIALIZER(ws_conns);
static size_t			ws_nconns;

static void	ws_step(struct ws_conn *);
static void	ws_unref(struct ws_conn *);

/* wslay callbacks. */

/*
 * Check one frame header at p (n bytes there): its length, or 0 when
 * more bytes are needed; a refusal sets c->bad to the close code.
 */
static size_t
ws_header(struct ws_conn *c, const uint8_t *p, size_t n)
{
	uint64_t	len;
	size_t		ext, hlen, i;
	int		op = p[0] & 0x0f;

	if (n < 2)
		return 0;
	len = p[1] & 0x7f;
	ext = len == 126 ? 2 : len == 127 ? 8 : 0;
	hlen = 2 + ext + ((p[1] & 0x80) ? 4 : 0);
	if (n < hlen)
		return 0;
	for (i = 0; i < ext; i++)
		len = (i == 0 ? 0 : len << 8) | p[2 + i];
	if ((p[0] & 0x70) || !(p[1] & 0x80) || (op > 2 && op < 8) ||
	    op > 10 || (op >= 8 && (len > 125 || !(p[0] & 0x80))) ||
	    (ext == 2 && len < 126) ||
	    (ext == 8 && (len < 65536 || (len >> 63))))
		c->bad = WS_CLOSE_PROTOCOL;
	else if (len > c->frame_cap)
		c->bad = WS_CLOSE_TOO_BIG;
	c->left = len;
	return hlen;
}

/*
 * wslay's frame layer refuses a bad header with no close code, and
 * knows no frame cap: so each header is checked here before wslay
 * sees any of it.  Bytes of a frame that passed go through; a header
 * still incomplete waits in the input; a refused one stops the read.
 */
static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    int flags, void *arg)
{
	struct ws_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	size_t		 i = 0, k, n = 0;
	ev_ssize_t	 got;

	if (!(c->flags & WS_NOREAD) && c->bad == 0 &&
	    (got = evbuffer_copyout(in, buf, len)) > 0)
		n = got;
	while (i < n && c->bad == 0) {
		if (c->left > 0) {
			k = n - i < c->left ? n - i : c->left;
			i += k;
			c->left -= k;
		} else if ((k = ws_header(c, buf + i, n - i)) == 0)
			break;
		else if (c->bad == 0)
			i += k;
	}
	if (i == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	evbuffer_drain(in, i);
	return i;
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct ws_conn	*c = arg;

	if (evbuffer_add(bufferevent_get_output(c->bev), data, len) == -1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	c->written += len;
	return len;
}

static void
ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *a, void *arg)
{
	struct ws_conn	*c = arg;

	switch (a->opcode) {
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (c->h->message != NULL && !(c->flags & WS_DEAD))
			c->h->message(c, a->opcode == WSLAY_BINARY_FRAME,
			    a->msg, a->msg_length, c->arg);
		break;
	case WSLAY_PONG:
		c->flags &= ~WS_PINGED;
		break;
	case WSLAY_CONNECTION_CLOSE:
		if (c->code == 0)
			c->code = a->status_code;
		c->flags |= WS_CLOSING;
		break;
	}
}

static const struct wslay_event_callbacks ws_callbacks = {
	ws_recv_cb, ws_send_cb, NULL, NULL, NULL, NULL, ws_msg_cb
};

/* Life and death. */

static void
ws_free(struct ws_conn *c)
{
	TAILQ_REMOVE(&ws_conns, c, entry);
	ws_nconns--;
	wslay_event_context_free(c->ctx);
	event_free(c->ping);
	event_free(c->kick);
	event_free(c->closing);
	bufferevent_free(c->bev);
	free(c);
}

/* Tell the owner once, then free when no call of ours is running. */
static void
ws_end(struct ws_conn *c)
{
	c->flags |= WS_DEAD | WS_NOREAD;
	if (!(c->flags & WS_ENDED)) {
		c->flags |= WS_ENDED;
		if (c->code == 0)
			c->code = wslay_event_get_close_sent(c->ctx) ?
			    wslay_event_get_status_code_sent(c->ctx) :
			    WSLAY_CODE_ABNORMAL_CLOSURE;
		log_debug("%s: websocket closed, code %u", c->peer, c->code);
		c->busy++;
		if (c->h->close != NULL)
			c->h->close(c, c->code, c->arg);
		c->busy--;
	}
	if (c->busy == 0)
		ws_free(c);
}

static void
ws_unref(struct ws_conn *c)
{
	if (--c->busy == 0 && (c->flags & WS_DEAD))
		ws_end(c);
}

/* Pop the ends of messages the socket has taken; maybe tell drain. */
static void
ws_account(struct ws_conn *c)
{
	uint64_t	sent;

	sent = c->written - evbuffer_get_length(
	    bufferevent_get_output(c->bev));
	while (c->rcount > 0 && c->ends[c->rfirst] <= sent) {
		c->rfirst = (c->rfirst + 1) % WS_RING;
		c->rcount--;
	}
	if ((c->flags & WS_FULL) && c->rcount <= c->qmsgs / 2 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) <=
	    c->qbytes / 2) {
		c->flags &= ~WS_FULL;
		if (c->h->drain != NULL && !(c->flags & WS_DEAD))
			c->h->drain(c, c->arg);
	}
}

/*
 * We closed and will read no more, but the peer may still be sending:
 * closing now with unread input would reset the connection and lose
 * our close frame.  Half-close, and drop its input for a moment.
 */
static void
ws_linger(struct ws_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct timeval	 tv = { WS_CLOSE_SECS, 0 };

	if (c->flags & WS_LINGER)
		return;
	c->flags |= WS_LINGER | WS_NOREAD;
	if (shutdown(bufferevent_getfd(c->bev), SHUT_WR) == -1) {
		c->flags |= WS_DEAD;
		return;
	}
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	evtimer_del(c->closing);
	evtimer_add(c->closing, &tv);
}

/*
 * After wslay ran: start the close timer once a close went out, and end
 * when both sides closed and the output is sent, or nothing is left to
 * do.  A negative return of wslay ends the connection at once.
 */
static void
ws_settle(struct ws_conn *c, int rv)
{
	struct timeval	tv = { WS_CLOSE_SECS, 0 };
	size_t		out = evbuffer_get_length(
			    bufferevent_get_output(c->bev));

	if (rv < 0) {
		log_debug("%s: websocket error %d", c->peer, rv);
		c->flags |= WS_DEAD;
		return;
	}
	if (wslay_event_get_close_sent(c->ctx) &&
	    !evtimer_pending(c->closing, NULL)) {
		c->flags |= WS_CLOSING;
		evtimer_add(c->closing, &tv);
	}
	if (out > 0)
		return;
	if (wslay_event_get_close_sent(c->ctx) &&
	    wslay_event_get_close_received(c->ctx))
		c->flags |= WS_DEAD;
	else if (!wslay_event_want_read(c->ctx) &&
	    !wslay_event_want_write(c->ctx))
		ws_linger(c);
}

/* Read what came, answer what wslay queued. */
static void
ws_step(struct ws_conn *c)
{
	int	rv = 0;

	if (c->flags & WS_DEAD)
		return;
	c->busy++;
	/* A peer that does not read: stop reading until it does. */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) <=
	    c->qbytes && wslay_event_want_read(c->ctx))
		rv = wslay_event_recv(c->ctx);
	if (rv == 0 && c->bad != 0 && !(c->flags & WS_NOREAD)) {
		c->flags |= WS_NOREAD;
		wslay_event_shutdown_read(c->ctx);
		ws_close(c, c->bad, c->bad == WS_CLOSE_TOO_BIG ?
		    "frame too big" : "protocol error");
	}
	if (rv == 0 && wslay_event_want_write(c->ctx))
		rv = wslay_event_send(c->ctx);
	ws_settle(c, rv);
	ws_unref(c);
}

static void
ws_read_cb(struct bufferevent *bev, void *arg)
{
	struct ws_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (c->flags & WS_LINGER)
		evbuffer_drain(in, evbuffer_get_length(in));
	else
		ws_step(c);
}

static void
ws_write_cb(struct bufferevent *bev, void *arg)
{
	struct ws_conn	*c = arg;

	c->busy++;
	ws_account(c);
	ws_step(c);
	ws_unref(c);
}

static void
ws_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ws_conn	*c = arg;

	c->busy++;
	/* What came with the end of the stream may hold its close frame. */
	if ((what & BEV_EVENT_EOF) && !(c->flags & WS_LINGER) &&
	    evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		ws_step(c);
	if (c->code == 0 && wslay_event_get_close_received(c->ctx))
		c->code = wslay_event_get_status_code_received(c->ctx);
	c->flags |= WS_DEAD;
	ws_unref(c);
}

static void
ws_kick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ws_conn	*c = arg;

	c->busy++;
	ws_step(c);
	ws_unref(c);
}

static void
ws_closing_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ws_conn	*c = arg;

	c->busy++;
	c->flags |= WS_DEAD;
	ws_unref(c);
}

/* Every ping_secs: a ping, unless the last one is still unanswered. */
static void
ws_ping_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ws_conn			*c = arg;
	struct wslay_event_msg		 m = { WSLAY_PING,
					    (const uint8_t *)"pccx", 4 };

	if (c->flags & (WS_DEAD | WS_CLOSING))
		return;
	c->busy++;
	if (c->flags & WS_PINGED) {
		log_debug("%s: websocket peer did not answer a ping",
		    c->peer);
		c->flags |= WS_DEAD;
	} else if (wslay_event_queue_msg(c->ctx, &m) == 0) {
		c->flags |= WS_PINGED;
		ws_settle(c, wslay_event_send(c->ctx));
	} else
		c->flags |= WS_DEAD;
	ws_unref(c);
}

/* Public interface. */

static int
ws_new_events(struct ws_conn *c, struct event_base *base)
{
	c->ping = event_new(base, -1, EV_PERSIST, ws_ping_cb, c);
	c->kick = event_new(base, -1, 0, ws_kick_cb, c);
	c->closing = evtimer_new(base, ws_closing_cb, c);
	if (c->ping == NULL || c->kick == NULL || c->closing == NULL)
		return -1;
	return 0;
}

struct ws_conn *
ws_accept(struct event_base *base, struct bufferevent *bev,
    const struct p_limits *lim, const char *peer,
    const struct ws_handler *h, void *arg)
{
	struct ws_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->bev = bev;
	c->h = h;
	c->arg = arg;
	c->frame_cap = lim->ws_frame_bytes;
	c->qmsgs = WS_QUEUE_MSGS;
	c->qbytes = WS_QUEUE_BYTES;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	if (ws_new_events(c, base) == -1 ||
	    wslay_event_context_server_init(&c->ctx, &ws_callbacks, c) != 0)
		goto fail_conn;
	/* The default cap would let one frame header reserve 2 GiB. */
	wslay_event_config_set_max_recv_msg_length(c->ctx,
	    lim->ws_message_bytes);
	bufferevent_setcb(bev, ws_read_cb, ws_write_cb, ws_event_cb, c);
	bufferevent_setwatermark(bev, EV_READ, 0, WS_INPUT_HIWAT);
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&ws_conns, c, entry);
	ws_nconns++;
	ws_set_ping(c, WS_PING_SECS);
	event_active(c->kick, EV_TIMEOUT, 1);
	return c;

 fail_conn:
	if (c->ping != NULL)
		event_free(c->ping);
	if (c->kick != NULL)
		event_free(c->kick);
	if (c->closing != NULL)
		event_free(c->closing);
	free(c);
 fail:
	bufferevent_free(bev);
	return NULL;
}

void
ws_set_queue(struct ws_conn *c, size_t msgs, size_t bytes)
{
	c->qmsgs = msgs < WS_RING ? msgs : WS_RING - 1;
	c->qbytes = bytes;
}

void
ws_set_ping(struct ws_conn *c, unsigned int secs)
{
	struct timeval	tv = { secs, 0 };

	c->ping_secs = secs;
	event_del(c->ping);
	c->flags &= ~WS_PINGED;
	if (secs > 0)
		event_add(c->ping, &tv);
}

/* A queued ping, pong or close must not stay behind: flush and settle. */
static void
ws_flush(struct ws_conn *c)
{
	c->busy++;
	if (wslay_event_want_write(c->ctx))
		ws_settle(c, wslay_event_send(c->ctx));
	if (c->flags & WS_DEAD)
		event_active(c->kick, EV_TIMEOUT, 1);
	c->busy--;
}

int
ws_send(struct ws_conn *c, int binary, const void *data, size_t len)
{
	struct wslay_event_msg	m;
	size_t			out;

	if (c->flags & (WS_DEAD | WS_CLOSING))
		return -1;
	ws_account(c);
	out = evbuffer_get_length(bufferevent_get_output(c->bev));
	if (c->rcount >= c->qmsgs || out + len > c->qbytes) {
		log_info("%s: websocket consumer too slow (%zu messages, "
		    "%zu bytes queued)", c->peer, c->rcount, out);
		ws_close(c, WS_CLOSE_POLICY, "consumer too slow");
		return -1;
	}
	m.opcode = binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME;
	m.msg = data;
	m.msg_length = len;
	if (wslay_event_queue_msg(c->ctx, &m) != 0) {
		ws_close(c, WS_CLOSE_INTERNAL, "internal error");
		return -1;
	}
	ws_flush(c);
	c->ends[(c->rfirst + c->rcount) % WS_RING] = c->written;
	c->rcount++;
	if (c->rcount > c->qmsgs / 2 || out + len > c->qbytes / 2)
		c->flags |= WS_FULL;
	return 0;
}

size_t
ws_queued(const struct ws_conn *c)
{
	return c->rcount;
}

void
ws_close(struct ws_conn *c, uint16_t code, const char *reason)
{
	if (c->flags & (WS_DEAD | WS_CLOSING))
		return;
	c->flags |= WS_CLOSING;
	c->code = code;
	if (wslay_event_queue_close(c->ctx, code, (const uint8_t *)reason,
	    strlen(reason)) != 0)
		c->flags |= WS_DEAD;
	ws_flush(c);
	if (c->flags & WS_DEAD)
		event_active(c->kick, EV_TIMEOUT, 1);
}

const char *
ws_peer(const struct ws_conn *c)
{
	return c->peer;
}

size_t
ws_count(void)
{
	return ws_nconns;
}

void
ws_shutdown(void)
{
	struct ws_conn	*c;

	while ((c = TAILQ_FIRST(&ws_conns)) != NULL) {
		ws_close(c, WS_CLOSE_GOING_AWAY, "server shutting down");
		c->busy++;
		c->flags |= WS_DEAD;
		ws_unref(c);
	}
}
