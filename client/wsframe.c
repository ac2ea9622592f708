/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebSocket frames from the server: checked, then framed by wslay. */

/*
 * wslay has a message cap but no frame cap, and lets a server's
 * masked frame through: so each frame header is checked here before
 * wslay sees a byte of it.  Frames from a server must be unmasked,
 * without reserved bits, of a known opcode, with control frames whole
 * and short, and none over WSC_FRAMEMAX; messages over WSC_MSGMAX are
 * refused by wslay.  Frames we send are masked (client mode).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, also when built alone for fuzzing */
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>
#include <sodium.h>

#include "client/ws.h"

#define WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/*
 * Check the frame header at p (n bytes there): its length, or 0 when
 * more bytes are needed; a refusal sets w->bad to the close code.
 */
static size_t
wsc_header(struct wsc *w, const uint8_t *p, size_t n)
{
	uint64_t	len;
	size_t		ext, i;
	int		op = p[0] & 0x0f;

	if (n < 2)
		return 0;
	len = p[1] & 0x7f;
	ext = len == 126 ? 2 : len == 127 ? 8 : 0;
	if (n < 2 + ext)
		return 0;
	for (i = 0; i < ext; i++)
		len = (i == 0 ? 0 : len << 8) | p[2 + i];
	if ((p[0] & 0x70) || (p[1] & 0x80) || (op > 2 && op < 8) ||
	    op > 10 || (op >= 8 && (len > 125 || !(p[0] & 0x80))) ||
	    (ext == 2 && len < 126) ||
	    (ext == 8 && (len < 65536 || (len >> 63))))
		w->bad = 1002;
	else if (len > WSC_FRAMEMAX)
		w->bad = 1009;
	w->left = len;
	return 2 + ext;
}

/* Give wslay the bytes of whole checked headers and their payloads. */
static ssize_t
wsc_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    int flags, void *arg)
{
	struct wsc	*w = arg;
	const uint8_t	*p = w->in + w->inoff;
	size_t		 n = w->inlen - w->inoff, i = 0, k;

	if (n > len)
		n = len;
	while (i < n && w->bad == 0) {
		if (w->left > 0) {
			k = n - i < w->left ? n - i : w->left;
			i += k;
			w->left -= k;
		} else if ((k = wsc_header(w, p + i, n - i)) == 0)
			break;
		else if (w->bad == 0)
			i += k;
	}
	if (i == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	memcpy(buf, p, i);
	w->inoff += i;
	return i;
}

static ssize_t
wsc_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct wsc	*w = arg;
	ssize_t		 n;

	if ((n = w->io_send(w, data, len)) == -1) {
		wslay_event_set_error(ctx, errno == EAGAIN ?
		    WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return n;
}

static int
wsc_mask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	randombytes_buf(buf, len);
	return 0;
}

static void
wsc_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *a, void *arg)
{
	struct wsc	*w = arg;

	if (a->opcode == WSLAY_TEXT_FRAME || a->opcode == WSLAY_BINARY_FRAME)
		w->message(w, a->opcode == WSLAY_BINARY_FRAME, a->msg,
		    a->msg_length, w->arg);
	else if (a->opcode == WSLAY_CONNECTION_CLOSE && w->code == 0)
		w->code = a->status_code != 0 ? a->status_code : 1005;
}

static const struct wslay_event_callbacks wsc_callbacks = {
	wsc_recv_cb, wsc_send_cb, wsc_mask_cb, NULL, NULL, NULL, wsc_msg_cb
};

/* wsc_init: the wslay client context, with our caps. */
int
wsc_init(struct wsc *w, ssize_t (*io_send)(struct wsc *, const uint8_t *,
    size_t), void (*message)(struct wsc *, int, const uint8_t *, size_t,
    void *), void *arg)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->io_send = io_send;
	w->message = message;
	w->arg = arg;
	if (wslay_event_context_client_init(&w->ctx, &wsc_callbacks, w) != 0)
		return -1;
	wslay_event_config_set_max_recv_msg_length(w->ctx, WSC_MSGMAX);
	return 0;
}

/* wsc_feed: buffer, frame, hand on; see ws.h. */
int
wsc_feed(struct wsc *w, const uint8_t *p, size_t len)
{
	size_t	k;

	while (len > 0 || w->inoff < w->inlen) {
		if (w->inoff > 0) {
			memmove(w->in, w->in + w->inoff, w->inlen - w->inoff);
			w->inlen -= w->inoff;
			w->inoff = 0;
		}
		k = sizeof(w->in) - w->inlen < len ? sizeof(w->in) -
		    w->inlen : len;
		memcpy(w->in + w->inlen, p, k);
		w->inlen += k;
		p += k;
		len -= k;
		if (wslay_event_recv(w->ctx) != 0 || w->bad != 0)
			break;
		if (!wslay_event_want_read(w->ctx))
			return -1;
		if (w->inoff == 0 && k == 0)
			return 0;	/* a header waits for its rest */
	}
	if (w->bad != 0) {
		wslay_event_queue_close(w->ctx, w->bad, NULL, 0);
		wslay_event_shutdown_read(w->ctx);
		return -1;
	}
	return len == 0 && wslay_event_want_read(w->ctx) ? 0 : -1;
}

/* One header line's value if its name is name (case aside), or NULL. */
static const char *
wsc_field(const char *line, size_t n, const char *name, size_t *vlen)
{
	size_t	k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	line += k + 1;
	n -= k + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	*vlen = n;
	return line;
}

/* The status line: "HTTP/1.1 NNN ..."; -1 if it is not one. */
static long
wsc_status(const char *p, size_t n)
{
	if (n < 12 || memcmp(p, "HTTP/1.1 ", 9) != 0 || p[9] < '1' ||
	    p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' ||
	    p[11] > '9' || (n > 12 && p[12] != ' '))
		return -1;
	return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
}

/* Content-Length: digits only, at most 12 of them. */
static long long
wsc_clen(const char *v, size_t n)
{
	long long	x = 0;
	size_t		i;

	if (n == 0 || n > 12)
		return -2;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -2;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* wsc_head: parse the answer's head; see ws.h. */
ssize_t
wsc_head(const char *buf, size_t len, long *status, long long *clen,
    char *accept, size_t asize)
{
	const char	*p = buf, *e, *end, *v;
	size_t		 n, vlen;

	*clen = -1;
	*accept = '\0';
	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return len >= WSC_HEADMAX ? -1 : 0;
	if ((size_t)(end - buf) + 4 > WSC_HEADMAX)
		return -1;
	e = memmem(p, end + 2 - p, "\r\n", 2);
	if ((*status = wsc_status(p, e - p)) == -1)
		return -1;
	for (p = e + 2; p < end + 2; p = e + 2) {
		e = memmem(p, end + 2 - p, "\r\n", 2);
		n = e - p;
		if (memchr(p, '\0', n) != NULL || memchr(p, '\n', n) != NULL)
			return -1;
		if ((v = wsc_field(p, n, "Content-Length", &vlen)) != NULL) {
			if (*clen != -1 || (*clen = wsc_clen(v, vlen)) < 0)
				return -1;
		} else if ((v = wsc_field(p, n, "Sec-WebSocket-Accept",
		    &vlen)) != NULL) {
			if (*accept != '\0' || vlen == 0 || vlen >= asize)
				return -1;
			memcpy(accept, v, vlen);
			accept[vlen] = '\0';
		}
	}
	return end + 4 - buf;
}

/* wsc_accept_key: base64(SHA-1(key GUID)), as RFC 6455 says. */
void
wsc_accept_key(const char *key, char *out)
{
	unsigned char	h[SHA_DIGEST_LENGTH];
	char		buf[128];
	int		n;

	n = snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
	SHA1((unsigned char *)buf, n, h);
	sodium_bin2base64(out, 29, h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
}

/* wsc_send: one text or binary message into wslay's queue. */
int
wsc_send(struct wsc *w, int binary, const void *p, size_t len)
{
	struct wslay_event_msg	m;

	m.opcode = binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME;
	m.msg = p;
	m.msg_length = len;
	return wslay_event_queue_msg(w->ctx, &m) == 0 ? 0 : -1;
}

/* wsc_flush: what can go now; a blocked socket is not an error. */
int
wsc_flush(struct wsc *w)
{
	if (!wslay_event_want_write(w->ctx))
		return 0;
	return wslay_event_send(w->ctx) == 0 ? 0 : -1;
}

/* wsc_close: a close frame is queued; reading goes on until its answer. */
void
wsc_close(struct wsc *w, uint16_t code, const char *reason)
{
	wslay_event_queue_close(w->ctx, code, (const uint8_t *)reason,
	    reason != NULL ? strlen(reason) : 0);
}

/* wsc_done: the close handshake is over, or the socket is. */
int
wsc_done(const struct wsc *w)
{
	return w->eof || (!wslay_event_want_read(w->ctx) &&
	    !wslay_event_want_write(w->ctx));
}

/* wsc_want_write: frames wait for the socket. */
int
wsc_want_write(const struct wsc *w)
{
	return wslay_event_want_write(w->ctx);
}

/* wsc_fini: free the wslay context. */
void
wsc_fini(struct wsc *w)
{
	if (w->ctx != NULL)
		wslay_event_context_free(w->ctx);
	w->ctx = NULL;
}
