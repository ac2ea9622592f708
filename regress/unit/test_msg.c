/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of the message framing, the typed codecs and the tables. */

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/msg.h"
#include "common/wire.h"
#include "proto/proto.h"

struct pair {
	struct chan	a;
	struct chan	b;
};

static int
pair_setup(void **state)
{
	struct pair	*p = calloc(1, sizeof(*p));
	int		 fds[2];

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK,
	    0, fds), 0);
	assert_int_equal(chan_init(&p->a, fds[0], PROC_PARENT), 0);
	assert_int_equal(chan_init(&p->b, fds[1], PROC_FRONT), 0);
	*state = p;
	return 0;
}

static int
pair_teardown(void **state)
{
	struct pair	*p = *state;

	chan_clear(&p->a);
	chan_clear(&p->b);
	free(p);
	return 0;
}

/* Write raw bytes to a's socket, as a hostile peer would. */
static void
raw_send(struct pair *p, const void *buf, size_t len)
{
	assert_int_equal(write(p->a.fd, buf, len), (ssize_t)len);
}

static void
test_roundtrip(void **state)
{
	struct pair	*p = *state;
	struct p_log	 l;
	struct msg	 m;

	assert_int_equal(proto_send_log(&p->a, 6, "hello"), 0);
	assert_int_equal(chan_flush(&p->a), 0);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_OK);
	assert_int_equal(m.hdr.type, MSG_LOG);
	assert_int_equal(m.fd, -1);
	assert_int_equal(proto_get_log(&m, &l), 0);
	assert_string_equal(l.text, "hello");
	assert_int_equal(chan_get(&p->b, &m), MSG_EMORE);
}

/* A message that arrives one byte at a time is whole only at the end. */
static void
test_partial_read(void **state)
{
	struct pair	*p = *state;
	struct msg	 m;
	struct msg_out	*o;
	size_t		 i;

	assert_int_equal(proto_send_log(&p->a, 6, "bytewise"), 0);
	o = TAILQ_FIRST(&p->a.wq);
	for (i = 0; i < o->len; i++) {
		raw_send(p, o->buf + i, 1);
		assert_int_equal(chan_read(&p->b), 1);
		assert_int_equal(chan_get(&p->b, &m),
		    i + 1 == o->len ? MSG_OK : MSG_EMORE);
	}
	assert_int_equal(m.len, 2 + 1 + strlen("bytewise"));
}

/* A full socket buffer leaves the rest queued for the next flush. */
static void
test_partial_write(void **state)
{
	struct pair	*p = *state;
	struct msg	 m;
	static char	 big[PROTO_STRMAX];
	int		 sent = 0, got = 0, size = 4096;

	memset(big, 'x', sizeof(big) - 1);
	setsockopt(p->a.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	for (sent = 0; sent < 400; sent++)
		assert_int_equal(proto_send_log(&p->a, 6, big), 0);
	assert_int_equal(chan_flush(&p->a), 0);
	assert_true(chan_pending(&p->a));
	while (got < sent) {
		if (chan_pending(&p->a))
			assert_int_equal(chan_flush(&p->a), 0);
		if (chan_read(&p->b) == -1)
			assert_int_equal(errno, EAGAIN);
		while (chan_get(&p->b, &m) == MSG_OK)
			got++;
	}
	assert_int_equal(got, sent);
	assert_false(chan_pending(&p->a));
}

static void
test_fd_passing(void **state)
{
	struct pair		*p = *state;
	struct p_conf_key	 k = { "token" }, out;
	struct msg		 m;
	struct stat		 st;
	int			 fd = open("/dev/null", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(proto_send_conf_key(&p->a, fd, &k), 0);
	assert_int_equal(chan_flush(&p->a), 0);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_OK);
	assert_true(m.fd >= 0);
	assert_int_equal(fstat(m.fd, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(proto_get_conf_key(&m, &out), 0);
	assert_string_equal(out.name, "token");
	close(m.fd);
}

/* A descriptor stays with its own message inside a batch of writes. */
static void
test_fd_in_batch(void **state)
{
	struct pair		*p = *state;
	struct p_conf_key	 k = { "tls" };
	struct msg		 m;
	int			 i, fd = open("/dev/null", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(proto_send_log(&p->a, 6, "one"), 0);
	assert_int_equal(proto_send_conf_key(&p->a, fd, &k), 0);
	assert_int_equal(proto_send_log(&p->a, 6, "three"), 0);
	assert_int_equal(chan_flush(&p->a), 0);
	assert_false(chan_pending(&p->a));
	for (i = 0; i < 3; i++) {
		if (chan_get(&p->b, &m) == MSG_EMORE) {
			assert_true(chan_read(&p->b) > 0);
			assert_int_equal(chan_get(&p->b, &m), MSG_OK);
		}
		assert_int_equal(m.hdr.type, i == 1 ? MSG_CONF_KEY : MSG_LOG);
		assert_true(i == 1 ? m.fd >= 0 : m.fd == -1);
		if (m.fd >= 0)
			close(m.fd);
	}
}

static void
hdr_send(struct pair *p, uint16_t type, uint16_t flags, uint32_t len)
{
	struct msg_hdr	h = { type, flags, len, 0, 0 };

	raw_send(p, &h, sizeof(h));
}

static void
test_hdr_too_long(void **state)
{
	struct pair	*p = *state;
	struct msg	 m;

	hdr_send(p, MSG_LOG, 0, MSG_MAXPAYLOAD + 1);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_ETOOBIG);
}

static void
test_hdr_bad_flags(void **state)
{
	struct pair	*p = *state;
	struct msg	 m;

	hdr_send(p, MSG_LOG, 0x8000, 0);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_EFLAGS);
}

/* The header claims a descriptor that never came. */
static void
test_hdr_missing_fd(void **state)
{
	struct pair	*p = *state;
	struct msg	 m;

	hdr_send(p, MSG_CONF_KEY, MSG_F_FD, 0);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_ENOFD);
}

/* Raw bytes with a descriptor on their first byte. */
static void
raw_send_fd(struct pair *p, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr	 mh;
	struct iovec	 iov = { (void *)buf, len };

	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
	CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &fd, sizeof(int));
	assert_int_equal(sendmsg(p->a.fd, &mh, 0), (ssize_t)len);
}

/* A descriptor on a message that does not claim one: never kept. */
static void
test_fd_stray(void **state)
{
	struct pair	*p = *state;
	struct msg_hdr	 h[2] = { { MSG_LOG, 0, 0, 0, 0 },
			    { MSG_LOG, 0, 0, 0, 0 } };
	struct msg	 m;
	int		 fd = open("/dev/null", O_RDONLY);

	assert_true(fd >= 0);
	raw_send_fd(p, h, sizeof(h), fd);
	close(fd);
	assert_true(chan_read(&p->b) > 0);
	/* both start within the bytes it came with; neither claims it */
	assert_int_equal(chan_get(&p->b, &m), MSG_OK);
	assert_int_equal(chan_get(&p->b, &m), MSG_OK);
	hdr_send(p, MSG_LOG, 0, 0);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_ESTRAY);
}

/* The stream ends inside a header, then inside a payload. */
static void
test_hdr_short(void **state)
{
	struct pair	*p = *state;
	struct msg	 m;
	struct msg_hdr	 h = { MSG_LOG, 0, 10, 0, 0 };

	raw_send(p, &h, 7);
	assert_int_equal(chan_read(&p->b), 7);
	assert_int_equal(chan_get(&p->b, &m), MSG_EMORE);
	assert_int_equal(chan_eof_check(&p->b), MSG_ESHORT);
	raw_send(p, (char *)&h + 7, sizeof(h) - 7);
	raw_send(p, "abc", 3);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_EMORE);
	assert_int_equal(chan_eof_check(&p->b), MSG_ESHORT);
}

static int	handled;

static int
h_count(struct chan *c, struct msg *m)
{
	handled++;
	return proto_get_empty(m);
}

static const struct msg_rule rules[] = {
	{ MSG_CONF_END, PROC_BIT(PROC_PARENT), ST_CONF, MSG_FD_NEVER, 0, 0,
	    h_count },
	{ MSG_CONF_KEY, PROC_BIT(PROC_PARENT), ST_CONF, MSG_FD_MUST, 3, 66,
	    h_count },
};

static int
dispatch(int peer, uint16_t type, size_t len, int fd, int state,
    const char **why)
{
	static uint8_t	 zero[128];
	struct chan	 c;
	struct msg	 m;

	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	c.peer = peer;
	m.hdr.type = type;
	m.data = zero;
	m.len = len;
	m.fd = fd;
	*why = NULL;
	return msg_dispatch(rules, 2, state, &c, &m, why);
}

static void
test_table(void **state)
{
	const char	*why;

	handled = 0;
	assert_int_equal(dispatch(PROC_PARENT, MSG_CONF_END, 0, -1, ST_CONF,
	    &why), 0);
	assert_int_equal(handled, 1);
	assert_int_equal(dispatch(PROC_PARENT, MSG_TYPE_MAX + 7, 0, -1,
	    ST_CONF, &why), -1);
	assert_string_equal(why, "unknown message type");
	assert_int_equal(dispatch(PROC_FRONT, MSG_CONF_END, 0, -1, ST_CONF,
	    &why), -1);
	assert_string_equal(why, "message not allowed from this peer");
	assert_int_equal(dispatch(PROC_PARENT, MSG_CONF_END, 0, -1, ST_RUN,
	    &why), -1);
	assert_string_equal(why, "message not allowed in this state");
	assert_int_equal(dispatch(PROC_PARENT, MSG_CONF_END, 1, -1, ST_CONF,
	    &why), -1);
	assert_string_equal(why, "wrong size for message type");
	assert_int_equal(dispatch(PROC_PARENT, MSG_CONF_END, 0, 0, ST_CONF,
	    &why), -1);
	assert_string_equal(why, "unexpected descriptor");
	assert_int_equal(dispatch(PROC_PARENT, MSG_CONF_KEY, 3, -1, ST_CONF,
	    &why), -1);
	assert_string_equal(why, "descriptor missing");
	assert_int_equal(handled, 1);
}

static struct msg
mk(const void *data, size_t len)
{
	struct msg	m;

	memset(&m, 0, sizeof(m));
	m.data = data;
	m.len = len;
	m.fd = -1;
	return m;
}

/* Decoders refuse trailing bytes, short payloads and bad strings. */
static void
test_decoders(void **state)
{
	struct wire_w		w;
	struct p_log		l;
	struct p_status		st;
	struct p_limits		lim;
	struct msg		m;
	static const uint8_t	nul[] = { 6, 3, 0, 'a', 0, 'b' };
	static const uint8_t	longstr[] = { 6, 0xff, 0xff, 'a' };

	m = mk(nul, sizeof(nul));
	assert_int_equal(proto_get_log(&m, &l), -1);
	m = mk(longstr, sizeof(longstr));
	assert_int_equal(proto_get_log(&m, &l), -1);
	wire_w_init(&w);
	wire_put_u8(&w, 99);			/* priority out of range */
	wire_put_str(&w, "x");
	m = mk(w.buf, w.len);
	assert_int_equal(proto_get_log(&m, &l), -1);
	memset(&st, 0, sizeof(st));
	wire_w_init(&w);
	wire_put_bytes(&w, &st, P_STATUS_LEN - 1);
	m = mk(w.buf, w.len);
	assert_int_equal(proto_get_status(&m, &st), -1);
	wire_put_bytes(&w, "\0\0", 2);		/* one byte too many */
	m = mk(w.buf, w.len);
	assert_int_equal(proto_get_status(&m, &st), -1);
	memset(&w, 0, sizeof(w));
	wire_w_init(&w);
	wire_put_bytes(&w, w.buf + 1000, P_LIMITS_LEN);	/* all zero */
	m = mk(w.buf, w.len);
	assert_int_equal(proto_get_limits(&m, &lim), -1);
}

static void
test_limits_roundtrip(void **state)
{
	struct pair	*p = *state;
	struct p_limits	 in, out;
	struct msg	 m;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.request_line = 8192;
	in.header_count = 64;
	in.header_bytes = 16384;
	in.body_bytes = 1 << 20;
	in.upload_bytes = 1ULL << 30;
	in.idle_timeout = 30;
	in.request_timeout = 60;
	in.ws_frame_bytes = 65536;
	in.ws_message_bytes = 1 << 20;
	in.max_connections = 1024;
	in.feeds_per_user = 8;

	assert_int_equal(proto_send_limits(&p->a, &in), 0);
	assert_int_equal(chan_flush(&p->a), 0);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &m), MSG_OK);
	assert_int_equal(m.len, P_LIMITS_LEN);
	assert_int_equal(proto_get_limits(&m, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_partial_read, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_partial_write,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_fd_passing, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_fd_in_batch, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_hdr_too_long, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_fd_stray, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_hdr_bad_flags,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_hdr_missing_fd,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_hdr_short, pair_setup,
		    pair_teardown),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_decoders),
		cmocka_unit_test_setup_teardown(test_limits_roundtrip,
		    pair_setup, pair_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
