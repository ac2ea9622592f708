/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Datagrams over a TLS stream: two-byte length frames, bounded buffers. */

#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "dgram.h"

/* Datagrams read from the UDP socket in one wakeup, at most. */
#define DGRAM_BATCH	64

long
dgram_frame_next(const uint8_t *buf, size_t len, size_t max, size_t *plen)
{
	size_t	n;

	if (len < 2)
		return 0;
	n = (size_t)buf[0] << 8 | buf[1];
	if (n == 0 || n > max || n > DGRAM_MAX)
		return -1;
	if (len < 2 + n)
		return 0;
	*plen = n;
	return 2 + n;
}

/* One datagram to the UDP socket; dropped when it cannot go now. */
static void
dgram_send(struct dgram_pipe *p, const uint8_t *d, size_t n)
{
	ssize_t	r;

	if (p->peerlen == 0 && p->learn) {
		p->dropped++;	/* nowhere to send it yet */
		return;
	}
	if (p->learn)
		r = sendto(p->udp, d, n, 0, (struct sockaddr *)&p->peer,
		    p->peerlen);
	else
		r = send(p->udp, d, n, 0);
	if (r == (ssize_t)n)
		p->to_udp++;
	else
		p->dropped++;
}

int
dgram_pipe_stream(struct dgram_pipe *p)
{
	struct evbuffer	*in = bufferevent_get_input(p->bev);
	uint8_t		 hdr[2], *d;
	size_t		 have, plen;
	long		 n;

	for (;;) {
		have = evbuffer_get_length(in);
		if (have < 2)
			return 0;
		if (evbuffer_copyout(in, hdr, 2) != 2)
			return -1;
		n = (long)hdr[0] << 8 | hdr[1];
		if (have < 2 + (size_t)n && n != 0)
			return 0;
		d = evbuffer_pullup(in, 2 + n);
		if (d == NULL || (n = dgram_frame_next(d, 2 + n, DGRAM_MAX,
		    &plen)) <= 0) {
			p->bad++;
			return -1;
		}
		dgram_send(p, d + 2, plen);
		evbuffer_drain(in, n);
	}
}

void
dgram_pipe_udp(struct dgram_pipe *p)
{
	struct evbuffer		*out = bufferevent_get_output(p->bev);
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	uint8_t			 buf[2 + DGRAM_MAX];
	ssize_t			 n;
	int			 i;

	for (i = 0; i < DGRAM_BATCH; i++) {
		fromlen = sizeof(from);
		n = recvfrom(p->udp, buf + 2, DGRAM_MAX, MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fromlen);
		if (n <= 0)
			return;
		if (p->learn) {
			memcpy(&p->peer, &from, fromlen);
			p->peerlen = fromlen;
		}
		if (evbuffer_get_length(out) + 2 + n > DGRAM_BUFMAX) {
			p->dropped++;
			continue;
		}
		buf[0] = n >> 8;
		buf[1] = n & 0xff;
		if (evbuffer_add(out, buf, 2 + n) == 0)
			p->to_stream++;
		else
			p->dropped++;
	}
}
