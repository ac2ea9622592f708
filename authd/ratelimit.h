/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Rate limits per source address and per user, and login backoff. */

#ifndef PCCX_RATELIMIT_H
#define PCCX_RATELIMIT_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "remoted/config.h"

/* The two tables: keys are printed addresses or user names. */
enum ratelimit_kind {
	RATELIMIT_ADDR = 0,
	RATELIMIT_USER,
	RATELIMIT_NKINDS
};

/* default size of each table */
#define RATELIMIT_MAXENTRIES	16384
/* longest login lockout, seconds */
#define RATELIMIT_LOCK_MAX	300
/* failures forgotten after, seconds */
#define RATELIMIT_FORGET	3600
#define RATELIMIT_KEYMAX	PROTO_NAMEMAX

struct ratelimit;

/*
 * ratelimit_new: empty tables of maxentries each (0: the default),
 * with rates and bursts from conf.  A rate of 0 turns that limit off.
 * NULL on error.
 */
struct ratelimit *ratelimit_new(const struct conf_ratelimit *, size_t);
void		 ratelimit_free(struct ratelimit *);
/* ratelimit_setconf: new rates after a reload; buckets keep their
 * level, capped at the new burst. */
void		 ratelimit_setconf(struct ratelimit *,
		    const struct conf_ratelimit *);

/*
 * ratelimit_take: take one token from key's bucket at now_ms (a
 * monotonic clock in milliseconds).  Returns 0 when the request may
 * go ahead, or the seconds to wait before one will (>= 1), for
 * Retry-After.  Address keys are normalised (an IPv4-mapped address is
 * its IPv4 address; an IPv6 address stands for its /64), so "::ffff:
 * 192.0.2.1" and "192.0.2.1" share a bucket.  The least recently used
 * entry makes room for a new key when a table is full.
 */
unsigned	 ratelimit_take(struct ratelimit *, enum ratelimit_kind,
		    const char *, uint64_t);
/*
 * ratelimit_addr_key: the normalised key of a socket address into buf
 * (RATELIMIT_KEYMAX bytes); 0, or -1 for a family other than IPv4/6.
 */
int		 ratelimit_addr_key(const struct sockaddr *, char *, size_t);

/*
 * Login backoff.  ratelimit_fail records a failed login for key and
 * returns the lockout that follows it: 1 s after the first failure,
 * doubling with each further one up to RATELIMIT_LOCK_MAX.
 * ratelimit_locked returns the seconds left of key's lockout, 0 when
 * it may try.  ratelimit_success clears key's failures.  Failures
 * older than RATELIMIT_FORGET are forgotten.  Anyone who knows a user
 * name can set off that user's backoff; the cap bounds what that costs.
 */
unsigned	 ratelimit_fail(struct ratelimit *, enum ratelimit_kind,
		    const char *, uint64_t);
unsigned	 ratelimit_locked(struct ratelimit *, enum ratelimit_kind,
		    const char *, uint64_t);
void		 ratelimit_success(struct ratelimit *, enum ratelimit_kind,
		    const char *);
/* ratelimit_count: entries held in one table. */
size_t		 ratelimit_count(const struct ratelimit *,
		    enum ratelimit_kind);

#endif
