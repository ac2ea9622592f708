/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* JWS compact parsing and verification, JWK to EVP_PKEY, with OpenSSL. */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "jose.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const struct {
	const char	*name;
	enum jose_alg	 alg;
} jose_algs[] = {
	{ "RS256",	JOSE_ALG_RS256 },
	{ "ES256",	JOSE_ALG_ES256 },
	{ "EdDSA",	JOSE_ALG_EDDSA },
	{ "Ed25519",	JOSE_ALG_EDDSA },
};

static enum jose_alg
jose_alg_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(jose_algs) / sizeof(jose_algs[0]); i++)
		if (strcmp(jose_algs[i].name, name) == 0)
			return jose_algs[i].alg;
	return JOSE_ALG_NONE;
}

const char *
jose_alg_name(enum jose_alg alg)
{
	switch (alg) {
	case JOSE_ALG_RS256:
		return "RS256";
	case JOSE_ALG_ES256:
		return "ES256";
	case JOSE_ALG_EDDSA:
		return "EdDSA";
	default:
		return "none";
	}
}

int
jose_b64url_decode(const char *in, size_t len, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*b;
	const char	*end;
	size_t		 max = len / 4 * 3 + 3, n;

	*out = NULL;
	*outlen = 0;
	if ((b = malloc(max + 1)) == NULL)
		return -1;
	if (sodium_base642bin(b, max, in, len, NULL, &n, &end, B64URL) != 0 ||
	    end != in + len) {
		free(b);
		return -1;
	}
	b[n] = '\0';
	*out = b;
	*outlen = n;
	return 0;
}

char *
jose_b64url_encode(const void *in, size_t len)
{
	size_t	 n = sodium_base64_ENCODED_LEN(len, B64URL);
	char	*s;

	if ((s = malloc(n)) == NULL)
		return NULL;
	return sodium_bin2base64(s, n, in, len, B64URL);
}

/* A member that is absent, or a string shorter than max. */
static int
jose_opt_string(const json_t *o, const char *name, const char **s,
    size_t max)
{
	const json_t	*v;

	*s = NULL;
	if ((v = json_object_get(o, name)) == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= max)
		return -1;
	*s = json_string_value(v);
	return 0;
}

/* A base64url member of exactly want bytes (any length when want is 0). */
static int
jose_member_b64(const json_t *o, const char *name, size_t want,
    unsigned char **out, size_t *len)
{
	const json_t	*v;

	*out = NULL;
	v = json_object_get(o, name);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > 2048)
		return -1;
	if (jose_b64url_decode(json_string_value(v), json_string_length(v),
	    out, len) == -1)
		return -1;
	if (*len == 0 || (want != 0 && *len != want)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Build a public key from OSSL parameters, then check it. */
static EVP_PKEY *
jose_pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX	*ctx = NULL, *chk = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY	*pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto done;
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
done:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *
jose_jwk_rsa(const json_t *jwk)
{
	OSSL_PARAM_BLD	*bld = NULL;
	unsigned char	*nb = NULL, *eb = NULL;
	size_t		 nlen, elen;
	BIGNUM		*n = NULL, *e = NULL;
	EVP_PKEY	*pkey = NULL;
	int		 bits;

	if (jose_member_b64(jwk, "n", 0, &nb, &nlen) == -1 ||
	    jose_member_b64(jwk, "e", 0, &eb, &elen) == -1 || elen > 8)
		goto done;
	if ((n = BN_bin2bn(nb, nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(eb, elen, NULL)) == NULL)
		goto done;
	bits = BN_num_bits(n);
	if (bits < JOSE_RSA_MIN_BITS || bits > JOSE_RSA_MAX_BITS ||
	    !BN_is_odd(e) || BN_is_one(e))
		goto done;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto done;
	pkey = jose_pkey_fromdata("RSA", bld);
done:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return pkey;
}

static EVP_PKEY *
jose_jwk_ec(const json_t *jwk)
{
	OSSL_PARAM_BLD	*bld = NULL;
	unsigned char	*x = NULL, *y = NULL, pub[65];
	size_t		 len;
	const char	*crv;
	EVP_PKEY	*pkey = NULL;

	if (jose_opt_string(jwk, "crv", &crv, 16) == -1 || crv == NULL ||
	    strcmp(crv, "P-256") != 0)
		return NULL;
	if (jose_member_b64(jwk, "x", 32, &x, &len) == -1 ||
	    jose_member_b64(jwk, "y", 32, &y, &len) == -1)
		goto done;
	pub[0] = 0x04;
	memcpy(pub + 1, x, 32);
	memcpy(pub + 33, y, 32);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub)))
		goto done;
	pkey = jose_pkey_fromdata("EC", bld);
done:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return pkey;
}

static EVP_PKEY *
jose_jwk_okp(const json_t *jwk)
{
	unsigned char	*x = NULL;
	size_t		 len;
	const char	*crv;
	EVP_PKEY	*pkey;

	if (jose_opt_string(jwk, "crv", &crv, 16) == -1 || crv == NULL ||
	    strcmp(crv, "Ed25519") != 0)
		return NULL;
	if (jose_member_b64(jwk, "x", 32, &x, &len) == -1)
		return NULL;
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, len);
	free(x);
	return pkey;
}

/* "use" and "key_ops", when present, must allow verification. */
static int
jose_jwk_usable(const json_t *jwk)
{
	const json_t	*ops, *op;
	const char	*use;
	size_t		 i;

	if (jose_opt_string(jwk, "use", &use, 16) == -1 ||
	    (use != NULL && strcmp(use, "sig") != 0))
		return 0;
	if ((ops = json_object_get(jwk, "key_ops")) == NULL)
		return 1;
	if (!json_is_array(ops))
		return 0;
	json_array_foreach(ops, i, op)
		if (json_is_string(op) &&
		    strcmp(json_string_value(op), "verify") == 0)
			return 1;
	return 0;
}

int
jose_jwk_parse(const json_t *jwk, struct jose_key *k)
{
	const char	*kty, *kid, *alg;

	memset(k, 0, sizeof(*k));
	if (!json_is_object(jwk) || !jose_jwk_usable(jwk) ||
	    jose_opt_string(jwk, "kty", &kty, 16) == -1 || kty == NULL ||
	    jose_opt_string(jwk, "kid", &kid, JOSE_KID_MAX) == -1 ||
	    jose_opt_string(jwk, "alg", &alg, 16) == -1)
		return -1;
	if (strcmp(kty, "RSA") == 0) {
		k->alg = JOSE_ALG_RS256;
		k->pkey = jose_jwk_rsa(jwk);
	} else if (strcmp(kty, "EC") == 0) {
		k->alg = JOSE_ALG_ES256;
		k->pkey = jose_jwk_ec(jwk);
	} else if (strcmp(kty, "OKP") == 0) {
		k->alg = JOSE_ALG_EDDSA;
		k->pkey = jose_jwk_okp(jwk);
	}
	if (k->pkey == NULL || (alg != NULL && jose_alg_lookup(alg) != k->alg))
		goto fail;
	if (kid != NULL)
		memcpy(k->kid, kid, strlen(kid) + 1);
	return 0;
fail:
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
	return -1;
}

struct jose_jwks *
jose_jwks_parse(const char *buf, size_t len)
{
	struct jose_jwks	*set;
	json_t			*root, *keys, *jwk;
	size_t			 i;

	if (len > JOSE_JWKS_MAX ||
	    (root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return NULL;
	keys = json_object_get(root, "keys");
	if (!json_is_object(root) || !json_is_array(keys) ||
	    (set = calloc(1, sizeof(*set))) == NULL) {
		json_decref(root);
		return NULL;
	}
	set->keys = calloc(JOSE_KEYS_MAX, sizeof(*set->keys));
	json_array_foreach(keys, i, jwk) {
		if (set->keys == NULL || set->nkeys == JOSE_KEYS_MAX)
			break;
		if (jose_jwk_parse(jwk, &set->keys[set->nkeys]) == 0)
			set->nkeys++;
	}
	json_decref(root);
	if (set->nkeys == 0) {
		jose_jwks_free(set);
		return NULL;
	}
	return set;
}

void
jose_jwks_free(struct jose_jwks *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nkeys; i++)
		EVP_PKEY_free(set->keys[i].pkey);
	free(set->keys);
	free(set);
}

/* The protected header: alg first, then what else is read. */
static enum jose_err
jose_jws_header(const char *b64, size_t len, struct jose_jws *jws)
{
	unsigned char	*raw;
	size_t		 rawlen;
	json_t		*h;
	const char	*alg, *kid, *typ;
	enum jose_err	 rc = JOSE_E_MALFORMED;

	if (jose_b64url_decode(b64, len, &raw, &rawlen) == -1)
		return JOSE_E_MALFORMED;
	h = json_loadb((char *)raw, rawlen, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (!json_is_object(h))
		goto done;
	if (jose_opt_string(h, "alg", &alg, sizeof(jws->alg_name)) == -1 ||
	    alg == NULL)
		goto done;
	memcpy(jws->alg_name, alg, strlen(alg) + 1);
	if ((jws->alg = jose_alg_lookup(alg)) == JOSE_ALG_NONE) {
		rc = JOSE_E_ALG;
		goto done;
	}
	if (json_object_get(h, "crit") != NULL ||
	    jose_opt_string(h, "kid", &kid, JOSE_KID_MAX) == -1 ||
	    jose_opt_string(h, "typ", &typ, sizeof(jws->typ)) == -1)
		goto done;
	if (kid != NULL) {
		memcpy(jws->kid, kid, strlen(kid) + 1);
		jws->has_kid = 1;
	}
	if (typ != NULL)
		memcpy(jws->typ, typ, strlen(typ) + 1);
	rc = JOSE_OK;
done:
	json_decref(h);
	return rc;
}

enum jose_err
jose_jws_parse(const char *tok, size_t len, struct jose_jws *jws)
{
	const char	*d1, *d2;
	enum jose_err	 rc;

	memset(jws, 0, sizeof(*jws));
	if (len == 0 || len > JOSE_TOKEN_MAX ||
	    (d1 = memchr(tok, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', tok + len - d1 - 1)) == NULL ||
	    memchr(d2 + 1, '.', tok + len - d2 - 1) != NULL)
		return JOSE_E_MALFORMED;
	if (d1 == tok || d2 == d1 + 1)
		return JOSE_E_MALFORMED;
	if ((rc = jose_jws_header(tok, d1 - tok, jws)) != JOSE_OK)
		return rc;
	if (jose_b64url_decode(d1 + 1, d2 - d1 - 1, &jws->payload,
	    &jws->payloadlen) == -1 ||
	    jose_b64url_decode(d2 + 1, tok + len - d2 - 1, &jws->sig,
	    &jws->siglen) == -1 || jws->siglen == 0) {
		jose_jws_clear(jws);
		return JOSE_E_MALFORMED;
	}
	jws->input = tok;
	jws->inputlen = d2 - tok;
	return JOSE_OK;
}

void
jose_jws_clear(struct jose_jws *jws)
{
	free(jws->payload);
	free(jws->sig);
	memset(jws, 0, sizeof(*jws));
}

enum jose_err
jose_jwks_select(const struct jose_jwks *set, const struct jose_jws *jws,
    const struct jose_key **kp)
{
	enum jose_err	 rc = JOSE_E_KID;
	size_t		 i;

	*kp = NULL;
	if (!jws->has_kid) {
		if (set->nkeys != 1)
			return JOSE_E_KID;
		*kp = &set->keys[0];
		return set->keys[0].alg == jws->alg ? JOSE_OK : JOSE_E_ALG;
	}
	for (i = 0; i < set->nkeys; i++) {
		if (strcmp(set->keys[i].kid, jws->kid) != 0)
			continue;
		if (set->keys[i].alg == jws->alg) {
			*kp = &set->keys[i];
			return JOSE_OK;
		}
		rc = JOSE_E_ALG;
	}
	return rc;
}

/* JWS carries ECDSA as r || s; OpenSSL wants DER. */
static unsigned char *
jose_ecdsa_der(const unsigned char *rs, size_t *len)
{
	ECDSA_SIG	*sig;
	BIGNUM		*r, *s;
	unsigned char	*der = NULL;
	int		 n;

	if ((sig = ECDSA_SIG_new()) == NULL)
		return NULL;
	r = BN_bin2bn(rs, 32, NULL);
	s = BN_bin2bn(rs + 32, 32, NULL);
	if (r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return NULL;
	}
	n = i2d_ECDSA_SIG(sig, &der);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return NULL;
	*len = n;
	return der;
}

enum jose_err
jose_jws_verify(const struct jose_jws *jws, const struct jose_key *k)
{
	static const char *const types[] = { NULL, "RSA", "EC", "ED25519" };
	const EVP_MD	*md = EVP_sha256();
	EVP_MD_CTX	*ctx;
	unsigned char	*der = NULL;
	const unsigned char *sig = jws->sig;
	size_t		 siglen = jws->siglen;
	int		 ok = 0;

	if (k->alg != jws->alg || jws->alg == JOSE_ALG_NONE ||
	    (unsigned)k->alg > JOSE_ALG_EDDSA || k->pkey == NULL ||
	    !EVP_PKEY_is_a(k->pkey, types[k->alg]))
		return JOSE_E_ALG;
	switch (k->alg) {
	case JOSE_ALG_RS256:
		if (siglen != (size_t)EVP_PKEY_get_size(k->pkey))
			return JOSE_E_SIG;
		break;
	case JOSE_ALG_ES256:
		if (siglen != 64)
			return JOSE_E_SIG;
		if ((der = jose_ecdsa_der(sig, &siglen)) == NULL)
			return JOSE_E_NOMEM;
		sig = der;
		break;
	default:
		if (siglen != 64)
			return JOSE_E_SIG;
		md = NULL;
		break;
	}
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, k->pkey) == 1)
		ok = EVP_DigestVerify(ctx, sig, siglen,
		    (const unsigned char *)jws->input, jws->inputlen) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return ok ? JOSE_OK : JOSE_E_SIG;
}
