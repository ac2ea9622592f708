/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebSocket connections to the server: signed upgrade over libcurl. */

/*
 * libcurl connects (TLS included) and then only moves bytes: the
 * upgrade request is written here, signed like any other request, and
 * the answer's head is parsed by wsc_head().  A refusal comes back as
 * an ordinary JSON error, printed with the server's code.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "client/ws.h"

#define WSC_WAIT_MS	15000	/* for the upgrade's answer */
#define WSC_ERRBODY	(64 * 1024)

static ssize_t
wsc_net_send(struct wsc *w, const uint8_t *p, size_t len)
{
	size_t		n = 0;
	CURLcode	rc;

	rc = curl_easy_send(w->e, p, len, &n);
	if (rc == CURLE_AGAIN) {
		errno = EAGAIN;
		return -1;
	}
	if (rc != CURLE_OK) {
		errno = EPIPE;
		return -1;
	}
	return n;
}

/* Wait until the socket is ready for events, or a signal stops us. */
static int
wsc_wait(struct wsc *w, short events)
{
	struct pollfd	pfd[2];
	int		n;

	pfd[0].fd = w->fd;
	pfd[0].events = events;
	pfd[1].fd = intr_fd();
	pfd[1].events = POLLIN;
	if ((n = poll(pfd, 2, WSC_WAIT_MS)) == -1 && errno != EINTR)
		return -1;
	if (intr_stop() != 0 || n == 0)
		return -1;
	return 0;
}

/* Send all of p, waiting when the socket is full. */
static int
wsc_send_all(struct wsc *w, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = wsc_net_send(w, (const uint8_t *)p, len)) == -1) {
			if (errno != EAGAIN || wsc_wait(w, POLLOUT) == -1)
				return -1;
			continue;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Read some bytes into buf; the count, 0 at EOF, -1 on error. */
static ssize_t
wsc_recv_some(struct wsc *w, char *buf, size_t size)
{
	size_t		n;
	CURLcode	rc;

	for (;;) {
		rc = curl_easy_recv(w->e, buf, size, &n);
		if (rc == CURLE_OK)
			return n;
		if (rc != CURLE_AGAIN || wsc_wait(w, POLLIN) == -1)
			return -1;
	}
}

/* The upgrade request, with the signed fields; NULL on failure. */
static char *
wsc_request(const struct client *c, const char *path, const char *url,
    const char *key, size_t *len)
{
	static const struct http_opts o = { NULL, NULL, NULL, 1 };
	struct http_opts	 so = o;
	struct curl_slist	*h = NULL, *p;
	unsigned char		 sha[crypto_hash_sha256_BYTES];
	const char		*host = strstr(c->server, "://") + 3;
	char			*buf;
	size_t			 size = 1024, off;

	so.key = &c->key;
	crypto_hash_sha256(sha, (const unsigned char *)"", 0);
	if (http_fields(c, &so, "GET", url, sha, &h) == -1)
		return NULL;
	for (p = h; p != NULL; p = p->next)
		size += strlen(p->data) + 2;
	size += strlen(path) + strlen(host);
	if ((buf = malloc(size)) == NULL)
		fatal("malloc");
	off = snprintf(buf, size, "GET %s HTTP/1.1\r\nHost: %.*s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", path,
	    (int)strcspn(host, "/"), host, key);
	for (p = h; p != NULL; p = p->next)
		off += snprintf(buf + off, size - off, "%s\r\n", p->data);
	off += snprintf(buf + off, size - off, "\r\n");
	http_fields_free(h);
	*len = off;
	return buf;
}

/* A refusal: the JSON body after the head, printed; the exit code. */
static int
wsc_refused(struct wsc *w, char *buf, size_t have, size_t hlen,
    long status, long long clen)
{
	struct reply	r;
	size_t		want;
	ssize_t		n;

	memset(&r, 0, sizeof(r));
	r.status = status;
	want = clen < 0 || clen > WSC_ERRBODY ? 0 : hlen + clen;
	while (have < want && (n = wsc_recv_some(w, buf + have,
	    want - have)) > 0)
		have += n;
	if (want > 0 && have >= want)
		r.json = json_loadb(buf + hlen, clen, 0, NULL);
	n = http_refused("websocket", &r);
	reply_free(&r);
	return n;
}

/* Read the answer's head; 0 with the rest fed to w, or the exit code. */
static int
wsc_answer(struct wsc *w, const char *key)
{
	char		*buf, want[32], got[64];
	size_t		 have = 0;
	ssize_t		 n, hlen = 0;
	long		 status;
	long long	 clen;
	int		 rv = EXIT_REFUSED;

	if ((buf = malloc(WSC_HEADMAX + WSC_ERRBODY)) == NULL)
		fatal("malloc");
	while (hlen == 0 && (n = wsc_recv_some(w, buf + have,
	    WSC_HEADMAX - have)) > 0) {
		have += n;
		hlen = wsc_head(buf, have, &status, &clen, got, sizeof(got));
	}
	wsc_accept_key(key, want);
	if (hlen <= 0)
		log_warnx("websocket: %s", intr_stop() ? "interrupted" :
		    hlen == 0 ? "no answer" : "not an HTTP answer");
	if (hlen <= 0)
		rv = intr_stop() ? EXIT_SIGBASE + intr_stop() : EXIT_UNREACH;
	else if (status != 101)
		rv = wsc_refused(w, buf, have, hlen, status, clen);
	else if (strcmp(got, want) != 0)
		log_warnx("websocket: the server's accept key is wrong");
	else {
		/* A close or a bad frame in there shows in the loop. */
		(void)wsc_feed(w, (uint8_t *)buf + hlen, have - hlen);
		rv = 0;
	}
	free(buf);
	return rv;
}

/* Connect with libcurl and take its socket. */
static int
wsc_open(const struct client *c, struct wsc *w, const char *url)
{
	curl_socket_t	s;
	CURLcode	rc;

	if ((w->e = curl_easy_init()) == NULL)
		fatalx("curl: out of memory");
	http_options(c, w->e, url);
	curl_easy_setopt(w->e, CURLOPT_CONNECT_ONLY, 1L);
	if ((rc = curl_easy_perform(w->e)) != CURLE_OK) {
		log_warnx("%s: %s", c->server, curl_easy_strerror(rc));
		return -1;
	}
	if (curl_easy_getinfo(w->e, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK ||
	    s == CURL_SOCKET_BAD)
		return -1;
	w->fd = s;
	return 0;
}

/* wsc_connect: see ws.h. */
struct wsc *
wsc_connect(const struct client *c, const char *path,
    void (*message)(struct wsc *, int, const uint8_t *, size_t, void *),
    void *arg, int *rv)
{
	struct wsc	*w;
	unsigned char	 raw[16];
	char		 url[CLIENT_URLMAX + 512], key[32], *req;
	size_t		 len;

	if ((w = malloc(sizeof(*w))) == NULL || wsc_init(w, wsc_net_send,
	    message, arg) == -1)
		fatalx("out of memory");
	*rv = EXIT_UNREACH;
	if (http_url(c, path, url, sizeof(url)) == -1 ||
	    wsc_open(c, w, url) == -1)
		goto fail;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(key, sizeof(key), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((req = wsc_request(c, path, url, key, &len)) == NULL) {
		*rv = EXIT_NOLOGIN;
		goto fail;
	}
	if (wsc_send_all(w, req, len) == -1) {
		log_warnx("%s: cannot send", c->server);
		*rv = EXIT_UNREACH;
	} else
		*rv = wsc_answer(w, key);
	sodium_memzero(req, len);
	free(req);
	w->heard = now_mono_ms();
	if (*rv == 0)
		return w;
 fail:
	wsc_free(w);
	return NULL;
}

/* wsc_read: all the socket has now, fed to the framing. */
int
wsc_read(struct wsc *w)
{
	uint8_t		buf[16384];
	size_t		n;
	CURLcode	rc;

	for (;;) {
		rc = curl_easy_recv(w->e, buf, sizeof(buf), &n);
		if (rc == CURLE_AGAIN)
			return 0;
		if (rc != CURLE_OK || n == 0) {
			w->eof = 1;
			return -1;
		}
		w->heard = now_mono_ms();
		if (wsc_feed(w, buf, n) == -1)
			return -1;
	}
}

/* wsc_silent: the server has said nothing for too long. */
int
wsc_silent(struct wsc *w)
{
	if (now_mono_ms() - w->heard < WSC_SILENT_MS)
		return 0;
	w->eof = 1;
	return 1;
}

/* wsc_poll_set: queued bytes out, pfd[0] and pfd[1] set for poll. */
int
wsc_poll_set(struct wsc *w, struct pollfd *pfd)
{
	if (wsc_flush(w) == -1)
		return -1;
	if (wsc_done(w))
		return w->eof && w->code == 0 ? -1 : 0;
	pfd[0].fd = w->fd;
	pfd[0].events = POLLIN | (wsc_want_write(w) ? POLLOUT : 0);
	pfd[1].fd = intr_fd();
	pfd[1].events = POLLIN;
	return 1;
}

/* wsc_free: the connection and the context. */
void
wsc_free(struct wsc *w)
{
	if (w == NULL)
		return;
	wsc_fini(w);
	if (w->e != NULL)
		curl_easy_cleanup(w->e);
	free(w);
}
