/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of the session codecs: round trips and strict refusals. */

#include <sys/socket.h>

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
#include "proto/session.h"
#include "sessiond/front.h"

#define UUID	"0f8fad5b-d9cb-469f-a165-70867728950e"

struct pair {
	struct chan	a;
	struct chan	b;
	struct msg	m;
};

static int
setup(void **state)
{
	struct pair	*p = calloc(1, sizeof(*p));
	int		 fds[2];

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(chan_init(&p->a, fds[0], PROC_FRONT), 0);
	assert_int_equal(chan_init(&p->b, fds[1], PROC_SESSION), 0);
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair	*p = *state;

	if (p->m.fd != -1 && p->m.fd != 0)
		close(p->m.fd);
	chan_clear(&p->a);
	chan_clear(&p->b);
	free(p);
	return 0;
}

/* Send what a queued, take the one message b gets. */
static struct msg *
xfer(struct pair *p)
{
	assert_int_equal(msg_flush_wait(&p->a), 0);
	assert_true(chan_read(&p->b) > 0);
	assert_int_equal(chan_get(&p->b, &p->m), MSG_OK);
	return &p->m;
}

/* A copy of m with its payload cut or extended by delta bytes. */
static struct msg *
resized(const struct msg *m, int delta)
{
	static uint8_t		buf[MSG_MAXPAYLOAD + 16];
	static struct msg	c;

	c = *m;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, m->data, m->len);
	c.data = buf;
	c.len = m->len + delta;
	return &c;
}

static void
test_uuid(void **unused)
{
	assert_true(proto_session_uuid_ok(UUID));
	assert_false(proto_session_uuid_ok("0F8FAD5B-D9CB-469F-A165-"
	    "70867728950E"));
	assert_false(proto_session_uuid_ok("0f8fad5b-d9cb-469f-a165-"
	    "70867728950"));
	assert_false(proto_session_uuid_ok("0f8fad5b-d9cb-469f-a165-"
	    "70867728950e0"));
	assert_false(proto_session_uuid_ok("../../../../etc/passwd/x/y/z/w"
	    "/abcde"));
	assert_false(proto_session_uuid_ok("0f8fad5b-d9cb-469f-a165+"
	    "70867728950e"));
}

static void
test_open(void **state)
{
	struct pair		*p = *state;
	struct p_session_open	 o, g;
	struct msg		*m;

	memset(&o, 0, sizeof(o));
	strcpy(o.user, "alice@example.org");
	strcpy(o.project, "npu");
	o.uid = o.gid = SESSION_ANYID;
	o.mode = SESSION_MODE_SQUASH;
	o.memory = 1 << 30;
	o.cpu = 150;
	o.pids = 512;
	assert_int_equal(proto_send_session_open(&p->a, 7, &o), 0);
	m = xfer(p);
	assert_int_equal(m->hdr.peerid, 7);
	assert_int_equal(proto_get_session_open(m, &g), 0);
	assert_string_equal(g.user, o.user);
	assert_string_equal(g.project, "npu");
	assert_int_equal(g.memory, 1 << 30);
	assert_int_equal(g.pids, 512);
	/* A byte short, a byte over: refused. */
	assert_int_equal(proto_get_session_open(resized(m, -1), &g), -1);
	assert_int_equal(proto_get_session_open(resized(m, 1), &g), -1);
	/* Root's ids and a mode out of range are refused too. */
	o.uid = 0;
	o.gid = 100;
	assert_int_equal(proto_send_session_open(&p->a, 8, &o), 0);
	assert_int_equal(proto_get_session_open(xfer(p), &g), -1);
	o.uid = o.gid = SESSION_ANYID;
	o.mode = 3;
	assert_int_equal(proto_send_session_open(&p->a, 9, &o), 0);
	assert_int_equal(proto_get_session_open(xfer(p), &g), -1);
}

static void
test_exec(void **state)
{
	static struct p_session_exec	x, g;
	struct pair			*p = *state;
	struct msg			*m;

	memset(&x, 0, sizeof(x));
	strcpy(x.uuid, UUID);
	strcpy(x.user, "alice@example.org");
	strcpy(x.cwd, "/project/src");
	x.argv[0] = "make";
	x.argv[1] = "-j2";
	x.argc = 2;
	x.env[0] = "LANG=C.UTF-8";
	x.envc = 1;
	assert_int_equal(proto_send_session_exec(&p->a, MSG_SESSION_EXEC, 3,
	    -1, &x), 0);
	m = xfer(p);
	assert_int_equal(proto_get_session_exec(m, &g), 0);
	assert_int_equal(g.argc, 2);
	assert_string_equal(g.argv[1], "-j2");
	assert_null(g.argv[2]);
	assert_string_equal(g.env[0], "LANG=C.UTF-8");
	assert_string_equal(g.cwd, "/project/src");
	assert_null(g.in);
	assert_int_equal(proto_get_session_exec(resized(m, 2), &g), -1);
	/* A standard input, NUL bytes and all; one too long is refused. */
	x.in = "a\0b";
	x.inlen = 3;
	assert_int_equal(proto_send_session_exec(&p->a, MSG_SESSION_EXEC, 3,
	    -1, &x), 0);
	assert_int_equal(proto_get_session_exec(xfer(p), &g), 0);
	assert_int_equal(g.inlen, 3);
	assert_memory_equal(g.in, "a\0b", 3);
	assert_string_equal(g.argv[1], "-j2");
	x.in = calloc(1, SESSION_INMAX + 1);
	x.inlen = SESSION_INMAX + 1;
	assert_int_equal(proto_send_session_exec(&p->a, MSG_SESSION_EXEC, 3,
	    -1, &x), 0);
	assert_int_equal(proto_get_session_exec(xfer(p), &g), -1);
	free(x.in);
	x.in = NULL;
	x.inlen = 0;
	/* An environment entry without a name, an empty argv: refused. */
	x.env[0] = "=x";
	assert_int_equal(proto_send_session_exec(&p->a, MSG_SESSION_EXEC, 4,
	    -1, &x), 0);
	assert_int_equal(proto_get_session_exec(xfer(p), &g), -1);
	x.envc = 0;
	x.argc = 0;
	assert_int_equal(proto_send_session_exec(&p->a, MSG_SESSION_EXEC, 5,
	    -1, &x), 0);
	assert_int_equal(proto_get_session_exec(xfer(p), &g), -1);
	/* A uuid that is not one, as the path component it would become. */
	x.argc = 1;
	strcpy(x.uuid, "../../../etc/shadow-aaaaaaaaaaaaaaaa");
	assert_int_equal(proto_send_session_exec(&p->a, MSG_SESSION_EXEC, 6,
	    -1, &x), 0);
	assert_int_equal(proto_get_session_exec(xfer(p), &g), -1);
}

static void
test_killed(void **state)
{
	static struct p_session_killed	k, g;
	struct pair			*p = *state;
	struct msg			*m;

	memset(&k, 0, sizeof(k));
	strcpy(k.uuid, UUID);
	k.reason = SESSION_WHY_REQUEST;
	k.mode = SESSION_MODE_SQUASH;
	k.result = SESSION_RES_CONFLICT;
	k.kill_us = 1234;
	assert_int_equal(session_killed_add(&k, "README.md"), 0);
	assert_int_equal(session_killed_add(&k, "src/a.c"), 0);
	assert_int_equal(proto_send_session_killed(&p->a, 11, &k), 0);
	m = xfer(p);
	assert_int_equal(proto_get_session_killed(m, &g), 0);
	assert_int_equal(g.nconflicts, 2);
	assert_string_equal(g.conflicts[1], "src/a.c");
	assert_int_equal(g.kill_us, 1234);
	assert_int_equal(proto_get_session_killed(resized(m, -1), &g), -1);
}

static void
test_pty(void **state)
{
	struct pair		*p = *state;
	struct p_session_pty	 t, g;

	memset(&t, 0, sizeof(t));
	strcpy(t.uuid, UUID);
	strcpy(t.user, "alice@example.org");
	t.rows = 24;
	t.cols = 80;
	strcpy(t.term, "xterm-256color");
	assert_int_equal(proto_send_session_pty(&p->a, MSG_SESSION_PTY, 1,
	    &t), 0);
	assert_int_equal(proto_get_session_pty(xfer(p), &g), 0);
	assert_string_equal(g.term, "xterm-256color");
	/* A TERM with a shell's metacharacters, a zero size: refused. */
	strcpy(t.term, "x;rm");
	assert_int_equal(proto_send_session_pty(&p->a, MSG_SESSION_PTY, 2,
	    &t), 0);
	assert_int_equal(proto_get_session_pty(xfer(p), &g), -1);
	strcpy(t.term, "vt100");
	t.rows = 0;
	assert_int_equal(proto_send_session_pty(&p->a, MSG_SESSION_RESIZE, 3,
	    &t), 0);
	assert_int_equal(proto_get_session_pty(xfer(p), &g), -1);
}

static void
test_member(void **state)
{
	struct pair			*p = *state;
	struct p_session_conf_member	 mb, g;

	memset(&mb, 0, sizeof(mb));
	strcpy(mb.project, "npu");
	strcpy(mb.user, "alice@example.org");
	strcpy(mb.account, "alice");
	mb.uid = mb.gid = 1000;
	mb.role = 3;
	mb.ngroups = 2;
	mb.groups[0] = 1000;
	mb.groups[1] = 27;
	assert_int_equal(proto_send_session_member(&p->a, &mb), 0);
	assert_int_equal(proto_get_session_member(xfer(p), &g), 0);
	assert_int_equal(g.ngroups, 2);
	assert_int_equal(g.groups[1], 27);
	/* No groups, too many, root's group, the "no id" value. */
	mb.ngroups = 0;
	assert_int_equal(proto_send_session_member(&p->a, &mb), 0);
	assert_int_equal(proto_get_session_member(xfer(p), &g), -1);
	mb.ngroups = SESSION_GROUPSMAX + 1;
	assert_int_equal(proto_send_session_member(&p->a, &mb), -1);
	mb.ngroups = 2;
	mb.groups[1] = 0;
	assert_int_equal(proto_send_session_member(&p->a, &mb), 0);
	assert_int_equal(proto_get_session_member(xfer(p), &g), -1);
	mb.groups[1] = SESSION_ANYID;
	assert_int_equal(proto_send_session_member(&p->a, &mb), 0);
	assert_int_equal(proto_get_session_member(xfer(p), &g), -1);
	mb.groups[1] = 27;
	/* An account that would name a path outside /home. */
	strcpy(mb.account, "../etc");
	assert_int_equal(proto_send_session_member(&p->a, &mb), 0);
	assert_int_equal(proto_get_session_member(xfer(p), &g), -1);
}

/* The role table refuses a session request from anyone but the front. */
static void
test_table(void **state)
{
	struct pair		*p = *state;
	struct p_session_list	 l;
	const char		*why = NULL;
	struct msg		*m;

	memset(&l, 0, sizeof(l));
	assert_int_equal(proto_send_session_list(&p->a, 1, &l), 0);
	m = xfer(p);
	p->b.peer = PROC_AUDIT;
	assert_int_equal(msg_dispatch(session_rules, session_nrules, ST_RUN,
	    &p->b, m, &why), -1);
	assert_string_equal(why, "message not allowed from this peer");
	p->b.peer = PROC_FRONT;
	assert_int_equal(msg_dispatch(session_rules, session_nrules, ST_CONF,
	    &p->b, m, &why), -1);
	assert_string_equal(why, "message not allowed in this state");
}

static void
test_frames(void **unused)
{
	uint8_t		h[SESSION_FRAME_HDR];
	uint8_t		t;
	uint32_t	n;

	session_frame_put(h, SESSION_FRAME_STDERR, 300);
	assert_int_equal(session_frame_get(h, &t, &n), 0);
	assert_int_equal(t, SESSION_FRAME_STDERR);
	assert_int_equal(n, 300);
	assert_int_equal(h[4], 300 & 0xff);
	session_frame_put(h, SESSION_FRAME_STDOUT, SESSION_FRAME_MAX + 1);
	assert_int_equal(session_frame_get(h, &t, &n), -1);
	session_frame_put(h, SESSION_FRAME_EXIT, 4);
	assert_int_equal(session_frame_get(h, &t, &n), -1);
	session_frame_put(h, 9, 1);
	assert_int_equal(session_frame_get(h, &t, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test(test_frames),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
