/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebAuthn registration and assertion verification for the auth daemon. */

#ifndef AUTHD_WEBAUTHN_H
#define AUTHD_WEBAUTHN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define WEBAUTHN_CREDID_MAX	1023	/* WebAuthn credentialIdLength */
#define WEBAUTHN_COSE_MAX	128	/* an ES256 key is 77 bytes */
#define WEBAUTHN_CLIENTDATA_MAX	4096
#define WEBAUTHN_ATTOBJ_MAX	16384	/* CBOR_MAXSIZE */
#define WEBAUTHN_AUTHDATA_MAX	16384
#define WEBAUTHN_SIG_MAX	1024
#define WEBAUTHN_CHALLENGE_MIN	16
#define WEBAUTHN_CHALLENGE_MAX	64
#define WEBAUTHN_X5C_MAX	8	/* certificates in one x5c */

/* authenticatorData flags (WebAuthn section 6.1). */
#define WEBAUTHN_FLAG_UP	0x01	/* user present */
#define WEBAUTHN_FLAG_UV	0x04	/* user verified */
#define WEBAUTHN_FLAG_BE	0x08	/* backup eligible */
#define WEBAUTHN_FLAG_BS	0x10	/* backed up */
#define WEBAUTHN_FLAG_AT	0x40	/* attested credential data */
#define WEBAUTHN_FLAG_ED	0x80	/* extension data */

#define WEBAUTHN_ALG_ES256	(-7)	/* COSE algorithm identifiers */
#define WEBAUTHN_ALG_EDDSA	(-8)

/* Why a ceremony was refused; webauthn_strerror gives a stable name. */
enum webauthn_err {
	WEBAUTHN_OK = 0,
	WEBAUTHN_ERR_BAD_INPUT,		/* "bad_input": sizes, NULLs */
	WEBAUTHN_ERR_BAD_CLIENTDATA,	/* "bad_clientdata": not JSON */
	WEBAUTHN_ERR_BAD_TYPE,		/* "bad_type" */
	WEBAUTHN_ERR_BAD_CHALLENGE,	/* "bad_challenge" */
	WEBAUTHN_ERR_BAD_ORIGIN,	/* "bad_origin" */
	WEBAUTHN_ERR_CROSS_ORIGIN,	/* "cross_origin" */
	WEBAUTHN_ERR_BAD_CBOR,		/* "bad_cbor" */
	WEBAUTHN_ERR_BAD_AUTHDATA,	/* "bad_authdata": layout, flags */
	WEBAUTHN_ERR_BAD_RPID,		/* "bad_rpid": rpIdHash */
	WEBAUTHN_ERR_UP_MISSING,	/* "up_missing" */
	WEBAUTHN_ERR_UV_MISSING,	/* "uv_missing" */
	WEBAUTHN_ERR_BAD_CREDID,	/* "bad_credid": length, mismatch */
	WEBAUTHN_ERR_BAD_KEY,		/* "bad_key": COSE key */
	WEBAUTHN_ERR_BAD_ATTESTATION,	/* "bad_attestation" */
	WEBAUTHN_ERR_UNTRUSTED,		/* "untrusted_attestation" */
	WEBAUTHN_ERR_BAD_SIGNATURE,	/* "bad_signature" */
	WEBAUTHN_ERR_COUNTER_REGRESSED,	/* "counter_regressed" */
	WEBAUTHN_ERR_INTERNAL,		/* "internal": out of memory */
};

enum webauthn_att {
	WEBAUTHN_ATT_NONE = 1,		/* fmt "none": nothing proven */
	WEBAUTHN_ATT_SELF,		/* packed, signed by the new key */
	WEBAUTHN_ATT_BASIC_UNTRUSTED,	/* packed x5c, no anchors set */
	WEBAUTHN_ATT_BASIC,		/* packed x5c chained to an anchor */
};

/*
 * The relying party: rp_id is hashed for rpIdHash; origins are the
 * exact strings clientDataJSON.origin may hold (compared whole, byte
 * for byte); uv_required demands the UV flag; anchors, when not NULL,
 * are the roots an x5c attestation chain must reach.
 */
struct webauthn_rp {
	const char		*rp_id;
	const char *const	*origins;
	size_t			 norigins;
	int			 uv_required;
	X509_STORE		*anchors;
};

/* A registration response, and the challenge the server issued. */
struct webauthn_reg {
	const uint8_t		*clientdata;	/* clientDataJSON */
	size_t			 clientdatalen;
	const uint8_t		*attobj;	/* attestationObject */
	size_t			 attobjlen;
	const uint8_t		*challenge;
	size_t			 challengelen;
};

/*
 * A registered credential.  cose is the credential public key as the
 * authenticator encoded it (what to store); pk is the same key raw,
 * ready for libfido2: x || y for ES256 (es256_pk_from_ptr), 32 bytes
 * for EdDSA (eddsa_pk_from_ptr).
 */
struct webauthn_cred {
	uint8_t			 id[WEBAUTHN_CREDID_MAX];
	size_t			 idlen;
	uint8_t			 cose[WEBAUTHN_COSE_MAX];
	size_t			 coselen;
	int			 alg;		/* WEBAUTHN_ALG_* */
	uint8_t			 pk[64];
	size_t			 pklen;
	uint32_t		 sign_count;
	uint8_t			 aaguid[16];
	uint8_t			 flags;
	enum webauthn_att	 att;
};

/* An assertion response, with the challenge the server issued. */
struct webauthn_assertion {
	const uint8_t		*cred_id;	/* rawId */
	size_t			 cred_idlen;
	const uint8_t		*clientdata;
	size_t			 clientdatalen;
	/* authenticatorData, raw */
	const uint8_t		*authdata;
	size_t			 authdatalen;
	const uint8_t		*sig;
	size_t			 siglen;
	const uint8_t		*challenge;
	size_t			 challengelen;
};

/* What the server kept from the registration. */
struct webauthn_stored {
	const uint8_t		*cred_id;
	size_t			 cred_idlen;
	/* webauthn_cred.cose */
	const uint8_t		*cose;
	size_t			 coselen;
	uint32_t		 sign_count;	/* last count seen */
};

struct webauthn_result {
	uint32_t		 sign_count;	/* store this one next */
	uint8_t			 flags;
};

/*
 * webauthn_register: verify a registration (WebAuthn section 7.1) for
 * rp and fill *cred.  Checks clientData (type "webauthn.create", the
 * challenge, an exact origin, not cross-origin), authenticatorData
 * (rpIdHash, UP, UV when required, attested credential data, no stray
 * bytes), the COSE key (ES256 on P-256 or Ed25519) and the attestation
 * ("none", or "packed" self or x5c).  With an x5c chain and no anchors
 * the credential is accepted as WEBAUTHN_ATT_BASIC_UNTRUSTED.  On
 * error, *why (when why is not NULL) names the failed check.
 */
enum webauthn_err	 webauthn_register(const struct webauthn_rp *,
			    const struct webauthn_reg *,
			    struct webauthn_cred *, const char **);

/*
 * webauthn_assert: verify an assertion (WebAuthn section 7.2) against
 * the stored credential: clientData (type "webauthn.get", challenge,
 * exact origin), rpIdHash, UP, UV when required, the signature (with
 * libfido2, UP and UV demanded explicitly) and the counter, which must
 * grow unless it is zero both stored and now.  On success *res holds
 * the new count to store.  *why as for webauthn_register.
 */
enum webauthn_err	 webauthn_assert(const struct webauthn_rp *,
			    const struct webauthn_assertion *,
			    const struct webauthn_stored *,
			    struct webauthn_result *, const char **);

/*
 * webauthn_login_challenge: the challenge of a login, which binds the
 * client's per-login Ed25519 key:
 *   out = SHA-256("pccx-remote webauthn login v1" || nonce || pk)
 * where the label is its 29 ASCII bytes, without a terminating NUL,
 * nonce the server's 32 random bytes and pk the 32-byte key.
 */
void			 webauthn_login_challenge(const uint8_t [32],
			    const uint8_t [32], uint8_t [32]);

/*
 * webauthn_cose_pkey: an EVP_PKEY for a stored COSE key, after the
 * same checks as at registration; NULL when the key is refused.
 */
EVP_PKEY		*webauthn_cose_pkey(const uint8_t *, size_t);

/*
 * webauthn_anchors_load: read PEM trust anchors for x5c attestation
 * from path (before the chroot); NULL, with a warning, on error.
 */
X509_STORE		*webauthn_anchors_load(const char *);

/* Names: "bad_origin"..., and "none", "self", "basic"... */
const char		*webauthn_strerror(enum webauthn_err);
const char		*webauthn_att_name(enum webauthn_att);

#endif /* AUTHD_WEBAUTHN_H */
