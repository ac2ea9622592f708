/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-tunneld: owns the WireGuard interface and its peer table. */

#include <errno.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "proto/audit.h"
#include "tunneld.h"

extern const struct sandbox_policy	sandbox_tunnel;
extern const int			caps_tunnel[];
extern const size_t			ncaps_tunnel;

/* Encoded sizes: a string is a u16 length and its bytes. */
#define S(n)		(2 + (n) - 1)
#define CONF_MIN	(2 + 5 * 2 + 2 + 4 + 4)
#define CONF_MAX	(CONF_MIN + TUNNEL_IFNAMEMAX - 1 +		\
	4 * (TUNNEL_ADDRMAX - 1))
#define ADD_MIN		(3 * 2 + 3 + 2 + 44)
#define ADD_MAX		(3 * S(TUNNEL_IDMAX) + 2 + 44)
#define DEL_MAX		(1 + S(TUNNEL_IDMAX))
#define REV_MAX		(1 + S(AUDIT_REVOKE_IDMAX))

/*
 * The fallback's limits.  WireGuard's keepalives (25 s) keep a live
 * client well inside the idle time.
 * XXX: fixed here; not yet settings of the configuration file.
 */
#define FALLBACK_MAXCONN	256
#define FALLBACK_IDLE		120	/* seconds without a frame */
#define FALLBACK_STALL		10	/* handshake, stalled writes */

static int	tunnel_msg_conf(struct chan *, struct msg *);
static int	tunnel_msg_add(struct chan *, struct msg *);
static int	tunnel_msg_del(struct chan *, struct msg *);
static int	tunnel_msg_revoked(struct chan *, struct msg *);
static int	tunnel_msg_show(struct chan *, struct msg *);
static int	tunnel_msg_audit(struct chan *, struct msg *);
static int	tunnel_msg_listen(struct chan *, struct msg *);
static int	tunnel_setup(void);
static int	tunnel_fallback_setup(void);
static int	tunnel_serve(void);
static void	tunnel_reload(void);

static const struct msg_rule tunnel_rules[] = {
	/* Sent again on each reload: only timers change while running. */
	{ MSG_TUNNEL_CONF, PROC_BIT(PROC_PARENT), ST_ANY, MSG_FD_NEVER,
	    CONF_MIN, CONF_MAX, tunnel_msg_conf },
	{ MSG_TUNNEL_PEER_ADD, PROC_BIT(PROC_AUTH), ST_RUN, MSG_FD_NEVER,
	    ADD_MIN, ADD_MAX, tunnel_msg_add },
	{ MSG_TUNNEL_PEER_DEL, PROC_BIT(PROC_AUTH), ST_RUN, MSG_FD_NEVER,
	    4, DEL_MAX, tunnel_msg_del },
	{ MSG_AUDIT_REVOKED, PROC_BIT(PROC_AUDIT), ST_RUN, MSG_FD_NEVER,
	    4, REV_MAX, tunnel_msg_revoked },
	{ MSG_TUNNEL_SHOW, PROC_BIT(PROC_PARENT), ST_RUN, MSG_FD_NEVER,
	    0, 0, tunnel_msg_show },
	/* The answers to the peer table's audit rows (peer.c). */
	{ MSG_AUDIT_ACK, PROC_BIT(PROC_AUDIT), ST_RUN, MSG_FD_NEVER,
	    8, 8, tunnel_msg_audit },
	{ MSG_AUDIT_NACK, PROC_BIT(PROC_AUDIT), ST_RUN, MSG_FD_NEVER,
	    4, 4, tunnel_msg_audit },
	/* The TLS fallback's listening socket, once. */
	{ MSG_CONF_LISTEN, PROC_BIT(PROC_PARENT), ST_CONF, MSG_FD_MUST,
	    3, 3 + PROTO_NAMEMAX, tunnel_msg_listen },
};

static const struct child_role tunnel_role = {
	.proc = PROC_TUNNEL,
	.caps = caps_tunnel,
	.policy = &sandbox_tunnel,
	.rules = tunnel_rules,
	.nrules = sizeof(tunnel_rules) / sizeof(tunnel_rules[0]),
	.setup = tunnel_setup,
	.serve = tunnel_serve,
	.reload = tunnel_reload,
};

static struct p_tunnel_conf	 tconf, tnext;
static int			 have_conf, wg_pidfd = -1, fb_fd = -1;
static struct event		*ev_sweep, *ev_wgexit;

static int
tunnel_msg_conf(struct chan *c, struct msg *m)
{
	struct p_tunnel_conf	p;

	if (proto_get_tunnel_conf(m, &p) == -1)
		return -1;
	if (child_state() == ST_CONF) {
		if (have_conf)
			return -1;
		tconf = p;
		have_conf = 1;
	}
	tnext = p;
	return 0;
}

static int
tunnel_msg_add(struct chan *c, struct msg *m)
{
	struct p_tunnel_peer_add	a;
	struct p_tunnel_peer_addr	r;

	if (proto_get_tunnel_peer_add(m, &a) == -1)
		return -1;
	peer_add(&a, &r);
	sodium_memzero(&a, sizeof(a));
	if (proto_send_tunnel_peer_addr(c, m->hdr.peerid, &r) == -1)
		return -1;
	child_commit(c);
	return 0;
}

static int
tunnel_msg_del(struct chan *c, struct msg *m)
{
	struct p_tunnel_peer_del	d;

	if (proto_get_tunnel_peer_del(m, &d) == -1)
		return -1;
	peer_del(d.kind, d.id);
	relay_check();
	return 0;
}

/* A row of the peer table recorded, or refused (logged). */
static int
tunnel_msg_audit(struct chan *c, struct msg *m)
{
	uint64_t	seq;
	uint32_t	why;

	if (m->hdr.type == MSG_AUDIT_ACK)
		return proto_get_audit_ack(m, &seq);
	if (proto_get_audit_nack(m, &why) == -1)
		return -1;
	log_warnx("audit refused tunnel row %u (%u)", m->hdr.peerid, why);
	return 0;
}

/* A revocation the audit daemon recorded: those peers go at once. */
static int
tunnel_msg_revoked(struct chan *c, struct msg *m)
{
	struct p_audit_revoked	rv;
	int			kind;

	if (proto_get_audit_revoked(m, &rv) == -1)
		return -1;
	switch (rv.kind) {
	case AUDIT_REVOKE_USER:
		kind = TUNNEL_DEL_USER;
		break;
	case AUDIT_REVOKE_DEVICE:
		kind = TUNNEL_DEL_DEVICE;
		break;
	default:
		kind = TUNNEL_DEL_SESSION;
		break;
	}
	peer_del(kind, rv.id);
	relay_check();
	return 0;
}

static int
tunnel_msg_listen(struct chan *c, struct msg *m)
{
	struct p_conf_listen	l;

	if (fb_fd != -1 || proto_get_conf_listen(m, &l) == -1) {
		close(m->fd);
		return -1;
	}
	fb_fd = m->fd;
	log_debug("fallback socket %s", l.addr);
	return 0;
}

static void
peer_info(const struct tpeer *p, struct p_tunnel_peer_info *i)
{
	memset(i, 0, sizeof(*i));
	memcpy(i->user, p->user, sizeof(i->user));
	memcpy(i->device, p->device, sizeof(i->device));
	memcpy(i->sid, p->sid, sizeof(i->sid));
	memcpy(i->key, p->keyb64, sizeof(i->key));
	peer_addr_text(&p->ip4, i->addr4, sizeof(i->addr4));
	peer_addr_text(&p->ip6, i->addr6, sizeof(i->addr6));
	i->handshake = p->handshake;
	i->rx = p->rx;
	i->tx = p->tx;
}

/* The peer table with fresh counters, then MSG_CTL_END. */
static int
tunnel_msg_show(struct chan *c, struct msg *m)
{
	struct p_tunnel_peer_info	 i;
	const struct tpeer		*p;

	if (proto_get_empty(m) == -1)
		return -1;
	peer_sweep(0);
	TAILQ_FOREACH(p, peer_list(), entry) {
		peer_info(p, &i);
		if (proto_send_tunnel_peer_info(c, m->hdr.peerid, &i) == -1)
			return -1;
	}
	if (proto_send_empty(c, MSG_CTL_END, m->hdr.peerid) == -1)
		return -1;
	child_commit(c);
	return 0;
}

/* The private key file: base64 of 32 bytes, as "wg genkey" writes it. */
static int
tunnel_private_key(uint8_t *priv)
{
	char	buf[128];
	ssize_t	n;
	int	fd = child_keyfd("wg-private"), rv;

	if (fd == -1 || (n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0) {
		log_warnx("tunnel: no private key");
		return -1;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	rv = tunnel_key_decode(buf, priv);
	sodium_memzero(buf, sizeof(buf));
	if (rv == -1)
		log_warnx("tunnel: the private key is not a WireGuard key");
	return rv;
}

/*
 * The parent gets a pidfd of wireguard-go: should this process die
 * unclean (SIGKILL), the parent, still root, ends it (children.c).
 */
static void
tunnel_wg_to_parent(void)
{
	struct chan	*c = child_chan(PROC_PARENT);
	int		 fd;

	if (c == NULL || (fd = dup(wg_pidfd)) == -1 ||
	    proto_send_tunnel_wg(c, fd) == -1) {
		log_warnx("tunnel: the parent cannot watch wireguard-go");
		return;
	}
	child_commit(c);
}

/*
 * Pick the backend: the kernel's when its genl family exists (or
 * when asked for), else wireguard-go, started here as root so that
 * its UAPI socket is connected before chroot.
 */
static const struct wg_backend *
tunnel_backend(void)
{
	uint16_t	fam = 0;
	int		fd;

	if (tconf.backend != TUNNEL_BACKEND_USER)
		fam = wgnl_family();
	if (fam != 0) {
		if (link_create_wg(tconf.ifname) == -1)
			return NULL;
		return wgnl_backend(tconf.ifname, fam);
	}
	if (tconf.backend == TUNNEL_BACKEND_KERNEL) {
		log_warnx("tunnel: the kernel has no WireGuard");
		return NULL;
	}
	if ((fd = uapi_start(tconf.ifname, &wg_pidfd)) == -1)
		return NULL;
	tunnel_wg_to_parent();
	return uapi_backend(fd);
}

/*
 * On the way out, for whatever reason, the interface goes: no peer
 * outlives the daemon, and wireguard-go, which this process may no
 * longer signal once it has dropped its ids, exits with it.  A
 * SIGKILL skips this; then the parent, which holds a pidfd of
 * wireguard-go (tunnel_wg_to_parent), ends it as the suite stops, and
 * wireguard-go removes its interface as it exits: both are gone
 * within about two seconds (regress/tunnel/killwg.t).
 * XXX: with the kernel's WireGuard, which no process holds, a SIGKILL
 * leaves the interface and its peers until the next start takes it
 * over (EEXIST) or it is removed by hand; untested here, as these
 * machines have no WireGuard module.
 */
static void
tunnel_atexit(void)
{
	if (tconf.set && link_delete(tconf.ifname) == 0)
		log_debug("interface %s removed", tconf.ifname);
}

/* One interface address, checked by the decoder; 1 when there is one. */
static int
tunnel_addr(const char *s, int fam, struct wg_addr *a)
{
	if (*s == '\0')
		return 0;
	if (tunnel_prefix_parse(s, fam, a->a, &a->plen, &a->af) == -1)
		fatalx("tunnel: bad address %s", s);
	return 1;
}

/*
 * The fallback when the parent sent its socket: the server's
 * certificate and key and the device CA, read from the descriptors
 * the parent passed.  Without them the suite runs without it.
 */
static int
tunnel_fallback_setup(void)
{
	struct relay_conf	rc;
	char			*cert, *key, *ca;
	int			 rv = -1;

	if (fb_fd == -1)
		return 0;
	memset(&rc, 0, sizeof(rc));
	cert = relay_pem_fd(child_keyfd("fallback-cert"), &rc.certlen);
	key = relay_pem_fd(child_keyfd("fallback-key"), &rc.keylen);
	ca = relay_pem_fd(child_keyfd("device-ca"), &rc.calen);
	if (cert == NULL || key == NULL || ca == NULL)
		log_warnx("tunnel: the fallback's certificates are missing");
	else {
		rc.lfd = fb_fd;
		rc.cert = cert;
		rc.key = key;
		rc.ca = ca;
		rc.wgport = tconf.port;
		rc.maxconn = FALLBACK_MAXCONN;
		rc.idle = FALLBACK_IDLE;
		rc.hs_timeout = FALLBACK_STALL;
		rv = relay_init(&rc);
	}
	free(cert);
	free(ca);
	if (key != NULL)
		sodium_memzero(key, rc.keylen);
	free(key);
	return rv;
}

/*
 * Open everything while still root: the private key, the backend
 * (and wireguard-go), the interface's addresses.  The daemon keeps
 * CAP_NET_ADMIN for the peers it adds and removes later.
 * With a fallback socket, its certificates are read and its TLS
 * context built here too.
 */
static int
tunnel_setup(void)
{
	const struct wg_backend	*b;
	struct wg_addr		 addrs[2];
	uint8_t			 priv[WG_KEYLEN];
	int			 n = 0, rv;

	if (!have_conf || !tconf.set) {
		log_info("no tunnel configured");
		return 0;
	}
	if (tunnel_private_key(priv) == -1 || (b = tunnel_backend()) ==
	    NULL)
		return -1;
	if (atexit(tunnel_atexit) != 0)
		return -1;
	rv = b->device(priv, tconf.port);
	sodium_memzero(priv, sizeof(priv));
	if (rv == -1)
		return -1;
	memset(addrs, 0, sizeof(addrs));
	n += tunnel_addr(tconf.addr4, 4, &addrs[n]);
	n += tunnel_addr(tconf.addr6, 6, &addrs[n]);
	if (link_configure(tconf.ifname, addrs, n) == -1)
		return -1;
	peer_init(&tconf, b);
	log_info("tunnel %s up on port %u, %s backend", tconf.ifname,
	    tconf.port, b->name);
	return tunnel_fallback_setup();
}

static void
tunnel_on_sweep(evutil_socket_t fd, short ev, void *arg)
{
	peer_sweep(tconf.idle_timeout);
	relay_check();
}

/* wireguard-go ended: the interface is gone, so is this daemon. */
static void
tunnel_on_wgexit(evutil_socket_t fd, short ev, void *arg)
{
	fatalx("wireguard-go for %s exited", tconf.ifname);
}

static int
tunnel_serve(void)
{
	struct timeval	 tv = { 30, 0 };
	struct chan	*c = child_chan(PROC_AUTH);

	/* The auth daemon may now ask again for its sessions' peers. */
	if (c != NULL && proto_send_empty(c, MSG_TUNNEL_READY, 0) == 0)
		child_commit(c);
	if (!tconf.set)
		return 0;
	if (tconf.idle_timeout < 4 * tv.tv_sec)
		tv.tv_sec = tconf.idle_timeout / 4;
	ev_sweep = event_new(child_base(), -1, EV_PERSIST, tunnel_on_sweep,
	    NULL);
	if (ev_sweep == NULL || event_add(ev_sweep, &tv) == -1 ||
	    relay_start(child_base()) == -1)
		return -1;
	if (wg_pidfd == -1)
		return 0;
	ev_wgexit = event_new(child_base(), wg_pidfd, EV_READ,
	    tunnel_on_wgexit, NULL);
	if (ev_wgexit == NULL || event_add(ev_wgexit, NULL) == -1)
		return -1;
	return 0;
}

/* A reload may change the timers; the rest needs a restart. */
static void
tunnel_reload(void)
{
	struct p_tunnel_conf	a = tconf, b = tnext;

	a.keepalive = b.keepalive = 0;
	a.idle_timeout = b.idle_timeout = 0;
	if (memcmp(&a, &b, sizeof(a)) != 0)
		log_warnx("tunnel settings changed: restart to apply");
	tconf.keepalive = tnext.keepalive;
	tconf.idle_timeout = tnext.idle_timeout;
	if (tconf.set)
		peer_init(&tconf, NULL);
}

int
main(int argc, char *argv[])
{
	struct child_role	r = tunnel_role;

	r.ncaps = ncaps_tunnel;
	child_main(&r, argc, argv);
}
