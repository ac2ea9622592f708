/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* State shared by the files of the auth daemon. */

#ifndef PCCX_AUTHD_H
#define PCCX_AUTHD_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "proto/auth.h"
#include "remoted/config.h"

struct oidc;
struct rbac;
struct ratelimit;
struct httpsig;
struct store;
struct token_store;

/* base64url of 16 random bytes */
#define AUTH_HANDLELEN		22
#define AUTH_PENDING_MAX	1024
#define AUTH_PENDING_TTL	600	/* seconds to finish a login */

/* A login between its start and the client fetching its token. */
struct auth_login {
	TAILQ_ENTRY(auth_login)	 entry;
	/* login_id */
	char			 id[AUTH_HANDLELEN + 1];
	/* page's */
	char			 step[AUTH_HANDLELEN + 1];
	char			 state[64];	/* OIDC state */
	unsigned char		 login_pk[32];
	unsigned char		 nonce[32];
	/* of the assertion */
	unsigned char		 challenge[32];
	unsigned char		 reg_challenge[32];
	int			 phase;
#define LOGIN_OIDC	0		/* at the provider */
#define LOGIN_STEP	1		/* identity known, page shown */
#define LOGIN_REG	2		/* registration begun */
#define LOGIN_DONE	3		/* token waiting for its client */
	char			 user[PROTO_NAMEMAX];
	char			 wg_key[64];
	char			 devname[PROTO_NAMEMAX];
	char			 sid[PROTO_NAMEMAX];	/* once issued */
	char			*token;
	/* the device's TLS key for the fallback, and its certificate */
	unsigned char		 tls_pk[32];
	int			 have_tls;
	char			*cert;
	time_t			 created;
};

struct auth_env {
	unsigned char		 token_pk[32];
	unsigned char		 token_sk[64];
	struct token_store	*tokens;
	struct rbac		*rbac;
	/* built during a reload */
	struct rbac		*rbac_next;
	struct ratelimit	*limits;
	struct httpsig		*sigs;
	struct store		*store;
	struct oidc		*oidc;
	struct conf_oidc	 oidc_conf;
	struct conf_tokens	 tok_conf;
	struct conf_ratelimit	 rl_conf;
	struct p_auth_webauthn	 wa;
	int			 have_wa;
	TAILQ_HEAD(, auth_login) logins;
	int			 nlogins;
	uint32_t		 audit_id;
};

extern struct auth_env	*auth;

/* login.c: steps 1 to 4 and device registration. */
void	login_start(struct chan *, uint32_t, const struct p_auth_req *);
void	login_callback(struct chan *, uint32_t, const struct p_auth_req *);
void	login_webauthn(struct chan *, uint32_t, const struct p_auth_req *);
void	login_token(struct chan *, uint32_t, const struct p_auth_req *);
void	login_reg_begin(struct chan *, uint32_t, const struct p_auth_req *);
void	login_reg_finish(struct chan *, uint32_t,
	    const struct p_auth_req *);
/* login_find: a pending login by login_id or by step handle. */
struct auth_login *login_find(const char *, int);
void	login_free(struct auth_login *);

/* check.c: every authenticated request, and the operator's commands. */
void	check_request(struct chan *, uint16_t, uint32_t,
	    struct p_auth_req *);
void	check_ctl(struct chan *, uint16_t, uint32_t,
	    const struct p_auth_ctl *);

/* reply.c: answers and the audit trail. */
void	reply_json(struct chan *, uint32_t, int, json_t *);
void	reply_error(struct chan *, uint32_t, int, const char *,
	    const char *, unsigned);
void	reply_page(struct chan *, uint32_t, json_t *);
void	reply_allow(struct chan *, uint32_t, const struct p_auth_allow *);
void	reply_audit_done(uint32_t, int);
void	reply_hold_end(void);
void	reply_defer(struct chan *);
void	auth_audit(const char *, const char *, const char *, const char *,
	    const char *, const char *, const char *);
/* The tunnel daemon's peers for devices with a WireGuard key. */
void	auth_tunnel_add(const char *, const char *, const char *,
	    const char *);
void	auth_tunnel_del(const char *, const char *);
int	auth_msg_tunnel(struct chan *, struct msg *);
/* lease.c: the tunnel addresses of sessions. */
#define LEASE_PENDING	0
#define LEASE_OK	1
#define LEASE_NONE	2
struct p_tunnel_peer_addr;
int	lease_conf(struct chan *, struct msg *);
uint32_t lease_new(const char *);
void	lease_answer(uint32_t, const struct p_tunnel_peer_addr *);
int	lease_state(const char *);
json_t	*lease_json(const char *);
int	lease_addr_ok(const char *, const char *);
void	auth_audit_revoke(const char *, const char *, const char *,
	    const char *, const char *);
/* b64url_get: decode a JSON string member of o; 0 or -1. */
int	b64url_get(json_t *, const char *, unsigned char **, size_t *);
char	*b64url(const void *, size_t);
void	handle_new(char *);

#endif
