/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Requests to the server over libcurl: signed, with token and device key. */

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "common/log.h"
#include "client/pccx.h"

#define HTTP_BODYMAX	(1024 * 1024)
#define HTTP_TIMEOUT	30L

/* A growing answer body, bounded. */
struct http_buf {
	char	*data;
	size_t	 len;
	int	 toolong;
};

static size_t
http_write(char *p, size_t size, size_t n, void *arg)
{
	struct http_buf	*b = arg;
	size_t		 len = size * n;
	char		*d;

	if (b->len + len > HTTP_BODYMAX) {
		b->toolong = 1;
		return 0;
	}
	if ((d = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	memcpy(d + b->len, p, len);
	b->data = d;
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Add "name: value" to the list; the text is wiped after the copy. */
static int
http_header(struct curl_slist **h, const char *name, const char *value)
{
	struct curl_slist	*n;
	char			*line;
	size_t			 len = strlen(name) + strlen(value) + 3;

	if ((line = malloc(len)) == NULL)
		return -1;
	snprintf(line, len, "%s: %s", name, value);
	n = curl_slist_append(*h, line);
	sodium_memzero(line, len);
	free(line);
	if (n == NULL)
		return -1;
	*h = n;
	return 0;
}

/*
 * The token travels as "Bearer TOKEN": the header list holds a copy,
 * so the token is put there through a buffer wiped right after.
 */
static int
http_bearer(struct curl_slist **h, const char *token)
{
	size_t	 len = strlen(token) + 8;
	char	*s;
	int	 rv;

	if ((s = malloc(len)) == NULL)
		return -1;
	snprintf(s, len, "Bearer %s", token);
	rv = http_header(h, "Authorization", s);
	sodium_memzero(s, len);
	free(s);
	return rv;
}

/*
 * http_fields: the header fields of one request whose body has the
 * SHA-256 sha: Accept, Content-Type when ctype is not NULL, and with a
 * login the bearer token, the device key and the signature.
 */
int
http_fields(const struct client *c, const struct http_opts *o,
    const char *method, const char *url, const unsigned char *sha,
    struct curl_slist **h)
{
	struct sign_fields	f;
	int			rv = 0;

	rv |= http_header(h, "Accept", o->accept != NULL ? o->accept :
	    "application/json");
	if (o->ctype != NULL)
		rv |= http_header(h, "Content-Type", o->ctype);
	if (o->auth) {
		if (c->wg_pub[0] == '\0' || c->token == NULL) {
			log_warnx("no token to send");
			return -1;
		}
		rv |= http_header(h, "X-Device-Key", c->wg_pub);
		rv |= http_bearer(h, c->token);
	}
	if (o->key != NULL) {
		if (sign_request_sha(o->key, method, url, sha, &f) == -1)
			return -1;
		rv |= http_header(h, "Content-Digest", f.content_digest);
		rv |= http_header(h, "Signature-Input", f.signature_input);
		rv |= http_header(h, "Signature", f.signature);
	}
	return rv;
}

/* http_fields_free: wipe the header list, then free it. */
void
http_fields_free(struct curl_slist *h)
{
	struct curl_slist	*p;

	for (p = h; p != NULL; p = p->next)
		sodium_memzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

/* http_url: the server's address and path; 0, or -1 if too long. */
int
http_url(const struct client *c, const char *path, char *url, size_t size)
{
	int	n = snprintf(url, size, "%s%s", c->server, path);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * http_options: what every request sets: no redirects, no other
 * protocols, the CA file of the config.
 */
void
http_options(const struct client *c, CURL *e, const char *url)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pccx");
	if (c->ca_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
}

/* The options of one request: no redirects, no other protocols. */
static void
http_setup(const struct client *c, CURL *e, const char *method,
    const char *url, const char *body, struct http_buf *b)
{
	http_options(c, e, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, HTTP_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	if (body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
}

/* http_call: one request; see pccx.h.  Headers are wiped after use. */
int
http_call(const struct client *c, const char *method, const char *path,
    const char *body, const struct sign_key *key, int auth,
    struct reply *rep)
{
	struct http_opts	 o = { NULL, NULL, key, auth };
	struct http_buf		 b = { NULL, 0, 0 };
	struct curl_slist	*h = NULL;
	unsigned char		 sha[crypto_hash_sha256_BYTES];
	char			 url[CLIENT_URLMAX + 256];
	CURL			*e;
	CURLcode		 rc;
	curl_off_t		 ra = 0;
	int			 rv = EXIT_UNREACH;

	memset(rep, 0, sizeof(*rep));
	if (http_url(c, path, url, sizeof(url)) == -1 ||
	    (e = curl_easy_init()) == NULL)
		return EXIT_UNREACH;
	if (body != NULL)
		o.ctype = "application/json";
	crypto_hash_sha256(sha, (const unsigned char *)(body != NULL ? body :
	    ""), body != NULL ? strlen(body) : 0);
	if (http_fields(c, &o, method, url, sha, &h) == -1) {
		log_warnx("cannot build the request");
		goto done;
	}
	http_setup(c, e, method, url, body, &b);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	if ((rc = curl_easy_perform(e)) != CURLE_OK) {
		log_warnx("%s: %s", c->server, curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &rep->status);
	curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra);
	rep->retry_after = (long)ra;
	log_debug("%s %s: HTTP %ld", method, path, rep->status);
	/* jansson's copies are wiped as they go (http_init). */
	if (b.data != NULL)
		rep->json = json_loadb(b.data, b.len, 0, NULL);
	rv = 0;
 done:
	http_fields_free(h);
	curl_easy_cleanup(e);
	if (b.data != NULL) {
		sodium_memzero(b.data, b.len);
		free(b.data);
	}
	return rv;
}

/* http_wipe: zero all of a block from malloc, as far as it is usable. */
void
http_wipe(void *p)
{
	if (p != NULL)
		sodium_memzero(p, malloc_usable_size(p));
}

/* jansson's free: answers hold tokens, so nothing goes back unwiped. */
void
http_json_free(void *p)
{
	http_wipe(p);
	free(p);
}

void
http_init(void)
{
	json_set_alloc_funcs(malloc, http_json_free);
}

/* http_clean: a server's text, cut short, no control characters. */
const char *
http_clean(const char *in, char *out, size_t size)
{
	size_t	i;

	for (i = 0; in[i] != '\0' && i + 1 < size; i++)
		out[i] = (unsigned char)in[i] < 0x20 ||
		    (unsigned char)in[i] >= 0x7f ? '?' : in[i];
	out[i] = '\0';
	return out;
}

/* http_refused: one line with the server's code; 4 for 401, else 1. */
int
http_refused(const char *what, const struct reply *r)
{
	json_t		*err = json_object_get(r->json, "error");
	const char	*code, *msg;
	char		 b1[64], b2[160];

	code = json_string_value(json_object_get(err, "code"));
	msg = json_string_value(json_object_get(err, "message"));
	if (code != NULL)
		log_warnx("%s: refused: %s (%s)", what,
		    http_clean(code, b1, sizeof(b1)),
		    http_clean(msg != NULL ? msg : "no message", b2,
		    sizeof(b2)));
	else
		log_warnx("%s: refused: HTTP status %ld", what,
		    r->status);
	if (r->status == 401)
		return EXIT_NOLOGIN;
	return EXIT_REFUSED;
}

/* reply_free: drop the parsed body of an answer. */
void
reply_free(struct reply *r)
{
	json_decref(r->json);
	r->json = NULL;
}
