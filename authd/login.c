/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The login steps in the auth daemon: OIDC, WebAuthn, the token fetch. */

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "authd.h"
#include "ca.h"
#include "httpsig.h"
#include "oidc.h"
#include "ratelimit.h"
#include "rbac.h"
#include "store.h"
#include "token.h"
#include "webauthn.h"

/* What an asynchronous OIDC step needs to answer the front end. */
struct login_wait {
	struct chan	*c;
	uint32_t	 id;
	char		 login[AUTH_HANDLELEN + 1];
	char		 addr[AUTH_ADDRMAX];
};

static void
login_expire(time_t now)
{
	struct auth_login	*l, *t;

	for (l = TAILQ_FIRST(&auth->logins); l != NULL; l = t) {
		t = TAILQ_NEXT(l, entry);
		if (now - l->created > AUTH_PENDING_TTL)
			login_free(l);
	}
}

/* login_free: forget a pending login, wiping its keys and token. */
void
login_free(struct auth_login *l)
{
	TAILQ_REMOVE(&auth->logins, l, entry);
	auth->nlogins--;
	if (l->token != NULL) {
		sodium_memzero(l->token, strlen(l->token));
		free(l->token);
	}
	free(l->cert);
	sodium_memzero(l, sizeof(*l));
	free(l);
}

/*
 * login_find: the pending login whose login_id (bystep 0) or step
 * handle (bystep 1) is s; handles are random, compared in constant
 * time.
 */
struct auth_login *
login_find(const char *s, int bystep)
{
	struct auth_login	*l;
	const char		*h;

	if (strlen(s) != AUTH_HANDLELEN)
		return NULL;
	login_expire(time(NULL));
	TAILQ_FOREACH(l, &auth->logins, entry) {
		h = bystep ? l->step : l->id;
		if (h[0] != '\0' && sodium_memcmp(h, s, AUTH_HANDLELEN) == 0)
			return l;
	}
	return NULL;
}

static struct auth_login *
login_by_state(const char *state)
{
	struct auth_login	*l;
	size_t			 n = strlen(state);

	/* The state is a secret of the login: compare in constant time. */
	TAILQ_FOREACH(l, &auth->logins, entry)
		if (l->phase == LOGIN_OIDC && n > 0 && strlen(l->state) == n &&
		    sodium_memcmp(l->state, state, n) == 0)
			return l;
	return NULL;
}

/* A JSON body that is an object; NULL after answering 400. */
static json_t *
login_body(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	json_t	*o;

	o = json_loads(r->body, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		reply_error(c, id, 400, "bad_request",
		    "the body must be a JSON object", 0);
		return NULL;
	}
	return o;
}

/* Per-address limits and login backoff; non-zero after answering. */
static int
login_limited(struct chan *c, uint32_t id, const char *addr)
{
	uint64_t	now = now_mono_ms();
	unsigned	wait;

	if ((wait = ratelimit_take(auth->limits, RATELIMIT_ADDR, addr,
	    now)) == 0)
		wait = ratelimit_locked(auth->limits, RATELIMIT_ADDR, addr,
		    now);
	if (wait == 0)
		return 0;
	reply_error(c, id, 429, "rate_limited", "too many requests", wait);
	return 1;
}

static void
login_fail(const char *addr, const char *user)
{
	uint64_t	now = now_mono_ms();

	ratelimit_fail(auth->limits, RATELIMIT_ADDR, addr, now);
	if (user != NULL && *user != '\0')
		ratelimit_fail(auth->limits, RATELIMIT_USER, user, now);
}

static struct login_wait *
login_wait_new(struct chan *c, uint32_t id, const struct auth_login *l,
    const char *addr)
{
	struct login_wait	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("login");
	w->c = c;
	w->id = id;
	memcpy(w->login, l->id, sizeof(w->login));
	pccx_strlcpy(w->addr, addr, sizeof(w->addr));
	return w;
}

static void
login_on_started(enum oidc_err e, const struct oidc_login *ol, void *arg)
{
	struct login_wait	*w = arg;
	struct auth_login	*l = login_find(w->login, 0);

	if (l == NULL)
		reply_error(w->c, w->id, 503, "busy", "login dropped", 0);
	else if (e != OIDC_OK) {
		reply_error(w->c, w->id, 502, oidc_strerror(e),
		    "the identity provider cannot be used", 0);
		login_free(l);
	} else {
		pccx_strlcpy(l->state, ol->state, sizeof(l->state));
		reply_json(w->c, w->id, 200, json_pack("{s:s, s:s}",
		    "login_id", l->id, "authorization_url", ol->url));
	}
	child_commit(w->c);
	free(w);
}

/*
 * The optional "tls_key": the device's Ed25519 key for the tunnel's
 * TLS fallback, certified when the login succeeds.  0, or -1 when it
 * is there and bad.
 */
static int
login_tls_key(json_t *o, struct auth_login *l)
{
	unsigned char	*pk = NULL;
	size_t		 len = 0;
	int		 rv = -1;

	if (json_object_get(o, "tls_key") == NULL)
		return 0;
	if (b64url_get(o, "tls_key", &pk, &len) == 0 && len == 32 &&
	    crypto_core_ed25519_is_valid_point(pk)) {
		memcpy(l->tls_pk, pk, 32);
		l->have_tls = 1;
		rv = 0;
	}
	free(pk);
	return rv;
}

/* Step 1: POST /v1/auth/login {"login_key": K, "tls_key": T}. */
void
login_start(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	struct auth_login	*l;
	struct login_wait	*w;
	unsigned char		*pk = NULL;
	size_t			 pklen = 0;
	json_t			*o;
	enum oidc_err		 e;

	if (login_limited(c, id, r->addr) || (o = login_body(c, id, r)) ==
	    NULL)
		return;
	if (json_object_size(o) != 1 + (json_object_get(o, "tls_key") !=
	    NULL) || b64url_get(o, "login_key", &pk, &pklen) == -1 ||
	    pklen != 32) {
		reply_error(c, id, 400, "bad_login_key", "login_key must be "
		    "a base64url Ed25519 public key", 0);
		goto done;
	}
	login_expire(time(NULL));
	if (auth->oidc == NULL || auth->nlogins >= AUTH_PENDING_MAX) {
		reply_error(c, id, 503, auth->oidc == NULL ? "no_provider" :
		    "busy", "logins are not available now", 0);
		goto done;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("login");
	handle_new(l->id);
	memcpy(l->login_pk, pk, 32);
	if (login_tls_key(o, l) == -1) {
		free(l);
		reply_error(c, id, 400, "bad_tls_key", "tls_key must be a "
		    "base64url Ed25519 public key", 0);
		goto done;
	}
	l->created = time(NULL);
	TAILQ_INSERT_TAIL(&auth->logins, l, entry);
	auth->nlogins++;
	w = login_wait_new(c, id, l, r->addr);
	if ((e = oidc_login_start(auth->oidc, login_on_started, w)) !=
	    OIDC_OK) {
		free(w);
		login_free(l);
		reply_error(c, id, 502, oidc_strerror(e),
		    "the identity provider cannot be used", 0);
	}
 done:
	free(pk);
	json_decref(o);
}

static json_t *
login_cred_ids(const char *user, int *n)
{
	struct store_device	*d;
	json_t			*a = json_array();
	char			*s;
	int			 i;

	if ((d = calloc(STORE_MAXDEVICES, sizeof(*d))) == NULL)
		fatal("devices");
	*n = store_devices(auth->store, user, d, STORE_MAXDEVICES);
	for (i = 0; i < *n; i++) {
		s = b64url(d[i].cred_id, d[i].cred_idlen);
		json_array_append_new(a, json_string(s));
		free(s);
	}
	free(d);
	return a;
}

/* The page's data: request options, or the registration offer. */
static json_t *
login_page_data(struct auth_login *l)
{
	json_t	*ids;
	char	*ch, code[LOGIN_CODELEN];
	int	 n;

	ids = login_cred_ids(l->user, &n);
	ch = b64url(l->challenge, sizeof(l->challenge));
	login_code(l->login_pk, code);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:s, s:s}",
	    "step", l->step, "user", l->user, "rp_id", auth->wa.rp_id,
	    "challenge", ch, "credentials", ids, "register", n <= 0,
	    "user_verification", auth->wa.uv_required ? "required" :
	    "preferred", "login_code", code);
}

static void
login_on_identity(enum oidc_err e, const struct oidc_identity *who,
    void *arg)
{
	struct login_wait	*w = arg;
	struct auth_login	*l = login_find(w->login, 0);

	if (l == NULL)
		reply_error(w->c, w->id, 400, "bad_state", "login expired", 0);
	else if (e != OIDC_OK) {
		login_fail(w->addr, NULL);
		reply_error(w->c, w->id, 401, oidc_strerror(e),
		    "the identity provider's answer was refused", 0);
		login_free(l);
	} else if (!rbac_can(auth->rbac, who->identity, NULL,
	    RBAC_DEVICE_LIST)) {
		login_fail(w->addr, NULL);
		auth_audit(who->identity, "", w->addr, "auth.oidc", "",
		    "deny", "unknown_user");
		reply_error(w->c, w->id, 403, "unknown_user",
		    "this identity is not a user of this suite", 0);
		login_free(l);
	} else {
		pccx_strlcpy(l->user, who->identity, sizeof(l->user));
		l->phase = LOGIN_STEP;
		handle_new(l->step);
		randombytes_buf(l->nonce, sizeof(l->nonce));
		webauthn_login_challenge(l->nonce, l->login_pk,
		    l->challenge);
		auth_audit(l->user, "", w->addr, "auth.oidc", "", "ok",
		    NULL);
		reply_page(w->c, w->id, login_page_data(l));
		reply_hold_end();
	}
	child_commit(w->c);
	free(w);
}

/* Step 2: GET /v1/auth/callback?state=S&code=C (arg S, body C). */
void
login_callback(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	struct auth_login	*l;
	struct login_wait	*w;
	enum oidc_err		 e;

	if (login_limited(c, id, r->addr))
		return;
	if (auth->oidc == NULL || (l = login_by_state(r->arg)) == NULL) {
		login_fail(r->addr, NULL);
		reply_error(c, id, 400, "bad_state",
		    "no login is waiting for this state", 0);
		return;
	}
	w = login_wait_new(c, id, l, r->addr);
	if ((e = oidc_callback(auth->oidc, r->arg, r->body,
	    login_on_identity, w)) != OIDC_OK) {
		free(w);
		/* A replayed callback leaves the first one's exchange be. */
		if (e != OIDC_E_STATE_REUSED)
			login_free(l);
		login_fail(r->addr, NULL);
		reply_error(c, id, 400, oidc_strerror(e),
		    "the login cannot be finished", 0);
	}
}

static void
login_rp(struct webauthn_rp *rp, const char **origins)
{
	int	i;

	for (i = 0; i < auth->wa.norigins; i++)
		origins[i] = auth->wa.origins[i];
	memset(rp, 0, sizeof(*rp));
	rp->rp_id = auth->wa.rp_id;
	rp->origins = origins;
	rp->norigins = auth->wa.norigins;
	rp->uv_required = auth->wa.uv_required;
}

/* A pending login by the body's step handle, in phase; else answered. */
static struct auth_login *
login_step(struct chan *c, uint32_t id, json_t *o, int phase)
{
	struct auth_login	*l;
	const char		*s;

	s = json_string_value(json_object_get(o, "step"));
	if (s == NULL || (l = login_find(s, 1)) == NULL ||
	    l->phase != phase) {
		reply_error(c, id, 400, "bad_step",
		    "no login is waiting for this step", 0);
		return NULL;
	}
	return l;
}

/* The user's device holding credential cid; 0, or -1. */
static int
login_device(const char *user, const unsigned char *cid, size_t len,
    struct store_device *out)
{
	struct store_device	*d;
	int			 i, n, rv = -1;

	if ((d = calloc(STORE_MAXDEVICES, sizeof(*d))) == NULL)
		fatal("devices");
	n = store_devices(auth->store, user, d, STORE_MAXDEVICES);
	for (i = 0; i < n; i++)
		if (d[i].cred_idlen == len &&
		    memcmp(d[i].cred_id, cid, len) == 0) {
			*out = d[i];
			rv = 0;
			break;
		}
	free(d);
	return rv;
}

struct login_assert {
	json_t			*cred;
	unsigned char		*id, *cd, *ad, *sig;
	size_t			 idlen, cdlen, adlen, siglen;
};

static void
login_assert_free(struct login_assert *a)
{
	free(a->id);
	free(a->cd);
	free(a->ad);
	free(a->sig);
}

/* Check the assertion; the error's name, or NULL when it is good. */
static const char *
login_verify(struct auth_login *l, struct login_assert *a,
    struct store_device *d)
{
	struct webauthn_assertion	 as;
	struct webauthn_stored		 st;
	struct webauthn_result		 res;
	struct webauthn_rp		 rp;
	const char			*origins[AUTH_MAXORIGINS];
	json_t				*resp;
	enum webauthn_err		 e;

	resp = json_object_get(a->cred, "response");
	if (b64url_get(a->cred, "id", &a->id, &a->idlen) == -1 ||
	    b64url_get(resp, "clientDataJSON", &a->cd, &a->cdlen) == -1 ||
	    b64url_get(resp, "authenticatorData", &a->ad, &a->adlen) == -1 ||
	    b64url_get(resp, "signature", &a->sig, &a->siglen) == -1)
		return "bad_credential";
	if (login_device(l->user, a->id, a->idlen, d) == -1)
		return "unknown_credential";
	login_rp(&rp, origins);
	memset(&as, 0, sizeof(as));
	as.cred_id = a->id;
	as.cred_idlen = a->idlen;
	as.clientdata = a->cd;
	as.clientdatalen = a->cdlen;
	as.authdata = a->ad;
	as.authdatalen = a->adlen;
	as.sig = a->sig;
	as.siglen = a->siglen;
	as.challenge = l->challenge;
	as.challengelen = sizeof(l->challenge);
	st.cred_id = d->cred_id;
	st.cred_idlen = d->cred_idlen;
	st.cose = d->cose;
	st.coselen = d->coselen;
	st.sign_count = d->sign_count;
	if ((e = webauthn_assert(&rp, &as, &st, &res, NULL)) != WEBAUTHN_OK)
		return webauthn_strerror(e);
	if (store_device_counter(auth->store, d->id, res.sign_count) == -1)
		return "internal";
	return NULL;
}

/* The assertion is good: open the session and keep its token. */
static int
login_issue(struct auth_login *l, const struct store_device *d)
{
	struct token_login	tl;
	struct token_info	ti;
	enum token_error	e;

	memset(&tl, 0, sizeof(tl));
	tl.user = l->user;
	tl.device = d->id;
	tl.login_pk = l->login_pk;
	tl.roles = rbac_roles(auth->rbac, l->user);
	e = token_issue(auth->tokens, &tl, time(NULL), &l->token, &ti);
	json_decref(tl.roles);
	if (e != TOKEN_OK) {
		log_warnx("token for %s: %s", l->user, token_errname(e));
		return -1;
	}
	pccx_strlcpy(l->sid, ti.sid, sizeof(l->sid));
	if (d->wg_key[0] != '\0')
		auth_tunnel_add(l->user, d->id, ti.sid, d->wg_key);
	if (l->have_tls && ca_enabled() &&
	    (l->cert = ca_issue(d->id, l->tls_pk)) != NULL)
		auth_audit(l->user, d->id, "", "device.certificate", "", "ok",
		    NULL);
	l->phase = LOGIN_DONE;
	memset(l->step, 0, sizeof(l->step));
	return 0;
}

/* Step 3: POST /v1/auth/webauthn {"step": S, "credential": {...}}. */
void
login_webauthn(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	struct login_assert	 a;
	struct store_device	 d;
	struct auth_login	*l;
	const char		*why;
	unsigned		 wait;
	json_t			*o;

	if (login_limited(c, id, r->addr) || (o = login_body(c, id, r)) ==
	    NULL)
		return;
	memset(&a, 0, sizeof(a));
	if ((l = login_step(c, id, o, LOGIN_STEP)) == NULL)
		goto done;
	if ((wait = ratelimit_locked(auth->limits, RATELIMIT_USER, l->user,
	    now_mono_ms())) != 0) {
		reply_error(c, id, 429, "rate_limited",
		    "too many failed logins", wait);
		goto done;
	}
	a.cred = json_object_get(o, "credential");
	if ((why = login_verify(l, &a, &d)) != NULL) {
		login_fail(r->addr, l->user);
		auth_audit(l->user, "", r->addr, "auth.webauthn", "", "deny",
		    why);
		reply_error(c, id, 401, why, "the security key's answer was "
		    "refused", 0);
	} else if (login_issue(l, &d) == -1)
		reply_error(c, id, 503, "busy", "no session can be opened", 0);
	else {
		ratelimit_success(auth->limits, RATELIMIT_USER, l->user);
		auth_audit(l->user, d.id, r->addr, "auth.login", "", "ok",
		    NULL);
		/*
		 * XXX: the tunnel object comes with the token answer
		 * only: the tunnel daemon has not given the address yet.
		 */
		reply_json(c, id, 200, json_pack("{s:s}", "status", "ok"));
	}
 done:
	login_assert_free(&a);
	json_decref(o);
}

/*
 * The token, the device's certificate for the TLS fallback when one
 * was issued, and the tunnel to reach the suite through when there is
 * one.
 */
static json_t *
login_token_json(const struct auth_login *l)
{
	json_t	*o = json_pack("{s:s}", "token", l->token);
	json_t	*t = lease_json(l->sid);

	if (o != NULL && l->cert != NULL)
		json_object_set_new(o, "certificate", json_string(l->cert));
	if (o != NULL && t != NULL)
		json_object_set_new(o, "tunnel", t);
	else
		json_decref(t);
	return o;
}

/*
 * Still pending; once the identity is known, the page's data too, so
 * that the holder of K can run the ceremony with a local key.
 */
static json_t *
login_pending(struct auth_login *l)
{
	json_t	*o = json_pack("{s:s}", "status", "pending");

	if (o != NULL && l->phase == LOGIN_STEP)
		json_object_set_new(o, "webauthn", login_page_data(l));
	return o;
}

/* Step 4: POST /v1/auth/token {"login_id": L}, signed with K. */
void
login_token(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	struct httpsig_request	 hr;
	struct auth_login	*l;
	char			 jkt[TOKEN_B64KEYLEN + 2];
	const char		*lid;
	enum httpsig_error	 e;
	json_t			*o;

	if (login_limited(c, id, r->addr) || (o = login_body(c, id, r)) ==
	    NULL)
		return;
	lid = json_string_value(json_object_get(o, "login_id"));
	if (lid == NULL || (l = login_find(lid, 0)) == NULL) {
		reply_error(c, id, 404, "unknown_login",
		    "no such login is pending", 0);
		goto done;
	}
	memset(&hr, 0, sizeof(hr));
	hr.method = r->method;
	hr.target_uri = r->target;
	hr.signature_input = *r->sig_input ? r->sig_input : NULL;
	hr.signature = *r->signature ? r->signature : NULL;
	hr.content_digest = *r->content_digest ? r->content_digest : NULL;
	hr.body_sha256 = r->body_sha256;
	token_thumbprint(l->login_pk, jkt);
	if ((e = httpsig_verify(auth->sigs, &hr, jkt, l->login_pk,
	    time(NULL))) != HTTPSIG_OK) {
		login_fail(r->addr, NULL);
		reply_error(c, id, 401, httpsig_errname(e),
		    httpsig_errmsg(e), 0);
	} else if (l->phase != LOGIN_DONE ||
	    lease_state(l->sid) == LEASE_PENDING)
		reply_json(c, id, 202, login_pending(l));
	else {
		reply_json(c, id, 200, login_token_json(l));
		login_free(l);
	}
 done:
	json_decref(o);
}
