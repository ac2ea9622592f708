/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* What each role really does, run under its filter: libraries and calls. */

#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sqlite3.h>

#include "common/log.h"
#include "common/msg.h"
#include "common/sandbox.h"
#include "proto/proto.h"
#include "sandbox_test.h"

#define EV_BYTES	(256 * 1024)
#define NOBODY		65534

static int	work_base_setup(void);
static int	work_base_run(void);
static int	work_tcp_setup(void);
static int	work_tcp_run(void);
static int	work_http_setup(void);
static int	work_http_run(void);
static int	work_sqlite_run(void);
static int	work_netlink_run(void);
static int	work_pty_run(void);
static int	work_build_run(void);

const struct workload workloads[] = {
	{ "malloc, json, crypto, TLS, libevent, messages", RB_ALL, 0,
	    "empty", work_base_setup, work_base_run },
	{ "serve a TCP connection it accepts", RB(R_FRONT) | RB(R_TUNNEL),
	    0, "empty", work_tcp_setup, work_tcp_run },
	{ "libcurl GET, names from the chroot's hosts file and DNS",
	    RB(R_AUTH) | RB(R_AUDIT), 1, "netroot", work_http_setup,
	    work_http_run },
	{ "SQLite WAL and FTS5 in a chroot", RB(R_AUDIT), 1, "auditroot",
	    NULL, work_sqlite_run },
	{ "netlink, UAPI connect, UDP, if_nametoindex", RB(R_TUNNEL), 0,
	    "empty", NULL, work_netlink_run },
	{ "pty for a session", RB(R_SESSION), 0, NULL, NULL, work_pty_run },
	{ "build a session: namespaces, overlay, pivot_root, exec",
	    RB(R_SESSION), 1, NULL, NULL, work_build_run },
};
const size_t nworkloads = sizeof(workloads) / sizeof(workloads[0]);

/* Made before the filter, used after it. */
static struct event_base	*wb_base;
static SSL_CTX			*wb_srv, *wb_cli;
static int			 wb_ev[2], wb_tls[2], wb_msg[2], wb_pipe[2];
static int			 tcp_lfd = -1, tcp_cfd = -1;
static int			 http_port;

/*
 * The base workload: what every daemon does between messages.
 */

static int
tls_make(void)
{
	EVP_PKEY	*k;
	X509		*x = NULL;
	X509_NAME	*nm;
	int		 rv = -1;

	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    (x = X509_new()) == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)"sandbox", -1, -1, 0);
	if (X509_set_issuer_name(x, nm) != 1 || X509_set_pubkey(x, k) != 1 ||
	    X509_sign(x, k, NULL) == 0)
		goto out;
	wb_srv = SSL_CTX_new(TLS_server_method());
	wb_cli = SSL_CTX_new(TLS_client_method());
	if (wb_srv == NULL || wb_cli == NULL ||
	    SSL_CTX_use_certificate(wb_srv, x) != 1 ||
	    SSL_CTX_use_PrivateKey(wb_srv, k) != 1 ||
	    SSL_CTX_set_min_proto_version(wb_srv, TLS1_3_VERSION) != 1)
		goto out;
	rv = 0;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return rv;
}

static int
work_base_setup(void)
{
	int	t = SOCK_STREAM | SOCK_CLOEXEC;

	if (sodium_init() < 0)
		return 1;
	if (tls_make() == -1)
		return 2;
	if ((wb_base = event_base_new()) == NULL)
		return 3;
	if (socketpair(AF_UNIX, t, 0, wb_ev) == -1 ||
	    socketpair(AF_UNIX, t | SOCK_NONBLOCK, 0, wb_tls) == -1 ||
	    socketpair(AF_UNIX, t | SOCK_NONBLOCK, 0, wb_msg) == -1 ||
	    pipe2(wb_pipe, O_CLOEXEC) == -1)
		return 4;
	return 0;
}

static int
int_cmp(const void *a, const void *b)
{
	int	x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static int
work_malloc(void)
{
	char	*small[512], *big;
	int	*v;
	size_t	 i, n = 200000;

	for (i = 0; i < 512; i++)
		if ((small[i] = malloc(16 + i * 8)) == NULL)
			return -1;
	if ((big = malloc(4 << 20)) == NULL)
		return -1;
	memset(big, 1, 4 << 20);
	if ((big = realloc(big, 32 << 20)) == NULL)
		return -1;
	memset(big, 2, 32 << 20);
	free(big);
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = (int)((i * 2654435761U) % 100003);
	qsort(v, n, sizeof(*v), int_cmp);
	for (i = 1; i < n; i++)
		if (v[i - 1] > v[i])
			return -1;
	free(v);
	for (i = 0; i < 512; i++)
		free(small[i]);
	malloc_trim(0);
	return 0;
}

static int
work_json(void)
{
	json_t		*j;
	json_error_t	 err;
	char		*s;
	int		 rv;

	j = json_loads("{\"b\": [1, 2, 3], \"a\": \"x\"}", 0, &err);
	if (j == NULL)
		return -1;
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	rv = s != NULL && strcmp(s, "{\"a\":\"x\",\"b\":[1,2,3]}") == 0;
	free(s);
	return rv ? 0 : -1;
}

static int
work_crypto(void)
{
	unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	sk[crypto_sign_SECRETKEYBYTES];
	unsigned char	sig[crypto_sign_BYTES], md[32], rnd[32];
	unsigned int	mdlen = sizeof(md);

	randombytes_buf(rnd, sizeof(rnd));
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(sig, NULL, rnd, sizeof(rnd), sk);
	if (crypto_sign_verify_detached(sig, rnd, sizeof(rnd), pk) != 0)
		return -1;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    EVP_Digest(rnd, sizeof(rnd), md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		return -1;
	return 0;
}

static int
tls_step(SSL *s, int rv)
{
	int	e = SSL_get_error(s, rv);

	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* A TLS 1.3 handshake and one record, both ends in this process. */
static int
work_tls(void)
{
	SSL	*s, *c;
	char	 buf[8];
	int	 i, rs = 0, rc = 0, n = -1;

	if ((s = SSL_new(wb_srv)) == NULL || (c = SSL_new(wb_cli)) == NULL ||
	    SSL_set_fd(s, wb_tls[0]) != 1 || SSL_set_fd(c, wb_tls[1]) != 1)
		return -1;
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	for (i = 0; i < 50 && (rs != 1 || rc != 1); i++) {
		if (rc != 1 && (rc = SSL_do_handshake(c)) != 1 &&
		    tls_step(c, rc) == -1)
			return -1;
		if (rs != 1 && (rs = SSL_do_handshake(s)) != 1 &&
		    tls_step(s, rs) == -1)
			return -1;
	}
	if (SSL_write(c, "ping", 4) != 4)
		return -1;
	for (i = 0; i < 50 && n <= 0; i++)
		if ((n = SSL_read(s, buf, sizeof(buf))) <= 0 &&
		    tls_step(s, n) == -1)
			return -1;
	SSL_free(s);
	SSL_free(c);
	return n == 4 && memcmp(buf, "ping", 4) == 0 ? 0 : -1;
}

struct evw {
	size_t	got;
	int	sig;
	int	timeout;
};

static void
evw_read(struct bufferevent *bev, void *arg)
{
	struct evw	*w = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 n = evbuffer_get_length(in);

	evbuffer_drain(in, n);
	w->got += n;
	if (w->got >= EV_BYTES && w->sig)
		event_base_loopexit(bufferevent_get_base(bev), NULL);
}

static void
evw_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct evw	*w = arg;

	w->sig = 1;
}

static void
evw_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct evw	*w = arg;

	w->timeout = 1;
	event_base_loopbreak(wb_base);
}

/* Bufferevents across a socketpair, a signal event, a timer. */
static int
work_event(void)
{
	struct evw		 w = { 0, 0, 0 };
	struct bufferevent	*a, *b;
	struct event		*sig, *tmo;
	struct timeval		 tv = { 10, 0 };
	char			*buf;

	if (evutil_make_socket_nonblocking(wb_ev[0]) == -1 ||
	    evutil_make_socket_nonblocking(wb_ev[1]) == -1)
		return -1;
	a = bufferevent_socket_new(wb_base, wb_ev[0], 0);
	b = bufferevent_socket_new(wb_base, wb_ev[1], 0);
	sig = evsignal_new(wb_base, SIGUSR1, evw_signal, &w);
	tmo = evtimer_new(wb_base, evw_timeout, &w);
	if (a == NULL || b == NULL || sig == NULL || tmo == NULL ||
	    (buf = calloc(1, EV_BYTES)) == NULL)
		return -1;
	bufferevent_setcb(b, evw_read, NULL, NULL, &w);
	bufferevent_enable(b, EV_READ);
	bufferevent_enable(a, EV_WRITE);
	if (bufferevent_write(a, buf, EV_BYTES) == -1 ||
	    evsignal_add(sig, NULL) == -1 || evtimer_add(tmo, &tv) == -1)
		return -1;
	raise(SIGUSR1);
	event_base_dispatch(wb_base);
	free(buf);
	bufferevent_free(a);
	bufferevent_free(b);
	event_free(sig);
	event_free(tmo);
	return w.got == EV_BYTES && w.sig && !w.timeout ? 0 : -1;
}

/* A message with a descriptor, then a log record to the "parent". */
static int
work_chan(void)
{
	struct chan	a, b;
	struct msg	m;
	char		c;
	int		rv = -1;

	if (chan_init(&a, wb_msg[0], PROC_PARENT) == -1 ||
	    chan_init(&b, wb_msg[1], PROC_FRONT) == -1)
		return -1;
	if (chan_compose(&a, MSG_LOG + 100, 7, wb_pipe[0], "hello", 5) ||
	    chan_flush(&a) == -1 || chan_read(&b) <= 0 ||
	    chan_get(&b, &m) != MSG_OK || m.fd == -1 || m.len != 5 ||
	    memcmp(m.data, "hello", 5) != 0)
		goto out;
	if (write(wb_pipe[1], "x", 1) != 1 || read(m.fd, &c, 1) != 1 ||
	    c != 'x')
		goto out;
	close(m.fd);
	log_to_parent(&a);
	log_warnx("a record from inside the sandbox");
	log_to_parent(NULL);
	if (chan_read(&b) <= 0 || chan_get(&b, &m) != MSG_OK ||
	    m.hdr.type != MSG_LOG)
		goto out;
	rv = 0;
out:
	chan_clear(&a);
	chan_clear(&b);
	return rv;
}

static int
work_base_run(void)
{
	if (work_malloc() == -1)
		return 1;
	if (work_json() == -1)
		return 2;
	if (work_crypto() == -1)
		return 3;
	if (work_tls() == -1)
		return 4;
	if (work_event() == -1)
		return 5;
	if (work_chan() == -1)
		return 6;
	return 0;
}

/*
 * Serving: accept a connection from a listener made before the
 * filter, as the front end does with the ones the parent hands it.
 */

static int
listen_lo(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 8) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		close(s);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return s;
}

static int
work_tcp_setup(void)
{
	struct sockaddr_in	sin;
	int			port;

	if ((tcp_lfd = listen_lo(&port)) == -1)
		return 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if ((tcp_cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(tcp_cfd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return 2;
	return 0;
}

static int
work_tcp_run(void)
{
	struct sockaddr_storage	ss;
	struct pollfd		pfd;
	socklen_t		len = sizeof(ss);
	char			buf[8];
	int			s, one = 1;

	s = accept4(tcp_lfd, (struct sockaddr *)&ss, &len,
	    SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s == -1)
		return 1;
	len = sizeof(ss);
	if (getpeername(s, (struct sockaddr *)&ss, &len) == -1 ||
	    getsockname(s, (struct sockaddr *)&ss, &len) == -1)
		return 2;
	if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)))
		return 3;
	pfd.fd = s;
	pfd.events = POLLIN;
	if (write(tcp_cfd, "GET", 3) != 3 || poll(&pfd, 1, 5000) != 1 ||
	    read(s, buf, sizeof(buf)) != 3)
		return 4;
	if (write(s, "OK", 2) != 2 || shutdown(s, SHUT_WR) == -1)
		return 5;
	if (read(tcp_cfd, buf, sizeof(buf)) != 2 ||
	    read(tcp_cfd, buf, sizeof(buf)) != 0)
		return 6;
	close(s);
	return 0;
}

/*
 * libcurl, as the auth and audit daemons will use it: a name looked
 * up by glibc in libcurl's resolver thread, over DNS to a responder
 * on loopback, as the chroot's resolv.conf says; another name from
 * the chroot's hosts file.
 */

/* resolv.conf has no port: a loopback address of this run's own. */
static char	dns_addr[INET_ADDRSTRLEN];

static pid_t	helper_parent;

/*
 * A helper of the confined child, away from the test's output, which
 * ends with it.  PR_SET_PDEATHSIG would not do: the kernel forgets
 * it once the parent changes its uid, as priv_drop() does.
 */
static int
helper_fork(void)
{
	pid_t	pid;
	int	null;

	helper_parent = getpid();
	if ((pid = fork()) != 0)
		return pid;
	if ((null = open("/dev/null", O_RDWR)) == -1 ||
	    dup2(null, STDOUT_FILENO) == -1 || dup2(null, STDERR_FILENO) == -1)
		_exit(1);
	alarm(30);
	return 0;
}

/* Wait until fd is readable; end when the confined child has. */
static void
helper_wait(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	while (poll(&pfd, 1, 100) != 1)
		if (getppid() != helper_parent)
			_exit(0);
}

static int
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX + 32];
	FILE	*f;
	int	 rv;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rv = fputs(text, f) < 0;
	return fclose(f) == 0 && rv == 0 ? 0 : -1;
}

static void
http_serve(int lfd)
{
	char	buf[4096];
	size_t	got = 0;
	ssize_t	n;
	int	s;

	helper_wait(lfd);
	if ((s = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	while (got < sizeof(buf) - 1 &&
	    (n = read(s, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	dprintf(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nok");
	close(s);
	_exit(0);
}

/* Answer each query: 127.0.0.1 for type A, nothing for the rest. */
static void
dns_serve(int s)
{
	static const unsigned char	 a[] = { 0xc0, 0x0c, 0, 1, 0, 1,
					     0, 0, 0, 60, 0, 4, 127, 0, 0, 1 };
	unsigned char			 q[512], r[512 + sizeof(a)];
	struct sockaddr_storage		 from;
	socklen_t			 flen;
	ssize_t				 n;
	size_t				 end;

	for (;;) {
		helper_wait(s);
		flen = sizeof(from);
		n = recvfrom(s, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &flen);
		if (n == -1)
			_exit(1);
		for (end = 12; end < (size_t)n && q[end] != 0; )
			end += q[end] + 1;
		if ((end += 5) > (size_t)n)
			continue;
		memcpy(r, q, end);
		r[2] = 0x81;		/* a response; recursion desired */
		r[3] = 0x80;		/* and available; no error */
		memset(r + 6, 0, 6);	/* no answer, authority, extra */
		if (q[end - 4] == 0 && q[end - 3] == 1) {
			memcpy(r + end, a, sizeof(a));
			end += sizeof(a);
			r[7] = 1;
		}
		sendto(s, r, end, 0, (struct sockaddr *)&from, flen);
	}
}

static int
dns_start(void)
{
	struct sockaddr_in	sin;
	int			s;
	pid_t			pid;

	snprintf(dns_addr, sizeof(dns_addr), "127.53.%u.%u",
	    (unsigned int)getpid() / 250 % 256,
	    (unsigned int)getpid() % 250 + 1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(53);
	inet_pton(AF_INET, dns_addr, &sin.sin_addr);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	if ((pid = helper_fork()) == 0)
		dns_serve(s);
	close(s);
	return pid == -1 ? -1 : 0;
}

static int
work_http_setup(void)
{
	char	root[PATH_MAX], etc[PATH_MAX + 8], conf[64];
	int	lfd;
	pid_t	pid;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	if ((lfd = listen_lo(&http_port)) == -1)
		return 2;
	if ((pid = helper_fork()) == -1)
		return 3;
	if (pid == 0)
		http_serve(lfd);
	close(lfd);
	if (dns_start() == -1)
		return 4;
	snprintf(root, sizeof(root), "%s/netroot", test_dir);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	if ((mkdir(root, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(etc, 0755) == -1 && errno != EEXIST))
		return 5;
	snprintf(conf, sizeof(conf), "nameserver %s\n"
	    "options timeout:2 attempts:1\n", dns_addr);
	if (write_file(etc, "hosts", "127.0.0.1 issuer.test\n") == -1 ||
	    write_file(etc, "nsswitch.conf", "hosts: files dns\n") == -1 ||
	    write_file(etc, "resolv.conf", conf) == -1)
		return 6;
	return 0;
}

static size_t
http_body(char *p, size_t size, size_t n, void *arg)
{
	char	*body = arg;
	size_t	 have = strlen(body);

	if (have + n >= 16)
		return 0;
	memcpy(body + have, p, n);
	body[have + n] = '\0';
	return n;
}

static int
work_http_run(void)
{
	struct addrinfo	 hints, *res;
	CURL		*h;
	char		 url[64], body[16] = "";
	long		 code = 0;
	int		 rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("issuer.test", "443", &hints, &res) != 0)
		return 1;
	freeaddrinfo(res);
	snprintf(url, sizeof(url), "http://s3.test:%d/v1", http_port);
	if ((h = curl_easy_init()) == NULL)
		return 2;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	if ((rv = curl_easy_perform(h)) != CURLE_OK)
		return 100 + rv;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (code != 200)
		return 3;
	return strcmp(body, "ok") == 0 ? 0 : 4;
}

/*
 * SQLite, as the audit daemon keeps audit.db: WAL, an FTS5 index, a
 * transaction, a checkpoint, and a second open, inside a chroot.
 */

static int
sql_count(sqlite3 *db, const char *q)
{
	sqlite3_stmt	*st;
	int		 n = -1;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * A reader holds a snapshot: a truncating checkpoint waits for it in
 * the busy handler, which sleeps, then reports it busy.
 */
static int
sqlite_busy(sqlite3 *db)
{
	sqlite3	*rd;
	int	 busy;

	if (sqlite3_open_v2("/audit.db", &rd, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(rd, "BEGIN; SELECT count(*) FROM audit;", NULL,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "INSERT INTO audit(detail) VALUES ('late')",
	    NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db, 20);
	busy = sql_count(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_exec(rd, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(rd);
	sqlite3_busy_timeout(db, 1000);
	if (busy != 1 || sql_count(db, "PRAGMA wal_checkpoint(TRUNCATE)"))
		return -1;
	return 0;
}

static int
work_sqlite_run(void)
{
	const char	*schema = "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, "
	    "detail TEXT NOT NULL);"
	    "CREATE VIRTUAL TABLE IF NOT EXISTS audit_fts USING "
	    "fts5(detail);";
	const char	*fill = "BEGIN;"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM n WHERE i < 100) INSERT INTO audit(detail) "
	    "SELECT 'row ' || i FROM n;"
	    "INSERT INTO audit_fts(detail) SELECT detail FROM audit;"
	    "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);";
	const char	*q = "SELECT count(*) FROM audit_fts "
	    "WHERE audit_fts MATCH '\"row\"'";
	sqlite3		*db;
	int		 n;

	if (sqlite3_open_v2("audit.db", &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return 1;
	sqlite3_busy_timeout(db, 1000);
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return 2;
	if (sqlite3_exec(db, fill, NULL, NULL, NULL) != SQLITE_OK)
		return 3;
	if ((n = sql_count(db, q)) != 100)
		return 4;
	if (sqlite_busy(db) == -1)
		return 7;
	sqlite3_close(db);
	if (sqlite3_open_v2("/audit.db", &db, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK)
		return 5;
	n = sql_count(db, "SELECT count(*) FROM audit");
	sqlite3_close(db);
	return n == 101 ? 0 : 6;
}

/*
 * The tunnel: ask generic netlink for the WireGuard family (an answer
 * either way), reach for a UAPI socket, relay a datagram.
 */

static int
work_genl(void)
{
	struct {
		struct nlmsghdr		nh;
		struct genlmsghdr	gh;
		struct nlattr		na;
		char			name[12];
	} req;
	struct sockaddr_nl	 sa;
	socklen_t		 len = sizeof(sa);
	char			 buf[8192];
	struct nlmsghdr		*nh = (struct nlmsghdr *)buf;
	int			 s;
	ssize_t			 n;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (s == -1 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = GENL_ID_CTRL;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.gh.cmd = CTRL_CMD_GETFAMILY;
	req.gh.version = 1;
	req.na.nla_type = CTRL_ATTR_FAMILY_NAME;
	req.na.nla_len = NLA_HDRLEN + sizeof("wireguard");
	memcpy(req.name, "wireguard", sizeof("wireguard"));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&sa,
	    sizeof(sa)) != sizeof(req))
		return -1;
	n = recvfrom(s, buf, sizeof(buf), 0, NULL, NULL);
	close(s);
	if (n < (ssize_t)sizeof(*nh) || nh->nlmsg_seq != 1)
		return -1;
	return nh->nlmsg_type == NLMSG_ERROR ||
	    nh->nlmsg_type == GENL_ID_CTRL ? 0 : -1;
}

static int
work_udp(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	char			buf[16];
	int			s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	if (sendto(s, "datagram", 8, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) != 8 ||
	    recvfrom(s, buf, sizeof(buf), 0, NULL, NULL) != 8)
		return -1;
	close(s);
	return memcmp(buf, "datagram", 8) == 0 ? 0 : -1;
}

static int
work_netlink_run(void)
{
	struct sockaddr_un	sun = { AF_UNIX, "/nonexistent/wg.sock" };
	int			s;

	if (work_genl() == -1)
		return 1;
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 2;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) != -1 ||
	    errno != ENOENT)
		return 3;
	close(s);
	if (work_udp() == -1)
		return 4;
	if (if_nametoindex("lo") == 0)
		return 5;
	return 0;
}

/* The session daemon's pty for an attached session. */
static int
work_pty_run(void)
{
	struct winsize	ws = { 24, 80, 0, 0 };
	char		name[64];
	int		m, s;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return 1;
	if (grantpt(m) == -1 || unlockpt(m) == -1)
		return 2;
	if (ptsname_r(m, name, sizeof(name)) != 0)
		return 3;
	if ((s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return 4;
	if (ioctl(m, TIOCSWINSZ, &ws) == -1)
		return 5;
	close(s);
	close(m);
	return 0;
}

/*
 * A session from start to end, as root: new namespaces, loopback up,
 * an overlay whose writes land in the upper layer (a deletion as a
 * whiteout), a tool exec'd as an unprivileged user with no capability
 * left, then pivot_root into an empty root.
 */

static int
build_lo_up(void)
{
	struct ifreq	ifr;
	int		s, rv = 0;

	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		rv = -1;
	ifr.ifr_flags |= IFF_UP;
	if (rv == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
		rv = -1;
	close(s);
	return rv;
}

static int
build_overlay(const char *b)
{
	char		p[5][PATH_MAX], opts[4 * PATH_MAX], a[PATH_MAX + 2];
	const char	*sub[] = { "lower", "upper", "work", "merged", "nr" };
	struct stat	sb;
	int		i, fd;

	for (i = 0; i < 5; i++) {
		snprintf(p[i], sizeof(p[i]), "%s/%s", b, sub[i]);
		if (mkdir(p[i], 0755) == -1)
			return 10 + i;
	}
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
	    p[0], p[1], p[2]);
	snprintf(a, sizeof(a), "%s/a", p[0]);
	if ((fd = open(a, O_WRONLY | O_CREAT, 0644)) == -1)
		return 20;
	close(fd);
	if (mount("overlay", p[3], "overlay", 0, opts) == -1)
		return 21;
	if (chdir(p[3]) == -1 || (fd = open("b", O_WRONLY | O_CREAT,
	    0644)) == -1 || unlink("a") == -1 || rename("b", "c") == -1)
		return 22;
	close(fd);
	if (chdir(p[1]) == -1 || stat("c", &sb) == -1 ||
	    stat("a", &sb) == -1 || !S_ISCHR(sb.st_mode) || sb.st_rdev != 0)
		return 23;
	if (chdir("/") == -1 || umount2(p[3], 0) == -1)
		return 24;
	return 0;
}

static int
build_exec_user(void)
{
	struct __user_cap_header_struct	hdr = {
		_LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[2];
	char *const			argv[] = { "true", NULL };
	char *const			envp[] = { NULL };
	gid_t				g = NOBODY;
	pid_t				pid;
	int				st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		memset(data, 0, sizeof(data));
		if (setgroups(1, &g) == -1 ||
		    setresgid(NOBODY, NOBODY, NOBODY) == -1 ||
		    setresuid(NOBODY, NOBODY, NOBODY) == -1 ||
		    syscall(SYS_capset, &hdr, data) == -1 ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			_exit(126);
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static int
build_pivot(const char *b)
{
	char	nr[PATH_MAX + 4];

	snprintf(nr, sizeof(nr), "%s/nr", b);
	if (mount("tmpfs", nr, "tmpfs", 0, "size=64k") == -1 ||
	    chdir(nr) == -1 || mkdir("old", 0700) == -1)
		return -1;
	if (syscall(SYS_pivot_root, ".", "old") == -1 ||
	    umount2("old", MNT_DETACH) == -1 || rmdir("old") == -1 ||
	    chdir("/") == -1)
		return -1;
	return 0;
}

/* Inside the new namespaces, as their pid 1. */
static int
build_init(void)
{
	char	b[PATH_MAX];
	int	rv;

	if (getpid() != 1)
		return 1;
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return 2;
	if (sethostname("session", 7) == -1)
		return 3;
	if (build_lo_up() == -1)
		return 4;
	snprintf(b, sizeof(b), "%s/session", test_dir);
	if (mkdir(b, 0755) == -1 ||
	    mount("tmpfs", b, "tmpfs", 0, "size=1m") == -1)
		return 5;
	if ((rv = build_overlay(b)) != 0)
		return rv;
	if (build_exec_user() == -1)
		return 6;
	if (build_pivot(b) == -1)
		return 7;
	return 0;
}

static int
wait_child(pid_t pid)
{
	int	st;

	if (pid == -1 || waitpid(pid, &st, 0) == -1)
		return TEST_EFAIL;
	if (WIFSIGNALED(st))
		return 100 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int
work_build_run(void)
{
	pid_t	pid;

	if ((pid = fork()) == 0) {
		if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
		    CLONE_NEWNET | CLONE_NEWPID) == -1)
			_exit(60);
		if ((pid = fork()) == 0)
			_exit(build_init());
		_exit(wait_child(pid));
	}
	return wait_child(pid);
}
