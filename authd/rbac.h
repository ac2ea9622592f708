/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Role-based access: who may do which action in which project. */

#ifndef PCCX_RBAC_H
#define PCCX_RBAC_H

#include <jansson.h>

#include "remoted/config.h"

/*
 * Every action a request can ask for.  GET /v1/health and the login
 * steps are not actions: they need no authority.  exec, pty and kill
 * act on the caller's own sessions; killing another user's session is
 * RBAC_SESSION_KILL_ANY.  Device actions concern the caller's own
 * devices and need no project.
 */
enum rbac_action {
	RBAC_SESSION_LIST = 0,
	RBAC_SESSION_READ,
	RBAC_SESSION_OPEN,
	RBAC_SESSION_EXEC,
	RBAC_SESSION_PTY,
	RBAC_SESSION_KILL,
	RBAC_SESSION_KILL_ANY,
	RBAC_TRACE_LIST,
	RBAC_TRACE_READ,
	RBAC_TRACE_UPLOAD,
	RBAC_TRACE_DELETE,
	RBAC_REPORT_READ,
	RBAC_REFERENCE_WRITE,
	RBAC_DEVICE_LIST,
	RBAC_DEVICE_REGISTER,
	RBAC_DEVICE_DELETE,
	RBAC_EVENTS_READ,
	RBAC_AUDIT_READ,
	RBAC_NACTIONS
};

struct rbac;

/* rbac_new: an empty table (nobody may do anything); NULL on error. */
struct rbac	*rbac_new(void);
/* rbac_free: NULL is fine. */
void		 rbac_free(struct rbac *);
/*
 * rbac_add_user: a user the suite knows (may manage its own devices)
 * even when it is a member of no project.  0, or -1 on a bad name.
 */
int		 rbac_add_user(struct rbac *, const char *);
/* rbac_known: non-zero when the table knows user. */
int		 rbac_known(const struct rbac *, const char *);
/*
 * rbac_add_member: user has role (ROLE_VIEWER..ROLE_OWNER) in project
 * (user first, as in rbac_can); implies rbac_add_user.  A second entry
 * for the same pair keeps the stronger role.  0, or -1 on a bad name or
 * role.
 */
int		 rbac_add_member(struct rbac *, const char *, const char *,
		    int);
/*
 * rbac_from_config: a table with every configured user and every
 * project's members.  NULL on error.
 */
struct rbac	*rbac_from_config(const struct config *);

/*
 * rbac_can: non-zero when user may perform action in project.  project
 * is NULL for suite-wide requests: device actions (any known user),
 * events and audit rows not tied to a project (users who own at least
 * one project).  Project actions need membership with at least the
 * action's role; owner includes maintainer includes viewer.  Unknown
 * users, projects and actions are refused.
 */
int		 rbac_can(const struct rbac *, const char *, const char *,
		    enum rbac_action);
/* rbac_role: user's role in project, ROLE_NONE if not a member. */
int		 rbac_role(const struct rbac *, const char *, const char *);
/*
 * rbac_roles: a new JSON object, project -> "owner" | "maintainer" |
 * "viewer", for the token's roles claim; NULL on error.
 */
json_t		*rbac_roles(const struct rbac *, const char *);

/* rbac_action_role: the least role an action needs in a project. */
int		 rbac_action_role(enum rbac_action);
/* rbac_action_name: "session.open" and so on; NULL if out of range. */
const char	*rbac_action_name(enum rbac_action);
/* rbac_action_find: the action of a name, or -1. */
int		 rbac_action_find(const char *);
/* rbac_role_name: "owner", "maintainer", "viewer" or "none". */
const char	*rbac_role_name(int);

#endif
