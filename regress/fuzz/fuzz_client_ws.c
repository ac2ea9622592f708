/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz the client's WebSocket: the upgrade answer, then the frames. */

#include <stdint.h>
#include <string.h>

#include "client/ws.h"

static ssize_t
fz_send(struct wsc *w, const uint8_t *p, size_t len)
{
	return len;
}

static void
fz_msg(struct wsc *w, int binary, const uint8_t *p, size_t len, void *arg)
{
	volatile uint8_t	x = 0;
	size_t			i;

	for (i = 0; i < len; i++)
		x ^= p[i];
	if (len > 0 && p[0] == 'Q')
		wsc_close(w, 1000, "bye");
	(void)x;
}

/*
 * What a server sends after the upgrade request: a head, then frames
 * fed in pieces of a size the first byte picks.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsc	 w;
	char		 acc[64];
	long		 status;
	long long	 clen;
	ssize_t		 h;
	size_t		 step, off;

	if (size < 1)
		return 0;
	step = data[0] + 1;
	data++;
	size--;
	h = wsc_head((const char *)data, size, &status, &clen, acc,
	    sizeof(acc));
	if (h < 0)
		h = 0;
	if (wsc_init(&w, fz_send, fz_msg, NULL) == -1)
		return 0;
	for (off = h; off < size; off += step) {
		if (wsc_feed(&w, data + off, size - off < step ? size - off :
		    step) == -1)
			break;
		(void)wsc_flush(&w);
	}
	(void)wsc_flush(&w);
	wsc_fini(&w);
	return 0;
}
