/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The tunnel addresses of sessions, for the token answer and the door. */

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/tunnel.h"
#include "authd.h"
#include "persist.h"

#define LEASE_MAX	4096	/* sessions remembered; the oldest go */
#define LEASE_WAIT	5	/* seconds a token answer waits for one */

/* The addresses the tunnel daemon gave one session's peer. */
struct lease {
	TAILQ_ENTRY(lease)	 entry;
	uint32_t		 id;		/* PEER_ADD's peer id */
	char			 sid[PROTO_NAMEMAX];
	int			 state;
	time_t			 asked;
	char			 addr4[TUNNEL_ADDRMAX];
	char			 addr6[TUNNEL_ADDRMAX];
};

static TAILQ_HEAD(lease_head, lease) leases =
    TAILQ_HEAD_INITIALIZER(leases);
static size_t			 nleases;
static uint32_t			 lease_next = 1;
static struct p_auth_tunnel	 lease_tun;

static struct lease *
lease_by_sid(const char *sid)
{
	struct lease	*l;

	TAILQ_FOREACH_REVERSE(l, &leases, lease_head, entry)
		if (strcmp(l->sid, sid) == 0)
			return l;
	return NULL;
}

/* lease_conf: the tunnel settings the parent sent (MSG_AUTH_CONF_TUNNEL). */
int
lease_conf(struct chan *c, struct msg *m)
{
	struct p_auth_tunnel	t;

	if (proto_get_auth_tunnel(m, &t) == -1)
		return -1;
	lease_tun = t;
	return 0;
}

/* lease_new: a pending lease for session sid; its peer id for PEER_ADD. */
uint32_t
lease_new(const char *sid)
{
	struct lease	*l;

	if (nleases >= LEASE_MAX && (l = TAILQ_FIRST(&leases)) != NULL) {
		TAILQ_REMOVE(&leases, l, entry);
		free(l);
		nleases--;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("lease");
	if (lease_next == 0)
		lease_next = 1;
	l->id = lease_next++;
	pccx_strlcpy(l->sid, sid, sizeof(l->sid));
	l->state = LEASE_PENDING;
	l->asked = time(NULL);
	TAILQ_INSERT_TAIL(&leases, l, entry);
	nleases++;
	return l->id;
}

/* lease_answer: the tunnel daemon's answer to PEER_ADD id. */
void
lease_answer(uint32_t id, const struct p_tunnel_peer_addr *r)
{
	struct lease	*l;

	TAILQ_FOREACH(l, &leases, entry)
		if (l->id == id)
			break;
	if (l == NULL)
		return;
	if (r->code != TUNNEL_OK) {
		l->state = LEASE_NONE;
		return;
	}
	l->state = LEASE_OK;
	pccx_strlcpy(l->addr4, r->addr4, sizeof(l->addr4));
	pccx_strlcpy(l->addr6, r->addr6, sizeof(l->addr6));
	persist_lease(l->sid, l->addr4, l->addr6);
}

/*
 * lease_state: LEASE_PENDING while the tunnel daemon has not answered
 * for sid (for LEASE_WAIT seconds at most), LEASE_OK once it gave
 * addresses, else LEASE_NONE.
 */
int
lease_state(const char *sid)
{
	struct lease	*l = lease_by_sid(sid);

	if (l == NULL)
		return LEASE_NONE;
	if (l->state == LEASE_PENDING && time(NULL) - l->asked > LEASE_WAIT)
		return LEASE_NONE;
	return l->state;
}

/*
 * lease_json: the token answer's "tunnel" object for sid, or NULL;
 * with "fallback", the TLS listener's "ADDR:PORT", when there is one.
 */
json_t *
lease_json(const char *sid)
{
	struct lease	*l = lease_by_sid(sid);
	json_t		*t;

	if (l == NULL || l->state != LEASE_OK || !lease_tun.set)
		return NULL;
	t = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s}",
	    "address4", l->addr4, "address6", l->addr6,
	    "public_key", lease_tun.key, "port", (int)lease_tun.port,
	    "server4", lease_tun.addr4, "server6", lease_tun.addr6,
	    "api", lease_tun.api);
	if (t != NULL && lease_tun.fallback[0] != '\0')
		json_object_set_new(t, "fallback",
		    json_string(lease_tun.fallback));
	return t;
}

/* Does the numeric address a equal the "A/P" prefix p's address? */
static int
lease_same(const char *a, const char *p)
{
	unsigned char	x[16], y[16];
	char		buf[TUNNEL_ADDRMAX];
	int		af;

	if (*p == '\0')
		return 0;
	pccx_strlcpy(buf, p, sizeof(buf));
	buf[strcspn(buf, "/")] = '\0';
	/* A v4 peer seen on a v6 socket. */
	if (strncmp(a, "::ffff:", 7) == 0 && strchr(a, '.') != NULL)
		a += 7;
	af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, a, x) != 1 || inet_pton(af, buf, y) != 1)
		return 0;
	return memcmp(x, y, af == AF_INET ? 4 : 16) == 0;
}

/*
 * lease_addr_ok: non-zero when addr is an address the tunnel daemon
 * gave session sid.
 */
int
lease_addr_ok(const char *sid, const char *addr)
{
	struct lease	*l = lease_by_sid(sid);

	if (l == NULL || l->state != LEASE_OK)
		return 0;
	return lease_same(addr, l->addr4) || lease_same(addr, l->addr6);
}
