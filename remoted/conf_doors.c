/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* What the auth daemon tells clients about the tunnel and its door. */

#include <sys/queue.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/auth.h"
#include "proto/tunnel.h"
#include "config.h"

/* The base64 public key of the tunnel's private key file; 0 or -1. */
static int
doors_public_key(const char *path, char *out, size_t size)
{
	uint8_t	 sk[32], pk[32];
	char	 buf[128], err[256];
	ssize_t	 n;
	int	 fd, rv = -1;

	if ((fd = secret_open(path, err, sizeof(err))) == -1) {
		log_warnx("tunnel: %s", err);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (tunnel_key_decode(buf, sk) == 0 &&
	    crypto_scalarmult_base(pk, sk) == 0) {
		sodium_bin2base64(out, size, pk, sizeof(pk),
		    sodium_base64_VARIANT_ORIGINAL);
		rv = 0;
	}
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(sk, sizeof(sk));
	return rv;
}

/* "A/P" to "A". */
static void
doors_addr(const char *prefix, char *out, size_t size)
{
	pccx_strlcpy(out, prefix, size);
	out[strcspn(out, "/")] = '\0';
}

/* The URL of the first tunnel door, or "". */
static void
doors_api(const struct config *cf, char *out, size_t size)
{
	const struct listen_addr	*la;

	*out = '\0';
	TAILQ_FOREACH(la, &cf->listens, entry)
		if (la->tunnel) {
			snprintf(out, size, strchr(la->addr, ':') != NULL ?
			    "%s://[%s]:%u" : "%s://%s:%u", la->tls ? "https" :
			    "http", la->addr, la->port);
			return;
		}
}

void	conf_auth_tunnel(struct chan *, const struct config *);

/*
 * conf_auth_tunnel: send pccx-authd MSG_AUTH_CONF_TUNNEL, what a
 * client needs to bring its end of the tunnel up; "no tunnel" when
 * the block is absent or its key unreadable.
 */
void
conf_auth_tunnel(struct chan *c, const struct config *cf)
{
	struct p_auth_tunnel	p;

	memset(&p, 0, sizeof(p));
	if (cf->tunnel.set && doors_public_key(cf->tunnel.private_key_file,
	    p.key, sizeof(p.key)) == 0) {
		p.set = 1;
		p.port = cf->tunnel.port;
		doors_addr(cf->tunnel.addr4, p.addr4, sizeof(p.addr4));
		doors_addr(cf->tunnel.addr6, p.addr6, sizeof(p.addr6));
		doors_api(cf, p.api, sizeof(p.api));
		if (cf->tunnel.fb_addr[0] != '\0' && cf->tunnel.fb_port != 0)
			snprintf(p.fallback, sizeof(p.fallback),
			    strchr(cf->tunnel.fb_addr, ':') != NULL ?
			    "[%s]:%u" : "%s:%u", cf->tunnel.fb_addr,
			    (unsigned)cf->tunnel.fb_port);
	}
	if (proto_send_auth_tunnel(c, &p) == -1)
		fatalx("send auth tunnel settings");
}
