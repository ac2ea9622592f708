/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Tokens and request signatures behind a JSON pipe, for the node checks. */

/*
 * One JSON object a line on stdin, one answer a line on stdout.  The
 * store signs with a fresh key each run; "now" defaults to the clock.
 *   {"op":"jwks"}
 *   {"op":"issue","user","device","x","roles","now"}
 *   {"op":"verify","jwt","now"}, {"op":"refresh","jwt","now"}
 *   {"op":"revoke","by":"sid"|"device"|"user","name"}
 *   {"op":"thumbprint","x"}
 *   {"op":"httpsig","method","uri","signature-input","signature",
 *    "content-digest","body","keyid","x","now"}     (body: base64)
 *   {"op":"sign","method","uri","body","d","keyid","nonce","created"}
 * x is a base64url Ed25519 public key, d a base64url seed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "authd/httpsig.h"
#include "authd/token.h"
#include "regress/authz/client.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define B64	sodium_base64_VARIANT_ORIGINAL

static struct token_store	*ts;
static struct httpsig		*hs;

static const char *
str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s;
}

static time_t
now_of(json_t *o)
{
	json_t	*v = json_object_get(o, "now");

	return json_is_integer(v) ? (time_t)json_integer_value(v) :
	    time(NULL);
}

/* A base64url key of n bytes into out; -1 if absent or not n bytes. */
static int
key_of(json_t *o, const char *k, unsigned char *out, size_t n)
{
	const char	*s = str(o, k);
	size_t		 len;

	if (s == NULL || sodium_base642bin(out, n, s, strlen(s), NULL, &len,
	    NULL, B64URL) != 0 || len != n)
		return -1;
	return 0;
}

/* The base64 body, decoded into a new buffer. */
static unsigned char *
body_of(json_t *o, size_t *len)
{
	const char	*s = str(o, "body");
	unsigned char	*b;

	*len = 0;
	if (s == NULL)
		s = "";
	if ((b = malloc(strlen(s) + 1)) == NULL ||
	    sodium_base642bin(b, strlen(s) + 1, s, strlen(s), NULL, len,
	    NULL, B64) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

static json_t *
op_issue(json_t *o)
{
	struct token_login	 l;
	struct token_info	 ti;
	unsigned char		 pk[32];
	enum token_error	 e;
	char			*jwt;
	json_t			*r;

	if (key_of(o, "x", pk, sizeof(pk)) == -1)
		return json_pack("{s:s}", "error", "x");
	l.user = str(o, "user");
	l.device = str(o, "device");
	l.login_pk = pk;
	l.roles = json_object_get(o, "roles");
	if (l.user == NULL || l.device == NULL)
		return json_pack("{s:s}", "error", "user");
	e = token_issue(ts, &l, now_of(o), &jwt, &ti);
	if (e != TOKEN_OK)
		return json_pack("{s:s}", "code", token_errname(e));
	r = json_pack("{s:s, s:s, s:s, s:s}", "code", "ok", "jwt", jwt,
	    "sid", ti.sid, "jkt", ti.jkt);
	free(jwt);
	return r;
}

static json_t *
op_verify(json_t *o)
{
	struct token_info	 ti;
	enum token_error	 e;
	const char		*jwt = str(o, "jwt");

	if (jwt == NULL)
		return json_pack("{s:s}", "error", "jwt");
	e = token_verify(ts, jwt, now_of(o), &ti);
	if (e != TOKEN_OK)
		return json_pack("{s:s}", "code", token_errname(e));
	return json_pack("{s:s, s:s, s:s, s:i, s:s}", "code", "ok",
	    "user", ti.user, "sid", ti.sid, "gen", (int)ti.gen, "jkt", ti.jkt);
}

static json_t *
op_refresh(json_t *o)
{
	enum token_error	 e;
	const char		*jwt = str(o, "jwt");
	char			*out;
	json_t			*r;

	if (jwt == NULL)
		return json_pack("{s:s}", "error", "jwt");
	e = token_refresh(ts, jwt, json_object_get(o, "roles"), now_of(o),
	    &out, NULL);
	if (e != TOKEN_OK)
		return json_pack("{s:s}", "code", token_errname(e));
	r = json_pack("{s:s, s:s}", "code", "ok", "jwt", out);
	free(out);
	return r;
}

static json_t *
op_revoke(json_t *o)
{
	const char	*by = str(o, "by"), *name = str(o, "name");
	int		 n;

	if (by == NULL || name == NULL)
		return json_pack("{s:s}", "error", "by");
	if (strcmp(by, "sid") == 0)
		n = token_revoke_sid(ts, name);
	else if (strcmp(by, "device") == 0)
		n = token_revoke_device(ts, name);
	else
		n = token_revoke_user(ts, name);
	return json_pack("{s:i}", "n", n);
}

static json_t *
op_thumbprint(json_t *o)
{
	unsigned char	 pk[32];
	char		 jkt[TOKEN_B64KEYLEN + 1];

	if (key_of(o, "x", pk, sizeof(pk)) == -1)
		return json_pack("{s:s}", "error", "x");
	token_thumbprint(pk, jkt);
	return json_pack("{s:s}", "jkt", jkt);
}

static json_t *
op_httpsig(json_t *o)
{
	struct httpsig_request	 req;
	unsigned char		 pk[32], *body;
	enum httpsig_error	 e;

	if (key_of(o, "x", pk, sizeof(pk)) == -1 ||
	    (body = body_of(o, &req.bodylen)) == NULL)
		return json_pack("{s:s}", "error", "x");
	req.method = str(o, "method");
	req.target_uri = str(o, "uri");
	req.signature_input = str(o, "signature-input");
	req.signature = str(o, "signature");
	req.content_digest = str(o, "content-digest");
	req.body = body;
	req.body_sha256 = NULL;
	e = httpsig_verify(hs, &req, str(o, "keyid"), pk, now_of(o));
	free(body);
	return json_pack("{s:s}", "code", httpsig_errname(e));
}

static json_t *
op_sign(json_t *o)
{
	struct client_req	 cr;
	struct client_sig	 cs;
	unsigned char		 seed[32], pk[32], sk[64], *body;
	json_t			*r;

	memset(&cr, 0, sizeof(cr));
	if (key_of(o, "d", seed, sizeof(seed)) == -1 ||
	    (body = body_of(o, &cr.bodylen)) == NULL)
		return json_pack("{s:s}", "error", "d");
	crypto_sign_seed_keypair(pk, sk, seed);
	cr.method = str(o, "method");
	cr.target_uri = str(o, "uri");
	cr.body = body;
	cr.created = json_integer_value(json_object_get(o, "created"));
	cr.nonce = str(o, "nonce");
	cr.keyid = str(o, "keyid");
	if (cr.method == NULL || cr.target_uri == NULL || cr.nonce == NULL ||
	    cr.keyid == NULL || client_sign(&cr, sk, &cs) == -1) {
		free(body);
		return json_pack("{s:s}", "error", "sign");
	}
	free(body);
	sodium_memzero(sk, sizeof(sk));
	r = json_pack("{s:s, s:s, s:s}", "signature-input", cs.signature_input,
	    "signature", cs.signature, "content-digest", cs.content_digest);
	return r;
}

static json_t *
dispatch(json_t *o)
{
	const char	*op = str(o, "op");
	char		*s;
	json_t		*r;

	if (op == NULL)
		return json_pack("{s:s}", "error", "op");
	if (strcmp(op, "jwks") == 0) {
		s = token_jwks(ts);
		r = json_pack("{s:o, s:s}", "jwks", json_loads(s, 0, NULL),
		    "kid", token_kid(ts));
		free(s);
		return r;
	}
	if (strcmp(op, "issue") == 0)
		return op_issue(o);
	if (strcmp(op, "verify") == 0)
		return op_verify(o);
	if (strcmp(op, "refresh") == 0)
		return op_refresh(o);
	if (strcmp(op, "revoke") == 0)
		return op_revoke(o);
	if (strcmp(op, "thumbprint") == 0)
		return op_thumbprint(o);
	if (strcmp(op, "httpsig") == 0)
		return op_httpsig(o);
	if (strcmp(op, "sign") == 0)
		return op_sign(o);
	return json_pack("{s:s}", "error", "op");
}

int
main(void)
{
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	 sk[crypto_sign_SECRETKEYBYTES];
	char		*line = NULL, *out;
	size_t		 cap = 0;
	json_t		*o, *r;

	if (sodium_init() == -1)
		return 1;
	crypto_sign_keypair(pk, sk);
	if ((ts = token_store_new(pk, sk, "pccx-remote", NULL, 0)) == NULL ||
	    (hs = httpsig_new(60, 0)) == NULL)
		return 1;
	sodium_memzero(sk, sizeof(sk));
	while (getline(&line, &cap, stdin) != -1) {
		if ((o = json_loads(line, 0, NULL)) == NULL)
			r = json_pack("{s:s}", "error", "json");
		else
			r = dispatch(o);
		out = json_dumps(r, JSON_COMPACT);
		printf("%s\n", out != NULL ? out : "{\"error\":\"out\"}");
		fflush(stdout);
		free(out);
		json_decref(r);
		json_decref(o);
	}
	free(line);
	httpsig_free(hs);
	token_store_free(ts);
	return 0;
}
