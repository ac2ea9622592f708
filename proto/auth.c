/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Typed encoders and decoders of the auth daemon's messages. */

#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "proto/auth.h"

#define ROLE_MIN	1		/* ROLE_VIEWER in remoted/config.h */
#define ROLE_MAX	3		/* ROLE_OWNER */

int
proto_send_auth_user(struct chan *c, const struct p_auth_user *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->name);
	wire_put_str(&w, p->account);
	return proto_send_plain(c, MSG_AUTH_CONF_USER, 0, &w);
}

int
proto_get_auth_user(const struct msg *m, struct p_auth_user *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->name, sizeof(p->name));
	wire_get_str(&r, p->account, sizeof(p->account));
	if (p->name[0] == '\0')
		return -1;
	return wire_done(&r);
}

int
proto_send_auth_member(struct chan *c, const struct p_auth_member *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->project);
	wire_put_str(&w, p->user);
	wire_put_u8(&w, p->role);
	return proto_send_plain(c, MSG_AUTH_CONF_MEMBER, 0, &w);
}

int
proto_get_auth_member(const struct msg *m, struct p_auth_member *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->project, sizeof(p->project));
	wire_get_str(&r, p->user, sizeof(p->user));
	p->role = wire_get_u8(&r);
	if (p->project[0] == '\0' || p->user[0] == '\0' ||
	    p->role < ROLE_MIN || p->role > ROLE_MAX)
		return -1;
	return wire_done(&r);
}

int
proto_send_auth_oidc(struct chan *c, const struct p_auth_oidc *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u8(&w, p->set);
	wire_put_str(&w, p->issuer);
	wire_put_str(&w, p->client_id);
	wire_put_str(&w, p->ca_file);
	wire_put_str(&w, p->redirect_uri);
	wire_put_str(&w, p->claim);
	wire_put_str(&w, p->scopes);
	return proto_send_plain(c, MSG_AUTH_CONF_OIDC, 0, &w);
}

int
proto_get_auth_oidc(const struct msg *m, struct p_auth_oidc *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->set = wire_get_u8(&r);
	wire_get_str(&r, p->issuer, sizeof(p->issuer));
	wire_get_str(&r, p->client_id, sizeof(p->client_id));
	wire_get_str(&r, p->ca_file, sizeof(p->ca_file));
	wire_get_str(&r, p->redirect_uri, sizeof(p->redirect_uri));
	wire_get_str(&r, p->claim, sizeof(p->claim));
	wire_get_str(&r, p->scopes, sizeof(p->scopes));
	if (p->set > 1 || (p->set && (p->issuer[0] == '\0' ||
	    p->client_id[0] == '\0' || p->redirect_uri[0] == '\0' ||
	    p->claim[0] == '\0')))
		return -1;
	if (p->ca_file[0] != '\0' && p->ca_file[0] != '/')
		return -1;
	return wire_done(&r);
}

int
proto_send_auth_webauthn(struct chan *c, const struct p_auth_webauthn *p)
{
	struct wire_w	w;
	int		i;

	wire_w_init(&w);
	wire_put_str(&w, p->rp_id);
	wire_put_u8(&w, p->norigins);
	for (i = 0; i < p->norigins && i < AUTH_MAXORIGINS; i++)
		wire_put_str(&w, p->origins[i]);
	wire_put_u8(&w, p->uv_required);
	return proto_send_plain(c, MSG_AUTH_CONF_WEBAUTHN, 0, &w);
}

int
proto_get_auth_webauthn(const struct msg *m, struct p_auth_webauthn *p)
{
	struct wire_r	r;
	int		i;

	memset(p, 0, sizeof(*p));
	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->rp_id, sizeof(p->rp_id));
	p->norigins = wire_get_u8(&r);
	if (p->norigins < 1 || p->norigins > AUTH_MAXORIGINS)
		return -1;
	for (i = 0; i < p->norigins; i++) {
		wire_get_str(&r, p->origins[i], sizeof(p->origins[i]));
		if (p->origins[i][0] == '\0')
			return -1;
	}
	p->uv_required = wire_get_u8(&r);
	if (p->rp_id[0] == '\0' || p->uv_required > 1)
		return -1;
	return wire_done(&r);
}

int
proto_send_auth_tokens(struct chan *c, const struct p_auth_tokens *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->lifetime);
	wire_put_u32(&w, p->idle);
	wire_put_u32(&w, p->skew);
	wire_put_u32(&w, p->addr_rate);
	wire_put_u32(&w, p->addr_burst);
	wire_put_u32(&w, p->user_rate);
	wire_put_u32(&w, p->user_burst);
	return proto_send_plain(c, MSG_AUTH_CONF_TOKENS, 0, &w);
}

int
proto_get_auth_tokens(const struct msg *m, struct p_auth_tokens *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->lifetime = wire_get_range(&r, 60, 30 * 86400);
	p->idle = wire_get_range(&r, 60, 30 * 86400);
	p->skew = wire_get_range(&r, 0, 3600);
	p->addr_rate = wire_get_range(&r, 0, 1000000);
	p->addr_burst = wire_get_range(&r, 0, 1000000);
	p->user_rate = wire_get_range(&r, 0, 1000000);
	p->user_burst = wire_get_range(&r, 0, 1000000);
	if (p->idle > p->lifetime)
		return -1;
	return wire_done(&r);
}

int
proto_send_auth_tunnel(struct chan *c, const struct p_auth_tunnel *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u8(&w, p->set);
	wire_put_str(&w, p->key);
	wire_put_u16(&w, p->port);
	wire_put_str(&w, p->addr4);
	wire_put_str(&w, p->addr6);
	wire_put_str(&w, p->api);
	wire_put_str(&w, p->fallback);
	return proto_send_plain(c, MSG_AUTH_CONF_TUNNEL, 0, &w);
}

int
proto_get_auth_tunnel(const struct msg *m, struct p_auth_tunnel *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->set = wire_get_u8(&r);
	wire_get_str(&r, p->key, sizeof(p->key));
	p->port = wire_get_u16(&r);
	wire_get_str(&r, p->addr4, sizeof(p->addr4));
	wire_get_str(&r, p->addr6, sizeof(p->addr6));
	wire_get_str(&r, p->api, sizeof(p->api));
	wire_get_str(&r, p->fallback, sizeof(p->fallback));
	if (p->set > 1 || (p->set && (strlen(p->key) != 44 ||
	    p->port == 0)))
		return -1;
	return wire_done(&r);
}

static int
req_type_ok(uint16_t type)
{
	return type >= MSG_AUTH_LOGIN && type <= MSG_AUTH_DEV_DELETE;
}

int
proto_send_auth_req(struct chan *c, uint16_t type, uint32_t peerid,
    const struct p_auth_req *p)
{
	struct wire_w	*w;
	int		 rv;

	if (!req_type_ok(type) || (w = malloc(sizeof(*w))) == NULL)
		return -1;
	wire_w_init(w);
	wire_put_u8(w, p->action);
	wire_put_str(w, p->method);
	wire_put_str(w, p->target);
	wire_put_bytes(w, p->body_sha256, sizeof(p->body_sha256));
	wire_put_str(w, p->authorization);
	wire_put_str(w, p->device_key);
	wire_put_str(w, p->sig_input);
	wire_put_str(w, p->signature);
	wire_put_str(w, p->content_digest);
	wire_put_str(w, p->addr);
	wire_put_str(w, p->project);
	wire_put_str(w, p->arg);
	wire_put_str(w, p->body);
	wire_put_u8(w, p->door);
	rv = proto_send_plain(c, type, peerid, w);
	free(w);
	return rv;
}

int
proto_get_auth_req(const struct msg *m, struct p_auth_req *p)
{
	struct wire_r	r;

	if (!req_type_ok(m->hdr.type))
		return -1;
	wire_r_init(&r, m->data, m->len);
	p->action = wire_get_u8(&r);
	wire_get_str(&r, p->method, sizeof(p->method));
	wire_get_str(&r, p->target, sizeof(p->target));
	wire_get_bytes(&r, p->body_sha256, sizeof(p->body_sha256));
	wire_get_str(&r, p->authorization, sizeof(p->authorization));
	wire_get_str(&r, p->device_key, sizeof(p->device_key));
	wire_get_str(&r, p->sig_input, sizeof(p->sig_input));
	wire_get_str(&r, p->signature, sizeof(p->signature));
	wire_get_str(&r, p->content_digest, sizeof(p->content_digest));
	wire_get_str(&r, p->addr, sizeof(p->addr));
	wire_get_str(&r, p->project, sizeof(p->project));
	wire_get_str(&r, p->arg, sizeof(p->arg));
	wire_get_str(&r, p->body, sizeof(p->body));
	p->door = wire_get_u8(&r);
	if (p->method[0] == '\0' || p->target[0] == '\0' ||
	    p->addr[0] == '\0' || p->door > LISTEN_TUNNEL)
		return -1;
	return wire_done(&r);
}

int
proto_send_auth_allow(struct chan *c, uint32_t peerid,
    const struct p_auth_allow *p)
{
	struct wire_w	w;
	int		i;

	wire_w_init(&w);
	wire_put_str(&w, p->user);
	wire_put_str(&w, p->device);
	wire_put_str(&w, p->sid);
	wire_put_u8(&w, p->events_suite);
	wire_put_u8(&w, p->any);
	wire_put_u64(&w, p->grant);
	wire_put_u8(&w, p->nprojects);
	for (i = 0; i < p->nprojects && i < AUTH_MAXPROJECTS; i++)
		wire_put_str(&w, p->projects[i]);
	return proto_send_plain(c, MSG_AUTH_ALLOW, peerid, &w);
}

int
proto_get_auth_allow(const struct msg *m, struct p_auth_allow *p)
{
	struct wire_r	r;
	int		i;

	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->user, sizeof(p->user));
	wire_get_str(&r, p->device, sizeof(p->device));
	wire_get_str(&r, p->sid, sizeof(p->sid));
	p->events_suite = wire_get_u8(&r);
	p->any = wire_get_u8(&r);
	p->grant = wire_get_u64(&r);
	p->nprojects = wire_get_u8(&r);
	if (p->user[0] == '\0' || p->sid[0] == '\0' ||
	    p->events_suite > 1 || p->any > 1 ||
	    p->nprojects > AUTH_MAXPROJECTS)
		return -1;
	for (i = 0; i < p->nprojects; i++) {
		wire_get_str(&r, p->projects[i], sizeof(p->projects[i]));
		if (p->projects[i][0] == '\0')
			return -1;
	}
	return wire_done(&r);
}

int
proto_send_auth_reply(struct chan *c, uint32_t peerid,
    const struct p_auth_reply *p)
{
	struct wire_w	*w;
	int		 rv;

	if ((w = malloc(sizeof(*w))) == NULL)
		return -1;
	wire_w_init(w);
	wire_put_u16(w, p->status);
	wire_put_u8(w, p->html);
	wire_put_u32(w, p->retry_after);
	wire_put_str(w, p->body);
	rv = proto_send_plain(c, MSG_AUTH_REPLY, peerid, w);
	free(w);
	return rv;
}

int
proto_get_auth_reply(const struct msg *m, struct p_auth_reply *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->status = wire_get_u16(&r);
	p->html = wire_get_u8(&r);
	p->retry_after = wire_get_range(&r, 0, 86400);
	wire_get_str(&r, p->body, sizeof(p->body));
	if (p->status < 200 || p->status > 599 || p->html > 1)
		return -1;
	return wire_done(&r);
}

int
proto_send_auth_ctl(struct chan *c, uint16_t type, uint32_t peerid,
    const struct p_auth_ctl *p)
{
	struct wire_w	w;

	if (type != MSG_AUTH_CTL_ENROL && type != MSG_AUTH_CTL_REVOKE)
		return -1;
	wire_w_init(&w);
	wire_put_u8(&w, p->kind);
	wire_put_str(&w, p->id);
	return proto_send_plain(c, type, peerid, &w);
}

int
proto_get_auth_ctl(const struct msg *m, struct p_auth_ctl *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->kind = wire_get_u8(&r);
	wire_get_str(&r, p->id, sizeof(p->id));
	if (p->id[0] == '\0' || p->kind < AUTH_CTL_USER ||
	    p->kind > AUTH_CTL_SESSION || !proto_auth_id_ok(p->id))
		return -1;
	if (m->hdr.type == MSG_AUTH_CTL_ENROL && p->kind != AUTH_CTL_USER)
		return -1;
	if (m->hdr.type != MSG_AUTH_CTL_ENROL &&
	    m->hdr.type != MSG_AUTH_CTL_REVOKE)
		return -1;
	return wire_done(&r);
}

/* An id names a user, device or session: visible ASCII, no blank. */
int
proto_auth_id_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

int
proto_send_ctl_result_id(struct chan *c, uint32_t peerid,
    const struct p_ctl_result *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->code);
	wire_put_str(&w, p->text);
	return proto_send_plain(c, MSG_CTL_RESULT, peerid, &w);
}

/* The fuzzer's entry: whatever the type, decode as that type says. */
void
proto_auth_decode_any(const struct msg *m)
{
	union {
		struct p_auth_user	user;
		struct p_auth_member	member;
		struct p_auth_oidc	oidc;
		struct p_auth_webauthn	wa;
		struct p_auth_tokens	tok;
		struct p_auth_tunnel	tun;
		struct p_auth_allow	allow;
		struct p_auth_ctl	ctl;
	} u;
	struct p_auth_req	*req;
	struct p_auth_reply	*rep;

	switch (m->hdr.type) {
	case MSG_AUTH_CONF_RESET:
		proto_get_empty(m);
		break;
	case MSG_AUTH_CONF_USER:
		proto_get_auth_user(m, &u.user);
		break;
	case MSG_AUTH_CONF_MEMBER:
		proto_get_auth_member(m, &u.member);
		break;
	case MSG_AUTH_CONF_OIDC:
		proto_get_auth_oidc(m, &u.oidc);
		break;
	case MSG_AUTH_CONF_WEBAUTHN:
		proto_get_auth_webauthn(m, &u.wa);
		break;
	case MSG_AUTH_CONF_TOKENS:
		proto_get_auth_tokens(m, &u.tok);
		break;
	case MSG_AUTH_CONF_TUNNEL:
		proto_get_auth_tunnel(m, &u.tun);
		break;
	case MSG_AUTH_ALLOW:
		proto_get_auth_allow(m, &u.allow);
		break;
	case MSG_AUTH_REPLY:
		if ((rep = malloc(sizeof(*rep))) != NULL)
			proto_get_auth_reply(m, rep);
		free(rep);
		break;
	case MSG_AUTH_CTL_ENROL:
	case MSG_AUTH_CTL_REVOKE:
		proto_get_auth_ctl(m, &u.ctl);
		break;
	default:
		if ((req = malloc(sizeof(*req))) != NULL)
			proto_get_auth_req(m, req);
		free(req);
	}
}
