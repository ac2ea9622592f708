/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Payload encoding: fixed-width integers and length-limited strings. */

#include <string.h>

#include "wire.h"

void
wire_w_init(struct wire_w *w)
{
	w->len = 0;
	w->err = 0;
}

void
wire_put_bytes(struct wire_w *w, const void *p, size_t n)
{
	if (w->err || n > sizeof(w->buf) - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
wire_put_u8(struct wire_w *w, uint8_t v)
{
	wire_put_bytes(w, &v, sizeof(v));
}

void
wire_put_u16(struct wire_w *w, uint16_t v)
{
	wire_put_bytes(w, &v, sizeof(v));
}

void
wire_put_u32(struct wire_w *w, uint32_t v)
{
	wire_put_bytes(w, &v, sizeof(v));
}

void
wire_put_u64(struct wire_w *w, uint64_t v)
{
	wire_put_bytes(w, &v, sizeof(v));
}

void
wire_put_str(struct wire_w *w, const char *s)
{
	size_t	n = strlen(s);

	if (n > UINT16_MAX) {
		w->err = 1;
		return;
	}
	wire_put_u16(w, n);
	wire_put_bytes(w, s, n);
}

int
wire_ok(const struct wire_w *w)
{
	return !w->err;
}

void
wire_r_init(struct wire_r *r, const void *p, size_t n)
{
	r->p = p;
	r->left = n;
	r->err = 0;
}

void
wire_get_bytes(struct wire_r *r, void *dst, size_t n)
{
	if (r->err || n > r->left) {
		r->err = 1;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
}

uint8_t
wire_get_u8(struct wire_r *r)
{
	uint8_t	v;

	wire_get_bytes(r, &v, sizeof(v));
	return v;
}

uint16_t
wire_get_u16(struct wire_r *r)
{
	uint16_t v;

	wire_get_bytes(r, &v, sizeof(v));
	return v;
}

uint32_t
wire_get_u32(struct wire_r *r)
{
	uint32_t v;

	wire_get_bytes(r, &v, sizeof(v));
	return v;
}

uint64_t
wire_get_u64(struct wire_r *r)
{
	uint64_t v;

	wire_get_bytes(r, &v, sizeof(v));
	return v;
}

uint32_t
wire_get_range(struct wire_r *r, uint32_t lo, uint32_t hi)
{
	uint32_t v = wire_get_u32(r);

	if (v < lo || v > hi) {
		r->err = 1;
		return 0;
	}
	return v;
}

void
wire_get_str(struct wire_r *r, char *dst, size_t size)
{
	uint16_t n = wire_get_u16(r);

	dst[0] = '\0';
	if (r->err || (size_t)n >= size || n > r->left ||
	    memchr(r->p, '\0', n) != NULL) {
		r->err = 1;
		return;
	}
	memcpy(dst, r->p, n);
	dst[n] = '\0';
	r->p += n;
	r->left -= n;
}

int
wire_done(const struct wire_r *r)
{
	return r->err || r->left != 0 ? -1 : 0;
}
