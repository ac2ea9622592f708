/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Payload encoding: fixed-width integers and length-limited strings. */

#ifndef PCCX_WIRE_H
#define PCCX_WIRE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A writer appends to a fixed buffer of MSG_MAXPAYLOAD bytes; once it
 * overflows every later put is ignored and wire_ok() says so.  A
 * reader walks a received payload; any short read, over-long or
 * NUL-bearing string, or out-of-range value sets its error flag and
 * zeroes what it returns.  Decoders finish with wire_done(), which
 * also refuses trailing bytes.
 */
struct wire_w {
	uint8_t		buf[64 * 1024];
	size_t		len;
	int		err;
};

struct wire_r {
	const uint8_t	*p;
	size_t		 left;
	int		 err;
};

void	wire_w_init(struct wire_w *);
void	wire_put_u8(struct wire_w *, uint8_t);
void	wire_put_u16(struct wire_w *, uint16_t);
void	wire_put_u32(struct wire_w *, uint32_t);
void	wire_put_u64(struct wire_w *, uint64_t);
void	wire_put_str(struct wire_w *, const char *);
void	wire_put_bytes(struct wire_w *, const void *, size_t);
int	wire_ok(const struct wire_w *);

void	wire_r_init(struct wire_r *, const void *, size_t);
uint8_t	wire_get_u8(struct wire_r *);
uint16_t wire_get_u16(struct wire_r *);
uint32_t wire_get_u32(struct wire_r *);
uint64_t wire_get_u64(struct wire_r *);
/* wire_get_range: a u32 that must lie within [lo, hi]. */
uint32_t wire_get_range(struct wire_r *, uint32_t, uint32_t);
/*
 * wire_get_str: a string of at most size - 1 bytes, no NUL inside,
 * copied NUL-terminated into dst.
 */
void	wire_get_str(struct wire_r *, char *, size_t);
/* wire_get_bytes: exactly n bytes into dst. */
void	wire_get_bytes(struct wire_r *, void *, size_t);
/* wire_done: 0 when everything read cleanly and nothing is left. */
int	wire_done(const struct wire_r *);

#endif
