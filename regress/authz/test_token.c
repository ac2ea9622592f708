/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of session tokens: issue, every refusal, expiry, revocation. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "authd/token.h"

#define T0		1767225600	/* 2026-01-01, the fake clock */
#define LIFETIME	3600
#define IDLE		1800
#define SKEW		60
#define B64URL		sodium_base64_VARIANT_URLSAFE_NO_PADDING

struct fix {
	struct token_store	*ts;
	unsigned char		 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	unsigned char		 lpk[crypto_sign_PUBLICKEYBYTES];
	unsigned char		 lsk[crypto_sign_SECRETKEYBYTES];
};

static int
fix_setup(void **state)
{
	struct fix		*f = calloc(1, sizeof(*f));
	struct conf_tokens	 c = { LIFETIME, IDLE, SKEW };
	unsigned char		 seed[crypto_sign_SEEDBYTES];

	assert_non_null(f);
	memset(seed, 7, sizeof(seed));
	crypto_sign_seed_keypair(f->pk, f->sk, seed);
	crypto_sign_keypair(f->lpk, f->lsk);
	f->ts = token_store_new(f->pk, f->sk, "pccx-remote", &c, 4);
	assert_non_null(f->ts);
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix	*f = *state;

	token_store_free(f->ts);
	free(f);
	return 0;
}

/* A token for alice on laptop with the fixture's login key, at now. */
static char *
issue(struct fix *f, const char *user, const char *dev, time_t now,
    struct token_info *ti)
{
	struct token_login	 l = { user, dev, f->lpk, NULL };
	char			*jwt = NULL, *copy;
	enum token_error	 e;

	/* A copy: gcc 12 sees the out parameter as a dangling local. */
	e = token_issue(f->ts, &l, now, &jwt, ti);
	assert_int_equal(e, TOKEN_OK);
	copy = strdup(jwt);
	free(jwt);
	return copy;
}

static char *
b64(const void *p, size_t len)
{
	size_t	 n = sodium_base64_ENCODED_LEN(len, B64URL);
	char	*s = malloc(n);

	assert_non_null(s);
	sodium_bin2base64(s, n, p, len, B64URL);
	return s;
}

/* header.payload signed with sk: a token made by hand. */
static char *
forge(const char *hdr, const char *payload, const unsigned char *sk)
{
	unsigned char	 sig[crypto_sign_BYTES];
	char		*h = b64(hdr, strlen(hdr)), *p = b64(payload,
			    strlen(payload)), *s, *out;
	size_t		 len = strlen(h) + strlen(p) + 100;

	out = malloc(len);
	assert_non_null(out);
	snprintf(out, len, "%s.%s", h, p);
	crypto_sign_detached(sig, NULL, (unsigned char *)out, strlen(out), sk);
	s = b64(sig, sizeof(sig));
	snprintf(out, len, "%s.%s.%s", h, p, s);
	free(h);
	free(p);
	free(s);
	return out;
}

/* The decoded payload of a token, as JSON. */
static json_t *
payload_of(const char *jwt)
{
	const char	*a = strchr(jwt, '.') + 1, *b = strchr(a, '.');
	unsigned char	 buf[8192];
	size_t		 n;

	assert_int_equal(sodium_base642bin(buf, sizeof(buf), a, b - a, NULL,
	    &n, NULL, B64URL), 0);
	return json_loadb((char *)buf, n, 0, NULL);
}

/* Our header with kid, as text. */
static char *
our_header(struct fix *f)
{
	static char	 h[256];

	snprintf(h, sizeof(h), "{\"alg\":\"EdDSA\",\"typ\":\"JWT\","
	    "\"kid\":\"%s\"}", token_kid(f->ts));
	return h;
}

/* The payload of a fresh token, re-serialised after a change. */
static char *
payload_with(const char *jwt, const char *key, json_t *v)
{
	json_t	*p = payload_of(jwt);
	char	*s;

	if (v == NULL)
		json_object_del(p, key);
	else
		json_object_set_new(p, key, v);
	s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return s;
}

static void
test_issue_verify(void **state)
{
	struct fix		*f = *state;
	struct token_info	 ti, vi;
	char			 jkt[TOKEN_B64KEYLEN + 1], *jwt, *h;
	json_t			*p;
	size_t			 n;
	unsigned char		 buf[256];

	jwt = issue(f, "alice@example.org", "laptop", T0, &ti);
	assert_int_equal(token_verify(f->ts, jwt, T0 + 5, &vi), TOKEN_OK);
	assert_string_equal(vi.user, "alice@example.org");
	assert_string_equal(vi.device, "laptop");
	assert_string_equal(vi.sid, ti.sid);
	assert_int_equal(strlen(vi.sid), TOKEN_SIDLEN);
	assert_int_equal(vi.gen, 1);
	assert_int_equal(vi.iat, T0);
	assert_int_equal(vi.exp, T0 + LIFETIME);
	token_thumbprint(f->lpk, jkt);
	assert_string_equal(vi.jkt, jkt);
	assert_memory_equal(vi.login_pk, f->lpk, 32);

	/* The header is exactly the one promised. */
	assert_int_equal(sodium_base642bin(buf, sizeof(buf), jwt,
	    strchr(jwt, '.') - jwt, NULL, &n, NULL, B64URL), 0);
	h = our_header(f);
	assert_int_equal(n, strlen(h));
	assert_memory_equal(buf, h, n);

	p = payload_of(jwt);
	assert_string_equal(json_string_value(json_object_get(p, "iss")),
	    "pccx-remote");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    p, "cnf"), "jkt")), jkt);
	assert_true(json_is_object(json_object_get(p, "roles")));
	assert_true(json_is_string(json_object_get(p, "jti")));
	json_decref(p);
	free(jwt);
}

static void
test_roles_claim(void **state)
{
	struct fix		*f = *state;
	struct token_login	 l = { "bob", "desk", f->lpk, NULL };
	char			*jwt;
	json_t			*p;

	l.roles = json_pack("{s:s, s:s}", "npu", "owner", "lab", "viewer");
	assert_int_equal(token_issue(f->ts, &l, T0, &jwt, NULL), TOKEN_OK);
	json_decref(l.roles);
	p = payload_of(jwt);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    p, "roles"), "npu")), "owner");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    p, "roles"), "lab")), "viewer");
	json_decref(p);
	free(jwt);
}

static void
test_malformed(void **state)
{
	struct fix	*f = *state;
	char		*jwt = issue(f, "alice", "laptop", T0, NULL), *bad;
	char		 buf[9000];
	const char	*junk[] = {
		"", ".", "..", "a.b", "a.b.c.d", "!!.b.c", NULL
	};
	int		 i;

	for (i = 0; junk[i] != NULL; i++)
		assert_int_equal(token_verify(f->ts, junk[i], T0, NULL),
		    TOKEN_MALFORMED);
	assert_int_equal(token_verify(f->ts, NULL, T0, NULL), TOKEN_MALFORMED);

	/* Our header with an empty signature, then a claims part that is
	 * not base64url. */
	bad = forge(our_header(f), "{}", f->sk);
	*(strrchr(bad, '.') + 1) = '\0';
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_MALFORMED);
	free(bad);
	bad = forge(our_header(f), "{}", f->sk);
	*(strchr(bad, '.') + 1) = '*';
	assert_int_equal(token_verify(f->ts, bad, T0, NULL),
	    TOKEN_BAD_SIGNATURE);
	free(bad);

	/* A fourth part, a short signature, padding, a stray character. */
	snprintf(buf, sizeof(buf), "%s.x", jwt);
	assert_int_equal(token_verify(f->ts, buf, T0, NULL), TOKEN_MALFORMED);
	snprintf(buf, sizeof(buf), "%.*s", (int)strlen(jwt) - 4, jwt);
	assert_int_equal(token_verify(f->ts, buf, T0, NULL), TOKEN_MALFORMED);
	snprintf(buf, sizeof(buf), "%s==", jwt);
	assert_int_equal(token_verify(f->ts, buf, T0, NULL), TOKEN_MALFORMED);
	snprintf(buf, sizeof(buf), "%s", jwt);
	*strchr(buf, '.') = '+';
	assert_int_equal(token_verify(f->ts, buf, T0, NULL), TOKEN_MALFORMED);

	/* Too long. */
	memset(buf, 'A', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	buf[10] = buf[20] = '.';
	assert_int_equal(token_verify(f->ts, buf, T0, NULL), TOKEN_MALFORMED);
	free(jwt);
}

static void
test_alg(void **state)
{
	struct fix	*f = *state;
	const char	*hdrs[] = {
		"{\"alg\":\"none\",\"typ\":\"JWT\"}",
		"{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
		"{\"alg\":\"RS256\"}",
		"{\"alg\":\"ES256\"}",
		"{\"alg\":\"eddsa\"}",
		"{\"alg\":\"Ed25519\"}",
		"{\"alg\":\"EdDSA \"}",
		"{\"alg\":null}",
		"{\"alg\":[\"EdDSA\"]}",
		"{\"typ\":\"JWT\"}",
		NULL
	};
	char		*jwt, *p, *bad;
	int		 i;

	jwt = issue(f, "alice", "laptop", T0, NULL);
	p = payload_with(jwt, "x", NULL);
	for (i = 0; hdrs[i] != NULL; i++) {
		bad = forge(hdrs[i], p, f->sk);
		assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_ALG);
		free(bad);
	}
	/* alg none with an empty signature, as such tokens come. */
	bad = forge(hdrs[0], p, f->sk);
	*(strrchr(bad, '.') + 1) = '\0';
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_ALG);
	free(bad);
	free(p);
	free(jwt);
}

static void
test_header(void **state)
{
	struct fix	*f = *state;
	const char	*extra[] = {
		"\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"}",
		"\"jku\":\"https://evil.example/jwks\"",
		"\"x5u\":\"https://evil.example/cert\"",
		"\"x5c\":[\"AA\"]",
		"\"crit\":[\"exp\"]",
		"\"b64\":false",
		"\"cty\":\"JWT\"",
		NULL
	};
	char		 h[512], *jwt, *p, *bad;
	int		 i;

	jwt = issue(f, "alice", "laptop", T0, NULL);
	p = payload_with(jwt, "x", NULL);
	for (i = 0; extra[i] != NULL; i++) {
		snprintf(h, sizeof(h), "{\"alg\":\"EdDSA\",\"typ\":\"JWT\","
		    "\"kid\":\"%s\",%s}", token_kid(f->ts), extra[i]);
		bad = forge(h, p, f->sk);
		assert_int_equal(token_verify(f->ts, bad, T0, NULL),
		    TOKEN_HEADER);
		free(bad);
	}
	/* No kid, another kid, another typ, a duplicate member. */
	bad = forge("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}", p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_HEADER);
	free(bad);
	bad = forge("{\"alg\":\"EdDSA\",\"kid\":\"other\"}", p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_HEADER);
	free(bad);
	snprintf(h, sizeof(h), "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", token_kid(f->ts));
	bad = forge(h, p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_HEADER);
	free(bad);
	snprintf(h, sizeof(h), "{\"alg\":\"EdDSA\",\"alg\":\"EdDSA\","
	    "\"kid\":\"%s\"}", token_kid(f->ts));
	bad = forge(h, p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_MALFORMED);
	free(bad);

	/* Without typ, our header is still ours. */
	snprintf(h, sizeof(h), "{\"kid\":\"%s\",\"alg\":\"EdDSA\"}",
	    token_kid(f->ts));
	bad = forge(h, p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_OK);
	free(bad);
	free(p);
	free(jwt);
}

static void
test_bad_signature(void **state)
{
	struct fix	*f = *state;
	unsigned char	 opk[32], osk[64];
	char		*jwt, *p, *bad, *dot;

	jwt = issue(f, "alice", "laptop", T0, NULL);
	/* The good token verifies, and is remembered as verified ... */
	assert_int_equal(token_verify(f->ts, jwt, T0, NULL), TOKEN_OK);
	assert_int_equal(token_verify(f->ts, jwt, T0, NULL), TOKEN_OK);

	/* ... which helps none of the forgeries below. */
	/* Another key signs our header and claims. */
	crypto_sign_keypair(opk, osk);
	p = payload_with(jwt, "x", NULL);
	bad = forge(our_header(f), p, osk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL),
	    TOKEN_BAD_SIGNATURE);
	free(bad);
	free(p);

	/* Claims changed under our signature. */
	p = payload_with(jwt, "sub", json_string("mallory"));
	bad = forge(our_header(f), p, f->sk);
	dot = strrchr(bad, '.');
	memcpy(dot, strrchr(jwt, '.'), strlen(dot));
	assert_int_equal(token_verify(f->ts, bad, T0, NULL),
	    TOKEN_BAD_SIGNATURE);
	free(bad);
	free(p);

	/* One bit of the signature. */
	dot = strrchr(jwt, '.') + 5;
	*dot = *dot == 'A' ? 'B' : 'A';
	assert_int_equal(token_verify(f->ts, jwt, T0, NULL),
	    TOKEN_BAD_SIGNATURE);
	free(jwt);
}

static void
test_claims(void **state)
{
	struct fix	*f = *state;
	struct {
		const char	*key;
		json_t		*v;
	} c[] = {
		{ "iss", json_string("someone-else") },
		{ "iss", NULL },
		{ "sub", NULL },
		{ "sub", json_string("") },
		{ "sid", json_string("short") },
		{ "sid", json_integer(5) },
		{ "dev", NULL },
		{ "jti", NULL },
		{ "gen", json_string("1") },
		{ "gen", json_integer(0) },
		{ "iat", json_real(T0) },
		{ "exp", json_string("later") },
		{ "exp", NULL },
		{ "roles", json_array() },
		{ "cnf", json_object() },
		{ "cnf", json_pack("{s:s}", "jkt", "short") },
	};
	char		*jwt, *p, *bad;
	size_t		 i;

	jwt = issue(f, "alice", "laptop", T0, NULL);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p = payload_with(jwt, c[i].key, c[i].v);
		bad = forge(our_header(f), p, f->sk);
		assert_int_equal(token_verify(f->ts, bad, T0, NULL),
		    TOKEN_CLAIMS);
		free(bad);
		free(p);
	}
	/* A claim that disagrees with the session table. */
	p = payload_with(jwt, "dev", json_string("phone"));
	bad = forge(our_header(f), p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_CLAIMS);
	free(bad);
	free(p);
	/* Not an object at all, or JSON with trailing bytes. */
	bad = forge(our_header(f), "[1,2]", f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_MALFORMED);
	free(bad);
	bad = forge(our_header(f), "{}x", f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_MALFORMED);
	free(bad);
	free(jwt);
}

static void
test_time(void **state)
{
	struct fix	*f = *state;
	char		*jwt, *p, *bad;

	jwt = issue(f, "alice", "laptop", T0, NULL);
	/* Issued more than the skew ahead of this clock. */
	assert_int_equal(token_verify(f->ts, jwt, T0 - SKEW, NULL), TOKEN_OK);
	assert_int_equal(token_verify(f->ts, jwt, T0 - SKEW - 1, NULL),
	    TOKEN_FUTURE);
	p = payload_with(jwt, "iat", json_integer(T0 + SKEW + 1));
	bad = forge(our_header(f), p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_FUTURE);
	free(bad);
	free(p);
	/* An exp claim past, with the skew, refuses before the table. */
	p = payload_with(jwt, "exp", json_integer(T0 - SKEW));
	bad = forge(our_header(f), p, f->sk);
	assert_int_equal(token_verify(f->ts, bad, T0, NULL), TOKEN_EXPIRED);
	free(bad);
	free(p);
	free(jwt);
}

/* Hard expiry on the fake clock, kept alive by use until then. */
static void
test_expiry(void **state)
{
	struct fix		*f = *state;
	struct token_info	 ti;
	char			*jwt;
	time_t			 t;

	jwt = issue(f, "alice", "laptop", T0, &ti);
	for (t = T0 + 1000; t < T0 + LIFETIME; t += 1000) {
		assert_int_equal(token_verify(f->ts, jwt, t, NULL), TOKEN_OK);
		assert_int_equal(token_touch(f->ts, ti.sid, t), 0);
	}
	assert_int_equal(token_verify(f->ts, jwt, T0 + LIFETIME - 1, NULL),
	    TOKEN_OK);
	assert_int_equal(token_verify(f->ts, jwt, T0 + LIFETIME, NULL),
	    TOKEN_EXPIRED);
	/* The dead session is gone: its sid no longer exists. */
	assert_int_equal(token_verify(f->ts, jwt, T0 + LIFETIME - 1, NULL),
	    TOKEN_REVOKED);
	assert_int_equal(token_touch(f->ts, ti.sid, T0), -1);
	free(jwt);
}

static void
test_sliding(void **state)
{
	struct fix		*f = *state;
	struct token_info	 ti;
	char			*jwt, *jwt2;

	jwt = issue(f, "alice", "laptop", T0, &ti);
	/* Verifying is not using: only a touch moves the idle clock. */
	assert_int_equal(token_verify(f->ts, jwt, T0 + IDLE, NULL), TOKEN_OK);
	assert_int_equal(token_touch(f->ts, ti.sid, T0 + 1000), 0);
	assert_int_equal(token_verify(f->ts, jwt, T0 + 1000 + IDLE, NULL),
	    TOKEN_OK);
	assert_int_equal(token_verify(f->ts, jwt, T0 + 1001 + IDLE, NULL),
	    TOKEN_IDLE);
	assert_int_equal(token_verify(f->ts, jwt, T0 + 1000, NULL),
	    TOKEN_REVOKED);

	/* Untouched, the same times see it die sooner. */
	jwt2 = issue(f, "alice", "laptop", T0, &ti);
	assert_int_equal(token_verify(f->ts, jwt2, T0 + IDLE + 1, NULL),
	    TOKEN_IDLE);
	free(jwt2);

	/* A touch after the idle time does not bring a session back. */
	jwt2 = issue(f, "alice", "laptop", T0, &ti);
	assert_int_equal(token_touch(f->ts, ti.sid, T0 + IDLE + 1), -1);
	assert_int_equal(token_verify(f->ts, jwt2, T0 + 10, NULL),
	    TOKEN_REVOKED);
	free(jwt);
	free(jwt2);
}

static void
test_refresh(void **state)
{
	struct fix		*f = *state;
	struct token_info	 a, b, c;
	char			*j1, *j2, *j3, *jx;
	json_t			*roles, *p;

	j1 = issue(f, "alice", "laptop", T0, &a);
	roles = json_pack("{s:s}", "npu", "maintainer");
	assert_int_equal(token_refresh(f->ts, j1, roles, T0 + 600, &j2, &b),
	    TOKEN_OK);
	assert_string_not_equal(j1, j2);
	assert_string_equal(a.sid, b.sid);
	assert_int_equal(b.gen, 2);
	assert_int_equal(b.exp, a.exp);
	assert_int_equal(token_verify(f->ts, j2, T0 + 601, &c), TOKEN_OK);
	assert_int_equal(c.iat, T0 + 600);
	assert_int_equal(c.exp, T0 + LIFETIME);
	p = payload_of(j2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    p, "roles"), "npu")), "maintainer");
	assert_int_equal(json_integer_value(json_object_get(p, "gen")), 2);
	json_decref(p);

	/* The old token is dead, for use and for another refresh. */
	assert_int_equal(token_verify(f->ts, j1, T0 + 601, NULL),
	    TOKEN_SUPERSEDED);
	assert_int_equal(token_refresh(f->ts, j1, NULL, T0 + 602, &jx, NULL),
	    TOKEN_SUPERSEDED);
	assert_null(jx);

	/* A refresh counts as use; the hard expiry stays. */
	assert_int_equal(token_verify(f->ts, j2, T0 + 600 + IDLE, NULL),
	    TOKEN_OK);
	assert_int_equal(token_refresh(f->ts, j2, roles, T0 + 600 + IDLE, &j3,
	    &c), TOKEN_OK);
	assert_int_equal(c.gen, 3);
	assert_int_equal(token_verify(f->ts, j2, T0 + 2400, NULL),
	    TOKEN_SUPERSEDED);
	/* Without new roles, a refresh keeps the old token's. */
	assert_int_equal(token_refresh(f->ts, j3, NULL, T0 + 2500, &jx, NULL),
	    TOKEN_OK);
	p = payload_of(jx);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    p, "roles"), "npu")), "maintainer");
	assert_int_equal(json_integer_value(json_object_get(p, "gen")), 4);
	json_decref(p);
	free(j3);
	j3 = jx;
	assert_int_equal(token_refresh(f->ts, j3, roles, T0 + LIFETIME, &jx,
	    NULL), TOKEN_EXPIRED);
	json_decref(roles);
	free(j1);
	free(j2);
	free(j3);
}

static void
test_revoke(void **state)
{
	struct fix	*f = *state;
	struct token_info a;
	char		*j1, *j2, *j3, *j4;

	j1 = issue(f, "alice", "laptop", T0, &a);
	j2 = issue(f, "alice", "phone", T0, NULL);
	j3 = issue(f, "bob", "laptop-b", T0, NULL);
	j4 = issue(f, "bob", "desk", T0, NULL);
	assert_int_equal(token_count(f->ts), 4);

	assert_int_equal(token_revoke_sid(f->ts, a.sid), 1);
	assert_int_equal(token_revoke_sid(f->ts, a.sid), 0);
	assert_int_equal(token_verify(f->ts, j1, T0, NULL), TOKEN_REVOKED);
	assert_int_equal(token_verify(f->ts, j2, T0, NULL), TOKEN_OK);

	assert_int_equal(token_revoke_device(f->ts, "desk"), 1);
	assert_int_equal(token_verify(f->ts, j4, T0, NULL), TOKEN_REVOKED);
	assert_int_equal(token_verify(f->ts, j3, T0, NULL), TOKEN_OK);

	assert_int_equal(token_revoke_user(f->ts, "alice"), 1);
	assert_int_equal(token_verify(f->ts, j2, T0, NULL), TOKEN_REVOKED);
	assert_int_equal(token_verify(f->ts, j3, T0, NULL), TOKEN_OK);
	assert_int_equal(token_revoke_user(f->ts, "bob"), 1);
	assert_int_equal(token_verify(f->ts, j3, T0, NULL), TOKEN_REVOKED);
	assert_int_equal(token_count(f->ts), 0);
	free(j1);
	free(j2);
	free(j3);
	free(j4);
}

/* The table holds 4: a fifth login is refused until one dies. */
static void
test_full(void **state)
{
	struct fix		*f = *state;
	struct token_login	 l = { "carol", "d5", f->lpk, NULL };
	char			*j[4], *jwt;
	int			 i;

	for (i = 0; i < 4; i++)
		j[i] = issue(f, "carol", "d", T0 + i * 600, NULL);
	assert_int_equal(token_issue(f->ts, &l, T0 + 1800, &jwt, NULL),
	    TOKEN_FULL);
	assert_null(jwt);
	/* The first has been idle for longer than IDLE: it makes room. */
	assert_int_equal(token_issue(f->ts, &l, T0 + IDLE + 1, &jwt, NULL),
	    TOKEN_OK);
	assert_int_equal(token_verify(f->ts, j[0], T0 + IDLE + 1, NULL),
	    TOKEN_REVOKED);
	assert_int_equal(token_verify(f->ts, j[1], T0 + IDLE + 1, NULL),
	    TOKEN_OK);
	for (i = 0; i < 4; i++)
		free(j[i]);
	free(jwt);
}

static void
test_invalid(void **state)
{
	struct fix		*f = *state;
	char			 longname[PROTO_NAMEMAX + 1];
	struct token_login	 l = { "", "d", f->lpk, NULL };
	char			*jwt;
	json_t			*roles;
	int			 i;

	assert_int_equal(token_issue(f->ts, &l, T0, &jwt, NULL),
	    TOKEN_INVALID);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	l.user = longname;
	assert_int_equal(token_issue(f->ts, &l, T0, &jwt, NULL),
	    TOKEN_INVALID);
	l.user = "alice";
	l.roles = json_array();
	assert_int_equal(token_issue(f->ts, &l, T0, &jwt, NULL),
	    TOKEN_INVALID);
	json_decref(l.roles);
	/* Roles too many for TOKEN_MAXLEN: refused, nothing left behind. */
	roles = json_object();
	for (i = 0; i < 400; i++) {
		snprintf(longname, sizeof(longname), "project-%d", i);
		json_object_set_new(roles, longname, json_string("viewer"));
	}
	l.roles = roles;
	assert_int_equal(token_issue(f->ts, &l, T0, &jwt, NULL),
	    TOKEN_INVALID);
	assert_int_equal(token_count(f->ts), 0);
	json_decref(roles);
}

static void
test_jwks(void **state)
{
	struct fix	*f = *state;
	char		*s = token_jwks(f->ts), *x = b64(f->pk, 32);
	json_t		*j, *k;

	assert_non_null(s);
	j = json_loads(s, 0, NULL);
	k = json_array_get(json_object_get(j, "keys"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "kty")),
	    "OKP");
	assert_string_equal(json_string_value(json_object_get(k, "crv")),
	    "Ed25519");
	assert_string_equal(json_string_value(json_object_get(k, "x")), x);
	assert_string_equal(json_string_value(json_object_get(k, "kid")),
	    token_kid(f->ts));
	json_decref(j);
	free(s);
	free(x);
}

/* RFC 8037 appendix A.3: the thumbprint of its example key. */
static void
test_thumbprint(void **state)
{
	unsigned char	 pk[32];
	char		 out[TOKEN_B64KEYLEN + 1];
	size_t		 n;
	const char	*x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

	assert_int_equal(sodium_base642bin(pk, sizeof(pk), x, strlen(x), NULL,
	    &n, NULL, B64URL), 0);
	token_thumbprint(pk, out);
	assert_string_equal(out, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

static void
test_names(void **state)
{
	int	 i, j;

	for (i = 0; i < TOKEN_NERRORS; i++) {
		assert_string_not_equal(token_errname(i), "unknown");
		assert_non_null(token_errmsg(i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(token_errname(i),
			    token_errname(j));
	}
	assert_string_equal(token_errname(TOKEN_SUPERSEDED), "superseded");
	assert_string_equal(token_errname(TOKEN_NERRORS), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_issue_verify, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_roles_claim, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_alg, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_header, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_claims, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_time, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_expiry, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_sliding, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_refresh, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_revoke, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_full, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_invalid, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_jwks, fix_setup,
		    fix_teardown),
		cmocka_unit_test(test_thumbprint),
		cmocka_unit_test(test_names),
	};

	if (sodium_init() == -1)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
