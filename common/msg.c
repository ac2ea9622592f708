/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Message framing between processes: header, payload, one descriptor. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

#define RBUFSZ	(2 * (MSG_HDRSZ + MSG_MAXPAYLOAD))

int
chan_init(struct chan *c, int fd, int peer)
{
	memset(c, 0, sizeof(*c));
	if ((c->rbuf = malloc(RBUFSZ)) == NULL)
		return -1;
	c->fd = fd;
	c->peer = peer;
	TAILQ_INIT(&c->wq);
	return 0;
}

void
chan_clear(struct chan *c)
{
	struct msg_out	*o;

	while ((o = TAILQ_FIRST(&c->wq)) != NULL) {
		TAILQ_REMOVE(&c->wq, o, entry);
		if (o->fd != -1)
			close(o->fd);
		free(o);
	}
	while (c->nrfds > 0)
		close(c->rfds[--c->nrfds]);
	free(c->rbuf);
	c->rbuf = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->wqbytes = 0;
}

/*
 * Keep descriptors that arrived with len bytes; too many is a broken
 * peer.  The kernel hands a descriptor over with the read that holds
 * its message's first byte (it ends a read), so that message must
 * start within those bytes.
 */
static int
chan_take_fds(struct chan *c, struct msghdr *mh, size_t len)
{
	struct cmsghdr	*cm;
	int		 i, n, fd, bad = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (c->nrfds < MSG_MAXFDS) {
				c->rfdpos[c->nrfds] = c->rbase + c->rlen;
				c->rfdend[c->nrfds] = c->rbase + c->rlen + len;
				c->rfds[c->nrfds++] = fd;
			} else {
				close(fd);
				bad = 1;
			}
		}
	}
	if (bad || (mh->msg_flags & MSG_CTRUNC)) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

ssize_t
chan_read(struct chan *c)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MSG_MAXFDS)];
	} cmsgbuf;
	struct msghdr	 mh;
	struct iovec	 iov;
	ssize_t		 n;

	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->rbase += c->roff;
		c->roff = 0;
	}
	if (c->rlen == RBUFSZ) {
		errno = ENOBUFS;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = c->rbuf + c->rlen;
	iov.iov_len = RBUFSZ - c->rlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	do {
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (chan_take_fds(c, &mh, n) == -1)
		return -1;
	c->rlen += n;
	return n;
}

int
chan_get(struct chan *c, struct msg *m)
{
	struct msg_hdr	 h;
	size_t		 avail = c->rlen - c->roff;
	uint64_t	 pos;

	if (avail < MSG_HDRSZ)
		return MSG_EMORE;
	memcpy(&h, c->rbuf + c->roff, MSG_HDRSZ);
	if (h.len > MSG_MAXPAYLOAD)
		return MSG_ETOOBIG;
	if (h.flags & ~MSG_F_FD)
		return MSG_EFLAGS;
	if (avail < MSG_HDRSZ + h.len)
		return MSG_EMORE;
	/*
	 * A descriptor belongs to a flagged message that starts within
	 * the bytes it came with; one that none of those claimed breaks
	 * the framing.
	 */
	pos = c->rbase + c->roff;
	if (c->nrfds > 0 && c->rfdend[0] <= pos)
		return MSG_ESTRAY;
	m->fd = -1;
	if (h.flags & MSG_F_FD) {
		if (c->nrfds == 0 || c->rfdpos[0] > pos)
			return MSG_ENOFD;
		m->fd = c->rfds[0];
		c->nrfds--;
		memmove(c->rfds, c->rfds + 1, c->nrfds * sizeof(c->rfds[0]));
		memmove(c->rfdpos, c->rfdpos + 1,
		    c->nrfds * sizeof(c->rfdpos[0]));
		memmove(c->rfdend, c->rfdend + 1,
		    c->nrfds * sizeof(c->rfdend[0]));
	}
	m->hdr = h;
	m->data = c->rbuf + c->roff + MSG_HDRSZ;
	m->len = h.len;
	c->roff += MSG_HDRSZ + h.len;
	c->nin++;
	return MSG_OK;
}

int
chan_eof_check(const struct chan *c)
{
	return c->rlen != c->roff ? MSG_ESHORT : MSG_OK;
}

int
chan_compose(struct chan *c, uint16_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct msg_out	*o;
	struct msg_hdr	 h;

	if (len > MSG_MAXPAYLOAD ||
	    c->wqbytes + MSG_HDRSZ + len > MSG_MAXQUEUE) {
		errno = ENOBUFS;
		return -1;
	}
	if ((o = malloc(sizeof(*o) + MSG_HDRSZ + len)) == NULL)
		return -1;
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.flags = fd != -1 ? MSG_F_FD : 0;
	h.len = len;
	h.peerid = peerid;
	h.pid = getpid();
	memcpy(o->buf, &h, MSG_HDRSZ);
	if (len > 0)
		memcpy(o->buf + MSG_HDRSZ, data, len);
	o->len = MSG_HDRSZ + len;
	o->off = 0;
	o->fd = fd;
	TAILQ_INSERT_TAIL(&c->wq, o, entry);
	c->wqbytes += o->len;
	c->nout++;
	return 0;
}

#define FLUSH_IOV	64

/*
 * Send as much of the queue as one sendmsg takes: the head and the
 * messages after it that carry no descriptor.  A descriptor rides on
 * the first byte of its message, so a message with one only ever
 * starts a batch.
 */
static ssize_t
chan_send_batch(struct chan *c)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct iovec	 iov[FLUSH_IOV];
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct msg_out	*o, *head = TAILQ_FIRST(&c->wq);
	int		 n = 0;

	TAILQ_FOREACH(o, &c->wq, entry) {
		if (n == FLUSH_IOV || (o != head && o->fd != -1))
			break;
		iov[n].iov_base = o->buf + o->off;
		iov[n++].iov_len = o->len - o->off;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = n;
	if (head->off == 0 && head->fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = sizeof(cmsgbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), &head->fd, sizeof(int));
	}
	return sendmsg(c->fd, &mh, MSG_NOSIGNAL);
}

/* Take n sent bytes off the queue, freeing the messages they finish. */
static void
chan_consume(struct chan *c, size_t n)
{
	struct msg_out	*o;
	size_t		 take;

	while (n > 0 && (o = TAILQ_FIRST(&c->wq)) != NULL) {
		if (o->fd != -1) {
			close(o->fd);
			o->fd = -1;
		}
		take = o->len - o->off < n ? o->len - o->off : n;
		o->off += take;
		c->wqbytes -= take;
		n -= take;
		if (o->off < o->len)
			break;
		TAILQ_REMOVE(&c->wq, o, entry);
		free(o);
	}
}

int
chan_flush(struct chan *c)
{
	ssize_t	n;

	while (!TAILQ_EMPTY(&c->wq)) {
		if ((n = chan_send_batch(c)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -1;
		}
		chan_consume(c, n);
	}
	return 0;
}

int
chan_pending(const struct chan *c)
{
	return !TAILQ_EMPTY(&c->wq);
}

int
msg_flush_wait(struct chan *c)
{
	struct pollfd	pfd;

	while (chan_pending(c)) {
		if (chan_flush(c) == -1)
			return -1;
		if (!chan_pending(c))
			break;
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 1000) <= 0)
			return -1;
	}
	return 0;
}

const char *
msg_errstr(int e)
{
	switch (e) {
	case MSG_OK:
		return "ok";
	case MSG_EMORE:
		return "incomplete message";
	case MSG_ETOOBIG:
		return "message too large";
	case MSG_EFLAGS:
		return "unknown header flags";
	case MSG_ENOFD:
		return "descriptor missing";
	case MSG_ESHORT:
		return "stream ended inside a message";
	case MSG_ESTRAY:
		return "a descriptor no message claims";
	}
	return "unknown error";
}
