/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The login and device routes, relayed to the auth daemon. */

/*
 * The protocol (proto/auth.h says the same from the messages' side):
 *
 * 1. POST /v1/auth/login (public) {"login_key": K}, K the base64url
 *    Ed25519 public key the client made for this login ->
 *    {"login_id": L, "authorization_url": U}.
 * 2. GET /v1/auth/callback?code=&state= (public): auth finishes OIDC;
 *    the identity must be a configured user.  The answer is the login
 *    page (login_page.c) with a one-time step handle and the WebAuthn
 *    request options (challenge = webauthn_login_challenge(nonce, K),
 *    the user's credential ids, rpId), or, for a user without a
 *    device, the registration form that takes an enrolment code.
 * 3. POST /v1/auth/webauthn (public, called by the page) {"step": S,
 *    "credential": {...}}: auth verifies the assertion and issues the
 *    token for the pending login.
 * 4. POST /v1/auth/token (public, signed) {"login_id": L}: an RFC 9421
 *    signature made with K (keyid = its thumbprint); 202
 *    {"status":"pending"} until step 3 is done (past step 2 with
 *    "webauthn": the page's data, for a client with its own key),
 *    then {"token": JWT}, once.
 * 5. Every other route passes authgate.c: Authorization: Bearer JWT,
 *    X-Device-Key, and a signature over @method, @target-uri and
 *    content-digest with created, nonce and keyid = the token's cnf
 *    thumbprint.
 * 6. POST /v1/auth/refresh and /v1/auth/logout (authenticated): a new
 *    token for the session; the session ends.
 * 7. POST /v1/devices/register/begin and /finish (the page of step 2,
 *    with an enrolment code and the WireGuard public key), GET
 *    /v1/devices, DELETE /v1/devices/{id} (own devices).
 * 8. Rate limits answer 429 with Retry-After; failed logins back off.
 * 9. pccxctl revoke user|device|session ID holds from the next request.
 *
 * Routes 6 and 7 carry the same checks as 5, but the auth daemon runs
 * them and the action in one message (the signature's nonce can be
 * used once), so the server does not put its gate in front of them:
 * they are marked ROUTE_PUBLIC for the server and are not public.
 * GET /v1/auth/check?project=P&action=A is gated like any route and
 * answers whether the caller may do A in P.
 */

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "authgate.h"
#include "frontd.h"

static void	auth_login(struct http_req *);
static void	auth_callback(struct http_req *);
static void	auth_webauthn(struct http_req *);
static void	auth_token(struct http_req *);
static void	auth_refresh(struct http_req *);
static void	auth_logout(struct http_req *);
static void	auth_reg_begin(struct http_req *);
static void	auth_reg_finish(struct http_req *);
static void	auth_devices(struct http_req *);
static void	auth_device_delete(struct http_req *);
static void	auth_check(struct http_req *);

const struct http_route auth_routes[] = {
	{ "POST", "/v1/auth/login", ROUTE_PUBLIC, auth_login },
	{ "GET", "/v1/auth/callback", ROUTE_PUBLIC, auth_callback },
	{ "POST", "/v1/auth/webauthn", ROUTE_PUBLIC, auth_webauthn },
	{ "POST", "/v1/auth/token", ROUTE_PUBLIC, auth_token },
	{ "POST", "/v1/auth/refresh", ROUTE_PUBLIC, auth_refresh },
	{ "POST", "/v1/auth/logout", ROUTE_PUBLIC, auth_logout },
	{ "POST", "/v1/devices/register/begin", ROUTE_PUBLIC,
	    auth_reg_begin },
	{ "POST", "/v1/devices/register/finish", ROUTE_PUBLIC,
	    auth_reg_finish },
	{ "GET", "/v1/devices", ROUTE_PUBLIC, auth_devices },
	{ "DELETE", "/v1/devices/{id}", ROUTE_PUBLIC, auth_device_delete },
	{ "GET", "/v1/auth/check", 0, auth_check },
};
const size_t auth_nroutes = sizeof(auth_routes) / sizeof(auth_routes[0]);

/* Relay req as type, with its body and an argument, to the auth daemon. */
static void
auth_relay(struct http_req *req, uint16_t type, const char *arg)
{
	struct p_auth_req	*r;
	const char		*body;
	size_t			 len;

	if ((r = malloc(sizeof(*r))) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	body = http_req_body(req, &len);
	if (authgate_fill(req, r) == -1)
		goto done;
	if ((body != NULL && (len >= sizeof(r->body) ||
	    memchr(body, '\0', len) != NULL)) ||
	    (arg != NULL && strlen(arg) >= sizeof(r->arg))) {
		http_reply_error(req, 413, "too_large",
		    "the request body is too large");
		goto done;
	}
	if (body != NULL)
		memcpy(r->body, body, len);
	if (arg != NULL)
		pccx_strlcpy(r->arg, arg, sizeof(r->arg));
	authgate_send(req, type, r, NULL);
 done:
	free(r);
}

static void
auth_login(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_LOGIN, NULL);
}

/* The state goes as the argument and the code as the body. */
static void
auth_callback(struct http_req *req)
{
	struct p_auth_req	*r;
	const char		*q = http_req_query(req);

	if ((r = malloc(sizeof(*r))) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	if (authgate_fill(req, r) == -1)
		goto done;
	if (q == NULL ||
	    http_query_get(q, "state", r->arg, sizeof(r->arg)) != 1 ||
	    http_query_get(q, "code", r->body, AUTH_ARGMAX) != 1 ||
	    r->arg[0] == '\0' || r->body[0] == '\0') {
		http_reply_error(req, 400, "bad_request",
		    "state and code are required");
		goto done;
	}
	authgate_send(req, MSG_AUTH_CALLBACK, r, NULL);
 done:
	free(r);
}

static void
auth_webauthn(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_WEBAUTHN, NULL);
}

static void
auth_token(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_TOKEN, NULL);
}

static void
auth_refresh(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_REFRESH, NULL);
}

static void
auth_logout(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_LOGOUT, NULL);
}

static void
auth_reg_begin(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_DEV_BEGIN, NULL);
}

static void
auth_reg_finish(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_DEV_FINISH, NULL);
}

static void
auth_devices(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_DEV_LIST, NULL);
}

static void
auth_device_delete(struct http_req *req)
{
	auth_relay(req, MSG_AUTH_DEV_DELETE, http_req_param(req, "id"));
}

/*
 * GET /v1/auth/check?project=P&action=A: the gate asked for action A
 * by name (see authgate.c); reaching here means it is allowed.
 */
static void
auth_check(struct http_req *req)
{
	const struct p_auth_allow	*who = authgate_identity(req);

	if (who == NULL) {
		http_reply_error(req, 500, "internal_error",
		    "internal error");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:b, s:s, s:s}", "allowed", 1,
	    "user", who->user, "device", who->device));
}
