/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Device registration during a login: enrolment code, key, WireGuard key. */

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "authd.h"
#include "ratelimit.h"
#include "store.h"
#include "webauthn.h"

static struct auth_login *
reg_step(struct chan *c, uint32_t id, json_t *o, int phase)
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

static json_t *
reg_body(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	json_t	*o = json_loads(r->body, JSON_REJECT_DUPLICATES, NULL);
	unsigned wait;

	if ((wait = ratelimit_take(auth->limits, RATELIMIT_ADDR, r->addr,
	    now_mono_ms())) != 0) {
		json_decref(o);
		reply_error(c, id, 429, "rate_limited", "too many requests",
		    wait);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		reply_error(c, id, 400, "bad_request",
		    "the body must be a JSON object", 0);
		return NULL;
	}
	return o;
}

/* Check the new device's name and WireGuard key; 0 or -1 answered. */
static int
reg_fields(struct chan *c, uint32_t id, json_t *o, struct auth_login *l)
{
	const char	*wg, *name;
	size_t		 i;

	wg = json_string_value(json_object_get(o, "wg_key"));
	name = json_string_value(json_object_get(o, "name"));
	if (name == NULL)
		name = "device";
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			break;
	if (wg == NULL || !store_wgkey_ok(wg)) {
		reply_error(c, id, 400, "bad_wg_key", "wg_key must be the "
		    "base64 of a 32-byte WireGuard public key", 0);
		return -1;
	}
	if (name[i] != '\0' || i == 0 || i >= sizeof(l->devname)) {
		reply_error(c, id, 400, "bad_name", "bad device name", 0);
		return -1;
	}
	pccx_strlcpy(l->wg_key, wg, sizeof(l->wg_key));
	pccx_strlcpy(l->devname, name, sizeof(l->devname));
	return 0;
}

/*
 * POST /v1/devices/register/begin {"step", "code", "wg_key", "name"}:
 * the enrolment code is spent here, whatever follows.
 */
void
login_reg_begin(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	struct auth_login	*l;
	const char		*code;
	unsigned char		 uid[32];
	unsigned		 wait;
	char			*ch, *u;
	json_t			*o;

	if ((o = reg_body(c, id, r)) == NULL)
		return;
	if ((l = reg_step(c, id, o, LOGIN_STEP)) == NULL ||
	    reg_fields(c, id, o, l) == -1)
		goto done;
	if ((wait = ratelimit_locked(auth->limits, RATELIMIT_USER, l->user,
	    now_mono_ms())) != 0) {
		reply_error(c, id, 429, "rate_limited",
		    "too many failed attempts", wait);
		goto done;
	}
	if (store_device_count(auth->store, l->user) >= STORE_MAXDEVICES) {
		auth_audit(l->user, "", r->addr, "device.enrol", "", "deny",
		    "too_many_devices");
		reply_error(c, id, 409, "too_many_devices",
		    "revoke a device before registering another", 0);
		goto done;
	}
	code = json_string_value(json_object_get(o, "code"));
	if (code == NULL || store_code_use(auth->store, l->user, code,
	    time(NULL)) != 0) {
		ratelimit_fail(auth->limits, RATELIMIT_USER, l->user,
		    now_mono_ms());
		auth_audit(l->user, "", r->addr, "device.enrol", "", "deny",
		    "bad_enrolment_code");
		reply_error(c, id, 403, "bad_enrolment_code",
		    "the enrolment code is unknown, spent or expired", 0);
		goto done;
	}
	randombytes_buf(l->reg_challenge, sizeof(l->reg_challenge));
	l->phase = LOGIN_REG;
	crypto_generichash(uid, sizeof(uid), (unsigned char *)l->user,
	    strlen(l->user), NULL, 0);
	ch = b64url(l->reg_challenge, sizeof(l->reg_challenge));
	u = b64url(uid, sizeof(uid));
	reply_json(c, id, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "challenge", ch, "rp_id", auth->wa.rp_id, "user_id", u,
	    "user", l->user, "user_verification", auth->wa.uv_required ?
	    "required" : "preferred", "step", l->step));
	free(ch);
	free(u);
 done:
	json_decref(o);
}

static const char *
reg_verify(struct auth_login *l, json_t *cred, struct webauthn_cred *wc)
{
	struct webauthn_reg	 reg;
	struct webauthn_rp	 rp;
	const char		*origins[AUTH_MAXORIGINS];
	unsigned char		*cd = NULL, *ao = NULL;
	size_t			 cdlen, aolen;
	json_t			*resp = json_object_get(cred, "response");
	enum webauthn_err	 e;
	int			 i;

	if (b64url_get(resp, "clientDataJSON", &cd, &cdlen) == -1 ||
	    b64url_get(resp, "attestationObject", &ao, &aolen) == -1) {
		free(cd);
		free(ao);
		return "bad_credential";
	}
	for (i = 0; i < auth->wa.norigins; i++)
		origins[i] = auth->wa.origins[i];
	memset(&rp, 0, sizeof(rp));
	rp.rp_id = auth->wa.rp_id;
	rp.origins = origins;
	rp.norigins = auth->wa.norigins;
	rp.uv_required = auth->wa.uv_required;
	reg.clientdata = cd;
	reg.clientdatalen = cdlen;
	reg.attobj = ao;
	reg.attobjlen = aolen;
	reg.challenge = l->reg_challenge;
	reg.challengelen = sizeof(l->reg_challenge);
	e = webauthn_register(&rp, &reg, wc, NULL);
	free(cd);
	free(ao);
	return e == WEBAUTHN_OK ? NULL : webauthn_strerror(e);
}

/* 0, 1 when the user has all the devices a login looks through, -1. */
static int
reg_store(struct auth_login *l, const struct webauthn_cred *wc,
    struct store_device *d)
{
	memset(d, 0, sizeof(*d));
	pccx_strlcpy(d->user, l->user, sizeof(d->user));
	pccx_strlcpy(d->name, l->devname, sizeof(d->name));
	if (wc->idlen > sizeof(d->cred_id) || wc->coselen > sizeof(d->cose))
		return -1;
	memcpy(d->cred_id, wc->id, wc->idlen);
	d->cred_idlen = wc->idlen;
	memcpy(d->cose, wc->cose, wc->coselen);
	d->coselen = wc->coselen;
	d->sign_count = wc->sign_count;
	memcpy(d->aaguid, wc->aaguid, sizeof(d->aaguid));
	pccx_strlcpy(d->wg_key, l->wg_key, sizeof(d->wg_key));
	return store_device_add(auth->store, d, time(NULL));
}

/*
 * POST /v1/devices/register/finish {"step", "credential"}: store the
 * device; the page then signs the login challenge with the new key.
 */
void
login_reg_finish(struct chan *c, uint32_t id, const struct p_auth_req *r)
{
	struct webauthn_cred	*wc;
	struct store_device	 d;
	struct auth_login	*l;
	const char		*why;
	char			*ch, *cid;
	json_t			*o;
	int			 rv;

	if ((o = reg_body(c, id, r)) == NULL)
		return;
	if ((wc = calloc(1, sizeof(*wc))) == NULL)
		fatal("register");
	if ((l = reg_step(c, id, o, LOGIN_REG)) == NULL)
		goto done;
	l->phase = LOGIN_STEP;
	if ((why = reg_verify(l, json_object_get(o, "credential"), wc)) ==
	    NULL && (rv = reg_store(l, wc, &d)) != 0)
		why = rv == 1 ? "too_many_devices" : "not_stored";
	if (why != NULL) {
		auth_audit(l->user, "", r->addr, "device.register", "",
		    "deny", why);
		reply_error(c, id, strcmp(why, "too_many_devices") == 0 ?
		    409 : 400, why, "the new security key was refused", 0);
		goto done;
	}
	auth_audit(l->user, d.id, r->addr, "device.register", "", "ok",
	    NULL);
	ch = b64url(l->challenge, sizeof(l->challenge));
	cid = b64url(d.cred_id, d.cred_idlen);
	reply_json(c, id, 200, json_pack("{s:s, s:s, s:[s], s:s}", "device",
	    d.id, "challenge", ch, "credentials", cid, "rp_id",
	    auth->wa.rp_id));
	free(ch);
	free(cid);
 done:
	free(wc);
	json_decref(o);
}
