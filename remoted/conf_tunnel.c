/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent sends pccx-tunneld its settings and its private key. */

#include <string.h>

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
	if (proto_send_tunnel_conf(c, &p) == -1)
		fatalx("send tunnel settings");
}
