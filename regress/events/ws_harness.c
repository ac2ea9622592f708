/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The front end's HTTP server and WebSocket layer alone, for the tests. */

/*
 * ws_harness PORTFILE: listen on 127.0.0.1 (any port, written to
 * PORTFILE), with a frame cap of 4096 bytes, a message cap of 8192 and
 * pings every PCCX_WS_PING seconds (default 30).  Routes, all public:
 *	GET /echo	WebSocket: each message comes back
 *	GET /flood	WebSocket: 64 messages of 1 KiB every 10 ms
 *	GET /refuse	WebSocket route whose handler answers 403
 *	GET /plain	not a WebSocket route
 * Runs until SIGTERM.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "frontd/server.h"
#include "frontd/ws.h"

#define FLOOD_MSGS	64
#define FLOOD_BYTES	1024

static struct event_base	*base;

struct flood {
	struct ws_conn	*ws;
	struct event	*ev;
	uint64_t	 n;
};

static void
echo_message(struct ws_conn *ws, int binary, const uint8_t *d, size_t len,
    void *arg)
{
	ws_send(ws, binary, d, len);
}

static const struct ws_handler echo_handler = { echo_message, NULL, NULL };

static void
echo_open(struct http_req *req)
{
	struct bufferevent	*bev;
	struct ws_conn		*ws;
	const char		*p = getenv("PCCX_WS_PING");

	if ((bev = http_reply_upgrade(req)) == NULL)
		return;
	ws = ws_accept(base, bev, server_limits(), http_req_peer(req),
	    &echo_handler, NULL);
	if (ws != NULL && p != NULL)
		ws_set_ping(ws, atoi(p));
}

static void
flood_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct flood	*f = arg;
	char		 buf[FLOOD_BYTES];
	int		 i;

	for (i = 0; i < FLOOD_MSGS; i++) {
		memset(buf, 'a' + f->n % 26, sizeof(buf));
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->n);
		buf[strlen(buf)] = ' ';
		if (ws_send(f->ws, 0, buf, sizeof(buf)) == -1)
			return;
		f->n++;
	}
}

static void
flood_close(struct ws_conn *ws, uint16_t code, void *arg)
{
	struct flood	*f = arg;

	event_free(f->ev);
	free(f);
}

static const struct ws_handler flood_handler = { NULL, NULL, flood_close };

static void
flood_open(struct http_req *req)
{
	struct bufferevent	*bev;
	struct flood		*f;
	struct timeval		 tv = { 0, 10000 };

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (bev = http_reply_upgrade(req)) == NULL) {
		free(f);
		return;
	}
	f->ev = event_new(base, -1, EV_PERSIST, flood_tick, f);
	if ((f->ws = ws_accept(base, bev, server_limits(),
	    http_req_peer(req), &flood_handler, f)) == NULL) {
		event_free(f->ev);
		free(f);
		return;
	}
	event_add(f->ev, &tv);
}

static void
refuse_open(struct http_req *req)
{
	http_reply_error(req, 403, "forbidden", "not for you");
}

static void
plain_get(struct http_req *req)
{
	http_reply(req, 200, "text/plain", "plain\n", 6);
}

static const struct http_route routes[] = {
	{ "GET", "/echo", ROUTE_PUBLIC | ROUTE_WEBSOCKET, echo_open },
	{ "GET", "/flood", ROUTE_PUBLIC | ROUTE_WEBSOCKET, flood_open },
	{ "GET", "/refuse", ROUTE_PUBLIC | ROUTE_WEBSOCKET, refuse_open },
	{ "GET", "/plain", ROUTE_PUBLIC, plain_get },
};

static void
on_term(evutil_socket_t fd, short ev, void *arg)
{
	ws_shutdown();
	server_shutdown();
	event_base_loopexit(base, NULL);
}

static int
listen_any(const char *portfile)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	FILE			*f;
	int			fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fatal("listen");
	if ((f = fopen(portfile, "w")) == NULL)
		fatal("%s", portfile);
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	return fd;
}

int
main(int argc, char *argv[])
{
	struct p_limits	 lim;
	struct event	*term;

	if (argc != 2)
		fatalx("usage: ws_harness portfile");
	log_init("ws_harness", 1, getenv("PCCX_DEBUG") != NULL ? 2 : 0);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	server_init(base);
	lim = *server_limits();
	lim.ws_frame_bytes = 4096;
	lim.ws_message_bytes = 8192;
	server_set_limits(&lim);
	server_set_routes(routes, sizeof(routes) / sizeof(routes[0]));
	server_count_upgraded(ws_count);
	if (server_listen(listen_any(argv[1]), LISTEN_ANY, 0,
	    "harness") == -1)
		fatalx("server_listen");
	term = evsignal_new(base, SIGTERM, on_term, NULL);
	evsignal_add(term, NULL);
	event_base_dispatch(base);
	event_free(term);
	event_base_free(base);
	return 0;
}
