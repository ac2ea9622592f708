/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of the rate limits and the login backoff, on a fake clock. */

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authd/ratelimit.h"

#define MS	1000ULL
#define T0	(1000 * MS)	/* the fake monotonic clock, in ms */

static int
fix_setup(void **state)
{
	struct conf_ratelimit	 c = { 2, 5, 1, 3 };

	*state = ratelimit_new(&c, 4);
	assert_non_null(*state);
	return 0;
}

static int
fix_teardown(void **state)
{
	ratelimit_free(*state);
	return 0;
}

/* Addresses: 2/s, burst 5.  A burst, then one every half second. */
static void
test_burst(void **state)
{
	struct ratelimit	*rl = *state;
	int			 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR,
		    "192.0.2.1", T0), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1", T0),
	    1);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1",
	    T0 + 499), 1);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1",
	    T0 + 500), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1",
	    T0 + 500), 1);
	/* Refused attempts cost nothing: a second on, two more. */
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1",
	    T0 + 1500), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1",
	    T0 + 1500), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1",
	    T0 + 1500), 1);
	/* Long idle refills to the burst, not beyond. */
	for (i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR,
		    "192.0.2.1", T0 + 3600 * MS), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1",
	    T0 + 3600 * MS), 1);
	/* Another address has its own bucket. */
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.2", T0),
	    0);
}

/* Users: 1/s, burst 3: Retry-After says when the next one goes. */
static void
test_retry_after(void **state)
{
	struct ratelimit	*rl = *state;
	struct conf_ratelimit	 c = { 0, 0, 1, 1 };
	unsigned		 wait;
	uint64_t		 t = T0;
	int			 i;

	for (i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "alice",
		    t), 0);
	wait = ratelimit_take(rl, RATELIMIT_USER, "alice", t);
	assert_int_equal(wait, 1);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "alice",
	    t + wait * MS - 1), 1);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "alice",
	    t + wait * MS), 0);
	/* Users and addresses are separate tables. */
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "alice", t), 0);

	/* After a reload, the burst shrinks at once; rate 0 is no limit. */
	ratelimit_setconf(rl, &c);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "alice",
	    t + 100 * MS), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "alice",
	    t + 100 * MS), 1);
	for (i = 0; i < 1000; i++)
		assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR,
		    "192.0.2.9", t), 0);
}

/* One bucket for an address however it is written; one per /64. */
static void
test_addresses(void **state)
{
	struct ratelimit	*rl = *state;
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	 sin;
	struct sockaddr_un	*sun;
	char			 key[RATELIMIT_KEYMAX];
	int			 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR,
		    i % 2 ? "::ffff:198.51.100.7" : "198.51.100.7", T0), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "198.51.100.7",
	    T0), 1);
	for (i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR,
		    i % 2 ? "2001:db8:1:2::1" : "2001:db8:1:2:ffff::9", T0), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR,
	    "2001:DB8:1:2:0:0:0:77", T0), 1);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_ADDR, "2001:db8:1:3::1",
	    T0), 0);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::5:6:7:8", &sin6.sin6_addr);
	assert_int_equal(ratelimit_addr_key((struct sockaddr *)&sin6, key,
	    sizeof(key)), 0);
	assert_string_equal(key, "2001:db8::/64");
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &sin6.sin6_addr);
	assert_int_equal(ratelimit_addr_key((struct sockaddr *)&sin6, key,
	    sizeof(key)), 0);
	assert_string_equal(key, "10.1.2.3");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "10.9.8.7", &sin.sin_addr);
	assert_int_equal(ratelimit_addr_key((struct sockaddr *)&sin, key,
	    sizeof(key)), 0);
	assert_string_equal(key, "10.9.8.7");
	sun = calloc(1, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	assert_int_equal(ratelimit_addr_key((struct sockaddr *)sun, key,
	    sizeof(key)), -1);
	free(sun);
}

/* Four entries a table: the least recently used one goes. */
static void
test_lru(void **state)
{
	struct ratelimit	*rl = *state;
	const char		*k[] = { "a", "b", "c", "d", "e" };
	int			 i, j;

	for (i = 0; i < 2; i++)		/* drain a and b */
		for (j = 0; j < 3; j++)
			ratelimit_take(rl, RATELIMIT_USER, k[i], T0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "c", T0), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "d", T0), 0);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "a", T0), 1);
	assert_int_equal(ratelimit_count(rl, RATELIMIT_USER), 4);
	/* e pushes out b, the least recently used, not a. */
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "e", T0), 0);
	assert_int_equal(ratelimit_count(rl, RATELIMIT_USER), 4);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "a", T0), 1);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "b", T0), 0);
	/* and b in turn pushed out c. */
	assert_int_equal(ratelimit_count(rl, RATELIMIT_USER), 4);
	for (i = 0; i < 100; i++) {
		char	 name[16];

		snprintf(name, sizeof(name), "u%d", i);
		ratelimit_take(rl, RATELIMIT_USER, name, T0);
	}
	assert_int_equal(ratelimit_count(rl, RATELIMIT_USER), 4);
	assert_int_equal(ratelimit_take(rl, RATELIMIT_USER, "a", T0), 0);
}

/* Failed logins: 1, 2, 4 ... 256, then 300 s; success clears. */
static void
test_backoff(void **state)
{
	struct ratelimit	*rl = *state;
	unsigned		 want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256,
				    300, 300, 300 };
	uint64_t		 t = T0;
	size_t			 i;

	assert_int_equal(ratelimit_locked(rl, RATELIMIT_USER, "bob", t), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(ratelimit_fail(rl, RATELIMIT_USER, "bob", t),
		    want[i]);
		assert_int_equal(ratelimit_locked(rl, RATELIMIT_USER, "bob",
		    t), want[i]);
		assert_int_equal(ratelimit_locked(rl, RATELIMIT_USER, "bob",
		    t + want[i] * MS - 1), 1);
		t += want[i] * MS;
		assert_int_equal(ratelimit_locked(rl, RATELIMIT_USER, "bob",
		    t), 0);
	}
	/* Someone else, and the address table, are not locked. */
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_USER, "carol", t), 0);
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_ADDR, "bob", t), 0);

	ratelimit_success(rl, RATELIMIT_USER, "bob");
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_USER, "bob", t), 0);
	assert_int_equal(ratelimit_fail(rl, RATELIMIT_USER, "bob", t), 1);
	assert_int_equal(ratelimit_fail(rl, RATELIMIT_USER, "bob", t + MS),
	    2);

	/* An hour without failing forgets the count. */
	t += MS + RATELIMIT_FORGET * MS + 1;
	assert_int_equal(ratelimit_fail(rl, RATELIMIT_USER, "bob", t), 1);

	/* Per address too, with the same normalisation. */
	assert_int_equal(ratelimit_fail(rl, RATELIMIT_ADDR, "192.0.2.5", t),
	    1);
	assert_int_equal(ratelimit_fail(rl, RATELIMIT_ADDR,
	    "::ffff:192.0.2.5", t), 2);
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_ADDR, "192.0.2.5",
	    t + 500), 2);
}

/* A flood of new keys does not push out a key's failures. */
static void
test_evict_backoff(void **state)
{
	struct ratelimit	*rl = *state;
	char			 name[16];
	int			 i;

	assert_int_equal(ratelimit_fail(rl, RATELIMIT_ADDR, "192.0.2.7", T0),
	    1);
	assert_int_equal(ratelimit_fail(rl, RATELIMIT_ADDR, "192.0.2.7",
	    T0 + 2 * MS), 2);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "198.51.100.%d", i);
		ratelimit_take(rl, RATELIMIT_ADDR, name, T0 + 2 * MS);
	}
	assert_int_equal(ratelimit_count(rl, RATELIMIT_ADDR), 4);
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_ADDR, "192.0.2.7",
	    T0 + 3 * MS), 1);
	assert_int_equal(ratelimit_fail(rl, RATELIMIT_ADDR, "192.0.2.7",
	    T0 + 4 * MS), 4);

	/* When every entry counts failures, the least recent still goes. */
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "203.0.113.%d", i);
		ratelimit_fail(rl, RATELIMIT_ADDR, name, T0 + 5 * MS);
	}
	assert_int_equal(ratelimit_count(rl, RATELIMIT_ADDR), 4);
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_ADDR, "192.0.2.7",
	    T0 + 5 * MS), 0);
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_ADDR, "203.0.113.3",
	    T0 + 5 * MS), 1);

	/* Failures past RATELIMIT_FORGET no longer hold an entry. */
	ratelimit_take(rl, RATELIMIT_ADDR, "198.51.100.200",
	    T0 + (RATELIMIT_FORGET + 6) * MS);
	assert_int_equal(ratelimit_count(rl, RATELIMIT_ADDR), 4);
	assert_int_equal(ratelimit_locked(rl, RATELIMIT_ADDR, "203.0.113.0",
	    T0 + 5 * MS), 0);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, fix_setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_burst),
		T(test_retry_after),
		T(test_addresses),
		T(test_lru),
		T(test_backoff),
		T(test_evict_backoff),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
