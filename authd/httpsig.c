/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* HTTP Message Signatures (RFC 9421) with the login key, Content-Digest. */

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "authd/httpsig.h"
#include "authd/sfv.h"

#define RP_NIL		UINT32_MAX
#define RP_IDLEN	16
#define SHA256_LEN	32

/* A nonce remembered until its signature would be stale anyway. */
struct rp_entry {
	/* keyed hash of keyid and nonce */
	unsigned char	 id[RP_IDLEN];
	int64_t		 until;
	uint32_t	 hnext;		/* hash chain, or free list */
};

struct httpsig {
	uint32_t	 window;
	struct rp_entry	*e;
	size_t		 max;		/* entries allocated */
	size_t		 cap;		/* most they may grow to */
	size_t		 count;
	uint32_t	*bucket;
	uint32_t	 mask;
	uint32_t	*heap;		/* min-heap of entries by until */
	uint32_t	 freelist;
	unsigned char	 hkey[crypto_generichash_KEYBYTES];
};

static const char *const httpsig_names[HTTPSIG_NERRORS] = {
	[HTTPSIG_OK] = "ok",
	[HTTPSIG_NO_SIGNATURE] = "no_signature",
	[HTTPSIG_BAD_SIGNATURE_INPUT] = "bad_signature_input",
	[HTTPSIG_COMPONENTS] = "components",
	[HTTPSIG_STALE] = "stale",
	[HTTPSIG_FUTURE] = "future",
	[HTTPSIG_REPLAYED] = "replayed",
	[HTTPSIG_KEYID] = "keyid",
	[HTTPSIG_BAD_SIGNATURE] = "bad_signature",
	[HTTPSIG_DIGEST_MISMATCH] = "digest_mismatch",
	[HTTPSIG_DIGEST_MISSING] = "digest_missing",
	[HTTPSIG_BUSY] = "busy",
};

static const char *const httpsig_msgs[HTTPSIG_NERRORS] = {
	[HTTPSIG_OK] = "request signature accepted",
	[HTTPSIG_NO_SIGNATURE] = "the request is not signed",
	[HTTPSIG_BAD_SIGNATURE_INPUT] =
	    "Signature-Input or Signature cannot be used",
	[HTTPSIG_COMPONENTS] = "the signature must cover exactly @method, "
	    "@target-uri and content-digest",
	[HTTPSIG_STALE] = "the signature is too old",
	[HTTPSIG_FUTURE] = "the signature was created in the future",
	[HTTPSIG_REPLAYED] = "the signature's nonce was already used",
	[HTTPSIG_KEYID] = "the signature's keyid is not this session's key",
	[HTTPSIG_BAD_SIGNATURE] = "the request signature does not verify",
	[HTTPSIG_DIGEST_MISMATCH] = "Content-Digest does not match the body",
	[HTTPSIG_DIGEST_MISSING] = "a sha-256 Content-Digest is required",
	[HTTPSIG_BUSY] = "too many signed requests: try again later",
};

static const char *const httpsig_comp_names[HTTPSIG_NCOMP] = {
	[HTTPSIG_C_METHOD] = "@method",
	[HTTPSIG_C_TARGET_URI] = "@target-uri",
	[HTTPSIG_C_CONTENT_DIGEST] = "content-digest",
};

static enum httpsig_error sig_components(const struct sfv_member *,
		    struct httpsig_sig *);
static enum httpsig_error sig_params(const struct sfv_member *,
		    struct httpsig_sig *);
static enum httpsig_error sig_value(const char *, struct httpsig_sig *);
static int	 rp_check(struct httpsig *, const unsigned char *, int64_t,
		    int64_t);
static void	 rp_expire(struct httpsig *, int64_t);
static int	 rp_resize(struct httpsig *, size_t);
static uint32_t	*rp_bucket(struct httpsig *, const unsigned char *);

const char *
httpsig_errname(enum httpsig_error e)
{
	if ((unsigned)e >= HTTPSIG_NERRORS)
		return "unknown";
	return httpsig_names[e];
}

const char *
httpsig_errmsg(enum httpsig_error e)
{
	if ((unsigned)e >= HTTPSIG_NERRORS)
		return "unknown request signature error";
	return httpsig_msgs[e];
}

/*
 * Room for n entries: the new ones go on the free list and every live
 * one is hashed again into a table twice the size.  The replay cache
 * starts small and grows, up to its cap, only under load.
 */
static int
rp_resize(struct httpsig *hs, size_t n)
{
	struct rp_entry	*e;
	uint32_t	*heap, *bucket, *b, idx;
	size_t		 nb = 1, i;

	while (nb < 2 * n)
		nb <<= 1;
	if ((bucket = reallocarray(NULL, nb, sizeof(*bucket))) == NULL)
		return -1;
	if ((e = reallocarray(hs->e, n, sizeof(*e))) != NULL)
		hs->e = e;
	if ((heap = reallocarray(hs->heap, n, sizeof(*heap))) != NULL)
		hs->heap = heap;
	if (e == NULL || heap == NULL) {
		free(bucket);
		return -1;
	}
	for (i = n; i-- > hs->max; ) {
		e[i].hnext = hs->freelist;
		hs->freelist = i;
	}
	hs->max = n;
	free(hs->bucket);
	hs->bucket = bucket;
	hs->mask = nb - 1;
	for (i = 0; i < nb; i++)
		bucket[i] = RP_NIL;
	for (i = 0; i < hs->count; i++) {
		idx = heap[i];
		b = rp_bucket(hs, e[idx].id);
		e[idx].hnext = *b;
		*b = idx;
	}
	return 0;
}

struct httpsig *
httpsig_new(uint32_t window, size_t max)
{
	struct httpsig	*hs;

	if (sodium_init() == -1)
		return NULL;
	if (max == 0)
		max = HTTPSIG_CACHE;
	if (max >= RP_NIL / 4 || (hs = calloc(1, sizeof(*hs))) == NULL)
		return NULL;
	hs->window = window != 0 ? window : HTTPSIG_WINDOW;
	hs->cap = max;
	hs->freelist = RP_NIL;
	if (rp_resize(hs, max / 16 >= 64 ? max / 16 : max < 64 ? max : 64) ==
	    -1) {
		httpsig_free(hs);
		return NULL;
	}
	randombytes_buf(hs->hkey, sizeof(hs->hkey));
	return hs;
}

void
httpsig_free(struct httpsig *hs)
{
	if (hs == NULL)
		return;
	free(hs->e);
	free(hs->heap);
	free(hs->bucket);
	free(hs);
}

size_t
httpsig_cache_count(const struct httpsig *hs)
{
	return hs->count;
}

/* Replay cache: a hash of nonces beside a min-heap by expiry. */

static int
rp_less(const struct httpsig *hs, size_t a, size_t b)
{
	return hs->e[hs->heap[a]].until < hs->e[hs->heap[b]].until;
}

static void
rp_swap(struct httpsig *hs, size_t a, size_t b)
{
	uint32_t	 t = hs->heap[a];

	hs->heap[a] = hs->heap[b];
	hs->heap[b] = t;
}

static void
rp_sift_up(struct httpsig *hs, size_t i)
{
	while (i > 0 && rp_less(hs, i, (i - 1) / 2)) {
		rp_swap(hs, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
rp_sift_down(struct httpsig *hs, size_t i)
{
	size_t	 l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < hs->count && rp_less(hs, l, m))
			m = l;
		if (l + 1 < hs->count && rp_less(hs, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		rp_swap(hs, i, m);
		i = m;
	}
}

static uint32_t *
rp_bucket(struct httpsig *hs, const unsigned char *id)
{
	uint32_t	 h = (uint32_t)id[0] | (uint32_t)id[1] << 8 |
			    (uint32_t)id[2] << 16 | (uint32_t)id[3] << 24;

	return &hs->bucket[h & hs->mask];
}

/* Drop every nonce whose signature is stale at now: the heap's top. */
static void
rp_expire(struct httpsig *hs, int64_t now)
{
	uint32_t	 idx, *p;

	while (hs->count > 0 && hs->e[hs->heap[0]].until < now) {
		idx = hs->heap[0];
		hs->heap[0] = hs->heap[--hs->count];
		rp_sift_down(hs, 0);
		for (p = rp_bucket(hs, hs->e[idx].id); *p != idx;
		    p = &hs->e[*p].hnext)
			;
		*p = hs->e[idx].hnext;
		hs->e[idx].hnext = hs->freelist;
		hs->freelist = idx;
	}
}

/* Remember id until until; HTTPSIG_REPLAYED if it is already known. */
static int
rp_check(struct httpsig *hs, const unsigned char *id, int64_t until,
    int64_t now)
{
	uint32_t	 i, *b;

	rp_expire(hs, now);
	b = rp_bucket(hs, id);
	for (i = *b; i != RP_NIL; i = hs->e[i].hnext)
		if (memcmp(hs->e[i].id, id, RP_IDLEN) == 0)
			return HTTPSIG_REPLAYED;
	if (hs->freelist == RP_NIL) {
		if (hs->max == hs->cap || rp_resize(hs, hs->max * 2 <
		    hs->cap ? hs->max * 2 : hs->cap) == -1)
			return HTTPSIG_BUSY;
		b = rp_bucket(hs, id);
	}
	i = hs->freelist;
	hs->freelist = hs->e[i].hnext;
	memcpy(hs->e[i].id, id, RP_IDLEN);
	hs->e[i].until = until;
	hs->e[i].hnext = *b;
	*b = i;
	hs->heap[hs->count++] = i;
	rp_sift_up(hs, hs->count - 1);
	return HTTPSIG_OK;
}

/* The inner list must name exactly our three components, bare. */
static enum httpsig_error
sig_components(const struct sfv_member *m, struct httpsig_sig *sig)
{
	char	 name[32];
	int	 i, c, seen = 0;

	if (m->nitem != HTTPSIG_NCOMP)
		return HTTPSIG_COMPONENTS;
	for (i = 0; i < m->nitem; i++) {
		if (m->item[i].nparam != 0 ||
		    sfv_string(&m->item[i].v, name, sizeof(name)) == -1)
			return HTTPSIG_COMPONENTS;
		for (c = 0; c < HTTPSIG_NCOMP; c++)
			if (strcmp(name, httpsig_comp_names[c]) == 0)
				break;
		if (c == HTTPSIG_NCOMP || (seen & (1 << c)))
			return HTTPSIG_COMPONENTS;
		seen |= 1 << c;
		sig->comp[i] = c;
	}
	return HTTPSIG_OK;
}

/* created, nonce, keyid required; alg, expires, tag allowed; no more. */
static enum httpsig_error
sig_params(const struct sfv_member *m, struct httpsig_sig *sig)
{
	const struct sfv_param	*p;
	char			 buf[HTTPSIG_NONCE_MAX + 1];
	int			 i, n;

	for (i = 0; i < m->nparam; i++) {
		p = &m->param[i];
		if (sfv_key_is(p->key, p->klen, "created")) {
			if (p->v.type != SFV_INTEGER || p->v.num <= 0)
				return HTTPSIG_BAD_SIGNATURE_INPUT;
			sig->created = p->v.num;
		} else if (sfv_key_is(p->key, p->klen, "expires")) {
			if (p->v.type != SFV_INTEGER || p->v.num <= 0)
				return HTTPSIG_BAD_SIGNATURE_INPUT;
			sig->expires = p->v.num;
		} else if (sfv_key_is(p->key, p->klen, "nonce")) {
			n = sfv_string(&p->v, sig->nonce, sizeof(sig->nonce));
			if (n < HTTPSIG_NONCE_MIN)
				return HTTPSIG_BAD_SIGNATURE_INPUT;
		} else if (sfv_key_is(p->key, p->klen, "keyid")) {
			if (sfv_string(&p->v, sig->keyid,
			    sizeof(sig->keyid)) < 1)
				return HTTPSIG_BAD_SIGNATURE_INPUT;
		} else if (sfv_key_is(p->key, p->klen, "alg")) {
			if (sfv_string(&p->v, buf, sizeof(buf)) == -1 ||
			    strcmp(buf, "ed25519") != 0)
				return HTTPSIG_BAD_SIGNATURE_INPUT;
		} else if (sfv_key_is(p->key, p->klen, "tag")) {
			if (sfv_string(&p->v, buf, sizeof(buf)) == -1)
				return HTTPSIG_BAD_SIGNATURE_INPUT;
		} else
			return HTTPSIG_BAD_SIGNATURE_INPUT;
	}
	if (sig->created == 0 || sig->nonce[0] == '\0' ||
	    sig->keyid[0] == '\0')
		return HTTPSIG_BAD_SIGNATURE_INPUT;
	return HTTPSIG_OK;
}

/* The Signature field: one member, our label, 64 bytes, no params. */
static enum httpsig_error
sig_value(const char *field, struct httpsig_sig *sig)
{
	struct sfv_dict		*d;
	const struct sfv_member	*m;
	enum httpsig_error	 e = HTTPSIG_BAD_SIGNATURE_INPUT;

	if ((d = malloc(sizeof(*d))) == NULL)
		return e;
	if (sfv_parse_dict(field, strlen(field), d) == -1 || d->nmember != 1)
		goto done;
	m = &d->member[0];
	if (!sfv_key_is(m->key, m->klen, sig->label) || m->inner ||
	    m->item[0].nparam != 0 ||
	    sfv_bytes(&m->item[0].v, sig->sig, sizeof(sig->sig)) !=
	    HTTPSIG_SIGLEN)
		goto done;
	e = HTTPSIG_OK;
 done:
	free(d);
	return e;
}

enum httpsig_error
httpsig_parse(const char *input, const char *signature,
    struct httpsig_sig *sig)
{
	struct sfv_dict		*d;
	const struct sfv_member	*m;
	enum httpsig_error	 e = HTTPSIG_BAD_SIGNATURE_INPUT;

	memset(sig, 0, sizeof(*sig));
	if (input == NULL || signature == NULL)
		return HTTPSIG_NO_SIGNATURE;
	if ((d = malloc(sizeof(*d))) == NULL)
		return e;
	if (sfv_parse_dict(input, strlen(input), d) == -1 || d->nmember != 1)
		goto done;
	m = &d->member[0];
	if (!m->inner || m->klen >= sizeof(sig->label))
		goto done;
	memcpy(sig->label, m->key, m->klen);
	if ((e = sig_components(m, sig)) != HTTPSIG_OK ||
	    (e = sig_params(m, sig)) != HTTPSIG_OK)
		goto done;
	e = HTTPSIG_BAD_SIGNATURE_INPUT;
	if (sfv_serialize_member(m, sig->params, sizeof(sig->params)) == -1)
		goto done;
	e = sig_value(signature, sig);
 done:
	free(d);
	return e;
}

/* A method is a token (RFC 9110 5.6.2). */
static int
value_method_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return 0;
	return 1;
}

/* Visible ASCII, from lo (0x20 lets spaces in): no line breaks. */
static int
value_text_ok(const char *s, size_t len, int lo)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < lo || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* A field value without its leading and trailing whitespace. */
static const char *
value_trim(const char *s, size_t *len)
{
	size_t	 n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

int
httpsig_base(const struct httpsig_sig *sig, const struct httpsig_request *req,
    char **out, size_t *outlen)
{
	const char	*v[HTTPSIG_NCOMP];
	size_t		 vl[HTTPSIG_NCOMP], size, off = 0;
	char		*buf;
	int		 i, c;

	*out = NULL;
	if (req->method == NULL || req->target_uri == NULL ||
	    req->content_digest == NULL || !value_method_ok(req->method))
		return -1;
	v[HTTPSIG_C_METHOD] = req->method;
	vl[HTTPSIG_C_METHOD] = strlen(req->method);
	v[HTTPSIG_C_TARGET_URI] = req->target_uri;
	vl[HTTPSIG_C_TARGET_URI] = strlen(req->target_uri);
	v[HTTPSIG_C_CONTENT_DIGEST] = value_trim(req->content_digest,
	    &vl[HTTPSIG_C_CONTENT_DIGEST]);
	if (!value_text_ok(v[1], vl[1], 0x21) ||
	    !value_text_ok(v[2], vl[2], 0x20))
		return -1;

	size = sizeof("\"@signature-params\": ") + strlen(sig->params);
	for (i = 0; i < HTTPSIG_NCOMP; i++)
		size += strlen(httpsig_comp_names[i]) + 5 + vl[i];
	if ((buf = malloc(size)) == NULL)
		return -1;
	/* RFC 9421 2.5: "name": value LF, ..., then the params line. */
	for (i = 0; i < HTTPSIG_NCOMP; i++) {
		c = sig->comp[i];
		off += snprintf(buf + off, size - off, "\"%s\": %.*s\n",
		    httpsig_comp_names[c], (int)vl[c], v[c]);
	}
	off += snprintf(buf + off, size - off, "\"@signature-params\": %s",
	    sig->params);
	*out = buf;
	*outlen = off;
	return 0;
}

/* The sha-256 member of a Content-Digest value, into dig. */
static enum httpsig_error
digest_get(const char *field, unsigned char *dig)
{
	struct sfv_dict		*d;
	const struct sfv_member	*m;
	unsigned char		 buf[SHA256_LEN + 1];
	enum httpsig_error	 e = HTTPSIG_DIGEST_MISSING;
	int			 i;

	if (field == NULL || (d = malloc(sizeof(*d))) == NULL)
		return e;
	if (sfv_parse_dict(field, strlen(field), d) == -1)
		goto done;
	for (i = 0; i < d->nmember; i++) {
		m = &d->member[i];
		if (!sfv_key_is(m->key, m->klen, "sha-256"))
			continue;
		e = HTTPSIG_DIGEST_MISMATCH;
		if (m->inner ||
		    sfv_bytes(&m->item[0].v, buf, sizeof(buf)) != SHA256_LEN)
			goto done;
		memcpy(dig, buf, SHA256_LEN);
		e = HTTPSIG_OK;
	}
 done:
	free(d);
	return e;
}

enum httpsig_error
httpsig_digest_check(const char *field, const unsigned char *sha256)
{
	unsigned char		 dig[SHA256_LEN];
	enum httpsig_error	 e;

	if ((e = digest_get(field, dig)) != HTTPSIG_OK)
		return e;
	if (sodium_memcmp(dig, sha256, SHA256_LEN) != 0)
		return HTTPSIG_DIGEST_MISMATCH;
	return HTTPSIG_OK;
}

/* The body's SHA-256: given, or computed (OpenSSL: SHA-NI is fast). */
static int
body_sha256(const struct httpsig_request *req, unsigned char *out)
{
	unsigned int	 n;

	if (req->body_sha256 != NULL) {
		memcpy(out, req->body_sha256, SHA256_LEN);
		return 0;
	}
	if (EVP_Digest(req->body != NULL ? req->body : (const void *)"",
	    req->body != NULL ? req->bodylen : 0, out, &n, EVP_sha256(),
	    NULL) != 1 || n != SHA256_LEN)
		return -1;
	return 0;
}

/* Cheap checks first; the signature before the body's hash. */
enum httpsig_error
httpsig_verify_begin(struct httpsig *hs, const struct httpsig_request *req,
    const char *keyid, const unsigned char *pk, time_t now,
    struct httpsig_pending *hp)
{
	struct httpsig_sig	*sig = &hp->sig;
	unsigned char		 dig[SHA256_LEN], body[SHA256_LEN];
	crypto_generichash_state st;
	enum httpsig_error	 e;

	hp->base = NULL;
	if ((e = httpsig_parse(req->signature_input, req->signature, sig)) !=
	    HTTPSIG_OK)
		return e;
	if (keyid == NULL || strlen(keyid) != strlen(sig->keyid) ||
	    sodium_memcmp(keyid, sig->keyid, strlen(keyid)) != 0)
		return HTTPSIG_KEYID;
	if (sig->created < (int64_t)now - hs->window ||
	    (sig->expires != 0 && (int64_t)now > sig->expires))
		return HTTPSIG_STALE;
	if (sig->created > (int64_t)now + hs->window)
		return HTTPSIG_FUTURE;
	if ((e = digest_get(req->content_digest, dig)) != HTTPSIG_OK)
		return e;
	if (httpsig_base(sig, req, &hp->base, &hp->len) == -1)
		return HTTPSIG_COMPONENTS;
	hp->pk = pk;
	/* Judged after the signature, as the order above promises. */
	hp->digest_ok = body_sha256(req, body) == 0 &&
	    sodium_memcmp(dig, body, SHA256_LEN) == 0;

	crypto_generichash_init(&st, hs->hkey, sizeof(hs->hkey),
	    sizeof(hp->id));
	crypto_generichash_update(&st, (unsigned char *)sig->keyid,
	    strlen(sig->keyid) + 1);
	crypto_generichash_update(&st, (unsigned char *)sig->nonce,
	    strlen(sig->nonce));
	crypto_generichash_final(&st, hp->id, sizeof(hp->id));
	return HTTPSIG_OK;
}

enum httpsig_error
httpsig_verify_end(struct httpsig *hs, struct httpsig_pending *hp,
    int sig_ok, time_t now)
{
	httpsig_pending_clear(hp);
	if (!sig_ok)
		return HTTPSIG_BAD_SIGNATURE;
	if (!hp->digest_ok)
		return HTTPSIG_DIGEST_MISMATCH;
	return rp_check(hs, hp->id, hp->sig.created + hs->window, now);
}

void
httpsig_pending_clear(struct httpsig_pending *hp)
{
	free(hp->base);
	hp->base = NULL;
}

enum httpsig_error
httpsig_verify(struct httpsig *hs, const struct httpsig_request *req,
    const char *keyid, const unsigned char *pk, time_t now)
{
	struct httpsig_pending	 hp;
	enum httpsig_error	 e;
	int			 ok;

	if ((e = httpsig_verify_begin(hs, req, keyid, pk, now, &hp)) !=
	    HTTPSIG_OK) {
		httpsig_pending_clear(&hp);
		return e;
	}
	ok = crypto_sign_verify_detached(hp.sig.sig,
	    (unsigned char *)hp.base, hp.len, pk) == 0;
	return httpsig_verify_end(hs, &hp, ok, now);
}
