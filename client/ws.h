/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The client's WebSocket connections: handshake and frames on wslay. */

#ifndef PCCX_CLIENT_WS_H
#define PCCX_CLIENT_WS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <wslay/wslay.h>

#include "client/pccx.h"

#define WSC_INMAX	(64 * 1024)	/* bytes read, not yet framed */
#define WSC_FRAMEMAX	(1024 * 1024)	/* a frame we accept */
#define WSC_MSGMAX	(1024 * 1024)	/* a message we accept */
#define WSC_HEADMAX	(16 * 1024)	/* the server's answer head */
/* Silence after which the server is gone: it pings every 30 s. */
#define WSC_SILENT_MS	90000

/* One connection; the server is no more trusted than anyone. */
struct wsc {
	CURL			*e;		/* NULL: no network */
	int			 fd;
	wslay_event_context_ptr	 ctx;
	/* Sends bytes; the count, or -1 with errno EAGAIN or another. */
	ssize_t			(*io_send)(struct wsc *, const uint8_t *,
				    size_t);
	/* A whole text (binary 0) or binary (1) message came. */
	void			(*message)(struct wsc *, int,
				    const uint8_t *, size_t, void *);
	void			*arg;
	uint8_t			 in[WSC_INMAX];
	size_t			 inoff;
	size_t			 inlen;
	uint64_t		 left;		/* of the current frame */
	uint16_t		 bad;		/* refused: its code */
	uint16_t		 code;		/* the peer's close */
	int			 eof;		/* TCP closed */
	uint64_t		 heard;		/* ms, monotonic */
};

/*
 * wsc_init: a connection with no network yet: io_send and message are
 * the caller's.  0, or -1 without memory.
 */
int	 wsc_init(struct wsc *, ssize_t (*)(struct wsc *, const uint8_t *,
	    size_t), void (*)(struct wsc *, int, const uint8_t *, size_t,
	    void *), void *);
/*
 * wsc_feed: bytes from the server, framed and handed on.  0, or -1
 * once the connection is over (closed, refused, or a protocol error).
 */
int	 wsc_feed(struct wsc *, const uint8_t *, size_t);
/*
 * wsc_head: the answer head in buf (len bytes): its length with the
 * blank line, 0 when incomplete, -1 when it is not HTTP or too long.
 * The status and Content-Length (-1 when absent) are filled; accept
 * gets Sec-WebSocket-Accept ("" when absent).
 */
ssize_t	 wsc_head(const char *, size_t, long *, long long *, char *,
	    size_t);
/* wsc_accept_key: Sec-WebSocket-Accept for key, into out[29]. */
void	 wsc_accept_key(const char *, char *);
/*
 * wsc_connect: open path as a WebSocket, signed as any request.  The
 * connection, or NULL with *rv the exit code after saying why.
 */
struct wsc *wsc_connect(const struct client *, const char *,
	    void (*)(struct wsc *, int, const uint8_t *, size_t, void *),
	    void *, int *);
/* wsc_read: read what the socket has and feed it; 0, or -1 when over. */
int	 wsc_read(struct wsc *);
/* wsc_send: queue one message; 0 or -1. */
int	 wsc_send(struct wsc *, int, const void *, size_t);
/* wsc_flush: send what is queued and can go; 0, or -1 on an error. */
int	 wsc_flush(struct wsc *);
/* wsc_close: queue a close with code. */
void	 wsc_close(struct wsc *, uint16_t, const char *);
/* wsc_done: 1 when nothing more is to be read or written. */
int	 wsc_done(const struct wsc *);
/*
 * wsc_silent: 1 when nothing came for WSC_SILENT_MS (the connection is
 * then over).
 */
int	 wsc_silent(struct wsc *);
/* wsc_want_write: 1 when queued bytes wait for the socket. */
int	 wsc_want_write(const struct wsc *);
/*
 * wsc_poll_set: before a poll: send what is queued, then set pfd[0] for
 * the socket and pfd[1] for intr_fd().  1 to poll; 0 when the
 * connection is over, -1 when it failed or was lost.
 */
int	 wsc_poll_set(struct wsc *, struct pollfd *);
/* wsc_fini: free what wsc_init made. */
void	 wsc_fini(struct wsc *);
/* wsc_free: close the connection of wsc_connect and free it. */
void	 wsc_free(struct wsc *);

#endif
