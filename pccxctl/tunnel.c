/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccxctl tunnel show: the WireGuard peers of the tunnel daemon. */

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "proto/tunnel.h"
#include "pccxctl.h"

static const char *
tunnel_ago(uint64_t t, char *buf, size_t len)
{
	time_t	now = time(NULL);

	if (t == 0)
		return "never";
	if ((uint64_t)now < t)
		return "now";
	snprintf(buf, len, "%" PRIu64 "s ago", (uint64_t)now - t);
	return buf;
}

static void
tunnel_row(const struct p_tunnel_peer_info *p)
{
	char	ago[32];

	printf("%-24s %-16s %-16s %-18s %-14s %12" PRIu64 " %12" PRIu64 "\n",
	    p->user, p->device, p->sid, p->addr4[0] ? p->addr4 : p->addr6,
	    tunnel_ago(p->handshake, ago, sizeof(ago)), p->rx, p->tx);
}

static json_t *
tunnel_json(const struct p_tunnel_peer_info *p)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "user", p->user, "device", p->device, "session", p->sid,
	    "public_key", p->key, "address4", p->addr4, "address6", p->addr6,
	    "last_handshake", (json_int_t)p->handshake,
	    "rx_bytes", (json_int_t)p->rx, "tx_bytes", (json_int_t)p->tx);
}

/* The answer when the parent could not ask the tunnel daemon. */
static int
tunnel_error(struct msg *m)
{
	struct p_ctl_result	res;

	if (proto_get_ctl_result(m, &res) == -1)
		fatalx("bad answer from pccx-remoted");
	fprintf(stderr, "pccxctl: %s\n", res.text);
	return 1;
}

/*
 * cmd_tunnel: pccxctl tunnel show lists the peers with user, device,
 * session, address, last handshake and bytes received and sent.
 */
int
cmd_tunnel(struct ctl *ctl, int argc, char **argv)
{
	struct p_tunnel_peer_info	 p;
	struct msg			 m;
	json_t				*arr;

	if (argc != 2 || strcmp(argv[1], "show") != 0) {
		fprintf(stderr, "usage: pccxctl tunnel show\n");
		return 2;
	}
	if (proto_send_empty(&ctl->c, MSG_TUNNEL_SHOW, 0) == -1 ||
	    msg_flush_wait(&ctl->c) == -1)
		fatal("send");
	arr = json_array();
	if (!ctl->json)
		printf("%-24s %-16s %-16s %-18s %-14s %12s %12s\n", "USER",
		    "DEVICE", "SESSION", "ADDRESS", "HANDSHAKE", "RX", "TX");
	for (;;) {
		ctl_next(ctl, &m);
		if (m.hdr.type == MSG_CTL_RESULT) {
			json_decref(arr);
			return tunnel_error(&m);
		}
		if (m.hdr.type == MSG_CTL_END && proto_get_empty(&m) == 0)
			break;
		if (m.hdr.type != MSG_TUNNEL_PEER_INFO ||
		    proto_get_tunnel_peer_info(&m, &p) == -1)
			fatalx("bad answer from pccx-remoted");
		if (ctl->json)
			json_array_append_new(arr, tunnel_json(&p));
		else
			tunnel_row(&p);
	}
	if (ctl->json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	return 0;
}
