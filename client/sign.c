/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Request signing: the per-login key, its thumbprint, RFC 9421 fields. */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/pccx.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define B64STD	sodium_base64_VARIANT_ORIGINAL

/* b64url_enc: base64url without padding; -1 if out is too small. */
int
b64url_enc(const unsigned char *in, size_t len, char *out, size_t size)
{
	if (size < sodium_base64_ENCODED_LEN(len, B64URL))
		return -1;
	sodium_bin2base64(out, size, in, len, B64URL);
	return 0;
}

/* RFC 7638: the members crv, kty, x in order, no spaces, hashed. */
static void
sign_thumbprint(struct sign_key *k)
{
	unsigned char	h[crypto_hash_sha256_BYTES];
	char		jwk[128];
	int		n;

	b64url_enc(k->pk, sizeof(k->pk), k->x, sizeof(k->x));
	n = snprintf(jwk, sizeof(jwk),
	    "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", k->x);
	crypto_hash_sha256(h, (unsigned char *)jwk, n);
	b64url_enc(h, sizeof(h), k->keyid, sizeof(k->keyid));
}

/* sign_key_new: a per-login key from fresh random bytes. */
int
sign_key_new(struct sign_key *k)
{
	unsigned char	seed[crypto_sign_SEEDBYTES];
	int		rv;

	randombytes_buf(seed, sizeof(seed));
	rv = sign_key_from_seed(k, seed);
	sodium_memzero(seed, sizeof(seed));
	return rv;
}

/* sign_key_from_seed: the key pair and thumbprint of a stored seed. */
int
sign_key_from_seed(struct sign_key *k, const unsigned char *seed)
{
	if (crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0)
		return -1;
	sign_thumbprint(k);
	return 0;
}

/* The signature base of RFC 9421 section 2.5 for our three fields. */
static int
sign_base(char *out, size_t size, const char *method, const char *uri,
    const struct sign_fields *f)
{
	const char	*params = strchr(f->signature_input, '=') + 1;
	int		 n;

	n = snprintf(out, size, "\"@method\": %s\n\"@target-uri\": %s\n"
	    "\"content-digest\": %s\n\"@signature-params\": %s", method, uri,
	    f->content_digest, params);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

/*
 * sign_request: the three fields of a signed request, made the way
 * authd/httpsig.c checks them: label sig1, alg ed25519.
 */
int
sign_request(const struct sign_key *k, const char *method, const char *uri,
    const void *body, size_t len, struct sign_fields *f)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, body != NULL ? body : (const void *)"", len);
	return sign_request_sha(k, method, uri, h, f);
}

/*
 * sign_request_sha: as sign_request, for a body whose SHA-256 is h
 * (a streamed file, hashed in a pass of its own).
 */
int
sign_request_sha(const struct sign_key *k, const char *method,
    const char *uri, const unsigned char *h, struct sign_fields *f)
{
	unsigned char	 raw[18];
	unsigned char	 sig[crypto_sign_BYTES];
	char		 b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
			    B64STD)];
	char		 nonce[32], base[4096];
	int		 n;

	sodium_bin2base64(b64, sizeof(b64), h, crypto_hash_sha256_BYTES,
	    B64STD);
	snprintf(f->content_digest, sizeof(f->content_digest),
	    "sha-256=:%s:", b64);

	randombytes_buf(raw, sizeof(raw));
	b64url_enc(raw, sizeof(raw), nonce, sizeof(nonce));
	n = snprintf(f->signature_input, sizeof(f->signature_input),
	    "sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
	    ";created=%lld;nonce=\"%s\";keyid=\"%s\";alg=\"ed25519\"",
	    (long long)time(NULL), nonce, k->keyid);
	if (n < 0 || (size_t)n >= sizeof(f->signature_input))
		return -1;
	if ((n = sign_base(base, sizeof(base), method, uri, f)) == -1)
		return -1;

	crypto_sign_detached(sig, NULL, (unsigned char *)base, n, k->sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), B64STD);
	snprintf(f->signature, sizeof(f->signature), "sig1=:%s:", b64);
	return 0;
}
