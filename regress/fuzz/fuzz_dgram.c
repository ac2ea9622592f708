/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: the TLS fallback's two-byte length frame reader. */

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/dgram.h"

static struct event_base	*base;
static struct bufferevent	*pair[2];
static int			 sp[2];

static void
fuzz_init(void)
{
	if ((base = event_base_new()) == NULL ||
	    bufferevent_pair_new(base, 0, pair) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sp) == -1)
		abort();
	/* A bufferevent keeps its input closed to writers; open it. */
	evbuffer_unfreeze(bufferevent_get_input(pair[0]), 0);
}

/*
 * The frame walk on its own, then the relay's reader on a stream
 * buffer holding the input: every datagram it sends must be a whole
 * frame's payload, and what it leaves is less than one frame.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dgram_pipe	 p = { 0 };
	struct evbuffer		*in;
	uint8_t			 buf[DGRAM_MAX];
	size_t			 off, plen, sent = 0;
	ssize_t			 r;
	long			 n;

	if (base == NULL)
		fuzz_init();
	for (off = 0; off < len; off += n) {
		if ((n = dgram_frame_next(data + off, len - off, DGRAM_MAX,
		    &plen)) <= 0)
			break;
		if (plen == 0 || (size_t)n != 2 + plen || off + n > len)
			abort();
	}
	p.bev = pair[0];
	p.udp = sp[0];
	in = bufferevent_get_input(pair[0]);
	if (evbuffer_add(in, data, len) == -1)
		abort();
	n = dgram_pipe_stream(&p);
	while ((r = recv(sp[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		sent += 2 + r;
	if (p.to_udp + p.dropped == 0 && sent != 0)
		abort();
	if (n == 0 && evbuffer_get_length(in) >= 2 + DGRAM_MAX)
		abort();
	if (sent + evbuffer_get_length(in) > len)
		abort();
	evbuffer_drain(in, evbuffer_get_length(in));
	return 0;
}
