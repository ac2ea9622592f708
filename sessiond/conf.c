/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session engine's configuration: projects, members, hidden paths. */

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "sessiond/engine.h"

#define CONF_MAXHIDE	64

static struct sess_conf	*conf_live, *conf_new;

static void
conf_free(struct sess_conf *c)
{
	struct sess_project	*p;
	struct sess_member	*m;
	size_t			 i;

	if (c == NULL)
		return;
	while ((p = TAILQ_FIRST(&c->projects)) != NULL) {
		TAILQ_REMOVE(&c->projects, p, entry);
		while ((m = TAILQ_FIRST(&p->members)) != NULL) {
			TAILQ_REMOVE(&p->members, m, entry);
			free(m);
		}
		free(p);
	}
	for (i = 0; i < c->nhide; i++)
		free(c->hide[i]);
	free(c->hide);
	free(c);
}

static struct sess_project *
conf_find(const struct sess_conf *c, const char *name)
{
	struct sess_project	*p;

	if (c == NULL)
		return NULL;
	TAILQ_FOREACH(p, &c->projects, entry)
		if (strcmp(p->p.name, name) == 0)
			return p;
	return NULL;
}

/* session_conf_settings: start a new configuration; see session.h. */
int
session_conf_settings(const struct p_session_conf_settings *s)
{
	if (s->root[0] != '/' || s->state_dir[0] != '/' || s->per_user == 0)
		return -1;
	conf_free(conf_new);
	if ((conf_new = calloc(1, sizeof(*conf_new))) == NULL)
		fatal("calloc");
	TAILQ_INIT(&conf_new->projects);
	conf_new->s = *s;
	return 0;
}

/* session_conf_project: add a project to the new configuration. */
int
session_conf_project(const struct p_session_conf_project *pr)
{
	struct sess_project	*p;

	if (conf_new == NULL || conf_find(conf_new, pr->name) != NULL ||
	    pr->path[0] != '/' || pr->idle_timeout == 0)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("calloc");
	p->p = *pr;
	TAILQ_INIT(&p->members);
	TAILQ_INSERT_TAIL(&conf_new->projects, p, entry);
	return 0;
}

/* session_conf_member: add a member to a project already added. */
int
session_conf_member(const struct p_session_conf_member *mb)
{
	struct sess_project	*p;
	struct sess_member	*m;

	if ((p = conf_find(conf_new, mb->project)) == NULL ||
	    mb->ngroups < 1 || mb->ngroups > SESSION_GROUPSMAX)
		return -1;
	TAILQ_FOREACH(m, &p->members, entry)
		if (strcmp(m->m.user, mb->user) == 0)
			return -1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("calloc");
	m->m = *mb;
	TAILQ_INSERT_TAIL(&p->members, m, entry);
	return 0;
}

/* session_conf_hide: one more path sessions must not see. */
int
session_conf_hide(const struct p_session_path *h)
{
	char	**n;

	if (conf_new == NULL || conf_new->nhide == CONF_MAXHIDE ||
	    h->path[0] != '/')
		return -1;
	n = reallocarray(conf_new->hide, conf_new->nhide + 1, sizeof(*n));
	if (n == NULL)
		fatal("reallocarray");
	conf_new->hide = n;
	if ((n[conf_new->nhide] = strdup(h->path)) == NULL)
		fatal("strdup");
	conf_new->nhide++;
	return 0;
}

/*
 * session_conf_commit: the new configuration takes over; the helper
 * hears of it.
 */
int
session_conf_commit(void)
{
	if (conf_new == NULL)
		return conf_live != NULL ? 0 : -1;
	conf_free(conf_live);
	conf_live = conf_new;
	conf_new = NULL;
	if (eng.init) {
		helper_conf();
		end_prune();
	}
	return 0;
}

/* sess_conf: the configuration in force, or NULL before the first. */
const struct sess_conf *
sess_conf(void)
{
	return conf_live;
}

/* sess_conf_project: a project of the configuration in force, or NULL. */
const struct sess_project *
sess_conf_project(const char *name)
{
	return conf_find(conf_live, name);
}

/* sess_conf_member: a project's member by user name, or NULL. */
const struct sess_member *
sess_conf_member(const struct sess_project *p, const char *user)
{
	struct sess_member	*m;

	TAILQ_FOREACH(m, &p->members, entry)
		if (strcmp(m->m.user, user) == 0)
			return m;
	return NULL;
}

/* sess_conf_root: the sessions' root filesystem. */
const char *
sess_conf_root(void)
{
	return conf_live != NULL ? conf_live->s.root : "/";
}

/*
 * The paths hidden from sessions: the state directory, every project
 * tree (a session sees its own at /project only), then what the
 * configuration lists.
 */
const char *
sess_conf_hidden(size_t i)
{
	struct sess_project	*p;

	if (conf_live == NULL)
		return NULL;
	if (i-- == 0)
		return conf_live->s.state_dir;
	TAILQ_FOREACH(p, &conf_live->projects, entry)
		if (i-- == 0)
			return p->p.path;
	return i < conf_live->nhide ? conf_live->hide[i] : NULL;
}

/* session_state_dir: see session.h. */
const char *
session_state_dir(void)
{
	return conf_live != NULL ? conf_live->s.state_dir : "";
}
