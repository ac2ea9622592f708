/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx relay: WireGuard's datagrams to the server over TLS 1.3 on TCP. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <fcntl.h>
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
#define RELAY_WAITMAX	30	/* seconds between attempts, at most */
#define RELAY_LOG	"relay.log"

/* One relay: the local UDP socket and the TLS stream. */
struct relay {
	struct event_base	*base;
	struct dgram_pipe	 pipe;
	struct event		*ev_udp;
	struct event		*ev_retry;
	struct event		*ev_sig[2];
	SSL_CTX			*ctx;
	struct addrinfo		*ai;
	const char		*server;
	int			 retry;	/* again after an end */
	int			 wait;	/* seconds to the next try */
	int			 rv;
	int			 up;
};

static void	relay_connect(struct relay *);

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

/*
 * The stream ended: without retry the loop ends with rv; with it, the
 * next attempt comes after a wait that doubles with each failure up
 * to RELAY_WAITMAX, and starts again at one second once a connection
 * was up.  Datagrams wait in the UDP socket meanwhile.
 * XXX: a refusal (a revoked device, a logout) looks like any other
 * end here, since the server just closes after the handshake: the
 * relay keeps trying, every 30 s, until pccx down ends it.
 */
static void
relay_drop(struct relay *r, int rv)
{
	struct timeval	tv = { 0, 0 };

	event_del(r->ev_udp);
	if (r->pipe.bev != NULL)
		bufferevent_free(r->pipe.bev);
	r->pipe.bev = NULL;
	if (!r->retry) {
		r->rv = rv;
		event_base_loopbreak(r->base);
		return;
	}
	if (r->up)
		r->wait = 1;
	r->up = 0;
	tv.tv_sec = r->wait;
	log_info("relay: connecting again in %d s", r->wait);
	if (evtimer_add(r->ev_retry, &tv) == -1)
		fatalx("relay: timer");
	r->wait = r->wait * 2 > RELAY_WAITMAX ? RELAY_WAITMAX : r->wait * 2;
}

static void
relay_on_read(struct bufferevent *bev, void *arg)
{
	struct relay	*r = arg;

	if (dgram_pipe_stream(&r->pipe) == -1) {
		log_warnx("relay: bad frame from the server");
		relay_drop(r, EXIT_REFUSED);
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
			fatalx("relay: udp event");
		return;
	}
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (ERR_reason_error_string(e) != NULL)
			log_debug("relay: %s", ERR_reason_error_string(e));
	log_warnx("relay: %s %s", r->server, what & BEV_EVENT_TIMEOUT ?
	    "timed out" : what & BEV_EVENT_EOF ? "closed the connection" :
	    r->up ? "failed" : "refused the connection");
	relay_drop(r, r->up ? EXIT_UNREACH : EXIT_REFUSED);
}

static void
relay_on_retry(evutil_socket_t fd, short ev, void *arg)
{
	relay_connect(arg);
}

static void
relay_on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct relay	*r = arg;
	SSL		*ssl;

	/* A close_notify: the server sees the end, not an error. */
	if (r->up && (ssl = bufferevent_openssl_get_ssl(r->pipe.bev)) !=
	    NULL)
		(void)SSL_shutdown(ssl);
	r->rv = EXIT_OK;
	event_base_loopbreak(r->base);
}

/* Start one attempt: TCP, then the TLS handshake, both in the loop. */
static void
relay_connect(struct relay *r)
{
	SSL	*ssl;
	int	 one = 1;

	if ((ssl = relay_ssl(r->ctx, r->server)) == NULL) {
		relay_drop(r, EXIT_REFUSED);
		return;
	}
	r->pipe.bev = bufferevent_openssl_socket_new(r->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (r->pipe.bev == NULL) {
		SSL_free(ssl);
		relay_drop(r, EXIT_REFUSED);
		return;
	}
	bufferevent_setcb(r->pipe.bev, relay_on_read, NULL, relay_on_event, r);
	bufferevent_set_timeouts(r->pipe.bev, &(struct timeval){
	    RELAY_CONNECT, 0 }, &(struct timeval){ RELAY_CONNECT, 0 });
	bufferevent_enable(r->pipe.bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(r->pipe.bev, r->ai->ai_addr,
	    r->ai->ai_addrlen) == -1) {
		log_warn("relay: connect to %s", r->server);
		relay_drop(r, EXIT_UNREACH);
		return;
	}
	(void)setsockopt(bufferevent_getfd(r->pipe.bev), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one));
}

/*
 * What can be had before a fork: the UDP socket, the server's address
 * and the TLS context with this device's certificate.  Each failure
 * is said on one line.  An exit code.
 */
static int
relay_prepare(struct client *c, struct relay *r, const char *listen,
    const char *server)
{
	memset(r, 0, sizeof(*r));
	r->server = server;
	r->pipe.learn = 1;
	r->wait = 1;
	if ((r->pipe.udp = relay_udp(listen)) == -1)
		return EXIT_USAGE;
	if ((r->ai = relay_resolve(server, SOCK_STREAM, 0)) == NULL)
		return EXIT_UNREACH;
	if ((r->ctx = relay_ctx(c)) == NULL)
		return EXIT_REFUSED;
	return EXIT_OK;
}

static void
relay_cleanup(struct relay *r)
{
	int	i;

	if (r->pipe.bev != NULL)
		bufferevent_free(r->pipe.bev);
	for (i = 0; i < 2; i++)
		if (r->ev_sig[i] != NULL)
			event_free(r->ev_sig[i]);
	if (r->ev_udp != NULL)
		event_free(r->ev_udp);
	if (r->ev_retry != NULL)
		event_free(r->ev_retry);
	if (r->base != NULL)
		event_base_free(r->base);
	SSL_CTX_free(r->ctx);
	if (r->ai != NULL)
		freeaddrinfo(r->ai);
	if (r->pipe.udp != -1)
		close(r->pipe.udp);
}

/* The event loop: run until the stream ends (without retry) or a signal. */
static int
relay_serve(struct relay *r)
{
	int	i;

	if ((r->base = event_base_new()) == NULL ||
	    (r->ev_udp = event_new(r->base, r->pipe.udp, EV_READ |
	    EV_PERSIST, relay_on_udp, r)) == NULL ||
	    (r->ev_retry = evtimer_new(r->base, relay_on_retry, r)) == NULL)
		fatalx("relay: events");
	r->ev_sig[0] = evsignal_new(r->base, SIGINT, relay_on_signal, r);
	r->ev_sig[1] = evsignal_new(r->base, SIGTERM, relay_on_signal, r);
	for (i = 0; i < 2; i++)
		if (r->ev_sig[i] == NULL || evsignal_add(r->ev_sig[i],
		    NULL) == -1)
			fatalx("relay: signals");
	log_info("relay: WireGuard endpoint on udp fd %d, server %s",
	    r->pipe.udp, r->server);
	r->rv = EXIT_UNREACH;
	relay_connect(r);
	event_base_dispatch(r->base);
	log_info("relay: %llu datagrams out, %llu in, %llu dropped",
	    (unsigned long long)r->pipe.to_stream,
	    (unsigned long long)r->pipe.to_udp,
	    (unsigned long long)r->pipe.dropped);
	return r->rv;
}

/*
 * relay_run: relay the datagrams that reach the UDP address listen
 * (the local WireGuard's peer endpoint) to server ("HOST:PORT", the
 * suite's fallback listener) over one TLS 1.3 connection with this
 * device's certificate, and back.  Returns an exit code when the
 * connection ends or on SIGINT/SIGTERM (EXIT_OK).  pccx up --tcp
 * runs the same relay in the background, connecting again.
 */
int
relay_run(struct client *c, const char *listen, const char *server)
{
	struct relay	r;
	int		rv;

	if ((rv = relay_prepare(c, &r, listen, server)) == EXIT_OK)
		rv = relay_serve(&r);
	relay_cleanup(&r);
	return rv;
}

/* The background relay's descriptors: no terminal, a log file. */
static void
relay_detach(struct client *c)
{
	char	path[CLIENT_URLMAX + 16];
	int	fd;

	if (setsid() == -1)
		_exit(EXIT_REFUSED);
	snprintf(path, sizeof(path), "%s/%s", c->dir, RELAY_LOG);
	if ((fd = open("/dev/null", O_RDWR)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		_exit(EXIT_REFUSED);
	close(fd);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) != -1) {
		(void)dup2(fd, STDERR_FILENO);
		close(fd);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

/*
 * relay_spawn: the relay of pccx up --tcp, to server, in a detached
 * child that connects again (bounded backoff) whenever the connection
 * drops and ends on SIGTERM; its log goes to relay.log in the state
 * directory.  The UDP socket is bound to a free loopback port, put
 * in *port.  Everything that can fail is checked before the fork and
 * said on one line.  The child's pid, or -1.
 */
pid_t
relay_spawn(struct client *c, const char *server, unsigned *port)
{
	struct relay		 r;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	pid_t			 pid = -1;

	if (relay_prepare(c, &r, "127.0.0.1:0", server) != EXIT_OK)
		goto done;
	if (getsockname(r.pipe.udp, (struct sockaddr *)&sin, &sl) == -1) {
		log_warn("relay: udp socket");
		goto done;
	}
	*port = ntohs(sin.sin_port);
	fflush(NULL);
	if ((pid = fork()) == -1) {
		log_warn("relay: fork");
		goto done;
	}
	if (pid == 0) {
		relay_detach(c);
		r.retry = 1;
		_exit(relay_serve(&r));
	}
 done:
	relay_cleanup(&r);
	return pid;
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
