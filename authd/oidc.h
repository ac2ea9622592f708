/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* OpenID Connect relying party: code flow with PKCE, state and nonce. */

#ifndef PCCX_OIDC_H
#define PCCX_OIDC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct conf_oidc;
struct event_base;
struct jose_jwks;
struct oidc;

/* base64url of 32 random bytes */
#define OIDC_STATE_LEN		43
#define OIDC_PENDING_MAX	1024	/* logins started, not finished */
#define OIDC_PENDING_TTL	600	/* seconds a state stays usable */
#define OIDC_IAT_MAX_AGE	600	/* seconds an ID token may be old */
#define OIDC_JWKS_REFETCH	30	/* seconds between JWKS refetches */
/* seconds a discovery is kept */
#define OIDC_DISC_TTL		86400
#define OIDC_SKEW_MAX		300
#define OIDC_URL_MAX		4096
#define OIDC_CODE_MAX		1024
#define OIDC_IDENTITY_MAX	256	/* with the NUL */
#define OIDC_SECRET_MAX		512

/* Why a login failed; oidc_strerror() gives each a stable name. */
enum oidc_err {
	OIDC_OK = 0,
	OIDC_E_INTERNAL,
	OIDC_E_BUSY,
	OIDC_E_UNAVAILABLE,	/* the provider could not be reached */
	OIDC_E_DISCOVERY,	/* discovery document refused */
	OIDC_E_JWKS,		/* key set refused */
	OIDC_E_BAD_STATE,	/* never issued, or evicted */
	OIDC_E_STATE_REUSED,
	OIDC_E_STATE_EXPIRED,
	OIDC_E_BAD_CODE,	/* malformed code parameter */
	OIDC_E_CODE_REJECTED,	/* token endpoint: invalid_grant */
	OIDC_E_CLIENT_REJECTED,	/* token endpoint: invalid_client */
	OIDC_E_TOKEN_ERROR,	/* any other token endpoint failure */
	OIDC_E_MALFORMED,	/* ID token not a well-formed JWT */
	OIDC_E_ALG_REFUSED,
	OIDC_E_UNKNOWN_KID,
	OIDC_E_BAD_SIGNATURE,
	OIDC_E_BAD_ISS,
	OIDC_E_BAD_AUD,
	OIDC_E_BAD_AZP,
	OIDC_E_BAD_SUB,
	OIDC_E_EXPIRED,
	OIDC_E_NOT_YET_VALID,	/* nbf in the future */
	OIDC_E_IAT_FUTURE,
	OIDC_E_IAT_OLD,
	OIDC_E_NONCE_MISSING,
	OIDC_E_NONCE_MISMATCH,
	OIDC_E_USERINFO,	/* userinfo endpoint failed or refused */
	OIDC_E_USERINFO_SUB,	/* userinfo is about another subject */
	OIDC_E_NO_IDENTITY,	/* the configured claim is nowhere */
	OIDC_E_BAD_IDENTITY,	/* claim not a short printable string */
	OIDC_E_EMAIL_UNVERIFIED,
	OIDC_E_MAX
};

/* A login to send the browser to; valid only during the callback. */
struct oidc_login {
	/* authorisation request */
	const char	*url;
	/* OIDC_STATE_LEN chars */
	const char	*state;
};

/* Who logged in; valid only during the callback. */
struct oidc_identity {
	const char	*identity;		/* the configured claim */
	/* its name, e.g. "email" */
	const char	*claim;
	const char	*sub;
	/* not in the ID token */
	int		 from_userinfo;
};

/* What an ID token must satisfy, for oidc_idtoken_verify(). */
struct oidc_expect {
	const char	*issuer;
	const char	*client_id;
	const char	*nonce;
	time_t		 now;
	uint32_t	 skew;
};

struct oidc_stats {
	uint64_t	 discovery;		/* fetches started */
	uint64_t	 jwks;
	uint64_t	 token;
	uint64_t	 userinfo;
	size_t		 pending;		/* states not yet used */
};

/* oidc_strerror: "bad_state", "alg_refused", ...; never NULL. */
const char	*oidc_strerror(enum oidc_err);
/*
 * oidc_new: a relying party for conf on base.  The client secret is
 * read from secretfd (which stays open, the caller's), the CA file
 * now: call it in setup(), before chroot.  skew is the clock skew
 * allowed on token times, at most OIDC_SKEW_MAX.  Nothing is fetched
 * yet.  NULL, with the reason logged, on a bad configuration.
 */
struct oidc	*oidc_new(struct event_base *, const struct conf_oidc *, int,
		    uint32_t);
/* oidc_free: drop every pending login and request, without callbacks. */
void		 oidc_free(struct oidc *);
/*
 * oidc_login_start: make a state, nonce and PKCE verifier (single
 * use, OIDC_PENDING_TTL seconds; the oldest is evicted past
 * OIDC_PENDING_MAX) and the authorisation URL, fetching the discovery
 * document first if needed.  OIDC_OK: cb runs once, later, from the
 * event loop.  Any other code: cb never runs.
 */
enum oidc_err	 oidc_login_start(struct oidc *,
		    void (*)(enum oidc_err, const struct oidc_login *, void *),
		    void *);
/*
 * oidc_callback: finish a login from the redirect's state and code:
 * the state is consumed at once, the code exchanged with the PKCE
 * verifier, the ID token verified, the identity taken from it or from
 * the userinfo endpoint.  A bad, reused or expired state is returned
 * here and cb never runs; OIDC_OK: cb runs once from the event loop.
 */
enum oidc_err	 oidc_callback(struct oidc *, const char *, const char *,
		    void (*)(enum oidc_err, const struct oidc_identity *,
		    void *), void *);
/*
 * oidc_idtoken_check: verify an ID token against this issuer's keys
 * (refetched once, at most every OIDC_JWKS_REFETCH seconds, when its
 * kid is unknown) and nonce, and take the identity from it alone.
 * Same calling rules as oidc_callback.
 */
enum oidc_err	 oidc_idtoken_check(struct oidc *, const char *,
		    const char *,
		    void (*)(enum oidc_err, const struct oidc_identity *,
		    void *), void *);
/*
 * oidc_idtoken_verify: the ID token checks alone, against set: JWS
 * with RS256, ES256 or EdDSA as the key chosen by kid dictates; iss,
 * aud, azp, sub, exp, nbf, iat and nonce.  On OIDC_OK *claims (if
 * claims is not NULL) holds the payload, to json_decref().
 */
enum oidc_err	 oidc_idtoken_verify(const struct oidc_expect *,
		    const struct jose_jwks *, const char *, size_t,
		    json_t **);
/* oidc_stats: counters, for status and tests. */
void		 oidc_stats(const struct oidc *, struct oidc_stats *);
/* oidc_set_clock: replace time(NULL) for token times; for tests. */
void		 oidc_set_clock(struct oidc *, time_t (*)(void));
/* oidc_fetch: the transfer engine, to tune its limits in tests. */
struct fetch	*oidc_fetch(struct oidc *);

#endif
