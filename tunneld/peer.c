/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The peer table: addresses from the pools, backend calls, idle sweep. */

#include <sys/socket.h>

#include <arpa/inet.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "tunneld.h"

/* The first hosts of a pool that are handed out; a /64 is vast. */
#define POOL_SCAN_MAX	65534

static struct tpeer_list	 peers = TAILQ_HEAD_INITIALIZER(peers);
static const struct wg_backend	*backend;
static struct p_tunnel_conf	 tconf;
static struct wg_addr		 pool4, pool6, self4, self6;

static uint64_t
now_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void
peer_addr_text(const struct wg_addr *a, char *buf, size_t len)
{
	char	s[INET6_ADDRSTRLEN];

	if (a->plen == 0 || inet_ntop(a->af, a->a, s, sizeof(s)) == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s/%d", s, a->plen);
}

static void
addr_from_text(const char *s, struct wg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (*s != '\0' && tunnel_prefix_parse(s, 0, a->a, &a->plen,
	    &a->af) == -1)
		fatalx("tunnel: bad address %s", s);
}

/*
 * peer_init: the settings and the backend the table drives.  Called
 * from setup() once the interface exists.
 */
void
peer_init(const struct p_tunnel_conf *c, const struct wg_backend *b)
{
	tconf = *c;
	if (b != NULL)
		backend = b;
	addr_from_text(c->pool4, &pool4);
	addr_from_text(c->pool6, &pool6);
	addr_from_text(c->addr4, &self4);
	addr_from_text(c->addr6, &self6);
}

/* Host n of pool p, as a full-length prefix; -1 past its end. */
static int
pool_host(const struct wg_addr *p, uint32_t n, struct wg_addr *out)
{
	int	bits = p->af == AF_INET ? 32 : 128, len = bits / 8, i;
	uint32_t carry = n;

	if (bits - p->plen < 32 && n >= (1U << (bits - p->plen)) -
	    (p->af == AF_INET ? 1 : 0))
		return -1;
	*out = *p;
	out->plen = bits;
	for (i = p->plen; i < bits; i++)
		out->a[i / 8] &= ~(0x80 >> (i % 8));
	for (i = len - 1; i >= 0 && carry != 0; i--) {
		carry += out->a[i];
		out->a[i] = carry & 0xff;
		carry >>= 8;
	}
	return 0;
}

static int
addr_taken(const struct wg_addr *a)
{
	const struct tpeer	*p;
	const struct wg_addr	*self = a->af == AF_INET ? &self4 : &self6;

	if (memcmp(a->a, self->a, a->af == AF_INET ? 4 : 16) == 0)
		return 1;
	TAILQ_FOREACH(p, &peers, entry)
		if (memcmp(a->a, (a->af == AF_INET ? &p->ip4 : &p->ip6)->a,
		    a->af == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

/* The lowest free host of pool p into out; -1 when it is full. */
static int
pool_alloc(const struct wg_addr *p, struct wg_addr *out)
{
	uint32_t	n;

	memset(out, 0, sizeof(*out));
	if (p->plen == 0)
		return 0;
	for (n = 1; n <= POOL_SCAN_MAX; n++) {
		if (pool_host(p, n, out) == -1)
			break;
		if (!addr_taken(out))
			return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

static struct tpeer *
peer_by_key(const uint8_t *k)
{
	struct tpeer	*p;

	TAILQ_FOREACH(p, &peers, entry)
		if (memcmp(p->key, k, WG_KEYLEN) == 0)
			return p;
	return NULL;
}

static void
peer_spec(const struct tpeer *p, struct wg_peer_spec *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->key, p->key, WG_KEYLEN);
	if (p->ip4.plen != 0)
		s->ips[s->nips++] = p->ip4;
	if (p->ip6.plen != 0)
		s->ips[s->nips++] = p->ip6;
	s->keepalive = tconf.keepalive;
}

/*
 * One audit row for a change of the peer table: actor, device and
 * login of the peer, its key as object, its addresses and why in the
 * detail.  The audit daemon records the daemon from the channel.
 * The change is not held for the ACK: a peer follows a login or a
 * revocation the auth daemon recorded first, and a removal must
 * never wait.
 */
static void
peer_audit(const struct tpeer *p, const char *action, const char *outcome,
    const char *why)
{
	static uint32_t		 seq;
	struct p_audit_row	 r;
	struct timespec		 ts;
	struct chan		*c;
	char			 a4[64], a6[64], *d;
	json_t			*j;

	if ((c = child_chan(PROC_AUDIT)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_REALTIME, &ts);
	r.time = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pccx_strlcpy(r.actor, p->user[0] != '\0' ? p->user : "-",
	    sizeof(r.actor));
	pccx_strlcpy(r.device, p->device, sizeof(r.device));
	pccx_strlcpy(r.source, "tunnel", sizeof(r.source));
	pccx_strlcpy(r.action, action, sizeof(r.action));
	pccx_strlcpy(r.object, p->keyb64, sizeof(r.object));
	pccx_strlcpy(r.outcome, outcome, sizeof(r.outcome));
	peer_addr_text(&p->ip4, a4, sizeof(a4));
	peer_addr_text(&p->ip6, a6, sizeof(a6));
	j = json_pack("{s:s,s:s,s:s,s:s}", "login", p->sid, "addr4", a4,
	    "addr6", a6, "reason", why);
	d = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (d == NULL || pccx_strlcpy(r.detail, d, sizeof(r.detail)) >=
	    sizeof(r.detail))
		pccx_strlcpy(r.detail, "{}", sizeof(r.detail));
	free(d);
	json_decref(j);
	if (++seq == 0)
		seq = 1;
	if (proto_send_audit_append(c, seq, &r) == -1) {
		log_warnx("audit row lost: %s %s", action, p->device);
		return;
	}
	child_commit(c);
}

static void
peer_free(struct tpeer *p, const char *why)
{
	log_info("peer %s of %s (session %s) removed: %s", p->device,
	    p->user, p->sid, why);
	peer_audit(p, strcmp(why, "idle") == 0 ? "tunnel.peer.idle" :
	    "tunnel.peer.del", "ok", why);
	if (backend->peer_remove(p->key) == -1)
		fatalx("tunnel: cannot remove a peer");
	TAILQ_REMOVE(&peers, p, entry);
	explicit_bzero(p, sizeof(*p));
	free(p);
}

/* A key already in use: the same user's new session takes it over. */
static int
peer_rekey(const uint8_t *k, const struct p_tunnel_peer_add *a)
{
	struct tpeer	*old;

	if ((old = peer_by_key(k)) == NULL)
		return 0;
	if (strcmp(old->user, a->user) != 0 ||
	    strcmp(old->device, a->device) != 0)
		return -1;
	peer_free(old, "replaced by a new session");
	return 0;
}

/*
 * peer_add: a peer for a's device key with the next free address of
 * each pool, tied to a's user and session.  Fills r; returns 0 when
 * r->code is TUNNEL_OK, -1 otherwise.
 */
int
peer_add(const struct p_tunnel_peer_add *a, struct p_tunnel_peer_addr *r)
{
	struct wg_peer_spec	 s;
	struct tpeer		*p;

	memset(r, 0, sizeof(*r));
	r->code = TUNNEL_ERR_OFF;
	if (backend == NULL || (p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if (tunnel_key_decode(a->key, p->key) == -1 ||
	    peer_rekey(p->key, a) == -1) {
		r->code = TUNNEL_ERR_KEY;
		goto free_peer;
	}
	r->code = TUNNEL_ERR_FULL;
	if (pool_alloc(&pool4, &p->ip4) == -1 ||
	    pool_alloc(&pool6, &p->ip6) == -1)
		goto free_peer;
	peer_spec(p, &s);
	r->code = TUNNEL_ERR_BACKEND;
	if (backend->peer_set(&s) == -1)
		goto free_peer;
	pccx_strlcpy(p->user, a->user, sizeof(p->user));
	pccx_strlcpy(p->device, a->device, sizeof(p->device));
	pccx_strlcpy(p->sid, a->sid, sizeof(p->sid));
	pccx_strlcpy(p->keyb64, a->key, sizeof(p->keyb64));
	p->created = p->seen = now_mono();
	TAILQ_INSERT_TAIL(&peers, p, entry);
	r->code = TUNNEL_OK;
	peer_addr_text(&p->ip4, r->addr4, sizeof(r->addr4));
	peer_addr_text(&p->ip6, r->addr6, sizeof(r->addr6));
	log_info("peer %s of %s (session %s) added: %s%s%s", p->device,
	    p->user, p->sid, r->addr4, r->addr4[0] && r->addr6[0] ? " " :
	    "", r->addr6);
	peer_audit(p, "tunnel.peer.add", "ok", "login");
	return 0;

 free_peer:
	memset(&p->ip4, 0, sizeof(p->ip4));
	memset(&p->ip6, 0, sizeof(p->ip6));
	pccx_strlcpy(p->user, a->user, sizeof(p->user));
	pccx_strlcpy(p->device, a->device, sizeof(p->device));
	pccx_strlcpy(p->sid, a->sid, sizeof(p->sid));
	pccx_strlcpy(p->keyb64, a->key, sizeof(p->keyb64));
	peer_audit(p, "tunnel.peer.add", "fail", r->code ==
	    TUNNEL_ERR_KEY ? "key" : r->code == TUNNEL_ERR_FULL ? "full" :
	    "backend");
	explicit_bzero(p, sizeof(*p));
	free(p);
	return -1;
}

/*
 * peer_del: remove every peer whose session, device or user (kind
 * TUNNEL_DEL_*) is id.  Returns how many went.
 */
int
peer_del(int kind, const char *id)
{
	struct tpeer	*p, *next;
	const char	*field;
	int		 n = 0;

	for (p = TAILQ_FIRST(&peers); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		field = kind == TUNNEL_DEL_SESSION ? p->sid :
		    kind == TUNNEL_DEL_DEVICE ? p->device : p->user;
		if (strcmp(field, id) != 0)
			continue;
		peer_free(p, kind == TUNNEL_DEL_SESSION ? "session ended" :
		    kind == TUNNEL_DEL_DEVICE ? "device revoked" :
		    "user revoked");
		n++;
	}
	return n;
}

static void
sweep_cb(const struct wg_peer_stats *st, void *arg)
{
	struct tpeer	*p;
	uint64_t	 mono = *(uint64_t *)arg;

	if ((p = peer_by_key(st->key)) == NULL)
		return;
	/*
	 * Only what the peer sends counts: our own keepalives move tx
	 * whether or not anyone is there.
	 */
	if (st->rx != p->rx || st->handshake != p->handshake)
		p->seen = mono;
	p->rx = st->rx;
	p->tx = st->tx;
	p->handshake = st->handshake;
}

/*
 * peer_sweep: read the backend's counters and remove the peers that
 * had no handshake and no traffic for the idle timeout.  With idle 0
 * only the counters are refreshed (pccxctl tunnel show).
 */
void
peer_sweep(uint64_t idle)
{
	struct tpeer	*p, *next;
	uint64_t	 mono = now_mono();

	if (backend == NULL || TAILQ_EMPTY(&peers) ||
	    backend->stats(sweep_cb, &mono) == -1)
		return;
	for (p = TAILQ_FIRST(&peers); idle != 0 && p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (mono - p->seen >= idle)
			peer_free(p, "idle");
	}
}

/* peer_list: the table, for listings. */
const struct tpeer_list *
peer_list(void)
{
	return &peers;
}
