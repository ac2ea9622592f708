/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-tunneld's shared declarations: peers, backends, builders. */

#ifndef PCCX_TUNNELD_H
#define PCCX_TUNNELD_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

struct event_base;

#include "proto/tunnel.h"

#define WG_KEYLEN	32

/* One address of a peer or of the interface: family, bytes, prefix. */
struct wg_addr {
	int		af;		/* AF_INET or AF_INET6 */
	uint8_t		a[16];
	int		plen;
};

/* What a backend needs to add or change one peer. */
struct wg_peer_spec {
	uint8_t		key[WG_KEYLEN];
	struct wg_addr	ips[2];
	int		nips;
	uint16_t	keepalive;	/* seconds, 0: off */
};

/* A peer's counters as the backend reports them. */
struct wg_peer_stats {
	uint8_t		key[WG_KEYLEN];
	uint64_t	handshake;	/* unix seconds, 0: never */
	uint64_t	rx;
	uint64_t	tx;
};

typedef void (*wg_stats_cb)(const struct wg_peer_stats *, void *);

/* A backend drives one WireGuard interface. */
struct wg_backend {
	const char	*name;
	int		(*device)(const uint8_t *, uint16_t);
	int		(*peer_set)(const struct wg_peer_spec *);
	int		(*peer_remove)(const uint8_t *);
	int		(*stats)(wg_stats_cb, void *);
};

/* A peer in the table. */
struct tpeer {
	TAILQ_ENTRY(tpeer)	 entry;
	char			 user[TUNNEL_IDMAX];
	char			 device[TUNNEL_IDMAX];
	char			 sid[TUNNEL_IDMAX];
	char			 keyb64[TUNNEL_KEYB64MAX];
	uint8_t			 key[WG_KEYLEN];
	struct wg_addr		 ip4, ip6;	/* plen 0: none */
	uint64_t		 created;	/* monotonic seconds */
	uint64_t		 seen;		/* last activity seen */
	uint64_t		 rx, tx, handshake;
};
TAILQ_HEAD(tpeer_list, tpeer);

/* UAPI text (uapi.c).  Each builder returns its length, or -1. */
#define UAPI_BUFMAX	1024
int	uapi_key_hex(const char *, size_t, char *);
int	uapi_build_device(char *, size_t, const uint8_t *, uint16_t);
int	uapi_build_peer(char *, size_t, const char *, size_t,
	    const char *const *, const size_t *, int, uint16_t);
int	uapi_build_remove(char *, size_t, const uint8_t *);
/* uapi_reply_errno: the errno= of a complete reply, or -1 malformed. */
int	uapi_reply_errno(const char *, size_t, int *);
/* uapi_parse_stats: the peers of a get=1 reply; 0, or -1 malformed. */
int	uapi_parse_stats(const char *, size_t, wg_stats_cb, void *);
/* uapi_backend: the userspace backend on the connected UAPI socket. */
const struct wg_backend *uapi_backend(int);
/* uapi_start: run wireguard-go for ifname; the UAPI socket, or -1. */
int	uapi_start(const char *, int *);

/* Kernel WireGuard over generic netlink (wgnl.c). */
/* wgnl_build_peer: WG_CMD_SET_DEVICE adding or removing one peer. */
size_t	wgnl_build_peer(void *, size_t, uint16_t, uint32_t, const char *,
	    const struct wg_peer_spec *, int);
/* wgnl_build_device: WG_CMD_SET_DEVICE with key and port. */
size_t	wgnl_build_device(void *, size_t, uint16_t, uint32_t,
	    const char *, const uint8_t *, uint16_t);
/* wgnl_family: the wireguard genl family id, or 0 without one. */
uint16_t wgnl_family(void);
/* wgnl_backend: the kernel backend; it opens its netlink socket. */
const struct wg_backend *wgnl_backend(const char *, uint16_t);

/* Links over rtnetlink (link.c). */
int	link_create_wg(const char *);
int	link_configure(const char *, const struct wg_addr *, int);
int	link_delete(const char *);

/* The peer table (peer.c). */
void	peer_init(const struct p_tunnel_conf *, const struct wg_backend *);
int	peer_add(const struct p_tunnel_peer_add *,
	    struct p_tunnel_peer_addr *);
int	peer_del(int, const char *);
void	peer_sweep(uint64_t);
const struct tpeer_list *peer_list(void);
/* peer_addr_text: "A/P" of an address. */
void	peer_addr_text(const struct wg_addr *, char *, size_t);

/* The TLS 1.3 fallback listener (relay.c). */
struct relay_conf {
	int		 lfd;		/* listening TCP socket */
	const char	*cert, *key, *ca;	/* PEM text */
	size_t		 certlen, keylen, calen;
	uint16_t	 wgport;	/* local WireGuard UDP port */
	unsigned	 maxconn;
	unsigned	 idle;		/* seconds without a frame */
	unsigned	 hs_timeout;	/* handshake, stalled writes */
};
struct relay_stats {
	uint64_t	 accepted, authed, open, cut;
	uint64_t	 refused_cert, refused_device, refused_full;
	uint64_t	 to_udp, to_stream, dropped;
};
struct sockaddr_storage;
struct x509_st;
int	relay_init(const struct relay_conf *);
int	relay_start(struct event_base *);
void	relay_check(void);
void	relay_stats(struct relay_stats *);
void	relay_addr_text(const struct sockaddr_storage *, char *, size_t);
int	relay_cert_device(struct x509_st *, char *, size_t);
/* relay_pem_fd: the whole text of a PEM file's descriptor, or NULL. */
char	*relay_pem_fd(int, size_t *);

#endif
