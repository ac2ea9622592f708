/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Role-based access: who may do which action in which project. */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util.h"
#include "authd/rbac.h"

/* Where an action applies. */
enum rbac_scope {
	SCOPE_PROJECT,		/* a project is required */
	SCOPE_SELF,		/* the caller's own things; no project */
	SCOPE_SUITE,		/* a project, or NULL for suite-wide rows */
};

struct rbac_rule {
	const char	*name;
	int		 role;		/* least role in the project */
	enum rbac_scope	 scope;
};

/* The policy: one row per action, weakest sufficient role. */
static const struct rbac_rule rbac_rules[RBAC_NACTIONS] = {
	[RBAC_SESSION_LIST] =	{ "session.list", ROLE_VIEWER,
				    SCOPE_PROJECT },
	[RBAC_SESSION_READ] =	{ "session.read", ROLE_VIEWER,
				    SCOPE_PROJECT },
	[RBAC_SESSION_OPEN] =	{ "session.open", ROLE_MAINTAINER,
				    SCOPE_PROJECT },
	[RBAC_SESSION_EXEC] =	{ "session.exec", ROLE_MAINTAINER,
				    SCOPE_PROJECT },
	[RBAC_SESSION_PTY] =	{ "session.pty", ROLE_MAINTAINER,
				    SCOPE_PROJECT },
	[RBAC_SESSION_KILL] =	{ "session.kill", ROLE_MAINTAINER,
				    SCOPE_PROJECT },
	[RBAC_SESSION_KILL_ANY] = { "session.kill_any", ROLE_OWNER,
				    SCOPE_PROJECT },
	[RBAC_TRACE_LIST] =	{ "trace.list", ROLE_VIEWER, SCOPE_PROJECT },
	[RBAC_TRACE_READ] =	{ "trace.read", ROLE_VIEWER, SCOPE_PROJECT },
	[RBAC_TRACE_UPLOAD] =	{ "trace.upload", ROLE_MAINTAINER,
				    SCOPE_PROJECT },
	[RBAC_TRACE_DELETE] =	{ "trace.delete", ROLE_OWNER,
				    SCOPE_PROJECT },
	[RBAC_REPORT_READ] =	{ "report.read", ROLE_VIEWER,
				    SCOPE_PROJECT },
	[RBAC_REFERENCE_WRITE] = { "reference.write", ROLE_MAINTAINER,
				    SCOPE_PROJECT },
	[RBAC_DEVICE_LIST] =	{ "device.list", ROLE_NONE, SCOPE_SELF },
	[RBAC_DEVICE_REGISTER] = { "device.register", ROLE_NONE, SCOPE_SELF },
	[RBAC_DEVICE_DELETE] =	{ "device.delete", ROLE_NONE,
				    SCOPE_SELF },
	[RBAC_EVENTS_READ] =	{ "events.read", ROLE_VIEWER, SCOPE_SUITE },
	[RBAC_AUDIT_READ] =	{ "audit.read", ROLE_OWNER, SCOPE_SUITE },
};

static const char *const rbac_role_names[] = {
	[ROLE_NONE] = "none",
	[ROLE_VIEWER] = "viewer",
	[ROLE_MAINTAINER] = "maintainer",
	[ROLE_OWNER] = "owner",
};

struct rbac_member {
	char		 project[PROTO_NAMEMAX];
	char		 user[PROTO_NAMEMAX];
	int		 role;
};

struct rbac {
	char		(*users)[PROTO_NAMEMAX];
	size_t		 nusers;
	struct rbac_member *members;
	size_t		 nmembers;
};

static int	 rbac_name_ok(const char *);
static int	 rbac_owns_any(const struct rbac *, const char *);

static int
rbac_name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) < PROTO_NAMEMAX;
}

struct rbac *
rbac_new(void)
{
	return calloc(1, sizeof(struct rbac));
}

void
rbac_free(struct rbac *r)
{
	if (r == NULL)
		return;
	free(r->users);
	free(r->members);
	free(r);
}

int
rbac_known(const struct rbac *r, const char *user)
{
	size_t	 i;

	for (i = 0; i < r->nusers; i++)
		if (strcmp(r->users[i], user) == 0)
			return 1;
	return 0;
}

int
rbac_add_user(struct rbac *r, const char *user)
{
	void	*p;

	if (!rbac_name_ok(user))
		return -1;
	if (rbac_known(r, user))
		return 0;
	if ((p = reallocarray(r->users, r->nusers + 1,
	    sizeof(*r->users))) == NULL)
		return -1;
	r->users = p;
	pccx_strlcpy(r->users[r->nusers++], user, PROTO_NAMEMAX);
	return 0;
}

int
rbac_add_member(struct rbac *r, const char *user, const char *project,
    int role)
{
	struct rbac_member	*m;
	size_t			 i;

	if (!rbac_name_ok(project) || role < ROLE_VIEWER ||
	    role > ROLE_OWNER || rbac_add_user(r, user) == -1)
		return -1;
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		if (strcmp(m->project, project) == 0 &&
		    strcmp(m->user, user) == 0) {
			if (role > m->role)
				m->role = role;
			return 0;
		}
	}
	if ((m = reallocarray(r->members, r->nmembers + 1,
	    sizeof(*m))) == NULL)
		return -1;
	r->members = m;
	m = &r->members[r->nmembers++];
	pccx_strlcpy(m->project, project, sizeof(m->project));
	pccx_strlcpy(m->user, user, sizeof(m->user));
	m->role = role;
	return 0;
}

struct rbac *
rbac_from_config(const struct config *conf)
{
	const struct conf_user		*u;
	const struct conf_project	*p;
	const struct conf_member	*m;
	struct rbac			*r;

	if ((r = rbac_new()) == NULL)
		return NULL;
	TAILQ_FOREACH(u, &conf->users, entry)
		if (rbac_add_user(r, u->name) == -1)
			goto fail;
	TAILQ_FOREACH(p, &conf->projects, entry)
		TAILQ_FOREACH(m, &p->members, entry)
			if (rbac_add_member(r, m->user, p->name,
			    m->role) == -1)
				goto fail;
	return r;
 fail:
	rbac_free(r);
	return NULL;
}

int
rbac_role(const struct rbac *r, const char *user, const char *project)
{
	size_t	 i;

	if (user == NULL || project == NULL)
		return ROLE_NONE;
	for (i = 0; i < r->nmembers; i++)
		if (strcmp(r->members[i].user, user) == 0 &&
		    strcmp(r->members[i].project, project) == 0)
			return r->members[i].role;
	return ROLE_NONE;
}

static int
rbac_owns_any(const struct rbac *r, const char *user)
{
	size_t	 i;

	for (i = 0; i < r->nmembers; i++)
		if (r->members[i].role == ROLE_OWNER &&
		    strcmp(r->members[i].user, user) == 0)
			return 1;
	return 0;
}

int
rbac_can(const struct rbac *r, const char *user, const char *project,
    enum rbac_action action)
{
	const struct rbac_rule	*rule;
	int			 role;

	if ((unsigned)action >= RBAC_NACTIONS || !rbac_name_ok(user) ||
	    !rbac_known(r, user))
		return 0;
	rule = &rbac_rules[action];
	switch (rule->scope) {
	case SCOPE_SELF:
		return project == NULL;
	case SCOPE_SUITE:
		if (project == NULL)
			return rbac_owns_any(r, user);
		break;
	case SCOPE_PROJECT:
		if (project == NULL)
			return 0;
		break;
	}
	role = rbac_role(r, user, project);
	return role != ROLE_NONE && role >= rule->role;
}

json_t *
rbac_roles(const struct rbac *r, const char *user)
{
	const struct rbac_member	*m;
	json_t				*o;
	size_t				 i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		if (strcmp(m->user, user) != 0)
			continue;
		if (json_object_set_new(o, m->project,
		    json_string(rbac_role_names[m->role])) == -1) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int
rbac_action_role(enum rbac_action a)
{
	if ((unsigned)a >= RBAC_NACTIONS)
		return ROLE_OWNER + 1;
	return rbac_rules[a].role;
}

const char *
rbac_action_name(enum rbac_action a)
{
	if ((unsigned)a >= RBAC_NACTIONS)
		return NULL;
	return rbac_rules[a].name;
}

int
rbac_action_find(const char *name)
{
	int	 a;

	for (a = 0; a < RBAC_NACTIONS; a++)
		if (strcmp(rbac_rules[a].name, name) == 0)
			return a;
	return -1;
}

const char *
rbac_role_name(int role)
{
	if (role < ROLE_NONE || role > ROLE_OWNER)
		return "none";
	return rbac_role_names[role];
}
