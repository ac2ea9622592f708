/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent's half of the auth settings: what it sends pccx-authd. */

#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/auth.h"
#include "config.h"

#define DEF(v, d)	((v) != 0 ? (v) : (d))

/* conf_doors.c */
void	conf_auth_tunnel(struct chan *, const struct config *);

static void
conf_auth_people(struct chan *c, const struct config *cf)
{
	const struct conf_user		*u;
	const struct conf_project	*pr;
	const struct conf_member	*m;
	struct p_auth_user		 pu;
	struct p_auth_member		 pm;

	TAILQ_FOREACH(u, &cf->users, entry) {
		memset(&pu, 0, sizeof(pu));
		pccx_strlcpy(pu.name, u->name, sizeof(pu.name));
		pccx_strlcpy(pu.account, u->account, sizeof(pu.account));
		if (proto_send_auth_user(c, &pu) == -1)
			fatalx("send auth user");
	}
	TAILQ_FOREACH(pr, &cf->projects, entry)
		TAILQ_FOREACH(m, &pr->members, entry) {
			memset(&pm, 0, sizeof(pm));
			pccx_strlcpy(pm.project, pr->name, sizeof(pm.project));
			pccx_strlcpy(pm.user, m->user, sizeof(pm.user));
			pm.role = m->role;
			if (proto_send_auth_member(c, &pm) == -1)
				fatalx("send auth member");
		}
}

static void
conf_auth_oidc(struct chan *c, const struct conf_oidc *o)
{
	struct p_auth_oidc	p;

	memset(&p, 0, sizeof(p));
	p.set = o->set ? 1 : 0;
	if (p.set) {
		pccx_strlcpy(p.issuer, o->issuer, sizeof(p.issuer));
		pccx_strlcpy(p.client_id, o->client_id, sizeof(p.client_id));
		pccx_strlcpy(p.ca_file, o->ca_file, sizeof(p.ca_file));
		pccx_strlcpy(p.redirect_uri, o->redirect_uri,
		    sizeof(p.redirect_uri));
		pccx_strlcpy(p.claim, o->claim[0] ? o->claim : "email",
		    sizeof(p.claim));
		pccx_strlcpy(p.scopes, o->scopes[0] ? o->scopes :
		    "openid email", sizeof(p.scopes));
	}
	if (proto_send_auth_oidc(c, &p) == -1)
		fatalx("send auth oidc");
}

static void
conf_auth_webauthn(struct chan *c, const struct conf_webauthn *w)
{
	struct p_auth_webauthn	p;
	int			i;

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.rp_id, w->rp_id[0] ? w->rp_id : "localhost",
	    sizeof(p.rp_id));
	for (i = 0; i < w->norigins && i < AUTH_MAXORIGINS; i++)
		pccx_strlcpy(p.origins[i], w->origins[i],
		    sizeof(p.origins[i]));
	p.norigins = i;
	if (p.norigins == 0) {
		memcpy(p.origins[0], "https://", 8);
		pccx_strlcpy(p.origins[0] + 8, p.rp_id,
		    sizeof(p.origins[0]) - 8);
		p.norigins = 1;
	}
	p.uv_required = w->uv_required ? 1 : 0;
	if (proto_send_auth_webauthn(c, &p) == -1)
		fatalx("send auth webauthn");
}

static void
conf_auth_tokens(struct chan *c, const struct config *cf)
{
	struct p_auth_tokens	p;

	p.lifetime = DEF(cf->tokens.lifetime, 12 * 3600);
	p.idle = DEF(cf->tokens.idle, 30 * 60);
	p.skew = DEF(cf->tokens.skew, 60);
	p.addr_rate = DEF(cf->ratelimit.addr_rate, 20);
	p.addr_burst = DEF(cf->ratelimit.addr_burst, 40);
	p.user_rate = DEF(cf->ratelimit.user_rate, 50);
	p.user_burst = DEF(cf->ratelimit.user_burst, 100);
	if (p.idle > p.lifetime)
		p.idle = p.lifetime;
	if (proto_send_auth_tokens(c, &p) == -1)
		fatalx("send auth tokens");
}

/* The client secret goes as a descriptor, the first time only. */
static void
conf_auth_secret(struct chan *c, const struct conf_oidc *o)
{
	struct p_conf_key	k = { "oidc-secret" };
	char			err[PATH_MAX + 128];
	int			fd;

	if (!o->set || o->client_secret_file[0] == '\0')
		return;
	if ((fd = secret_open(o->client_secret_file, err, sizeof(err))) ==
	    -1) {
		log_warnx("auth: %s", err);
		return;
	}
	if (proto_send_conf_key(c, fd, &k) == -1)
		fatalx("send oidc secret");
}

/*
 * conf_send_auth: send pccx-authd its users, projects and members,
 * OIDC, WebAuthn, token and rate-limit settings and, when first is
 * set, the OIDC client secret.  Called by the parent for each child
 * configuration, before MSG_CONF_END.
 */
void
conf_send_auth(struct chan *c, const struct config *cf, int first)
{
	if (first) {
		conf_auth_secret(c, &cf->oidc);
		conf_send_device_ca(c, cf);
	}
	if (proto_send_empty(c, MSG_AUTH_CONF_RESET, 0) == -1)
		fatalx("send auth reset");
	conf_auth_people(c, cf);
	conf_auth_oidc(c, &cf->oidc);
	conf_auth_webauthn(c, &cf->webauthn);
	conf_auth_tokens(c, cf);
	conf_auth_tunnel(c, cf);
}
