/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx relay: WireGuard's datagrams to the server over TLS 1.3 on TCP. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/dgram.h"
#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"

#define RELAY_LISTEN	"127.0.0.1:51821"
#define RELAY_IDLE	180	/* seconds without a frame */
#define RELAY_CONNECT	15	/* seconds to connect and shake hands */

/* One relay: the local UDP socket and the TLS stream. */
struct relay {
	struct event_base	*base;
	struct dgram_pipe	 pipe;
	struct event		*ev_udp;
	const char		*server;
	int			 rv;
	int			 up;
};

/* "HOST:PORT" or "[V6]:PORT" into host and port; 0 or -1. */
static int
relay_split(const char *s, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char	*c;
	size_t		 n;

	if (*s == '[') {
		if ((c = strchr(s, ']')) == NULL || c[1] != ':')
			return -1;
		n = c - s - 1;
		s++;
		c++;
	} else {
		if ((c = strrchr(s, ':')) == NULL)
			return -1;
		n = c - s;
	}
	if (n == 0 || n >= hlen || strlen(c + 1) == 0 ||
	    strlen(c + 1) >= plen || strspn(c + 1, "0123456789") !=
	    strlen(c + 1))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	pccx_strlcpy(port, c + 1, plen);
	return 0;
}

/* getaddrinfo for one address; the caller frees it. */
static struct addrinfo *
relay_resolve(const char *hostport, int socktype, int passive)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], port[8];
	int		 e;

	if (relay_split(hostport, host, sizeof(host), port, sizeof(port)) ==
	    -1) {
		log_warnx("%s: not HOST:PORT", hostport);
		return NULL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = socktype;
	hints.ai_flags = passive ? AI_PASSIVE | AI_NUMERICHOST : 0;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_warnx("%s: %s", hostport, gai_strerror(e));
		return NULL;
	}
	return res;
}

/* The UDP socket wireguard-go sends to, bound to a local address. */
static int
relay_udp(const char *listen)
{
	struct addrinfo	*ai;
	int		 fd = -1, sz = 1024 * 1024;

	if ((ai = relay_resolve(listen, SOCK_DGRAM, 1)) == NULL)
		return -1;
	if ((fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		log_warn("relay: %s", listen);
		if (fd != -1)
			close(fd);
		fd = -1;
	} else
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	freeaddrinfo(ai);
	return fd;
}

static void
relay_ssl_warn(const char *what)
{
	unsigned long	e = ERR_get_error();
	char		buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("relay: %s: %s", what, e != 0 ? buf : "failed");
	ERR_clear_error();
}

/*
 * TLS 1.3 only, the device's certificate and key from the state
 * directory, the server checked against the configured CA file (or
 * the system's).
 */
static SSL_CTX *
relay_ctx(const struct client *c)
{
	SSL_CTX	*ctx;
	char	 crt[CLIENT_URLMAX + 16], key[CLIENT_URLMAX + 16];

	snprintf(crt, sizeof(crt), "%s/%s", c->dir, STATE_TLS_CERT);
	snprintf(key, sizeof(key), "%s/%s", c->dir, STATE_TLS_KEY);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		relay_ssl_warn("context");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		relay_ssl_warn("this device has no certificate: run pccx "
		    "login");
		goto fail;
	}
	if ((c->ca_file[0] != '\0' ? SSL_CTX_load_verify_locations(ctx,
	    c->ca_file, NULL) : SSL_CTX_set_default_verify_paths(ctx)) !=
	    1) {
		relay_ssl_warn("server CA");
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
 fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The connection's TLS object, bound to the name or address asked for. */
static SSL *
relay_ssl(SSL_CTX *ctx, const char *server)
{
	char		 host[256], port[8];
	unsigned char	 a[16];
	SSL		*ssl;
	int		 ip;

	if (relay_split(server, host, sizeof(host), port, sizeof(port)) ==
	    -1 || (ssl = SSL_new(ctx)) == NULL)
		return NULL;
	ip = inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
	if (ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    host) != 1 : SSL_set1_host(ssl, host) != 1 ||
	    SSL_set_tlsext_host_name(ssl, host) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static void
relay_on_udp(evutil_socket_t fd, short ev, void *arg)
{
	struct relay	*r = arg;

	dgram_pipe_udp(&r->pipe);
}

static void
relay_on_read(struct bufferevent *bev, void *arg)
{
	struct relay	*r = arg;

	if (dgram_pipe_stream(&r->pipe) == -1) {
		log_warnx("relay: bad frame from the server");
		r->rv = EXIT_REFUSED;
		event_base_loopbreak(r->base);
	}
}

static void
relay_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct relay	*r = arg;
	unsigned long	 e;

	if (what & BEV_EVENT_CONNECTED) {
		r->up = 1;
		log_info("relay: connected to %s", r->server);
		bufferevent_setwatermark(bev, EV_READ, 0, 2 + DGRAM_MAX);
		bufferevent_set_timeouts(bev, &(struct timeval){ RELAY_IDLE,
		    0 }, &(struct timeval){ RELAY_CONNECT, 0 });
		if (event_add(r->ev_udp, NULL) == -1)
			event_base_loopbreak(r->base);
		return;
	}
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (ERR_reason_error_string(e) != NULL)
			log_debug("relay: %s", ERR_reason_error_string(e));
	log_warnx("relay: %s %s", r->server, what & BEV_EVENT_TIMEOUT ?
	    "timed out" : what & BEV_EVENT_EOF ? "closed the connection" :
	    r->up ? "failed" : "refused the connection");
	r->rv = r->up ? EXIT_UNREACH : EXIT_REFUSED;
	event_base_loopbreak(r->base);
}

static void
relay_on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct relay	*r = arg;

	r->rv = EXIT_OK;
	event_base_loopbreak(r->base);
}

/* Connect the stream and run until it ends or a signal comes. */
static int
relay_loop(struct relay *r, SSL *ssl, const struct addrinfo *ai)
{
	struct event	*sigs[2];
	int		 one = 1, i;

	r->pipe.bev = bufferevent_openssl_socket_new(r->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (r->pipe.bev == NULL) {
		SSL_free(ssl);
		return EXIT_REFUSED;
	}
	bufferevent_setcb(r->pipe.bev, relay_on_read, NULL, relay_on_event, r);
	bufferevent_set_timeouts(r->pipe.bev, &(struct timeval){
	    RELAY_CONNECT, 0 }, &(struct timeval){ RELAY_CONNECT, 0 });
	bufferevent_enable(r->pipe.bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(r->pipe.bev, ai->ai_addr,
	    ai->ai_addrlen) == -1) {
		log_warn("relay: connect to %s", r->server);
		return EXIT_UNREACH;
	}
	(void)setsockopt(bufferevent_getfd(r->pipe.bev), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one));
	sigs[0] = evsignal_new(r->base, SIGINT, relay_on_signal, r);
	sigs[1] = evsignal_new(r->base, SIGTERM, relay_on_signal, r);
	for (i = 0; i < 2; i++)
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			fatalx("relay: signals");
	r->rv = EXIT_UNREACH;
	event_base_dispatch(r->base);
	for (i = 0; i < 2; i++)
		event_free(sigs[i]);
	return r->rv;
}

/*
 * relay_run: relay the datagrams that reach the UDP address listen
 * (the local WireGuard's peer endpoint) to server ("HOST:PORT", the
 * suite's fallback listener) over one TLS 1.3 connection with this
 * device's certificate, and back.  Returns an exit code when the
 * connection ends or on SIGINT/SIGTERM (EXIT_OK).
 * XXX: no reconnection: the caller runs it again.  Nor is it yet
 * behind "pccx up --tcp": this tree has no "pccx up".
 */
int
relay_run(struct client *c, const char *listen, const char *server)
{
	struct relay	 r;
	struct addrinfo	*ai = NULL;
	SSL_CTX		*ctx = NULL;
	SSL		*ssl;
	int		 rv = EXIT_REFUSED;

	memset(&r, 0, sizeof(r));
	r.server = server;
	r.pipe.learn = 1;
	if ((r.pipe.udp = relay_udp(listen)) == -1)
		return EXIT_USAGE;
	if ((ai = relay_resolve(server, SOCK_STREAM, 0)) == NULL) {
		rv = EXIT_UNREACH;
		goto done;
	}
	if ((ctx = relay_ctx(c)) == NULL || (ssl = relay_ssl(ctx, server)) ==
	    NULL || (r.base = event_base_new()) == NULL)
		goto done;
	r.ev_udp = event_new(r.base, r.pipe.udp, EV_READ | EV_PERSIST,
	    relay_on_udp, &r);
	if (r.ev_udp == NULL) {
		SSL_free(ssl);
		goto done;
	}
	log_info("relay: WireGuard endpoint %s", listen);
	rv = relay_loop(&r, ssl, ai);
	log_info("relay: %llu datagrams out, %llu in, %llu dropped",
	    (unsigned long long)r.pipe.to_stream,
	    (unsigned long long)r.pipe.to_udp,
	    (unsigned long long)r.pipe.dropped);
 done:
	if (r.ev_udp != NULL)
		event_free(r.ev_udp);
	if (r.pipe.bev != NULL)
		bufferevent_free(r.pipe.bev);
	if (r.base != NULL)
		event_base_free(r.base);
	SSL_CTX_free(ctx);
	if (ai != NULL)
		freeaddrinfo(ai);
	close(r.pipe.udp);
	return rv;
}

/* cmd_relay: pccx relay [--listen ADDR:PORT] SERVER:PORT. */
int
cmd_relay(struct client *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*listen = RELAY_LISTEN;
	int				 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		if (ch != 'l')
			return EXIT_USAGE;
		listen = optarg;
	}
	if (argc - optind != 1)
		return EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN);
	return relay_run(c, listen, argv[optind]);
}
