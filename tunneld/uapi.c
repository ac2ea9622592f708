/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* wireguard-go: its process, and UAPI text built from checked values. */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "tunneld.h"

#define UAPI_DIR	"/var/run/wireguard"
#define UAPI_REPLYMAX	(256 * 1024)
#define UAPI_WAIT_MS	15000

static int	uapi_fd = -1;

static int	uapi_device(const uint8_t *, uint16_t);
static int	uapi_peer_set(const struct wg_peer_spec *);
static int	uapi_peer_remove(const uint8_t *);
static int	uapi_stats(wg_stats_cb, void *);

static const struct wg_backend uapi_ops = {
	"userspace", uapi_device, uapi_peer_set, uapi_peer_remove,
	uapi_stats
};

static void
hex_encode(const uint8_t *k, char *hex)
{
	static const char	digits[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < WG_KEYLEN; i++) {
		hex[2 * i] = digits[k[i] >> 4];
		hex[2 * i + 1] = digits[k[i] & 0xf];
	}
	hex[2 * WG_KEYLEN] = '\0';
}

static int
hex_decode(const char *hex, uint8_t *k)
{
	int	i, hi, lo;

	if (strlen(hex) != 2 * WG_KEYLEN)
		return -1;
	for (i = 0; i < WG_KEYLEN; i++) {
		hi = hex[2 * i];
		lo = hex[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' &&
		    hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' &&
		    lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		k[i] = hi << 4 | lo;
	}
	return 0;
}

/*
 * uapi_key_hex: a base64 WireGuard key of len bytes as the 64 hex
 * digits UAPI wants, into hex (65 bytes).  Refuses anything but the
 * 44 canonical characters of a 32-byte key.
 */
int
uapi_key_hex(const char *b64, size_t len, char *hex)
{
	char	s[TUNNEL_KEYB64MAX];
	uint8_t	k[WG_KEYLEN];

	if (len != sizeof(s) - 1 || memchr(b64, '\0', len) != NULL)
		return -1;
	memcpy(s, b64, len);
	s[len] = '\0';
	if (tunnel_key_decode(s, k) == -1)
		return -1;
	hex_encode(k, hex);
	return 0;
}

/* An allowed IP of len bytes, parsed and printed back into out. */
static int
uapi_ip(const char *ip, size_t len, char *out, size_t outlen)
{
	char	s[TUNNEL_ADDRMAX];
	uint8_t	a[16];
	int	plen, af;

	if (len >= sizeof(s) || memchr(ip, '\0', len) != NULL)
		return -1;
	memcpy(s, ip, len);
	s[len] = '\0';
	if (tunnel_prefix_parse(s, 0, a, &plen, &af) == -1 ||
	    inet_ntop(af, a, s, sizeof(s)) == NULL)
		return -1;
	return snprintf(out, outlen, "%s/%d", s, plen) >= (int)outlen ?
	    -1 : 0;
}

/*
 * Last line of defence: every line of a request is NAME=VALUE with
 * one '=', a lower-case name and a value of [0-9a-z./:], and the
 * request ends with an empty line.
 */
static int
uapi_text_ok(const char *s, size_t len)
{
	size_t	i, eq = 0, start = 0;

	if (len < 2 || s[len - 1] != '\n' || s[len - 2] != '\n')
		return -1;
	for (i = 0; i < len - 1; i++) {
		if (s[i] == '\n') {
			if (eq != 1 || i == start)
				return -1;
			eq = 0;
			start = i + 1;
		} else if (s[i] == '=')
			eq++;
		else if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '/' || s[i] == ':'))
			return -1;
	}
	return 0;
}

static int
uapi_done(char *buf, size_t size, int n)
{
	if (n < 0 || (size_t)n >= size || uapi_text_ok(buf, n) == -1)
		return -1;
	return n;
}

/* uapi_build_device: set=1 with the private key and listen port. */
int
uapi_build_device(char *buf, size_t size, const uint8_t *priv,
    uint16_t port)
{
	char	hex[2 * WG_KEYLEN + 1];
	int	n;

	hex_encode(priv, hex);
	n = snprintf(buf, size, "set=1\nprivate_key=%s\nlisten_port=%u\n\n",
	    hex, port);
	explicit_bzero(hex, sizeof(hex));
	return uapi_done(buf, size, n);
}

/*
 * uapi_build_peer: set=1 adding or updating the peer whose base64
 * key is key (keylen bytes), with exactly the n allowed IPs given
 * (ips[i] of iplen[i] bytes) and a persistent keepalive.
 */
int
uapi_build_peer(char *buf, size_t size, const char *key, size_t keylen,
    const char *const *ips, const size_t *iplen, int n, uint16_t keepalive)
{
	char	hex[2 * WG_KEYLEN + 1], ip[TUNNEL_ADDRMAX];
	size_t	len;
	int	i, w;

	if (uapi_key_hex(key, keylen, hex) == -1 || n < 1 || n > 2)
		return -1;
	w = snprintf(buf, size, "set=1\npublic_key=%s\n"
	    "replace_allowed_ips=true\n", hex);
	for (i = 0; i < n && w >= 0 && (size_t)w < size; i++) {
		if (uapi_ip(ips[i], iplen[i], ip, sizeof(ip)) == -1)
			return -1;
		len = w;
		w = snprintf(buf + len, size - len, "allowed_ip=%s\n", ip);
		w = w < 0 ? -1 : w + (int)len;
	}
	if (w < 0 || (size_t)w >= size)
		return -1;
	len = w;
	w = snprintf(buf + len, size - len,
	    "persistent_keepalive_interval=%u\n\n", keepalive);
	return uapi_done(buf, size, w < 0 ? -1 : w + (int)len);
}

/* uapi_build_remove: set=1 removing the peer with key k. */
int
uapi_build_remove(char *buf, size_t size, const uint8_t *k)
{
	char	hex[2 * WG_KEYLEN + 1];

	hex_encode(k, hex);
	return uapi_done(buf, size, snprintf(buf, size,
	    "set=1\npublic_key=%s\nremove=true\n\n", hex));
}

static int
num_parse(const char *s, uint64_t *v)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

/*
 * Walk the NAME=VALUE lines of a complete reply (len bytes ending in
 * an empty line); call fn for each, stop at the first non-zero.
 */
static int
uapi_lines(const char *r, size_t len, int (*fn)(const char *,
    const char *, void *), void *arg)
{
	char		 line[256], *eq;
	const char	*p = r, *nl;

	if (len < 2 || r[len - 1] != '\n' || r[len - 2] != '\n' ||
	    memchr(r, '\0', len) != NULL)
		return -1;
	while ((nl = memchr(p, '\n', r + len - p)) != NULL && nl != p) {
		if ((size_t)(nl - p) >= sizeof(line))
			return -1;
		memcpy(line, p, nl - p);
		line[nl - p] = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			return -1;
		*eq = '\0';
		if (fn(line, eq + 1, arg) != 0)
			return -1;
		p = nl + 1;
	}
	return p == r + len - 1 ? 0 : -1;
}

static int
errno_line(const char *k, const char *v, void *arg)
{
	uint64_t	n;
	int		*e = arg;

	if (strcmp(k, "errno") != 0 || *e != -1)
		return -1;
	if (*v == '-' ? num_parse(v + 1, &n) : num_parse(v, &n))
		return -1;
	*e = n > 4096 ? 4096 : (int)n;
	return 0;
}

/* uapi_reply_errno: a set reply is one line "errno=N" and a blank. */
int
uapi_reply_errno(const char *r, size_t len, int *e)
{
	*e = -1;
	if (uapi_lines(r, len, errno_line, e) == -1 || *e == -1)
		return -1;
	return 0;
}

struct stats_walk {
	struct wg_peer_stats	 cur;
	int			 have;
	int			 err;
	wg_stats_cb		 cb;
	void			*arg;
};

static int
stats_line(const char *k, const char *v, void *arg)
{
	struct stats_walk	*w = arg;
	uint64_t		 n;

	if (strcmp(k, "public_key") == 0) {
		if (w->have)
			w->cb(&w->cur, w->arg);
		memset(&w->cur, 0, sizeof(w->cur));
		w->have = 1;
		return hex_decode(v, w->cur.key);
	}
	if (strcmp(k, "errno") == 0)
		return num_parse(v, &n) == -1 ? -1 : (w->err = n != 0);
	if (!w->have)
		return 0;
	if (strcmp(k, "last_handshake_time_sec") == 0)
		return num_parse(v, &w->cur.handshake);
	if (strcmp(k, "rx_bytes") == 0)
		return num_parse(v, &w->cur.rx);
	if (strcmp(k, "tx_bytes") == 0)
		return num_parse(v, &w->cur.tx);
	return 0;
}

int
uapi_parse_stats(const char *r, size_t len, wg_stats_cb cb, void *arg)
{
	struct stats_walk	w;

	memset(&w, 0, sizeof(w));
	w.cb = cb;
	w.arg = arg;
	if (uapi_lines(r, len, stats_line, &w) == -1 || w.err)
		return -1;
	if (w.have)
		cb(&w.cur, arg);
	return 0;
}

/* Send a request and read its whole reply, up to the empty line. */
static ssize_t
uapi_txn(const char *req, size_t len, char *reply, size_t cap)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		if ((n = write(uapi_fd, req + off, len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			fatal("wireguard-go: write to its UAPI socket");
		off += n;
	}
	off = 0;
	while (off < 2 || reply[off - 1] != '\n' || reply[off - 2] != '\n' ||
	    (off > 2 && reply[off - 3] == '\n')) {
		if (off == cap)
			fatalx("wireguard-go: reply too long");
		if ((n = read(uapi_fd, reply + off, cap - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n == 0)
			fatalx("wireguard-go closed its UAPI socket");
		if (n < 0)
			fatal("wireguard-go: read from its UAPI socket");
		off += n;
	}
	return off;
}

/* One set=1 request; its errno= reply is read before anything else. */
static int
uapi_set(const char *req, int len)
{
	char	reply[128];
	ssize_t	n;
	int	e;

	if (len < 0)
		return -1;
	n = uapi_txn(req, len, reply, sizeof(reply));
	if (uapi_reply_errno(reply, n, &e) == -1)
		fatalx("wireguard-go: malformed reply");
	if (e != 0) {
		log_warnx("wireguard-go refused a request: errno=-%d", e);
		return -1;
	}
	return 0;
}

static int
uapi_device(const uint8_t *priv, uint16_t port)
{
	char	buf[UAPI_BUFMAX];
	int	rv;

	rv = uapi_set(buf, uapi_build_device(buf, sizeof(buf), priv, port));
	explicit_bzero(buf, sizeof(buf));
	return rv;
}

static int
uapi_peer_set(const struct wg_peer_spec *p)
{
	char		 buf[UAPI_BUFMAX], b64[TUNNEL_KEYB64MAX];
	char		 ips[2][TUNNEL_ADDRMAX];
	const char	*ipp[2];
	size_t		 lens[2];
	int		 i;

	sodium_bin2base64(b64, sizeof(b64), p->key, WG_KEYLEN,
	    sodium_base64_VARIANT_ORIGINAL);
	for (i = 0; i < p->nips; i++) {
		peer_addr_text(&p->ips[i], ips[i], sizeof(ips[i]));
		ipp[i] = ips[i];
		lens[i] = strlen(ips[i]);
	}
	return uapi_set(buf, uapi_build_peer(buf, sizeof(buf), b64,
	    strlen(b64), ipp, lens, p->nips, p->keepalive));
}

static int
uapi_peer_remove(const uint8_t *k)
{
	char	buf[UAPI_BUFMAX];

	return uapi_set(buf, uapi_build_remove(buf, sizeof(buf), k));
}

static int
uapi_stats(wg_stats_cb cb, void *arg)
{
	static char	reply[UAPI_REPLYMAX];
	ssize_t		n;

	n = uapi_txn("get=1\n\n", 7, reply, sizeof(reply));
	if (uapi_parse_stats(reply, n, cb, arg) == -1)
		fatalx("wireguard-go: malformed get reply");
	return 0;
}

/* uapi_backend: the userspace backend, talking on the connected fd. */
const struct wg_backend *
uapi_backend(int fd)
{
	uapi_fd = fd;
	return &uapi_ops;
}

static void
uapi_exec(const char *ifname)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		_exit(127);
	if (getppid() == 1)
		_exit(127);
	/* Its log lines go to stdout; send them where ours go. */
	if (dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
		_exit(127);
	/* None of our channels: it runs as root, outside any filter. */
	if (syscall(SYS_close_range, 3, ~0U, 0) == -1)
		_exit(127);
	setenv("LOG_LEVEL", "error", 1);
	/* It would print a banner asking for the kernel module. */
	setenv("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD", "1", 1);
	execlp("wireguard-go", "wireguard-go", "-f", ifname, (char *)NULL);
	_exit(127);
}

static int
uapi_connect(const char *ifname)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { 5, 0 };
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock",
	    UAPI_DIR, ifname) >= sizeof(sun.sun_path))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * uapi_start: run "wireguard-go -f ifname" as a child that dies with
 * this process (PR_SET_PDEATHSIG), wait for its UAPI socket and
 * connect it.  Called from setup(), as root and before chroot, since
 * the socket lives outside the chroot.  Returns the connected socket
 * and puts a pidfd for the process in *pidfd, or returns -1.
 */
int
uapi_start(const char *ifname, int *pidfd)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	pid_t		pid;
	int		fd = -1, i, status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		uapi_exec(ifname);
	for (i = 0; i < UAPI_WAIT_MS / 20; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			log_warnx("wireguard-go for %s exited", ifname);
			return -1;
		}
		if ((fd = uapi_connect(ifname)) != -1)
			break;
		nanosleep(&ts, NULL);
	}
	if (fd == -1 || (*pidfd = syscall(SYS_pidfd_open, pid, 0)) == -1) {
		log_warnx("wireguard-go for %s: no UAPI socket", ifname);
		kill(pid, SIGTERM);
		return -1;
	}
	log_info("wireguard-go %d serves %s", (int)pid, ifname);
	return fd;
}
