/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent sends pccx-tunneld its settings and its private key. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/tunnel.h"
#include "config.h"

static void
conf_tunnel_copy(struct p_tunnel_conf *p, const struct conf_tunnel *t)
{
	memset(p, 0, sizeof(*p));
	p->set = t->set != 0;
	p->backend = t->backend == CONFIG_TUN_KERNEL ? TUNNEL_BACKEND_KERNEL :
	    t->backend == CONFIG_TUN_USERSPACE ? TUNNEL_BACKEND_USER :
	    TUNNEL_BACKEND_AUTO;
	pccx_strlcpy(p->ifname, t->ifname, sizeof(p->ifname));
	pccx_strlcpy(p->addr4, t->addr4, sizeof(p->addr4));
	pccx_strlcpy(p->addr6, t->addr6, sizeof(p->addr6));
	pccx_strlcpy(p->pool4, t->pool4, sizeof(p->pool4));
	pccx_strlcpy(p->pool6, t->pool6, sizeof(p->pool6));
	p->port = t->port;
	p->keepalive = t->keepalive;
	p->idle_timeout = t->idle_timeout;
}

/* The private key file, checked root-owned and 0600, as "wg-private". */
static int
conf_tunnel_key(struct chan *c, const char *path)
{
	struct p_conf_key	k = { "wg-private" };
	char			err[256];
	int			fd;

	if ((fd = secret_open(path, err, sizeof(err))) == -1) {
		log_warnx("tunnel: %s", err);
		return -1;
	}
	if (proto_send_conf_key(c, fd, &k) == -1)
		fatalx("send tunnel private key");
	return 0;
}

/* A file passed by name: secret ones checked root-owned and 0600. */
static int
conf_tunnel_file(struct chan *c, const char *name, const char *path,
    int secret)
{
	struct p_conf_key	k;
	char			err[PATH_MAX + 128];
	int			fd;

	if (secret)
		fd = secret_open(path, err, sizeof(err));
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
	if (fd == -1) {
		log_warnx("tunnel: %s", err);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	pccx_strlcpy(k.name, name, sizeof(k.name));
	if (proto_send_conf_key(c, fd, &k) == -1)
		fatalx("send %s", name);
	return 0;
}

/* The fallback's TCP socket, bound while the parent still may. */
static int
conf_tunnel_listen(struct chan *c, const struct conf_tunnel *t)
{
	struct p_conf_listen	l;
	struct sockaddr_in6	sin6;
	struct sockaddr_in	sin;
	struct sockaddr		*sa = (struct sockaddr *)&sin;
	socklen_t		sl = sizeof(sin);
	int			fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(t->fb_port);
	if (inet_pton(AF_INET, t->fb_addr, &sin.sin_addr) != 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(t->fb_port);
		if (inet_pton(AF_INET6, t->fb_addr, &sin6.sin6_addr) != 1)
			return -1;
		sa = (struct sockaddr *)&sin6;
		sl = sizeof(sin6);
	}
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, sa, sl) == -1 || listen(fd, 128) == -1) {
		log_warn("tunnel: fallback listen on %s port %u", t->fb_addr,
		    t->fb_port);
		close(fd);
		return -1;
	}
	memset(&l, 0, sizeof(l));
	l.tls = 1;
	if (snprintf(l.addr, sizeof(l.addr), "%s:%u", t->fb_addr,
	    (unsigned)(t->fb_port & 0xffff)) >= (int)sizeof(l.addr))
		l.addr[0] = '\0';
	if (proto_send_conf_listen(c, fd, &l) == -1)
		fatalx("send fallback listener");
	return 0;
}

/*
 * The fallback, the first time only: its socket, its certificate and
 * key, and the device CA's certificate.  Without one of them there is
 * no fallback, with a warning; the WireGuard path stays.
 * XXX: a change to these settings waits for the next start (the
 * reload's answer says so): the socket is bound before any chroot.
 */
static void
conf_tunnel_fallback(struct chan *c, const struct conf_tunnel *t)
{
	if (t->fb_addr[0] == '\0')
		return;
	if (conf_tunnel_file(c, "fallback-cert", t->fb_cert, 0) == -1 ||
	    conf_tunnel_file(c, "fallback-key", t->fb_key, 1) == -1 ||
	    conf_tunnel_file(c, "device-ca", t->ca_cert, 0) == -1 ||
	    conf_tunnel_listen(c, t) == -1)
		log_warnx("tunnel: no fallback listener");
}

/*
 * conf_send_device_ca: send pccx-authd the device CA's key and
 * certificate, with which it issues device certificates at
 * registration.  Called from conf_send_auth the first time only.
 */
void
conf_send_device_ca(struct chan *c, const struct config *cf)
{
	const struct conf_tunnel	*t = &cf->tunnel;

	if (!t->set || t->ca_cert[0] == '\0')
		return;
	if (conf_tunnel_file(c, "device-ca-key", t->ca_key, 1) == -1 ||
	    conf_tunnel_file(c, "device-ca", t->ca_cert, 0) == -1)
		log_warnx("tunnel: no device certificates will be issued");
}

/*
 * conf_send_tunnel: send pccx-tunneld MSG_TUNNEL_CONF and, when first
 * is set, its private key.  Called by the parent for each child
 * configuration, before MSG_CONF_END.  A tunnel whose key cannot be
 * opened, or whose settings the daemon would refuse, is sent as "no
 * tunnel", with a warning.
 */
void
conf_send_tunnel(struct chan *c, const struct config *cf, int first)
{
	struct p_tunnel_conf	p;

	conf_tunnel_copy(&p, &cf->tunnel);
	if (p.set && tunnel_conf_check(&p) == -1) {
		log_warnx("tunnel: settings out of range; no tunnel");
		conf_tunnel_copy(&p, &(struct conf_tunnel){ 0 });
	}
	if (first && p.set && conf_tunnel_key(c,
	    cf->tunnel.private_key_file) == -1)
		conf_tunnel_copy(&p, &(struct conf_tunnel){ 0 });
	if (first && p.set)
		conf_tunnel_fallback(c, &cf->tunnel);
	if (proto_send_tunnel_conf(c, &p) == -1)
		fatalx("send tunnel settings");
}
