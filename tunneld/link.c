/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The WireGuard interface over rtnetlink: create, address, bring up. */

#include <sys/socket.h>

#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "tunneld.h"

/* One request on a fresh rtnetlink socket, and its ack. */
static int
link_talk(struct nlmsghdr *nh)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket	*s;
	ssize_t			 n;
	int			 rv = -1;

	if ((s = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return -1;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0 &&
	    mnl_socket_sendto(s, nh, nh->nlmsg_len) != -1 &&
	    (n = mnl_socket_recvfrom(s, buf, sizeof(buf))) > 0)
		rv = mnl_cb_run(buf, n, nh->nlmsg_seq,
		    mnl_socket_get_portid(s), NULL, NULL) == -1 ? -1 : 0;
	mnl_socket_close(s);
	return rv;
}

static struct nlmsghdr *
link_head(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr	*nh;

	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nh->nlmsg_seq = (uint32_t)time(NULL);
	return nh;
}

/* link_create_wg: a kernel WireGuard interface named ifname. */
int
link_create_wg(const char *ifname)
{
	char			 buf[512];
	struct nlmsghdr		*nh;
	struct ifinfomsg	*ifi;
	struct nlattr		*info;

	nh = link_head(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nh, IFLA_LINKINFO);
	mnl_attr_put_strz(nh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nh, info);
	if (link_talk(nh) == -1 && errno != EEXIST) {
		log_warn("create interface %s", ifname);
		return -1;
	}
	return 0;
}

static int
link_addr(int ifindex, const struct wg_addr *a)
{
	char			 buf[256];
	struct nlmsghdr		*nh;
	struct ifaddrmsg	*ifa;
	size_t			 len = a->af == AF_INET ? 4 : 16;

	nh = link_head(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = a->af;
	ifa->ifa_prefixlen = a->plen;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nh, IFA_LOCAL, len, a->a);
	mnl_attr_put(nh, IFA_ADDRESS, len, a->a);
	if (a->af == AF_INET6)
		mnl_attr_put_u32(nh, IFA_FLAGS, IFA_F_NODAD);
	return link_talk(nh);
}

static int
link_up(int ifindex)
{
	char			 buf[128];
	struct nlmsghdr		*nh;
	struct ifinfomsg	*ifi;

	nh = link_head(buf, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return link_talk(nh);
}

/*
 * link_configure: give ifname its n addresses and bring it up.  The
 * pools' routes come with the prefixes.  0, or -1.
 */
int
link_configure(const char *ifname, const struct wg_addr *addrs, int n)
{
	int	i, idx;

	if ((idx = if_nametoindex(ifname)) == 0) {
		log_warn("interface %s", ifname);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (link_addr(idx, &addrs[i]) == -1) {
			log_warn("address on %s", ifname);
			return -1;
		}
	if (link_up(idx) == -1) {
		log_warn("bring up %s", ifname);
		return -1;
	}
	return 0;
}

/*
 * link_delete: remove interface ifname.  wireguard-go exits when its
 * interface goes, and a kernel interface takes its peers with it.
 */
int
link_delete(const char *ifname)
{
	char			 buf[128];
	struct nlmsghdr		*nh;
	struct ifinfomsg	*ifi;

	nh = link_head(buf, RTM_DELLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nh, IFLA_IFNAME, ifname);
	return link_talk(nh);
}
