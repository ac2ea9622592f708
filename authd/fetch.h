/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* HTTPS GET and POST to the OpenID provider, driven by the event loop. */

#ifndef PCCX_FETCH_H
#define PCCX_FETCH_H

#include <stddef.h>

struct event_base;
struct fetch;

/* larger answers fail */
#define FETCH_BODY_MAX		(256 * 1024)
#define FETCH_URL_MAX		2048
#define FETCH_CA_MAX		(4 * 1024 * 1024)
#define FETCH_INFLIGHT_MAX	64
#define FETCH_CONNECT_MS	5000
#define FETCH_TOTAL_MS		10000

enum fetch_err {
	FETCH_OK = 0,
	FETCH_E_URL,		/* not an https:// URL, or too long */
	FETCH_E_BUSY,		/* too many transfers in flight */
	FETCH_E_NOMEM,
	FETCH_E_CONNECT,	/* name resolution or connection failed */
	FETCH_E_TLS,		/* handshake or certificate check failed */
	FETCH_E_TIMEOUT,
	FETCH_E_TOOBIG,		/* answer larger than FETCH_BODY_MAX */
	FETCH_E_NET,		/* any other transfer failure */
	FETCH_E_MAX
};

/* The outcome of one transfer, valid only during the callback. */
struct fetch_result {
	enum fetch_err	 error;
	/* HTTP status; 0 without an answer */
	long		 status;
	const char	*body;		/* NUL-terminated; never NULL */
	size_t		 len;
	const char	*ctype;		/* Content-Type, or "" */
};

struct fetch_req {
	const char	*url;		/* https:// only */
	/* POST this urlencoded form, or NULL */
	const char	*form;
	/* HTTP basic credentials, or NULL */
	const char	*user;
	const char	*password;
	const char	*bearer;	/* Authorization: Bearer, or NULL */
};

/*
 * fetch_new: a transfer engine on base.  The CA bundle (ca_file, or
 * libcurl's default bundle when ca_file is NULL or "") is read now,
 * so call it before chroot; it is the only trust anchor used.
 * Returns NULL and logs why on failure.
 */
struct fetch	*fetch_new(struct event_base *, const char *);
/* fetch_free: abort every transfer, without callbacks, and free f. */
void		 fetch_free(struct fetch *);
/*
 * fetch_start: begin one transfer: certificate and host verified,
 * https only, no redirect followed, bounded time and size.  On
 * FETCH_OK, cb(result, arg) runs exactly once from the event loop,
 * never from inside this call; on any other code it never runs.
 * Every string of req is copied; cb must not call fetch_free.
 */
enum fetch_err	 fetch_start(struct fetch *, const struct fetch_req *,
		    void (*)(const struct fetch_result *, void *), void *);
/* fetch_set_timeouts: connect and total limits in ms, for later starts. */
void		 fetch_set_timeouts(struct fetch *, long, long);
/* fetch_inflight: how many transfers run now. */
size_t		 fetch_inflight(const struct fetch *);
/* fetch_strerror: a fixed lower-case name for a code. */
const char	*fetch_strerror(enum fetch_err);

#endif
