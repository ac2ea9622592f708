/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Tunnel messages' codecs, WireGuard key and address syntax. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "proto/tunnel.h"

/* Printable ASCII only: ids end up in logs and on terminals. */
static int
id_clean(const char *s, int empty_ok)
{
	if (*s == '\0')
		return empty_ok ? 0 : -1;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return -1;
	return 0;
}

int
tunnel_key_decode(const char *s, uint8_t key[32])
{
	char	back[TUNNEL_KEYB64MAX];
	size_t	len;

	if (strlen(s) != 44 || s[43] != '=' || sodium_init() == -1)
		return -1;
	if (sodium_base642bin(key, 32, s, 44, NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || len != 32)
		return -1;
	/* Only the canonical text: no spare bits set in the last char. */
	sodium_bin2base64(back, sizeof(back), key, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	if (strcmp(back, s) != 0) {
		sodium_memzero(key, 32);
		return -1;
	}
	return 0;
}

int
tunnel_prefix_parse(const char *s, int fam, uint8_t *addr, int *plen,
    int *af)
{
	char		 a[TUNNEL_ADDRMAX], back[INET6_ADDRSTRLEN];
	const char	*slash;
	char		*end;
	long		 n;
	int		 f;

	if ((slash = strchr(s, '/')) == NULL || (size_t)(slash - s) >=
	    sizeof(a) || slash[1] < '0' || slash[1] > '9' ||
	    (slash[1] == '0' && slash[2] != '\0'))
		return -1;
	memcpy(a, s, slash - s);
	a[slash - s] = '\0';
	f = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;
	if ((fam == 4 && f != AF_INET) || (fam == 6 && f != AF_INET6))
		return -1;
	if (inet_pton(f, a, addr) != 1 ||
	    inet_ntop(f, addr, back, sizeof(back)) == NULL ||
	    strcmp(back, a) != 0)
		return -1;
	n = strtol(slash + 1, &end, 10);
	if (*end != '\0' || n < 0 || n > (f == AF_INET ? 32 : 128))
		return -1;
	*plen = n;
	*af = f;
	return 0;
}

static int
addr_check(const char *s, int fam)
{
	uint8_t	a[16];
	int	plen, af;

	if (*s == '\0')
		return 0;
	return tunnel_prefix_parse(s, fam, a, &plen, &af);
}

int
tunnel_conf_check(const struct p_tunnel_conf *p)
{
	if (p->set > 1 || p->backend > TUNNEL_BACKEND_USER)
		return -1;
	if (!p->set)
		return 0;
	if (id_clean(p->ifname, 0) == -1 || strchr(p->ifname, '/') != NULL ||
	    strcmp(p->ifname, ".") == 0 || strcmp(p->ifname, "..") == 0)
		return -1;
	if (addr_check(p->addr4, 4) || addr_check(p->pool4, 4) ||
	    addr_check(p->addr6, 6) || addr_check(p->pool6, 6))
		return -1;
	if ((p->addr4[0] == '\0') != (p->pool4[0] == '\0') ||
	    (p->addr6[0] == '\0') != (p->pool6[0] == '\0') ||
	    (p->addr4[0] == '\0' && p->addr6[0] == '\0'))
		return -1;
	if (p->port < TUNNEL_PORT_MIN ||
	    p->keepalive < TUNNEL_KEEPALIVE_MIN ||
	    p->keepalive > TUNNEL_KEEPALIVE_MAX ||
	    p->idle_timeout < TUNNEL_IDLE_MIN ||
	    p->idle_timeout > TUNNEL_IDLE_MAX)
		return -1;
	return 0;
}

int
proto_send_tunnel_conf(struct chan *c, const struct p_tunnel_conf *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u8(&w, p->set);
	wire_put_u8(&w, p->backend);
	wire_put_str(&w, p->ifname);
	wire_put_str(&w, p->addr4);
	wire_put_str(&w, p->addr6);
	wire_put_str(&w, p->pool4);
	wire_put_str(&w, p->pool6);
	wire_put_u16(&w, p->port);
	wire_put_u32(&w, p->keepalive);
	wire_put_u32(&w, p->idle_timeout);
	return proto_send_plain(c, MSG_TUNNEL_CONF, 0, &w);
}

int
proto_get_tunnel_conf(const struct msg *m, struct p_tunnel_conf *p)
{
	struct wire_r	r;

	memset(p, 0, sizeof(*p));
	wire_r_init(&r, m->data, m->len);
	p->set = wire_get_u8(&r);
	p->backend = wire_get_u8(&r);
	wire_get_str(&r, p->ifname, sizeof(p->ifname));
	wire_get_str(&r, p->addr4, sizeof(p->addr4));
	wire_get_str(&r, p->addr6, sizeof(p->addr6));
	wire_get_str(&r, p->pool4, sizeof(p->pool4));
	wire_get_str(&r, p->pool6, sizeof(p->pool6));
	p->port = wire_get_u16(&r);
	p->keepalive = wire_get_u32(&r);
	p->idle_timeout = wire_get_u32(&r);
	if (wire_done(&r) == -1)
		return -1;
	return tunnel_conf_check(p);
}

int
proto_send_tunnel_peer_add(struct chan *c, uint32_t peerid,
    const struct p_tunnel_peer_add *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->user);
	wire_put_str(&w, p->device);
	wire_put_str(&w, p->sid);
	wire_put_str(&w, p->key);
	return proto_send_plain(c, MSG_TUNNEL_PEER_ADD, peerid, &w);
}

int
proto_get_tunnel_peer_add(const struct msg *m, struct p_tunnel_peer_add *p)
{
	struct wire_r	r;
	uint8_t		k[32];

	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->user, sizeof(p->user));
	wire_get_str(&r, p->device, sizeof(p->device));
	wire_get_str(&r, p->sid, sizeof(p->sid));
	wire_get_str(&r, p->key, sizeof(p->key));
	if (wire_done(&r) == -1 || id_clean(p->user, 0) == -1 ||
	    id_clean(p->device, 0) == -1 || id_clean(p->sid, 0) == -1 ||
	    tunnel_key_decode(p->key, k) == -1)
		return -1;
	return 0;
}

int
proto_send_tunnel_peer_addr(struct chan *c, uint32_t peerid,
    const struct p_tunnel_peer_addr *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u8(&w, p->code);
	wire_put_str(&w, p->addr4);
	wire_put_str(&w, p->addr6);
	return proto_send_plain(c, MSG_TUNNEL_PEER_ADDR, peerid, &w);
}

int
proto_get_tunnel_peer_addr(const struct msg *m,
    struct p_tunnel_peer_addr *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->code = wire_get_u8(&r);
	wire_get_str(&r, p->addr4, sizeof(p->addr4));
	wire_get_str(&r, p->addr6, sizeof(p->addr6));
	if (wire_done(&r) == -1 || p->code > TUNNEL_ERR_MAX ||
	    addr_check(p->addr4, 4) == -1 || addr_check(p->addr6, 6) == -1)
		return -1;
	if (p->code == TUNNEL_OK ? p->addr4[0] == '\0' &&
	    p->addr6[0] == '\0' : p->addr4[0] != '\0' ||
	    p->addr6[0] != '\0')
		return -1;
	return 0;
}

int
proto_send_tunnel_peer_del(struct chan *c, const struct p_tunnel_peer_del *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u8(&w, p->kind);
	wire_put_str(&w, p->id);
	return proto_send_plain(c, MSG_TUNNEL_PEER_DEL, 0, &w);
}

int
proto_send_tunnel_wg(struct chan *c, int pidfd)
{
	return chan_compose(c, MSG_TUNNEL_WG, 0, pidfd, NULL, 0);
}

int
proto_get_tunnel_peer_del(const struct msg *m, struct p_tunnel_peer_del *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->kind = wire_get_u8(&r);
	wire_get_str(&r, p->id, sizeof(p->id));
	if (wire_done(&r) == -1 || p->kind < TUNNEL_DEL_SESSION ||
	    p->kind > TUNNEL_DEL_USER || id_clean(p->id, 0) == -1)
		return -1;
	return 0;
}

int
proto_send_tunnel_peer_info(struct chan *c, uint32_t peerid,
    const struct p_tunnel_peer_info *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->user);
	wire_put_str(&w, p->device);
	wire_put_str(&w, p->sid);
	wire_put_str(&w, p->key);
	wire_put_str(&w, p->addr4);
	wire_put_str(&w, p->addr6);
	wire_put_u64(&w, p->handshake);
	wire_put_u64(&w, p->rx);
	wire_put_u64(&w, p->tx);
	return proto_send_plain(c, MSG_TUNNEL_PEER_INFO, peerid, &w);
}

int
proto_get_tunnel_peer_info(const struct msg *m,
    struct p_tunnel_peer_info *p)
{
	struct wire_r	r;
	uint8_t		k[32];

	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->user, sizeof(p->user));
	wire_get_str(&r, p->device, sizeof(p->device));
	wire_get_str(&r, p->sid, sizeof(p->sid));
	wire_get_str(&r, p->key, sizeof(p->key));
	wire_get_str(&r, p->addr4, sizeof(p->addr4));
	wire_get_str(&r, p->addr6, sizeof(p->addr6));
	p->handshake = wire_get_u64(&r);
	p->rx = wire_get_u64(&r);
	p->tx = wire_get_u64(&r);
	if (wire_done(&r) == -1 || id_clean(p->user, 0) == -1 ||
	    id_clean(p->device, 0) == -1 || id_clean(p->sid, 0) == -1 ||
	    tunnel_key_decode(p->key, k) == -1 ||
	    addr_check(p->addr4, 4) == -1 || addr_check(p->addr6, 6) == -1)
		return -1;
	return 0;
}

void
proto_tunnel_decode_any(const struct msg *m)
{
	union {
		struct p_tunnel_conf		c;
		struct p_tunnel_peer_add	a;
		struct p_tunnel_peer_addr	r;
		struct p_tunnel_peer_del	d;
		struct p_tunnel_peer_info	i;
	} u;

	switch (m->hdr.type) {
	case MSG_TUNNEL_CONF:
		proto_get_tunnel_conf(m, &u.c);
		break;
	case MSG_TUNNEL_PEER_ADD:
		proto_get_tunnel_peer_add(m, &u.a);
		break;
	case MSG_TUNNEL_PEER_ADDR:
		proto_get_tunnel_peer_addr(m, &u.r);
		break;
	case MSG_TUNNEL_PEER_DEL:
		proto_get_tunnel_peer_del(m, &u.d);
		break;
	case MSG_TUNNEL_SHOW:
	case MSG_TUNNEL_READY:
	case MSG_TUNNEL_WG:
		proto_get_empty(m);
		break;
	case MSG_TUNNEL_PEER_INFO:
		proto_get_tunnel_peer_info(m, &u.i);
		break;
	}
}
