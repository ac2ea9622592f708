/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The OIDC relying party: token checks, transfers, the code flow for real. */

#include <sys/mman.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "common/log.h"
#include "remoted/config.h"
#include "authd/fetch.h"
#include "authd/jose.h"
#include "authd/oidc.h"

/* Shared with provider.mjs. */
#define SECRET		"pccx-test-client-secret-0123456789"
#define EMAIL		"alice@example.com"
#define USER_FORM	"login=alice&password=wonderland"
#define BOB_FORM	"login=bob&password=builder"

/* The issuer and client of the tokens forged here. */
#define F_ISS		"https://issuer.example"
#define F_AUD		"rp-forged"
#define F_NONCE		"n-0S6_WzA2Mj"

static struct event_base *base;
static const char	*port, *ca, *other_ca, *redirect;
static char		 issuer[64];
static const char	*user_form = USER_FORM;
static time_t		 clock_offset;
static EVP_PKEY		*k_rsa, *k_ec, *k_ed, *k_evil, *k_evil_ed;
static EVP_PKEY		*k_rsa_small;
static struct jose_jwks	*set;

/*
 * The event loop, until a flag is set or a guard timer gives up.
 */

static int	guard_fired;

static void
guard_cb(evutil_socket_t fd, short ev, void *arg)
{
	guard_fired = 1;
}

static void
run_until(const int *flag)
{
	struct timeval	 tv = { 20, 0 };
	struct event	*guard = evtimer_new(base, guard_cb, NULL);

	guard_fired = 0;
	evtimer_add(guard, &tv);
	while (!*flag && !guard_fired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(guard);
	assert_false(guard_fired);
}

static time_t
test_clock(void)
{
	return time(NULL) + clock_offset;
}

/*
 * Keys and tokens made here, with OpenSSL, to forge what an attacker
 * or a broken provider would send.
 */

static char *
b64(const void *p, size_t n)
{
	char	*s = jose_b64url_encode(p, n);

	assert_non_null(s);
	return s;
}

static void
jwk_set_b64(json_t *o, const char *name, const void *p, size_t n)
{
	char	*s = b64(p, n);

	json_object_set_new(o, name, json_string(s));
	free(s);
}

static void
jwk_set_bn(json_t *o, EVP_PKEY *k, const char *param, const char *name)
{
	BIGNUM		*bn = NULL;
	unsigned char	 buf[1024];
	int		 n;

	assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
	n = BN_bn2bin(bn, buf);
	jwk_set_b64(o, name, buf, n);
	BN_free(bn);
}

/* The public JWK of k. */
static json_t *
jwk_of(EVP_PKEY *k, const char *kid)
{
	json_t		*o = json_object();
	unsigned char	 pub[65];
	size_t		 n = sizeof(pub);

	if (EVP_PKEY_is_a(k, "RSA")) {
		json_object_set_new(o, "kty", json_string("RSA"));
		jwk_set_bn(o, k, OSSL_PKEY_PARAM_RSA_N, "n");
		jwk_set_bn(o, k, OSSL_PKEY_PARAM_RSA_E, "e");
	} else if (EVP_PKEY_is_a(k, "EC")) {
		assert_int_equal(EVP_PKEY_get_octet_string_param(k,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &n), 1);
		assert_int_equal(n, 65);
		json_object_set_new(o, "kty", json_string("EC"));
		json_object_set_new(o, "crv", json_string("P-256"));
		jwk_set_b64(o, "x", pub + 1, 32);
		jwk_set_b64(o, "y", pub + 33, 32);
	} else {
		n = 32;
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &n), 1);
		json_object_set_new(o, "kty", json_string("OKP"));
		json_object_set_new(o, "crv", json_string("Ed25519"));
		jwk_set_b64(o, "x", pub, n);
	}
	if (kid != NULL)
		json_object_set_new(o, "kid", json_string(kid));
	return o;
}

static struct jose_jwks *
jwks_of(json_t *keys)
{
	json_t			*doc = json_pack("{s:o}", "keys", keys);
	char			*s = json_dumps(doc, JSON_COMPACT);
	struct jose_jwks	*j = jose_jwks_parse(s, strlen(s));

	free(s);
	json_decref(doc);
	return j;
}

/* Sign in with k (or the HMAC key hk) as alg wants; r || s for ES256. */
static size_t
sign_raw(const char *alg, EVP_PKEY *k, const void *hk, size_t hklen,
    const char *in, unsigned char *sig)
{
	const EVP_MD	*md = EVP_sha256();
	unsigned char	 der[1024];
	const unsigned char *p = der;
	size_t		 n = sizeof(der);
	unsigned int	 hn;
	EVP_MD_CTX	*ctx;
	ECDSA_SIG	*es;

	if (strncmp(alg, "HS", 2) == 0) {
		HMAC(EVP_sha256(), hk, hklen, (const unsigned char *)in,
		    strlen(in), sig, &hn);
		return hn;
	}
	if (EVP_PKEY_is_a(k, "ED25519"))
		md = NULL;
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &n,
	    (const unsigned char *)in, strlen(in)), 1);
	EVP_MD_CTX_free(ctx);
	if (!EVP_PKEY_is_a(k, "EC")) {
		memcpy(sig, der, n);
		return n;
	}
	es = d2i_ECDSA_SIG(NULL, &p, n);
	assert_non_null(es);
	BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
	ECDSA_SIG_free(es);
	return 64;
}

/* A compact JWS of hdr and claims (both consumed); no key: no sig. */
static char *
forge_hmac(json_t *hdr, json_t *claims, EVP_PKEY *k, const void *hk,
    size_t hklen)
{
	const char	*alg = json_string_value(json_object_get(hdr, "alg"));
	char		*h = json_dumps(hdr, JSON_COMPACT);
	char		*c = json_dumps(claims, JSON_COMPACT);
	char		*hb = b64(h, strlen(h)), *cb = b64(c, strlen(c));
	char		*in, *sb = NULL, *tok;
	unsigned char	 sig[1024];
	size_t		 n = 0;

	assert_true(asprintf(&in, "%s.%s", hb, cb) > 0);
	if (k != NULL || hk != NULL)
		n = sign_raw(alg, k, hk, hklen, in, sig);
	sb = n > 0 ? b64(sig, n) : strdup("");
	assert_true(asprintf(&tok, "%s.%s", in, sb) > 0);
	free(h);
	free(c);
	free(hb);
	free(cb);
	free(in);
	free(sb);
	json_decref(hdr);
	json_decref(claims);
	return tok;
}

static char *
forge(json_t *hdr, json_t *claims, EVP_PKEY *k)
{
	return forge_hmac(hdr, claims, k, NULL, 0);
}

static json_t *
hdr(const char *alg, const char *kid)
{
	json_t	*h = json_pack("{s:s}", "alg", alg);

	if (kid != NULL)
		json_object_set_new(h, "kid", json_string(kid));
	return h;
}

/* Claims that pass for F_ISS, F_AUD and F_NONCE, now. */
static json_t *
claims(void)
{
	json_int_t	now = time(NULL);

	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}",
	    "iss", F_ISS, "aud", F_AUD, "sub", "alice", "exp", now + 300,
	    "iat", now, "nonce", F_NONCE, "email", EMAIL);
}

static json_t *
claims_with(const char *name, json_t *v)
{
	json_t	*c = claims();

	if (v == NULL)
		json_object_del(c, name);
	else
		json_object_set_new(c, name, v);
	return c;
}

/* Verify tok (freed) as an ID token for F_ISS, F_AUD and F_NONCE. */
static enum oidc_err
check_in(const struct jose_jwks *s, char *tok)
{
	struct oidc_expect	 x = { F_ISS, F_AUD, F_NONCE, 0, 60 };
	enum oidc_err		 err;

	x.now = time(NULL);
	err = oidc_idtoken_verify(&x, s, tok, strlen(tok), NULL);
	free(tok);
	return err;
}

static enum oidc_err
check(char *tok)
{
	return check_in(set, tok);
}

#define assert_err(got, want)	assert_string_equal(oidc_strerror(got), \
				    oidc_strerror(want))

/*
 * Verification against a key set made here.
 */

static void
test_good_tokens(void **state)
{
	struct oidc_expect	 x = { F_ISS, F_AUD, F_NONCE, 0, 60 };
	json_t			*c = NULL;
	char			*tok;

	assert_err(check(forge(hdr("RS256", "k-rsa"), claims(), k_rsa)),
	    OIDC_OK);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims(), k_ec)),
	    OIDC_OK);
	assert_err(check(forge(hdr("EdDSA", "k-ed"), claims(), k_ed)),
	    OIDC_OK);
	/* The fully specified name of RFC 9864, same key. */
	assert_err(check(forge(hdr("Ed25519", "k-ed"), claims(), k_ed)),
	    OIDC_OK);
	tok = forge(json_pack("{s:s, s:s, s:s}", "alg", "RS256", "kid",
	    "k-rsa", "typ", "JWT"), claims(), k_rsa);
	x.now = time(NULL);
	assert_err(oidc_idtoken_verify(&x, set, tok, strlen(tok), &c),
	    OIDC_OK);
	assert_string_equal(json_string_value(json_object_get(c, "sub")),
	    "alice");
	json_decref(c);
	free(tok);
}

static void
test_alg_none(void **state)
{
	char	*tok;

	assert_err(check(forge(hdr("none", "k-rsa"), claims(), NULL)),
	    OIDC_E_ALG_REFUSED);
	assert_err(check(forge(hdr("none", NULL), claims(), NULL)),
	    OIDC_E_ALG_REFUSED);
	assert_err(check(forge(hdr("None", "k-rsa"), claims(), NULL)),
	    OIDC_E_ALG_REFUSED);
	/* none with a signature stuck on is no better. */
	tok = forge(hdr("none", "k-rsa"), claims(), NULL);
	tok = realloc(tok, strlen(tok) + 8);
	strcat(tok, "c2lnbg");
	assert_err(check(tok), OIDC_E_ALG_REFUSED);
}

/* HS256 keyed with the issuer's RSA public key, in every usual form. */
static void
test_hs256_confusion(void **state)
{
	BIO		*bio = BIO_new(BIO_s_mem());
	unsigned char	*der = NULL;
	char		*pem;
	long		 pemlen;
	int		 derlen;

	assert_int_equal(PEM_write_bio_PUBKEY(bio, k_rsa), 1);
	pemlen = BIO_get_mem_data(bio, &pem);
	assert_err(check(forge_hmac(hdr("HS256", "k-rsa"), claims(), NULL,
	    pem, pemlen)), OIDC_E_ALG_REFUSED);
	derlen = i2d_PUBKEY(k_rsa, &der);
	assert_err(check(forge_hmac(hdr("HS256", "k-rsa"), claims(), NULL,
	    der, derlen)), OIDC_E_ALG_REFUSED);
	assert_err(check(forge_hmac(hdr("HS256", NULL), claims(), NULL,
	    pem, pemlen)), OIDC_E_ALG_REFUSED);
	assert_err(check(forge_hmac(hdr("HS512", "k-rsa"), claims(), NULL,
	    pem, pemlen)), OIDC_E_ALG_REFUSED);
	OPENSSL_free(der);
	BIO_free(bio);
}

static void
test_unknown_kid(void **state)
{
	assert_err(check(forge(hdr("RS256", "k-other"), claims(), k_evil)),
	    OIDC_E_UNKNOWN_KID);
	assert_err(check(forge(hdr("ES256", ""), claims(), k_ec)),
	    OIDC_E_UNKNOWN_KID);
	/* No kid and several keys: nothing to choose. */
	assert_err(check(forge(hdr("RS256", NULL), claims(), k_rsa)),
	    OIDC_E_UNKNOWN_KID);
}

/* A key in the header itself chooses nothing. */
static void
test_embedded_jwk(void **state)
{
	json_t	*h;

	h = hdr("RS256", "evil");
	json_object_set_new(h, "jwk", jwk_of(k_evil, "evil"));
	assert_err(check(forge(h, claims(), k_evil)), OIDC_E_UNKNOWN_KID);
	h = hdr("RS256", "k-rsa");
	json_object_set_new(h, "jwk", jwk_of(k_evil, "k-rsa"));
	assert_err(check(forge(h, claims(), k_evil)), OIDC_E_BAD_SIGNATURE);
	h = hdr("RS256", "evil");
	json_object_set_new(h, "jku", json_string(
	    "https://attacker.example/jwks.json"));
	json_object_set_new(h, "x5u", json_string(
	    "https://attacker.example/cert.pem"));
	json_object_set_new(h, "x5c", json_pack("[s]", "MIIB"));
	assert_err(check(forge(h, claims(), k_evil)), OIDC_E_UNKNOWN_KID);
	h = hdr("RS256", "k-rsa");
	json_object_set_new(h, "jku", json_string(
	    "https://attacker.example/jwks.json"));
	assert_err(check(forge(h, claims(), k_evil)), OIDC_E_BAD_SIGNATURE);
	h = hdr("EdDSA", "k-ed");
	json_object_set_new(h, "jwk", jwk_of(k_evil_ed, "k-ed"));
	assert_err(check(forge(h, claims(), k_evil_ed)),
	    OIDC_E_BAD_SIGNATURE);
}

/* The key decides the algorithm; a token claiming another is refused. */
static void
test_alg_key_mismatch(void **state)
{
	assert_err(check(forge(hdr("ES256", "k-rsa"), claims(), k_ec)),
	    OIDC_E_ALG_REFUSED);
	assert_err(check(forge(hdr("RS256", "k-ec"), claims(), k_rsa)),
	    OIDC_E_ALG_REFUSED);
	assert_err(check(forge(hdr("EdDSA", "k-rsa"), claims(), k_ed)),
	    OIDC_E_ALG_REFUSED);
	assert_err(check(forge(hdr("PS256", "k-rsa"), claims(), NULL)),
	    OIDC_E_ALG_REFUSED);
	assert_err(check(forge(hdr("RS512", "k-rsa"), claims(), NULL)),
	    OIDC_E_ALG_REFUSED);
}

static void
test_single_key(void **state)
{
	struct jose_jwks	*one = jwks_of(json_pack("[o]",
				    jwk_of(k_ed, NULL)));

	assert_non_null(one);
	assert_err(check_in(one, forge(hdr("EdDSA", NULL), claims(), k_ed)),
	    OIDC_OK);
	assert_err(check_in(one, forge(hdr("RS256", NULL), claims(), k_rsa)),
	    OIDC_E_ALG_REFUSED);
	assert_err(check_in(one, forge(hdr("EdDSA", NULL), claims(),
	    k_evil_ed)), OIDC_E_BAD_SIGNATURE);
	jose_jwks_free(one);
}

static void
test_iss(void **state)
{
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("iss",
	    json_string("https://evil.example")), k_ec)), OIDC_E_BAD_ISS);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("iss",
	    json_string(F_ISS "/")), k_ec)), OIDC_E_BAD_ISS);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("iss",
	    NULL), k_ec)), OIDC_E_BAD_ISS);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("iss",
	    json_integer(1)), k_ec)), OIDC_E_BAD_ISS);
}

static void
test_aud_azp(void **state)
{
	json_t	*c;

	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("aud",
	    json_string("rp-other")), k_ec)), OIDC_E_BAD_AUD);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("aud",
	    json_pack("[s]", "rp-other")), k_ec)), OIDC_E_BAD_AUD);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("aud",
	    NULL), k_ec)), OIDC_E_BAD_AUD);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("aud",
	    json_pack("[s,i]", F_AUD, 1)), k_ec)), OIDC_E_BAD_AUD);
	/* Several audiences: azp must name us. */
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("aud",
	    json_pack("[s,s]", F_AUD, "rp-other")), k_ec)), OIDC_E_BAD_AZP);
	c = claims_with("aud", json_pack("[s,s]", F_AUD, "rp-other"));
	json_object_set_new(c, "azp", json_string("rp-other"));
	assert_err(check(forge(hdr("ES256", "k-ec"), c, k_ec)),
	    OIDC_E_BAD_AZP);
	c = claims_with("aud", json_pack("[s,s]", F_AUD, "rp-other"));
	json_object_set_new(c, "azp", json_string(F_AUD));
	assert_err(check(forge(hdr("ES256", "k-ec"), c, k_ec)), OIDC_OK);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("azp",
	    json_string("rp-other")), k_ec)), OIDC_E_BAD_AZP);
	assert_err(check(forge(hdr("ES256", "k-ec"), claims_with("azp",
	    json_string(F_AUD)), k_ec)), OIDC_OK);
}

static void
test_nonce(void **state)
{
	assert_err(check(forge(hdr("EdDSA", "k-ed"), claims_with("nonce",
	    json_string("n-attacker")), k_ed)), OIDC_E_NONCE_MISMATCH);
	assert_err(check(forge(hdr("EdDSA", "k-ed"), claims_with("nonce",
	    json_string("n-0S6_WzA2M")), k_ed)), OIDC_E_NONCE_MISMATCH);
	assert_err(check(forge(hdr("EdDSA", "k-ed"), claims_with("nonce",
	    json_string(F_NONCE "x")), k_ed)), OIDC_E_NONCE_MISMATCH);
	assert_err(check(forge(hdr("EdDSA", "k-ed"), claims_with("nonce",
	    json_true()), k_ed)), OIDC_E_NONCE_MISMATCH);
	assert_err(check(forge(hdr("EdDSA", "k-ed"), claims_with("nonce",
	    NULL), k_ed)), OIDC_E_NONCE_MISSING);
}

static char *
forge_time(const char *name, json_int_t delta)
{
	return forge(hdr("RS256", "k-rsa"), claims_with(name,
	    json_integer(time(NULL) + delta)), k_rsa);
}

static void
test_times(void **state)
{
	assert_err(check(forge_time("exp", -61)), OIDC_E_EXPIRED);
	assert_err(check(forge_time("exp", -3600)), OIDC_E_EXPIRED);
	assert_err(check(forge_time("exp", -30)), OIDC_OK);	/* skew */
	assert_err(check(forge_time("iat", 120)), OIDC_E_IAT_FUTURE);
	assert_err(check(forge_time("iat", 30)), OIDC_OK);	/* skew */
	assert_err(check(forge_time("iat", -700)), OIDC_E_IAT_OLD);
	assert_err(check(forge_time("iat", -590)), OIDC_OK);
	assert_err(check(forge_time("nbf", 120)), OIDC_E_NOT_YET_VALID);
	assert_err(check(forge(hdr("RS256", "k-rsa"), claims_with("exp",
	    NULL), k_rsa)), OIDC_E_MALFORMED);
	assert_err(check(forge(hdr("RS256", "k-rsa"), claims_with("iat",
	    json_string("now")), k_rsa)), OIDC_E_MALFORMED);
	assert_err(check(forge(hdr("RS256", "k-rsa"), claims_with("sub",
	    NULL), k_rsa)), OIDC_E_BAD_SUB);
}

/* tok with the byte at from_end (counted from the end) changed to c. */
static char *
tweak(char *tok, size_t from_end, char c)
{
	tok[strlen(tok) - from_end] = c;
	return tok;
}

static void
test_malformed(void **state)
{
	char	*tok, *big;
	size_t	 i;

	assert_err(check(strdup("abc.def")), OIDC_E_MALFORMED);
	assert_err(check(strdup("a.b.c.d")), OIDC_E_MALFORMED);
	assert_err(check(strdup("")), OIDC_E_MALFORMED);
	assert_err(check(strdup("..")), OIDC_E_MALFORMED);
	tok = forge(hdr("RS256", "k-rsa"), claims(), k_rsa);
	assert_true(asprintf(&big, "%s=", tok) > 0);
	assert_err(check(big), OIDC_E_MALFORMED);	/* padding */
	assert_err(check(tweak(strdup(tok), 5, '+')), OIDC_E_MALFORMED);
	assert_err(check(tweak(strdup(tok), 5, '/')), OIDC_E_MALFORMED);
	/* A flipped bit in the signature or the payload. */
	assert_err(check(tweak(strdup(tok), 5, tok[strlen(tok) - 5] == 'A' ?
	    'B' : 'A')), OIDC_E_BAD_SIGNATURE);
	big = strdup(tok);
	i = strchr(big, '.') - big + 3;
	big[i] = big[i] == 'A' ? 'B' : 'A';
	assert_err(check(big), OIDC_E_BAD_SIGNATURE);
	/* A signature cut short, still valid base64url. */
	big = strdup(tok);
	i = strrchr(big, '.') - big + 1;
	big[i + (strlen(big + i) - 1) / 4 * 4] = '\0';
	assert_err(check(big), OIDC_E_BAD_SIGNATURE);
	free(tok);
	assert_err(check(forge(json_pack("{s:s, s:s, s:[s]}", "alg", "RS256",
	    "kid", "k-rsa", "crit", "exp"), claims(), k_rsa)),
	    OIDC_E_MALFORMED);
	assert_err(check(forge(json_pack("{s:s, s:s, s:s}", "alg", "RS256",
	    "kid", "k-rsa", "typ", "at+jwt"), claims(), k_rsa)),
	    OIDC_E_MALFORMED);
	assert_err(check(forge(json_pack("{s:i, s:s}", "alg", 1, "kid",
	    "k-rsa"), claims(), NULL)), OIDC_E_MALFORMED);
	assert_err(check(forge(hdr("RS256", "k-rsa"), json_pack("[i]", 1),
	    k_rsa)), OIDC_E_MALFORMED);
	big = calloc(1, JOSE_TOKEN_MAX + 2);
	memset(big, 'A', JOSE_TOKEN_MAX + 1);
	big[10] = big[20] = '.';
	assert_err(check(big), OIDC_E_MALFORMED);
}

/* A header with a member twice; JSON that jansson alone would take. */
static void
test_duplicate_members(void **state)
{
	const char	*h = "{\"alg\":\"RS256\",\"kid\":\"k-rsa\","
			    "\"alg\":\"none\"}";
	char		*hb = b64(h, strlen(h)), *tok;

	assert_true(asprintf(&tok, "%s.e30.c2ln", hb) > 0);
	assert_err(check(tok), OIDC_E_MALFORMED);
	free(hb);
}

static void
test_b64url(void **state)
{
	static const struct {
		const char	*in;
		int		 ok;
		size_t		 len;
	} v[] = {
		{ "AQAB", 1, 3 }, { "AQ", 1, 1 }, { "", 1, 0 },
		{ "_-8", 1, 2 },
		{ "AQAB=", 0, 0 }, { "AQ==", 0, 0 }, { "AR", 0, 0 },
		{ "A", 0, 0 }, { "+/8", 0, 0 }, { "AQ AB", 0, 0 },
		{ "AQ\nAB", 0, 0 }, { "AQ.B", 0, 0 },
	};
	unsigned char	*out;
	size_t		 i, len;
	int		 rc;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		rc = jose_b64url_decode(v[i].in, strlen(v[i].in), &out, &len);
		assert_int_equal(rc == 0, v[i].ok);
		if (rc == 0)
			assert_int_equal(len, v[i].len);
		free(out);
	}
}

static struct jose_jwks *
jwks_one(json_t *jwk)
{
	return jwks_of(json_pack("[o]", jwk));
}

static void
test_jwks_parse(void **state)
{
	json_t			*j;
	struct jose_jwks	*s;

	j = jwk_of(k_ec, "a");
	json_object_set_new(j, "use", json_string("enc"));
	assert_null(jwks_one(j));
	j = jwk_of(k_ec, "a");
	json_object_set_new(j, "key_ops", json_pack("[s]", "sign"));
	assert_null(jwks_one(j));
	j = jwk_of(k_ec, "a");
	json_object_set_new(j, "alg", json_string("RS256"));
	assert_null(jwks_one(j));
	j = jwk_of(k_ec, "a");
	json_object_set_new(j, "y", json_string("AQAB"));
	assert_null(jwks_one(j));
	/* A point that is not on the curve. */
	j = jwk_of(k_ec, "a");
	json_object_set_new(j, "y", json_string(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"));
	assert_null(jwks_one(j));
	assert_null(jwks_one(jwk_of(k_rsa_small, "small")));
	assert_null(jwks_one(json_pack("{s:s, s:s}", "kty", "oct", "k",
	    "c2VjcmV0")));
	assert_null(jose_jwks_parse("[]", 2));
	assert_null(jose_jwks_parse("{\"keys\":{}}", 11));
	assert_null(jose_jwks_parse("{\"keys\":[],\"keys\":[]}", 21));
	/* Good keys survive next to bad ones; "alg" may be given. */
	j = jwk_of(k_ed, "ed");
	json_object_set_new(j, "alg", json_string("EdDSA"));
	s = jwks_of(json_pack("[o,o,o]", json_pack("{s:s}", "kty", "RSA"),
	    j, jwk_of(k_rsa_small, "small")));
	assert_non_null(s);
	assert_int_equal(s->nkeys, 1);
	assert_int_equal(s->keys[0].alg, JOSE_ALG_EDDSA);
	assert_string_equal(s->keys[0].kid, "ed");
	jose_jwks_free(s);
}

/*
 * Transfers: the policy of fetch.c against the provider's test routes.
 */

struct got {
	int		 done;
	enum fetch_err	 error;
	long		 status;
	size_t		 len;
};

static void
got_cb(const struct fetch_result *res, void *arg)
{
	struct got	*g = arg;

	g->done = 1;
	g->error = res->error;
	g->status = res->status;
	g->len = res->len;
}

static int	ticks;

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	ticks++;
}

/* GET url through f; returns the error, fills g. */
static enum fetch_err
get(struct fetch *f, const char *url, struct got *g)
{
	struct fetch_req	 req = { 0 };
	enum fetch_err		 e;

	memset(g, 0, sizeof(*g));
	req.url = url;
	if ((e = fetch_start(f, &req, got_cb, g)) != FETCH_OK)
		return e;
	assert_int_equal(g->done, 0);		/* never from the call */
	run_until(&g->done);
	return g->error;
}

static char *
url_of(const char *host, const char *path)
{
	char	*u;

	assert_true(asprintf(&u, "https://%s:%s%s", host, port, path) > 0);
	return u;
}

#define need_provider()	do { if (port == NULL) skip(); } while (0)

static void
test_fetch_policy(void **state)
{
	struct fetch	*f, *g;
	struct got	 r;
	char		*u;

	need_provider();
	assert_non_null(f = fetch_new(base, ca));
	u = url_of("127.0.0.1", "/.well-known/openid-configuration");
	assert_int_equal(get(f, u, &r), FETCH_OK);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 100);
	free(u);
	assert_true(asprintf(&u, "http://127.0.0.1:%s/jwks", port) > 0);
	assert_int_equal(get(f, u, &r), FETCH_E_URL);	/* never started */
	assert_int_equal(get(f, "ftp://127.0.0.1/", &r), FETCH_E_URL);
	assert_int_equal(get(f, "https://127.0.0.1/a b", &r), FETCH_E_URL);
	free(u);
	u = url_of("127.0.0.1", "/test/redirect");
	assert_int_equal(get(f, u, &r), FETCH_OK);
	assert_int_equal(r.status, 302);	/* not followed */
	free(u);
	u = url_of("127.0.0.1", "/test/big");
	assert_int_equal(get(f, u, &r), FETCH_E_TOOBIG);
	free(u);
	u = url_of("127.0.0.1", "/test/big-chunked");
	assert_int_equal(get(f, u, &r), FETCH_E_TOOBIG);
	free(u);
	/* The certificate names 127.0.0.1 only. */
	u = url_of("localhost", "/jwks");
	assert_int_equal(get(f, u, &r), FETCH_E_TLS);
	free(u);
	assert_non_null(g = fetch_new(base, other_ca));
	u = url_of("127.0.0.1", "/jwks");
	assert_int_equal(get(g, u, &r), FETCH_E_TLS);
	free(u);
	fetch_free(g);
	fetch_free(f);
}

/* A stalled provider times out, and the loop runs on meanwhile. */
static void
test_fetch_timeout(void **state)
{
	struct timeval	 tv = { 0, 20000 };
	struct event	*tick;
	struct fetch	*f;
	struct got	 r;
	char		*u;

	need_provider();
	assert_non_null(f = fetch_new(base, ca));
	fetch_set_timeouts(f, 500, 600);
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	evtimer_add(tick, &tv);
	ticks = 0;
	u = url_of("127.0.0.1", "/test/slow");
	assert_int_equal(get(f, u, &r), FETCH_E_TIMEOUT);
	assert_true(ticks >= 10);
	assert_int_equal(fetch_inflight(f), 0);
	free(u);
	event_free(tick);
	fetch_free(f);
}

/*
 * A browser without a browser: the authorisation request, the login
 * form, the consent form, then the redirect back with code and state.
 */

struct page {
	char	buf[65536];
	size_t	len;
};

static size_t
page_write(char *p, size_t size, size_t n, void *arg)
{
	struct page	*pg = arg;
	size_t		 len = size * n;

	if (len >= sizeof(pg->buf) - pg->len)
		return 0;
	memcpy(pg->buf + pg->len, p, len);
	pg->len += len;
	pg->buf[pg->len] = '\0';
	return len;
}

/* The value of name in the query of url, decoded, into out. */
static int
query_param(const char *url, const char *name, char *out, size_t outsz)
{
	const char	*q = strchr(url, '?'), *p, *e;
	size_t		 n = strlen(name);
	char		*v;
	int		 len;

	for (p = q; p != NULL; p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, name, n) != 0 || p[n + 1] != '=')
			continue;
		e = p + n + 2 + strcspn(p + n + 2, "&#");
		v = curl_easy_unescape(NULL, p + n + 2, e - p - n - 2, &len);
		snprintf(out, outsz, "%s", v);
		curl_free(v);
		return 0;
	}
	return -1;
}

/* One step: follow a redirect, or fill in the form on the page. */
static int
browse_step(CURL *c, struct page *pg, char *url, size_t urlsz, char *form,
    size_t formsz)
{
	const char	*a;
	char		*loc = NULL;
	long		 st = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);
	form[0] = '\0';
	if (loc != NULL) {
		snprintf(url, urlsz, "%s", loc);
		return strncmp(url, redirect, strlen(redirect)) == 0;
	}
	if (st != 200 || (a = strstr(pg->buf, "prompt=")) == NULL ||
	    (a = strstr(a, " action=")) == NULL) {
		print_message("# page %ld: %.200s\n", st, pg->buf);
		return -1;
	}
	a += strlen(" action=");
	snprintf(url, urlsz, "%s%.*s", issuer, (int)strcspn(a, " \n"), a);
	snprintf(form, formsz, "%s", strstr(pg->buf, "prompt=login") ?
	    user_form : "consent=yes");
	return 0;
}

/* Run the browser from url to the redirect; the redirect back in url. */
static int
browse(char *url, size_t urlsz)
{
	CURL		*c = curl_easy_init();
	struct page	*pg = calloc(1, sizeof(*pg));
	char		 form[128] = "";
	int		 i, rc = -1;

	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, page_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, pg);
	for (i = 0; i < 12 && rc == -1; i++) {
		pg->len = 0;
		pg->buf[0] = '\0';
		curl_easy_setopt(c, CURLOPT_URL, url);
		if (form[0] != '\0')
			curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, form);
		else
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		if (curl_easy_perform(c) != CURLE_OK) {
			print_message("# %s: transfer failed\n", url);
			break;
		}
		switch (browse_step(c, pg, url, urlsz, form, sizeof(form))) {
		case 1:
			rc = 0;
			break;
		case -1:
			i = 12;
			break;
		}
	}
	curl_easy_cleanup(c);
	free(pg);
	return rc;
}

/*
 * The relying party against the provider.
 */

struct login {
	int		 done;
	enum oidc_err	 err;
	char		 url[OIDC_URL_MAX + 512];
	char		 state[OIDC_STATE_LEN + 1];
};

struct ident {
	int		 done;
	enum oidc_err	 err;
	char		 identity[OIDC_IDENTITY_MAX];
	char		 sub[OIDC_IDENTITY_MAX];
	int		 from_userinfo;
};

static void
login_cb(enum oidc_err err, const struct oidc_login *l, void *arg)
{
	struct login	*w = arg;

	w->done = 1;
	w->err = err;
	if (err == OIDC_OK) {
		snprintf(w->url, sizeof(w->url), "%s", l->url);
		snprintf(w->state, sizeof(w->state), "%s", l->state);
	}
}

static void
ident_cb(enum oidc_err err, const struct oidc_identity *id, void *arg)
{
	struct ident	*w = arg;

	w->done = 1;
	w->err = err;
	if (err == OIDC_OK) {
		snprintf(w->identity, sizeof(w->identity), "%s", id->identity);
		snprintf(w->sub, sizeof(w->sub), "%s", id->sub);
		w->from_userinfo = id->from_userinfo;
		assert_string_equal(id->claim, "email");
	}
}

/* A relying party for c, with secret (written as a file) as its secret. */
static struct oidc *
rp_try(struct conf_oidc *c, const char *secret)
{
	struct oidc	*o;
	int		 fd;

	if (ca != NULL)
		snprintf(c->ca_file, sizeof(c->ca_file), "%s", ca);
	assert_true((fd = memfd_create("secret", 0)) != -1);
	assert_true(dprintf(fd, "%s", secret) >= 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	o = oidc_new(base, c, fd, 60);
	close(fd);
	return o;
}

static void
conf_fill(struct conf_oidc *c, const char *iss, const char *client,
    const char *uri)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->issuer, sizeof(c->issuer), "%s", iss);
	snprintf(c->client_id, sizeof(c->client_id), "%s", client);
	snprintf(c->redirect_uri, sizeof(c->redirect_uri), "%s", uri);
}

static struct oidc *
rp_new_as(const char *client, const char *secret, const char *iss)
{
	struct conf_oidc	 c;
	struct oidc		*o;
	char			 line[128];

	conf_fill(&c, iss, client, redirect);
	snprintf(line, sizeof(line), "%s\n", secret);
	assert_non_null(o = rp_try(&c, line));
	clock_offset = 0;
	oidc_set_clock(o, test_clock);
	return o;
}

static struct oidc *
rp_new(const char *client)
{
	return rp_new_as(client, SECRET, issuer);
}

static void
rp_login(struct oidc *o, struct login *w)
{
	memset(w, 0, sizeof(*w));
	assert_err(oidc_login_start(o, login_cb, w), OIDC_OK);
	assert_int_equal(w->done, 0);
	run_until(&w->done);
	assert_err(w->err, OIDC_OK);
}

static void
rp_login_err(struct oidc *o, enum oidc_err want)
{
	struct login	w;

	memset(&w, 0, sizeof(w));
	assert_err(oidc_login_start(o, login_cb, &w), OIDC_OK);
	run_until(&w.done);
	assert_err(w.err, want);
}

/* Drive the browser from w's URL; the code and state it comes back with. */
static void
rp_browse(struct login *w, char *code, size_t codesz)
{
	char	url[sizeof(w->url)], st[128];

	snprintf(url, sizeof(url), "%s", w->url);
	assert_int_equal(browse(url, sizeof(url)), 0);
	if (query_param(url, "code", code, codesz) == -1)
		fail_msg("no code in %s", url);
	assert_int_equal(query_param(url, "state", st, sizeof(st)), 0);
	assert_string_equal(st, w->state);
}

static enum oidc_err
rp_callback(struct oidc *o, const char *state, const char *code,
    struct ident *id)
{
	enum oidc_err	err;

	memset(id, 0, sizeof(*id));
	if ((err = oidc_callback(o, state, code, ident_cb, id)) != OIDC_OK)
		return err;
	assert_int_equal(id->done, 0);
	run_until(&id->done);
	return id->err;
}

/* A whole login; edit, when not NULL, changes the URL first. */
static enum oidc_err
rp_flow(struct oidc *o, void (*edit)(char *, size_t), struct ident *id)
{
	struct login	w;
	char		code[OIDC_CODE_MAX];

	rp_login(o, &w);
	if (edit != NULL)
		edit(w.url, sizeof(w.url));
	rp_browse(&w, code, sizeof(code));
	return rp_callback(o, w.state, code, id);
}

/* Set (or, with value NULL, remove) a query parameter of url. */
static void
url_param(char *url, size_t sz, const char *name, const char *value)
{
	char	*p, *e, tail[OIDC_URL_MAX];
	size_t	 n = strlen(name);

	for (p = strchr(url, '?'); p != NULL; p = strchr(p + 1, '&'))
		if (strncmp(p + 1, name, n) == 0 && p[n + 1] == '=')
			break;
	assert_non_null(p);
	e = p + 1 + strcspn(p + 1, "&");
	snprintf(tail, sizeof(tail), "%s", e);
	if (value == NULL)
		snprintf(p, sz - (p - url), "%s%s", *p == '?' ? "?" : "",
		    *p == '?' && *tail != '\0' ? tail + 1 : tail);
	else
		snprintf(p, sz - (p - url), "%c%s=%s%s", *p, name, value,
		    tail);
}

static void
edit_nonce(char *url, size_t sz)
{
	url_param(url, sz, "nonce", "attacker-chosen-nonce");
}

static void
edit_no_nonce(char *url, size_t sz)
{
	url_param(url, sz, "nonce", NULL);
	assert_null(strstr(url, "nonce="));
}

/* Ask for the email in the ID token itself (claims parameter)... */
static void
edit_claims(char *url, size_t sz)
{
	size_t	n = strlen(url);

	snprintf(url + n, sz - n, "&claims=%s", "%7B%22id_token%22%3A%7B"
	    "%22email%22%3Anull%2C%22email_verified%22%3Anull%7D%7D");
}

/* ...or the email alone, without saying whether it is verified. */
static void
edit_claims_email(char *url, size_t sz)
{
	size_t	n = strlen(url);

	snprintf(url + n, sz - n, "&claims=%s",
	    "%7B%22id_token%22%3A%7B%22email%22%3Anull%7D%7D");
}

/* What oidc_new refuses before it reads anything else. */
static void
test_conf(void **state)
{
	const char		*uri = "https://localhost/v1/auth/callback";
	struct conf_oidc	 c;
	char			 big[OIDC_SECRET_MAX + 8];

	conf_fill(&c, "http://127.0.0.1:1", "rp", uri);
	assert_null(rp_try(&c, SECRET));
	conf_fill(&c, "https://127.0.0.1:1/?a=b", "rp", uri);
	assert_null(rp_try(&c, SECRET));
	conf_fill(&c, "https://127.0.0.1:1", "", uri);
	assert_null(rp_try(&c, SECRET));
	conf_fill(&c, "https://127.0.0.1:1", "rp", "");
	assert_null(rp_try(&c, SECRET));
	conf_fill(&c, "https://127.0.0.1:1", "rp", "ftp://x/");
	assert_null(rp_try(&c, SECRET));
	conf_fill(&c, "https://127.0.0.1:1", "rp", uri);
	snprintf(c.scopes, sizeof(c.scopes), "openid  email");
	assert_null(rp_try(&c, SECRET));
	snprintf(c.scopes, sizeof(c.scopes), "openid \"email\"");
	assert_null(rp_try(&c, SECRET));
	c.scopes[0] = '\0';
	assert_null(rp_try(&c, ""));
	assert_null(rp_try(&c, "\n"));
	assert_null(rp_try(&c, "two\nlines\n"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_null(rp_try(&c, big));
}

static void
test_discovery(void **state)
{
	struct oidc	*o;
	char		 iss[80];

	need_provider();
	/* One byte off: the document names another issuer. */
	snprintf(iss, sizeof(iss), "%s/", issuer);
	o = rp_new_as("rp-rs256", SECRET, iss);
	rp_login_err(o, OIDC_E_DISCOVERY);
	oidc_free(o);
	/* An http endpoint; PKCE without S256. */
	snprintf(iss, sizeof(iss), "%s/bad-http", issuer);
	o = rp_new_as("rp-rs256", SECRET, iss);
	rp_login_err(o, OIDC_E_DISCOVERY);
	oidc_free(o);
	snprintf(iss, sizeof(iss), "%s/bad-pkce", issuer);
	o = rp_new_as("rp-rs256", SECRET, iss);
	rp_login_err(o, OIDC_E_DISCOVERY);
	oidc_free(o);
	/* A provider that does not answer. */
	o = rp_new_as("rp-rs256", SECRET, "https://127.0.0.1:1");
	rp_login_err(o, OIDC_E_UNAVAILABLE);
	oidc_free(o);
}

static void
test_login_url(void **state)
{
	struct conf_oidc	 c;
	struct oidc		*o;
	struct oidc_stats	 st;
	struct login		 a, b;
	char			 v[512], want[600];

	need_provider();
	o = rp_new("rp-rs256");
	rp_login(o, &a);
	rp_login(o, &b);
	snprintf(want, sizeof(want), "%s/auth?", issuer);
	assert_int_equal(strncmp(a.url, want, strlen(want)), 0);
	assert_int_equal(query_param(a.url, "response_type", v, 64), 0);
	assert_string_equal(v, "code");
	assert_int_equal(query_param(a.url, "client_id", v, 64), 0);
	assert_string_equal(v, "rp-rs256");
	assert_int_equal(query_param(a.url, "redirect_uri", v, 512), 0);
	assert_string_equal(v, redirect);
	assert_int_equal(query_param(a.url, "scope", v, 64), 0);
	assert_string_equal(v, "openid email");
	assert_int_equal(query_param(a.url, "code_challenge_method", v, 64),
	    0);
	assert_string_equal(v, "S256");
	assert_int_equal(query_param(a.url, "code_challenge", v, 64), 0);
	assert_int_equal(strlen(v), 43);
	assert_int_equal(query_param(a.url, "nonce", v, 64), 0);
	assert_int_equal(strlen(v), 43);
	assert_int_equal(query_param(a.url, "state", v, 64), 0);
	assert_string_equal(v, a.state);
	assert_string_not_equal(a.state, b.state);
	oidc_stats(o, &st);
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.discovery, 1);
	oidc_free(o);
	/* "openid" is always asked for. */
	conf_fill(&c, issuer, "rp-rs256", redirect);
	snprintf(c.scopes, sizeof(c.scopes), "email");
	assert_non_null(o = rp_try(&c, SECRET));
	rp_login(o, &a);
	assert_int_equal(query_param(a.url, "scope", v, 64), 0);
	assert_string_equal(v, "openid email");
	oidc_free(o);
}

static void
flow_ok(const char *client)
{
	struct oidc		*o = rp_new(client);
	struct oidc_stats	 st;
	struct ident		 id;

	assert_err(rp_flow(o, NULL, &id), OIDC_OK);
	assert_string_equal(id.identity, EMAIL);
	assert_string_equal(id.sub, "alice");
	/* The provider keeps scope claims to userinfo by default. */
	assert_int_equal(id.from_userinfo, 1);
	oidc_stats(o, &st);
	assert_int_equal(st.token, 1);
	assert_int_equal(st.userinfo, 1);
	assert_int_equal(st.pending, 0);
	oidc_free(o);
}

static void
test_flow_rs256(void **state)
{
	need_provider();
	flow_ok("rp-rs256");
}

static void
test_flow_eddsa(void **state)
{
	need_provider();
	flow_ok("rp-eddsa");
}

static void
test_flow_es256(void **state)
{
	need_provider();
	flow_ok("rp-es256");
}

static void
test_flow_idtoken_claim(void **state)
{
	struct oidc		*o;
	struct oidc_stats	 st;
	struct ident		 id;

	need_provider();
	o = rp_new("rp-eddsa");
	assert_err(rp_flow(o, edit_claims, &id), OIDC_OK);
	assert_string_equal(id.identity, EMAIL);
	assert_int_equal(id.from_userinfo, 0);
	oidc_stats(o, &st);
	assert_int_equal(st.userinfo, 0);
	/* No email_verified in the ID token: userinfo has the last word. */
	assert_err(rp_flow(o, edit_claims_email, &id), OIDC_OK);
	assert_string_equal(id.identity, EMAIL);
	assert_int_equal(id.from_userinfo, 1);
	oidc_free(o);
}

/* bob's provider says his email is not verified: not an identity. */
static void
test_flow_unverified(void **state)
{
	struct oidc	*o;
	struct ident	 id;

	need_provider();
	o = rp_new("rp-rs256");
	user_form = BOB_FORM;
	assert_err(rp_flow(o, NULL, &id), OIDC_E_EMAIL_UNVERIFIED);
	assert_int_equal(id.done, 1);
	assert_err(rp_flow(o, edit_claims, &id), OIDC_E_EMAIL_UNVERIFIED);
	assert_err(rp_flow(o, edit_claims_email, &id),
	    OIDC_E_EMAIL_UNVERIFIED);
	user_form = USER_FORM;
	oidc_free(o);
}

/* The provider signs with the client secret: a symmetric alg, refused. */
static void
test_flow_hs256(void **state)
{
	struct oidc	*o;
	struct ident	 id;

	need_provider();
	o = rp_new("rp-hs256");
	assert_err(rp_flow(o, NULL, &id), OIDC_E_ALG_REFUSED);
	oidc_free(o);
}

static void
test_flow_nonce(void **state)
{
	struct oidc	*o;
	struct ident	 id;

	need_provider();
	o = rp_new("rp-rs256");
	assert_err(rp_flow(o, edit_nonce, &id), OIDC_E_NONCE_MISMATCH);
	assert_err(rp_flow(o, edit_no_nonce, &id), OIDC_E_NONCE_MISSING);
	oidc_free(o);
}

static void
test_flow_state(void **state)
{
	struct oidc	*o;
	struct login	 w;
	struct ident	 id;
	char		 code[OIDC_CODE_MAX], forged[OIDC_STATE_LEN + 1];

	need_provider();
	o = rp_new("rp-es256");
	rp_login(o, &w);
	rp_browse(&w, code, sizeof(code));
	assert_err(rp_callback(o, w.state, code, &id), OIDC_OK);
	/* The same redirect again, as a replay would bring it. */
	assert_err(rp_callback(o, w.state, code, &id), OIDC_E_STATE_REUSED);
	assert_err(rp_callback(o, w.state, "other", &id),
	    OIDC_E_STATE_REUSED);
	/* A state this party never issued, well-formed or not. */
	memset(forged, 'A', OIDC_STATE_LEN);
	forged[OIDC_STATE_LEN] = '\0';
	assert_err(rp_callback(o, forged, code, &id), OIDC_E_BAD_STATE);
	assert_err(rp_callback(o, "short", code, &id), OIDC_E_BAD_STATE);
	forged[5] = '=';
	assert_err(rp_callback(o, forged, code, &id), OIDC_E_BAD_STATE);
	assert_int_equal(id.done, 0);
	oidc_free(o);
}

static void
test_flow_code(void **state)
{
	struct oidc	*o;
	struct login	 a, b, c;
	struct ident	 id;
	char		 ca_[OIDC_CODE_MAX], cb[OIDC_CODE_MAX];

	need_provider();
	o = rp_new("rp-rs256");
	rp_login(o, &a);
	rp_login(o, &b);
	rp_browse(&a, ca_, sizeof(ca_));
	rp_browse(&b, cb, sizeof(cb));
	/* a's code under b's state: b's PKCE verifier does not match. */
	assert_err(rp_callback(o, b.state, ca_, &id), OIDC_E_CODE_REJECTED);
	/* The provider kept a's code; with a's own verifier it works. */
	assert_err(rp_callback(o, a.state, ca_, &id), OIDC_OK);
	assert_string_equal(id.identity, EMAIL);
	/* A used code, brought back under a fresh login. */
	rp_login(o, &c);
	assert_err(rp_callback(o, c.state, ca_, &id), OIDC_E_CODE_REJECTED);
	assert_err(rp_callback(o, b.state, cb, &id), OIDC_E_STATE_REUSED);
	oidc_free(o);
}

static void
test_flow_bad_secret(void **state)
{
	struct oidc	*o;
	struct ident	 id;

	need_provider();
	o = rp_new_as("rp-rs256", "not-the-secret", issuer);
	assert_err(rp_flow(o, NULL, &id), OIDC_E_CLIENT_REJECTED);
	oidc_free(o);
}

/* Token times and state lifetime, with the relying party's clock moved. */
static void
test_flow_clock(void **state)
{
	struct oidc	*o;
	struct login	 w;
	struct ident	 id;
	char		 code[OIDC_CODE_MAX];

	need_provider();
	o = rp_new("rp-eddsa");
	/* The provider's ID tokens live 60 s; skew is 60 s. */
	rp_login(o, &w);
	rp_browse(&w, code, sizeof(code));
	clock_offset = 130;
	assert_err(rp_callback(o, w.state, code, &id), OIDC_E_EXPIRED);
	clock_offset = -3600;
	assert_err(rp_flow(o, NULL, &id), OIDC_E_IAT_FUTURE);
	clock_offset = 0;
	rp_login(o, &w);
	rp_browse(&w, code, sizeof(code));
	clock_offset = OIDC_PENDING_TTL + 1;
	assert_err(rp_callback(o, w.state, code, &id),
	    OIDC_E_STATE_EXPIRED);
	oidc_free(o);
}

static enum oidc_err
rp_check(struct oidc *o, char *tok, const char *nonce)
{
	struct ident	id;
	enum oidc_err	err;

	memset(&id, 0, sizeof(id));
	err = oidc_idtoken_check(o, tok, nonce, ident_cb, &id);
	free(tok);
	if (err != OIDC_OK)
		return err;
	run_until(&id.done);
	return id.err;
}

/*
 * Tokens forged for the real issuer: a key of the attacker's own, in
 * the header or behind a URL, chooses nothing; the issuer's key set is
 * fetched again for an unknown kid, at most every 30 s.
 */
static void
test_flow_forged(void **state)
{
	struct oidc		*o;
	struct oidc_stats	 a, b;
	json_t			*h, *c;
	uint64_t		 n;

	need_provider();
	o = rp_new("rp-rs256");
	c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "iss", issuer,
	    "aud", "rp-rs256", "sub", "alice", "exp",
	    (json_int_t)time(NULL) + 300, "iat", (json_int_t)time(NULL),
	    "nonce", F_NONCE, "email", "mallory@example.com");
	h = hdr("RS256", "evil");
	json_object_set_new(h, "jwk", jwk_of(k_evil, "evil"));
	assert_err(rp_check(o, forge(h, json_deep_copy(c), k_evil),
	    F_NONCE), OIDC_E_UNKNOWN_KID);
	oidc_stats(o, &a);
	n = a.jwks;
	/* Past the refetch interval: one more fetch, still unknown. */
	clock_offset = OIDC_JWKS_REFETCH + 1;
	h = hdr("RS256", "evil");
	json_object_set_new(h, "jku", json_string(issuer));
	assert_err(rp_check(o, forge(h, json_deep_copy(c), k_evil),
	    F_NONCE), OIDC_E_UNKNOWN_KID);
	oidc_stats(o, &b);
	assert_int_equal(b.jwks, n + 1);
	/* At once again: no fetch. */
	assert_err(rp_check(o, forge(hdr("RS256", "evil2"),
	    json_deep_copy(c), k_evil), F_NONCE), OIDC_E_UNKNOWN_KID);
	oidc_stats(o, &b);
	assert_int_equal(b.jwks, n + 1);
	/* The issuer's kid, the attacker's key and embedded jwk. */
	h = hdr("RS256", "rsa-1");
	json_object_set_new(h, "jwk", jwk_of(k_evil, "rsa-1"));
	assert_err(rp_check(o, forge(h, json_deep_copy(c), k_evil),
	    F_NONCE), OIDC_E_BAD_SIGNATURE);
	assert_err(rp_check(o, forge(hdr("ES256", "rsa-1"),
	    json_deep_copy(c), k_ec), F_NONCE), OIDC_E_ALG_REFUSED);
	json_decref(c);
	oidc_free(o);
}

/* Past OIDC_PENDING_MAX logins, the oldest state is gone. */
static void
test_pending_bound(void **state)
{
	struct oidc		*o;
	struct oidc_stats	 st;
	struct login		*w;
	struct ident		 id;
	size_t			 i, n = OIDC_PENDING_MAX + 1;

	need_provider();
	o = rp_new("rp-rs256");
	w = calloc(n, sizeof(*w));
	rp_login(o, &w[0]);
	for (i = 1; i < n; i++)
		assert_err(oidc_login_start(o, login_cb, &w[i]), OIDC_OK);
	for (i = 1; i < n; i++)
		run_until(&w[i].done);
	oidc_stats(o, &st);
	assert_int_equal(st.pending, OIDC_PENDING_MAX);
	assert_err(rp_callback(o, w[0].state, "code", &id),
	    OIDC_E_BAD_STATE);
	assert_err(rp_callback(o, w[1].state, "code", &id),
	    OIDC_E_CODE_REJECTED);
	free(w);
	oidc_free(o);
}

static int
keys_setup(void **state)
{
	json_t	*keys;

	k_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k_evil = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k_rsa_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	k_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k_ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k_evil_ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (k_rsa == NULL || k_evil == NULL || k_rsa_small == NULL ||
	    k_ec == NULL || k_ed == NULL || k_evil_ed == NULL)
		return -1;
	keys = json_pack("[o,o,o]", jwk_of(k_rsa, "k-rsa"),
	    jwk_of(k_ec, "k-ec"), jwk_of(k_ed, "k-ed"));
	if ((set = jwks_of(keys)) == NULL || set->nkeys != 3)
		return -1;
	return 0;
}

static int
keys_teardown(void **state)
{
	jose_jwks_free(set);
	EVP_PKEY_free(k_rsa);
	EVP_PKEY_free(k_evil);
	EVP_PKEY_free(k_rsa_small);
	EVP_PKEY_free(k_ec);
	EVP_PKEY_free(k_ed);
	EVP_PKEY_free(k_evil_ed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tokens),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_hs256_confusion),
		cmocka_unit_test(test_unknown_kid),
		cmocka_unit_test(test_embedded_jwk),
		cmocka_unit_test(test_alg_key_mismatch),
		cmocka_unit_test(test_single_key),
		cmocka_unit_test(test_iss),
		cmocka_unit_test(test_aud_azp),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_duplicate_members),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_jwks_parse),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_fetch_policy),
		cmocka_unit_test(test_fetch_timeout),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_login_url),
		cmocka_unit_test(test_flow_rs256),
		cmocka_unit_test(test_flow_eddsa),
		cmocka_unit_test(test_flow_es256),
		cmocka_unit_test(test_flow_idtoken_claim),
		cmocka_unit_test(test_flow_unverified),
		cmocka_unit_test(test_flow_hs256),
		cmocka_unit_test(test_flow_nonce),
		cmocka_unit_test(test_flow_state),
		cmocka_unit_test(test_flow_code),
		cmocka_unit_test(test_flow_bad_secret),
		cmocka_unit_test(test_flow_clock),
		cmocka_unit_test(test_flow_forged),
		cmocka_unit_test(test_pending_bound),
	};
	int	rc;

	log_init("test_oidc", 1, getenv("OIDC_VERBOSE") != NULL);
	port = getenv("OIDC_PORT");
	ca = getenv("OIDC_CA");
	other_ca = getenv("OIDC_OTHER_CA");
	redirect = getenv("OIDC_REDIRECT");
	if (port != NULL && (ca == NULL || other_ca == NULL ||
	    redirect == NULL)) {
		fprintf(stderr, "OIDC_PORT needs OIDC_CA, OIDC_OTHER_CA and "
		    "OIDC_REDIRECT\n");
		return 1;
	}
	if (port != NULL)
		snprintf(issuer, sizeof(issuer), "https://127.0.0.1:%s", port);
	if (sodium_init() == -1 || (base = event_base_new()) == NULL)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rc = cmocka_run_group_tests(tests, keys_setup, keys_teardown);
	event_base_free(base);
	curl_global_cleanup();
	return rc;
}
