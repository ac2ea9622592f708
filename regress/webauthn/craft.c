/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Test helpers: build WebAuthn structures that no browser would send. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "regress/webauthn/craft.h"

#define OID_FIDO_AAGUID	"1.3.6.1.4.1.45724.1.1.4"

void
blob_add(struct blob *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	b->p = realloc(b->p, b->n + n);
	assert_non_null(b->p);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

void
blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

struct blob
blob_flip(const struct blob *b, long i, uint8_t x)
{
	struct blob	 c = { NULL, 0 };

	blob_add(&c, b->p, b->n);
	if (i < 0)
		i += (long)b->n;
	assert_true(i >= 0 && (size_t)i < c.n);
	c.p[i] ^= x;
	return c;
}

void
cb_head(struct blob *b, int major, uint64_t v)
{
	uint8_t		 h[9];
	size_t		 n, i;

	if (v < 24) {
		h[0] = major << 5 | v;
		n = 0;
	} else if (v <= 0xff) {
		h[0] = major << 5 | 24;
		n = 1;
	} else if (v <= 0xffff) {
		h[0] = major << 5 | 25;
		n = 2;
	} else if (v <= 0xffffffffULL) {
		h[0] = major << 5 | 26;
		n = 4;
	} else {
		h[0] = major << 5 | 27;
		n = 8;
	}
	for (i = 0; i < n; i++)
		h[1 + i] = v >> (8 * (n - 1 - i));
	blob_add(b, h, 1 + n);
}

void
cb_int(struct blob *b, int64_t v)
{
	if (v >= 0)
		cb_head(b, 0, v);
	else
		cb_head(b, 1, (uint64_t)(-(v + 1)));
}

void
cb_bytes(struct blob *b, const void *p, size_t n)
{
	cb_head(b, 2, n);
	blob_add(b, p, n);
}

void
cb_text(struct blob *b, const char *s)
{
	cb_head(b, 3, strlen(s));
	blob_add(b, s, strlen(s));
}

EVP_PKEY *
key_new(int alg)
{
	EVP_PKEY	*k;

	if (alg == -7)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	return k;
}

EVP_PKEY *
key_pkcs8(const struct blob *der)
{
	const unsigned char	*p = der->p;
	PKCS8_PRIV_KEY_INFO	*p8;
	EVP_PKEY		*k;

	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, der->n);
	assert_non_null(p8);
	k = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	assert_non_null(k);
	return k;
}

int
key_alg(EVP_PKEY *k)
{
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC ? -7 : -8;
}

/* The COSE_Key an authenticator would put in authData. */
struct blob
key_cose(EVP_PKEY *k)
{
	struct blob	 b = { NULL, 0 };
	uint8_t		 x[32], y[32];
	BIGNUM		*bx = NULL, *by = NULL;
	size_t		 n = sizeof(x);

	if (key_alg(k) == -8) {
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, x, &n), 1);
		cb_head(&b, 5, 4);
		cb_int(&b, 1), cb_int(&b, 1);
		cb_int(&b, 3), cb_int(&b, -8);
		cb_int(&b, -1), cb_int(&b, 6);
		cb_int(&b, -2), cb_bytes(&b, x, 32);
		return b;
	}
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X,
	    &bx), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y,
	    &by), 1);
	assert_int_equal(BN_bn2binpad(bx, x, 32), 32);
	assert_int_equal(BN_bn2binpad(by, y, 32), 32);
	BN_free(bx);
	BN_free(by);
	cb_head(&b, 5, 5);
	cb_int(&b, 1), cb_int(&b, 2);
	cb_int(&b, 3), cb_int(&b, -7);
	cb_int(&b, -1), cb_int(&b, 1);
	cb_int(&b, -2), cb_bytes(&b, x, 32);
	cb_int(&b, -3), cb_bytes(&b, y, 32);
	return b;
}

/* A WebAuthn signature: over a || SHA-256(cd). */
struct blob
key_sign(EVP_PKEY *k, const struct blob *a, const struct blob *cd)
{
	struct blob	 msg = { NULL, 0 }, sig = { NULL, 0 };
	uint8_t		 h[32];
	EVP_MD_CTX	*ctx;
	size_t		 n = 0;

	assert_int_equal(EVP_Digest(cd->p, cd->n, h, NULL, EVP_sha256(),
	    NULL), 1);
	blob_add(&msg, a->p, a->n);
	blob_add(&msg, h, sizeof(h));
	ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, key_alg(k) == -7 ?
	    EVP_sha256() : NULL, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, NULL, &n, msg.p, msg.n), 1);
	sig.p = malloc(n);
	assert_non_null(sig.p);
	assert_int_equal(EVP_DigestSign(ctx, sig.p, &n, msg.p, msg.n), 1);
	sig.n = n;
	EVP_MD_CTX_free(ctx);
	blob_free(&msg);
	return sig;
}

struct blob
authdata_make(const struct authdata_spec *s)
{
	static const uint8_t	 zero[16];
	struct blob		 b = { NULL, 0 };
	uint8_t			 h[32], c[4], l[2];

	assert_int_equal(EVP_Digest(s->rp_id, strlen(s->rp_id), h, NULL,
	    EVP_sha256(), NULL), 1);
	blob_add(&b, h, sizeof(h));
	blob_add(&b, &s->flags, 1);
	c[0] = s->count >> 24;
	c[1] = s->count >> 16;
	c[2] = s->count >> 8;
	c[3] = s->count;
	blob_add(&b, c, sizeof(c));
	if (s->cose != NULL) {
		blob_add(&b, s->aaguid != NULL ? s->aaguid : zero, 16);
		l[0] = s->credid->n >> 8;
		l[1] = s->credid->n;
		blob_add(&b, l, sizeof(l));
		blob_add(&b, s->credid->p, s->credid->n);
		blob_add(&b, s->cose->p, s->cose->n);
	}
	if (s->ext != NULL)
		blob_add(&b, s->ext->p, s->ext->n);
	return b;
}

struct blob
attobj_make(const char *fmt, const struct blob *stmt, const struct blob *ad)
{
	struct blob	 b = { NULL, 0 };

	cb_head(&b, 5, 3);
	cb_text(&b, "fmt");
	cb_text(&b, fmt);
	cb_text(&b, "attStmt");
	if (stmt != NULL)
		blob_add(&b, stmt->p, stmt->n);
	else
		cb_head(&b, 5, 0);
	cb_text(&b, "authData");
	cb_bytes(&b, ad->p, ad->n);
	return b;
}

struct blob
clientdata_make(const char *type, const struct blob *chal, const char *origin)
{
	struct blob	 b = { NULL, 0 };
	char		 enc[128], js[1024];
	int		 n;

	sodium_bin2base64(enc, sizeof(enc), chal->p, chal->n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	n = snprintf(js, sizeof(js), "{\"type\":\"%s\",\"challenge\":\"%s\","
	    "\"origin\":\"%s\",\"crossOrigin\":false}", type, enc, origin);
	assert_true(n > 0 && (size_t)n < sizeof(js));
	blob_add(&b, js, n);
	return b;
}

static void
cert_name(X509_NAME *nm, const char *ou, const char *cn)
{
	assert_int_equal(X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_ASC,
	    (const unsigned char *)"SE", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC,
	    (const unsigned char *)"pccx test", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_ASC,
	    (const unsigned char *)ou, -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
}

static void
cert_ext(X509 *x, const struct cert_spec *s)
{
	X509_EXTENSION		*e;
	ASN1_OCTET_STRING	*os;
	ASN1_OBJECT		*obj;
	uint8_t			 v[18];

	e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
	    s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	if (s->ca) {
		e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
		assert_non_null(e);
		assert_int_equal(X509_add_ext(x, e, -1), 1);
		X509_EXTENSION_free(e);
	}
	if (s->aaguid == NULL)
		return;
	v[0] = 0x04;
	v[1] = 16;
	memcpy(v + 2, s->aaguid, 16);
	obj = OBJ_txt2obj(OID_FIDO_AAGUID, 1);
	os = ASN1_OCTET_STRING_new();
	assert_non_null(obj);
	assert_non_null(os);
	assert_int_equal(ASN1_OCTET_STRING_set(os, v, sizeof(v)), 1);
	e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

X509 *
cert_make(const struct cert_spec *s)
{
	static long	 serial = 1;
	X509		*x;
	X509_NAME	*nm;

	x = X509_new();
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, s->version), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	nm = X509_get_subject_name(x);
	cert_name(nm, s->ou, s->ca ? "test root" : "test authenticator");
	assert_int_equal(X509_set_issuer_name(x, s->issuer != NULL ?
	    X509_get_subject_name(s->issuer) : nm), 1);
	assert_int_equal(X509_set_pubkey(x, s->key), 1);
	if (s->version == X509_VERSION_3)
		cert_ext(x, s);
	assert_true(X509_sign(x, s->signer, key_alg(s->signer) == -7 ?
	    EVP_sha256() : NULL) > 0);
	return x;
}

struct blob
cert_der(X509 *x)
{
	struct blob	 b = { NULL, 0 };
	unsigned char	*p = NULL;
	int		 n;

	n = i2d_X509(x, &p);
	assert_true(n > 0);
	blob_add(&b, p, n);
	OPENSSL_free(p);
	return b;
}

/* Fixture loading: base64url strings into blobs. */

static int
fx_blob(json_t *o, const char *key, struct blob *b)
{
	const char	*s;
	size_t		 n;

	if ((s = json_string_value(json_object_get(o, key))) == NULL)
		return -1;
	b->n = 0;
	b->p = malloc(strlen(s) + 1);
	if (b->p == NULL || sodium_base642bin(b->p, strlen(s) + 1, s,
	    strlen(s), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	b->n = n;
	return 0;
}

static int
fx_str(json_t *o, const char *key, char *buf, size_t len)
{
	const char	*s;

	if ((s = json_string_value(json_object_get(o, key))) == NULL ||
	    strlen(s) >= len)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int
fx_reg(json_t *o, struct fx_reg *r)
{
	if (!json_is_object(o))
		return -1;
	return fx_blob(o, "id", &r->id) | fx_blob(o, "clientDataJSON",
	    &r->cd) | fx_blob(o, "attestationObject", &r->ao);
}

static int
fx_assert(json_t *o, struct fx_assert *a)
{
	if (!json_is_object(o))
		return -1;
	return fx_blob(o, "id", &a->id) | fx_blob(o, "clientDataJSON",
	    &a->cd) | fx_blob(o, "authenticatorData", &a->ad) |
	    fx_blob(o, "signature", &a->sig);
}

static int
fx_alg(json_t *o, struct fx_alg *f)
{
	json_t		*a = json_object_get(o, "assert");

	if (!json_is_object(o) || json_array_size(a) != 2)
		return -1;
	return fx_reg(json_object_get(o, "reg"), &f->reg) |
	    fx_assert(json_array_get(a, 0), &f->a[0]) |
	    fx_assert(json_array_get(a, 1), &f->a[1]) |
	    fx_assert(json_object_get(o, "assert_nouv"), &f->nouv) |
	    fx_blob(o, "private_key", &f->priv);
}

int
fixture_load(struct fixture *fx, const char *path)
{
	json_error_t	 err;
	json_t		*root, *sub;
	int		 r;

	memset(fx, 0, sizeof(*fx));
	if ((root = json_load_file(path, 0, &err)) == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
		return -1;
	}
	sub = json_object_get(root, "subdomain");
	r = fx_str(root, "origin", fx->origin, sizeof(fx->origin)) |
	    fx_blob(root, "reg_challenge", &fx->reg_chal) |
	    fx_blob(root, "nonce", &fx->nonce) |
	    fx_blob(root, "login_pk", &fx->login_pk) |
	    fx_blob(root, "login_challenge", &fx->login_chal) |
	    fx_alg(json_object_get(root, "es256"), &fx->es256) |
	    fx_alg(json_object_get(root, "eddsa"), &fx->eddsa) |
	    fx_reg(json_object_get(json_object_get(root, "packed"), "reg"),
	    &fx->packed) |
	    fx_str(sub, "origin", fx->sub_origin, sizeof(fx->sub_origin)) |
	    fx_str(sub, "rp_id", fx->sub_rp_id, sizeof(fx->sub_rp_id)) |
	    fx_reg(json_object_get(sub, "reg"), &fx->sub_reg) |
	    fx_assert(json_object_get(sub, "assert"), &fx->sub_assert);
	json_decref(root);
	if (r != 0 || fx->nonce.n != 32 || fx->login_pk.n != 32) {
		fprintf(stderr, "%s: incomplete ceremony record\n", path);
		return -1;
	}
	return 0;
}
