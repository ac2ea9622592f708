/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A closed-loop HTTP/1.1 load client that signs every request it sends. */

/*
 * bench_load -p PORT [-H HOST] [-c CONNS] [-d SECONDS] [-w WARMUP]
 *     [-m METHOD] [-u PATH] [-b BODY] [-s SESSIONS] [-R] [-P COUNT]
 *
 * CONNS keep-alive connections each send one request, wait for its
 * answer and send the next, for WARMUP + SECONDS seconds; only the
 * answers to requests sent after the warm-up count.  With -s, every
 * request carries the token and device key of a session from the file
 * SESSIONS (lines "TOKEN SEED KEYID WGKEY", SEED the base64url
 * Ed25519 seed of the login key; connection i uses line i modulo the
 * count) and is signed with RFC 9421 over @method, @target-uri and
 * content-digest, with a fresh nonce and created time.  With -R each
 * connection needs a session of its own: the answer's "token" replaces
 * the connection's token (POST /v1/auth/refresh).  With -P, each
 * connection signs COUNT requests before the clock starts (each with
 * its own nonce, created a few seconds before it is sent, well inside
 * the server's replay window) and signs more as it goes only when
 * those run out; the signature does not cover the token, so a
 * refreshed token goes with a signature made ahead all the same.  The
 * result is one line: requests, errors, seconds, rps, p50 and p99 in
 * milliseconds, every answer including the warm-up's, the client's
 * own CPU time per answer in microseconds, and how many requests went
 * with a signature made ahead and how many were signed on the way.
 */

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "regress/authz/client.h"

#define LOAD_TOKENMAX	4096
#define LOAD_HEADMAX	16384
#define LOAD_MAXCONNS	1024
#define LOAD_SIGSLOT	512		/* one request's signature fields */

/* A login: its token, its signing key, its thumbprint, its device. */
struct load_session {
	char		 token[LOAD_TOKENMAX];
	unsigned char	 sk[crypto_sign_SECRETKEYBYTES];
	char		 keyid[128];
	char		 wg[128];
};

/* One keep-alive connection and the request it has in flight. */
struct load_conn {
	struct bufferevent	*bev;
	struct load_session	*s;
	uint64_t		 sent;		/* us, monotonic */
	int			 busy;
	char			*pre;		/* signatures made ahead */
	size_t			 npre, ipre;
};

static struct event_base	*base;
static struct sockaddr_in	 sin;
static const char		*host = "127.0.0.1";
static const char		*method = "GET";
static const char		*path = "/v1/health";
static const char		*body = "";
static char			 hostport[128];
static struct load_session	*sessions;
static size_t			 nsessions;
static int			 refresh;
static uint64_t			 t_count, t_end;
static uint32_t			*lat;
static size_t			 nlat, lat_cap;
static uint64_t			 nerrors, nbusy, nanswered;
static uint64_t			 npresigned, nlivesigned;
static size_t			 presign;

static void	load_send(struct load_conn *);
static void	load_open(struct load_conn *);

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
load_record(uint64_t sent, uint64_t now)
{
	if (sent < t_count || now > t_end)
		return;
	if (nlat == lat_cap) {
		lat_cap = lat_cap ? lat_cap * 2 : 65536;
		if ((lat = reallocarray(lat, lat_cap, sizeof(*lat))) == NULL)
			err(1, "latencies");
	}
	lat[nlat++] = now - sent > UINT32_MAX ? UINT32_MAX : now - sent;
}

/* The three signature fields of one request of lc, into dst. */
static void
load_sign(struct load_conn *lc, char *dst, size_t size)
{
	struct client_req	 r;
	struct client_sig	 cs;
	unsigned char		 raw[18];
	char			 nonce[32], uri[512];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(nonce, sizeof(nonce), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(uri, sizeof(uri), "http://%s%s", hostport, path);
	memset(&r, 0, sizeof(r));
	r.method = method;
	r.target_uri = uri;
	r.body = (const unsigned char *)body;
	r.bodylen = strlen(body);
	r.created = time(NULL);
	r.nonce = nonce;
	r.keyid = lc->s->keyid;
	if (client_sign(&r, lc->s->sk, &cs) == -1 ||
	    (size_t)snprintf(dst, size, "Content-Digest: %s\r\n"
	    "Signature-Input: %s\r\nSignature: %s\r\n", cs.content_digest,
	    cs.signature_input, cs.signature) >= size)
		errx(1, "request does not fit");
}

/* Sign presign requests of lc ahead of the clock. */
static void
load_presign(struct load_conn *lc)
{
	size_t	i;

	if (lc->s == NULL || presign == 0)
		return;
	if ((lc->pre = calloc(presign, LOAD_SIGSLOT)) == NULL)
		err(1, "signatures");
	for (i = 0; i < presign; i++)
		load_sign(lc, lc->pre + i * LOAD_SIGSLOT, LOAD_SIGSLOT);
	lc->npre = presign;
}

/* Sign (or take a signature made ahead) and queue the next request. */
static void
load_send(struct load_conn *lc)
{
	struct evbuffer		*out = bufferevent_get_output(lc->bev);
	char			 sig[LOAD_SIGSLOT];
	const char		*p;
	size_t			 blen = strlen(body);

	evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", method,
	    path, hostport);
	if (lc->s != NULL) {
		evbuffer_add_printf(out, "Authorization: Bearer %s\r\n"
		    "X-Device-Key: %s\r\n", lc->s->token, lc->s->wg);
		if (lc->ipre < lc->npre) {
			p = lc->pre + lc->ipre++ * LOAD_SIGSLOT;
			evbuffer_add(out, p, strlen(p));
			npresigned++;
		} else {
			load_sign(lc, sig, sizeof(sig));
			evbuffer_add(out, sig, strlen(sig));
			nlivesigned++;
		}
	}
	if (blen > 0 || strcmp(method, "POST") == 0)
		evbuffer_add_printf(out, "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n", blen);
	evbuffer_add_printf(out, "\r\n%s", body);
	lc->busy = 1;
	lc->sent = now_us();
}

/* The new token of a refresh answer, if there is one. */
static void
load_take_token(struct load_conn *lc, const char *b, size_t n)
{
	const char	*p, *e;
	static const char key[] = "\"token\":\"";

	if (lc->s == NULL || (p = memmem(b, n, key, sizeof(key) - 1)) == NULL)
		return;
	p += sizeof(key) - 1;
	if ((e = memchr(p, '"', n - (p - b))) == NULL ||
	    (size_t)(e - p) >= sizeof(lc->s->token))
		return;
	memcpy(lc->s->token, p, e - p);
	lc->s->token[e - p] = '\0';
}

/* Length of the head, status and Content-Length; 0 while incomplete. */
static size_t
load_head(struct evbuffer *in, int *status, size_t *clen, int *close)
{
	struct evbuffer_ptr	 p;
	char			*h, *l;
	size_t			 n;

	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos < 0) {
		if (evbuffer_get_length(in) > LOAD_HEADMAX)
			errx(1, "answer head too long");
		return 0;
	}
	n = p.pos + 4;
	if ((h = malloc(n + 1)) == NULL)
		err(1, "head");
	evbuffer_copyout(in, h, n);
	h[n] = '\0';
	*status = strncmp(h, "HTTP/1.1 ", 9) == 0 ? atoi(h + 9) : 0;
	*clen = 0;
	*close = 0;
	for (l = strstr(h, "\r\n"); l != NULL; l = strstr(l + 2, "\r\n")) {
		if (strncasecmp(l + 2, "content-length:", 15) == 0)
			*clen = strtoul(l + 17, NULL, 10);
		else if (strncasecmp(l + 2, "connection: close", 17) == 0)
			*close = 1;
		else if (strncasecmp(l + 2, "transfer-encoding:", 18) == 0)
			errx(1, "chunked answers are not read here");
	}
	free(h);
	return n;
}

static void
load_read(struct bufferevent *bev, void *arg)
{
	struct load_conn	*lc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 hl, clen;
	int			 status, close;
	char			*b;
	uint64_t		 now;

	while ((hl = load_head(in, &status, &clen, &close)) > 0 &&
	    evbuffer_get_length(in) >= hl + clen) {
		now = now_us();
		nanswered++;
		evbuffer_drain(in, hl);
		if ((b = malloc(clen + 1)) == NULL)
			err(1, "body");
		evbuffer_remove(in, b, clen);
		b[clen] = '\0';
		if (status == 200) {
			load_record(lc->sent, now);
			if (refresh)
				load_take_token(lc, b, clen);
		} else if (lc->sent >= t_count && now <= t_end) {
			if (nerrors++ < 3)
				warnx("status %d: %s", status, b);
			if (status == 429 || status == 503)
				nbusy++;
		}
		free(b);
		lc->busy = 0;
		if (close) {
			bufferevent_free(lc->bev);
			load_open(lc);
			return;
		}
		if (now < t_end)
			load_send(lc);
	}
}

static void
load_event(struct bufferevent *bev, short what, void *arg)
{
	struct load_conn	*lc = arg;

	if (what & BEV_EVENT_CONNECTED) {
		int	one = 1;

		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof(one));
		if (now_us() < t_end)
			load_send(lc);
		return;
	}
	if (lc->busy && lc->sent >= t_count && now_us() <= t_end)
		nerrors++;
	lc->busy = 0;
	bufferevent_free(bev);
	lc->bev = NULL;
	if (now_us() < t_end)
		load_open(lc);
}

static void
load_open(struct load_conn *lc)
{
	lc->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (lc->bev == NULL)
		errx(1, "bufferevent");
	bufferevent_setcb(lc->bev, load_read, NULL, load_event, lc);
	bufferevent_enable(lc->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(lc->bev, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1)
		errx(1, "connect");
}

static void
load_stop(evutil_socket_t fd, short ev, void *arg)
{
	event_base_loopexit(base, NULL);
}

static void
load_sessions(const char *file)
{
	FILE			*f;
	char			 line[LOAD_TOKENMAX + 512], seed[64];
	unsigned char		 raw[32], pk[crypto_sign_PUBLICKEYBYTES];
	struct load_session	*s;
	size_t			 n;

	if ((f = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((sessions = reallocarray(sessions, nsessions + 1,
		    sizeof(*sessions))) == NULL)
			err(1, "sessions");
		s = &sessions[nsessions];
		if (sscanf(line, "%4095s %63s %127s %127s", s->token, seed,
		    s->keyid, s->wg) != 4 ||
		    sodium_base642bin(raw, sizeof(raw), seed, strlen(seed),
		    NULL, &n, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
		    n != sizeof(raw))
			errx(1, "%s: line %zu is not a session", file,
			    nsessions + 1);
		crypto_sign_seed_keypair(pk, s->sk, raw);
		nsessions++;
	}
	fclose(f);
	if (nsessions == 0)
		errx(1, "%s: no session", file);
}

static int
load_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
load_pct(double p)
{
	size_t	i;

	if (nlat == 0)
		return 0;
	i = (size_t)(p * nlat);
	return lat[i < nlat ? i : nlat - 1] / 1000.0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_load -p port [-H host] [-c conns] "
	    "[-d seconds] [-w warmup] [-m method] [-u path] [-b body] "
	    "[-s sessions] [-R] [-P count]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct load_conn	*conns;
	struct event		*stop;
	struct timeval		 tv;
	struct rusage		 ru;
	double			 cpu, cpu0;
	double			 secs = 5, warm = 1;
	int			 ch, i, nconns = 64, port = 0;

	while ((ch = getopt(argc, argv, "b:c:d:H:m:P:p:Rs:u:w:")) != -1) {
		switch (ch) {
		case 'b':
			body = optarg;
			break;
		case 'c':
			nconns = atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'H':
			host = optarg;
			break;
		case 'm':
			method = optarg;
			break;
		case 'P':
			presign = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'R':
			refresh = 1;
			break;
		case 's':
			load_sessions(optarg);
			break;
		case 'u':
			path = optarg;
			break;
		case 'w':
			warm = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || port > 65535 || nconns < 1 ||
	    nconns > LOAD_MAXCONNS || secs <= 0 || secs > 60 || warm < 0 ||
	    warm > 10)
		usage();
	if (refresh && nsessions < (size_t)nconns)
		errx(1, "-R needs a session per connection");
	if (sodium_init() == -1)
		errx(1, "sodium_init");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		errx(1, "%s: not an IPv4 address", host);
	snprintf(hostport, sizeof(hostport), "%s:%d", host, port);

	if ((base = event_base_new()) == NULL ||
	    (conns = calloc(nconns, sizeof(*conns))) == NULL)
		errx(1, "setup");
	if (presign > 100000)
		usage();
	for (i = 0; i < nconns; i++) {
		conns[i].s = nsessions ? &sessions[i % nsessions] : NULL;
		load_presign(&conns[i]);
	}
	/* The signing ahead is not the load's CPU time. */
	getrusage(RUSAGE_SELF, &ru);
	cpu0 = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
	t_count = now_us() + (uint64_t)(warm * 1e6);
	t_end = t_count + (uint64_t)(secs * 1e6);
	for (i = 0; i < nconns; i++)
		load_open(&conns[i]);
	/* Answers still in flight at the end get one more second. */
	tv.tv_sec = (time_t)(warm + secs) + 1;
	tv.tv_usec = (suseconds_t)((warm + secs - (int)(warm + secs)) * 1e6);
	stop = evtimer_new(base, load_stop, NULL);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);

	qsort(lat, nlat, sizeof(*lat), load_cmp);
	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec - cpu0;
	printf("requests %zu errors %llu busy %llu seconds %.2f rps %.0f "
	    "p50_ms %.3f p99_ms %.3f answered %llu client_cpu_us %.1f "
	    "presigned %llu signed_live %llu\n",
	    nlat, (unsigned long long)nerrors, (unsigned long long)nbusy,
	    secs, nlat / secs, load_pct(0.50), load_pct(0.99),
	    (unsigned long long)nanswered,
	    nanswered ? cpu / nanswered : 0,
	    (unsigned long long)npresigned, (unsigned long long)nlivesigned);
	return nlat > 0 && nerrors == 0 ? 0 : 1;
}
