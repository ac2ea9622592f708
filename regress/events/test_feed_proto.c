/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests: the feed messages of the audit daemon and the allow scope. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/msg.h"
#include "proto/audit.h"
#include "proto/auth.h"

/* The newest message queued on c, as a receiver would see it. */
static void
queued(struct chan *c, struct msg *m)
{
	struct msg_out	*o, *last = NULL;

	TAILQ_FOREACH(o, &c->wq, entry)
		last = o;
	assert_non_null(o = last);
	memcpy(&m->hdr, o->buf, MSG_HDRSZ);
	m->data = o->buf + MSG_HDRSZ;
	m->len = m->hdr.len;
	m->fd = -1;
}

static struct chan *
chan_new(void)
{
	static struct chan	c;

	chan_clear(&c);
	assert_int_equal(chan_init(&c, -1, PROC_FRONT), 0);
	return &c;
}

/* Every cut of m's payload, and one byte more, must be refused. */
static void
cuts_refused(struct msg *m, int (*get)(const struct msg *, void *),
    void *out)
{
	uint8_t	*buf = malloc(m->hdr.len + 1);
	size_t	 i;

	memcpy(buf, m->data, m->hdr.len);
	m->data = buf;
	for (i = 0; i < m->hdr.len; i++) {
		m->len = i;
		assert_int_equal(get(m, out), -1);
	}
	buf[m->hdr.len] = 0;
	m->len = m->hdr.len + 1;
	assert_int_equal(get(m, out), -1);
	m->len = m->hdr.len;
	assert_int_equal(get(m, out), 0);
	free(buf);
}

static int
get_sub(const struct msg *m, void *p)
{
	return proto_get_audit_sub(m, p);
}

static int
get_event(const struct msg *m, void *p)
{
	return proto_get_audit_event(m, p);
}

static int
get_allow(const struct msg *m, void *p)
{
	return proto_get_auth_allow(m, p);
}

static void
test_sub(void **state)
{
	struct p_audit_sub	*p = calloc(1, sizeof(*p));
	struct p_audit_sub	*g = calloc(1, sizeof(*g));
	struct chan		*c = chan_new();
	struct msg		 m;

	p->sub = 7;
	p->since = 42;
	p->grant = 99;
	p->window = 512;
	p->suite = 1;
	p->nprojects = 2;
	strcpy(p->user, "alice@example.com");
	strcpy(p->projects[0], "core");
	strcpy(p->projects[1], "lab");
	assert_int_equal(proto_send_audit_sub(c, p), 0);
	queued(c, &m);
	assert_true(m.len >= P_AUDIT_SUB_MIN && m.len <= P_AUDIT_SUB_MAX);
	assert_int_equal(proto_get_audit_sub(&m, g), 0);
	assert_int_equal(g->since, 42);
	assert_int_equal(g->grant, 99);
	/* The same payload as a grant from the auth daemon. */
	assert_int_equal(proto_send_audit_grant(c, p), 0);
	queued(c, &m);
	assert_int_equal(m.hdr.type, MSG_AUDIT_GRANT);
	assert_int_equal(proto_get_audit_grant(&m, g), 0);
	assert_true(audit_sub_within(p, g));
	p->grant = 0;			/* a grant must have a number */
	assert_int_equal(proto_send_audit_grant(c, p), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_grant(&m, g), -1);
	assert_false(audit_sub_within(p, g));
	p->grant = 99;
	assert_int_equal(proto_send_audit_sub(c, p), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_sub(&m, g), 0);
	assert_string_equal(g->projects[1], "lab");
	assert_true(audit_sub_match(g, "core"));
	assert_true(audit_sub_match(g, ""));
	assert_false(audit_sub_match(g, "cor"));
	g->suite = 0;
	assert_false(audit_sub_match(g, ""));
	cuts_refused(&m, get_sub, g);

	p->window = 0;		/* no window: refused */
	assert_int_equal(proto_send_audit_sub(c, p), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_sub(&m, g), -1);
	p->window = 1;
	strcpy(p->projects[1], "");	/* an empty project: refused */
	assert_int_equal(proto_send_audit_sub(c, p), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_sub(&m, g), -1);
	p->nprojects = 0;
	p->user[0] = '\0';		/* nobody: refused */
	assert_int_equal(proto_send_audit_sub(c, p), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_sub(&m, g), -1);
	free(p);
	free(g);
}

static void
test_event(void **state)
{
	struct p_audit_event	*e = calloc(1, sizeof(*e));
	struct p_audit_event	*g = calloc(1, sizeof(*g));
	struct chan		*c = chan_new();
	struct msg		 m;
	uint32_t		 id;
	uint8_t			 why;

	e->sub = 3;
	e->replay = 1;
	e->seq = 99;
	strcpy(e->daemon, "auth");
	e->row.time = 1700000000000ULL;
	strcpy(e->row.actor, "carol@example.com");
	strcpy(e->row.action, "trace.list");
	strcpy(e->row.project, "lab");
	strcpy(e->row.outcome, "allow");
	strcpy(e->row.detail, "{\"code\":\"\"}");
	assert_int_equal(proto_send_audit_event(c, e), 0);
	queued(c, &m);
	assert_true(m.len >= P_AUDIT_EVENT_MIN && m.len <= P_AUDIT_EVENT_MAX);
	assert_int_equal(proto_get_audit_event(&m, g), 0);
	assert_int_equal(g->seq, 99);
	assert_string_equal(g->row.detail, "{\"code\":\"\"}");
	cuts_refused(&m, get_event, g);

	strcpy(e->row.outcome, "maybe");
	assert_int_equal(proto_send_audit_event(c, e), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_event(&m, g), -1);
	strcpy(e->row.outcome, "deny");
	e->seq = 0;
	assert_int_equal(proto_send_audit_event(c, e), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_event(&m, g), -1);

	assert_int_equal(proto_send_audit_subend(c, 5, AUDIT_SUBEND_SLOW), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_subend(&m, &id, &why), 0);
	assert_int_equal(why, AUDIT_SUBEND_SLOW);
	assert_int_equal(proto_send_audit_subend(c, 5, 9), 0);
	queued(c, &m);
	assert_int_equal(proto_get_audit_subend(&m, &id, &why), -1);
	free(e);
	free(g);
}

static void
test_allow(void **state)
{
	struct p_auth_allow	*a = calloc(1, sizeof(*a));
	struct p_auth_allow	*g = calloc(1, sizeof(*g));
	struct chan		*c = chan_new();
	struct msg		 m;
	int			 i;

	strcpy(a->user, "dave@example.com");
	strcpy(a->device, "dev");
	strcpy(a->sid, "sid");
	a->nprojects = AUTH_MAXPROJECTS;
	for (i = 0; i < AUTH_MAXPROJECTS; i++)
		memset(a->projects[i], 'p', sizeof(a->projects[i]) - 1);
	assert_int_equal(proto_send_auth_allow(c, 1, a), 0);
	queued(c, &m);
	/* three strings (16, 3, 3 bytes), 3 bytes, the grant, 64 names */
	assert_int_equal(m.len, 3 * 2 + 16 + 3 + 3 + 3 + 8 +
	    AUTH_MAXPROJECTS * (2 + PROTO_NAMEMAX - 1));
	assert_true(m.len <= P_AUTH_ALLOW_MAX);
	cuts_refused(&m, get_allow, g);
	assert_int_equal(g->nprojects, AUTH_MAXPROJECTS);

	a->nprojects = 0;
	a->any = 1;
	assert_int_equal(proto_send_auth_allow(c, 1, a), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_allow(&m, g), 0);
	assert_int_equal(g->any, 1);
	a->any = 2;
	assert_int_equal(proto_send_auth_allow(c, 1, a), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_allow(&m, g), -1);
	a->any = 0;
	a->events_suite = 2;
	assert_int_equal(proto_send_auth_allow(c, 1, a), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_allow(&m, g), -1);
	free(a);
	free(g);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_allow),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
