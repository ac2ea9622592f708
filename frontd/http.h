/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A strict, incremental HTTP/1.1 request parser: bytes in, requests out. */

#ifndef PCCX_HTTP_H
#define PCCX_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* Why a request was refused; http_error_get() maps each to its reply. */
enum http_err {
	HTTP_E_NONE = 0,
	HTTP_E_LINE_ENDING,
	HTTP_E_REQUEST_LINE,
	HTTP_E_REQUEST_LINE_LONG,
	HTTP_E_VERSION,
	HTTP_E_TARGET,
	HTTP_E_PATH,
	HTTP_E_QUERY,
	HTTP_E_HEADER,
	HTTP_E_OBS_FOLD,
	HTTP_E_HEADERS_LARGE,
	HTTP_E_HEADERS_MANY,
	HTTP_E_HOST_MISSING,
	HTTP_E_HOST_DUP,
	HTTP_E_HOST,
	HTTP_E_CL,
	HTTP_E_CL_DUP,
	HTTP_E_TE,
	HTTP_E_FRAMING,
	HTTP_E_CHUNK_SIZE,
	HTTP_E_CHUNK,
	HTTP_E_BODY_LARGE,
	HTTP_E_EXPECT,
	HTTP_E_INTERNAL,
	HTTP_E_MAX
};

/* A refusal as the client sees it: fixed text, nothing from the input. */
struct http_error {
	int		 status;
	const char	*code;
	const char	*message;
};

/* A growable buffer that never passes the bound given to each append. */
struct http_buf {
	char		*data;
	size_t		 len;
	size_t		 cap;
};

struct http_header {
	const char	*name;		/* as sent; case-insensitive */
	const char	*value;		/* blanks around cut */
};

/* Body framing of a request. */
#define HTTP_BODY_NONE		0
#define HTTP_BODY_LENGTH	1
#define HTTP_BODY_CHUNKED	2

/* Head flags. */
#define HTTP_HEAD_CLOSE		0x01	/* no keep-alive after it */
#define HTTP_HEAD_CONTINUE	0x02	/* Expect: 100-continue */
#define HTTP_HEAD_UPGRADE	0x04	/* Connection: upgrade */

/*
 * A parsed request head.  Every string points into mem and is
 * NUL-terminated; the head owns mem once taken from the parser.
 */
struct http_head {
	const char		*method;	/* a token, case kept */
	const char		*target;	/* raw, query included */
	const char		*path;		/* decoded, canonical */
	const char		*query;		/* raw, or NULL */
	int			 version;	/* 10 or 11 */
	int			 framing;	/* HTTP_BODY_* */
	uint64_t		 content_length;
	int			 flags;		/* HTTP_HEAD_* */
	struct http_header	*headers;
	size_t			 nheaders;
	struct http_buf		 mem;
};

/* What http_parse() reports. */
enum http_ev {
	HTTP_EV_MORE = 0,	/* every byte taken, more needed */
	HTTP_EV_HEAD,		/* the head is complete */
	HTTP_EV_DATA,		/* streamed body bytes in data/datalen */
	HTTP_EV_DONE,		/* the request is complete */
	HTTP_EV_ERROR		/* refused: see http_parser_error() */
};

struct http_hoff {
	uint32_t	name;
	uint32_t	value;
};

/* Parser state; fields are private to http.c. */
struct http_parser {
	struct p_limits		 lim;
	int			 state;
	int			 err;
	int			 started;	/* a request began */
	struct http_head	 head;
	struct http_hoff	*hoff;		/* headers in mem */
	size_t			 hoffcap;
	size_t			 linestart;	/* line in mem */
	size_t			 hbytes;	/* header bytes */
	size_t			 nfields;	/* with trailers */
	int			 seen;		/* headers met */
	int			 framing;	/* HTTP_BODY_* */
	uint64_t		 clen;
	size_t			 tgt_off;	/* target in mem */
	size_t			 path_len;	/* raw path */
	int			 has_query;
	struct http_buf		 scratch;	/* chunk, trailer */
	/* if not streamed */
	struct http_buf		 body;
	uint64_t		 cap;		/* body bound */
	int			 stream;
	uint64_t		 remain;	/* of chunk or body */
	uint64_t		 total;		/* body bytes so far */
	const char		*data;		/* HTTP_EV_DATA */
	size_t			 datalen;
};

/* http_parser_init: an empty parser bound by lim (copied). */
void	http_parser_init(struct http_parser *, const struct p_limits *);
/* http_parser_free: release everything the parser still holds. */
void	http_parser_free(struct http_parser *);
/*
 * http_parse: take bytes from in[0..len) and set *used to the number
 * taken.  Returns HTTP_EV_MORE when all were taken and the request is
 * not complete yet; HTTP_EV_HEAD once the head is read (call
 * http_parser_take() and http_parser_body() before going on);
 * HTTP_EV_DATA with a piece of a streamed body in p->data and
 * p->datalen (it points into in); HTTP_EV_DONE at the end of the
 * request, with *used possibly short of len when the next request
 * follows; HTTP_EV_ERROR for a refusal, which sticks.  The call after
 * HTTP_EV_DONE starts the next request and drops anything not taken.
 */
int	http_parse(struct http_parser *, const char *, size_t, size_t *);
/*
 * http_parser_body: before the body is read, set its bound and
 * whether it is handed out as HTTP_EV_DATA (stream != 0) or kept for
 * http_parser_take_body().  The default is lim.body_bytes, kept.
 */
void	http_parser_body(struct http_parser *, uint64_t, int);
/* http_parser_take: move the head out (after HTTP_EV_HEAD or DONE). */
void	http_parser_take(struct http_parser *, struct http_head *);
/*
 * http_parser_take_body: after HTTP_EV_DONE, move the kept body out;
 * it is NUL-terminated for convenience and *body is NULL when empty.
 */
void	http_parser_take_body(struct http_parser *, char **, size_t *);
/* http_parser_busy: non-zero once bytes of a new request were taken. */
int	http_parser_busy(const struct http_parser *);
/* http_parser_error: the refusal after HTTP_EV_ERROR. */
const struct http_error *http_parser_error(const struct http_parser *);
/* http_error_get: the reply for an HTTP_E_* value. */
const struct http_error *http_error_get(int);

/* http_head_free: release a taken head. */
void	http_head_free(struct http_head *);
/* http_head_get: the first header with that name, or NULL. */
const char *http_head_get(const struct http_head *, const char *);

/*
 * http_query_get: find key in a raw query ("a=1&b=x%20y") and decode
 * its value into buf (size bytes, NUL-terminated), '+' meaning space.
 * Returns 1 when found, 0 when absent, -1 when the query is malformed
 * (bad %XX, a decoded NUL or control byte, an empty pair, the key
 * given twice) or the value does not fit.
 */
int	http_query_get(const char *, const char *, char *, size_t);

/*
 * http_field_ok: non-zero when name is a token and value holds only
 * visible characters, blanks and obs-text, so that both can go into a
 * header line as they are.
 */
int	http_field_ok(const char *, const char *);

/* http_reason: the reason phrase of a status code. */
const char *http_reason(int);

#endif
