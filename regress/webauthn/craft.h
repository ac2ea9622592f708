/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Test helpers: CBOR writer, keys, certificates and ceremony fixtures. */

#ifndef REGRESS_WEBAUTHN_CRAFT_H
#define REGRESS_WEBAUTHN_CRAFT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A growable byte buffer; craft helpers abort the test on failure. */
struct blob {
	uint8_t		*p;
	size_t		 n;
};

void	 blob_add(struct blob *, const void *, size_t);
void	 blob_free(struct blob *);
/* A copy of b with byte i xor'ed with x (i counts from the end if < 0). */
struct blob blob_flip(const struct blob *, long, uint8_t);

/* CBOR writer: shortest forms, as an authenticator would encode. */
void	 cb_head(struct blob *, int, uint64_t);
void	 cb_int(struct blob *, int64_t);
void	 cb_bytes(struct blob *, const void *, size_t);
void	 cb_text(struct blob *, const char *);

/* Keys: P-256 or Ed25519, their COSE form, signatures. */
EVP_PKEY *key_new(int);
EVP_PKEY *key_pkcs8(const struct blob *);
int	 key_alg(EVP_PKEY *);
struct blob key_cose(EVP_PKEY *);
struct blob key_sign(EVP_PKEY *, const struct blob *, const struct blob *);

/*
 * authenticatorData: rpIdHash of rp_id, flags, count, then attested
 * data when cose is not NULL (aaguid, credid, cose) and ext bytes.
 */
struct authdata_spec {
	const char	*rp_id;
	uint8_t		 flags;
	uint32_t	 count;
	/* 16 bytes or NULL: zeros */
	const uint8_t	*aaguid;
	const struct blob *credid;
	const struct blob *cose;
	const struct blob *ext;			/* raw bytes appended */
};
struct blob authdata_make(const struct authdata_spec *);
/* {"fmt": fmt, "attStmt": stmt (encoded map), "authData": ad} */
struct blob attobj_make(const char *, const struct blob *,
	    const struct blob *);
/* clientDataJSON with these fields and crossOrigin false. */
struct blob clientdata_make(const char *, const struct blob *,
	    const char *);

/* An attestation certificate and its CA. */
struct cert_spec {
	EVP_PKEY	*key;
	EVP_PKEY	*signer;
	X509		*issuer;		/* NULL: self-signed */
	const char	*ou;
	int		 ca;
	int		 version;		/* X509_VERSION_1 or _3 */
	const uint8_t	*aaguid;		/* extension, or NULL */
};
X509	*cert_make(const struct cert_spec *);
struct blob cert_der(X509 *);

/* What ceremony.mjs recorded. */
struct fx_reg {
	struct blob	 id, cd, ao;
};
struct fx_assert {
	struct blob	 id, cd, ad, sig;
};
struct fx_alg {
	struct fx_reg	 reg;
	struct fx_assert a[2];		/* with UV, counts growing */
	struct fx_assert nouv;		/* without UV */
	struct blob	 priv;		/* PKCS#8 */
};
struct fixture {
	char		 origin[256];
	char		 sub_origin[256];
	char		 sub_rp_id[256];
	struct blob	 reg_chal, nonce, login_pk, login_chal;
	struct fx_alg	 es256, eddsa;
	struct fx_reg	 packed, sub_reg;
	struct fx_assert sub_assert;
};

/* fixture_load: read the JSON that ceremony.mjs wrote; -1 on error. */
int	 fixture_load(struct fixture *, const char *);

#endif
