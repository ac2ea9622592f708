/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* JWS compact tokens and JWK public keys: parse, select, verify. */

#ifndef PCCX_JOSE_H
#define PCCX_JOSE_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#define JOSE_TOKEN_MAX		16384	/* bytes of a compact JWS */
#define JOSE_JWKS_MAX		(64 * 1024)
#define JOSE_KEYS_MAX		32	/* keys kept from one set */
#define JOSE_KID_MAX		256	/* with the NUL */
#define JOSE_RSA_MIN_BITS	2048
#define JOSE_RSA_MAX_BITS	8192

/*
 * The only algorithms accepted.  An algorithm belongs to a key: the
 * key type and curve decide it, and a token merely has to agree.
 */
enum jose_alg {
	JOSE_ALG_NONE = 0,	/* not an algorithm: refused everywhere */
	/* RSA >= 2048 bits, PKCS#1 v1.5, SHA-256 */
	JOSE_ALG_RS256,
	JOSE_ALG_ES256,		/* ECDSA P-256, SHA-256, r || s */
	JOSE_ALG_EDDSA		/* Ed25519 ("EdDSA" or "Ed25519") */
};

enum jose_err {
	JOSE_OK = 0,
	JOSE_E_MALFORMED,	/* not a well-formed compact JWS */
	JOSE_E_ALG,		/* alg refused or not the key's */
	JOSE_E_KID,		/* no key in the set with that kid */
	JOSE_E_SIG,		/* signature does not verify */
	JOSE_E_NOMEM
};

struct jose_key {
	/* "" when the JWK has none */
	char		 kid[JOSE_KID_MAX];
	enum jose_alg	 alg;
	EVP_PKEY	*pkey;
};

struct jose_jwks {
	struct jose_key	*keys;
	size_t		 nkeys;
};

/*
 * A parsed compact JWS.  Only "alg", "kid", "typ" and "crit" of the
 * header are read: "jku", "jwk", "x5u" and "x5c" never choose a key.
 */
struct jose_jws {
	char		 alg_name[16];
	enum jose_alg	 alg;
	char		 kid[JOSE_KID_MAX];
	int		 has_kid;
	char		 typ[32];		/* "" when absent */
	/* decoded, NUL-terminated */
	unsigned char	*payload;
	size_t		 payloadlen;
	unsigned char	*sig;
	size_t		 siglen;
	/* header.payload, not owned */
	const char	*input;
	size_t		 inputlen;
};

/* jose_alg_name: "RS256", "ES256", "EdDSA", or "none". */
const char	*jose_alg_name(enum jose_alg);
/*
 * jose_b64url_decode: strict base64url without padding: any other
 * byte, a padding character or non-zero trailing bits fail.  *out
 * is malloc'd with one extra NUL byte.  0 or -1.
 */
int		 jose_b64url_decode(const char *, size_t, unsigned char **,
		    size_t *);
/* jose_b64url_encode: a malloc'd unpadded base64url string, or NULL. */
char		*jose_b64url_encode(const void *, size_t);
/*
 * jose_jwk_parse: one JWK (RSA, EC P-256 or OKP Ed25519 public key)
 * into k.  A key marked for another use, for other operations or
 * with an "alg" that does not fit its type is refused.  0 or -1.
 */
int		 jose_jwk_parse(const json_t *, struct jose_key *);
/*
 * jose_jwks_parse: a JWK Set from len bytes of JSON.  Keys that are
 * unusable are skipped; NULL when the set is malformed or holds no
 * usable key.
 */
struct jose_jwks *jose_jwks_parse(const char *, size_t);
void		 jose_jwks_free(struct jose_jwks *);
/*
 * jose_jws_parse: split and decode a compact JWS of len bytes (which
 * must stay valid while jws is used).  Refuses "none", HS* and every
 * algorithm but the three above (JOSE_E_ALG), and any "crit".
 */
enum jose_err	 jose_jws_parse(const char *, size_t, struct jose_jws *);
void		 jose_jws_clear(struct jose_jws *);
/*
 * jose_jwks_select: the key of set for the token: by kid (or the only
 * key when the token names none).  JOSE_E_KID when no key has that
 * kid, JOSE_E_ALG when the key's algorithm is not the token's.
 */
enum jose_err	 jose_jwks_select(const struct jose_jwks *,
		    const struct jose_jws *, const struct jose_key **);
/* jose_jws_verify: check the signature with k; JOSE_OK or JOSE_E_*. */
enum jose_err	 jose_jws_verify(const struct jose_jws *,
		    const struct jose_key *);

#endif
