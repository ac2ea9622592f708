/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of the front end's HTTP parser and server. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "common/log.h"
#include "frontd/http.h"
#include "frontd/server.h"

static const struct p_limits tlim = {
	.request_line = 256,
	.header_count = 8,
	.header_bytes = 1024,
	.body_bytes = 1024,
	.upload_bytes = 4096,
	.idle_timeout = 1,
	.request_timeout = 2,
	.ws_frame_bytes = 1024,
	.ws_message_bytes = 1024,
	.max_connections = 4,
	.feeds_per_user = 1,
};

/* Parser harness. */

struct result {
	int			 ev;		/* DONE, ERROR or MORE */
	const struct http_error	*err;
	struct http_head	 head;
	char			*body;
	size_t			 bodylen;
	size_t			 used;
};

static void
body_add(struct result *r, const char *p, size_t n)
{
	r->body = realloc(r->body, r->bodylen + n + 1);
	assert_non_null(r->body);
	memcpy(r->body + r->bodylen, p, n);
	r->bodylen += n;
	r->body[r->bodylen] = '\0';
}

static void
result_free(struct result *r)
{
	http_head_free(&r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* On HTTP_EV_HEAD: take the head, set the body bound and mode. */
static void
run_head(struct http_parser *p, struct result *r, int stream)
{
	http_parser_take(p, &r->head);
	http_parser_body(p, stream ? tlim.upload_bytes : tlim.body_bytes,
	    stream);
}

/*
 * Parse one request from raw, feeding at most step bytes a call
 * (0: all at once), until it is done or refused.
 */
static void
run(const char *raw, size_t len, size_t step, int stream, struct result *r)
{
	struct http_parser	p;
	size_t			off = 0, end, used;
	char			*body;
	size_t			 blen;

	memset(r, 0, sizeof(*r));
	http_parser_init(&p, &tlim);
	for (r->ev = -1; r->ev == -1; off += used) {
		end = step == 0 || len - off < step ? len : off + step;
		switch (http_parse(&p, raw + off, end - off, &used)) {
		case HTTP_EV_HEAD:
			run_head(&p, r, stream);
			break;
		case HTTP_EV_DATA:
			assert_true(stream);
			body_add(r, p.data, p.datalen);
			break;
		case HTTP_EV_DONE:
			http_parser_take_body(&p, &body, &blen);
			if (blen > 0)
				body_add(r, body, blen);
			free(body);
			r->ev = HTTP_EV_DONE;
			break;
		case HTTP_EV_ERROR:
			r->err = http_parser_error(&p);
			r->ev = HTTP_EV_ERROR;
			break;
		default:
			assert_int_equal(used, end - off);
			if (end == len)
				r->ev = HTTP_EV_MORE;
			break;
		}
	}
	r->used = off;
	http_parser_free(&p);
}

/* The same refusal whether the bytes come at once or one by one. */
static void
expect_err(const char *raw, int status, const char *code)
{
	struct result	r;
	size_t		step;

	for (step = 0; step < 2; step++) {
		run(raw, strlen(raw), step, 0, &r);
		if (r.ev != HTTP_EV_ERROR)
			fail_msg("accepted: %s", raw);
		assert_int_equal(r.err->status, status);
		assert_string_equal(r.err->code, code);
		result_free(&r);
	}
}

static void
expect_ok(const char *raw, struct result *r)
{
	run(raw, strlen(raw), 0, 0, r);
	if (r->ev != HTTP_EV_DONE)
		fail_msg("refused (%s): %s", r->err != NULL ? r->err->code :
		    "incomplete", raw);
}

#define GETH(t)		"GET " t " HTTP/1.1\r\nHost: h\r\n\r\n"
#define POSTH(h)	"POST /p HTTP/1.1\r\nHost: h\r\n" h "\r\n"
#define CHUNKED(b)	POSTH("Transfer-Encoding: chunked\r\n") b

static void
test_line_endings(void **state)
{
	expect_err("GET / HTTP/1.1\nHost: a\n\n", 400, "bad_line_ending");
	expect_err("GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "bad_line_ending");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bad_line_ending");
	expect_err("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400,
	    "bad_header");
	expect_err("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "bad_request_line");
}

static void
test_request_line(void **state)
{
	expect_err("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "bad_request_line");
	expect_err("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
	    "bad_request_line");
	expect_err("GET /\r\nHost: a\r\n\r\n", 400, "bad_request_line");
	expect_err("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400,
	    "bad_request_line");
	expect_err("GET / http/1.1\r\nHost: a\r\n\r\n", 400,
	    "bad_request_line");
	expect_err("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400,
	    "bad_request_line");
	expect_err("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505,
	    "version_not_supported");
	expect_err("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505,
	    "version_not_supported");
	expect_err("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505,
	    "version_not_supported");
}

static void
test_request_line_long(void **state)
{
	char	raw[512];

	snprintf(raw, sizeof(raw), "GET /%0300d HTTP/1.1\r\nHost: a\r\n\r\n",
	    0);
	expect_err(raw, 414, "request_line_too_long");
	/* Exactly at the bound is fine. */
	snprintf(raw, sizeof(raw), "GET /%0*d HTTP/1.1\r\nHost: a\r\n\r\n",
	    256 - 14, 0);
	assert_int_equal(strstr(raw, "\r\n") - raw, 256);
	{
		struct result	r;

		expect_ok(raw, &r);
		result_free(&r);
	}
	raw[5] = '1';
	memmove(raw + 6, raw + 5, strlen(raw + 5) + 1);
	expect_err(raw, 414, "request_line_too_long");
}

/* Lower-case methods are tokens: parsed here, 501 at the server. */
static void
test_method_case(void **state)
{
	struct result	r;

	expect_ok("get / HTTP/1.1\r\nHost: a\r\n\r\n", &r);
	assert_string_equal(r.head.method, "get");
	result_free(&r);
}

static void
test_targets(void **state)
{
	expect_err(GETH("a/b"), 400, "bad_target");
	expect_err(GETH("http://example.com/"), 400, "bad_target");
	expect_err(GETH("*"), 400, "bad_target");
	expect_err(GETH("example.com:443"), 400, "bad_target");
	expect_err(GETH("/a%00b"), 400, "bad_path");
	expect_err(GETH("/a%2Fb"), 400, "bad_path");
	expect_err(GETH("/a%2fb"), 400, "bad_path");
	expect_err(GETH("/a%5Cb"), 400, "bad_path");
	expect_err(GETH("/a%5cb"), 400, "bad_path");
	expect_err(GETH("/a\\b"), 400, "bad_path");
	expect_err(GETH("/a/../b"), 400, "bad_path");
	expect_err(GETH("/a/./b"), 400, "bad_path");
	expect_err(GETH("/a/.."), 400, "bad_path");
	expect_err(GETH("/."), 400, "bad_path");
	expect_err(GETH("/a/%2e%2e/b"), 400, "bad_path");
	expect_err(GETH("/a/%2E/b"), 400, "bad_path");
	expect_err(GETH("/a/.%2e"), 400, "bad_path");
	expect_err(GETH("//"), 400, "bad_path");
	expect_err(GETH("//a"), 400, "bad_path");
	expect_err(GETH("/a//b"), 400, "bad_path");
	expect_err(GETH("/a/"), 400, "bad_path");
	expect_err(GETH("/%zz"), 400, "bad_path");
	expect_err(GETH("/%4"), 400, "bad_path");
	expect_err(GETH("/a%"), 400, "bad_path");
	expect_err(GETH("/a%1f"), 400, "bad_path");
	expect_err(GETH("/a%7F"), 400, "bad_path");
	expect_err(GETH("/a#f"), 400, "bad_path");
	expect_err(GETH("/a\"b"), 400, "bad_path");
	expect_err(GETH("/a\x80"), 400, "bad_path");
	expect_err(GETH("/a?x=%zz"), 400, "bad_query");
	expect_err(GETH("/a?x=%00"), 400, "bad_query");
	expect_err(GETH("/a?x#y"), 400, "bad_query");
	expect_err("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_path");
}

static void
test_target_ok(void **state)
{
	struct result	r;

	expect_ok(GETH("/v1/a%20b/..c/.d/%41?x=1&y=%2F/?"), &r);
	assert_string_equal(r.head.path, "/v1/a b/..c/.d/A");
	assert_string_equal(r.head.target, "/v1/a%20b/..c/.d/%41?x=1&y=%2F/?");
	assert_string_equal(r.head.query, "x=1&y=%2F/?");
	result_free(&r);

	expect_ok(GETH("/"), &r);
	assert_string_equal(r.head.path, "/");
	assert_null(r.head.query);
	result_free(&r);

	expect_ok(GETH("/a?"), &r);
	assert_string_equal(r.head.path, "/a");
	assert_string_equal(r.head.query, "");
	result_free(&r);
}

static void
test_headers(void **state)
{
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400,
	    "obs_fold");
	expect_err("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", 400, "obs_fold");
	expect_err("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "bad_header");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", 400,
	    "bad_header");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", 400,
	    "bad_header");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", 400,
	    "bad_header");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n", 400,
	    "bad_header");
	expect_err("GET / HTTP/1.1\r\n\r\n", 400, "missing_host");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400,
	    "duplicate_host");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nhOST: b\r\n\r\n", 400,
	    "duplicate_host");
	expect_err("GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "bad_host");
	expect_err("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "bad_host");
	expect_err("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "bad_host");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n",
	    417, "expectation_failed");
	expect_err("GET / HTTP/1.1\r\nHost: a\r\nConnection: a b\r\n\r\n",
	    400, "bad_header");
}

static void
test_header_nul(void **state)
{
	static const char	 raw[] = "GET / HTTP/1.1\r\nHost: a\r\n"
	    "X: a\0b\r\n\r\n";
	struct result		 r;

	run(raw, sizeof(raw) - 1, 0, 0, &r);
	assert_int_equal(r.ev, HTTP_EV_ERROR);
	assert_string_equal(r.err->code, "bad_header");
	result_free(&r);
}

static void
test_header_limits(void **state)
{
	char	raw[2048];
	int	i, n;

	n = snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 8; i++)
		n += snprintf(raw + n, sizeof(raw) - n, "X-%d: v\r\n", i);
	snprintf(raw + n, sizeof(raw) - n, "\r\n");
	expect_err(raw, 431, "too_many_headers");

	n = snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(raw + n, 'v', 1100);
	snprintf(raw + n + 1100, sizeof(raw) - n - 1100, "\r\n\r\n");
	expect_err(raw, 431, "headers_too_large");

	/* Many small lines add up too. */
	n = snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 6; i++) {
		n += snprintf(raw + n, sizeof(raw) - n, "X-%d: ", i);
		memset(raw + n, 'v', 170);
		n += 170;
		n += snprintf(raw + n, sizeof(raw) - n, "\r\n");
	}
	snprintf(raw + n, sizeof(raw) - n, "\r\n");
	expect_err(raw, 431, "headers_too_large");
}

static void
test_header_values(void **state)
{
	struct result	r;

	expect_ok("GET / HTTP/1.1\r\nhost:a\r\nX-Sp: \t v  w \t\r\n"
	    "X-Empty:\r\nConnection: keep-alive, Upgrade\r\n\r\n", &r);
	assert_int_equal(r.head.nheaders, 4);
	assert_string_equal(http_head_get(&r.head, "HOST"), "a");
	assert_string_equal(http_head_get(&r.head, "x-sp"), "v  w");
	assert_string_equal(http_head_get(&r.head, "X-Empty"), "");
	assert_null(http_head_get(&r.head, "X-None"));
	assert_int_equal(r.head.version, 11);
	assert_true(r.head.flags & HTTP_HEAD_UPGRADE);
	assert_false(r.head.flags & HTTP_HEAD_CLOSE);
	result_free(&r);

	expect_ok("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n",
	    &r);
	assert_true(r.head.flags & HTTP_HEAD_CLOSE);
	result_free(&r);

	/* HTTP/1.0 needs no Host and never keeps the connection. */
	expect_ok("GET / HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.head.version, 10);
	assert_true(r.head.flags & HTTP_HEAD_CLOSE);
	result_free(&r);
}

static void
test_content_length(void **state)
{
	expect_err(POSTH("Content-Length: 5\r\nContent-Length: 5\r\n")
	    "hello", 400, "duplicate_content_length");
	expect_err(POSTH("Content-Length: 5\r\nContent-Length: 6\r\n")
	    "hello!", 400, "duplicate_content_length");
	expect_err(POSTH("Content-Length: +5\r\n") "hello", 400,
	    "bad_content_length");
	expect_err(POSTH("Content-Length: -1\r\n"), 400,
	    "bad_content_length");
	expect_err(POSTH("Content-Length: 0x5\r\n") "hello", 400,
	    "bad_content_length");
	expect_err(POSTH("Content-Length: 5, 5\r\n") "hello", 400,
	    "bad_content_length");
	expect_err(POSTH("Content-Length: 5 5\r\n") "hello", 400,
	    "bad_content_length");
	expect_err(POSTH("Content-Length:\r\n"), 400, "bad_content_length");
	expect_err(POSTH("Content-Length: 99999999999999999999999\r\n"), 400,
	    "bad_content_length");
	expect_err(POSTH("Content-Length: 18446744073709551616\r\n"), 400,
	    "bad_content_length");
	expect_err(POSTH("Content-Length: 1025\r\n"), 413, "body_too_large");
	expect_err(POSTH("Content-Length: 18446744073709551615\r\n"), 413,
	    "body_too_large");
}

static void
test_transfer_encoding(void **state)
{
	expect_err(POSTH("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")
	    "5\r\nhello\r\n0\r\n\r\n", 400, "conflicting_framing");
	expect_err(POSTH("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")
	    "5\r\nhello\r\n0\r\n\r\n", 400, "conflicting_framing");
	expect_err(POSTH("Transfer-Encoding: gzip\r\n") "hello", 400,
	    "bad_transfer_encoding");
	expect_err(POSTH("Transfer-Encoding: chunked, gzip\r\n"), 400,
	    "bad_transfer_encoding");
	expect_err(POSTH("Transfer-Encoding: gzip, chunked\r\n"), 400,
	    "bad_transfer_encoding");
	expect_err(POSTH("Transfer-Encoding: identity\r\n"), 400,
	    "bad_transfer_encoding");
	expect_err(POSTH("Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n"), 400, "bad_transfer_encoding");
	expect_err(POSTH("Transfer-Encoding: chunked;q=1\r\n"), 400,
	    "bad_transfer_encoding");
	expect_err("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\n", 400, "bad_transfer_encoding");
}

/* Blanks around a field value are not part of it (RFC 9110 5.5). */
static void
test_transfer_encoding_ok(void **state)
{
	struct result	r;

	expect_ok(CHUNKED("") "0\r\n\r\n", &r);
	assert_int_equal(r.head.framing, HTTP_BODY_CHUNKED);
	assert_int_equal(r.bodylen, 0);
	result_free(&r);
	expect_ok(POSTH("Transfer-Encoding:  chunked \r\n") "1\r\nx\r\n"
	    "0\r\n\r\n", &r);
	assert_string_equal(r.body, "x");
	result_free(&r);
	expect_ok(POSTH("Transfer-Encoding: CHUNKED\r\n") "1\r\nx\r\n"
	    "0\r\n\r\n", &r);
	assert_string_equal(r.body, "x");
	result_free(&r);
}

static void
test_chunk_sizes(void **state)
{
	expect_err(CHUNKED("0x5\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("+5\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("-5\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED(" 5\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("5 \r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("5x\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("5 ;a=b\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("\r\nhello\r\n0\r\n\r\n"), 400, "bad_chunk_size");
	expect_err(CHUNKED(";a\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("00000000000000000005\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("10000000000000005\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("5\nhello\r\n0\r\n\r\n"), 400, "bad_line_ending");
	expect_err(CHUNKED("5;a=\x01\r\nhello\r\n0\r\n\r\n"), 400,
	    "bad_chunk_size");
	expect_err(CHUNKED("FFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"), 413,
	    "body_too_large");
	expect_err(CHUNKED("401\r\n"), 413, "body_too_large");
	expect_err(CHUNKED("5\r\nhelloX\r\n0\r\n\r\n"), 400, "bad_chunk");
	expect_err(CHUNKED("5\r\nhello\n0\r\n\r\n"), 400, "bad_chunk");
	expect_err(CHUNKED("5\r\nhello\r\r\n0\r\n\r\n"), 400, "bad_chunk");
}

static void
test_chunk_limits(void **state)
{
	char	raw[4096];
	int	n;

	/* 1024 fits, 1025 over two chunks does not. */
	n = snprintf(raw, sizeof(raw), CHUNKED("200\r\n"));
	memset(raw + n, 'a', 512);
	n += 512;
	n += snprintf(raw + n, sizeof(raw) - n, "\r\n201\r\n");
	memset(raw + n, 'b', 513);
	n += 513;
	snprintf(raw + n, sizeof(raw) - n, "\r\n0\r\n\r\n");
	expect_err(raw, 413, "body_too_large");

	/* An over-long chunk extension. */
	n = snprintf(raw, sizeof(raw), CHUNKED("1;"));
	memset(raw + n, 'e', 300);
	snprintf(raw + n + 300, sizeof(raw) - n - 300, "\r\nx\r\n0\r\n\r\n");
	expect_err(raw, 400, "bad_chunk_size");

	/* Trailers are bounded with the headers. */
	n = snprintf(raw, sizeof(raw), CHUNKED("1\r\nx\r\n0\r\nT: "));
	memset(raw + n, 't', 1100);
	snprintf(raw + n + 1100, sizeof(raw) - n - 1100, "\r\n\r\n");
	expect_err(raw, 431, "headers_too_large");
	expect_err(CHUNKED("0\r\nT: 1\r\n x\r\n\r\n"), 400, "obs_fold");
	expect_err(CHUNKED("0\r\nT : 1\r\n\r\n"), 400, "bad_header");
}

static void
test_body_length(void **state)
{
	struct result	r;
	char		raw[2048];
	int		n;

	expect_ok(POSTH("Content-Length: 5\r\n") "hello", &r);
	assert_int_equal(r.head.framing, HTTP_BODY_LENGTH);
	assert_int_equal(r.head.content_length, 5);
	assert_int_equal(r.bodylen, 5);
	assert_string_equal(r.body, "hello");
	result_free(&r);

	expect_ok(POSTH("Content-Length: 0\r\n"), &r);
	assert_int_equal(r.bodylen, 0);
	assert_null(r.body);
	result_free(&r);

	/* Exactly at the bound. */
	n = snprintf(raw, sizeof(raw), POSTH("Content-Length: 1024\r\n"));
	memset(raw + n, 'z', 1024);
	raw[n + 1024] = '\0';
	expect_ok(raw, &r);
	assert_int_equal(r.bodylen, 1024);
	result_free(&r);

	/* Short of its length: not done yet. */
	run(POSTH("Content-Length: 6\r\n") "hello", strlen(POSTH(
	    "Content-Length: 6\r\n") "hello"), 0, 0, &r);
	assert_int_equal(r.ev, HTTP_EV_MORE);
	result_free(&r);
}

static const char chunked_raw[] = CHUNKED("5\r\nhello\r\n1;ext=\"v\"\r\n \r\n"
    "a\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n");

/* The same chunked body, whatever the pieces it arrives in. */
static void
test_chunked_splits(void **state)
{
	struct result	r;
	size_t		len = strlen(chunked_raw), i, step;
	int		stream;

	for (stream = 0; stream < 2; stream++) {
		for (step = 0; step < 4; step++) {
			run(chunked_raw, len, step, stream, &r);
			assert_int_equal(r.ev, HTTP_EV_DONE);
			assert_int_equal(r.used, len);
			assert_string_equal(r.body, "hello 0123456789");
			result_free(&r);
		}
	}
	/* Every split point in two pieces. */
	for (i = 0; i <= len; i++) {
		struct http_parser	p;
		size_t			used, off = 0;
		int			ev, heads = 0;
		char			*body;
		size_t			 blen;

		http_parser_init(&p, &tlim);
		ev = http_parse(&p, chunked_raw, i, &used);
		for (;;) {
			off += used;
			if (ev == HTTP_EV_HEAD) {
				heads++;
				run_head(&p, &r, 0);
				http_head_free(&r.head);
			} else if (ev == HTTP_EV_DONE || ev == HTTP_EV_ERROR ||
			    off == len)
				break;
			ev = http_parse(&p, chunked_raw + off, off < i ?
			    i - off : len - off, &used);
		}
		assert_int_equal(ev, HTTP_EV_DONE);
		assert_int_equal(heads, 1);
		http_parser_take_body(&p, &body, &blen);
		assert_int_equal(blen, 16);
		assert_memory_equal(body, "hello 0123456789", 16);
		free(body);
		http_parser_free(&p);
	}
}

static void
test_pipelined(void **state)
{
	static const char	 raw[] = POSTH("Content-Length: 3\r\n") "abc"
	    "GET /second?q=1 HTTP/1.1\r\nHost: h\r\n\r\nGET /th";
	struct http_parser	 p;
	struct http_head	 h;
	size_t			 used, off = 0, len = sizeof(raw) - 1;
	char			*body;
	size_t			 blen;

	http_parser_init(&p, &tlim);
	assert_int_equal(http_parse(&p, raw, len, &used), HTTP_EV_HEAD);
	off += used;
	assert_int_equal(http_parse(&p, raw + off, len - off, &used),
	    HTTP_EV_DONE);
	off += used;
	http_parser_take_body(&p, &body, &blen);
	assert_int_equal(blen, 3);
	free(body);
	assert_false(http_parser_busy(&p));
	assert_memory_equal(raw + off, "GET /second", 11);

	assert_int_equal(http_parse(&p, raw + off, len - off, &used),
	    HTTP_EV_HEAD);
	off += used;
	http_parser_take(&p, &h);
	assert_string_equal(h.path, "/second");
	assert_string_equal(h.query, "q=1");
	http_head_free(&h);
	assert_int_equal(http_parse(&p, raw + off, len - off, &used),
	    HTTP_EV_DONE);
	off += used;
	assert_int_equal(len - off, 7);

	/* The third has begun: the parser says so. */
	assert_int_equal(http_parse(&p, raw + off, len - off, &used),
	    HTTP_EV_MORE);
	assert_int_equal(used, 7);
	assert_true(http_parser_busy(&p));
	http_parser_free(&p);
}

/* An error keeps its fixed text, whatever the input carried. */
static void
test_error_text(void **state)
{
	struct result	r;
	const char	*raw = "GET /SECRETMARK/%2f HTTP/1.1\r\n"
	    "Host: a\r\n\r\n";

	run(raw, strlen(raw), 0, 0, &r);
	assert_int_equal(r.ev, HTTP_EV_ERROR);
	assert_null(strstr(r.err->message, "SECRETMARK"));
	assert_null(strstr(r.err->code, "SECRETMARK"));
	result_free(&r);
	assert_int_equal(http_error_get(-1)->status, 500);
	assert_int_equal(http_error_get(HTTP_E_MAX)->status, 500);
}

static void
test_query_get(void **state)
{
	char	buf[16];

	assert_int_equal(http_query_get("a=1&b=x+y%21", "b", buf,
	    sizeof(buf)), 1);
	assert_string_equal(buf, "x y!");
	assert_int_equal(http_query_get("a=1&b=2", "a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1");
	assert_int_equal(http_query_get("a=1&b=2", "c", buf, sizeof(buf)), 0);
	assert_int_equal(http_query_get(NULL, "c", buf, sizeof(buf)), 0);
	assert_int_equal(http_query_get("", "c", buf, sizeof(buf)), 0);
	assert_int_equal(http_query_get("flag&a=", "a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "");
	assert_int_equal(http_query_get("%61=5", "a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "5");
	assert_int_equal(http_query_get("a=%26%3D", "a", buf, sizeof(buf)),
	    1);
	assert_string_equal(buf, "&=");
	assert_int_equal(http_query_get("ab=1", "a", buf, sizeof(buf)), 0);
	assert_int_equal(http_query_get("a=1&a=2", "a", buf, sizeof(buf)),
	    -1);
	assert_int_equal(http_query_get("a=%zz", "a", buf, sizeof(buf)), -1);
	assert_int_equal(http_query_get("a=%00", "a", buf, sizeof(buf)), -1);
	assert_int_equal(http_query_get("a=%0a", "a", buf, sizeof(buf)), -1);
	assert_int_equal(http_query_get("b=%zz&a=1", "a", buf, sizeof(buf)),
	    -1);
	assert_int_equal(http_query_get("&a=1", "a", buf, sizeof(buf)), -1);
	assert_int_equal(http_query_get("=1", "a", buf, sizeof(buf)), -1);
	assert_int_equal(http_query_get("a=0123456789abcdef", "a", buf,
	    sizeof(buf)), -1);
	assert_int_equal(http_query_get("a=0123456789abcde", "a", buf,
	    sizeof(buf)), 1);
}

/* Server harness: one event base, a test route table, real sockets. */

static struct event_base	*base;
static int			 port;
static struct event		*later_ev;
static struct http_req		*later_req;
static int			 gone_calls, late_reply;

static void
h_ok(struct http_req *req)
{
	http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void
h_item(struct http_req *req)
{
	http_reply_json(req, 200, json_pack("{s:s,s:s}", "id",
	    http_req_param(req, "id"), "method", http_req_method(req)));
}

static void
h_echo(struct http_req *req)
{
	const char	*b;
	size_t		 n;

	b = http_req_body(req, &n);
	http_reply(req, 200, "application/octet-stream", b, n);
}

static void
later_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_req	*req = later_req;

	later_req = NULL;
	late_reply = http_reply_json(req, 200, json_pack("{s:s}", "when",
	    "later"));
	http_req_unref(req);
}

static void
gone_cb(struct http_req *req, void *arg)
{
	gone_calls++;
	assert_true(http_req_gone(req));
	assert_ptr_equal(arg, &gone_calls);
}

/* Answers 200 ms later, from a timer. */
static void
h_async(struct http_req *req)
{
	struct timeval	tv = { 0, 200000 };

	http_req_ref(req);
	http_req_on_gone(req, gone_cb, &gone_calls);
	later_req = req;
	evtimer_add(later_ev, &tv);
}

/* Answers only after 5 s, past the request timeout. */
static void
h_slow(struct http_req *req)
{
	struct timeval	tv = { 5, 0 };

	http_req_ref(req);
	http_req_on_gone(req, gone_cb, &gone_calls);
	later_req = req;
	evtimer_add(later_ev, &tv);
}

struct upload {
	size_t	bytes;
	int	pieces;
};

static void
up_data(struct http_req *req, const char *p, size_t n, void *arg)
{
	struct upload	*u = arg;

	u->bytes += n;
	u->pieces++;
}

static void
up_end(struct http_req *req, void *arg)
{
	struct upload	*u = arg;

	http_reply_json(req, 200, json_pack("{s:i}", "bytes",
	    (json_int_t)u->bytes));
	free(u);
}

static void
up_gone(struct http_req *req, void *arg)
{
	free(arg);
}

static void
h_upload(struct http_req *req)
{
	struct upload	*u;

	if (http_req_header(req, "X-Deny") != NULL) {
		http_reply_error(req, 403, "forbidden", "denied");
		return;
	}
	u = calloc(1, sizeof(*u));
	assert_non_null(u);
	http_req_on_body(req, up_data, up_end, u);
	http_req_on_gone(req, up_gone, u);
}

static const struct http_route routes[] = {
	{ "GET", "/t/ok", ROUTE_PUBLIC, h_ok },
	{ "GET", "/t/items/{id}", 0, h_item },
	{ "DELETE", "/t/items/{id}", 0, h_item },
	{ "POST", "/t/echo", 0, h_echo },
	{ "GET", "/t/async", 0, h_async },
	{ "GET", "/t/slow", 0, h_slow },
	{ "PUT", "/t/upload", ROUTE_UPLOAD, h_upload },
};

static double
now(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static int
group_setup(void **state)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	log_init("test_http", 1, getenv("TEST_VERBOSE") != NULL);
	if ((base = event_base_new()) == NULL)
		return -1;
	later_ev = evtimer_new(base, later_cb, NULL);
	server_init(base);
	server_set_limits(&tlim);
	server_set_routes(routes, sizeof(routes) / sizeof(routes[0]));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	port = ntohs(sin.sin_port);
	if (server_listen(fd, LISTEN_ANY, 1, "tls") != -1)
		return -1;
	return server_listen(fd, LISTEN_ANY, 0, "test");
}

static int
group_teardown(void **state)
{
	server_shutdown();
	event_free(later_ev);
	event_base_free(base);
	return 0;
}

static int
cli_connect(void)
{
	struct sockaddr_in	sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_not_equal(fd, -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void
cli_send(int fd, const char *raw, size_t len)
{
	assert_int_equal(send(fd, raw, len, MSG_NOSIGNAL), (ssize_t)len);
}

#define SEND(fd, s)	cli_send((fd), (s), strlen(s))

/* Count whole responses in buf (1xx ones included). */
static int
resp_count(const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *hend, *cl;
	unsigned long	 n;
	int		 count = 0;

	while ((hend = memmem(p, end - p, "\r\n\r\n", 4)) != NULL) {
		hend += 4;
		n = 0;
		cl = memmem(p, hend - p, "Content-Length: ", 16);
		if (cl != NULL)
			n = strtoul(cl + 16, NULL, 10);
		if ((size_t)(end - hend) < n)
			break;
		p = hend + n;
		count++;
	}
	return count;
}

struct reply {
	char	 buf[16384];
	size_t	 len;
	int	 closed;
	double	 secs;
};

/*
 * Run the server until the client holds nresp responses, the server
 * closes, or secs pass.
 */
static void
cli_wait(int fd, int nresp, double secs, struct reply *r)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	double		start = now();
	ssize_t		n;

	r->len = 0;
	r->closed = 0;
	r->buf[0] = '\0';
	while (now() - start < secs) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 5) < 1)
			continue;
		n = read(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);
		if (n <= 0) {
			r->closed = 1;
			break;
		}
		r->len += n;
		r->buf[r->len] = '\0';
		if (nresp > 0 && resp_count(r->buf, r->len) >= nresp)
			break;
	}
	r->secs = now() - start;
}

/* Let the server see every client close. */
static void
srv_settle(void)
{
	double	start = now();

	while (server_connections() > 0 && now() - start < 5)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(server_connections(), 0);
}

static int
resp_status(const char *p)
{
	int	status;

	if (sscanf(p, "HTTP/1.1 %d ", &status) != 1)
		return -1;
	return status;
}

static const char *
resp_body(const char *p)
{
	const char	*b = strstr(p, "\r\n\r\n");

	return b != NULL ? b + 4 : "";
}

static void
expect_json_error(const char *raw, int status, const char *code)
{
	struct reply	r;
	char		want[256];
	int		fd;

	fd = cli_connect();
	cli_send(fd, raw, strlen(raw));
	cli_wait(fd, 1, 3, &r);
	if (resp_status(r.buf) != status)
		fail_msg("got %.40s for %s", r.buf, raw);
	assert_non_null(strstr(r.buf,
	    "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(r.buf, "\r\nCache-Control: no-store\r\n"));
	snprintf(want, sizeof(want), "{\"error\":{\"code\":\"%s\",", code);
	assert_memory_equal(resp_body(r.buf), want, strlen(want));
	close(fd);
}

static void
test_srv_ok(void **state)
{
	static const char	 raw[] = GETH("/t/ok");
	struct reply		 r;
	const char		*srv;
	int			 fd;

	fd = cli_connect();
	cli_send(fd, raw, sizeof(raw) - 1);
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 200);
	assert_string_equal(resp_body(r.buf), "{\"ok\":true}\n");
	assert_non_null(strstr(r.buf, "\r\nContent-Length: 12\r\n"));
	assert_non_null(strstr(r.buf, "\r\nCache-Control: no-store\r\n"));
	assert_non_null(strstr(r.buf, "\r\nContent-Type: application/json"));
	assert_non_null(srv = strstr(r.buf, "\r\nServer: "));
	assert_memory_equal(srv, "\r\nServer: pccx-remote\r\n", 23);
	assert_null(strstr(r.buf, "Connection: close"));
	assert_false(r.closed);

	/* The connection stays for the next one. */
	cli_send(fd, raw, sizeof(raw) - 1);
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 200);
	close(fd);
	srv_settle();
}

static void
test_srv_routing(void **state)
{
	struct reply	r;
	int		fd;

	expect_json_error(GETH("/nope"), 404, "not_found");
	expect_json_error(GETH("/t/ok/more"), 404, "not_found");
	expect_json_error(GETH("/t/items"), 404, "not_found");
	expect_json_error("POST /t/ok HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 0\r\n\r\n", 405, "method_not_allowed");
	expect_json_error("get /t/ok HTTP/1.1\r\nHost: h\r\n\r\n", 501,
	    "not_implemented");

	fd = cli_connect();
	SEND(fd, "PUT /t/items/7 HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 0\r\n\r\n");
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 405);
	assert_non_null(strstr(r.buf, "\r\nAllow: GET, DELETE\r\n"));
	assert_string_equal(resp_body(r.buf), "{\"error\":{\"code\":"
	    "\"method_not_allowed\",\"message\":\"method not allowed on this "
	    "resource\"}}\n");
	/* A refusal without a body keeps the connection. */
	SEND(fd, "DELETE /t/items/a%20b HTTP/1.1\r\nHost: h\r\n\r\n");
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 200);
	assert_string_equal(resp_body(r.buf),
	    "{\"id\":\"a b\",\"method\":\"DELETE\"}\n");
	close(fd);
	srv_settle();
}

static void
test_srv_refusals(void **state)
{
	struct reply	r;
	int		fd;

	expect_json_error(GETH("/t/../t/ok"), 400, "bad_path");
	expect_json_error(GETH("/t/items/%00"), 400, "bad_path");
	expect_json_error("GET /t/ok HTTP/1.1\nHost: h\n\n", 400,
	    "bad_line_ending");
	expect_json_error(POSTH("Transfer-Encoding: gzip\r\n"), 400,
	    "bad_transfer_encoding");
	expect_json_error(POSTH("Content-Length: 1\r\nContent-Length: 1\r\n")
	    "a", 400, "duplicate_content_length");
	expect_json_error("GET /t/ok HTTP/2.0\r\nHost: h\r\n\r\n", 505,
	    "version_not_supported");
	expect_json_error("POST /t/echo HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 2000\r\n\r\n", 413, "body_too_large");

	/* After a refusal the server closes. */
	fd = cli_connect();
	SEND(fd, GETH("//") GETH("/t/ok"));
	cli_wait(fd, 2, 3, &r);
	assert_int_equal(resp_status(r.buf), 400);
	assert_non_null(strstr(r.buf, "\r\nConnection: close\r\n"));
	assert_int_equal(resp_count(r.buf, r.len), 1);
	assert_true(r.closed);
	close(fd);
	srv_settle();
}

static void
test_srv_pipeline(void **state)
{
	static const char	 raw[] = GETH("/t/items/1") POSTH(
	    "Content-Length: 0\r\n") "POST /t/echo HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n"
	    "0\r\n\r\n" GETH("/t/items/2");
	struct reply		 r;
	const char		*p;
	int			 fd;

	fd = cli_connect();
	cli_send(fd, raw, sizeof(raw) - 1);
	cli_wait(fd, 4, 3, &r);
	assert_int_equal(resp_count(r.buf, r.len), 4);
	assert_false(r.closed);
	p = strstr(r.buf, "{\"id\":\"1\"");
	assert_non_null(p);
	assert_non_null(p = strstr(p, "\"code\":\"not_found\""));
	assert_non_null(p = strstr(p, "hello world"));
	assert_non_null(strstr(p, "{\"id\":\"2\""));
	close(fd);
	srv_settle();
}

static void
test_srv_continue(void **state)
{
	struct reply	r;
	int		fd;

	fd = cli_connect();
	SEND(fd, "POST /t/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3"
	    "\r\nExpect: 100-continue\r\n\r\n");
	cli_wait(fd, 1, 3, &r);
	assert_string_equal(r.buf, "HTTP/1.1 100 Continue\r\n\r\n");
	cli_send(fd, "abc", 3);
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 200);
	assert_string_equal(resp_body(r.buf), "abc");
	close(fd);
	srv_settle();
}

static void
test_srv_upload(void **state)
{
	static char	raw[8192];
	struct reply	r;
	int		fd, n;

	fd = cli_connect();
	n = snprintf(raw, sizeof(raw), "PUT /t/upload HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 3000\r\n\r\n");
	memset(raw + n, 'u', 3000);
	cli_send(fd, raw, n + 3000);
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 200);
	assert_string_equal(resp_body(r.buf), "{\"bytes\":3000}\n");
	close(fd);

	/* Over upload_bytes, cut short in the middle. */
	fd = cli_connect();
	n = snprintf(raw, sizeof(raw), "PUT /t/upload HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n800\r\n");
	memset(raw + n, 'u', 2048);
	n += 2048;
	n += snprintf(raw + n, sizeof(raw) - n, "\r\n801\r\n");
	cli_send(fd, raw, n);
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 413);
	assert_true(r.closed || strstr(r.buf, "Connection: close") != NULL);
	close(fd);

	/* Refused before the body: the connection ends. */
	fd = cli_connect();
	n = snprintf(raw, sizeof(raw), "PUT /t/upload HTTP/1.1\r\nHost: h\r\n"
	    "X-Deny: 1\r\nContent-Length: 10\r\n\r\n0123");
	cli_send(fd, raw, n);
	cli_wait(fd, 2, 3, &r);
	assert_int_equal(resp_status(r.buf), 403);
	assert_true(r.closed);
	close(fd);
	srv_settle();
}

static void
test_srv_async(void **state)
{
	struct reply	 r;
	const char	*p;
	int		 fd;

	gone_calls = 0;
	fd = cli_connect();
	SEND(fd, GETH("/t/async"));
	cli_wait(fd, 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 200);
	assert_string_equal(resp_body(r.buf), "{\"when\":\"later\"}\n");
	assert_true(r.secs >= 0.15);
	assert_int_equal(late_reply, 0);
	assert_int_equal(gone_calls, 0);

	/* Pipelined behind a pending request, then answered in turn. */
	SEND(fd, GETH("/t/async") GETH("/t/ok"));
	cli_wait(fd, 2, 3, &r);
	assert_int_equal(resp_count(r.buf, r.len), 2);
	assert_non_null(p = strstr(r.buf, "{\"when\":\"later\"}"));
	assert_non_null(strstr(p, "{\"ok\":true}"));

	/* The client leaves first: the late reply is dropped. */
	SEND(fd, GETH("/t/async"));
	cli_wait(fd, 1, 0.05, &r);
	assert_int_equal(r.len, 0);
	assert_non_null(later_req);
	close(fd);
	srv_settle();
	assert_int_equal(gone_calls, 1);
	cli_wait(-1, 0, 0.4, &r);
	assert_null(later_req);
	assert_int_equal(late_reply, -1);
}

static void
test_srv_gateway_timeout(void **state)
{
	struct reply	r;
	int		fd;

	gone_calls = 0;
	fd = cli_connect();
	SEND(fd, GETH("/t/slow"));
	cli_wait(fd, 1, 4, &r);
	assert_int_equal(resp_status(r.buf), 504);
	assert_true(r.secs > 1.5 && r.secs < 3);
	assert_int_equal(gone_calls, 1);
	close(fd);
	srv_settle();
	evtimer_del(later_ev);
	late_reply = http_reply_error(later_req, 200, "x", "x");
	assert_int_equal(late_reply, -1);
	http_req_unref(later_req);
	later_req = NULL;
}

static void
test_srv_idle(void **state)
{
	struct reply	r;
	int		fd;

	/* Nothing sent: closed quietly after idle_timeout. */
	fd = cli_connect();
	cli_wait(fd, 0, 4, &r);
	assert_true(r.closed);
	assert_int_equal(r.len, 0);
	assert_true(r.secs > 0.8 && r.secs < 2.5);
	close(fd);

	/* Half a request: 408, then closed. */
	fd = cli_connect();
	SEND(fd, "GET /t/ok HTTP/1.1\r\nHo");
	cli_wait(fd, 0, 4, &r);
	assert_true(r.closed);
	assert_int_equal(resp_status(r.buf), 408);
	assert_non_null(strstr(r.buf, "\"code\":\"request_timeout\""));
	assert_true(r.secs > 0.8 && r.secs < 2.5);
	close(fd);
	srv_settle();
}

/* A client that sends a byte now and then still meets request_timeout. */
static void
test_srv_request_timeout(void **state)
{
	static const char	 raw[] = GETH("/t/ok");
	struct reply		 r;
	double			 start = now();
	size_t			 i;
	int			 fd;

	fd = cli_connect();
	for (i = 0; i < sizeof(raw) - 1; i++) {
		cli_send(fd, raw + i, 1);
		cli_wait(fd, 1, 0.5, &r);
		if (r.len > 0 || r.closed)
			break;
	}
	assert_int_equal(resp_status(r.buf), 408);
	assert_true(now() - start > 1.8 && now() - start < 3);
	close(fd);
	srv_settle();
}

static void
test_srv_max_connections(void **state)
{
	struct reply	r;
	int		fd[5], i;

	for (i = 0; i < 4; i++)
		fd[i] = cli_connect();
	cli_wait(-1, 0, 0.2, &r);
	assert_int_equal(server_connections(), 4);
	fd[4] = cli_connect();
	cli_wait(fd[4], 1, 2, &r);
	assert_int_equal(resp_status(r.buf), 503);
	assert_non_null(strstr(r.buf, "\"code\":\"too_many_connections\""));
	assert_int_equal(server_connections(), 4);
	for (i = 0; i < 5; i++)
		close(fd[i]);
	srv_settle();

	/* And room again. */
	fd[0] = cli_connect();
	SEND(fd[0], GETH("/t/ok"));
	cli_wait(fd[0], 1, 3, &r);
	assert_int_equal(resp_status(r.buf), 200);
	close(fd[0]);
	srv_settle();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_request_line_long),
		cmocka_unit_test(test_method_case),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_target_ok),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_header_nul),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_header_values),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_transfer_encoding),
		cmocka_unit_test(test_transfer_encoding_ok),
		cmocka_unit_test(test_chunk_sizes),
		cmocka_unit_test(test_chunk_limits),
		cmocka_unit_test(test_body_length),
		cmocka_unit_test(test_chunked_splits),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_query_get),
		cmocka_unit_test(test_srv_ok),
		cmocka_unit_test(test_srv_routing),
		cmocka_unit_test(test_srv_refusals),
		cmocka_unit_test(test_srv_pipeline),
		cmocka_unit_test(test_srv_continue),
		cmocka_unit_test(test_srv_upload),
		cmocka_unit_test(test_srv_async),
		cmocka_unit_test(test_srv_gateway_timeout),
		cmocka_unit_test(test_srv_idle),
		cmocka_unit_test(test_srv_request_timeout),
		cmocka_unit_test(test_srv_max_connections),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
