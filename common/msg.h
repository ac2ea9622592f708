/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Message framing between processes: header, payload, one descriptor. */

#ifndef PCCX_MSG_H
#define PCCX_MSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

/*
 * On the wire every message is a 16-byte header in host byte order
 * (both ends are on one machine) followed by len bytes of payload.
 * A message may carry one descriptor, flagged in the header; the
 * descriptor travels with the first byte of the header.
 */
struct msg_hdr {
	uint16_t	type;
	uint16_t	flags;
#define MSG_F_FD	0x0001
	uint32_t	len;		/* payload bytes, header excluded */
	uint32_t	peerid;		/* request/response matching */
	uint32_t	pid;		/* sender's pid */
};

#define MSG_HDRSZ	sizeof(struct msg_hdr)
#define MSG_MAXPAYLOAD	(64 * 1024)
#define MSG_MAXFDS	8		/* descriptors queued, unclaimed */
#define MSG_MAXQUEUE	(16 * 1024 * 1024) /* bytes waiting to be sent */

struct msg {
	struct msg_hdr	 hdr;
	const uint8_t	*data;		/* valid until chan_read */
	size_t		 len;
	int		 fd;		/* -1 when none */
};

struct msg_out {
	TAILQ_ENTRY(msg_out)	 entry;
	size_t			 len;
	size_t			 off;
	int			 fd;
	uint8_t			 buf[];
};

struct chan {
	int			 fd;
	int			 peer;		/* PROC_* */
	uint8_t			*rbuf;
	size_t			 rlen;		/* bytes held */
	size_t			 roff;		/* bytes consumed */
	int			 rfds[MSG_MAXFDS];
	/* the stream offsets of the bytes each came with: [pos, end) */
	uint64_t		 rfdpos[MSG_MAXFDS];
	uint64_t		 rfdend[MSG_MAXFDS];
	int			 nrfds;
	uint64_t		 rbase;		/* offset of rbuf[0] */
	TAILQ_HEAD(, msg_out)	 wq;
	size_t			 wqbytes;
	uint64_t		 nin;		/* messages received */
	uint64_t		 nout;		/* messages queued */
	void			*ev;		/* the owner's event */
	void			*arg;		/* owner's data */
};

/* Error codes of chan_get(), also used by callers for logging. */
enum msg_err {
	MSG_OK = 0,
	MSG_EMORE = 1,		/* need more bytes */
	MSG_ETOOBIG = -1,	/* declared length over MSG_MAXPAYLOAD */
	MSG_EFLAGS = -2,	/* unknown flag bits */
	MSG_ENOFD = -3,		/* flagged descriptor not received */
	MSG_ESHORT = -4,	/* end of stream inside a message */
	MSG_ESTRAY = -5,	/* a descriptor no message claims */
};

/* chan_init: take ownership of fd for a channel to peer. */
int	chan_init(struct chan *, int, int);
/* chan_clear: free buffers and descriptors, close the socket. */
void	chan_clear(struct chan *);
/*
 * chan_read: read what the socket holds, with any descriptors.
 * Returns bytes read, 0 at end of stream, -1 with errno on error
 * (EAGAIN when nothing was there; EMSGSIZE when too many descriptors
 * arrived or the control data was cut).
 */
ssize_t	chan_read(struct chan *);
/*
 * chan_get: take the next whole message out of the buffer.  Returns
 * MSG_OK with *m filled (the caller owns m->fd), MSG_EMORE when the
 * buffer holds no whole message, or a negative enum msg_err when the
 * peer broke the framing; the channel is then unusable.
 */
int	chan_get(struct chan *, struct msg *);
/* chan_eof_check: at end of stream, MSG_ESHORT if a message was cut. */
int	chan_eof_check(const struct chan *);
/*
 * chan_compose: queue one message; fd (or -1) is sent with it and
 * closed here once sent.  Returns 0, or -1 when the payload is too
 * large or the queue is full.
 */
int	chan_compose(struct chan *, uint16_t, uint32_t, int, const void *,
	    size_t);
/* chan_flush: write what the socket takes; -1 on a hard error. */
int	chan_flush(struct chan *);
/* chan_pending: non-zero while messages wait to be written. */
int	chan_pending(const struct chan *);
/* msg_flush_wait: block (with poll) until the queue is empty. */
int	msg_flush_wait(struct chan *);
/* msg_errstr: a short text for an enum msg_err. */
const char *msg_errstr(int);

#endif
