/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A strict, incremental HTTP/1.1 request parser: bytes in, requests out. */

/*
 * Not evhttp: libevent 2.1.12's has no limits, loose body framing (any TE,
 * the first of two Content-Lengths, "0x5" chunks), lets %00 cut routing
 * and cannot hand a socket over after 101; so bufferevents and this parser.
 *
 * Choices where the RFCs leave room: a method is any token, case kept
 * (the server answers "get" with 501); blanks around a field value are
 * not part of it, so "Transfer-Encoding:  chunked" is chunked; no empty
 * line may come before a request line; HTTP/1.0 gets no keep-alive.
 *
 * The parser does no I/O.  It copies the request line and the header
 * lines into one buffer that the head then owns, so a request outlives
 * the bytes it came in; nothing it holds grows past struct p_limits.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

enum http_state {
	HS_LINE = 0,		/* request line */
	HS_HEADER,		/* header lines */
	HS_BODY,		/* head handed out, body not begun */
	HS_LENGTH,		/* Content-Length body */
	HS_CHUNK_SIZE,
	HS_CHUNK_DATA,
	HS_CHUNK_CR,
	HS_CHUNK_LF,
	HS_TRAILER,
	HS_END,			/* complete, not yet reported */
	HS_DONE,		/* HTTP_EV_DONE given */
	HS_ERROR
};

#define HTTP_EV_AGAIN		(-1)	/* internal: keep going */

#define SEEN_HOST		0x01
#define SEEN_CL			0x02
#define SEEN_TE			0x04

#define HTTP_CHUNKLINE_MAX	256	/* size, extensions and CRLF */
#define HTTP_CHUNK_DIGITS	16	/* hex digits of a 64-bit size */

/* pct_char() modes. */
#define PCT_PATH		0
#define PCT_QUERY		1
#define PCT_FORM		2	/* query, '+' means space */

static const struct http_error http_errors[HTTP_E_MAX] = {
	[HTTP_E_NONE] = { 0, "none", "no error" },
	[HTTP_E_LINE_ENDING] = { 400, "bad_line_ending",
	    "lines must end with CRLF" },
	[HTTP_E_REQUEST_LINE] = { 400, "bad_request_line",
	    "malformed request line" },
	[HTTP_E_REQUEST_LINE_LONG] = { 414, "request_line_too_long",
	    "request line too long" },
	[HTTP_E_VERSION] = { 505, "version_not_supported",
	    "only HTTP/1.1 and HTTP/1.0 are supported" },
	[HTTP_E_TARGET] = { 400, "bad_target",
	    "the request target must be an absolute path" },
	[HTTP_E_PATH] = { 400, "bad_path",
	    "malformed or non-canonical path" },
	[HTTP_E_QUERY] = { 400, "bad_query", "malformed query string" },
	[HTTP_E_HEADER] = { 400, "bad_header", "malformed header field" },
	[HTTP_E_OBS_FOLD] = { 400, "obs_fold",
	    "folded header lines are not accepted" },
	[HTTP_E_HEADERS_LARGE] = { 431, "headers_too_large",
	    "header fields too large" },
	[HTTP_E_HEADERS_MANY] = { 431, "too_many_headers",
	    "too many header fields" },
	[HTTP_E_HOST_MISSING] = { 400, "missing_host",
	    "a Host header is required" },
	[HTTP_E_HOST_DUP] = { 400, "duplicate_host",
	    "more than one Host header" },
	[HTTP_E_HOST] = { 400, "bad_host", "malformed Host header" },
	[HTTP_E_CL] = { 400, "bad_content_length",
	    "malformed Content-Length" },
	[HTTP_E_CL_DUP] = { 400, "duplicate_content_length",
	    "more than one Content-Length header" },
	[HTTP_E_TE] = { 400, "bad_transfer_encoding",
	    "only Transfer-Encoding: chunked is accepted" },
	[HTTP_E_FRAMING] = { 400, "conflicting_framing",
	    "both Transfer-Encoding and Content-Length" },
	[HTTP_E_CHUNK_SIZE] = { 400, "bad_chunk_size",
	    "malformed chunk size line" },
	[HTTP_E_CHUNK] = { 400, "bad_chunk",
	    "chunk data must be followed by CRLF" },
	[HTTP_E_BODY_LARGE] = { 413, "body_too_large",
	    "request body too large" },
	[HTTP_E_EXPECT] = { 417, "expectation_failed",
	    "only Expect: 100-continue is accepted" },
	[HTTP_E_INTERNAL] = { 500, "internal_error",
	    "the request could not be taken" },
};

static int	buf_add(struct http_buf *, const char *, size_t, size_t);
static int	http_fail(struct http_parser *, int);
static int	http_line(struct http_parser *, struct http_buf *, size_t,
		    const char *, size_t, size_t *, size_t, int);
static int	pct_char(const char *, size_t, size_t *, int);
static long	path_decode(const char *, size_t, char *);
static int	http_step(struct http_parser *, const char *, size_t,
		    size_t *);

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_tchar(int c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* A byte allowed in a field value: visible, blank, or obs-text. */
static int
is_fchar(int c)
{
	c &= 0xff;
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
is_token(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Make room for n more bytes in b without letting it pass max. */
static int
buf_reserve(struct http_buf *b, size_t n, size_t max)
{
	size_t	 cap;
	char	*d;

	if (n > max || b->len > max - n)
		return -1;
	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 256;
	while (cap < b->len + n)
		cap = cap > max / 2 ? max : cap * 2;
	if ((d = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
}

static int
buf_add(struct http_buf *b, const char *s, size_t n, size_t max)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n, max) == -1)
		return -1;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

static void
buf_free(struct http_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int
http_fail(struct http_parser *p, int err)
{
	p->err = err;
	p->state = HS_ERROR;
	return HTTP_EV_ERROR;
}

/*
 * Gather bytes into b until a line ends; a line may take max bytes
 * with its CRLF, else the error is toolong.  Returns 1 with the line
 * NUL-terminated at b->data + start (CRLF cut), 0 when input ran out,
 * or -1 when refused.
 */
static int
http_line(struct http_parser *p, struct http_buf *b, size_t start,
    const char *in, size_t len, size_t *off, size_t max, int toolong)
{
	const char	*lf;
	size_t		 n, have = b->len - start;

	lf = memchr(in + *off, '\n', len - *off);
	n = lf != NULL ? (size_t)(lf - in - *off) + 1 : len - *off;
	if (have + n + (lf == NULL) > max) {
		http_fail(p, toolong);
		return -1;
	}
	if (buf_add(b, in + *off, n, start + max) == -1) {
		http_fail(p, HTTP_E_INTERNAL);
		return -1;
	}
	*off += n;
	if (lf == NULL)
		return 0;
	if (b->len - start < 2 || b->data[b->len - 2] != '\r') {
		http_fail(p, HTTP_E_LINE_ENDING);
		return -1;
	}
	b->len--;
	b->data[b->len - 1] = '\0';
	return 1;
}

/*
 * Read one character of a path or query at s[*i], decoding %XX.
 * Returns the byte, or -1 for a character outside the allowed set,
 * a bad escape, or a decoded control byte (NUL included).
 */
static int
pct_char(const char *s, size_t n, size_t *i, int mode)
{
	int	c = (unsigned char)s[*i], hi, lo;

	if (c == '%') {
		if (n - *i < 3 || (hi = hexval(s[*i + 1])) == -1 ||
		    (lo = hexval(s[*i + 2])) == -1)
			return -1;
		c = hi << 4 | lo;
		*i += 3;
		return c < 0x20 || c == 0x7f ? -1 : c;
	}
	(*i)++;
	if (is_alnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@", c)))
		return mode == PCT_FORM && c == '+' ? ' ' : c;
	if (mode != PCT_PATH && (c == '/' || c == '?'))
		return c;
	return -1;
}

/*
 * Check and decode an absolute path into out (when not NULL, with room
 * for n bytes).  Refuses an encoded '/' or '\', empty segments and
 * "." or ".." segments, raw or encoded; "/" alone is the one path
 * ending in '/'.  Returns the decoded length or -1.
 */
static long
path_decode(const char *s, size_t n, char *out)
{
	size_t	i = 0, o = 0, seg, dots;
	int	c;

	if (n == 0 || s[0] != '/')
		return -1;
	if (n == 1) {
		if (out != NULL)
			out[0] = '/';
		return 1;
	}
	while (i < n) {
		if (out != NULL)
			out[o] = '/';
		o++;
		i++;
		for (seg = o, dots = 0; i < n && s[i] != '/'; o++) {
			if ((c = pct_char(s, n, &i, PCT_PATH)) == -1 ||
			    c == '/' || c == '\\')
				return -1;
			dots += c == '.';
			if (out != NULL)
				out[o] = c;
		}
		if (o == seg || (o - seg <= 2 && dots == o - seg))
			return -1;
	}
	return o;
}

static int
query_check(const char *s, size_t n)
{
	size_t	i = 0;

	while (i < n)
		if (pct_char(s, n, &i, PCT_QUERY) == -1)
			return -1;
	return 0;
}

/* Returns 11 or 10, -2 for another well-formed version, or -1. */
static int
http_version(const char *v, size_t n)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return -1;
	if (v[5] == '1' && v[7] == '1')
		return 11;
	if (v[5] == '1' && v[7] == '0')
		return 10;
	return -2;
}

static int
http_target(struct http_parser *p, const char *t, size_t n)
{
	const char	*q;
	size_t		 plen;

	if (t[0] != '/')
		return http_fail(p, HTTP_E_TARGET);
	q = memchr(t, '?', n);
	plen = q != NULL ? (size_t)(q - t) : n;
	if (path_decode(t, plen, NULL) == -1)
		return http_fail(p, HTTP_E_PATH);
	if (q != NULL && query_check(q + 1, n - plen - 1) == -1)
		return http_fail(p, HTTP_E_QUERY);
	p->path_len = plen;
	p->has_query = q != NULL;
	return HTTP_EV_AGAIN;
}

/* METHOD SP origin-form SP HTTP/1.x, at the start of mem. */
static int
http_request_line(struct http_parser *p, char *s, size_t n)
{
	char	*sp1, *sp2;
	size_t	 tlen;
	int	 v;

	if ((sp1 = memchr(s, ' ', n)) == NULL || !is_token(s, sp1 - s))
		return http_fail(p, HTTP_E_REQUEST_LINE);
	if ((sp2 = memchr(sp1 + 1, ' ', n - (sp1 + 1 - s))) == NULL ||
	    (tlen = sp2 - sp1 - 1) == 0)
		return http_fail(p, HTTP_E_REQUEST_LINE);
	if ((v = http_version(sp2 + 1, n - (sp2 + 1 - s))) == -1)
		return http_fail(p, HTTP_E_REQUEST_LINE);
	if (v == -2)
		return http_fail(p, HTTP_E_VERSION);
	if (http_target(p, sp1 + 1, tlen) == HTTP_EV_ERROR)
		return HTTP_EV_ERROR;
	*sp1 = *sp2 = '\0';
	p->head.version = v;
	p->tgt_off = sp1 + 1 - s;
	p->state = HS_HEADER;
	return HTTP_EV_AGAIN;
}

/*
 * Split "name: value" in place.  The name is a token right before the
 * colon; the value loses its surrounding blanks.
 */
static int
http_field(struct http_parser *p, char *s, size_t n, char **name,
    char **value)
{
	size_t	i, j, e;

	if (is_blank(s[0]))
		return http_fail(p, HTTP_E_OBS_FOLD);
	for (i = 0; i < n && s[i] != ':'; i++)
		if (!is_tchar((unsigned char)s[i]))
			return http_fail(p, HTTP_E_HEADER);
	if (i == 0 || i == n)
		return http_fail(p, HTTP_E_HEADER);
	s[i] = '\0';
	for (j = i + 1; j < n && is_blank(s[j]); j++)
		;
	for (e = n; e > j && is_blank(s[e - 1]); e--)
		;
	for (i = j; i < e; i++)
		if (!is_fchar(s[i]))
			return http_fail(p, HTTP_E_HEADER);
	s[e] = '\0';
	*name = s;
	*value = s + j;
	return HTTP_EV_AGAIN;
}

static int
http_host_ok(const char *v)
{
	if (*v == '\0')
		return 0;
	for (; *v != '\0'; v++)
		if (!is_alnum((unsigned char)*v) &&
		    strchr("-._~!$&'()*+,;=:[]%", *v) == NULL)
			return 0;
	return 1;
}

static int
http_content_length(struct http_parser *p, const char *v)
{
	uint64_t	n = 0;
	int		d;

	if (p->seen & SEEN_CL)
		return http_fail(p, HTTP_E_CL_DUP);
	p->seen |= SEEN_CL;
	if (*v == '\0')
		return http_fail(p, HTTP_E_CL);
	for (; *v != '\0'; v++) {
		d = *v - '0';
		if (d < 0 || d > 9 || n > UINT64_MAX / 10 ||
		    (n == UINT64_MAX / 10 && (uint64_t)d > UINT64_MAX % 10))
			return http_fail(p, HTTP_E_CL);
		n = n * 10 + d;
	}
	p->framing = HTTP_BODY_LENGTH;
	p->clen = n;
	return HTTP_EV_AGAIN;
}

/* Connection: a list of tokens; only close and upgrade matter. */
static int
http_connection(struct http_parser *p, const char *v)
{
	const char	*e;
	size_t		 n;

	for (;;) {
		while (is_blank(*v))
			v++;
		e = v + strcspn(v, ",");
		for (n = e - v; n > 0 && is_blank(v[n - 1]); n--)
			;
		if (n > 0 && !is_token(v, n))
			return http_fail(p, HTTP_E_HEADER);
		if (n == 5 && strncasecmp(v, "close", n) == 0)
			p->head.flags |= HTTP_HEAD_CLOSE;
		if (n == 7 && strncasecmp(v, "upgrade", n) == 0)
			p->head.flags |= HTTP_HEAD_UPGRADE;
		if (*e == '\0')
			return HTTP_EV_AGAIN;
		v = e + 1;
	}
}

static int
http_header_special(struct http_parser *p, const char *name,
    const char *v)
{
	if (strcasecmp(name, "host") == 0) {
		if (p->seen & SEEN_HOST)
			return http_fail(p, HTTP_E_HOST_DUP);
		p->seen |= SEEN_HOST;
		if (!http_host_ok(v))
			return http_fail(p, HTTP_E_HOST);
	} else if (strcasecmp(name, "content-length") == 0)
		return http_content_length(p, v);
	else if (strcasecmp(name, "transfer-encoding") == 0) {
		if ((p->seen & SEEN_TE) || strcasecmp(v, "chunked") != 0)
			return http_fail(p, HTTP_E_TE);
		p->seen |= SEEN_TE;
		p->framing = HTTP_BODY_CHUNKED;
	} else if (strcasecmp(name, "connection") == 0)
		return http_connection(p, v);
	else if (strcasecmp(name, "expect") == 0) {
		if (strcasecmp(v, "100-continue") != 0)
			return http_fail(p, HTTP_E_EXPECT);
		p->head.flags |= HTTP_HEAD_CONTINUE;
	}
	return HTTP_EV_AGAIN;
}

/* Decode the path into mem and point the head's strings into it. */
static int
http_head_build(struct http_parser *p)
{
	struct http_head	*h = &p->head;
	size_t			 i, poff = h->mem.len;

	if (buf_reserve(&h->mem, p->path_len + 1, h->mem.len +
	    p->path_len + 1) == -1)
		return http_fail(p, HTTP_E_INTERNAL);
	h->mem.len += path_decode(h->mem.data + p->tgt_off, p->path_len,
	    h->mem.data + poff);
	h->mem.data[h->mem.len++] = '\0';
	if (h->nheaders > 0 && (h->headers = calloc(h->nheaders,
	    sizeof(*h->headers))) == NULL)
		return http_fail(p, HTTP_E_INTERNAL);
	for (i = 0; i < h->nheaders; i++) {
		h->headers[i].name = h->mem.data + p->hoff[i].name;
		h->headers[i].value = h->mem.data + p->hoff[i].value;
	}
	h->method = h->mem.data;
	h->target = h->mem.data + p->tgt_off;
	h->path = h->mem.data + poff;
	h->query = p->has_query ? h->target + p->path_len + 1 : NULL;
	return HTTP_EV_AGAIN;
}

static int
http_head_end(struct http_parser *p)
{
	struct http_head	*h = &p->head;

	if (h->version == 11 && !(p->seen & SEEN_HOST))
		return http_fail(p, HTTP_E_HOST_MISSING);
	if ((p->seen & SEEN_TE) && (p->seen & SEEN_CL))
		return http_fail(p, HTTP_E_FRAMING);
	if ((p->seen & SEEN_TE) && h->version == 10)
		return http_fail(p, HTTP_E_TE);
	if (h->version == 10)
		h->flags |= HTTP_HEAD_CLOSE;
	h->framing = p->framing;
	h->content_length = p->clen;
	if (http_head_build(p) == HTTP_EV_ERROR)
		return HTTP_EV_ERROR;
	p->state = HS_BODY;
	return HTTP_EV_HEAD;
}

static int
http_header_line(struct http_parser *p, char *s, size_t n)
{
	struct http_hoff	*ho;
	char			*name, *value;
	size_t			 cap;

	if (n == 0)
		return http_head_end(p);
	if (++p->nfields > p->lim.header_count)
		return http_fail(p, HTTP_E_HEADERS_MANY);
	if (http_field(p, s, n, &name, &value) == HTTP_EV_ERROR ||
	    http_header_special(p, name, value) == HTTP_EV_ERROR)
		return HTTP_EV_ERROR;
	if (p->head.nheaders == p->hoffcap) {
		cap = p->hoffcap != 0 ? p->hoffcap * 2 : 16;
		if ((ho = reallocarray(p->hoff, cap, sizeof(*ho))) == NULL)
			return http_fail(p, HTTP_E_INTERNAL);
		p->hoff = ho;
		p->hoffcap = cap;
	}
	ho = &p->hoff[p->head.nheaders++];
	ho->name = name - p->head.mem.data;
	ho->value = value - p->head.mem.data;
	return HTTP_EV_AGAIN;
}

static int
http_step_head(struct http_parser *p, const char *in, size_t len,
    size_t *off)
{
	struct http_buf	*m = &p->head.mem;
	size_t		 max, n;
	char		*s;
	int		 reqline = p->state == HS_LINE, r;

	if (*off < len)
		p->started = 1;
	max = reqline ? p->lim.request_line + 2 :
	    p->lim.header_bytes - p->hbytes;
	r = http_line(p, m, p->linestart, in, len, off, max,
	    reqline ? HTTP_E_REQUEST_LINE_LONG : HTTP_E_HEADERS_LARGE);
	if (r <= 0)
		return r == 0 ? HTTP_EV_MORE : HTTP_EV_ERROR;
	s = m->data + p->linestart;
	n = m->len - 1 - p->linestart;
	p->linestart = m->len;
	if (reqline)
		return http_request_line(p, s, n);
	p->hbytes += n + 2;
	return http_header_line(p, s, n);
}

static int
http_step_body(struct http_parser *p)
{
	switch (p->framing) {
	case HTTP_BODY_LENGTH:
		if (p->clen > p->cap)
			return http_fail(p, HTTP_E_BODY_LARGE);
		p->remain = p->total = p->clen;
		p->state = p->clen > 0 ? HS_LENGTH : HS_END;
		break;
	case HTTP_BODY_CHUNKED:
		p->state = HS_CHUNK_SIZE;
		break;
	default:
		p->state = HS_END;
		break;
	}
	return HTTP_EV_AGAIN;
}

/* Body bytes of a Content-Length body or of one chunk. */
static int
http_step_data(struct http_parser *p, const char *in, size_t len,
    size_t *off, int next)
{
	size_t	n = len - *off;
	int	ev = HTTP_EV_AGAIN;

	if (n == 0)
		return HTTP_EV_MORE;
	if (n > p->remain)
		n = p->remain;
	if (p->stream) {
		p->data = in + *off;
		p->datalen = n;
		ev = HTTP_EV_DATA;
	} else if (buf_add(&p->body, in + *off, n, p->cap) == -1)
		return http_fail(p, HTTP_E_INTERNAL);
	*off += n;
	p->remain -= n;
	if (p->remain == 0)
		p->state = next;
	return ev;
}

/* 1*HEXDIG [ ";" extensions ], extensions skipped. */
static int
http_step_chunk_size(struct http_parser *p, const char *in, size_t len,
    size_t *off)
{
	const char	*s;
	uint64_t	 v = 0;
	size_t		 i, n;
	int		 r, d;

	r = http_line(p, &p->scratch, 0, in, len, off, HTTP_CHUNKLINE_MAX,
	    HTTP_E_CHUNK_SIZE);
	if (r <= 0)
		return r == 0 ? HTTP_EV_MORE : HTTP_EV_ERROR;
	s = p->scratch.data;
	n = p->scratch.len - 1;
	p->scratch.len = 0;
	for (i = 0; i < n && (d = hexval(s[i])) != -1; i++) {
		if (i == HTTP_CHUNK_DIGITS)
			return http_fail(p, HTTP_E_CHUNK_SIZE);
		v = v << 4 | d;
	}
	if (i == 0 || (i < n && s[i] != ';'))
		return http_fail(p, HTTP_E_CHUNK_SIZE);
	for (; i < n; i++)
		if (!is_fchar(s[i]) || (s[i] & 0x80))
			return http_fail(p, HTTP_E_CHUNK_SIZE);
	if (v > p->cap - p->total)
		return http_fail(p, HTTP_E_BODY_LARGE);
	p->total += v;
	p->remain = v;
	p->state = v > 0 ? HS_CHUNK_DATA : HS_TRAILER;
	return HTTP_EV_AGAIN;
}

static int
http_step_crlf(struct http_parser *p, const char *in, size_t len,
    size_t *off)
{
	int	cr = p->state == HS_CHUNK_CR;

	if (*off == len)
		return HTTP_EV_MORE;
	if (in[(*off)++] != (cr ? '\r' : '\n'))
		return http_fail(p, HTTP_E_CHUNK);
	p->state = cr ? HS_CHUNK_LF : HS_CHUNK_SIZE;
	return HTTP_EV_AGAIN;
}

/* Trailer fields: checked like headers, counted with them, dropped. */
static int
http_step_trailer(struct http_parser *p, const char *in, size_t len,
    size_t *off)
{
	char	*name, *value;
	size_t	 n;
	int	 r;

	r = http_line(p, &p->scratch, 0, in, len, off,
	    p->lim.header_bytes - p->hbytes, HTTP_E_HEADERS_LARGE);
	if (r <= 0)
		return r == 0 ? HTTP_EV_MORE : HTTP_EV_ERROR;
	n = p->scratch.len - 1;
	p->scratch.len = 0;
	p->hbytes += n + 2;
	if (n == 0) {
		p->state = HS_END;
		return HTTP_EV_AGAIN;
	}
	if (++p->nfields > p->lim.header_count)
		return http_fail(p, HTTP_E_HEADERS_MANY);
	return http_field(p, p->scratch.data, n, &name, &value);
}

static int
http_step(struct http_parser *p, const char *in, size_t len, size_t *off)
{
	switch (p->state) {
	case HS_LINE:
	case HS_HEADER:
		return http_step_head(p, in, len, off);
	case HS_BODY:
		return http_step_body(p);
	case HS_LENGTH:
		return http_step_data(p, in, len, off, HS_END);
	case HS_CHUNK_SIZE:
		return http_step_chunk_size(p, in, len, off);
	case HS_CHUNK_DATA:
		return http_step_data(p, in, len, off, HS_CHUNK_CR);
	case HS_CHUNK_CR:
	case HS_CHUNK_LF:
		return http_step_crlf(p, in, len, off);
	case HS_TRAILER:
		return http_step_trailer(p, in, len, off);
	case HS_END:
		p->state = HS_DONE;
		return HTTP_EV_DONE;
	default:
		return HTTP_EV_ERROR;
	}
}

static void
http_parser_reset(struct http_parser *p)
{
	http_head_free(&p->head);
	buf_free(&p->body);
	buf_free(&p->scratch);
	free(p->hoff);
	p->hoff = NULL;
	p->hoffcap = 0;
	p->state = HS_LINE;
	p->err = HTTP_E_NONE;
	p->started = 0;
	p->linestart = p->hbytes = p->nfields = 0;
	p->seen = p->framing = p->has_query = 0;
	p->clen = p->remain = p->total = 0;
	p->tgt_off = p->path_len = 0;
	p->cap = p->lim.body_bytes;
	p->stream = 0;
	p->data = NULL;
	p->datalen = 0;
}

void
http_parser_init(struct http_parser *p, const struct p_limits *lim)
{
	memset(p, 0, sizeof(*p));
	p->lim = *lim;
	http_parser_reset(p);
}

void
http_parser_free(struct http_parser *p)
{
	http_parser_reset(p);
}

int
http_parse(struct http_parser *p, const char *in, size_t len, size_t *used)
{
	size_t	off = 0;
	int	ev;

	if (p->state == HS_DONE)
		http_parser_reset(p);
	p->data = NULL;
	p->datalen = 0;
	do
		ev = http_step(p, in, len, &off);
	while (ev == HTTP_EV_AGAIN);
	*used = off;
	return ev;
}

void
http_parser_body(struct http_parser *p, uint64_t cap, int stream)
{
	if (p->state != HS_BODY)
		return;
	p->cap = cap;
	p->stream = stream != 0;
}

void
http_parser_take(struct http_parser *p, struct http_head *h)
{
	*h = p->head;
	memset(&p->head, 0, sizeof(p->head));
}

void
http_parser_take_body(struct http_parser *p, char **body, size_t *len)
{
	*body = NULL;
	*len = 0;
	if (p->state != HS_DONE || p->body.len == 0)
		return;
	if (buf_reserve(&p->body, 1, p->body.len + 1) == -1)
		return;
	p->body.data[p->body.len] = '\0';
	*body = p->body.data;
	*len = p->body.len;
	memset(&p->body, 0, sizeof(p->body));
}

int
http_parser_busy(const struct http_parser *p)
{
	return p->started && p->state != HS_DONE && p->state != HS_ERROR;
}

const struct http_error *
http_parser_error(const struct http_parser *p)
{
	return http_error_get(p->err);
}

const struct http_error *
http_error_get(int err)
{
	if (err < 0 || err >= HTTP_E_MAX)
		err = HTTP_E_INTERNAL;
	return &http_errors[err];
}

void
http_head_free(struct http_head *h)
{
	free(h->headers);
	buf_free(&h->mem);
	memset(h, 0, sizeof(*h));
}

const char *
http_head_get(const struct http_head *h, const char *name)
{
	size_t	i;

	for (i = 0; i < h->nheaders; i++)
		if (strcasecmp(h->headers[i].name, name) == 0)
			return h->headers[i].value;
	return NULL;
}

/* Decode s[0..n) in form mode into buf; -1 if malformed or too long. */
static int
query_decode(const char *s, size_t n, char *buf, size_t size)
{
	size_t	i = 0, o = 0;
	int	c;

	while (i < n) {
		if ((c = pct_char(s, n, &i, PCT_FORM)) == -1)
			return -1;
		if (buf != NULL) {
			if (o + 1 >= size)
				return -1;
			buf[o++] = c;
		}
	}
	if (buf != NULL)
		buf[o] = '\0';
	return 0;
}

/* Does the raw key s[0..n) decode to key?  -1 when malformed. */
static int
query_key_is(const char *s, size_t n, const char *key)
{
	size_t	i = 0, k = 0;
	int	c, match = 1;

	while (i < n) {
		if ((c = pct_char(s, n, &i, PCT_FORM)) == -1)
			return -1;
		if (match && key[k] == c)
			k++;
		else
			match = 0;
	}
	return match && key[k] == '\0';
}

int
http_query_get(const char *q, const char *key, char *buf, size_t size)
{
	const char	*e, *eq;
	size_t		 n, klen;
	int		 found = 0, r, has;

	if (q == NULL || *q == '\0')
		return 0;
	if (size == 0)
		return -1;
	for (;; q = e + 1) {
		e = q + strcspn(q, "&");
		n = e - q;
		eq = memchr(q, '=', n);
		has = eq != NULL;
		klen = has ? (size_t)(eq - q) : n;
		if (klen == 0 || (r = query_key_is(q, klen, key)) == -1 ||
		    (r && found))
			return -1;
		if (query_decode(q + klen + has, n - klen - has,
		    r ? buf : NULL, size) == -1)
			return -1;
		found |= r;
		if (*e == '\0')
			return found;
	}
}

int
http_field_ok(const char *name, const char *value)
{
	if (!is_token(name, strlen(name)))
		return 0;
	for (; *value != '\0'; value++)
		if (!is_fchar(*value))
			return 0;
	return 1;
}

const char *
http_reason(int status)
{
	static const struct {
		int		 status;
		const char	*text;
	} r[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 410, "Gone" },
		{ 411, "Length Required" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 417, "Expectation Failed" },
		{ 422, "Unprocessable Content" },
		{ 426, "Upgrade Required" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" },
	};
	size_t	i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i].status == status)
			return r[i].text;
	return "Unknown";
}
