/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Typed encoders and decoders, one pair per message. */

#include <string.h>
#include <syslog.h>

#include "common/wire.h"
#include "proto.h"

static const char *const names[PROC_MAX] = {
	"parent", "front", "auth", "tunnel", "session", "audit", "ctl"
};

static const char *const binaries[PROC_MAX] = {
	"pccx-remoted", "pccx-frontd", "pccx-authd", "pccx-tunneld",
	"pccx-sessiond", "pccx-auditd", "pccxctl"
};

/*
 * The mesh: the parent talks to every child; the front end to every
 * daemon; auth, tunnel and session to audit, so each records its own
 * decisions; auth to tunnel, which adds peers for logins.
 */
static const uint8_t mesh[][2] = {
	{ PROC_FRONT, PROC_AUTH },
	{ PROC_FRONT, PROC_TUNNEL },
	{ PROC_FRONT, PROC_SESSION },
	{ PROC_FRONT, PROC_AUDIT },
	{ PROC_AUTH, PROC_AUDIT },
	{ PROC_TUNNEL, PROC_AUDIT },
	{ PROC_SESSION, PROC_AUDIT },
	{ PROC_AUTH, PROC_TUNNEL },
};

const char *
proc_name(int p)
{
	return p >= 0 && p < PROC_MAX ? names[p] : "unknown";
}

const char *
proc_binary(int p)
{
	return p >= 0 && p < PROC_MAX ? binaries[p] : NULL;
}

int
proc_linked(int a, int b)
{
	size_t	i;

	if (a == b || a < 0 || b < 0 || a > PROC_AUDIT || b > PROC_AUDIT)
		return 0;
	if (a == PROC_PARENT || b == PROC_PARENT)
		return 1;
	for (i = 0; i < sizeof(mesh) / sizeof(mesh[0]); i++)
		if ((mesh[i][0] == a && mesh[i][1] == b) ||
		    (mesh[i][0] == b && mesh[i][1] == a))
			return 1;
	return 0;
}

int
msg_dispatch(const struct msg_rule *tab, size_t n, int state,
    struct chan *c, struct msg *m, const char **why)
{
	const struct msg_rule	*r = NULL;
	size_t			 i;

	for (i = 0; i < n; i++)
		if (tab[i].type == m->hdr.type) {
			r = &tab[i];
			break;
		}
	if (r == NULL)
		*why = "unknown message type";
	else if (!(r->from & PROC_BIT(c->peer)))
		*why = "message not allowed from this peer";
	else if (!(r->states & state))
		*why = "message not allowed in this state";
	else if (m->len < r->minlen || m->len > r->maxlen)
		*why = "wrong size for message type";
	else if ((r->fd == MSG_FD_MUST) != (m->fd != -1))
		*why = m->fd == -1 ? "descriptor missing" :
		    "unexpected descriptor";
	else if (r->handler(c, m) == -1)
		*why = "malformed payload";
	else
		return 0;
	return -1;
}

int
proto_send_wire(struct chan *c, uint16_t type, uint32_t peerid, int fd,
    const struct wire_w *w)
{
	if (!wire_ok(w))
		return -1;
	return chan_compose(c, type, peerid, fd, w->buf, w->len);
}

int
proto_send_plain(struct chan *c, uint16_t type, uint32_t peerid,
    const struct wire_w *w)
{
	return proto_send_wire(c, type, peerid, -1, w);
}

int
proto_send_log(struct chan *c, int pri, const char *text)
{
	struct wire_w	w;
	char		buf[PROTO_STRMAX];

	strncpy(buf, text, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	wire_w_init(&w);
	wire_put_u8(&w, pri);
	wire_put_str(&w, buf);
	return proto_send_wire(c, MSG_LOG, 0, -1, &w);
}

int
proto_get_log(const struct msg *m, struct p_log *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->pri = wire_get_u8(&r);
	wire_get_str(&r, p->text, sizeof(p->text));
	if (p->pri > LOG_DEBUG)
		return -1;
	return wire_done(&r);
}

int
proto_send_conf_priv(struct chan *c, const struct p_conf_priv *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->uid);
	wire_put_u32(&w, p->gid);
	wire_put_u8(&w, p->verbose);
	wire_put_u8(&w, p->seccomp_debug);
	wire_put_str(&w, p->root);
	return proto_send_wire(c, MSG_CONF_PRIV, 0, -1, &w);
}

int
proto_get_conf_priv(const struct msg *m, struct p_conf_priv *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->uid = wire_get_u32(&r);
	p->gid = wire_get_u32(&r);
	p->verbose = wire_get_u8(&r);
	p->seccomp_debug = wire_get_u8(&r);
	wire_get_str(&r, p->root, sizeof(p->root));
	if (p->verbose > 9 || p->seccomp_debug > 1 || p->root[0] != '/' ||
	    p->uid == (uint32_t)-1 || p->gid == (uint32_t)-1)
		return -1;
	return wire_done(&r);
}

int
proto_send_limits(struct chan *c, const struct p_limits *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->request_line);
	wire_put_u32(&w, p->header_count);
	wire_put_u32(&w, p->header_bytes);
	wire_put_u32(&w, p->body_bytes);
	wire_put_u64(&w, p->upload_bytes);
	wire_put_u32(&w, p->idle_timeout);
	wire_put_u32(&w, p->request_timeout);
	wire_put_u32(&w, p->ws_frame_bytes);
	wire_put_u32(&w, p->ws_message_bytes);
	wire_put_u32(&w, p->max_connections);
	wire_put_u32(&w, p->feeds_per_user);
	return proto_send_wire(c, MSG_CONF_LIMITS, 0, -1, &w);
}

int
proto_get_limits(const struct msg *m, struct p_limits *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->request_line = wire_get_u32(&r);
	p->header_count = wire_get_u32(&r);
	p->header_bytes = wire_get_u32(&r);
	p->body_bytes = wire_get_u32(&r);
	p->upload_bytes = wire_get_u64(&r);
	p->idle_timeout = wire_get_u32(&r);
	p->request_timeout = wire_get_u32(&r);
	p->ws_frame_bytes = wire_get_u32(&r);
	p->ws_message_bytes = wire_get_u32(&r);
	p->max_connections = wire_get_u32(&r);
	p->feeds_per_user = wire_get_u32(&r);
	if (wire_done(&r) == -1)
		return -1;
	return proto_check_limits(p);
}

static int
in_range(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v >= lo && v <= hi;
}

int
proto_check_limits(const struct p_limits *p)
{
	if (!in_range(p->request_line, LIM_REQLINE_MIN, LIM_REQLINE_MAX) ||
	    !in_range(p->header_count, LIM_HDRCOUNT_MIN, LIM_HDRCOUNT_MAX) ||
	    !in_range(p->header_bytes, LIM_HDRBYTES_MIN, LIM_HDRBYTES_MAX) ||
	    !in_range(p->body_bytes, LIM_BODY_MIN, LIM_BODY_MAX) ||
	    !in_range(p->upload_bytes, LIM_UPLOAD_MIN, LIM_UPLOAD_MAX) ||
	    !in_range(p->idle_timeout, LIM_TIMEOUT_MIN, LIM_TIMEOUT_MAX) ||
	    !in_range(p->request_timeout, LIM_TIMEOUT_MIN, LIM_TIMEOUT_MAX) ||
	    !in_range(p->ws_frame_bytes, LIM_WSFRAME_MIN, LIM_WSFRAME_MAX) ||
	    !in_range(p->ws_message_bytes, LIM_WSMSG_MIN, LIM_WSMSG_MAX) ||
	    !in_range(p->max_connections, LIM_CONN_MIN, LIM_CONN_MAX) ||
	    !in_range(p->feeds_per_user, LIM_FEEDS_MIN, LIM_FEEDS_MAX))
		return -1;
	return 0;
}

int
proto_send_conf_listen(struct chan *c, int fd, const struct p_conf_listen *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u8(&w, p->tls);
	wire_put_u8(&w, p->kind);
	wire_put_str(&w, p->addr);
	return proto_send_wire(c, MSG_CONF_LISTEN, 0, fd, &w);
}

int
proto_get_conf_listen(const struct msg *m, struct p_conf_listen *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->tls = wire_get_u8(&r);
	p->kind = wire_get_u8(&r);
	wire_get_str(&r, p->addr, sizeof(p->addr));
	if (p->tls > 1 || p->kind > LISTEN_TUNNEL)
		return -1;
	return wire_done(&r);
}

int
proto_send_conf_key(struct chan *c, int fd, const struct p_conf_key *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->name);
	return proto_send_wire(c, MSG_CONF_KEY, 0, fd, &w);
}

int
proto_get_conf_key(const struct msg *m, struct p_conf_key *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->name, sizeof(p->name));
	if (p->name[0] == '\0')
		return -1;
	return wire_done(&r);
}

int
proto_send_empty(struct chan *c, uint16_t type, uint32_t peerid)
{
	return chan_compose(c, type, peerid, -1, NULL, 0);
}

int
proto_get_empty(const struct msg *m)
{
	return m->len == 0 ? 0 : -1;
}

static void
put_status(struct wire_w *w, const struct p_status *p)
{
	wire_put_u32(w, p->pid);
	wire_put_u32(w, p->uid);
	wire_put_u64(w, p->started);
	wire_put_u64(w, p->nin);
	wire_put_u64(w, p->nout);
	wire_put_u8(w, p->state);
}

static void
get_status(struct wire_r *r, struct p_status *p)
{
	p->pid = wire_get_u32(r);
	p->uid = wire_get_u32(r);
	p->started = wire_get_u64(r);
	p->nin = wire_get_u64(r);
	p->nout = wire_get_u64(r);
	p->state = wire_get_u8(r);
	if (p->state > PSTATE_DOWN)
		r->err = 1;
}

int
proto_send_status(struct chan *c, uint32_t peerid, const struct p_status *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	put_status(&w, p);
	return proto_send_wire(c, MSG_STATUS, peerid, -1, &w);
}

int
proto_get_status(const struct msg *m, struct p_status *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_status(&r, p);
	return wire_done(&r);
}

int
proto_send_ctl_proc(struct chan *c, const struct p_ctl_proc *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->name);
	wire_put_str(&w, p->user);
	put_status(&w, &p->st);
	return proto_send_wire(c, MSG_CTL_PROC, 0, -1, &w);
}

int
proto_get_ctl_proc(const struct msg *m, struct p_ctl_proc *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->name, sizeof(p->name));
	wire_get_str(&r, p->user, sizeof(p->user));
	get_status(&r, &p->st);
	return wire_done(&r);
}

int
proto_send_ctl_result(struct chan *c, const struct p_ctl_result *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->code);
	wire_put_str(&w, p->text);
	return proto_send_wire(c, MSG_CTL_RESULT, 0, -1, &w);
}

int
proto_get_ctl_result(const struct msg *m, struct p_ctl_result *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->code = wire_get_range(&r, 0, 255);
	wire_get_str(&r, p->text, sizeof(p->text));
	return wire_done(&r);
}
