/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Run pccx-tunneld's peer table and TLS fallback from a script's lines. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "tunneld/tunneld.h"

static char	inbuf[4096];
static size_t	inlen;

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
		printf("ok %s\n", r.addr4);
}

static void
cmd_del(char *args)
{
	char	id[TUNNEL_IDMAX];
	int	n;

	if (sscanf(args, "%127s", id) != 1) {
		printf("usage\n");
		return;
	}
	n = peer_del(TUNNEL_DEL_DEVICE, id);
	relay_check();
	printf("deleted %d\n", n);
}

/* "stats": the relay's counters on one line. */
static void
cmd_stats(void)
{
	struct relay_stats	s;

	relay_stats(&s);
	printf("accepted %llu authed %llu open %llu cut %llu refused_cert "
	    "%llu refused_device %llu to_udp %llu to_stream %llu dropped "
	    "%llu\n", (unsigned long long)s.accepted,
	    (unsigned long long)s.authed, (unsigned long long)s.open,
	    (unsigned long long)s.cut, (unsigned long long)s.refused_cert,
	    (unsigned long long)s.refused_device,
	    (unsigned long long)s.to_udp, (unsigned long long)s.to_stream,
	    (unsigned long long)s.dropped);
}

static void
harness_line(char *line)
{
	if (strncmp(line, "add ", 4) == 0)
		cmd_add(line + 4);
	else if (strncmp(line, "del ", 4) == 0)
		cmd_del(line + 4);
	else if (strcmp(line, "stats") == 0)
		cmd_stats();
	else
		printf("unknown\n");
	fflush(stdout);
}

static void
on_stdin(evutil_socket_t fd, short ev, void *arg)
{
	char	*nl;
	ssize_t	 n;

	n = read(fd, inbuf + inlen, sizeof(inbuf) - 1 - inlen);
	if (n <= 0)
		event_base_loopbreak(arg);
	if (n <= 0)
		return;
	inlen += n;
	inbuf[inlen] = '\0';
	while ((nl = strchr(inbuf, '\n')) != NULL) {
		*nl = '\0';
		harness_line(inbuf);
		inlen -= nl + 1 - inbuf;
		memmove(inbuf, nl + 1, inlen + 1);
	}
}

static const struct wg_backend *
harness_wg(struct p_tunnel_conf *c, const char *keyfile)
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

static char *
harness_pem(const char *path, size_t *len)
{
	char	*s;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1 ||
	    (s = relay_pem_fd(fd, len)) == NULL)
		fatalx("%s: cannot read", path);
	close(fd);
	return s;
}

static int
harness_listen(const char *addr, int port)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1)
		fatal("listen %s:%d", addr, port);
	return fd;
}

/*
 * fbharness IFNAME ADDR4 POOL4 WGPORT KEYFILE FBADDR FBPORT CERT KEY
 * CA: start wireguard-go for IFNAME as pccx-tunneld does, serve the
 * TLS fallback on FBADDR:FBPORT, and answer "add USER DEVICE SID KEY",
 * "del DEVICE" and "stats" lines on stdin.  FB_IDLE and FB_STALL in
 * the environment set the idle and handshake timeouts (60 s, 5 s).
 */
int
main(int argc, char *argv[])
{
	struct p_tunnel_conf	 c;
	struct relay_conf	 rc;
	struct event_base	*base;
	struct event		*ev;

	if (argc != 11)
		return 2;
	log_init("fbharness", 1, 1);
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
	peer_init(&c, harness_wg(&c, argv[5]));
	memset(&rc, 0, sizeof(rc));
	rc.lfd = harness_listen(argv[6], atoi(argv[7]));
	rc.cert = harness_pem(argv[8], &rc.certlen);
	rc.key = harness_pem(argv[9], &rc.keylen);
	rc.ca = harness_pem(argv[10], &rc.calen);
	rc.wgport = c.port;
	rc.maxconn = 16;
	rc.idle = getenv("FB_IDLE") != NULL ? atoi(getenv("FB_IDLE")) : 60;
	rc.hs_timeout = getenv("FB_STALL") != NULL ?
	    atoi(getenv("FB_STALL")) : 5;
	if ((base = event_base_new()) == NULL || relay_init(&rc) == -1 ||
	    relay_start(base) == -1)
		fatalx("relay");
	ev = event_new(base, 0, EV_READ | EV_PERSIST, on_stdin, base);
	if (ev == NULL || event_add(ev, NULL) == -1)
		fatalx("stdin");
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}
