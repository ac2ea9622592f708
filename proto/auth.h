/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Messages of the auth daemon: configuration, logins, checks, control. */

#ifndef PCCX_PROTO_AUTH_H
#define PCCX_PROTO_AUTH_H

#include <stdint.h>

#include "proto/proto.h"

/*
 * The login, as the front end and the auth daemon run it:
 *
 * 1. POST /v1/auth/login (public) {"login_key": K}, K the base64url
 *    Ed25519 public key the client made for this login.  The front
 *    sends MSG_AUTH_LOGIN; auth starts OIDC and keeps a pending login
 *    {L, K, OIDC state}; the answer is {"login_id": L,
 *    "authorization_url": U}.
 * 2. GET /v1/auth/callback?code=&state= (public): MSG_AUTH_CALLBACK.
 *    auth finishes OIDC; the identity must be a configured user.  The
 *    answer is the login page carrying a one-time step handle S and
 *    the WebAuthn request options (challenge =
 *    webauthn_login_challenge(nonce, K), the user's credential ids,
 *    rpId); a user with no device yet is offered registration with an
 *    enrolment code instead.
 * 3. POST /v1/auth/webauthn (public, from the page) {"step": S,
 *    "credential": {...}}: MSG_AUTH_WEBAUTHN.  auth verifies the
 *    assertion (UP, UV, rpIdHash, origin, counter forward) and issues
 *    the token for the pending login.
 * 4. POST /v1/auth/token (public, signed with K, keyid = thumbprint of
 *    K) {"login_id": L}: MSG_AUTH_TOKEN.  202 {"status":"pending"}
 *    until step 3 is done (after step 2 also "webauthn": the page's
 *    data, for a client that runs step 3 itself), then {"token": JWT},
 *    once.
 * 5. Every other route: Authorization: Bearer JWT, X-Device-Key (the
 *    device's WireGuard public key), and an RFC 9421 signature over
 *    @method, @target-uri and content-digest with created, nonce and
 *    keyid = the token's cnf thumbprint.  The front sends one
 *    MSG_AUTH_CHECK per request; auth answers MSG_AUTH_ALLOW with the
 *    identity, or MSG_AUTH_REPLY with the refusal to send.  Checks are
 *    pipelined and matched by peer id.
 * 6. POST /v1/auth/refresh, /v1/auth/logout: MSG_AUTH_REFRESH and
 *    MSG_AUTH_LOGOUT carry the same checks as 5 and act on the token.
 * 7. POST /v1/devices/register/begin and /finish (step handle from 2,
 *    enrolment code, WireGuard public key), GET /v1/devices, DELETE
 *    /v1/devices/{id}: MSG_AUTH_DEV_*; list and delete are checked as
 *    in 5.
 * 8. Refusals for rate limits carry Retry-After.
 * 9. pccxctl enrol USER and pccxctl revoke user|device|session ID send
 *    MSG_AUTH_CTL_* to the parent, which relays them to auth; auth
 *    answers the parent with MSG_CTL_RESULT under the same peer id.
 */
enum auth_msg_type {
	MSG_AUTH_CONF_RESET = MSG_AUTH_BASE,	/* parent -> auth, empty */
	MSG_AUTH_CONF_USER,		/* parent -> auth */
	MSG_AUTH_CONF_MEMBER,		/* parent -> auth */
	MSG_AUTH_CONF_OIDC,		/* parent -> auth */
	MSG_AUTH_CONF_WEBAUTHN,		/* parent -> auth */
	/* parent -> auth: tokens, limits */
	MSG_AUTH_CONF_TOKENS,
	MSG_AUTH_LOGIN,			/* front -> auth, p_auth_req */
	MSG_AUTH_CALLBACK,
	MSG_AUTH_WEBAUTHN,
	MSG_AUTH_TOKEN,
	MSG_AUTH_CHECK,
	MSG_AUTH_REFRESH,
	MSG_AUTH_LOGOUT,
	MSG_AUTH_DEV_BEGIN,
	MSG_AUTH_DEV_FINISH,
	MSG_AUTH_DEV_LIST,
	MSG_AUTH_DEV_DELETE,		/* last of p_auth_req */
	MSG_AUTH_ALLOW,			/* auth -> front */
	MSG_AUTH_REPLY,			/* auth -> front */
	MSG_AUTH_CTL_ENROL,		/* ctl -> parent -> auth */
	MSG_AUTH_CTL_REVOKE,		/* ctl -> parent -> auth */
	MSG_AUTH_CONF_TUNNEL,		/* parent -> auth */
	MSG_AUTH_TYPE_MAX
};

#define AUTH_METHODMAX		16
#define AUTH_URIMAX		2048
#define AUTH_TOKENMAX		8200	/* "Bearer " and a token */
#define AUTH_FIELDMAX		1024	/* signature fields */
#define AUTH_ADDRMAX		64
#define AUTH_ARGMAX		1024	/* query values, a device id */
#define AUTH_BODYMAX		32768	/* a client's JSON */
#define AUTH_REPLYMAX		60000	/* a JSON or HTML answer */
#define AUTH_ACTION_NONE	255
#define AUTH_ACTION_BYNAME	254	/* the action's name is in arg */

struct p_auth_user {
	char		name[PROTO_NAMEMAX];
	char		account[PROTO_NAMEMAX];
};

struct p_auth_member {
	char		project[PROTO_NAMEMAX];
	char		user[PROTO_NAMEMAX];
	/* ROLE_VIEWER .. ROLE_OWNER */
	uint8_t		role;
};

struct p_auth_oidc {
	uint8_t		set;
	char		issuer[512];
	char		client_id[256];
	char		ca_file[PATH_MAX];
	char		redirect_uri[512];
	char		claim[64];
	char		scopes[256];
};

#define AUTH_MAXORIGINS		8

struct p_auth_webauthn {
	char		rp_id[256];
	uint8_t		norigins;	/* 1 .. AUTH_MAXORIGINS */
	char		origins[AUTH_MAXORIGINS][256];
	uint8_t		uv_required;
};

struct p_auth_tokens {
	uint32_t	lifetime;
	uint32_t	idle;
	uint32_t	skew;
	uint32_t	addr_rate;
	uint32_t	addr_burst;
	uint32_t	user_rate;
	uint32_t	user_burst;
};

/*
 * What a client needs to reach the suite through its tunnel, given in
 * the token answer: the suite's WireGuard public key (base64) and UDP
 * port, its own tunnel addresses (without prefix, "" when none), and
 * the URL of the API on the tunnel door ("" when none is configured),
 * and the TLS fallback's listener as "ADDR:PORT" or "[ADDR]:PORT" (""
 * when there is none).  set is 0 when there is no tunnel.
 */
#define AUTH_WGKEYMAX		45
#define AUTH_TUNADDRMAX		64
#define AUTH_APIMAX		128

struct p_auth_tunnel {
	uint8_t		set;
	char		key[AUTH_WGKEYMAX];
	uint16_t	port;
	char		addr4[AUTH_TUNADDRMAX];
	char		addr6[AUTH_TUNADDRMAX];
	char		api[AUTH_APIMAX];
	char		fallback[AUTH_TUNADDRMAX + 8];
};

#define P_AUTH_TUNNEL_MIN	(1 + 2 + 2 + 4 * 2)
#define P_AUTH_TUNNEL_MAX	(P_AUTH_TUNNEL_MIN + AUTH_WGKEYMAX - 1 + \
	2 * (AUTH_TUNADDRMAX - 1) + AUTH_APIMAX - 1 + AUTH_TUNADDRMAX + 7)

/*
 * A client's request as the front end saw it.  target is the absolute
 * URI (scheme and host from the listener and Host header, then the
 * target as sent); body_sha256 the SHA-256 the front computed over
 * the body; the header fields are "" when absent.  arg carries the
 * route's argument (state and code joined by a space for the
 * callback, a device id for delete), door the kind of listener.
 */
struct p_auth_req {
	/* enum rbac_action, or NONE */
	uint8_t		action;
	char		method[AUTH_METHODMAX];
	char		target[AUTH_URIMAX];
	uint8_t		body_sha256[32];
	char		authorization[AUTH_TOKENMAX];
	char		device_key[AUTH_FIELDMAX];
	char		sig_input[AUTH_FIELDMAX];
	char		signature[AUTH_FIELDMAX];
	char		content_digest[AUTH_FIELDMAX];
	char		addr[AUTH_ADDRMAX];
	char		project[PROTO_NAMEMAX];
	char		arg[AUTH_ARGMAX];
	char		body[AUTH_BODYMAX];
	/*
	 * LISTEN_* of the front end's listener.  On LISTEN_TUNNEL, addr
	 * must be the tunnel address of the token's session.
	 */
	uint8_t		door;
};

/*
 * A request that passed every check, and who made it.  For events.read
 * also what the user may read: the rows of projects, and with
 * events_suite the rows of no project (nprojects 0 otherwise).
 */
#define AUTH_MAXPROJECTS	64

struct p_auth_allow {
	char		user[PROTO_NAMEMAX];
	char		device[PROTO_NAMEMAX];
	char		sid[PROTO_NAMEMAX];
	uint8_t		events_suite;
	/* the caller may act on anyone's sessions in the gated project */
	uint8_t		any;
	/* events.read: the grant sent to the audit daemon; 0: none */
	uint64_t	grant;
	uint8_t		nprojects;	/* 0 .. AUTH_MAXPROJECTS */
	char		projects[AUTH_MAXPROJECTS][PROTO_NAMEMAX];
};

/* Bounds of an encoded MSG_AUTH_ALLOW. */
#define P_AUTH_ALLOW_MIN	(3 * 2 + 3 + 8)
#define P_AUTH_ALLOW_MAX	(P_AUTH_ALLOW_MIN + 3 * PROTO_NAMEMAX +	\
	AUTH_MAXPROJECTS * (2 + PROTO_NAMEMAX))

/* What to answer: a status, JSON (or the login page), Retry-After. */
struct p_auth_reply {
	uint16_t	status;		/* 200 .. 599 */
	uint8_t		html;		/* body is the login page */
	uint32_t	retry_after;	/* seconds; 0: none */
	char		body[AUTH_REPLYMAX];
};

/* An operator's command: enrol a user, or revoke one thing. */
struct p_auth_ctl {
	uint8_t		kind;
#define AUTH_CTL_USER		1
#define AUTH_CTL_DEVICE		2
#define AUTH_CTL_SESSION	3
	char		id[PROTO_NAMEMAX];
};

int	proto_send_auth_user(struct chan *, const struct p_auth_user *);
int	proto_get_auth_user(const struct msg *, struct p_auth_user *);
int	proto_send_auth_member(struct chan *, const struct p_auth_member *);
int	proto_get_auth_member(const struct msg *, struct p_auth_member *);
int	proto_send_auth_oidc(struct chan *, const struct p_auth_oidc *);
int	proto_get_auth_oidc(const struct msg *, struct p_auth_oidc *);
int	proto_send_auth_webauthn(struct chan *,
	    const struct p_auth_webauthn *);
int	proto_get_auth_webauthn(const struct msg *,
	    struct p_auth_webauthn *);
int	proto_send_auth_tunnel(struct chan *, const struct p_auth_tunnel *);
int	proto_get_auth_tunnel(const struct msg *, struct p_auth_tunnel *);
int	proto_send_auth_tokens(struct chan *, const struct p_auth_tokens *);
int	proto_get_auth_tokens(const struct msg *, struct p_auth_tokens *);
/* type is one of MSG_AUTH_LOGIN .. MSG_AUTH_DEV_DELETE. */
int	proto_send_auth_req(struct chan *, uint16_t, uint32_t,
	    const struct p_auth_req *);
int	proto_get_auth_req(const struct msg *, struct p_auth_req *);
int	proto_send_auth_allow(struct chan *, uint32_t,
	    const struct p_auth_allow *);
int	proto_get_auth_allow(const struct msg *, struct p_auth_allow *);
int	proto_send_auth_reply(struct chan *, uint32_t,
	    const struct p_auth_reply *);
int	proto_get_auth_reply(const struct msg *, struct p_auth_reply *);
/* type is MSG_AUTH_CTL_ENROL or MSG_AUTH_CTL_REVOKE. */
int	proto_send_auth_ctl(struct chan *, uint16_t, uint32_t,
	    const struct p_auth_ctl *);
int	proto_get_auth_ctl(const struct msg *, struct p_auth_ctl *);
/* proto_auth_id_ok: non-zero when s may name a user, device, session. */
int	proto_auth_id_ok(const char *);
/* proto_send_ctl_result_id: MSG_CTL_RESULT under a peer id. */
int	proto_send_ctl_result_id(struct chan *, uint32_t,
	    const struct p_ctl_result *);

/* proto_auth_decode_any: run the decoder of m's type, for the fuzzer. */
void	proto_auth_decode_any(const struct msg *);

#endif
