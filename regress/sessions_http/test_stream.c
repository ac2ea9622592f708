/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Streamed replies of the front end's server: chunks, back-pressure, gone. */

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
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "common/log.h"
#include "frontd/server.h"

#define BIG_TOTAL	(4 * 1024 * 1024)
#define BIG_PIECE	8192
#define BIG_BOUND	(64 * 1024)

static const struct p_limits tlim = {
	.request_line = 256,
	.header_count = 8,
	.header_bytes = 1024,
	.body_bytes = 1024,
	.upload_bytes = 4096,
	.idle_timeout = 5,
	.request_timeout = 2,
	.ws_frame_bytes = 1024,
	.ws_message_bytes = 1024,
	.max_connections = 8,
	.feeds_per_user = 1,
};

static struct event_base	*base;
static int			 port;

/* What the streaming handlers saw. */
static struct {
	struct http_req	*req;
	struct event	*tick;
	int		 step;
	size_t		 sent;
	size_t		 max_pending;
	int		 drains;
	int		 gone;
	int		 chunk_after_gone;
} st;

static double
now(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* /t/three: three chunks, one per tick, then the end. */
static void
three_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	tv = { 0, 20000 };
	char		line[32];

	if (st.step == 3) {
		http_reply_end(st.req);
		http_req_unref(st.req);
		st.req = NULL;
		return;
	}
	snprintf(line, sizeof(line), "{\"n\":%d}\n", st.step++);
	http_reply_chunk(st.req, line, strlen(line));
	evtimer_add(st.tick, &tv);
}

static void
h_three(struct http_req *req)
{
	struct timeval	tv = { 0, 20000 };

	assert_int_equal(http_reply_start(req, 200, "application/x-ndjson"),
	    0);
	assert_int_equal(http_reply(req, 200, "text/plain", "x", 1), -1);
	http_req_ref(req);
	st.req = req;
	st.step = 0;
	evtimer_add(st.tick, &tv);
}

static void
h_plain(struct http_req *req)
{
	http_reply(req, 200, "text/plain", "plain\n", 6);
}

/* /t/big: BIG_TOTAL bytes, never more than BIG_BOUND queued. */
static void
big_fill(struct http_req *req)
{
	static char	piece[BIG_PIECE];

	memset(piece, 'z', sizeof(piece));
	while (st.sent < BIG_TOTAL && http_reply_pending(req) < BIG_BOUND) {
		if (http_reply_chunk(req, piece, sizeof(piece)) == -1)
			return;
		st.sent += sizeof(piece);
		if (http_reply_pending(req) > st.max_pending)
			st.max_pending = http_reply_pending(req);
	}
	if (st.sent == BIG_TOTAL) {
		http_reply_on_drain(req, NULL, NULL);
		http_reply_end(req);
	}
}

static void
big_drain(struct http_req *req, void *arg)
{
	st.drains++;
	big_fill(req);
}

static void
h_big(struct http_req *req)
{
	st.sent = 0;
	st.max_pending = 0;
	st.drains = 0;
	http_reply_start(req, 200, "application/octet-stream");
	http_reply_on_drain(req, big_drain, NULL);
	big_fill(req);
}

/* /t/forever: one chunk, then waits; the client goes away. */
static void
forever_gone(struct http_req *req, void *arg)
{
	st.gone++;
	st.chunk_after_gone = http_reply_chunk(req, "x", 1);
	http_req_unref(req);
	st.req = NULL;
}

static void
h_forever(struct http_req *req)
{
	st.gone = 0;
	http_reply_start(req, 200, "text/plain");
	http_reply_chunk(req, "first\n", 6);
	http_req_ref(req);
	st.req = req;
	http_req_on_gone(req, forever_gone, NULL);
}

static const struct http_route routes[] = {
	{ "GET", "/t/three", 0, h_three },
	{ "GET", "/t/plain", 0, h_plain },
	{ "GET", "/t/big", 0, h_big },
	{ "GET", "/t/forever", 0, h_forever },
};

static int
group_setup(void **state)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	log_init("test_stream", 1, getenv("TEST_VERBOSE") != NULL);
	if ((base = event_base_new()) == NULL)
		return -1;
	if ((st.tick = evtimer_new(base, three_tick, NULL)) == NULL)
		return -1;
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
	return server_listen(fd, LISTEN_ANY, 0, "test");
}

static int
group_teardown(void **state)
{
	server_shutdown();
	event_free(st.tick);
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
cli_send(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL),
	    (ssize_t)strlen(s));
}

/* Run the server for secs. */
static void
spin(double secs)
{
	double	start = now();

	while (now() - start < secs)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/*
 * Read into buf (size bytes) until it holds want, the server closes,
 * or secs pass; the bytes read, and *closed.
 */
static size_t
cli_read(int fd, char *buf, size_t size, const char *want, double secs,
    int *closed)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	double		start = now();
	size_t		len = 0;
	ssize_t		n;

	*closed = 0;
	buf[0] = '\0';
	while (now() - start < secs && len < size - 1) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 2) < 1)
			continue;
		if ((n = read(fd, buf + len, size - 1 - len)) <= 0) {
			*closed = 1;
			break;
		}
		len += n;
		buf[len] = '\0';
		if (want != NULL && strstr(buf, want) != NULL)
			break;
	}
	return len;
}

/* Chunks as they come, the last chunk, then the next request. */
static void
test_chunks(void **state)
{
	char	buf[4096];
	int	fd, closed;

	fd = cli_connect();
	cli_send(fd, "GET /t/three HTTP/1.1\r\nHost: t\r\n\r\n");
	cli_read(fd, buf, sizeof(buf), "{\"n\":0}", 2, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	assert_non_null(strstr(buf, "Transfer-Encoding: chunked\r\n"));
	assert_null(strstr(buf, "Content-Length"));
	assert_non_null(strstr(buf, "\r\n\r\n8\r\n{\"n\":0}\n\r\n"));
	assert_null(strstr(buf, "{\"n\":1}"));	/* not yet made */
	cli_read(fd, buf, sizeof(buf), "0\r\n\r\n", 2, &closed);
	assert_string_equal(buf, "8\r\n{\"n\":1}\n\r\n8\r\n{\"n\":2}\n\r\n"
	    "0\r\n\r\n");
	assert_int_equal(closed, 0);
	cli_send(fd, "GET /t/plain HTTP/1.1\r\nHost: t\r\n\r\n");
	cli_read(fd, buf, sizeof(buf), "plain\n", 2, &closed);
	assert_non_null(strstr(buf, "Content-Length: 6\r\n"));
	close(fd);
	spin(0.05);
}

/* HTTP/1.0: no chunk framing, the end closes the connection. */
static void
test_http10(void **state)
{
	char	buf[4096];
	int	fd, closed;

	fd = cli_connect();
	cli_send(fd, "GET /t/three HTTP/1.0\r\n\r\n");
	cli_read(fd, buf, sizeof(buf), NULL, 2, &closed);
	assert_int_equal(closed, 1);
	assert_null(strstr(buf, "Transfer-Encoding"));
	assert_non_null(strstr(buf, "\r\n\r\n{\"n\":0}\n{\"n\":1}\n"
	    "{\"n\":2}\n"));
	close(fd);
	spin(0.05);
}

/* A client that does not read holds the producer at its bound. */
static void
test_backpressure(void **state)
{
	char	*buf;
	size_t	 len, body, i, n;
	int	 fd, closed;
	char	*p, *end;

	fd = cli_connect();
	cli_send(fd, "GET /t/big HTTP/1.1\r\nHost: t\r\n\r\n");
	spin(0.3);
	assert_true(st.sent < BIG_TOTAL);
	assert_true(st.max_pending < BIG_BOUND + BIG_PIECE + 64);
	buf = malloc(BIG_TOTAL + 65536);
	assert_non_null(buf);
	len = cli_read(fd, buf, BIG_TOTAL + 65536, "\r\n0\r\n\r\n", 10,
	    &closed);
	assert_int_equal(st.sent, BIG_TOTAL);
	assert_true(st.drains > 1);
	p = strstr(buf, "\r\n\r\n");
	assert_non_null(p);
	p += 4;
	end = buf + len;
	for (body = 0; p < end; p += n + 2) {
		n = strtoul(p, &p, 16);
		assert_true(p + 2 <= end && memcmp(p, "\r\n", 2) == 0);
		p += 2;
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			assert_true(p[i] == 'z');
		body += n;
	}
	assert_int_equal(body, BIG_TOTAL);
	free(buf);
	close(fd);
	spin(0.05);
}

/* The client goes away mid-stream: gone runs, chunks are refused. */
static void
test_gone(void **state)
{
	char	buf[4096];
	int	fd, closed;

	fd = cli_connect();
	cli_send(fd, "GET /t/forever HTTP/1.1\r\nHost: t\r\n\r\n");
	cli_read(fd, buf, sizeof(buf), "first\n", 2, &closed);
	assert_non_null(strstr(buf, "6\r\nfirst\n\r\n"));
	assert_int_equal(st.gone, 0);
	close(fd);
	spin(0.2);
	assert_int_equal(st.gone, 1);
	assert_int_equal(st.chunk_after_gone, -1);
	assert_int_equal(server_connections(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_http10),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_gone),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
