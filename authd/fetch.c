/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* HTTPS transfers with the libcurl multi interface on the libevent loop. */

#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "common/log.h"
#include "fetch.h"

struct fetch_xfer {
	TAILQ_ENTRY(fetch_xfer)	 entry;
	struct fetch		*f;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;
	size_t			 len;
	size_t			 cap;
	int			 toobig;
	void			(*cb)(const struct fetch_result *, void *);
	void			*arg;
};

struct fetch_sock {
	LIST_ENTRY(fetch_sock)	 entry;
	struct fetch		*f;
	struct event		*ev;
	curl_socket_t		 fd;
};

struct fetch {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	char			*ca;
	size_t			 calen;
	long			 connect_ms;
	long			 total_ms;
	size_t			 ninflight;
	TAILQ_HEAD(, fetch_xfer) xfers;
	LIST_HEAD(, fetch_sock)	 socks;
};

static int	 fetch_read_ca(struct fetch *, const char *);
static int	 fetch_on_socket(CURL *, curl_socket_t, int, void *, void *);
static int	 fetch_on_timer(CURLM *, long, void *);
static void	 fetch_ev_socket(evutil_socket_t, short, void *);
static void	 fetch_ev_timer(evutil_socket_t, short, void *);
static void	 fetch_reap(struct fetch *);
static size_t	 fetch_write(char *, size_t, size_t, void *);
static int	 fetch_setopts(struct fetch_xfer *, const struct fetch_req *);
static void	 fetch_xfer_free(struct fetch_xfer *);

static const char *const fetch_names[FETCH_E_MAX] = {
	[FETCH_OK] = "ok",
	[FETCH_E_URL] = "bad_url",
	[FETCH_E_BUSY] = "busy",
	[FETCH_E_NOMEM] = "no_memory",
	[FETCH_E_CONNECT] = "connect_failed",
	[FETCH_E_TLS] = "tls_failed",
	[FETCH_E_TIMEOUT] = "timeout",
	[FETCH_E_TOOBIG] = "answer_too_big",
	[FETCH_E_NET] = "transfer_failed",
};

const char *
fetch_strerror(enum fetch_err e)
{
	if ((unsigned)e >= FETCH_E_MAX)
		return "unknown";
	return fetch_names[e];
}

struct fetch *
fetch_new(struct event_base *base, const char *ca_file)
{
	struct fetch	*f;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("fetch: curl_global_init failed");
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		log_warn("fetch");
		goto fail_global;
	}
	f->base = base;
	f->connect_ms = FETCH_CONNECT_MS;
	f->total_ms = FETCH_TOTAL_MS;
	TAILQ_INIT(&f->xfers);
	LIST_INIT(&f->socks);
	if (fetch_read_ca(f, ca_file) == -1)
		goto fail_free;
	if ((f->multi = curl_multi_init()) == NULL ||
	    (f->timer = evtimer_new(base, fetch_ev_timer, f)) == NULL) {
		log_warnx("fetch: cannot create the transfer engine");
		goto fail_multi;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fetch_on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fetch_on_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 8L);
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, 4L);
	return f;

fail_multi:
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	free(f->ca);
fail_free:
	free(f);
fail_global:
	curl_global_cleanup();
	return NULL;
}

/*
 * Read the trust anchors into memory: after chroot the file is out of
 * reach, and holding them here also keeps the system's CA directory
 * out of the decision.
 */
static int
fetch_read_ca(struct fetch *f, const char *path)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	if (path == NULL || *path == '\0')
		path = curl_version_info(CURLVERSION_NOW)->cainfo;
	if (path == NULL) {
		log_warnx("fetch: no CA file configured and no default");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		log_warn("fetch: %s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > FETCH_CA_MAX) {
		log_warnx("fetch: %s: not a CA file of a sane size", path);
		goto fail;
	}
	if ((f->ca = malloc(st.st_size)) == NULL)
		goto fail;
	while (f->calen < (size_t)st.st_size) {
		n = read(fd, f->ca + f->calen, st.st_size - f->calen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warnx("fetch: %s: short read", path);
			goto fail;
		}
		f->calen += n;
	}
	close(fd);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(f->ca);
	f->ca = NULL;
	return -1;
}

void
fetch_free(struct fetch *f)
{
	struct fetch_xfer	*x;
	struct fetch_sock	*fs;

	if (f == NULL)
		return;
	while ((x = TAILQ_FIRST(&f->xfers)) != NULL)
		fetch_xfer_free(x);
	curl_multi_cleanup(f->multi);
	/* Sockets of cached connections libcurl did not report closed. */
	while ((fs = LIST_FIRST(&f->socks)) != NULL) {
		LIST_REMOVE(fs, entry);
		if (fs->ev != NULL)
			event_free(fs->ev);
		free(fs);
	}
	event_free(f->timer);
	free(f->ca);
	free(f);
	curl_global_cleanup();
}

void
fetch_set_timeouts(struct fetch *f, long connect_ms, long total_ms)
{
	f->connect_ms = connect_ms;
	f->total_ms = total_ms;
}

size_t
fetch_inflight(const struct fetch *f)
{
	return f->ninflight;
}

/* Only https:// URLs of a bounded length, without bytes curl would mangle. */
static int
fetch_url_ok(const char *url)
{
	size_t	i, len;

	len = strnlen(url, FETCH_URL_MAX);
	if (len == FETCH_URL_MAX || strncasecmp(url, "https://", 8) != 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return 0;
	return 1;
}

enum fetch_err
fetch_start(struct fetch *f, const struct fetch_req *req,
    void (*cb)(const struct fetch_result *, void *), void *arg)
{
	struct fetch_xfer	*x;

	if (!fetch_url_ok(req->url))
		return FETCH_E_URL;
	if (f->ninflight >= FETCH_INFLIGHT_MAX)
		return FETCH_E_BUSY;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return FETCH_E_NOMEM;
	x->f = f;
	x->cb = cb;
	x->arg = arg;
	if ((x->easy = curl_easy_init()) == NULL || fetch_setopts(x, req)) {
		fetch_xfer_free(x);
		return FETCH_E_NOMEM;
	}
	if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		fetch_xfer_free(x);
		return FETCH_E_NOMEM;
	}
	TAILQ_INSERT_TAIL(&f->xfers, x, entry);
	f->ninflight++;
	return FETCH_OK;
}

/* The request itself: method, target, credentials, headers. */
static int
fetch_setopts_req(struct fetch_xfer *x, const struct fetch_req *req)
{
	CURL		*e = x->easy;
	struct curl_slist *h;
	int		 rc = 0;

	rc |= curl_easy_setopt(e, CURLOPT_URL, req->url);
	if (req->form != NULL)
		rc |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->form);
	if (req->user != NULL && req->password != NULL) {
		rc |= curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		rc |= curl_easy_setopt(e, CURLOPT_USERNAME, req->user);
		rc |= curl_easy_setopt(e, CURLOPT_PASSWORD, req->password);
	}
	if (req->bearer != NULL) {
		rc |= curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		rc |= curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, req->bearer);
	}
	if ((h = curl_slist_append(NULL, "Accept: application/json")) == NULL)
		return -1;
	x->headers = h;
	rc |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	return rc != CURLE_OK ? -1 : 0;
}

/* The policy every transfer runs under. */
static int
fetch_setopts(struct fetch_xfer *x, const struct fetch_req *req)
{
	struct curl_blob ca = { x->f->ca, x->f->calen, CURL_BLOB_NOCOPY };
	CURL		*e = x->easy;
	int		 rc = 0;

	rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(e, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	rc |= curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
	rc |= curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	rc |= curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
	rc |= curl_easy_setopt(e, CURLOPT_PROXY, "");
	rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, x->f->connect_ms);
	rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->f->total_ms);
	rc |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)FETCH_BODY_MAX);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, "pccx-authd");
	if (rc != CURLE_OK)
		return -1;
	return fetch_setopts_req(x, req);
}

/* Collect the body; past the cap, abort the transfer. */
static size_t
fetch_write(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_xfer	*x = arg;
	size_t			 len = size * n, cap;
	char			*b;

	if (len > FETCH_BODY_MAX - x->len) {
		x->toobig = 1;
		return 0;
	}
	if (x->len + len + 1 > x->cap) {
		cap = x->cap ? x->cap : 4096;
		while (cap < x->len + len + 1)
			cap *= 2;
		if ((b = realloc(x->body, cap)) == NULL)
			return 0;
		x->body = b;
		x->cap = cap;
	}
	memcpy(x->body + x->len, p, len);
	x->len += len;
	x->body[x->len] = '\0';
	return len;
}

static void
fetch_xfer_free(struct fetch_xfer *x)
{
	struct fetch	*f = x->f;

	if (x->easy != NULL) {
		curl_multi_remove_handle(f->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	if (x->entry.tqe_prev != NULL) {
		TAILQ_REMOVE(&f->xfers, x, entry);
		f->ninflight--;
	}
	curl_slist_free_all(x->headers);
	free(x->body);
	free(x);
}

/* libcurl wants to hear about (what) on s: keep one event per socket. */
static int
fetch_on_socket(CURL *e, curl_socket_t s, int what, void *arg, void *sp)
{
	struct fetch		*f = arg;
	struct fetch_sock	*fs = sp;
	short			 ev = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (fs != NULL) {
			LIST_REMOVE(fs, entry);
			if (fs->ev != NULL)
				event_free(fs->ev);
			free(fs);
		}
		curl_multi_assign(f->multi, s, NULL);
		return 0;
	}
	if (fs == NULL) {
		if ((fs = calloc(1, sizeof(*fs))) == NULL)
			return -1;
		fs->f = f;
		fs->fd = s;
		LIST_INSERT_HEAD(&f->socks, fs, entry);
		curl_multi_assign(f->multi, s, fs);
	} else if (fs->ev != NULL) {
		event_free(fs->ev);
		fs->ev = NULL;
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	if ((fs->ev = event_new(f->base, s, ev, fetch_ev_socket, fs)) == NULL ||
	    event_add(fs->ev, NULL) == -1)
		return -1;
	return 0;
}

static int
fetch_on_timer(CURLM *m, long ms, void *arg)
{
	struct fetch	*f = arg;
	struct timeval	 tv;

	if (ms < 0) {
		evtimer_del(f->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return evtimer_add(f->timer, &tv);
}

static void
fetch_ev_socket(evutil_socket_t fd, short ev, void *arg)
{
	struct fetch_sock	*fs = arg;
	struct fetch		*f = fs->f;
	int			 flags = 0, running;

	if (ev & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (ev & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, fd, flags, &running);
	fetch_reap(f);
}

static void
fetch_ev_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct fetch	*f = arg;
	int		 running;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	fetch_reap(f);
}

static enum fetch_err
fetch_map(const struct fetch_xfer *x, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return FETCH_OK;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return x->toobig || rc == CURLE_FILESIZE_EXCEEDED ?
		    FETCH_E_TOOBIG : FETCH_E_NOMEM;
	case CURLE_OPERATION_TIMEDOUT:
		return FETCH_E_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return FETCH_E_CONNECT;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return FETCH_E_URL;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return FETCH_E_TLS;
	default:
		return FETCH_E_NET;
	}
}

/* Hand every finished transfer to its owner, then free it. */
static void
fetch_reap(struct fetch *f)
{
	struct fetch_result	 res;
	struct fetch_xfer	*x;
	CURLMsg			*m;
	char			*ct;
	int			 left;

	while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &x);
		memset(&res, 0, sizeof(res));
		res.error = fetch_map(x, m->data.result);
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &res.status);
		if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct) ||
		    ct == NULL)
			ct = "";
		res.ctype = ct;
		res.body = x->body != NULL ? x->body : "";
		res.len = x->len;
		if (res.error != FETCH_OK)
			log_debug("fetch: %s", curl_easy_strerror(
			    m->data.result));
		x->cb(&res, x->arg);
		fetch_xfer_free(x);
	}
}
