/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The TLS 1.3 fallback: WireGuard datagrams from devices over TCP. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/child.h"
#include "common/dgram.h"
#include "common/log.h"
#include "common/pem.h"
#include "common/util.h"
#include "proto/audit.h"
#include "tunneld.h"

/* handshakes one host may have going at once */
#define RELAY_PENDING_PER_HOST	8

/* One client of the fallback listener. */
struct relay_conn {
	TAILQ_ENTRY(relay_conn)	 entry;
	struct dgram_pipe	 pipe;
	struct event		*ev_udp;
	struct event		*ev_hs;		/* handshake deadline */
	struct sockaddr_storage	 ss;
	char			 addr[INET6_ADDRSTRLEN + 8];
	char			 device[TUNNEL_IDMAX];
	uint64_t		 bytes_in, bytes_out;	/* on the stream */
	int			 authed;
	int			 audit;	/* a refusal worth a row */
};
TAILQ_HEAD(relay_conns, relay_conn);

static struct {
	SSL_CTX			*ctx;
	struct event_base	*base;
	struct event		*ev_accept;
	struct relay_conns	 conns;
	struct relay_conf	 conf;
	unsigned		 nconns;
	struct relay_stats	 st;
} relay = { .conns = TAILQ_HEAD_INITIALIZER(relay.conns) };

static void	relay_on_accept(evutil_socket_t, short, void *);
static int	relay_same_host(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
static void	relay_on_event(struct bufferevent *, short, void *);
static void	relay_on_read(struct bufferevent *, void *);
static void	relay_on_udp(evutil_socket_t, short, void *);

static void
relay_ssl_warn(const char *what)
{
	unsigned long	e = ERR_get_error();
	char		buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("fallback: %s: %s", what, e != 0 ? buf : "failed");
	ERR_clear_error();
}

/* The server certificate, its chain and key from PEM text. */
static int
relay_ctx_identity(SSL_CTX *ctx, const struct relay_conf *c)
{
	BIO		*b;
	EVP_PKEY	*k;
	int		 rv = -1;

	if ((b = BIO_new_mem_buf(c->cert, c->certlen)) == NULL)
		return -1;
	if (pem_load_chain(ctx, b) == -1)
		goto done;
	BIO_free(b);
	if ((b = BIO_new_mem_buf(c->key, c->keylen)) == NULL)
		return -1;
	if ((k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL)
		goto done;
	if (SSL_CTX_use_PrivateKey(ctx, k) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		rv = 0;
	EVP_PKEY_free(k);
 done:
	BIO_free(b);
	return rv;
}

/* The device CA: the only issuer whose certificates are taken. */
static int
relay_ctx_ca(SSL_CTX *ctx, const struct relay_conf *c)
{
	X509_STORE	*st = SSL_CTX_get_cert_store(ctx);
	BIO		*b;
	X509		*x;
	int		 n = 0;

	if ((b = BIO_new_mem_buf(c->ca, c->calen)) == NULL)
		return -1;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(st, x) == 1)
			n++;
		X509_free(x);
	}
	ERR_clear_error();
	BIO_free(b);
	return n > 0 ? 0 : -1;
}

/*
 * relay_init: build the TLS 1.3 context (server identity, device CA,
 * client certificates required) while the files can still be read.
 * Called from setup(); 0, or -1 with a warning.
 */
int
relay_init(const struct relay_conf *c)
{
	SSL_CTX	*ctx;

	relay.conf = *c;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		relay_ssl_warn("context");
		SSL_CTX_free(ctx);
		return -1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 2);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	if (relay_ctx_identity(ctx, c) == -1) {
		relay_ssl_warn("server certificate or key");
		SSL_CTX_free(ctx);
		return -1;
	}
	if (relay_ctx_ca(ctx, c) == -1) {
		relay_ssl_warn("device CA certificate");
		SSL_CTX_free(ctx);
		return -1;
	}
	relay.ctx = ctx;
	return 0;
}

/* relay_start: accept clients from now on; 0 or -1. */
int
relay_start(struct event_base *base)
{
	if (relay.ctx == NULL)
		return 0;
	relay.base = base;
	if (fd_nonblock(relay.conf.lfd) == -1)
		return -1;
	relay.ev_accept = event_new(base, relay.conf.lfd, EV_READ |
	    EV_PERSIST, relay_on_accept, NULL);
	if (relay.ev_accept == NULL || event_add(relay.ev_accept, NULL) == -1)
		return -1;
	log_info("fallback listening, wireguard port %u", relay.conf.wgport);
	return 0;
}

/* relay_stats: the counters, closed and live connections together. */
void
relay_stats(struct relay_stats *out)
{
	const struct relay_conn	*rc;

	*out = relay.st;
	out->open = relay.nconns;
	TAILQ_FOREACH(rc, &relay.conns, entry) {
		out->to_udp += rc->pipe.to_udp;
		out->to_stream += rc->pipe.to_stream;
		out->dropped += rc->pipe.dropped;
	}
}

/*
 * One audit row for a refusal or for the end of an authenticated
 * connection: the device (when the certificate named one) and the
 * peer's user as actor, the client's address as object, why and the
 * traffic in the detail.  The audit daemon records the daemon from
 * the channel; as for the peer table's rows, nothing waits for its
 * ACK.
 */
static void
relay_audit(const struct relay_conn *rc, const char *why)
{
	static uint32_t		 seq;
	const struct tpeer	*p;
	struct p_audit_row	 r;
	struct timespec		 ts;
	struct chan		*c;
	char			*d;
	json_t			*j;

	if ((c = child_chan(PROC_AUDIT)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_REALTIME, &ts);
	r.time = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pccx_strlcpy(r.actor, "-", sizeof(r.actor));
	TAILQ_FOREACH(p, peer_list(), entry)
		if (rc->device[0] != '\0' && strcmp(p->device,
		    rc->device) == 0 && p->user[0] != '\0')
			pccx_strlcpy(r.actor, p->user, sizeof(r.actor));
	pccx_strlcpy(r.device, rc->device, sizeof(r.device));
	pccx_strlcpy(r.source, "tunnel", sizeof(r.source));
	pccx_strlcpy(r.action, rc->authed ? "tunnel.fallback.close" :
	    "tunnel.fallback.refuse", sizeof(r.action));
	pccx_strlcpy(r.object, rc->addr, sizeof(r.object));
	pccx_strlcpy(r.outcome, rc->authed ? "ok" : "deny",
	    sizeof(r.outcome));
	j = json_pack("{s:s,s:I,s:I,s:I,s:I}", "reason", why,
	    "bytes_in", (json_int_t)rc->bytes_in,
	    "bytes_out", (json_int_t)rc->bytes_out,
	    "datagrams_in", (json_int_t)rc->pipe.to_udp,
	    "datagrams_out", (json_int_t)rc->pipe.to_stream);
	d = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (d == NULL || pccx_strlcpy(r.detail, d, sizeof(r.detail)) >=
	    sizeof(r.detail))
		pccx_strlcpy(r.detail, "{}", sizeof(r.detail));
	free(d);
	json_decref(j);
	if (++seq == 0)
		seq = 1;
	if (proto_send_audit_append(c, seq, &r) == -1) {
		log_warnx("audit row lost: fallback %s", rc->addr);
		return;
	}
	child_commit(c);
}

/*
 * The end of a connection, logged; audited when it was authenticated
 * or refused for its certificate or its device (a stray handshake or
 * a port scan is only logged).
 */
static void
relay_free(struct relay_conn *rc, const char *why)
{
	if (rc->authed)
		log_info("fallback: %s (device %s) closed: %s; %llu in, "
		    "%llu out, %llu dropped", rc->addr, rc->device, why,
		    (unsigned long long)rc->pipe.to_udp,
		    (unsigned long long)rc->pipe.to_stream,
		    (unsigned long long)rc->pipe.dropped);
	else
		log_info("fallback: %s refused: %s", rc->addr, why);
	if (rc->authed || rc->audit)
		relay_audit(rc, why);
	relay.st.to_udp += rc->pipe.to_udp;
	relay.st.to_stream += rc->pipe.to_stream;
	relay.st.dropped += rc->pipe.dropped;
	if (rc->ev_udp != NULL)
		event_free(rc->ev_udp);
	if (rc->ev_hs != NULL)
		event_free(rc->ev_hs);
	if (rc->pipe.udp != -1)
		close(rc->pipe.udp);
	if (rc->pipe.bev != NULL)
		bufferevent_free(rc->pipe.bev);
	TAILQ_REMOVE(&relay.conns, rc, entry);
	relay.nconns--;
	free(rc);
}

/* Whether the device has a live WireGuard peer. */
static int
relay_device_live(const char *device)
{
	const struct tpeer	*p;

	TAILQ_FOREACH(p, peer_list(), entry)
		if (strcmp(p->device, device) == 0)
			return 1;
	return 0;
}

/*
 * relay_check: close at once the connections of devices that no
 * longer have a peer (logout, revocation, idle).  Called after every
 * change to the peer table.
 */
void
relay_check(void)
{
	struct relay_conn	*rc, *next;

	for (rc = TAILQ_FIRST(&relay.conns); rc != NULL; rc = next) {
		next = TAILQ_NEXT(rc, entry);
		if (rc->authed && !relay_device_live(rc->device)) {
			relay.st.cut++;
			relay_free(rc, "the device has no peer now");
		}
	}
}

/*
 * The handshake must end within hs_timeout of the accept, however the
 * bytes trickle in: slow clients may not hold every slot.
 */
static void
relay_on_hs_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct relay_conn	*rc = arg;

	if (!rc->authed)
		relay_free(rc, "handshake timed out");
}

/* Connections of this address still in their handshake. */
static unsigned
relay_pending_from(const struct sockaddr_storage *ss)
{
	const struct relay_conn	*rc;
	unsigned		 n = 0;

	TAILQ_FOREACH(rc, &relay.conns, entry)
		if (!rc->authed && relay_same_host(&rc->ss, ss))
			n++;
	return n;
}

static void
relay_on_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	struct timeval		 tv = { 0, 0 };
	struct relay_conn	*rc;
	SSL			*ssl;
	int			 fd, one = 1;

	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("fallback: accept");
		return;
	}
	if (relay.nconns >= relay.conf.maxconn ||
	    relay_pending_from(&ss) >= RELAY_PENDING_PER_HOST) {
		relay.st.refused_full++;
		close(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((rc = calloc(1, sizeof(*rc))) == NULL ||
	    (ssl = SSL_new(relay.ctx)) == NULL) {
		free(rc);
		close(fd);
		return;
	}
	rc->pipe.udp = -1;
	rc->ss = ss;
	relay_addr_text(&ss, rc->addr, sizeof(rc->addr));
	TAILQ_INSERT_TAIL(&relay.conns, rc, entry);
	relay.nconns++;
	relay.st.accepted++;
	rc->pipe.bev = bufferevent_openssl_socket_new(relay.base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (rc->pipe.bev == NULL) {
		SSL_free(ssl);
		close(fd);
		relay_free(rc, "out of memory");
		return;
	}
	bufferevent_setcb(rc->pipe.bev, NULL, NULL, relay_on_event, rc);
	bufferevent_set_timeouts(rc->pipe.bev, &(struct timeval){
	    relay.conf.hs_timeout, 0 }, &(struct timeval){
	    relay.conf.hs_timeout, 0 });
	tv.tv_sec = relay.conf.hs_timeout;
	if ((rc->ev_hs = evtimer_new(relay.base, relay_on_hs_deadline,
	    rc)) == NULL || evtimer_add(rc->ev_hs, &tv) == -1) {
		relay_free(rc, "out of memory");
		return;
	}
	bufferevent_enable(rc->pipe.bev, EV_READ | EV_WRITE);
}

/* Whether a and b are the same host (the port aside). */
static int
relay_same_host(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr,
		    sizeof(struct in6_addr)) == 0;
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

/* relay_addr_text: "ADDR:PORT" of a client, for log lines. */
void
relay_addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char		 a[INET6_ADDRSTRLEN] = "?";
	const void	*p;
	unsigned	 port;

	if (ss->ss_family == AF_INET6) {
		p = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	} else {
		p = &((const struct sockaddr_in *)ss)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	}
	inet_ntop(ss->ss_family, p, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, port);
}

/*
 * relay_cert_device: the device id a verified client certificate
 * names in its one subject CN: printable ASCII, whole (never cut to
 * fit), no NUL inside.  0, or -1.
 */
int
relay_cert_device(X509 *x, char *out, size_t len)
{
	X509_NAME		*n = X509_get_subject_name(x);
	const ASN1_STRING	*s;
	const unsigned char	*d;
	int			 i, k;

	if (n == NULL || (i = X509_NAME_get_index_by_NID(n, NID_commonName,
	    -1)) < 0 || X509_NAME_get_index_by_NID(n, NID_commonName, i) >= 0)
		return -1;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	if (s == NULL || (k = ASN1_STRING_length(s)) <= 0 ||
	    (size_t)k >= len)
		return -1;
	d = ASN1_STRING_get0_data(s);
	for (i = 0; i < k; i++)
		if (d[i] <= 0x20 || d[i] >= 0x7f)
			return -1;
	memcpy(out, d, k);
	out[k] = '\0';
	return 0;
}

/* A UDP socket connected to the local WireGuard port. */
static int
relay_udp_open(void)
{
	struct sockaddr_in	sin;
	int			fd, sz = 1024 * 1024;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(relay.conf.wgport);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The handshake is done and the certificate chains to the device CA:
 * the device must also have a live peer.  Only then does a datagram
 * move.  Returns NULL when the client was refused, or why it was.
 */
static const char *
relay_authorize(struct relay_conn *rc)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(rc->pipe.bev);
	X509	*x;
	int	 bad;

	if (ssl == NULL || SSL_get_verify_result(ssl) != X509_V_OK ||
	    (x = SSL_get0_peer_certificate(ssl)) == NULL) {
		relay.st.refused_cert++;
		rc->audit = 1;
		return "no valid certificate";
	}
	bad = relay_cert_device(x, rc->device, sizeof(rc->device));
	if (bad || !relay_device_live(rc->device)) {
		relay.st.refused_device++;
		rc->audit = 1;
		return bad ? "no device in the certificate" :
		    "the device has no live peer";
	}
	if ((rc->pipe.udp = relay_udp_open()) == -1) {
		log_warn("fallback: udp socket");
		return "no socket";
	}
	rc->ev_udp = event_new(relay.base, rc->pipe.udp, EV_READ | EV_PERSIST,
	    relay_on_udp, rc);
	if (rc->ev_udp == NULL || event_add(rc->ev_udp, NULL) == -1)
		return "out of memory";
	return NULL;
}

/*
 * Why a handshake failed: for want of a certificate, for one from an
 * issuer other than the device CA (both audited), or anything else.
 */
static const char *
relay_refusal(struct relay_conn *rc, short what, unsigned long nocert)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(rc->pipe.bev);
	long	 v;

	if (what & BEV_EVENT_TIMEOUT)
		return "handshake timed out";
	if (ssl != NULL && (v = SSL_get_verify_result(ssl)) != X509_V_OK) {
		rc->audit = 1;
		return v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		    v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
		    v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
		    v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ?
		    "handshake failed: unknown CA" :
		    "handshake failed: bad certificate";
	}
	if (nocert != 0) {
		rc->audit = 1;
		return "handshake failed: no certificate";
	}
	return "handshake failed";
}

static void
relay_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct relay_conn	*rc = arg;
	const char		*why;
	unsigned long		 e, last = 0;

	if (what & BEV_EVENT_CONNECTED) {
		if ((why = relay_authorize(rc)) != NULL) {
			relay_free(rc, why);
			return;
		}
		rc->authed = 1;
		relay.st.authed++;
		event_del(rc->ev_hs);
		log_info("fallback: %s is device %s", rc->addr, rc->device);
		bufferevent_setcb(bev, relay_on_read, NULL, relay_on_event,
		    rc);
		bufferevent_setwatermark(bev, EV_READ, 0, 2 + DGRAM_MAX);
		bufferevent_set_timeouts(bev, &(struct timeval){
		    relay.conf.idle, 0 }, &(struct timeval){
		    relay.conf.hs_timeout, 0 });
		/* Frames that came with the handshake's last flight. */
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
			relay_on_read(bev, rc);
		return;
	}
	if (!rc->authed && (what & BEV_EVENT_ERROR))
		relay.st.refused_cert++;
	while ((e = bufferevent_get_openssl_error(bev)) != 0) {
		if (ERR_GET_REASON(e) ==
		    SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
			last = e;
		if (ERR_reason_error_string(e) != NULL)
			log_info("fallback: %s: %s", rc->addr,
			    ERR_reason_error_string(e));
	}
	if (!rc->authed)
		why = relay_refusal(rc, what, last);
	else
		why = what & BEV_EVENT_TIMEOUT ? (what & BEV_EVENT_WRITING ?
		    "too slow" : "silent") : what & BEV_EVENT_EOF ? "closed" :
		    "error";
	relay_free(rc, why);
}

/* Frames from the client go to WireGuard. */
static void
relay_on_read(struct bufferevent *bev, void *arg)
{
	struct relay_conn	*rc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 n = evbuffer_get_length(in);
	int			 bad;

	bad = dgram_pipe_stream(&rc->pipe) == -1;
	rc->bytes_in += n - evbuffer_get_length(in);
	if (bad)
		relay_free(rc, "bad frame");
}

/* Datagrams from WireGuard go to the client, within the bound. */
static void
relay_on_udp(evutil_socket_t fd, short ev, void *arg)
{
	struct relay_conn	*rc = arg;
	struct evbuffer		*out;
	size_t			 n;

	out = bufferevent_get_output(rc->pipe.bev);
	n = evbuffer_get_length(out);
	dgram_pipe_udp(&rc->pipe);
	if (evbuffer_get_length(out) > n)
		rc->bytes_out += evbuffer_get_length(out) - n;
}

/* relay_pem_fd: read a certificate or key file, 64 KiB at most. */
char *
relay_pem_fd(int fd, size_t *len)
{
	size_t	 max = 65536, n = 0;
	ssize_t	 r;
	char	*buf;

	if (fd == -1 || (buf = malloc(max + 1)) == NULL)
		return NULL;
	while (n < max && (r = pread(fd, buf + n, max - n, n)) > 0)
		n += r;
	if (n == 0 || n == max) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
