/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The tunnel daemon's seccomp policy and capabilities: netlink and UDP. */

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/capability.h>
#include <linux/sockios.h>

#include <errno.h>

#include "common/sandbox.h"

/*
 * Beyond the base set the tunnel daemon drives WireGuard: the kernel
 * implementation over generic netlink, or wireguard-go over its UAPI
 * socket; it moves the fallback's datagrams between the TLS listener
 * it was given and WireGuard's UDP port.
 */
static const struct sandbox_rule tunnel_rules[] = {
	SB_ALLOW_EQ("socket", 0, AF_NETLINK,
	    "generic netlink to WireGuard, rtnetlink for links"),
	SB_ALLOW_EQ("socket", 0, AF_UNIX,
	    "wireguard-go's UAPI socket"),
	SB_ALLOW_EQ("socket", 0, AF_INET,
	    "fallback datagrams to WireGuard's UDP port"),
	SB_ALLOW_EQ("socket", 0, AF_INET6,
	    "the same over IPv6"),
	SB_ALLOW("bind", "libmnl binds a netlink socket"),
	/*
	 * wireguard-go's UAPI socket lives in /var/run/wireguard, outside
	 * the chroot: setup() starts wireguard-go and connects the socket
	 * before confinement, and keeps that one connection.  connect
	 * stays for the fallback's datagrams to the local UDP port.
	 */
	SB_ALLOW("connect", "the local UDP port"),
	SB_ALLOW("getsockname", "libmnl reads its netlink port id"),
	SB_ALLOW("getpeername", "the fallback client's address"),
	SB_ALLOW("setsockopt",
	    "netlink options, TCP_NODELAY, fallback UDP buffer size"),
	SB_ALLOW("sendto", "netlink requests, fallback datagrams"),
	SB_ALLOW("recvfrom", "netlink replies, fallback datagrams"),
	SB_ALLOW("accept4", "clients on the TLS fallback listener"),
	SB_ALLOW("shutdown", "half-close a fallback connection"),
	SB_ALLOW_EQ("ioctl", 1, SIOCGIFINDEX,
	    "if_nametoindex on the WireGuard interface"),
	SB_ERRNO("openat", EACCES,
	    "jansson and libc probe for files such as /dev/urandom"),
};

const struct sandbox_policy sandbox_tunnel = {
	"tunnel", tunnel_rules, SB_NRULES(tunnel_rules)
};

/* CAP_NET_ADMIN: create and configure the WireGuard interface. */
const int	caps_tunnel[] = { CAP_NET_ADMIN };
const size_t	ncaps_tunnel = sizeof(caps_tunnel) / sizeof(caps_tunnel[0]);
