/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Authenticated requests: token, signature, device, limits, RBAC. */

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "authd.h"
#include "httpsig.h"
#include "ratelimit.h"
#include "rbac.h"
#include "store.h"
#include "token.h"
#include "vpool.h"

/* The outcome of the checks every authenticated request passes. */
struct check {
	struct token_info	 ti;
	const char		*jwt;
	int			 status;	/* 0: allowed */
	const char		*code;
	const char		*message;
	unsigned		 retry;
};

/*
 * A request between its two halves.  check_begin (event loop): the
 * address limit, the token's form and claims, the request signature's
 * fields and base.  The Ed25519 checks run on a verification thread.
 * check_end (event loop again): everything that keeps state or reads
 * it (the verified-token cache, the session table, the nonce cache,
 * devices, rate limits, RBAC, the audit row) in the order of the
 * chain, so that a revocation or a replayed nonce is judged at that
 * moment, exactly, whichever thread verified.
 */
struct check_run {
	struct vpool_job	 vj;		/* first: done() casts */
	struct chan		*c;
	uint16_t		 type;
	uint32_t		 id;
	struct p_auth_req	*r;
	struct check		 k;
	struct token_pending	 tp;
	struct httpsig_pending	 hp;
	unsigned char		 login_pk[32];
	int			 tsig;		/* index of the token's check */
	int			 hsig;		/* of the request's, or -1 */
	enum httpsig_error	 he;
	time_t			 now;
};

static void	check_end(struct vpool_job *);

static int
check_deny(struct check *k, int status, const char *code, const char *msg)
{
	k->status = status;
	k->code = code;
	k->message = msg;
	return -1;
}

/* The token, its signature now known. */
static int
check_token(struct check_run *cr)
{
	struct check		*k = &cr->k;
	enum token_error	 e;
	int			 ok;

	ok = cr->tsig >= 0 && cr->vj.sig[cr->tsig].ok;
	if ((e = token_verify_end(auth->tokens, &cr->tp, ok, cr->now,
	    &k->ti)) != TOKEN_OK)
		return check_deny(k, 401, token_errname(e), token_errmsg(e));
	return 0;
}

/*
 * The session's use, once all else allowed the request: a token sent
 * alone, without the login's key, does not keep its session alive.
 */
static int
check_touch(struct check_run *cr)
{
	struct check	*k = &cr->k;

	if (token_touch(auth->tokens, k->ti.sid, cr->now) == -1)
		return check_deny(k, 401, token_errname(TOKEN_REVOKED),
		    token_errmsg(TOKEN_REVOKED));
	return 0;
}

/* The request signature: its verification, the digest, the nonce. */
static int
check_sig(struct check_run *cr)
{
	struct check		*k = &cr->k;
	enum httpsig_error	 e = cr->he;

	/* A live session with the token's key was there at the start. */
	if (e == HTTPSIG_OK && cr->hsig < 0)
		e = HTTPSIG_KEYID;
	if (e == HTTPSIG_OK)
		e = httpsig_verify_end(auth->sigs, &cr->hp,
		    cr->vj.sig[cr->hsig].ok, cr->now);
	if (e != HTTPSIG_OK)
		return check_deny(k, 401, httpsig_errname(e),
		    httpsig_errmsg(e));
	return 0;
}

/* X-Device-Key must be the token's device's WireGuard key. */
static int
check_device(const struct p_auth_req *r, struct check *k)
{
	struct store_device	d;
	size_t			n = strlen(r->device_key);

	if (n == 0)
		return check_deny(k, 401, "device_key_missing",
		    "X-Device-Key is required");
	if (store_device_get(auth->store, k->ti.device, &d) != 0 ||
	    d.revoked != 0 || strcmp(d.user, k->ti.user) != 0)
		return check_deny(k, 401, "device_revoked",
		    "the token's device is revoked");
	if (n != strlen(d.wg_key) ||
	    sodium_memcmp(d.wg_key, r->device_key, n) != 0)
		return check_deny(k, 401, "device_key_mismatch",
		    "X-Device-Key is not the token's device");
	return 0;
}

/* On the tunnel door a token works only from its own session's peer. */
static int
check_door(const struct p_auth_req *r, struct check *k)
{
	if (r->door == LISTEN_TUNNEL && !lease_addr_ok(k->ti.sid, r->addr))
		return check_deny(k, 403, "wrong_peer",
		    "this token belongs to another tunnel peer");
	return 0;
}

static int
check_limits(const struct p_auth_req *r, struct check *k, int kind,
    const char *key)
{
	if ((k->retry = ratelimit_take(auth->limits, kind, key,
	    now_mono_ms())) != 0)
		return check_deny(k, 429, "rate_limited",
		    "too many requests");
	return 0;
}

/*
 * What user may read on the events feed (or list of traces): the
 * projects where the action is allowed (into a, when given) and, for
 * events, rows of no project.  1 when that is anything at all, else 0.
 * The configuration puts no user in more than AUTH_MAXPROJECTS.
 */
static int
check_events_scope(const char *user, int action, struct p_auth_allow *a)
{
	json_t		*roles, *v;
	const char	*project;
	int		 any = 0;

	if (action == RBAC_EVENTS_READ)
		any = rbac_can(auth->rbac, user, NULL, RBAC_EVENTS_READ);
	if (a != NULL)
		a->events_suite = any;
	if ((roles = rbac_roles(auth->rbac, user)) == NULL)
		return any;
	json_object_foreach(roles, project, v) {
		if (!rbac_can(auth->rbac, user, project, action))
			continue;
		any = 1;
		if (a == NULL || a->nprojects == AUTH_MAXPROJECTS)
			continue;
		pccx_strlcpy(a->projects[a->nprojects++], project,
		    sizeof(a->projects[0]));
	}
	json_decref(roles);
	return any;
}

/*
 * The same scope straight to the audit daemon, under a fresh grant
 * number the front end must quote: a feed it asks for beyond this is
 * refused there.
 */
static void
check_events_grant(struct p_auth_allow *a)
{
	struct p_audit_sub	 g;
	struct chan		*c;
	int			 i;

	if ((c = child_chan(PROC_AUDIT)) == NULL)
		return;
	memset(&g, 0, sizeof(g));
	while (g.grant == 0)
		randombytes_buf(&g.grant, sizeof(g.grant));
	g.window = 1;
	g.suite = a->events_suite;
	pccx_strlcpy(g.user, a->user, sizeof(g.user));
	for (i = 0; i < a->nprojects && i < AUDIT_SUB_MAXPROJECTS; i++)
		pccx_strlcpy(g.projects[g.nprojects++], a->projects[i],
		    sizeof(g.projects[0]));
	if (proto_send_audit_grant(c, &g) == -1) {
		log_warnx("events grant not queued");
		return;
	}
	child_commit(c);
	a->grant = g.grant;
}

/*
 * The allow's scope for the events feed and the list of traces: one
 * project when the request named one.
 */
static void
check_events_allow(const struct p_auth_req *r, struct check *k,
    struct p_auth_allow *a)
{
	if (r->action != RBAC_EVENTS_READ && r->action != RBAC_TRACE_LIST)
		return;
	if (*r->project == '\0')
		check_events_scope(k->ti.user, r->action, a);
	else {
		a->nprojects = 1;
		pccx_strlcpy(a->projects[0], r->project,
		    sizeof(a->projects[0]));
	}
	if (r->action == RBAC_EVENTS_READ)
		check_events_grant(a);
}

static int
check_rbac(const struct p_auth_req *r, uint16_t type, struct check *k)
{
	int	action = r->action;

	if (type == MSG_AUTH_LOGOUT)
		return 0;
	/* A user taken out of the configuration may not go on. */
	if (type == MSG_AUTH_REFRESH)
		return rbac_known(auth->rbac, k->ti.user) ? 0 :
		    check_deny(k, 403, "unknown_user",
		    "you are no longer a user here");
	if (type == MSG_AUTH_DEV_LIST)
		action = RBAC_DEVICE_LIST;
	else if (type == MSG_AUTH_DEV_DELETE)
		action = RBAC_DEVICE_DELETE;
	else if (action == AUTH_ACTION_BYNAME)
		action = rbac_action_find(r->arg);
	if (action < 0)
		action = RBAC_NACTIONS;
	/* The events feed, the traces of all one may read: any will do. */
	if ((action == RBAC_EVENTS_READ || action == RBAC_TRACE_LIST) &&
	    *r->project == '\0' &&
	    check_events_scope(k->ti.user, action, NULL) == 1)
		return 0;
	if (action >= RBAC_NACTIONS || !rbac_can(auth->rbac, k->ti.user,
	    *r->project ? r->project : NULL, action))
		return check_deny(k, 403, "forbidden",
		    "your role does not allow this");
	return 0;
}

/*
 * The first half of the chain: the per-address limit comes first, so
 * that a flood is refused before any signature is checked; then what
 * can be read of the token and the request signature without their
 * Ed25519 checks, which it queues.  0, or -1 when refused already.
 */
static int
check_begin(struct check_run *cr)
{
	const struct p_auth_req	*r = cr->r;
	struct check		*k = &cr->k;
	struct httpsig_request	 hr;
	enum token_error	 e;

	cr->tsig = cr->hsig = -1;
	if (check_limits(r, k, RATELIMIT_ADDR, r->addr) == -1)
		return -1;
	if (strncmp(r->authorization, "Bearer ", 7) != 0)
		return check_deny(k, 401, "no_token",
		    "Authorization: Bearer is required");
	k->jwt = r->authorization + 7;
	if ((e = token_verify_begin(auth->tokens, k->jwt, cr->now,
	    &cr->tp)) != TOKEN_OK)
		return check_deny(k, 401, token_errname(e), token_errmsg(e));
	if (cr->tp.need) {
		cr->tsig = cr->vj.nsig;
		vpool_add(&cr->vj, cr->tp.pk, cr->tp.sig, cr->tp.msg,
		    cr->tp.len);
	}
	/* No live session for the token: check_token will refuse it. */
	if (token_session_key(auth->tokens, &cr->tp, cr->login_pk) == -1)
		return 0;

	memset(&hr, 0, sizeof(hr));
	hr.method = r->method;
	hr.target_uri = r->target;
	hr.signature_input = *r->sig_input ? r->sig_input : NULL;
	hr.signature = *r->signature ? r->signature : NULL;
	hr.content_digest = *r->content_digest ? r->content_digest : NULL;
	hr.body_sha256 = r->body_sha256;
	cr->he = httpsig_verify_begin(auth->sigs, &hr, cr->tp.ti.jkt,
	    cr->login_pk, cr->now, &cr->hp);
	if (cr->he == HTTPSIG_OK) {
		cr->hsig = cr->vj.nsig;
		vpool_add(&cr->vj, cr->login_pk, cr->hp.sig.sig,
		    (const unsigned char *)cr->hp.base, cr->hp.len);
	}
	return 0;
}

/* The second half, once the signatures are checked: 0 when allowed. */
static int
check_rest(struct check_run *cr)
{
	const struct p_auth_req	*r = cr->r;
	struct check		*k = &cr->k;

	if (check_token(cr) == -1 || check_sig(cr) == -1 ||
	    check_device(r, k) == -1 || check_door(r, k) == -1 ||
	    check_limits(r, k, RATELIMIT_USER, k->ti.user) == -1 ||
	    check_rbac(r, cr->type, k) == -1 || check_touch(cr) == -1)
		return -1;
	return 0;
}

static const char *
check_action_name(const struct p_auth_req *r, uint16_t type)
{
	const char	*s;

	switch (type) {
	case MSG_AUTH_REFRESH:
		return "auth.refresh";
	case MSG_AUTH_LOGOUT:
		return "auth.logout";
	case MSG_AUTH_DEV_LIST:
		return "device.list";
	case MSG_AUTH_DEV_DELETE:
		return "device.delete";
	}
	if (r->action == AUTH_ACTION_BYNAME)
		return rbac_action_find(r->arg) >= 0 ? r->arg : "unknown";
	s = r->action < RBAC_NACTIONS ? rbac_action_name(r->action) : NULL;
	return s != NULL ? s : "unknown";
}

static void
check_devices(struct chan *c, uint32_t id, const struct check *k)
{
	struct store_device	*d;
	json_t			*a = json_array();
	int			 i, n;

	if ((d = calloc(STORE_MAXDEVICES, sizeof(*d))) == NULL)
		fatal("devices");
	n = store_devices(auth->store, k->ti.user, d, STORE_MAXDEVICES);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, "
		    "s:b}", "id", d[i].id, "name", d[i].name, "wg_key",
		    d[i].wg_key, "created", (json_int_t)d[i].created,
		    "current", strcmp(d[i].id, k->ti.device) == 0));
	free(d);
	reply_json(c, id, 200, json_pack("{s:o}", "devices", a));
}

static void
check_delete(struct chan *c, uint32_t id, const struct p_auth_req *r,
    const struct check *k)
{
	if (store_device_revoke(auth->store, r->arg, k->ti.user,
	    time(NULL)) != 1) {
		reply_error(c, id, 404, "not_found", "no such device", 0);
		return;
	}
	token_revoke_device(auth->tokens, r->arg);
	auth_audit_revoke(k->ti.user, r->addr, "device", r->arg, "ok");
	reply_json(c, id, 200, json_pack("{s:s}", "status", "revoked"));
}

static void
check_refresh(struct chan *c, uint32_t id, const struct check *k)
{
	enum token_error	 e;
	json_t			*roles;
	char			*jwt = NULL;

	roles = rbac_roles(auth->rbac, k->ti.user);
	e = token_refresh(auth->tokens, k->jwt, roles, time(NULL), &jwt,
	    NULL);
	json_decref(roles);
	if (e != TOKEN_OK) {
		reply_error(c, id, 401, token_errname(e), token_errmsg(e), 0);
		return;
	}
	reply_json(c, id, 200, json_pack("{s:s}", "token", jwt));
	free(jwt);
}

/* Record the decision and answer; the request is done with. */
static void
check_answer(struct check_run *cr, int rv)
{
	const struct p_auth_req	*r = cr->r;
	struct check		*k = &cr->k;
	struct chan		*c = cr->c;
	struct p_auth_allow	 a;

	auth_audit(*k->ti.user ? k->ti.user : "-", k->ti.device, r->addr,
	    check_action_name(r, cr->type), r->project, rv == 0 ? "allow" :
	    "deny", k->code);
	if (rv == -1) {
		reply_error(c, cr->id, k->status, k->code, k->message,
		    k->retry);
		return;
	}
	switch (cr->type) {
	case MSG_AUTH_CHECK:
		memset(&a, 0, sizeof(a));
		pccx_strlcpy(a.user, k->ti.user, sizeof(a.user));
		pccx_strlcpy(a.device, k->ti.device, sizeof(a.device));
		pccx_strlcpy(a.sid, k->ti.sid, sizeof(a.sid));
		a.any = *r->project != '\0' && rbac_can(auth->rbac,
		    k->ti.user, r->project, RBAC_SESSION_KILL_ANY);
		check_events_allow(r, k, &a);
		reply_allow(c, cr->id, &a);
		break;
	case MSG_AUTH_REFRESH:
		check_refresh(c, cr->id, k);
		break;
	case MSG_AUTH_LOGOUT:
		token_revoke_sid(auth->tokens, k->ti.sid);
		auth_audit_revoke(k->ti.user, r->addr, "session", k->ti.sid,
		    "ok");
		reply_json(c, cr->id, 200, json_pack("{s:s}", "status",
		    "logged_out"));
		break;
	case MSG_AUTH_DEV_LIST:
		check_devices(c, cr->id, k);
		break;
	default:
		check_delete(c, cr->id, r, k);
	}
}

static void
check_free(struct check_run *cr)
{
	httpsig_pending_clear(&cr->hp);
	free(cr->r);
	free(cr);
}

/* A job back from the verification threads: decide and answer. */
static void
check_end(struct vpool_job *vj)
{
	struct check_run	*cr = (struct check_run *)vj;
	struct chan		*c = cr->c;

	cr->now = time(NULL);
	check_answer(cr, check_rest(cr));
	reply_hold_end();
	check_free(cr);
	reply_defer(c);
}

/*
 * check_request: one authenticated request, r taken over (freed
 * here).  MSG_AUTH_CHECK is answered with MSG_AUTH_ALLOW, the others
 * act and answer with the reply, once the signatures are verified:
 * maybe later, from the event loop, after other requests.
 */
void
check_request(struct chan *c, uint16_t type, uint32_t id,
    struct p_auth_req *r)
{
	struct check_run	*cr;

	if ((cr = calloc(1, sizeof(*cr))) == NULL)
		fatal("check");
	cr->c = c;
	cr->type = type;
	cr->id = id;
	cr->r = r;
	cr->now = time(NULL);
	cr->vj.done = check_end;
	if (check_begin(cr) == -1) {
		check_answer(cr, -1);
		reply_hold_end();
		check_free(cr);
		return;
	}
	vpool_submit(&cr->vj);
}

static int
check_revoke(const struct p_auth_ctl *ctl, char *text, size_t size)
{
	time_t	now = time(NULL);
	int	n = 0, m = 0;

	switch (ctl->kind) {
	case AUTH_CTL_USER:
		n = token_revoke_user(auth->tokens, ctl->id);
		m = store_user_revoke(auth->store, ctl->id, now);
		break;
	case AUTH_CTL_DEVICE:
		n = token_revoke_device(auth->tokens, ctl->id);
		m = store_device_revoke(auth->store, ctl->id, NULL, now);
		break;
	default:
		n = token_revoke_sid(auth->tokens, ctl->id);
	}
	if (m == -1)
		return -1;
	snprintf(text, size, "revoked %d session%s, %d device%s", n,
	    n == 1 ? "" : "s", m, m == 1 ? "" : "s");
	return n + m > 0 ? 0 : 1;
}

static const char *const ctl_kinds[] = {
	[AUTH_CTL_USER] = "user",
	[AUTH_CTL_DEVICE] = "device",
	[AUTH_CTL_SESSION] = "session",
};

/*
 * check_ctl: the operator's enrol and revoke, relayed by the parent;
 * answered with MSG_CTL_RESULT under the parent's peer id.
 */
void
check_ctl(struct chan *c, uint16_t type, uint32_t id,
    const struct p_auth_ctl *ctl)
{
	struct p_ctl_result	res;
	int			rv;

	memset(&res, 0, sizeof(res));
	if (type == MSG_AUTH_CTL_REVOKE) {
		rv = check_revoke(ctl, res.text, sizeof(res.text));
		if (rv == 1)
			pccx_strlcpy(res.text, "nothing to revoke",
			    sizeof(res.text));
	} else if (!rbac_can(auth->rbac, ctl->id, NULL, RBAC_DEVICE_LIST)) {
		rv = 1;
		pccx_strlcpy(res.text, "no such user", sizeof(res.text));
	} else
		rv = store_code_new(auth->store, ctl->id, res.text,
		    time(NULL)) == 0 ? 0 : -1;
	if (rv == -1)
		pccx_strlcpy(res.text, "database error", sizeof(res.text));
	res.code = rv == 0 ? 0 : 1;
	if (type == MSG_AUTH_CTL_REVOKE)
		auth_audit_revoke("operator", "control", ctl_kinds[ctl->kind],
		    ctl->id, rv == 0 ? "ok" : "fail");
	else
		auth_audit("operator", "", "control", "device.enrol_code",
		    "", rv == 0 ? "ok" : "fail", NULL);
	if (proto_send_ctl_result_id(c, id, &res) == -1)
		log_warnx("control answer not queued");
}
