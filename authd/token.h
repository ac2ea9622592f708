/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Session tokens: Ed25519 JWTs bound to a login key, and the session table. */

#ifndef PCCX_TOKEN_H
#define PCCX_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "remoted/config.h"

#define TOKEN_KEYLEN		32	/* Ed25519 public key */
#define TOKEN_B64KEYLEN		43	/* base64url of 32 bytes */
#define TOKEN_SIDLEN		22	/* base64url of 16 random bytes */
#define TOKEN_MAXLEN		8192	/* a longer token is refused */
#define TOKEN_MAXSESSIONS	65536	/* default size of the table */

/* Why a token was refused; token_errname() gives the stable code. */
enum token_error {
	TOKEN_OK = 0,
	TOKEN_MALFORMED,	/* not three base64url parts of JSON */
	TOKEN_ALG,		/* alg is not EdDSA */
	TOKEN_HEADER,		/* other header members, or not our kid */
	TOKEN_BAD_SIGNATURE,
	TOKEN_CLAIMS,		/* a claim missing, mistyped or foreign */
	TOKEN_EXPIRED,
	TOKEN_FUTURE,		/* issued in the future */
	TOKEN_REVOKED,		/* no such session any more */
	TOKEN_IDLE,		/* unused for longer than the idle time */
	TOKEN_SUPERSEDED,	/* refreshed since: an older generation */
	TOKEN_FULL,		/* the session table is full */
	TOKEN_INVALID,		/* bad arguments to issue */
	TOKEN_NERRORS
};

/* What a login brings to token_issue. */
struct token_login {
	/* 1..PROTO_NAMEMAX-1 bytes */
	const char		*user;
	const char		*device;	/* 1..PROTO_NAMEMAX-1 bytes */
	const unsigned char	*login_pk;	/* TOKEN_KEYLEN bytes */
	/* project -> role; NULL: {} */
	json_t			*roles;
};

/* What a verified token says, checked against the session table. */
struct token_info {
	char			 user[PROTO_NAMEMAX];
	char			 device[PROTO_NAMEMAX];
	char			 sid[TOKEN_SIDLEN + 1];
	char			 jkt[TOKEN_B64KEYLEN + 1];
	unsigned char		 login_pk[TOKEN_KEYLEN];
	uint32_t		 gen;
	int64_t			 iat;
	int64_t			 exp;
};

struct token_store;

/*
 * A session as its keeper stores it, and what happened to it:
 * TOKEN_EV_NEW a login opened it, TOKEN_EV_GEN a refresh moved its
 * generation (and last use), TOKEN_EV_USE its last use moved (reported
 * in batches by token_flush), TOKEN_EV_END it ended (logout,
 * revocation, expiry, idle).
 */
struct token_saved {
	char		 sid[TOKEN_SIDLEN + 1];
	char		 user[PROTO_NAMEMAX];
	char		 device[PROTO_NAMEMAX];
	char		 jkt[TOKEN_B64KEYLEN + 1];
	unsigned char	 login_pk[TOKEN_KEYLEN];
	int64_t		 exp;		/* hard expiry */
	int64_t		 last_use;
	uint32_t	 gen;
};
#define TOKEN_EV_NEW	1
#define TOKEN_EV_GEN	2
#define TOKEN_EV_USE	3
#define TOKEN_EV_END	4
typedef void	(*token_sink_fn)(void *, int, const struct token_saved *);

/*
 * token_store_new: a signer and an empty session table.  pk and sk
 * are the daemon's Ed25519 key pair (crypto_sign sizes), copied; iss
 * the issuer name put in and required of every token; conf the
 * lifetimes (0 fields take the defaults: 12 h, 30 min, 60 s);
 * maxsessions the table size (0: TOKEN_MAXSESSIONS).  NULL on error.
 */
struct token_store	*token_store_new(const unsigned char *,
			    const unsigned char *, const char *,
			    const struct conf_tokens *, size_t);
/* token_store_free: wipe the secret key and free; NULL is fine. */
void			 token_store_free(struct token_store *);
/* token_store_setconf: new lifetimes after a reload (live sessions keep
 * their hard expiry; the idle time applies at once). */
void			 token_store_setconf(struct token_store *,
			    const struct conf_tokens *);

/*
 * token_issue: open a session for a login and sign its first token.
 * On TOKEN_OK *jwt is a NUL-terminated string the caller frees and,
 * when info is not NULL, it describes the session.  Refuses with
 * TOKEN_FULL when the table holds maxsessions live sessions, and
 * TOKEN_INVALID for empty or over-long names or an oversized token.
 */
enum token_error	 token_issue(struct token_store *,
			    const struct token_login *, time_t, char **,
			    struct token_info *);

/*
 * token_verify: check a token completely: its form, a header that is
 * exactly alg EdDSA with our kid, the signature, the claims (iss, and
 * exp and iat against now with the configured skew), and then the
 * session table (the session exists, is the current generation, is
 * within its hard expiry and was used within the idle time).  A session
 * found dead is dropped.  Does not count as use: see token_touch.
 */
enum token_error	 token_verify(struct token_store *, const char *,
			    time_t, struct token_info *);

/*
 * The same check in two halves, for a caller that verifies the
 * signature elsewhere (a thread).  token_verify_begin: the form, the
 * header and the claims are read; TOKEN_OK means tp is filled and
 * tp->need says whether the Ed25519 signature (tp->pk, tp->sig over
 * tp->msg, tp->len bytes: pointers into jwt and the store, which must
 * outlive tp) still needs checking; the exact bytes of a token that
 * verified before need no second check.  token_verify_end: sig_ok is
 * that check's answer (ignored when !need); then everything
 * token_verify does after the signature, in the same order, with the
 * same answers.
 */
struct token_pending {
	const unsigned char	*pk;
	const unsigned char	*msg;
	size_t			 len;
	unsigned char		 sig[64];
	unsigned char		 h[16];
	int			 need;
	int			 cacheable;	/* claims well formed */
	enum token_error	 claims;	/* the claims' verdict */
	struct token_info	 ti;		/* as the claims say */
};
enum token_error	 token_verify_begin(struct token_store *,
			    const char *, time_t, struct token_pending *);
enum token_error	 token_verify_end(struct token_store *,
			    struct token_pending *, int, time_t,
			    struct token_info *);
/*
 * token_session_key: the login key of the live session the claims of
 * tp name, into pk (TOKEN_KEYLEN bytes), when its thumbprint is the
 * claims' cnf; 0, else -1.  Decides nothing: token_verify_end does.
 */
int			 token_session_key(struct token_store *,
			    const struct token_pending *, unsigned char *);

/* token_touch: record a use of session sid at now; 0, or -1 if gone. */
int			 token_touch(struct token_store *, const char *,
			    time_t);

/*
 * token_refresh: verify jwt and, if it is good, sign its successor:
 * same session and hard expiry, generation + 1, new iat and jti, roles
 * as given now (NULL: the old token's).  The old token is refused from
 * then on (superseded).
 * The session counts as used.  *out as for token_issue.
 */
enum token_error	 token_refresh(struct token_store *, const char *,
			    json_t *, time_t, char **, struct token_info *);

/* Revocation takes effect for the next verify; each returns how many
 * sessions it ended. */
int			 token_revoke_sid(struct token_store *,
			    const char *);
int			 token_revoke_device(struct token_store *,
			    const char *);
int			 token_revoke_user(struct token_store *,
			    const char *);
/* token_expire: drop every session dead at now; returns how many. */
int			 token_expire(struct token_store *, time_t);
/* token_count: live entries in the table (dead ones not yet dropped
 * included). */
size_t			 token_count(const struct token_store *);

/*
 * token_thumbprint: the RFC 7638 thumbprint (SHA-256, base64url) of an
 * Ed25519 public key taken as an OKP JWK, into out (44 bytes).
 */
void			 token_thumbprint(const unsigned char *, char *);
/* token_jwks: {"keys":[the signing key as an OKP JWK]}, to free. */
char			*token_jwks(const struct token_store *);
/* token_kid: the signing key's thumbprint, as put in every header. */
const char		*token_kid(const struct token_store *);

/*
 * token_store_sink: fn(arg, event, session) is called, on the caller's
 * thread, for every change to the table from now on (NULL: none).
 */
void			 token_store_sink(struct token_store *,
			    token_sink_fn, void *);
/*
 * token_flush: report TOKEN_EV_USE for each session used since the
 * last flush; returns how many.  A use costs the request path only a
 * flag: this is the batch.
 */
int			 token_flush(struct token_store *);
/*
 * token_restore: put a session kept by the sink back in the table, as
 * it was (no event).  TOKEN_EXPIRED or TOKEN_IDLE when dead at now,
 * TOKEN_FULL, TOKEN_INVALID for a malformed record (names, sid, a jkt
 * that is not the key's thumbprint, a sid already there).
 */
enum token_error	 token_restore(struct token_store *,
			    const struct token_saved *, time_t);

/* token_has: non-zero when session sid is in the table (no use). */
int			 token_has(struct token_store *, const char *);

/* token_errname: the stable code ("expired"); token_errmsg: a sentence
 * for a person. */
const char		*token_errname(enum token_error);
const char		*token_errmsg(enum token_error);

#endif
