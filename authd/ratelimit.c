/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Rate limits per source address and per user, and login backoff. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/util.h"
#include "authd/ratelimit.h"

#define RL_NIL		UINT32_MAX
/* one token, in milli-tokens */
#define RL_ONE		1000
#define RL_MAXFAILS	32
/* entries with failures passed over to evict one */
#define RL_SCAN		256

/* One key's bucket and login failures. */
struct rl_entry {
	char		 key[RATELIMIT_KEYMAX];
	uint64_t	 level;		/* milli-tokens */
	uint64_t	 last_ms;	/* last refill */
	uint64_t	 lock_until;	/* ms */
	uint64_t	 last_fail;	/* ms */
	uint32_t	 fails;
	uint32_t	 prev, next;	/* LRU list: head is the newest */
	uint32_t	 hnext;		/* hash chain, or free list */
};

struct rl_table {
	struct rl_entry	*e;
	size_t		 max;
	size_t		 count;
	uint32_t	*bucket;
	uint32_t	 mask;
	uint32_t	 head, tail;
	uint32_t	 freelist;
	uint32_t	 rate;		/* tokens per second; 0: off */
	uint32_t	 burst;
};

struct ratelimit {
	struct rl_table	 t[RATELIMIT_NKINDS];
	unsigned char	 hkey[crypto_shorthash_KEYBYTES];
};

static int	 rl_table_init(struct rl_table *, size_t);
static uint32_t	 rl_hash(const struct ratelimit *,
		    const struct rl_table *, const char *);
static struct rl_entry *rl_find(struct ratelimit *, struct rl_table *,
		    const char *);
static struct rl_entry *rl_get(struct ratelimit *, struct rl_table *,
		    const char *, uint64_t);
static void	 rl_lru_unlink(struct rl_table *, uint32_t);
static void	 rl_lru_push(struct rl_table *, uint32_t);
static int	 rl_backoff(const struct rl_entry *, uint64_t);
static void	 rl_evict(struct ratelimit *, struct rl_table *, uint64_t);
static void	 rl_refill(const struct rl_table *, struct rl_entry *,
		    uint64_t);
static void	 rl_key(enum ratelimit_kind, const char *, char *);

static int
rl_table_init(struct rl_table *t, size_t max)
{
	size_t	 nb = 1, i;

	while (nb < 2 * max)
		nb <<= 1;
	t->max = max;
	t->mask = nb - 1;
	t->e = calloc(max, sizeof(*t->e));
	t->bucket = calloc(nb, sizeof(*t->bucket));
	if (t->e == NULL || t->bucket == NULL)
		return -1;
	for (i = 0; i < nb; i++)
		t->bucket[i] = RL_NIL;
	for (i = 0; i < max; i++)
		t->e[i].hnext = i + 1 < max ? i + 1 : RL_NIL;
	t->freelist = 0;
	t->head = t->tail = RL_NIL;
	return 0;
}

struct ratelimit *
ratelimit_new(const struct conf_ratelimit *conf, size_t max)
{
	struct ratelimit	*rl;
	int			 k;

	if (sodium_init() == -1)
		return NULL;
	if (max == 0)
		max = RATELIMIT_MAXENTRIES;
	if (max >= RL_NIL / 2 || (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	randombytes_buf(rl->hkey, sizeof(rl->hkey));
	for (k = 0; k < RATELIMIT_NKINDS; k++)
		if (rl_table_init(&rl->t[k], max) == -1) {
			ratelimit_free(rl);
			return NULL;
		}
	ratelimit_setconf(rl, conf);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	int	 k;

	if (rl == NULL)
		return;
	for (k = 0; k < RATELIMIT_NKINDS; k++) {
		free(rl->t[k].e);
		free(rl->t[k].bucket);
	}
	free(rl);
}

/* A burst of 0 with a rate means one second's worth. */
static void
rl_table_conf(struct rl_table *t, uint32_t rate, uint32_t burst)
{
	size_t	 i;

	t->rate = rate;
	t->burst = burst != 0 ? burst : rate != 0 ? rate : 1;
	for (i = 0; i < t->max; i++)
		if (t->e[i].level > (uint64_t)t->burst * RL_ONE)
			t->e[i].level = (uint64_t)t->burst * RL_ONE;
}

void
ratelimit_setconf(struct ratelimit *rl, const struct conf_ratelimit *conf)
{
	rl_table_conf(&rl->t[RATELIMIT_ADDR], conf->addr_rate,
	    conf->addr_burst);
	rl_table_conf(&rl->t[RATELIMIT_USER], conf->user_rate,
	    conf->user_burst);
}

size_t
ratelimit_count(const struct ratelimit *rl, enum ratelimit_kind k)
{
	return rl->t[k].count;
}

/* SipHash with a secret key: clients choose keys, not chain lengths. */
static uint32_t
rl_hash(const struct ratelimit *rl, const struct rl_table *t,
    const char *key)
{
	unsigned char	 h[crypto_shorthash_BYTES];

	crypto_shorthash(h, (const unsigned char *)key, strlen(key),
	    rl->hkey);
	return ((uint32_t)h[0] | (uint32_t)h[1] << 8 |
	    (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24) & t->mask;
}

static struct rl_entry *
rl_find(struct ratelimit *rl, struct rl_table *t, const char *key)
{
	uint32_t	 i;

	for (i = t->bucket[rl_hash(rl, t, key)]; i != RL_NIL;
	    i = t->e[i].hnext)
		if (strcmp(t->e[i].key, key) == 0)
			return &t->e[i];
	return NULL;
}

static void
rl_lru_unlink(struct rl_table *t, uint32_t i)
{
	struct rl_entry	*e = &t->e[i];

	if (e->prev != RL_NIL)
		t->e[e->prev].next = e->next;
	else
		t->head = e->next;
	if (e->next != RL_NIL)
		t->e[e->next].prev = e->prev;
	else
		t->tail = e->prev;
	e->prev = e->next = RL_NIL;
}

static void
rl_lru_push(struct rl_table *t, uint32_t i)
{
	struct rl_entry	*e = &t->e[i];

	e->prev = RL_NIL;
	e->next = t->head;
	if (t->head != RL_NIL)
		t->e[t->head].prev = i;
	t->head = i;
	if (t->tail == RL_NIL)
		t->tail = i;
}

/* Whether e still counts failed logins (see RATELIMIT_FORGET). */
static int
rl_backoff(const struct rl_entry *e, uint64_t now)
{
	return e->fails > 0 && (now <= e->last_fail ||
	    now - e->last_fail <= (uint64_t)RATELIMIT_FORGET * 1000);
}

/*
 * Forget the least recently used entry that counts no failures: one
 * that does is made recent instead, so a flood of new keys does not
 * clear a backoff.  After RL_SCAN of those the least recent goes
 * anyway, which bounds the work a new key costs.
 * XXX: so a client with more than RL_SCAN addresses (or /64s), each
 * with a failed login, and a flood of new ones can still clear one.
 */
static void
rl_evict(struct ratelimit *rl, struct rl_table *t, uint64_t now)
{
	uint32_t	 i = t->tail, n, *p;

	for (n = 0; n < RL_SCAN && n < t->count &&
	    rl_backoff(&t->e[i], now); n++) {
		rl_lru_unlink(t, i);
		rl_lru_push(t, i);
		i = t->tail;
	}
	rl_lru_unlink(t, i);
	p = &t->bucket[rl_hash(rl, t, t->e[i].key)];
	while (*p != i)
		p = &t->e[*p].hnext;
	*p = t->e[i].hnext;
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->e[i].hnext = t->freelist;
	t->freelist = i;
	t->count--;
}

/* key's entry, made most recent; created with a full bucket if new. */
static struct rl_entry *
rl_get(struct ratelimit *rl, struct rl_table *t, const char *key,
    uint64_t now)
{
	struct rl_entry	*e;
	uint32_t	 i, h;

	if ((e = rl_find(rl, t, key)) != NULL) {
		rl_lru_unlink(t, e - t->e);
		rl_lru_push(t, e - t->e);
		return e;
	}
	if (t->freelist == RL_NIL)
		rl_evict(rl, t, now);
	i = t->freelist;
	e = &t->e[i];
	t->freelist = e->hnext;
	pccx_strlcpy(e->key, key, sizeof(e->key));
	e->level = (uint64_t)t->burst * RL_ONE;
	e->last_ms = now;
	h = rl_hash(rl, t, e->key);
	e->hnext = t->bucket[h];
	t->bucket[h] = i;
	rl_lru_push(t, i);
	t->count++;
	return e;
}

static void
rl_refill(const struct rl_table *t, struct rl_entry *e, uint64_t now)
{
	uint64_t	 cap = (uint64_t)t->burst * RL_ONE;
	uint64_t	 dt = now > e->last_ms ? now - e->last_ms : 0;

	/* rate tokens a second is rate milli-tokens a millisecond. */
	if (dt >= cap / t->rate + 1 || e->level + dt * t->rate >= cap)
		e->level = cap;
	else
		e->level += dt * t->rate;
	if (now > e->last_ms)
		e->last_ms = now;
}

/* The table's key for a caller's key: addresses normalised. */
static void
rl_key(enum ratelimit_kind kind, const char *in, char *out)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	if (kind == RATELIMIT_ADDR) {
		memset(&sin, 0, sizeof(sin));
		memset(&sin6, 0, sizeof(sin6));
		sin.sin_family = AF_INET;
		sin6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET, in, &sin.sin_addr) == 1 &&
		    ratelimit_addr_key((struct sockaddr *)&sin, out,
		    RATELIMIT_KEYMAX) == 0)
			return;
		if (inet_pton(AF_INET6, in, &sin6.sin6_addr) == 1 &&
		    ratelimit_addr_key((struct sockaddr *)&sin6, out,
		    RATELIMIT_KEYMAX) == 0)
			return;
	}
	pccx_strlcpy(out, in, RATELIMIT_KEYMAX);
}

int
ratelimit_addr_key(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6	*sin6;
	struct in6_addr			 a;
	char				 p[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		if (inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->
		    sin_addr, buf, len) == NULL)
			return -1;
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	sin6 = (const struct sockaddr_in6 *)sa;
	a = sin6->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&a))
		return inet_ntop(AF_INET, &a.s6_addr[12], buf, len) == NULL ?
		    -1 : 0;
	/* One host may hold a whole /64: it shares one bucket. */
	memset(&a.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a, p, sizeof(p)) == NULL ||
	    (size_t)snprintf(buf, len, "%s/64", p) >= len)
		return -1;
	return 0;
}

unsigned
ratelimit_take(struct ratelimit *rl, enum ratelimit_kind kind,
    const char *key, uint64_t now)
{
	struct rl_table	*t = &rl->t[kind];
	struct rl_entry	*e;
	char		 k[RATELIMIT_KEYMAX];
	uint64_t	 need, wait_ms;

	if (t->rate == 0)
		return 0;
	rl_key(kind, key, k);
	e = rl_get(rl, t, k, now);
	rl_refill(t, e, now);
	if (e->level >= RL_ONE) {
		e->level -= RL_ONE;
		return 0;
	}
	need = RL_ONE - e->level;
	wait_ms = (need + t->rate - 1) / t->rate;
	return wait_ms == 0 ? 1 : (unsigned)((wait_ms + 999) / 1000);
}

unsigned
ratelimit_fail(struct ratelimit *rl, enum ratelimit_kind kind,
    const char *key, uint64_t now)
{
	struct rl_entry	*e;
	char		 k[RATELIMIT_KEYMAX];
	unsigned	 lock;

	rl_key(kind, key, k);
	e = rl_get(rl, &rl->t[kind], k, now);
	if (e->fails > 0 && now > e->last_fail &&
	    now - e->last_fail > (uint64_t)RATELIMIT_FORGET * 1000)
		e->fails = 0;
	if (e->fails < RL_MAXFAILS)
		e->fails++;
	lock = e->fails > 9 ? RATELIMIT_LOCK_MAX : 1U << (e->fails - 1);
	if (lock > RATELIMIT_LOCK_MAX)
		lock = RATELIMIT_LOCK_MAX;
	e->last_fail = now;
	e->lock_until = now + (uint64_t)lock * 1000;
	return lock;
}

unsigned
ratelimit_locked(struct ratelimit *rl, enum ratelimit_kind kind,
    const char *key, uint64_t now)
{
	struct rl_entry	*e;
	char		 k[RATELIMIT_KEYMAX];

	rl_key(kind, key, k);
	if ((e = rl_find(rl, &rl->t[kind], k)) == NULL ||
	    now >= e->lock_until)
		return 0;
	return (unsigned)((e->lock_until - now + 999) / 1000);
}

void
ratelimit_success(struct ratelimit *rl, enum ratelimit_kind kind,
    const char *key)
{
	struct rl_entry	*e;
	char		 k[RATELIMIT_KEYMAX];

	rl_key(kind, key, k);
	if ((e = rl_find(rl, &rl->t[kind], k)) == NULL)
		return;
	e->fails = 0;
	e->lock_until = 0;
}
