/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fallback units: frames, the bounded datagram pipe, certificate names. */

#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/x509.h>

#include "common/dgram.h"
#include "common/log.h"
#include "tunneld/tunneld.h"

/* A stream (one end of a bufferevent pair) and a datagram socket pair. */
struct rig {
	struct event_base	*base;
	struct bufferevent	*pair[2];
	int			 sp[2];
	struct dgram_pipe	 p;
};

static int
rig_up(void **state)
{
	static struct rig	r;

	memset(&r, 0, sizeof(r));
	if ((r.base = event_base_new()) == NULL ||
	    bufferevent_pair_new(r.base, 0, r.pair) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, r.sp) == -1)
		return -1;
	r.p.bev = r.pair[0];
	r.p.udp = r.sp[0];
	/* A bufferevent keeps its input closed to writers; open it. */
	evbuffer_unfreeze(bufferevent_get_input(r.pair[0]), 0);
	*state = &r;
	return 0;
}

static int
rig_down(void **state)
{
	struct rig	*r = *state;

	bufferevent_free(r->pair[0]);
	bufferevent_free(r->pair[1]);
	close(r->sp[0]);
	close(r->sp[1]);
	event_base_free(r->base);
	return 0;
}

static void
test_frame_next(void **state)
{
	const uint8_t	ok[] = { 0, 3, 'a', 'b', 'c', 0 };
	const uint8_t	empty[] = { 0, 0 };
	const uint8_t	big[] = { 0x10, 0x01 };
	size_t		plen = 0;

	assert_int_equal(dgram_frame_next(ok, 1, DGRAM_MAX, &plen), 0);
	assert_int_equal(dgram_frame_next(ok, 4, DGRAM_MAX, &plen), 0);
	assert_int_equal(dgram_frame_next(ok, 6, DGRAM_MAX, &plen), 5);
	assert_int_equal(plen, 3);
	assert_int_equal(dgram_frame_next(empty, 2, DGRAM_MAX, &plen), -1);
	assert_int_equal(dgram_frame_next(big, 2, 4096, &plen), -1);
	assert_int_equal(dgram_frame_next(big, 2, DGRAM_MAX, &plen), 0);
}

/* Whole frames become datagrams; a split one waits for its tail. */
static void
test_pipe_stream(void **state)
{
	struct rig	*r = *state;
	struct evbuffer	*in = bufferevent_get_input(r->pair[0]);
	const uint8_t	 s[] = { 0, 2, 'h', 'i', 0, 3, 'a', 'b', 'c', 0, 4,
	    'w' };
	char		 buf[64];

	evbuffer_add(in, s, sizeof(s));
	assert_int_equal(dgram_pipe_stream(&r->p), 0);
	assert_int_equal(recv(r->sp[1], buf, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "hi", 2);
	assert_int_equal(recv(r->sp[1], buf, sizeof(buf), 0), 3);
	assert_int_equal(evbuffer_get_length(in), 3);
	evbuffer_add(in, "xyz", 3);
	assert_int_equal(dgram_pipe_stream(&r->p), 0);
	assert_int_equal(recv(r->sp[1], buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "wxyz", 4);
	assert_int_equal(r->p.to_udp, 3);
	evbuffer_add(in, "\0\0", 2);
	assert_int_equal(dgram_pipe_stream(&r->p), -1);
}

/* A stream that does not drain: datagrams are dropped, not queued. */
static void
test_pipe_bounded(void **state)
{
	struct rig	*r = *state;
	struct evbuffer	*out = bufferevent_get_output(r->pair[0]);
	uint8_t		 d[1400];
	int		 i, j;

	memset(d, 0x5a, sizeof(d));
	bufferevent_disable(r->pair[1], EV_READ);
	for (i = 0; i < 40; i++) {
		for (j = 0; j < 32; j++)
			if (send(r->sp[1], d, sizeof(d), 0) != sizeof(d))
				break;
		dgram_pipe_udp(&r->p);
	}
	assert_true(evbuffer_get_length(out) <= DGRAM_BUFMAX);
	assert_true(evbuffer_get_length(out) > DGRAM_BUFMAX - 2 * 1402);
	assert_true(r->p.dropped > 0);
	assert_int_equal(r->p.to_stream * 1402, evbuffer_get_length(out));
}

/* The device id comes from the subject CN, printable and whole. */
static int
cert_cn(const char *cn, int len, char *out, size_t outlen)
{
	X509	*x = X509_new();
	int	 rv;

	assert_non_null(x);
	if (cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(
		    X509_get_subject_name(x), "CN", MBSTRING_ASC,
		    (const unsigned char *)cn, len, -1, 0), 1);
	rv = relay_cert_device(x, out, outlen);
	X509_free(x);
	return rv;
}

static void
test_cert_device(void **state)
{
	char	id[TUNNEL_IDMAX];

	assert_int_equal(cert_cn("Y7E1p4bB21o1P9b9SbnmGA", -1, id,
	    sizeof(id)), 0);
	assert_string_equal(id, "Y7E1p4bB21o1P9b9SbnmGA");
	assert_int_equal(cert_cn(NULL, 0, id, sizeof(id)), -1);
	assert_int_equal(cert_cn("dev 1", -1, id, sizeof(id)), -1);
	assert_int_equal(cert_cn("dev1\0evil", 9, id, sizeof(id)), -1);
	assert_int_equal(cert_cn("0123456789", -1, id, 8), -1);
}

/* Two common names: which one is the device is not guessed. */
static void
test_cert_two_cn(void **state)
{
	char	 id[TUNNEL_IDMAX];
	X509	*x = X509_new();

	assert_non_null(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x),
	    "CN", MBSTRING_ASC, (const unsigned char *)"a", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x),
	    "CN", MBSTRING_ASC, (const unsigned char *)"b", -1, -1, 0), 1);
	assert_int_equal(relay_cert_device(x, id, sizeof(id)), -1);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_next),
		cmocka_unit_test_setup_teardown(test_pipe_stream, rig_up,
		    rig_down),
		cmocka_unit_test_setup_teardown(test_pipe_bounded, rig_up,
		    rig_down),
		cmocka_unit_test(test_cert_device),
		cmocka_unit_test(test_cert_two_cn),
	};

	log_init("test_fallback", 1, 0);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
