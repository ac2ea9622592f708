/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: the HTTP request parser, fed in two pieces. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontd/http.h"

static const struct p_limits flim = {
	.request_line = 256,
	.header_count = 8,
	.header_bytes = 1024,
	.body_bytes = 1024,
	.upload_bytes = 2048,
	.idle_timeout = 1,
	.request_timeout = 1,
	.ws_frame_bytes = 125,
	.ws_message_bytes = 125,
	.max_connections = 1,
	.feeds_per_user = 1,
};

/* What every accepted head must be, whatever the input. */
static void
check_head(const struct http_head *h)
{
	const char	*p = h->path;
	char		 buf[64];
	size_t		 i, n = strlen(p);

	if (p[0] != '/' || strstr(p, "//") != NULL ||
	    strstr(p, "/./") != NULL || strstr(p, "/../") != NULL ||
	    strchr(p, '\\') != NULL || (n > 1 && p[n - 1] == '/') ||
	    (n >= 2 && strcmp(p + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(p + n - 3, "/..") == 0))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			abort();
	if (h->version != 10 && h->version != 11)
		abort();
	if (h->target[0] != '/' || strlen(h->method) == 0)
		abort();
	for (i = 0; i < h->nheaders; i++)
		if (h->headers[i].name[0] == '\0' ||
		    strpbrk(h->headers[i].value, "\r\n") != NULL)
			abort();
	if (http_query_get(h->query, "a", buf, sizeof(buf)) == 1 &&
	    strlen(buf) >= sizeof(buf))
		abort();
}

/*
 * Parse in[0..end) from *off on; returns 0 to go on with more input,
 * -1 once the parser refused the bytes.
 */
static int
feed(struct http_parser *p, const char *in, size_t end, size_t *off,
    int stream, uint64_t *total)
{
	struct http_head	 h;
	char			*body;
	size_t			 used, blen;
	uint64_t		 cap;

	cap = stream ? flim.upload_bytes : flim.body_bytes;
	for (;;) {
		switch (http_parse(p, in + *off, end - *off, &used)) {
		case HTTP_EV_MORE:
			if (used != end - *off)
				abort();
			*off = end;
			return 0;
		case HTTP_EV_HEAD:
			http_parser_take(p, &h);
			check_head(&h);
			http_head_free(&h);
			http_parser_body(p, cap, stream);
			*total = 0;
			break;
		case HTTP_EV_DATA:
			if (!stream || p->datalen == 0 || p->datalen > used ||
			    p->data < in + *off || (*total += p->datalen) > cap)
				abort();
			break;
		case HTTP_EV_DONE:
			http_parser_take_body(p, &body, &blen);
			if (blen > cap || (body != NULL && body[blen] != '\0'))
				abort();
			free(body);
			break;
		case HTTP_EV_ERROR:
			if (http_parser_error(p)->status < 400 ||
			    http_parser_error(p)->code == NULL)
				abort();
			return -1;
		default:
			abort();
		}
		if (used > end - *off)
			abort();
		*off += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_parser	 p;
	const char		*in = (const char *)data + 1;
	size_t			 n, split, off = 0;
	uint64_t		 total = 0;
	int			 stream;

	if (size < 1)
		return 0;
	n = size - 1;
	split = (size_t)data[0] * n / 255;
	stream = data[0] & 1;
	http_parser_init(&p, &flim);
	if (feed(&p, in, split, &off, stream, &total) == 0)
		feed(&p, in, n, &off, stream, &total);
	http_parser_free(&p);
	return 0;
}
