/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: client bytes through ws.c's wslay callbacks and limits. */

/*
 * The input is what a client sends after the handshake.  It goes into
 * one end of a bufferevent pair; the other end is a server WebSocket
 * with small caps (frame 256, message 1024, queue 8 messages) that
 * echoes every message, so the send path and the slow-consumer close
 * run too.  The loop runs until nothing is left to do.
 */

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "frontd/ws.h"

static int	ended;

static void
fuzz_message(struct ws_conn *ws, int binary, const uint8_t *d, size_t len,
    void *arg)
{
	ws_send(ws, binary, d, len);
	ws_send(ws, binary, d, len);
}

static void
fuzz_close(struct ws_conn *ws, uint16_t code, void *arg)
{
	ended = 1;
}

static const struct ws_handler fuzz_handler = {
	fuzz_message, NULL, fuzz_close
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base	*base;
	struct bufferevent		*pair[2];
	struct p_limits			 lim;
	struct ws_conn			*ws;
	int				 i;

	if (base == NULL) {
		log_init("fuzz_ws", 1, 0);
		base = event_base_new();
	}
	memset(&lim, 0, sizeof(lim));
	lim.ws_frame_bytes = 256;
	lim.ws_message_bytes = 1024;
	if (bufferevent_pair_new(base, 0, pair) != 0)
		abort();
	ended = 0;
	if ((ws = ws_accept(base, pair[0], &lim, "fuzz", &fuzz_handler,
	    NULL)) == NULL) {
		bufferevent_free(pair[1]);
		return 0;
	}
	ws_set_queue(ws, 8, 4096);
	ws_set_ping(ws, 0);
	bufferevent_enable(pair[1], EV_READ | EV_WRITE);
	bufferevent_write(pair[1], data, size);
	for (i = 0; i < 64 && !ended; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		evbuffer_drain(bufferevent_get_input(pair[1]),
		    evbuffer_get_length(bufferevent_get_input(pair[1])));
	}
	if (!ended)
		ws_close(ws, WS_CLOSE_GOING_AWAY, "done");
	for (i = 0; i < 8 && !ended; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	bufferevent_free(pair[1]);
	for (i = 0; i < 8 && !ended; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	if (!ended)
		ws_shutdown();
	return 0;
}
