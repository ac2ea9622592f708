/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Kernel WireGuard over generic netlink: messages and the backend. */

#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include <libmnl/libmnl.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "tunneld.h"

static struct mnl_socket	*nl;
static uint16_t			 wg_family;
static uint32_t			 nl_seq;
static char			 wg_ifname[TUNNEL_IFNAMEMAX];

static int	wgnl_device(const uint8_t *, uint16_t);
static int	wgnl_peer_set(const struct wg_peer_spec *);
static int	wgnl_peer_remove(const uint8_t *);
static int	wgnl_stats(wg_stats_cb, void *);

static const struct wg_backend wgnl_ops = {
	"kernel", wgnl_device, wgnl_peer_set, wgnl_peer_remove, wgnl_stats
};

/* The netlink and genetlink headers of a WireGuard request. */
static struct nlmsghdr *
wgnl_head(void *buf, uint16_t family, uint32_t seq, uint8_t cmd,
    uint16_t flags, const char *ifname)
{
	struct nlmsghdr		*nh;
	struct genlmsghdr	*gh;

	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = family;
	nh->nlmsg_flags = NLM_F_REQUEST | flags;
	nh->nlmsg_seq = seq;
	gh = mnl_nlmsg_put_extra_header(nh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = WG_GENL_VERSION;
	mnl_attr_put_strz(nh, WGDEVICE_A_IFNAME, ifname);
	return nh;
}

static int
wgnl_allowed(struct nlmsghdr *nh, size_t size, const struct wg_addr *a)
{
	struct nlattr	*ip;

	if ((ip = mnl_attr_nest_start_check(nh, size, 0)) == NULL)
		return -1;
	if (!mnl_attr_put_u16_check(nh, size, WGALLOWEDIP_A_FAMILY, a->af) ||
	    !mnl_attr_put_check(nh, size, WGALLOWEDIP_A_IPADDR,
	    a->af == AF_INET ? 4 : 16, a->a) ||
	    !mnl_attr_put_u8_check(nh, size, WGALLOWEDIP_A_CIDR_MASK,
	    a->plen))
		return -1;
	mnl_attr_nest_end(nh, ip);
	return 0;
}

/*
 * wgnl_build_peer: into buf (size bytes) a WG_CMD_SET_DEVICE request
 * for ifname with one peer: with remove set, WGPEER_F_REMOVE_ME;
 * otherwise WGPEER_F_REPLACE_ALLOWEDIPS, the keepalive and the allowed
 * IPs.  Returns the message length, or 0 when it does not fit.
 */
size_t
wgnl_build_peer(void *buf, size_t size, uint16_t family, uint32_t seq,
    const char *ifname, const struct wg_peer_spec *p, int remove)
{
	struct nlmsghdr	*nh;
	struct nlattr	*peers, *peer, *ips;
	int		 i;

	if (size < MNL_NLMSG_HDRLEN + 64)
		return 0;
	/* libmnl leaves attribute padding as it found it. */
	memset(buf, 0, size);
	nh = wgnl_head(buf, family, seq, WG_CMD_SET_DEVICE, NLM_F_ACK,
	    ifname);
	if ((peers = mnl_attr_nest_start_check(nh, size,
	    WGDEVICE_A_PEERS)) == NULL ||
	    (peer = mnl_attr_nest_start_check(nh, size, 0)) == NULL ||
	    !mnl_attr_put_check(nh, size, WGPEER_A_PUBLIC_KEY, WG_KEYLEN,
	    p->key) || !mnl_attr_put_u32_check(nh, size, WGPEER_A_FLAGS,
	    remove ? WGPEER_F_REMOVE_ME : WGPEER_F_REPLACE_ALLOWEDIPS))
		return 0;
	if (!remove) {
		if (!mnl_attr_put_u16_check(nh, size,
		    WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive) ||
		    (ips = mnl_attr_nest_start_check(nh, size,
		    WGPEER_A_ALLOWEDIPS)) == NULL)
			return 0;
		for (i = 0; i < p->nips; i++)
			if (wgnl_allowed(nh, size, &p->ips[i]) == -1)
				return 0;
		mnl_attr_nest_end(nh, ips);
	}
	mnl_attr_nest_end(nh, peer);
	mnl_attr_nest_end(nh, peers);
	return nh->nlmsg_len;
}

/* wgnl_build_device: WG_CMD_SET_DEVICE with private key and port. */
size_t
wgnl_build_device(void *buf, size_t size, uint16_t family, uint32_t seq,
    const char *ifname, const uint8_t *priv, uint16_t port)
{
	struct nlmsghdr	*nh;

	if (size < MNL_NLMSG_HDRLEN + 64)
		return 0;
	/* libmnl leaves attribute padding as it found it. */
	memset(buf, 0, size);
	nh = wgnl_head(buf, family, seq, WG_CMD_SET_DEVICE, NLM_F_ACK,
	    ifname);
	if (!mnl_attr_put_check(nh, size, WGDEVICE_A_PRIVATE_KEY, WG_KEYLEN,
	    priv) || !mnl_attr_put_u16_check(nh, size,
	    WGDEVICE_A_LISTEN_PORT, port))
		return 0;
	return nh->nlmsg_len;
}

/* Send one request and run cb over its replies up to the ack. */
static int
wgnl_talk(struct mnl_socket *s, struct nlmsghdr *nh, mnl_cb_t cb, void *arg)
{
	char		buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t	seq = nh->nlmsg_seq, port = mnl_socket_get_portid(s);
	ssize_t		n;
	int		rv;

	if (mnl_socket_sendto(s, nh, nh->nlmsg_len) == -1)
		return -1;
	do {
		if ((n = mnl_socket_recvfrom(s, buf, sizeof(buf))) <= 0)
			return -1;
		rv = mnl_cb_run(buf, n, seq, port, cb, arg);
	} while (rv > 0);
	return rv;
}

static int
family_attr(const struct nlattr *a, void *arg)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		*(uint16_t *)arg = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int
family_cb(const struct nlmsghdr *nh, void *arg)
{
	return mnl_attr_parse(nh, sizeof(struct genlmsghdr), family_attr,
	    arg);
}

/*
 * wgnl_family: ask the generic netlink controller for "wireguard".
 * 0 when the kernel has no such family (no module).
 */
uint16_t
wgnl_family(void)
{
	char			 buf[256];
	struct mnl_socket	*s;
	struct nlmsghdr		*nh;
	struct genlmsghdr	*gh;
	uint16_t		 id = 0;

	if ((s = mnl_socket_open(NETLINK_GENERIC)) == NULL)
		return 0;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0) {
		nh = mnl_nlmsg_put_header(buf);
		nh->nlmsg_type = GENL_ID_CTRL;
		nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nh->nlmsg_seq = (uint32_t)time(NULL);
		gh = mnl_nlmsg_put_extra_header(nh, sizeof(*gh));
		gh->cmd = CTRL_CMD_GETFAMILY;
		gh->version = 1;
		mnl_attr_put_strz(nh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
		if (wgnl_talk(s, nh, family_cb, &id) == -1)
			id = 0;
	}
	mnl_socket_close(s);
	return id;
}

static int
wgnl_set(struct nlmsghdr *nh, size_t len)
{
	if (len == 0 || wgnl_talk(nl, nh, NULL, NULL) == -1) {
		log_warn("wireguard netlink request");
		return -1;
	}
	return 0;
}

static int
wgnl_device(const uint8_t *priv, uint16_t port)
{
	char	buf[512];
	int	rv;

	rv = wgnl_set((struct nlmsghdr *)buf, wgnl_build_device(buf,
	    sizeof(buf), wg_family, ++nl_seq, wg_ifname, priv, port));
	explicit_bzero(buf, sizeof(buf));
	return rv;
}

static int
wgnl_peer_set(const struct wg_peer_spec *p)
{
	char	buf[512];

	return wgnl_set((struct nlmsghdr *)buf, wgnl_build_peer(buf,
	    sizeof(buf), wg_family, ++nl_seq, wg_ifname, p, 0));
}

static int
wgnl_peer_remove(const uint8_t *k)
{
	struct wg_peer_spec	p;
	char			buf[512];

	memset(&p, 0, sizeof(p));
	memcpy(p.key, k, WG_KEYLEN);
	return wgnl_set((struct nlmsghdr *)buf, wgnl_build_peer(buf,
	    sizeof(buf), wg_family, ++nl_seq, wg_ifname, &p, 1));
}

struct stats_arg {
	wg_stats_cb	 cb;
	void		*arg;
};

static int
peer_attr(const struct nlattr *a, void *arg)
{
	struct wg_peer_stats	*st = arg;
	struct __kernel_timespec ts;

	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_PUBLIC_KEY:
		if (mnl_attr_get_payload_len(a) == WG_KEYLEN)
			memcpy(st->key, mnl_attr_get_payload(a), WG_KEYLEN);
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (mnl_attr_get_payload_len(a) == sizeof(ts)) {
			memcpy(&ts, mnl_attr_get_payload(a), sizeof(ts));
			st->handshake = ts.tv_sec;
		}
		break;
	case WGPEER_A_RX_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			st->rx = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_TX_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			st->tx = mnl_attr_get_u64(a);
		break;
	}
	return MNL_CB_OK;
}

static int
peers_attr(const struct nlattr *a, void *arg)
{
	struct stats_arg	*sa = arg;
	struct wg_peer_stats	 st;

	memset(&st, 0, sizeof(st));
	if (mnl_attr_parse_nested(a, peer_attr, &st) == MNL_CB_OK)
		sa->cb(&st, sa->arg);
	return MNL_CB_OK;
}

static int
device_attr(const struct nlattr *a, void *arg)
{
	if (mnl_attr_get_type(a) == WGDEVICE_A_PEERS)
		return mnl_attr_parse_nested(a, peers_attr, arg);
	return MNL_CB_OK;
}

static int
device_cb(const struct nlmsghdr *nh, void *arg)
{
	return mnl_attr_parse(nh, sizeof(struct genlmsghdr), device_attr,
	    arg);
}

static int
wgnl_stats(wg_stats_cb cb, void *arg)
{
	struct stats_arg	 sa = { cb, arg };
	char			 buf[256];
	struct nlmsghdr		*nh;

	nh = wgnl_head(buf, wg_family, ++nl_seq, WG_CMD_GET_DEVICE,
	    NLM_F_DUMP, wg_ifname);
	if (wgnl_talk(nl, nh, device_cb, &sa) == -1) {
		log_warn("wireguard netlink dump");
		return -1;
	}
	return 0;
}

/*
 * wgnl_backend: the kernel backend for ifname over genl family id.
 * Opens its netlink socket; called from setup().  NULL on failure.
 * XXX: these machines have no WireGuard module: the messages are
 * checked byte for byte in regress/tunnel, the round trips are not.
 */
const struct wg_backend *
wgnl_backend(const char *ifname, uint16_t family)
{
	if ((nl = mnl_socket_open(NETLINK_GENERIC)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		return NULL;
	snprintf(wg_ifname, sizeof(wg_ifname), "%s", ifname);
	wg_family = family;
	nl_seq = (uint32_t)time(NULL);
	return &wgnl_ops;
}
