/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Drive pccx-tunneld's backend and peer table from a script's lines. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tunneld/tunneld.h"

static void
cmd_add(char *args)
{
	struct p_tunnel_peer_add	a;
	struct p_tunnel_peer_addr	r;

	memset(&a, 0, sizeof(a));
	if (sscanf(args, "%127s %127s %127s %44s", a.user, a.device, a.sid,
	    a.key) != 4) {
		printf("usage\n");
		return;
	}
	if (peer_add(&a, &r) == -1)
		printf("err %u\n", r.code);
	else
		printf("ok %s %s\n", r.addr4[0] ? r.addr4 : "-",
		    r.addr6[0] ? r.addr6 : "-");
}

static void
cmd_del(char *args)
{
	char	kind[16], id[TUNNEL_IDMAX];
	int	k;

	if (sscanf(args, "%15s %127s", kind, id) != 2) {
		printf("usage\n");
		return;
	}
	k = strcmp(kind, "session") == 0 ? TUNNEL_DEL_SESSION :
	    strcmp(kind, "device") == 0 ? TUNNEL_DEL_DEVICE : TUNNEL_DEL_USER;
	printf("deleted %d\n", peer_del(k, id));
}

static void
cmd_show(unsigned long idle)
{
	const struct tpeer	*p;
	char			 a4[TUNNEL_ADDRMAX];

	peer_sweep(idle);
	TAILQ_FOREACH(p, peer_list(), entry) {
		peer_addr_text(&p->ip4, a4, sizeof(a4));
		printf("peer %s %s %s %llu %llu %llu\n", p->user, p->device,
		    a4, (unsigned long long)p->handshake,
		    (unsigned long long)p->rx, (unsigned long long)p->tx);
	}
	printf("end\n");
}

static const struct wg_backend *
harness_setup(struct p_tunnel_conf *c, const char *keyfile)
{
	const struct wg_backend	*b;
	struct wg_addr		 a;
	uint8_t			 priv[WG_KEYLEN];
	char			 k[64] = "";
	FILE			*fp;
	int			 fd, pidfd;

	if ((fp = fopen(keyfile, "r")) == NULL ||
	    fgets(k, sizeof(k), fp) == NULL)
		fatal("%s", keyfile);
	fclose(fp);
	k[strcspn(k, "\n")] = '\0';
	if (tunnel_key_decode(k, priv) == -1)
		fatalx("bad key");
	if ((fd = uapi_start(c->ifname, &pidfd)) == -1)
		fatalx("no wireguard-go");
	b = uapi_backend(fd);
	if (b->device(priv, c->port) == -1)
		fatalx("device");
	memset(&a, 0, sizeof(a));
	tunnel_prefix_parse(c->addr4, 4, a.a, &a.plen, &a.af);
	if (link_configure(c->ifname, &a, 1) == -1)
		fatalx("link");
	return b;
}

/*
 * wgharness IFNAME ADDR4 POOL4 PORT KEYFILE: start wireguard-go for
 * IFNAME as pccx-tunneld does, then answer "add USER DEVICE SID KEY",
 * "del session|device|user ID", "show [IDLE]" lines on stdin.
 */
int
main(int argc, char *argv[])
{
	struct p_tunnel_conf	 c;
	char			 line[512];

	if (argc != 6)
		return 2;
	log_init("wgharness", 1, 1);
	memset(&c, 0, sizeof(c));
	c.set = 1;
	snprintf(c.ifname, sizeof(c.ifname), "%s", argv[1]);
	snprintf(c.addr4, sizeof(c.addr4), "%s", argv[2]);
	snprintf(c.pool4, sizeof(c.pool4), "%s", argv[3]);
	c.port = atoi(argv[4]);
	c.keepalive = 25;
	c.idle_timeout = 1800;
	if (tunnel_conf_check(&c) == -1)
		fatalx("bad settings");
	peer_init(&c, harness_setup(&c, argv[5]));
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strncmp(line, "add ", 4) == 0)
			cmd_add(line + 4);
		else if (strncmp(line, "del ", 4) == 0)
			cmd_del(line + 4);
		else if (strncmp(line, "show", 4) == 0)
			cmd_show(strtoul(line + 4, NULL, 10));
		else
			printf("unknown\n");
		fflush(stdout);
	}
	return 0;
}
