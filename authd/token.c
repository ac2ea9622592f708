/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Session tokens: Ed25519 JWTs bound to a login key, and the session table. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "common/util.h"
#include "authd/token.h"

#define TOKEN_NIL		UINT32_MAX
#define TOKEN_SIDRAW		16
#define TOKEN_JTIRAW		12
#define TOKEN_SIGLEN		crypto_sign_BYTES
#define TOKEN_HDRMAX		512
#define TOKEN_VCACHE	1024		/* verified tokens remembered */
#define TOKEN_VHASH	16
#define TOKEN_ISSMAX		256

#define TOKEN_DEF_LIFETIME	(12 * 3600)
#define TOKEN_DEF_IDLE		(30 * 60)
#define TOKEN_DEF_SKEW		60

#define B64URL			sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* One login's session: what every token of it must agree with. */
struct token_sess {
	unsigned char	 sid_raw[TOKEN_SIDRAW];
	char		 sid[TOKEN_SIDLEN + 1];
	char		 user[PROTO_NAMEMAX];
	char		 device[PROTO_NAMEMAX];
	unsigned char	 login_pk[TOKEN_KEYLEN];
	char		 jkt[TOKEN_B64KEYLEN + 1];
	int64_t		 exp;		/* hard expiry */
	int64_t		 last_use;
	uint32_t	 gen;		/* the only generation accepted */
	uint32_t	 next;		/* hash chain, or free list */
	int		 inuse;
	int		 dirty;		/* last_use not yet reported */
};

/*
 * The table is the truth while the daemon runs; a keeper (the sink)
 * is told of every change so that it can be kept on disk and loaded
 * again after a restart (token_restore).  A use only marks its
 * session dirty: token_flush reports the dirty ones in a batch.
 */
struct token_store {
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	 sk[crypto_sign_SECRETKEYBYTES];
	char		 iss[TOKEN_ISSMAX];
	char		 kid[TOKEN_B64KEYLEN + 1];
	/* base64url of the fixed header */
	char		*hdr;
	uint32_t	 lifetime;
	uint32_t	 idle;
	uint32_t	 skew;
	struct token_sess *sess;
	size_t		 max;
	size_t		 count;
	uint32_t	*bucket;
	uint32_t	 mask;		/* buckets - 1 */
	uint32_t	 freelist;
	/* The keeper, and the slots whose last use it has not seen. */
	token_sink_fn	 sink;
	void		*sink_arg;
	uint32_t	*dirty;
	size_t		 ndirty;
	int		 dirty_lost;	/* the list overflowed: walk all */
	/* Keyed hashes of token strings whose signature checked out. */
	unsigned char	 vkey[crypto_generichash_KEYBYTES];
	struct vcache_ent {
		unsigned char	 h[TOKEN_VHASH];
		struct token_info ti;		/* what its claims say */
	}		 vseen[TOKEN_VCACHE];
};

/*
 * A token's signature is checked once: the exact bytes of a token that
 * verified are remembered by a keyed hash, with what its claims say,
 * so a client that sends the same token again costs no second Ed25519
 * verification and no second parse of its header and claims (those
 * bytes cannot change, and neither can our key or issuer).  The times
 * of the claims and the session table are checked every time.
 */
static void
vcache_hash(const struct token_store *ts, const char *jwt, size_t len,
    unsigned char *h)
{
	crypto_generichash(h, TOKEN_VHASH, (const unsigned char *)jwt, len,
	    ts->vkey, sizeof(ts->vkey));
}

static struct vcache_ent *
vcache_slot(const struct token_store *ts, const unsigned char *h)
{
	uint32_t	slot;

	memcpy(&slot, h, sizeof(slot));
	return (struct vcache_ent *)&ts->vseen[slot % TOKEN_VCACHE];
}

/* The claims of a token that verified, or NULL. */
static const struct token_info *
vcache_get(const struct token_store *ts, const unsigned char *h)
{
	struct vcache_ent	*v = vcache_slot(ts, h);

	if (sodium_memcmp(v->h, h, TOKEN_VHASH) != 0)
		return NULL;
	return &v->ti;
}

static void
vcache_add(struct token_store *ts, const unsigned char *h,
    const struct token_info *ti)
{
	struct vcache_ent	*v = vcache_slot(ts, h);

	memcpy(v->h, h, TOKEN_VHASH);
	v->ti = *ti;
}

static const char *const token_names[TOKEN_NERRORS] = {
	[TOKEN_OK] = "ok",
	[TOKEN_MALFORMED] = "malformed",
	[TOKEN_ALG] = "alg",
	[TOKEN_HEADER] = "bad_header",
	[TOKEN_BAD_SIGNATURE] = "bad_signature",
	[TOKEN_CLAIMS] = "claims",
	[TOKEN_EXPIRED] = "expired",
	[TOKEN_FUTURE] = "future",
	[TOKEN_REVOKED] = "revoked",
	[TOKEN_IDLE] = "idle",
	[TOKEN_SUPERSEDED] = "superseded",
	[TOKEN_FULL] = "full",
	[TOKEN_INVALID] = "invalid",
};

static const char *const token_msgs[TOKEN_NERRORS] = {
	[TOKEN_OK] = "token accepted",
	[TOKEN_MALFORMED] = "the token is not a well-formed JWT",
	[TOKEN_ALG] = "the token's algorithm is not EdDSA",
	[TOKEN_HEADER] = "the token's header is not one this server issues",
	[TOKEN_BAD_SIGNATURE] = "the token's signature does not verify",
	[TOKEN_CLAIMS] = "the token's claims are missing or wrong",
	[TOKEN_EXPIRED] = "the token has expired",
	[TOKEN_FUTURE] = "the token was issued in the future",
	[TOKEN_REVOKED] = "the session has ended",
	[TOKEN_IDLE] = "the session ended after being idle",
	[TOKEN_SUPERSEDED] = "the token was replaced by a refresh",
	[TOKEN_FULL] = "too many sessions: try again later",
	[TOKEN_INVALID] = "the login cannot be given a token",
};

static char	*b64url_encode(const unsigned char *, size_t);
static int	 b64url_decode(const char *, size_t, unsigned char *, size_t,
		    size_t *);
static json_t	*json_decode_part(const char *, size_t, size_t);
static struct token_sess *sess_find(struct token_store *, const char *);
static void	 sess_drop(struct token_store *, struct token_sess *);
static struct token_sess *sess_alloc(struct token_store *);
static void	 sess_tell(struct token_store *, int, struct token_sess *);
static char	*token_sign(struct token_store *, const struct token_sess *,
		    json_t *, int64_t);
static enum token_error token_check_header(const struct token_store *,
		    const char *, size_t);
static enum token_error token_check_time(const struct token_store *,
		    const struct token_info *, time_t);
static enum token_error token_check_claims(const struct token_store *,
		    json_t *, time_t, struct token_info *);
static enum token_error token_check_session(struct token_store *,
		    const struct token_info *, time_t);
static void	 info_fill(struct token_info *, const struct token_sess *);

/* Sids are random and only ever come from tokens we signed: their first
 * bytes are a fair hash. */
static inline uint32_t
sid_hash(const unsigned char *raw)
{
	return (uint32_t)raw[0] | (uint32_t)raw[1] << 8 |
	    (uint32_t)raw[2] << 16 | (uint32_t)raw[3] << 24;
}

/* Base64url without padding, as a new string; NULL on error. */
static char *
b64url_encode(const unsigned char *bin, size_t len)
{
	size_t	 n = sodium_base64_ENCODED_LEN(len, B64URL);
	char	*s;

	if ((s = malloc(n)) == NULL)
		return NULL;
	sodium_bin2base64(s, n, bin, len, B64URL);
	return s;
}

/* Strict base64url: no padding, no stray bits, nothing left over. */
static int
b64url_decode(const char *s, size_t len, unsigned char *bin, size_t max,
    size_t *outlen)
{
	const char	*end;

	if (sodium_base642bin(bin, max, s, len, NULL, outlen, &end,
	    B64URL) != 0 || end != s + len)
		return -1;
	return 0;
}

/* Decode one base64url part holding a JSON object of at most max bytes. */
static json_t *
json_decode_part(const char *s, size_t len, size_t max)
{
	unsigned char	*buf;
	size_t		 n;
	json_t		*j = NULL;

	if (len == 0 || len > sodium_base64_ENCODED_LEN(max, B64URL))
		return NULL;
	if ((buf = malloc(max)) == NULL)
		return NULL;
	if (b64url_decode(s, len, buf, max, &n) == 0)
		j = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES,
		    NULL);
	free(buf);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

void
token_thumbprint(const unsigned char *pk, char *out)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];
	char		 x[TOKEN_B64KEYLEN + 1];
	char		 jwk[128];
	int		 n;

	/* RFC 7638: required members only, sorted, no whitespace. */
	sodium_bin2base64(x, sizeof(x), pk, TOKEN_KEYLEN, B64URL);
	n = snprintf(jwk, sizeof(jwk),
	    "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
	crypto_hash_sha256(h, (const unsigned char *)jwk, n);
	sodium_bin2base64(out, TOKEN_B64KEYLEN + 1, h, sizeof(h), B64URL);
}

struct token_store *
token_store_new(const unsigned char *pk, const unsigned char *sk,
    const char *iss, const struct conf_tokens *conf, size_t max)
{
	struct token_store	*ts;
	char			 hdr[128];
	size_t			 nb = 1, i;

	if (sodium_init() == -1 || iss == NULL || strlen(iss) == 0 ||
	    strlen(iss) >= TOKEN_ISSMAX)
		return NULL;
	if (max == 0)
		max = TOKEN_MAXSESSIONS;
	if (max >= TOKEN_NIL / 2 || (ts = calloc(1, sizeof(*ts))) == NULL)
		return NULL;
	memcpy(ts->pk, pk, sizeof(ts->pk));
	memcpy(ts->sk, sk, sizeof(ts->sk));
	randombytes_buf(ts->vkey, sizeof(ts->vkey));
	pccx_strlcpy(ts->iss, iss, sizeof(ts->iss));
	token_thumbprint(ts->pk, ts->kid);
	snprintf(hdr, sizeof(hdr),
	    "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"%s\"}", ts->kid);
	token_store_setconf(ts, conf);

	while (nb < 2 * max)
		nb <<= 1;
	ts->max = max;
	ts->mask = nb - 1;
	ts->sess = calloc(max, sizeof(*ts->sess));
	ts->bucket = calloc(nb, sizeof(*ts->bucket));
	ts->dirty = calloc(max, sizeof(*ts->dirty));
	ts->hdr = b64url_encode((unsigned char *)hdr, strlen(hdr));
	if (ts->sess == NULL || ts->bucket == NULL || ts->hdr == NULL ||
	    ts->dirty == NULL) {
		token_store_free(ts);
		return NULL;
	}
	for (i = 0; i < nb; i++)
		ts->bucket[i] = TOKEN_NIL;
	for (i = 0; i < max; i++)
		ts->sess[i].next = i + 1 < max ? i + 1 : TOKEN_NIL;
	ts->freelist = 0;
	return ts;
}

void
token_store_free(struct token_store *ts)
{
	if (ts == NULL)
		return;
	sodium_memzero(ts->sk, sizeof(ts->sk));
	if (ts->sess != NULL)
		sodium_memzero(ts->sess, ts->max * sizeof(*ts->sess));
	free(ts->sess);
	free(ts->bucket);
	free(ts->dirty);
	free(ts->hdr);
	free(ts);
}

void
token_store_setconf(struct token_store *ts, const struct conf_tokens *conf)
{
	ts->lifetime = conf != NULL && conf->lifetime ? conf->lifetime :
	    TOKEN_DEF_LIFETIME;
	ts->idle = conf != NULL && conf->idle ? conf->idle : TOKEN_DEF_IDLE;
	ts->skew = conf != NULL && conf->skew ? conf->skew : TOKEN_DEF_SKEW;
}

const char *
token_kid(const struct token_store *ts)
{
	return ts->kid;
}

char *
token_jwks(const struct token_store *ts)
{
	char	 x[TOKEN_B64KEYLEN + 1];
	json_t	*j;
	char	*s;

	sodium_bin2base64(x, sizeof(x), ts->pk, TOKEN_KEYLEN, B64URL);
	j = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys",
	    "kty", "OKP", "crv", "Ed25519", "x", x, "kid", ts->kid,
	    "alg", "EdDSA", "use", "sig");
	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

const char *
token_errname(enum token_error e)
{
	if ((unsigned)e >= TOKEN_NERRORS)
		return "unknown";
	return token_names[e];
}

const char *
token_errmsg(enum token_error e)
{
	if ((unsigned)e >= TOKEN_NERRORS)
		return "unknown token error";
	return token_msgs[e];
}

size_t
token_count(const struct token_store *ts)
{
	return ts->count;
}

/* The session of a sid string, or NULL. */
static struct token_sess *
sess_find(struct token_store *ts, const char *sid)
{
	unsigned char	 raw[TOKEN_SIDRAW];
	size_t		 n, len = strlen(sid);
	uint32_t	 i;

	if (len != TOKEN_SIDLEN ||
	    b64url_decode(sid, len, raw, sizeof(raw), &n) != 0 ||
	    n != sizeof(raw))
		return NULL;
	for (i = ts->bucket[sid_hash(raw) & ts->mask]; i != TOKEN_NIL;
	    i = ts->sess[i].next)
		if (memcmp(ts->sess[i].sid_raw, raw, sizeof(raw)) == 0)
			return &ts->sess[i];
	return NULL;
}

/* Unlink a session from its chain and give its slot back. */
static void
sess_drop(struct token_store *ts, struct token_sess *s)
{
	uint32_t	 idx = s - ts->sess;
	uint32_t	*p = &ts->bucket[sid_hash(s->sid_raw) & ts->mask];

	sess_tell(ts, TOKEN_EV_END, s);
	while (*p != idx)
		p = &ts->sess[*p].next;
	*p = s->next;
	sodium_memzero(s, sizeof(*s));
	s->next = ts->freelist;
	ts->freelist = idx;
	ts->count--;
}

/* Take a free slot for sid_raw (not in the table) and link it in. */
static struct token_sess *
sess_link(struct token_store *ts, const unsigned char *raw)
{
	struct token_sess	*s;
	uint32_t		*b;
	uint32_t		 idx = ts->freelist;

	if (idx == TOKEN_NIL)
		return NULL;
	s = &ts->sess[idx];
	ts->freelist = s->next;
	memcpy(s->sid_raw, raw, sizeof(s->sid_raw));
	sodium_bin2base64(s->sid, sizeof(s->sid), s->sid_raw,
	    sizeof(s->sid_raw), B64URL);
	b = &ts->bucket[sid_hash(s->sid_raw) & ts->mask];
	s->next = *b;
	*b = idx;
	s->inuse = 1;
	ts->count++;
	return s;
}

/* A free slot with a fresh, unused sid, linked in; NULL when full. */
static struct token_sess *
sess_alloc(struct token_store *ts)
{
	unsigned char	 raw[TOKEN_SIDRAW];
	char		 sid[TOKEN_SIDLEN + 1];

	if (ts->freelist == TOKEN_NIL)
		return NULL;
	do {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(sid, sizeof(sid), raw, sizeof(raw),
		    B64URL);
	} while (sess_find(ts, sid) != NULL);
	return sess_link(ts, raw);
}

/* Tell the keeper, if any, what became of session s. */
static void
sess_tell(struct token_store *ts, int ev, struct token_sess *s)
{
	struct token_saved	 sv;

	if (ev != TOKEN_EV_END)
		s->dirty = 0;
	if (ts->sink == NULL)
		return;
	memset(&sv, 0, sizeof(sv));
	pccx_strlcpy(sv.sid, s->sid, sizeof(sv.sid));
	pccx_strlcpy(sv.user, s->user, sizeof(sv.user));
	pccx_strlcpy(sv.device, s->device, sizeof(sv.device));
	pccx_strlcpy(sv.jkt, s->jkt, sizeof(sv.jkt));
	memcpy(sv.login_pk, s->login_pk, sizeof(sv.login_pk));
	sv.exp = s->exp;
	sv.last_use = s->last_use;
	sv.gen = s->gen;
	ts->sink(ts->sink_arg, ev, &sv);
}

/* A use of s at now: remembered, reported by the next token_flush. */
static void
sess_used(struct token_store *ts, struct token_sess *s, time_t now)
{
	if ((int64_t)now <= s->last_use)
		return;
	s->last_use = now;
	if (s->dirty)
		return;
	s->dirty = 1;
	if (ts->ndirty < ts->max)
		ts->dirty[ts->ndirty++] = s - ts->sess;
	else
		ts->dirty_lost = 1;
}

/* Sign a token for session s at iat: header.claims.signature. */
static char *
token_sign(struct token_store *ts, const struct token_sess *s,
    json_t *roles, int64_t iat)
{
	unsigned char	 jti_raw[TOKEN_JTIRAW], sig[TOKEN_SIGLEN];
	char		 jti[sizeof(jti_raw) * 2];
	char		*claims = NULL, *body = NULL;
	char		*sigs = NULL, *out = NULL;
	size_t		 len;
	json_t		*j;

	randombytes_buf(jti_raw, sizeof(jti_raw));
	sodium_bin2base64(jti, sizeof(jti), jti_raw, sizeof(jti_raw), B64URL);
	j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:O, s:I, s:I, "
	    "s:{s:s}}", "iss", ts->iss, "sub", s->user, "sid", s->sid,
	    "jti", jti, "gen", (json_int_t)s->gen, "dev", s->device,
	    "roles", roles, "iat", (json_int_t)iat, "exp", (json_int_t)s->exp,
	    "cnf", "jkt", s->jkt);
	if (j == NULL || (claims = json_dumps(j, JSON_COMPACT)) == NULL ||
	    (body = b64url_encode((unsigned char *)claims,
	    strlen(claims))) == NULL)
		goto done;

	len = strlen(ts->hdr) + 1 + strlen(body);
	if (len + 1 + sodium_base64_ENCODED_LEN(TOKEN_SIGLEN, B64URL) >
	    TOKEN_MAXLEN + 1 || (out = malloc(TOKEN_MAXLEN + 1)) == NULL)
		goto done;
	snprintf(out, TOKEN_MAXLEN + 1, "%s.%s", ts->hdr, body);
	crypto_sign_detached(sig, NULL, (unsigned char *)out, len, ts->sk);
	if ((sigs = b64url_encode(sig, sizeof(sig))) == NULL) {
		free(out);
		out = NULL;
		goto done;
	}
	out[len] = '.';
	memcpy(out + len + 1, sigs, strlen(sigs) + 1);
 done:
	json_decref(j);
	free(claims);
	free(body);
	free(sigs);
	return out;
}

/* A name fit for a claim and the table: 1..PROTO_NAMEMAX-1 bytes. */
static int
token_name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) < PROTO_NAMEMAX;
}

enum token_error
token_issue(struct token_store *ts, const struct token_login *l, time_t now,
    char **jwt, struct token_info *info)
{
	struct token_sess	*s;
	json_t			*roles;

	*jwt = NULL;
	if (!token_name_ok(l->user) || !token_name_ok(l->device) ||
	    l->login_pk == NULL ||
	    (l->roles != NULL && !json_is_object(l->roles)))
		return TOKEN_INVALID;
	if (ts->count == ts->max)
		token_expire(ts, now);
	if ((s = sess_alloc(ts)) == NULL)
		return TOKEN_FULL;

	pccx_strlcpy(s->user, l->user, sizeof(s->user));
	pccx_strlcpy(s->device, l->device, sizeof(s->device));
	memcpy(s->login_pk, l->login_pk, sizeof(s->login_pk));
	token_thumbprint(s->login_pk, s->jkt);
	s->exp = (int64_t)now + ts->lifetime;
	s->last_use = now;
	s->gen = 1;

	roles = l->roles != NULL ? json_incref(l->roles) : json_object();
	*jwt = token_sign(ts, s, roles, now);
	json_decref(roles);
	if (*jwt == NULL) {
		sess_drop(ts, s);
		return TOKEN_INVALID;
	}
	sess_tell(ts, TOKEN_EV_NEW, s);
	if (info != NULL)
		info_fill(info, s);
	return TOKEN_OK;
}

/* The header must be {"alg":"EdDSA"} with our kid and typ JWT, no more. */
static enum token_error
token_check_header(const struct token_store *ts, const char *s, size_t len)
{
	json_t		*h, *v;
	const char	*k;
	enum token_error e = TOKEN_OK;

	if ((h = json_decode_part(s, len, TOKEN_HDRMAX)) == NULL)
		return TOKEN_MALFORMED;
	v = json_object_get(h, "alg");
	if (!json_is_string(v) || strcmp(json_string_value(v), "EdDSA") != 0)
		e = TOKEN_ALG;
	json_object_foreach(h, k, v) {
		if (e != TOKEN_OK)
			break;
		if (strcmp(k, "alg") == 0)
			continue;
		if (strcmp(k, "typ") == 0 && json_is_string(v) &&
		    strcmp(json_string_value(v), "JWT") == 0)
			continue;
		if (strcmp(k, "kid") == 0 && json_is_string(v) &&
		    strcmp(json_string_value(v), ts->kid) == 0)
			continue;
		e = TOKEN_HEADER;
	}
	if (e == TOKEN_OK && json_object_get(h, "kid") == NULL)
		e = TOKEN_HEADER;
	json_decref(h);
	return e;
}

/* A string claim of 1..max-1 bytes copied to dst; -1 otherwise. */
static int
claim_str(json_t *c, const char *name, char *dst, size_t max)
{
	json_t	*v = json_object_get(c, name);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* An integer claim in [min, max]; -1 otherwise. */
static int
claim_int(json_t *c, const char *name, int64_t min, int64_t max,
    int64_t *out)
{
	json_t	*v = json_object_get(c, name);

	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* iat and exp of claims already read, against now with the skew. */
static enum token_error
token_check_time(const struct token_store *ts, const struct token_info *ti,
    time_t now)
{
	if (ti->iat > (int64_t)now + ts->skew)
		return TOKEN_FUTURE;
	if ((int64_t)now >= ti->exp + ts->skew)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

/* Types, presence and issuer of the claims, then the clock. */
static enum token_error
token_check_claims(const struct token_store *ts, json_t *c, time_t now,
    struct token_info *ti)
{
	char	 iss[TOKEN_ISSMAX];
	json_t	*cnf = json_object_get(c, "cnf");
	int64_t	 gen;

	if (claim_str(c, "iss", iss, sizeof(iss)) == -1 ||
	    strcmp(iss, ts->iss) != 0 ||
	    claim_str(c, "sub", ti->user, sizeof(ti->user)) == -1 ||
	    claim_str(c, "dev", ti->device, sizeof(ti->device)) == -1 ||
	    claim_str(c, "sid", ti->sid, sizeof(ti->sid)) == -1 ||
	    strlen(ti->sid) != TOKEN_SIDLEN ||
	    !json_is_string(json_object_get(c, "jti")) ||
	    !json_is_object(json_object_get(c, "roles")) ||
	    claim_int(c, "gen", 1, UINT32_MAX, &gen) == -1 ||
	    claim_int(c, "iat", 0, INT64_MAX / 2, &ti->iat) == -1 ||
	    claim_int(c, "exp", 0, INT64_MAX / 2, &ti->exp) == -1 ||
	    !json_is_object(cnf) ||
	    claim_str(cnf, "jkt", ti->jkt, sizeof(ti->jkt)) == -1 ||
	    strlen(ti->jkt) != TOKEN_B64KEYLEN)
		return TOKEN_CLAIMS;
	ti->gen = gen;
	return token_check_time(ts, ti, now);
}

/*
 * The session table has the last word: the session must exist, agree
 * with the claims, be this generation, and be alive by its hard expiry
 * (no skew: it and now come from the same clock) and its idle time.
 */
static enum token_error
token_check_session(struct token_store *ts, const struct token_info *ti,
    time_t now)
{
	struct token_sess	*s;

	if ((s = sess_find(ts, ti->sid)) == NULL)
		return TOKEN_REVOKED;
	if (strcmp(s->user, ti->user) != 0 ||
	    strcmp(s->device, ti->device) != 0 ||
	    strcmp(s->jkt, ti->jkt) != 0 || ti->gen > s->gen)
		return TOKEN_CLAIMS;
	if (ti->gen < s->gen)
		return TOKEN_SUPERSEDED;
	if ((int64_t)now >= s->exp) {
		sess_drop(ts, s);
		return TOKEN_EXPIRED;
	}
	if ((int64_t)now - s->last_use > ts->idle) {
		sess_drop(ts, s);
		return TOKEN_IDLE;
	}
	return TOKEN_OK;
}

static void
info_fill(struct token_info *ti, const struct token_sess *s)
{
	pccx_strlcpy(ti->user, s->user, sizeof(ti->user));
	pccx_strlcpy(ti->device, s->device, sizeof(ti->device));
	pccx_strlcpy(ti->sid, s->sid, sizeof(ti->sid));
	pccx_strlcpy(ti->jkt, s->jkt, sizeof(ti->jkt));
	memcpy(ti->login_pk, s->login_pk, sizeof(ti->login_pk));
	ti->gen = s->gen;
	ti->exp = s->exp;
}

enum token_error
token_verify_begin(struct token_store *ts, const char *jwt, time_t now,
    struct token_pending *tp)
{
	const struct token_info	*known;
	const char		*d1, *d2;
	size_t			 len, n;
	json_t			*c;
	enum token_error	 e;

	memset(tp, 0, sizeof(*tp));
	if (jwt == NULL || (len = strnlen(jwt, TOKEN_MAXLEN + 1)) >
	    TOKEN_MAXLEN || (d1 = strchr(jwt, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return TOKEN_MALFORMED;
	vcache_hash(ts, jwt, len, tp->h);
	if ((known = vcache_get(ts, tp->h)) != NULL) {
		tp->ti = *known;
		tp->claims = token_check_time(ts, &tp->ti, now);
		return TOKEN_OK;
	}
	if ((e = token_check_header(ts, jwt, d1 - jwt)) != TOKEN_OK)
		return e;
	if (b64url_decode(d2 + 1, jwt + len - (d2 + 1), tp->sig,
	    sizeof(tp->sig), &n) != 0 || n != sizeof(tp->sig))
		return TOKEN_MALFORMED;
	tp->pk = ts->pk;
	tp->msg = (const unsigned char *)jwt;
	tp->len = d2 - jwt;
	tp->need = 1;

	/* Claims are read now and judged once the signature is known. */
	if ((c = json_decode_part(d1 + 1, d2 - (d1 + 1), TOKEN_MAXLEN)) ==
	    NULL)
		tp->claims = TOKEN_MALFORMED;
	else {
		tp->claims = token_check_claims(ts, c, now, &tp->ti);
		tp->cacheable = tp->claims == TOKEN_OK ||
		    tp->claims == TOKEN_FUTURE || tp->claims == TOKEN_EXPIRED;
		json_decref(c);
	}
	return TOKEN_OK;
}

int
token_session_key(struct token_store *ts, const struct token_pending *tp,
    unsigned char *pk)
{
	struct token_sess	*s;

	if (tp->claims != TOKEN_OK ||
	    (s = sess_find(ts, tp->ti.sid)) == NULL ||
	    strcmp(s->jkt, tp->ti.jkt) != 0)
		return -1;
	memcpy(pk, s->login_pk, sizeof(s->login_pk));
	return 0;
}

enum token_error
token_verify_end(struct token_store *ts, struct token_pending *tp,
    int sig_ok, time_t now, struct token_info *info)
{
	enum token_error	 e;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (tp->need) {
		if (!sig_ok)
			return TOKEN_BAD_SIGNATURE;
		if (tp->cacheable)
			vcache_add(ts, tp->h, &tp->ti);
	}
	if ((e = tp->claims) == TOKEN_OK)
		e = token_check_session(ts, &tp->ti, now);
	if (e == TOKEN_OK && info != NULL) {
		info_fill(info, sess_find(ts, tp->ti.sid));
		info->iat = tp->ti.iat;
	}
	return e;
}

enum token_error
token_verify(struct token_store *ts, const char *jwt, time_t now,
    struct token_info *info)
{
	struct token_pending	 tp;
	enum token_error	 e;
	int			 ok = 0;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if ((e = token_verify_begin(ts, jwt, now, &tp)) != TOKEN_OK)
		return e;
	if (tp.need)
		ok = crypto_sign_verify_detached(tp.sig, tp.msg, tp.len,
		    tp.pk) == 0;
	return token_verify_end(ts, &tp, ok, now, info);
}

int
token_touch(struct token_store *ts, const char *sid, time_t now)
{
	struct token_sess	*s;

	if ((s = sess_find(ts, sid)) == NULL)
		return -1;
	if ((int64_t)now >= s->exp || (int64_t)now - s->last_use > ts->idle) {
		sess_drop(ts, s);
		return -1;
	}
	sess_used(ts, s, now);
	return 0;
}

/* The roles claim of a token already verified, as a new reference. */
static json_t *
token_roles(const char *jwt)
{
	const char	*d1 = strchr(jwt, '.'), *d2 = strchr(d1 + 1, '.');
	json_t		*c, *r;

	if ((c = json_decode_part(d1 + 1, d2 - (d1 + 1), TOKEN_MAXLEN)) ==
	    NULL)
		return NULL;
	r = json_incref(json_object_get(c, "roles"));
	json_decref(c);
	return r;
}

enum token_error
token_refresh(struct token_store *ts, const char *jwt, json_t *roles,
    time_t now, char **out, struct token_info *info)
{
	struct token_info	 ti;
	struct token_sess	*s;
	enum token_error	 e;
	json_t			*r;

	*out = NULL;
	if (roles != NULL && !json_is_object(roles))
		return TOKEN_INVALID;
	if ((e = token_verify(ts, jwt, now, &ti)) != TOKEN_OK)
		return e;
	s = sess_find(ts, ti.sid);
	r = roles != NULL ? json_incref(roles) : token_roles(jwt);
	if (s->gen == UINT32_MAX || r == NULL) {
		json_decref(r);
		return TOKEN_INVALID;
	}
	s->gen++;
	*out = token_sign(ts, s, r, now);
	json_decref(r);
	if (*out == NULL) {
		s->gen--;
		return TOKEN_INVALID;
	}
	if ((int64_t)now > s->last_use)
		s->last_use = now;
	sess_tell(ts, TOKEN_EV_GEN, s);
	if (info != NULL) {
		info_fill(info, s);
		info->iat = now;
	}
	return TOKEN_OK;
}

int
token_revoke_sid(struct token_store *ts, const char *sid)
{
	struct token_sess	*s;

	if ((s = sess_find(ts, sid)) == NULL)
		return 0;
	sess_drop(ts, s);
	return 1;
}

/* Drop every session whose user (field 0) or device (1) is name. */
static int
token_revoke_by(struct token_store *ts, int field, const char *name)
{
	struct token_sess	*s;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < ts->max; i++) {
		s = &ts->sess[i];
		if (!s->inuse ||
		    strcmp(field == 0 ? s->user : s->device, name) != 0)
			continue;
		sess_drop(ts, s);
		n++;
	}
	return n;
}

int
token_revoke_device(struct token_store *ts, const char *device)
{
	return token_revoke_by(ts, 1, device);
}

int
token_revoke_user(struct token_store *ts, const char *user)
{
	return token_revoke_by(ts, 0, user);
}

int
token_expire(struct token_store *ts, time_t now)
{
	struct token_sess	*s;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < ts->max; i++) {
		s = &ts->sess[i];
		if (!s->inuse || ((int64_t)now < s->exp &&
		    (int64_t)now - s->last_use <= ts->idle))
			continue;
		sess_drop(ts, s);
		n++;
	}
	return n;
}

void
token_store_sink(struct token_store *ts, token_sink_fn fn, void *arg)
{
	ts->sink = fn;
	ts->sink_arg = arg;
}

int
token_flush(struct token_store *ts)
{
	struct token_sess	*s;
	size_t			 i, n;
	int			 done = 0;

	n = ts->dirty_lost ? ts->max : ts->ndirty;
	for (i = 0; i < n; i++) {
		s = &ts->sess[ts->dirty_lost ? i : ts->dirty[i]];
		if (!s->inuse || !s->dirty)
			continue;
		sess_tell(ts, TOKEN_EV_USE, s);
		done++;
	}
	ts->ndirty = 0;
	ts->dirty_lost = 0;
	return done;
}

enum token_error
token_restore(struct token_store *ts, const struct token_saved *sv,
    time_t now)
{
	struct token_sess	*s;
	unsigned char		 raw[TOKEN_SIDRAW], pk[TOKEN_KEYLEN];
	char			 jkt[TOKEN_B64KEYLEN + 1];
	size_t			 n;

	if (!token_name_ok(sv->user) || !token_name_ok(sv->device) ||
	    sv->gen == 0 || strlen(sv->sid) != TOKEN_SIDLEN ||
	    b64url_decode(sv->sid, TOKEN_SIDLEN, raw, sizeof(raw), &n) != 0 ||
	    n != sizeof(raw))
		return TOKEN_INVALID;
	memcpy(pk, sv->login_pk, sizeof(pk));
	token_thumbprint(pk, jkt);
	if (strcmp(jkt, sv->jkt) != 0)
		return TOKEN_INVALID;
	if ((int64_t)now >= sv->exp)
		return TOKEN_EXPIRED;
	if ((int64_t)now - sv->last_use > ts->idle)
		return TOKEN_IDLE;
	if (sess_find(ts, sv->sid) != NULL)
		return TOKEN_INVALID;
	if ((s = sess_link(ts, raw)) == NULL)
		return TOKEN_FULL;
	pccx_strlcpy(s->user, sv->user, sizeof(s->user));
	pccx_strlcpy(s->device, sv->device, sizeof(s->device));
	memcpy(s->login_pk, pk, sizeof(s->login_pk));
	pccx_strlcpy(s->jkt, jkt, sizeof(s->jkt));
	s->exp = sv->exp;
	s->last_use = sv->last_use;
	s->gen = sv->gen;
	return TOKEN_OK;
}

int
token_has(struct token_store *ts, const char *sid)
{
	return sess_find(ts, sid) != NULL;
}
