/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* HTTP Message Signatures (RFC 9421) with the login key, Content-Digest. */

#ifndef PCCX_HTTPSIG_H
#define PCCX_HTTPSIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HTTPSIG_WINDOW		60	/* seconds either side of now */
/*
 * Nonces remembered at most (44 bytes each): a window's worth of about
 * 17,000 signed requests a second; past that, requests are refused as
 * busy.  The cache starts at a sixteenth of that and doubles under load.
 */
#define HTTPSIG_CACHE		1048576
#define HTTPSIG_NONCE_MIN	16
#define HTTPSIG_NONCE_MAX	64
#define HTTPSIG_KEYID_MAX	128
#define HTTPSIG_LABEL_MAX	64
/* the serialised @signature-params */
#define HTTPSIG_PARAMS_MAX	1024
#define HTTPSIG_SIGLEN		64

/* Why a request signature was refused; httpsig_errname() for codes. */
enum httpsig_error {
	HTTPSIG_OK = 0,
	/* Signature or Signature-Input absent */
	HTTPSIG_NO_SIGNATURE,
	/* unparsable, >1 signature, params */
	HTTPSIG_BAD_SIGNATURE_INPUT,
	/* not exactly the three we require */
	HTTPSIG_COMPONENTS,
	/* created too long ago, or expired */
	HTTPSIG_STALE,
	HTTPSIG_FUTURE,			/* created too far ahead */
	HTTPSIG_REPLAYED,		/* nonce seen within the window */
	HTTPSIG_KEYID,			/* not the token's login key */
	HTTPSIG_BAD_SIGNATURE,
	HTTPSIG_DIGEST_MISMATCH,	/* Content-Digest is not the body's */
	/* no usable sha-256 Content-Digest */
	HTTPSIG_DIGEST_MISSING,
	/* nonce cache full of live nonces */
	HTTPSIG_BUSY,
	HTTPSIG_NERRORS
};

/*
 * A request as the front end saw it.  Header values are the field
 * values with several field lines combined by ", " (RFC 9110 5.3);
 * NULL when the field is absent.  target_uri is the absolute URI:
 * scheme, the Host authority, the path and query as sent.  Every
 * request covers Content-Digest, a bodiless one with the digest of
 * the empty body.  body_sha256, when not NULL, is the SHA-256 of the
 * body (for a body hashed while it streamed) and body is not read.
 */
struct httpsig_request {
	const char		*method;
	const char		*target_uri;
	const char		*signature_input;
	const char		*signature;
	const char		*content_digest;
	const unsigned char	*body;
	size_t			 bodylen;
	const unsigned char	*body_sha256;
};

/* Covered components, all required, in the order the signer chose. */
enum httpsig_comp {
	HTTPSIG_C_METHOD = 0,
	HTTPSIG_C_TARGET_URI,
	HTTPSIG_C_CONTENT_DIGEST,
	HTTPSIG_NCOMP
};

/* One parsed signature: what Signature-Input and Signature say. */
struct httpsig_sig {
	char		 label[HTTPSIG_LABEL_MAX];
	/* enum httpsig_comp, in order */
	int		 comp[HTTPSIG_NCOMP];
	int64_t		 created;
	int64_t		 expires;		/* 0: none */
	char		 nonce[HTTPSIG_NONCE_MAX + 1];
	char		 keyid[HTTPSIG_KEYID_MAX + 1];
	char		 params[HTTPSIG_PARAMS_MAX];	/* serialised */
	unsigned char	 sig[HTTPSIG_SIGLEN];
};

struct httpsig;

/*
 * httpsig_new: a verifier accepting signatures created within window
 * seconds of now (0: HTTPSIG_WINDOW), remembering up to cache nonces
 * (0: HTTPSIG_CACHE) in a table that grows as they come.  NULL on
 * error.
 */
struct httpsig	*httpsig_new(uint32_t, size_t);
void		 httpsig_free(struct httpsig *);

/*
 * httpsig_verify: check req's one signature against the login key:
 * keyid must equal the token's cnf thumbprint keyid and pk its
 * Ed25519 public key.  In order: the fields parse, exactly one
 * signature covering exactly @method, @target-uri and content-digest
 * with created, nonce and keyid (alg "ed25519" and expires allowed),
 * keyid matches, created within the window, a sha-256 Content-Digest
 * is present, the signature verifies over the RFC 9421 signature base,
 * the digest is the body's, and the nonce is new for this keyid (then
 * remembered until the signature would be stale anyway).
 */
enum httpsig_error httpsig_verify(struct httpsig *,
		    const struct httpsig_request *, const char *,
		    const unsigned char *, time_t);

/*
 * The same check in two halves, for a caller that verifies the
 * signature elsewhere (a thread).  httpsig_verify_begin: every check
 * before the signature; HTTPSIG_OK means hp holds the signature
 * (hp->sig.sig) over hp->base, hp->len bytes, to verify with pk.
 * httpsig_verify_end: sig_ok is that verification's answer; then the
 * digest and the nonce, as httpsig_verify.  hp->base is freed by end,
 * or by httpsig_pending_clear when end is not reached.
 */
struct httpsig_pending {
	struct httpsig_sig	 sig;
	char			*base;
	size_t			 len;
	const unsigned char	*pk;
	int			 digest_ok;
	unsigned char		 id[16];
};
enum httpsig_error httpsig_verify_begin(struct httpsig *,
		    const struct httpsig_request *, const char *,
		    const unsigned char *, time_t, struct httpsig_pending *);
enum httpsig_error httpsig_verify_end(struct httpsig *,
		    struct httpsig_pending *, int, time_t);
void		 httpsig_pending_clear(struct httpsig_pending *);

/*
 * httpsig_digest_check: does a Content-Digest field value carry a
 * sha-256 digest equal to sha256 (32 bytes)?  Compared in constant
 * time.  HTTPSIG_OK, HTTPSIG_DIGEST_MISSING or HTTPSIG_DIGEST_MISMATCH.
 */
enum httpsig_error httpsig_digest_check(const char *,
		    const unsigned char *);

/*
 * The pieces, for tests and the fuzzer.  httpsig_parse reads the two
 * fields into sig (HTTPSIG_OK, HTTPSIG_NO_SIGNATURE,
 * HTTPSIG_BAD_SIGNATURE_INPUT or HTTPSIG_COMPONENTS).  httpsig_base
 * builds the signature base for sig over req into a new buffer *out
 * of *outlen bytes (not NUL-terminated); 0, or -1 when a component
 * value is missing or holds bytes a base cannot carry.
 */
enum httpsig_error httpsig_parse(const char *, const char *,
		    struct httpsig_sig *);
int		 httpsig_base(const struct httpsig_sig *,
		    const struct httpsig_request *, char **, size_t *);

/* httpsig_errname: the stable code ("replayed"); httpsig_errmsg: a
 * sentence for a person. */
const char	*httpsig_errname(enum httpsig_error);
const char	*httpsig_errmsg(enum httpsig_error);
/* httpsig_cache_count: nonces held (expired ones not yet dropped
 * included). */
size_t		 httpsig_cache_count(const struct httpsig *);

#endif
