/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* NDJSON from the server: bytes cut into lines, each bounded. */

#include <stdlib.h>
#include <string.h>

#include "client/pccx.h"

/* ndjson_init: an empty reader; 0, or -1 without memory. */
int
ndjson_init(struct ndjson *n, size_t cap,
    int (*line)(const char *, size_t, void *), void *arg)
{
	memset(n, 0, sizeof(*n));
	if ((n->buf = malloc(cap + 1)) == NULL)
		return -1;
	n->cap = cap;
	n->line = line;
	n->arg = arg;
	return 0;
}

/* Hand one line, without its newline (or CR), to the handler. */
static int
ndjson_emit(struct ndjson *n, const char *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	return n->line(p, len, n->arg);
}

/*
 * ndjson_feed: whole lines straight from the input when none is
 * pending; the rest of a line is kept, up to the cap.
 */
int
ndjson_feed(struct ndjson *n, const char *p, size_t len)
{
	const char	*nl;
	size_t		 k;

	if (n->buf == NULL)
		return -1;
	while (len > 0) {
		if ((nl = memchr(p, '\n', len)) == NULL) {
			if (len > n->cap - n->len)
				goto over;
			memcpy(n->buf + n->len, p, len);
			n->len += len;
			return 0;
		}
		k = nl - p;
		if (n->len > 0) {
			if (k > n->cap - n->len)
				goto over;
			memcpy(n->buf + n->len, p, k);
			k += n->len;
			n->len = 0;
			if (ndjson_emit(n, n->buf, k) == -1)
				goto over;
		} else if (k > n->cap || ndjson_emit(n, p, k) == -1)
			goto over;
		len -= nl + 1 - p;
		p = nl + 1;
	}
	return 0;
 over:
	ndjson_free(n);
	return -1;
}

/* ndjson_pending: what waits for its newline. */
size_t
ndjson_pending(const struct ndjson *n)
{
	return n->len;
}

/* ndjson_free: drop the buffer; further input is refused. */
void
ndjson_free(struct ndjson *n)
{
	free(n->buf);
	n->buf = NULL;
	n->len = 0;
}
