/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The soft key's CTAP2 commands: getInfo, makeCredential, getAssertion. */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "authd/cbor.h"
#include "regress/client/softkey.h"

#define CTAP_OK			0x00
#define CTAP_INVALID_CMD	0x01
#define CTAP_INVALID_CBOR	0x12
#define CTAP_MISSING_PARAM	0x14
#define CTAP_UNSUPPORTED_ALG	0x26
#define CTAP_NO_CREDENTIALS	0x2e
#define CTAP_OTHER		0x7f

#define FLAG_UP		0x01
#define FLAG_UV		0x04
#define FLAG_AT		0x40

static const unsigned char softkey_aaguid[16] = {
	0x70, 0x63, 0x63, 0x78, 0x2d, 0x73, 0x6f, 0x66,
	0x74, 0x6b, 0x65, 0x79, 0x2d, 0x74, 0x73, 0x74,
};

static void
put(struct softkey_buf *o, const void *p, size_t n)
{
	if (o->err || n > sizeof(o->b) - o->len) {
		o->err = 1;
		return;
	}
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

/* A CBOR head: major type m, argument v, shortest form. */
static void
head(struct softkey_buf *o, int m, uint64_t v)
{
	unsigned char	b[9];
	size_t		n, i;

	if (v < 24) {
		b[0] = m << 5 | v;
		put(o, b, 1);
		return;
	}
	n = v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x100000000ull ? 4 : 8;
	b[0] = m << 5 | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27);
	for (i = 0; i < n; i++)
		b[1 + i] = v >> (8 * (n - 1 - i));
	put(o, b, 1 + n);
}

static void
cint(struct softkey_buf *o, int64_t v)
{
	if (v >= 0)
		head(o, 0, v);
	else
		head(o, 1, -1 - v);
}

static void
cbytes(struct softkey_buf *o, const void *p, size_t n)
{
	head(o, 2, n);
	put(o, p, n);
}

static void
ctext(struct softkey_buf *o, const char *s)
{
	head(o, 3, strlen(s));
	put(o, s, strlen(s));
}

static void
cbool(struct softkey_buf *o, int v)
{
	unsigned char	b = v ? 0xf5 : 0xf4;

	put(o, &b, 1);
}

/* authenticatorGetInfo: CTAP 2.0, built-in UV, no PIN, no rk. */
static void
ctap_info(struct softkey_buf *o)
{
	unsigned char	st = CTAP_OK;

	put(o, &st, 1);
	head(o, 5, 4);
	cint(o, 1);
	head(o, 4, 1);
	ctext(o, "FIDO_2_0");
	cint(o, 3);
	cbytes(o, softkey_aaguid, sizeof(softkey_aaguid));
	cint(o, 4);
	head(o, 5, 4);
	ctext(o, "rk");
	cbool(o, 0);
	ctext(o, "up");
	cbool(o, 1);
	ctext(o, "uv");
	cbool(o, 1);
	ctext(o, "plat");
	cbool(o, 0);
	cint(o, 5);
	cint(o, 1200);
}

/* An option of the request's map at key n: 1, 0, or def if absent. */
static int
ctap_opt(const struct cbor_doc *d, int n, const char *name, int def)
{
	int	m = wcbor_map_int(d, 0, n), v;

	if (m < 0 || (v = wcbor_map_text(d, m, name)) < 0)
		return def;
	return d->items[v].type == CBOR_TRUE;
}

/* The flags: UP unless told not to; UV when asked, unless told not. */
static unsigned char
ctap_flags(const struct softkey *k, const struct cbor_doc *d, int n)
{
	unsigned char	f = 0;

	if (ctap_opt(d, n, "up", 1) && !(k->mode & SOFTKEY_NOUP))
		f |= FLAG_UP;
	if (ctap_opt(d, n, "uv", 0) && !(k->mode & SOFTKEY_NOUV))
		f |= FLAG_UV;
	return f;
}

/* rpIdHash, flags and counter: the first 37 bytes of authData. */
static void
ctap_authdata(struct softkey_buf *o, const unsigned char *rp,
    size_t rplen, unsigned char flags, uint32_t count)
{
	unsigned char	h[37];

	SHA256(rp, rplen, h);
	h[32] = flags;
	h[33] = count >> 24;
	h[34] = count >> 16;
	h[35] = count >> 8;
	h[36] = count;
	put(o, h, sizeof(h));
}

/* ECDSA P-256 over a and b; DER signature in sig. */
static int
ctap_sign(EVP_PKEY *pk, const void *a, size_t alen, const void *b,
    size_t blen, unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX	*ctx;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1 &&
	    EVP_DigestSignUpdate(ctx, a, alen) == 1 &&
	    EVP_DigestSignUpdate(ctx, b, blen) == 1 &&
	    EVP_DigestSignFinal(ctx, sig, siglen) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* A byte or text string at key n of the request, or NULL. */
static const unsigned char *
ctap_str(const struct cbor_doc *d, int map, int64_t n, const char *name,
    size_t *len)
{
	int	i = name != NULL ? wcbor_map_text(d, map, name) :
		    wcbor_map_int(d, map, n);

	if (i < 0 || (d->items[i].type != CBOR_BYTES &&
	    d->items[i].type != CBOR_TEXT))
		return NULL;
	*len = d->items[i].val;
	return d->items[i].ptr;
}

/* Whether the request's pubKeyCredParams offer ES256. */
static int
ctap_es256(const struct cbor_doc *d)
{
	int64_t	alg;
	int	a = wcbor_map_int(d, 0, 4), e, v;
	size_t	i;

	for (i = 0; a >= 0 && (e = wcbor_child(d, a, i)) >= 0; i++)
		if ((v = wcbor_map_text(d, e, "alg")) >= 0 &&
		    wcbor_get_int(d, v, &alg) == 0 && alg == -7)
			return 1;
	return 0;
}

/* The attested credential data of a new key: aaguid, id, COSE key. */
static int
ctap_attested(struct softkey *k, struct softkey_buf *ad)
{
	unsigned char	pub[65];
	size_t		publen;

	if (EVP_PKEY_get_octet_string_param(k->pkey,
	    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &publen) != 1 ||
	    publen != 65)
		return -1;
	put(ad, softkey_aaguid, sizeof(softkey_aaguid));
	put(ad, "\0\x20", 2);
	put(ad, k->cred, sizeof(k->cred));
	head(ad, 5, 5);
	cint(ad, 1);
	cint(ad, 2);		/* kty EC2 */
	cint(ad, 3);
	cint(ad, -7);		/* alg ES256 */
	cint(ad, -1);
	cint(ad, 1);		/* crv P-256 */
	cint(ad, -2);
	cbytes(ad, pub + 1, 32);
	cint(ad, -3);
	cbytes(ad, pub + 33, 32);
	return 0;
}

/* authenticatorMakeCredential: a new ES256 key, packed self attestation. */
static int
ctap_make(struct softkey *k, const struct cbor_doc *d,
    struct softkey_buf *o)
{
	struct softkey_buf	 ad;
	const unsigned char	*cdh, *rp;
	unsigned char		 sig[80], st = CTAP_OK;
	size_t			 cdhlen, rplen, siglen = sizeof(sig);
	int			 rpm = wcbor_map_int(d, 0, 2);

	if ((cdh = ctap_str(d, 0, 1, NULL, &cdhlen)) == NULL ||
	    cdhlen != 32 || rpm < 0 ||
	    (rp = ctap_str(d, rpm, 0, "id", &rplen)) == NULL)
		return CTAP_MISSING_PARAM;
	if (!ctap_es256(d))
		return CTAP_UNSUPPORTED_ALG;
	EVP_PKEY_free(k->pkey);
	if ((k->pkey = EVP_EC_gen("P-256")) == NULL ||
	    RAND_bytes(k->cred, sizeof(k->cred)) != 1)
		return CTAP_OTHER;
	k->have_cred = 1;
	k->counter++;
	memset(&ad, 0, sizeof(ad));
	ctap_authdata(&ad, rp, rplen, ctap_flags(k, d, 7) | FLAG_AT,
	    k->counter);
	if (ctap_attested(k, &ad) == -1 || ad.err ||
	    ctap_sign(k->pkey, ad.b, ad.len, cdh, 32, sig, &siglen) == -1 ||
	    softkey_save(k) == -1)
		return CTAP_OTHER;
	put(o, &st, 1);
	head(o, 5, 3);
	cint(o, 1);
	ctext(o, "packed");
	cint(o, 2);
	cbytes(o, ad.b, ad.len);
	cint(o, 3);
	head(o, 5, 2);
	ctext(o, "alg");
	cint(o, -7);
	ctext(o, "sig");
	cbytes(o, sig, siglen);
	return CTAP_OK;
}

/* Whether the allow list, if there is one, names our credential. */
static int
ctap_allowed(const struct softkey *k, const struct cbor_doc *d)
{
	const unsigned char	*id;
	size_t			 i, len;
	int			 a = wcbor_map_int(d, 0, 3), e;

	if (a < 0)
		return 1;
	for (i = 0; (e = wcbor_child(d, a, i)) >= 0; i++)
		if ((id = ctap_str(d, e, 0, "id", &len)) != NULL &&
		    len == sizeof(k->cred) && memcmp(id, k->cred, len) == 0)
			return 1;
	return 0;
}

/* authenticatorGetAssertion with the one credential this key holds. */
static int
ctap_assert(struct softkey *k, const struct cbor_doc *d,
    struct softkey_buf *o)
{
	struct softkey_buf	 ad;
	const unsigned char	*cdh, *rp;
	unsigned char		 sig[80], st = CTAP_OK;
	size_t			 cdhlen, rplen, siglen = sizeof(sig);
	uint32_t		 count;

	if ((rp = ctap_str(d, 0, 1, NULL, &rplen)) == NULL ||
	    (cdh = ctap_str(d, 0, 2, NULL, &cdhlen)) == NULL || cdhlen != 32)
		return CTAP_MISSING_PARAM;
	if (!k->have_cred || !ctap_allowed(k, d))
		return CTAP_NO_CREDENTIALS;
	if (k->mode & SOFTKEY_REWIND)
		count = 1;
	else
		count = ++k->counter;
	memset(&ad, 0, sizeof(ad));
	ctap_authdata(&ad, rp, rplen, ctap_flags(k, d, 5), count);
	if (ctap_sign(k->pkey, ad.b, ad.len, cdh, 32, sig, &siglen) == -1 ||
	    softkey_save(k) == -1)
		return CTAP_OTHER;
	put(o, &st, 1);
	head(o, 5, 3);
	cint(o, 1);
	head(o, 5, 2);
	ctext(o, "id");
	cbytes(o, k->cred, sizeof(k->cred));
	ctext(o, "type");
	ctext(o, "public-key");
	cint(o, 2);
	cbytes(o, ad.b, ad.len);
	cint(o, 3);
	cbytes(o, sig, siglen);
	return CTAP_OK;
}

/* softkey_ctap: see softkey.h. */
void
softkey_ctap(struct softkey *k, const unsigned char *req, size_t len,
    struct softkey_buf *o)
{
	static struct cbor_doc	 d;
	unsigned char		 st;
	int			 rv = CTAP_INVALID_CMD;

	if (req[0] == 0x04) {
		ctap_info(o);
		return;
	}
	if (len < 2 || wcbor_parse(&d, req + 1, len - 1) != CBOR_OK ||
	    d.items[0].type != CBOR_MAP)
		rv = CTAP_INVALID_CBOR;
	else if (req[0] == 0x01)
		rv = ctap_make(k, &d, o);
	else if (req[0] == 0x02)
		rv = ctap_assert(k, &d, o);
	if (rv != CTAP_OK) {
		o->len = 0;
		st = rv;
		put(o, &st, 1);
	}
}
