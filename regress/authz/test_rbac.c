/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of the access policy: every action against every role. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "authd/rbac.h"

/*
 * The policy written out again, independently of the table in
 * rbac.c: per action, the role a project member needs ('v', 'm', 'o'),
 * or 's' for the caller's own devices.
 */
static const struct {
	const char	*name;
	char		 need;
} expect[RBAC_NACTIONS] = {
	{ "session.list", 'v' },
	{ "session.read", 'v' },
	{ "session.open", 'm' },
	{ "session.exec", 'm' },
	{ "session.pty", 'm' },
	{ "session.kill", 'm' },
	{ "session.kill_any", 'o' },
	{ "trace.list", 'v' },
	{ "trace.read", 'v' },
	{ "trace.upload", 'm' },
	{ "trace.delete", 'o' },
	{ "report.read", 'v' },
	{ "reference.write", 'm' },
	{ "device.list", 's' },
	{ "device.register", 's' },
	{ "device.delete", 's' },
	{ "events.read", 'v' },
	{ "audit.read", 'o' },
};

/* npu: owen owns, maia maintains, vic views.  lab: olga owns, vic
 * maintains.  uma is known and in no project. */
static int
fix_setup(void **state)
{
	struct rbac	*r = rbac_new();

	assert_non_null(r);
	assert_int_equal(rbac_add_member(r, "owen", "npu", ROLE_OWNER), 0);
	assert_int_equal(rbac_add_member(r, "maia", "npu", ROLE_MAINTAINER),
	    0);
	assert_int_equal(rbac_add_member(r, "vic", "npu", ROLE_VIEWER), 0);
	assert_int_equal(rbac_add_member(r, "olga", "lab", ROLE_OWNER), 0);
	assert_int_equal(rbac_add_member(r, "vic", "lab", ROLE_MAINTAINER),
	    0);
	assert_int_equal(rbac_add_user(r, "uma"), 0);
	*state = r;
	return 0;
}

static int
fix_teardown(void **state)
{
	rbac_free(*state);
	return 0;
}

static int
need_role(char c)
{
	return c == 'v' ? ROLE_VIEWER : c == 'm' ? ROLE_MAINTAINER :
	    c == 'o' ? ROLE_OWNER : ROLE_NONE;
}

/* Every action for every role in npu, against the written-out policy. */
static void
test_matrix(void **state)
{
	struct rbac	*r = *state;
	const char	*users[] = { "uma", "vic", "maia", "owen" };
	int		 a, role, want, allowed = 0;

	for (a = 0; a < RBAC_NACTIONS; a++) {
		assert_string_equal(rbac_action_name(a), expect[a].name);
		assert_int_equal(rbac_action_find(expect[a].name), a);
		for (role = ROLE_NONE; role <= ROLE_OWNER; role++) {
			assert_int_equal(rbac_role(r, users[role], "npu"),
			    role);
			if (expect[a].need == 's')
				want = 0;	/* no project for these */
			else
				want = role != ROLE_NONE &&
				    role >= need_role(expect[a].need);
			assert_int_equal(!!rbac_can(r, users[role], "npu", a),
			    want);
			allowed += want;
		}
	}
	/* 6 viewer, 6 maintainer, 3 owner actions in a project. */
	assert_int_equal(allowed, 6 * 3 + 6 * 2 + 3 * 1);
}

/* Each stronger role can do all the weaker can, in every project. */
static void
test_inclusion(void **state)
{
	struct rbac	*r = *state;
	const char	*chain[][3] = {
		{ "vic", "maia", "owen" },	/* npu */
		{ NULL, "vic", "olga" },	/* lab */
	};
	const char	*proj[] = { "npu", "lab" };
	int		 a, p, i;

	for (p = 0; p < 2; p++)
		for (a = 0; a < RBAC_NACTIONS; a++)
			for (i = 0; i < 2; i++)
				if (chain[p][i] != NULL &&
				    rbac_can(r, chain[p][i], proj[p], a))
					assert_true(rbac_can(r,
					    chain[p][i + 1], proj[p], a));
	/* A viewer cannot do any maintainer action. */
	for (a = 0; a < RBAC_NACTIONS; a++)
		if (expect[a].need == 'm' || expect[a].need == 'o')
			assert_false(rbac_can(r, "vic", "npu", a));
	/* A role is per project: vic maintains lab. */
	assert_true(rbac_can(r, "vic", "lab", RBAC_TRACE_UPLOAD));
	assert_false(rbac_can(r, "vic", "npu", RBAC_TRACE_UPLOAD));
}

static void
test_outsiders(void **state)
{
	struct rbac	*r = *state;
	int		 a;

	for (a = 0; a < RBAC_NACTIONS; a++) {
		/* An owner elsewhere is nothing here. */
		assert_false(rbac_can(r, "olga", "npu", a));
		assert_false(rbac_can(r, "owen", "lab", a));
		assert_false(rbac_can(r, "stranger", "npu", a));
		assert_false(rbac_can(r, "owen", "nowhere", a));
		assert_false(rbac_can(r, "", "npu", a));
		assert_false(rbac_can(r, NULL, "npu", a));
	}
	assert_false(rbac_can(r, "owen", "npu", RBAC_NACTIONS));
	assert_false(rbac_can(r, "owen", "npu", -1));
	assert_int_equal(rbac_action_find("session.delete"), -1);
	assert_null(rbac_action_name(RBAC_NACTIONS));
}

static void
test_devices(void **state)
{
	struct rbac	*r = *state;
	const char	*known[] = { "uma", "vic", "maia", "owen", "olga" };
	int		 a;
	size_t		 i;

	for (a = RBAC_DEVICE_LIST; a <= RBAC_DEVICE_DELETE; a++) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			assert_true(rbac_can(r, known[i], NULL, a));
		assert_false(rbac_can(r, "stranger", NULL, a));
		assert_false(rbac_can(r, "owen", "npu", a));
	}
}

/* Suite-wide rows only for those who own a project. */
static void
test_suite_wide(void **state)
{
	struct rbac	*r = *state;

	assert_true(rbac_can(r, "owen", NULL, RBAC_EVENTS_READ));
	assert_true(rbac_can(r, "olga", NULL, RBAC_EVENTS_READ));
	assert_false(rbac_can(r, "maia", NULL, RBAC_EVENTS_READ));
	assert_false(rbac_can(r, "vic", NULL, RBAC_EVENTS_READ));
	assert_false(rbac_can(r, "uma", NULL, RBAC_EVENTS_READ));
	assert_true(rbac_can(r, "vic", "npu", RBAC_EVENTS_READ));
	assert_true(rbac_can(r, "vic", "lab", RBAC_EVENTS_READ));
	assert_true(rbac_can(r, "owen", NULL, RBAC_AUDIT_READ));
	assert_false(rbac_can(r, "maia", NULL, RBAC_AUDIT_READ));
	assert_true(rbac_can(r, "olga", "lab", RBAC_AUDIT_READ));
	assert_false(rbac_can(r, "olga", "npu", RBAC_AUDIT_READ));
	/* Project actions never apply suite-wide. */
	assert_false(rbac_can(r, "owen", NULL, RBAC_TRACE_READ));
	assert_false(rbac_can(r, "owen", NULL, RBAC_SESSION_KILL_ANY));
}

static void
test_roles(void **state)
{
	struct rbac	*r = *state;
	json_t		*o;
	char		*s;

	o = rbac_roles(r, "vic");
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"lab\":\"maintainer\",\"npu\":\"viewer\"}");
	free(s);
	json_decref(o);
	o = rbac_roles(r, "uma");
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
	o = rbac_roles(r, "stranger");
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
	/* A second entry keeps the stronger role. */
	assert_int_equal(rbac_add_member(r, "vic", "npu", ROLE_OWNER), 0);
	assert_int_equal(rbac_add_member(r, "vic", "npu", ROLE_VIEWER), 0);
	assert_int_equal(rbac_role(r, "vic", "npu"), ROLE_OWNER);
	assert_int_equal(rbac_add_member(r, "x", "npu", ROLE_NONE), -1);
	assert_int_equal(rbac_add_member(r, "x", "npu", ROLE_OWNER + 1), -1);
	assert_int_equal(rbac_add_member(r, "x", "", ROLE_OWNER), -1);
	assert_int_equal(rbac_add_member(r, "", "npu", ROLE_OWNER), -1);
	/* User first, project second, everywhere. */
	assert_int_equal(rbac_role(r, "npu", "owen"), ROLE_NONE);
	assert_int_equal(rbac_role(r, "owen", "npu"), ROLE_OWNER);
	assert_string_equal(rbac_role_name(ROLE_MAINTAINER), "maintainer");
	assert_string_equal(rbac_role_name(9), "none");
}

/* The table from a configuration as the parser leaves it. */
static void
test_config(void **state)
{
	struct config		 c;
	struct conf_user	 u1 = { .name = "uma" };
	struct conf_user	 u2 = { .name = "owen" };
	struct conf_project	 p = { .name = "npu" };
	struct conf_member	 m1 = { .user = "owen", .role = ROLE_OWNER };
	struct conf_member	 m2 = { .user = "vic", .role = ROLE_VIEWER };
	struct rbac		*r;

	memset(&c, 0, sizeof(c));
	TAILQ_INIT(&c.users);
	TAILQ_INIT(&c.projects);
	TAILQ_INIT(&p.members);
	TAILQ_INSERT_TAIL(&c.users, &u1, entry);
	TAILQ_INSERT_TAIL(&c.users, &u2, entry);
	TAILQ_INSERT_TAIL(&p.members, &m1, entry);
	TAILQ_INSERT_TAIL(&p.members, &m2, entry);
	TAILQ_INSERT_TAIL(&c.projects, &p, entry);
	assert_non_null(r = rbac_from_config(&c));
	assert_true(rbac_can(r, "owen", "npu", RBAC_TRACE_DELETE));
	assert_true(rbac_can(r, "vic", "npu", RBAC_TRACE_READ));
	assert_false(rbac_can(r, "vic", "npu", RBAC_TRACE_UPLOAD));
	assert_true(rbac_can(r, "uma", NULL, RBAC_DEVICE_LIST));
	assert_false(rbac_can(r, "uma", "npu", RBAC_TRACE_READ));
	rbac_free(r);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, fix_setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_matrix),
		T(test_inclusion),
		T(test_outsiders),
		T(test_devices),
		T(test_suite_wide),
		T(test_roles),
		cmocka_unit_test(test_config),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
