/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-authd: holds the token signing key and decides who may do what. */

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "proto/tunnel.h"
#include "authd.h"
#include "ca.h"
#include "httpsig.h"
#include "oidc.h"
#include "persist.h"
#include "ratelimit.h"
#include "rbac.h"
#include "store.h"
#include "token.h"
#include "vpool.h"

#define AUTH_ISSUER	"pccx-remote"
/* in the chroot, <state>/auth */
#define AUTH_DB		"/auth.db"

extern const struct sandbox_policy	sandbox_auth;
extern const int			caps_auth[];
extern const size_t			ncaps_auth;

static struct auth_env	auth_env;
struct auth_env		*auth = &auth_env;

static int	auth_msg_reset(struct chan *, struct msg *);
static int	auth_msg_user(struct chan *, struct msg *);
static int	auth_msg_member(struct chan *, struct msg *);
static int	auth_msg_oidc(struct chan *, struct msg *);
static int	auth_msg_webauthn(struct chan *, struct msg *);
static int	auth_msg_tokens(struct chan *, struct msg *);
static int	auth_msg_req(struct chan *, struct msg *);
static int	auth_msg_ctl(struct chan *, struct msg *);
static int	auth_msg_audit(struct chan *, struct msg *);

#define PARENT		PROC_BIT(PROC_PARENT)
#define FRONT		PROC_BIT(PROC_FRONT)
#define AUDIT		PROC_BIT(PROC_AUDIT)
#define REQ_MIN		(2 + 12 * 2 + 32)	/* empty strings */
#define REQ_ROW(t)	{ t, FRONT, ST_RUN, MSG_FD_NEVER, REQ_MIN,	\
			    MSG_MAXPAYLOAD, auth_msg_req }

/* Every message the auth daemon takes, who from, and its size. */
static const struct msg_rule auth_rules[] = {
	{ MSG_AUTH_CONF_RESET, PARENT, ST_ANY, MSG_FD_NEVER, 0, 0,
	    auth_msg_reset },
	{ MSG_AUTH_CONF_USER, PARENT, ST_ANY, MSG_FD_NEVER, 5,
	    4 + 2 * PROTO_NAMEMAX, auth_msg_user },
	{ MSG_AUTH_CONF_MEMBER, PARENT, ST_ANY, MSG_FD_NEVER, 7,
	    5 + 2 * PROTO_NAMEMAX, auth_msg_member },
	{ MSG_AUTH_CONF_OIDC, PARENT, ST_ANY, MSG_FD_NEVER, 13,
	    13 + sizeof(struct p_auth_oidc), auth_msg_oidc },
	{ MSG_AUTH_CONF_WEBAUTHN, PARENT, ST_ANY, MSG_FD_NEVER, 7,
	    sizeof(struct p_auth_webauthn) + 32, auth_msg_webauthn },
	{ MSG_AUTH_CONF_TOKENS, PARENT, ST_ANY, MSG_FD_NEVER, 28, 28,
	    auth_msg_tokens },
	{ MSG_AUTH_CONF_TUNNEL, PARENT, ST_ANY, MSG_FD_NEVER,
	    P_AUTH_TUNNEL_MIN, P_AUTH_TUNNEL_MAX, lease_conf },
	REQ_ROW(MSG_AUTH_LOGIN),
	REQ_ROW(MSG_AUTH_CALLBACK),
	REQ_ROW(MSG_AUTH_WEBAUTHN),
	REQ_ROW(MSG_AUTH_TOKEN),
	REQ_ROW(MSG_AUTH_CHECK),
	REQ_ROW(MSG_AUTH_REFRESH),
	REQ_ROW(MSG_AUTH_LOGOUT),
	REQ_ROW(MSG_AUTH_DEV_BEGIN),
	REQ_ROW(MSG_AUTH_DEV_FINISH),
	REQ_ROW(MSG_AUTH_DEV_LIST),
	REQ_ROW(MSG_AUTH_DEV_DELETE),
	{ MSG_AUTH_CTL_ENROL, PARENT, ST_RUN, MSG_FD_NEVER, 4,
	    3 + PROTO_NAMEMAX, auth_msg_ctl },
	{ MSG_AUTH_CTL_REVOKE, PARENT, ST_RUN, MSG_FD_NEVER, 4,
	    3 + PROTO_NAMEMAX, auth_msg_ctl },
	{ MSG_AUDIT_ACK, AUDIT, ST_RUN, MSG_FD_NEVER, 8, 8, auth_msg_audit },
	{ MSG_AUDIT_NACK, AUDIT, ST_RUN, MSG_FD_NEVER, 4, 4,
	    auth_msg_audit },
	{ MSG_AUDIT_REVOKED, AUDIT, ST_RUN, MSG_FD_NEVER, 4,
	    3 + AUDIT_REVOKE_IDMAX, auth_msg_audit },
	{ MSG_TUNNEL_PEER_ADDR, PROC_BIT(PROC_TUNNEL), ST_RUN, MSG_FD_NEVER,
	    5, 5 + 2 * (TUNNEL_ADDRMAX - 1), auth_msg_tunnel },
	{ MSG_TUNNEL_READY, PROC_BIT(PROC_TUNNEL), ST_ANY, MSG_FD_NEVER,
	    0, 0, persist_tunnel_ready },
};

/* A new set of users and projects follows; it takes over at CONF_END. */
static int
auth_msg_reset(struct chan *c, struct msg *m)
{
	if (proto_get_empty(m) == -1)
		return -1;
	rbac_free(auth->rbac_next);
	if ((auth->rbac_next = rbac_new()) == NULL)
		fatal("rbac_new");
	return 0;
}

static int
auth_msg_user(struct chan *c, struct msg *m)
{
	struct p_auth_user	u;

	if (proto_get_auth_user(m, &u) == -1 || auth->rbac_next == NULL)
		return -1;
	return rbac_add_user(auth->rbac_next, u.name);
}

static int
auth_msg_member(struct chan *c, struct msg *m)
{
	struct p_auth_member	pm;

	if (proto_get_auth_member(m, &pm) == -1 || auth->rbac_next == NULL)
		return -1;
	return rbac_add_member(auth->rbac_next, pm.user, pm.project,
	    pm.role);
}

/* The provider is fixed at start: its CA file is read before chroot. */
static int
auth_msg_oidc(struct chan *c, struct msg *m)
{
	struct p_auth_oidc	o;
	struct conf_oidc	*co = &auth->oidc_conf;

	if (proto_get_auth_oidc(m, &o) == -1)
		return -1;
	if (child_state() == ST_RUN) {
		/*
		 * XXX: a changed provider needs a restart (CA file); the
		 * parent's reload answer names oidc then.
		 */
		return 0;
	}
	memset(co, 0, sizeof(*co));
	co->set = o.set;
	pccx_strlcpy(co->issuer, o.issuer, sizeof(co->issuer));
	pccx_strlcpy(co->client_id, o.client_id, sizeof(co->client_id));
	pccx_strlcpy(co->ca_file, o.ca_file, sizeof(co->ca_file));
	pccx_strlcpy(co->redirect_uri, o.redirect_uri,
	    sizeof(co->redirect_uri));
	pccx_strlcpy(co->claim, o.claim, sizeof(co->claim));
	pccx_strlcpy(co->scopes, o.scopes, sizeof(co->scopes));
	return 0;
}

static int
auth_msg_webauthn(struct chan *c, struct msg *m)
{
	if (proto_get_auth_webauthn(m, &auth->wa) == -1)
		return -1;
	auth->have_wa = 1;
	return 0;
}

static int
auth_msg_tokens(struct chan *c, struct msg *m)
{
	struct p_auth_tokens	t;

	if (proto_get_auth_tokens(m, &t) == -1)
		return -1;
	auth->tok_conf.lifetime = t.lifetime;
	auth->tok_conf.idle = t.idle;
	auth->tok_conf.skew = t.skew;
	auth->rl_conf.addr_rate = t.addr_rate;
	auth->rl_conf.addr_burst = t.addr_burst;
	auth->rl_conf.user_rate = t.user_rate;
	auth->rl_conf.user_burst = t.user_burst;
	return 0;
}

/* One request from the front end: one handler per message type. */
static int
auth_msg_req(struct chan *c, struct msg *m)
{
	struct p_auth_req	*r;
	uint32_t		 id = m->hdr.peerid;

	if ((r = malloc(sizeof(*r))) == NULL)
		fatal("request");
	if (proto_get_auth_req(m, r) == -1) {
		free(r);
		return -1;
	}
	switch (m->hdr.type) {
	case MSG_AUTH_LOGIN:
		login_start(c, id, r);
		break;
	case MSG_AUTH_CALLBACK:
		login_callback(c, id, r);
		break;
	case MSG_AUTH_WEBAUTHN:
		login_webauthn(c, id, r);
		break;
	case MSG_AUTH_TOKEN:
		login_token(c, id, r);
		break;
	case MSG_AUTH_DEV_BEGIN:
		login_reg_begin(c, id, r);
		break;
	case MSG_AUTH_DEV_FINISH:
		login_reg_finish(c, id, r);
		break;
	default:
		/* It keeps r until its signatures are verified. */
		check_request(c, m->hdr.type, id, r);
		r = NULL;
	}
	reply_hold_end();
	free(r);
	child_commit(c);
	return 0;
}

static int
auth_msg_ctl(struct chan *c, struct msg *m)
{
	struct p_auth_ctl	ctl;

	if (proto_get_auth_ctl(m, &ctl) == -1)
		return -1;
	check_ctl(c, m->hdr.type, m->hdr.peerid, &ctl);
	reply_hold_end();
	child_commit(c);
	return 0;
}

/* The audit daemon's answers to our rows. */
static int
auth_msg_audit(struct chan *c, struct msg *m)
{
	struct p_audit_revoked	rv;
	uint64_t		seq;
	uint32_t		why;

	switch (m->hdr.type) {
	case MSG_AUDIT_ACK:
		if (proto_get_audit_ack(m, &seq) == -1)
			return -1;
		reply_audit_done(m->hdr.peerid, 1);
		return 0;
	case MSG_AUDIT_NACK:
		if (proto_get_audit_nack(m, &why) == -1)
			return -1;
		log_warnx("audit refused row %u (%u)", m->hdr.peerid, why);
		reply_audit_done(m->hdr.peerid, 0);
		return 0;
	}
	if (proto_get_audit_revoked(m, &rv) == -1)
		return -1;
	/* Ours came back: already done; anyone else's is done now. */
	switch (rv.kind) {
	case AUDIT_REVOKE_USER:
		token_revoke_user(auth->tokens, rv.id);
		break;
	case AUDIT_REVOKE_DEVICE:
		token_revoke_device(auth->tokens, rv.id);
		break;
	default:
		token_revoke_sid(auth->tokens, rv.id);
	}
	return 0;
}

/*
 * One verification thread per core (sysconf reads /sys: before the
 * chroot); one core alone verifies on the event loop's thread.
 */
static int
auth_nthreads(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 1)
		return 0;
	return n > VPOOL_MAXTHREADS ? VPOOL_MAXTHREADS : (int)n;
}

/*
 * Before chroot: derive the signing key from the seed the parent
 * handed over, and build the relying party (it reads the client
 * secret and the CA file now).
 */
static int
auth_setup(void)
{
	int	fd;

	if (child_sign_key("token", auth->token_pk, auth->token_sk) == -1)
		return -1;
	TAILQ_INIT(&auth->logins);
	auth->rbac = auth->rbac_next != NULL ? auth->rbac_next : rbac_new();
	auth->rbac_next = NULL;
	if (auth->rbac == NULL)
		return -1;
	if (!auth->have_wa) {
		auth->wa.norigins = 1;
		pccx_strlcpy(auth->wa.rp_id, "localhost",
		    sizeof(auth->wa.rp_id));
		pccx_strlcpy(auth->wa.origins[0], "https://localhost",
		    sizeof(auth->wa.origins[0]));
		auth->wa.uv_required = 1;
	}
	if (auth->oidc_conf.set) {
		fd = child_keyfd("oidc-secret");
		auth->oidc = oidc_new(child_base(), &auth->oidc_conf, fd,
		    auth->tok_conf.skew > OIDC_SKEW_MAX ? OIDC_SKEW_MAX :
		    auth->tok_conf.skew);
		if (auth->oidc == NULL)
			return -1;
	}
	auth->tokens = token_store_new(auth->token_pk, auth->token_sk,
	    AUTH_ISSUER, &auth->tok_conf, 0);
	auth->limits = ratelimit_new(&auth->rl_conf, 0);
	auth->sigs = httpsig_new(0, 0);
	if (auth->tokens == NULL || auth->limits == NULL ||
	    auth->sigs == NULL || ca_init() == -1)
		return -1;
	return vpool_init(child_base(), auth_nthreads());
}

/* Confined now: the database lives in the chroot. */
static int
auth_serve(void)
{
	if ((auth->store = store_open(AUTH_DB)) == NULL ||
	    persist_start() == -1 || vpool_start() == -1)
		return -1;
	log_info("ready, token key %s, %d verification thread%s",
	    token_kid(auth->tokens), vpool_threads(),
	    vpool_threads() == 1 ? "" : "s");
	return 0;
}

/* A reload: the new user table and lifetimes take over at once. */
static void
auth_reload(void)
{
	if (auth->rbac_next != NULL) {
		rbac_free(auth->rbac);
		auth->rbac = auth->rbac_next;
		auth->rbac_next = NULL;
	}
	token_store_setconf(auth->tokens, &auth->tok_conf);
	ratelimit_setconf(auth->limits, &auth->rl_conf);
	log_info("configuration reloaded");
	/* The parent has no audit channel: the reload is recorded here. */
	auth_audit("operator", "", "control", "config.reload", "", "ok",
	    NULL);
	reply_hold_end();
}

static const struct child_role auth_role = {
	.proc = PROC_AUTH,
	.caps = caps_auth,
	.policy = &sandbox_auth,
	.rules = auth_rules,
	.nrules = sizeof(auth_rules) / sizeof(auth_rules[0]),
	.setup = auth_setup,
	.serve = auth_serve,
	.reload = auth_reload,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = auth_role;

	r.ncaps = ncaps_auth;
	child_main(&r, argc, argv);
}
