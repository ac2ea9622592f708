/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The tunnel vocabulary: WireGuard peers, settings and their codecs. */

#ifndef PCCX_PROTO_TUNNEL_H
#define PCCX_PROTO_TUNNEL_H

#include <stdint.h>

#include "proto/proto.h"

enum tunnel_msg_type {
	/* parent -> tunnel: interface and pool settings */
	MSG_TUNNEL_CONF = MSG_TUNNEL_BASE,
	/* auth -> tunnel: add a peer for a device's key */
	MSG_TUNNEL_PEER_ADD,
	/* tunnel -> auth: the addresses given, peerid echoed */
	MSG_TUNNEL_PEER_ADDR,
	/* auth -> tunnel: remove the peers of a session, device or user */
	MSG_TUNNEL_PEER_DEL,
	/* ctl -> parent -> tunnel: list the peers */
	MSG_TUNNEL_SHOW,
	/* tunnel -> parent -> ctl: one peer; then MSG_CTL_END */
	MSG_TUNNEL_PEER_INFO,
	/* tunnel -> auth: serving now, peers may be added (empty) */
	MSG_TUNNEL_READY,
	/* tunnel -> parent: wireguard-go's pidfd (empty) */
	MSG_TUNNEL_WG,
	MSG_TUNNEL_MAX
};

#define TUNNEL_IFNAMEMAX	16	/* IFNAMSIZ */
#define TUNNEL_ADDRMAX		64	/* "ADDRESS/PREFIX" */
#define TUNNEL_KEYB64MAX	45	/* 44 base64 characters */
#define TUNNEL_IDMAX		128	/* user, device, session id */

#define TUNNEL_BACKEND_AUTO	0
#define TUNNEL_BACKEND_KERNEL	1
#define TUNNEL_BACKEND_USER	2

/* Ranges shared with the configuration parser. */
#define TUNNEL_KEEPALIVE_MIN	1
#define TUNNEL_KEEPALIVE_MAX	3600
#define TUNNEL_IDLE_MIN		60
#define TUNNEL_IDLE_MAX		86400
#define TUNNEL_PORT_MIN		1
#define TUNNEL_PORT_MAX		65535

/*
 * The tunnel daemon's settings.  set is 0 when the configuration has
 * no tunnel block: the daemon then refuses every peer.  Addresses are
 * "ADDRESS/PREFIX" as the parser printed them; either family may be
 * "" when not configured, but an address comes with its pool.  The
 * private key arrives as the key file "wg-private".
 */
struct p_tunnel_conf {
	uint8_t		set;
	uint8_t		backend;		/* TUNNEL_BACKEND_* */
	char		ifname[TUNNEL_IFNAMEMAX];
	char		addr4[TUNNEL_ADDRMAX];
	char		addr6[TUNNEL_ADDRMAX];
	char		pool4[TUNNEL_ADDRMAX];
	char		pool6[TUNNEL_ADDRMAX];
	uint16_t	port;
	uint32_t	keepalive;		/* seconds */
	uint32_t	idle_timeout;		/* seconds */
};

/* A peer for a device with a live token; key is base64 of 32 bytes. */
struct p_tunnel_peer_add {
	char		user[TUNNEL_IDMAX];
	char		device[TUNNEL_IDMAX];
	char		sid[TUNNEL_IDMAX];
	char		key[TUNNEL_KEYB64MAX];
};

/* The answer: code 0 and the addresses, or a code and "" addresses. */
#define TUNNEL_OK		0
#define TUNNEL_ERR_OFF		1	/* no tunnel configured */
#define TUNNEL_ERR_FULL		2	/* a pool is exhausted */
#define TUNNEL_ERR_BACKEND	3	/* WireGuard refused the peer */
/* key in use by another session */
#define TUNNEL_ERR_KEY		4
#define TUNNEL_ERR_MAX		4

struct p_tunnel_peer_addr {
	uint8_t		code;
	char		addr4[TUNNEL_ADDRMAX];
	char		addr6[TUNNEL_ADDRMAX];
};

#define TUNNEL_DEL_SESSION	1
#define TUNNEL_DEL_DEVICE	2
#define TUNNEL_DEL_USER		3

struct p_tunnel_peer_del {
	uint8_t		kind;			/* TUNNEL_DEL_* */
	char		id[TUNNEL_IDMAX];
};

struct p_tunnel_peer_info {
	char		user[TUNNEL_IDMAX];
	char		device[TUNNEL_IDMAX];
	char		sid[TUNNEL_IDMAX];
	char		key[TUNNEL_KEYB64MAX];
	char		addr4[TUNNEL_ADDRMAX];
	char		addr6[TUNNEL_ADDRMAX];
	uint64_t	handshake;		/* unix seconds, 0: never */
	uint64_t	rx;
	uint64_t	tx;
};

/* Encoded sizes of MSG_TUNNEL_PEER_INFO, for role tables. */
#define P_TUNNEL_INFO_MIN	(6 * 2 + 3 + 44 + 3 * 8)
#define P_TUNNEL_INFO_MAX	(6 * 2 + 3 * (TUNNEL_IDMAX - 1) + 44 + \
	2 * (TUNNEL_ADDRMAX - 1) + 3 * 8)

/* Typed codecs (see proto/proto.h for the contract). */
int	proto_send_tunnel_conf(struct chan *, const struct p_tunnel_conf *);
int	proto_get_tunnel_conf(const struct msg *, struct p_tunnel_conf *);
int	proto_send_tunnel_peer_add(struct chan *, uint32_t,
	    const struct p_tunnel_peer_add *);
int	proto_get_tunnel_peer_add(const struct msg *,
	    struct p_tunnel_peer_add *);
int	proto_send_tunnel_peer_addr(struct chan *, uint32_t,
	    const struct p_tunnel_peer_addr *);
int	proto_get_tunnel_peer_addr(const struct msg *,
	    struct p_tunnel_peer_addr *);
int	proto_send_tunnel_peer_del(struct chan *,
	    const struct p_tunnel_peer_del *);
/* proto_send_tunnel_wg: hand wireguard-go's pidfd (taken) to the parent. */
int	proto_send_tunnel_wg(struct chan *, int);
int	proto_get_tunnel_peer_del(const struct msg *,
	    struct p_tunnel_peer_del *);
int	proto_send_tunnel_peer_info(struct chan *, uint32_t,
	    const struct p_tunnel_peer_info *);
int	proto_get_tunnel_peer_info(const struct msg *,
	    struct p_tunnel_peer_info *);
/* proto_tunnel_decode_any: run the decoder of m's type (the fuzzer). */
void	proto_tunnel_decode_any(const struct msg *);

/*
 * tunnel_key_decode: the 32 bytes of a WireGuard key in standard
 * base64 (44 characters, one '=' of padding, canonical).  0, or -1.
 */
int	tunnel_key_decode(const char *, uint8_t[32]);
/*
 * tunnel_prefix_parse: "ADDRESS/PREFIX" of family 4 or 6 (0: either)
 * into its bytes (4 or 16), prefix length and family (AF_INET or
 * AF_INET6).  The address is printed back and must read the same
 * (no leading zeros, lower-case hex, the shortest IPv6 form).
 * 0, or -1.
 */
int	tunnel_prefix_parse(const char *, int, uint8_t *, int *, int *);
/* tunnel_conf_check: 0 when every setting is in range and well formed. */
int	tunnel_conf_check(const struct p_tunnel_conf *);

#endif
