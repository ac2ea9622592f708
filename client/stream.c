/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Streamed requests: answers read as they come, files sent as read. */

/*
 * One transfer on a curl multi handle, so that the wait also watches
 * the signal pipe: Ctrl-C (or a closed terminal) drops the connection
 * at once, and the server ends what it was doing for it.  A body from
 * a file is sent with its length, while the answer is read; the answer
 * of a 2xx goes to the caller's handler as it comes, any other answer
 * is kept (bounded) for its JSON error.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/log.h"
#include "client/pccx.h"

#define STREAM_ERRMAX	(64 * 1024)	/* an error's body */
#define STREAM_POLL_MS	500

/* One transfer as it goes. */
struct stream {
	const struct stream_req	*r;
	const char		*server;
	CURL			*e;
	long			 status;	/* 0 until known */
	char			*err;		/* a non-2xx body */
	size_t			 errlen;
	uint64_t		 sent;
	int			 stopped;	/* the handler said -1 */
};

static size_t
stream_write(char *p, size_t size, size_t n, void *arg)
{
	struct stream	*s = arg;
	size_t		 len = size * n;
	char		*d;

	if (s->status == 0)
		curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status >= 200 && s->status < 300) {
		if (s->r->data != NULL && s->r->data(p, len, s->r->arg) ==
		    -1) {
			s->stopped = 1;
			return 0;
		}
		return len;
	}
	if (s->errlen + len > STREAM_ERRMAX)
		return len;	/* the rest is not needed */
	if ((d = realloc(s->err, s->errlen + len + 1)) == NULL)
		return 0;
	memcpy(d + s->errlen, p, len);
	s->err = d;
	s->errlen += len;
	s->err[s->errlen] = '\0';
	return len;
}

static size_t
stream_read(char *p, size_t size, size_t n, void *arg)
{
	struct stream	*s = arg;
	ssize_t		 got;

	if (s->sent >= s->r->size)
		return 0;
	do
		got = read(s->r->fd, p, size * n);
	while (got == -1 && errno == EINTR);
	if (got == -1) {
		log_warn("read");
		return CURL_READFUNC_ABORT;
	}
	if (got == 0 && s->sent < s->r->size) {
		log_warnx("the file shrank while it was sent");
		return CURL_READFUNC_ABORT;
	}
	s->sent += got;
	return got;
}

/* The transfer's options: method, body, handlers. */
static void
stream_setup(const struct client *c, struct stream *s, const char *url)
{
	const struct stream_req	*r = s->r;

	http_options(c, s->e, url);
	curl_easy_setopt(s->e, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(s->e, CURLOPT_WRITEDATA, s);
	if (r->timeout > 0)
		curl_easy_setopt(s->e, CURLOPT_TIMEOUT, r->timeout);
	if (r->fd != -1) {
		curl_easy_setopt(s->e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(s->e, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)r->size);
		curl_easy_setopt(s->e, CURLOPT_READFUNCTION, stream_read);
		curl_easy_setopt(s->e, CURLOPT_READDATA, s);
	} else if (r->body != NULL) {
		curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->bodylen);
	} else if (strcmp(r->method, "GET") == 0)
		curl_easy_setopt(s->e, CURLOPT_HTTPGET, 1L);
}

/* Run the transfer until it ends or a signal stops it. */
static int
stream_run(struct stream *s, CURLM *m)
{
	struct curl_waitfd	 w;
	struct CURLMsg		*msg;
	CURLMcode		 mc;
	int			 running = 1, left;
	CURLcode		 rc = CURLE_OK;

	w.fd = intr_fd();
	w.events = CURL_WAIT_POLLIN;
	while (running) {
		if ((mc = curl_multi_perform(m, &running)) != CURLM_OK)
			fatalx("curl: %s", curl_multi_strerror(mc));
		if (s->r->tick != NULL && s->r->fd != -1)
			s->r->tick(s->r->arg, s->sent);
		if (!running)
			break;
		if (intr_stop() != 0)
			return EXIT_SIGBASE + intr_stop();
		w.revents = 0;
		if ((mc = curl_multi_poll(m, &w, 1, STREAM_POLL_MS, NULL)) !=
		    CURLM_OK)
			fatalx("curl: %s", curl_multi_strerror(mc));
		if (intr_stop() != 0)
			return EXIT_SIGBASE + intr_stop();
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			rc = msg->data.result;
	if (rc != CURLE_OK && !(s->stopped && rc == CURLE_WRITE_ERROR)) {
		log_warnx("%s: %s", s->server, curl_easy_strerror(rc));
		return EXIT_UNREACH;
	}
	return 0;
}

/* http_stream: see pccx.h.  Headers and bodies are wiped after use. */
int
http_stream(const struct client *c, const struct stream_req *r,
    struct reply *rep)
{
	struct stream		 s;
	struct curl_slist	*h = NULL;
	unsigned char		 sha[crypto_hash_sha256_BYTES];
	char			 url[CLIENT_URLMAX + 512];
	CURLM			*m = NULL;
	int			 rv = EXIT_UNREACH;

	memset(rep, 0, sizeof(*rep));
	memset(&s, 0, sizeof(s));
	if (intr_fd() == -1)
		intr_init(0);
	s.r = r;
	s.server = c->server;
	if (http_url(c, r->path, url, sizeof(url)) == -1)
		return EXIT_USAGE;
	if (r->sha != NULL)
		memcpy(sha, r->sha, sizeof(sha));
	else
		crypto_hash_sha256(sha, (const unsigned char *)(r->body !=
		    NULL ? r->body : ""), r->body != NULL ? r->bodylen : 0);
	/* No "Expect: 100-continue": the body goes at once. */
	if (r->fd != -1 && (h = curl_slist_append(NULL, "Expect:")) == NULL)
		fatalx("curl: out of memory");
	if (http_fields(c, &r->o, r->method, url, sha, &h) == -1) {
		log_warnx("cannot build the request");
		goto done;
	}
	if ((s.e = curl_easy_init()) == NULL || (m = curl_multi_init()) ==
	    NULL)
		fatalx("curl: out of memory");
	stream_setup(c, &s, url);
	curl_easy_setopt(s.e, CURLOPT_HTTPHEADER, h);
	curl_multi_add_handle(m, s.e);
	if ((rv = stream_run(&s, m)) == 0) {
		curl_easy_getinfo(s.e, CURLINFO_RESPONSE_CODE, &rep->status);
		if (s.err != NULL)
			rep->json = json_loadb(s.err, s.errlen, 0, NULL);
		log_debug("%s %s: HTTP %ld", r->method, r->path,
		    rep->status);
	}
	curl_multi_remove_handle(m, s.e);
 done:
	http_fields_free(h);
	if (s.e != NULL)
		curl_easy_cleanup(s.e);
	if (m != NULL)
		curl_multi_cleanup(m);
	free(s.err);
	return rv;
}
