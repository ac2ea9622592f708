/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent's side of the session configuration: projects, accounts. */

#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/session.h"
#include "config.h"

#define CONF_SESSION_PERUSER	4
#define CONF_SESSION_IDLE	1800

static void
conf_session_hide(struct chan *c, const char *path)
{
	struct p_session_path	p;

	if (path[0] != '/')
		return;
	pccx_strlcpy(p.path, path, sizeof(p.path));
	if (proto_send_session_path(c, MSG_SESSION_CONF_HIDE, &p) == -1)
		fatalx("send session configuration");
}

static const struct conf_user *
conf_session_user(const struct config *conf, const char *name)
{
	const struct conf_user	*u;

	TAILQ_FOREACH(u, &conf->users, entry)
		if (strcmp(u->name, name) == 0)
			return u;
	return NULL;
}

/*
 * conf_session_account: the account's ids and every group it is in,
 * its primary group first, as getgrouplist(3) reads the host's group
 * database: the session daemon, chrooted, cannot read /etc/group.  An
 * account with uid or gid 0, in group 0 or in more than
 * SESSION_GROUPSMAX groups gets no sessions.
 * XXX: read at start and on each reload only: a change to the host's
 * group database reaches sessions opened after the next reload.
 */
int
conf_session_account(const char *account, struct p_session_conf_member *p,
    const char **why)
{
	gid_t		 groups[SESSION_GROUPSMAX];
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;
	int		 n = SESSION_GROUPSMAX, i;

	if ((pw = getpwnam(account)) == NULL) {
		*why = "no such account";
		return -1;
	}
	/* copied out: the group lookup may reuse getpwnam's storage */
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0 || gid == 0) {
		*why = "the account is root's";
		return -1;
	}
	if (getgrouplist(account, gid, groups, &n) == -1 ||
	    n < 1 || n > SESSION_GROUPSMAX) {
		*why = "the account is in too many groups";
		return -1;
	}
	for (i = 0; i < n; i++)
		if (groups[i] == 0 || groups[i] == SESSION_ANYID) {
			*why = "the account is in root's group";
			return -1;
		}
	p->uid = uid;
	p->gid = gid;
	p->ngroups = n;
	for (i = 0; i < n; i++)
		p->groups[i] = groups[i];
	return 0;
}

/* A member's account, resolved here since the session daemon cannot. */
static void
conf_session_member(struct chan *c, const struct config *conf,
    const struct conf_project *pr, const struct conf_member *m)
{
	struct p_session_conf_member	 p;
	const struct conf_user		*u;
	const char			*why;

	if ((u = conf_session_user(conf, m->user)) == NULL ||
	    u->account[0] == '\0')
		return;
	memset(&p, 0, sizeof(p));
	if (conf_session_account(u->account, &p, &why) == -1) {
		log_warnx("project %s: user %s: account %s: %s; no sessions",
		    pr->name, m->user, u->account, why);
		return;
	}
	pccx_strlcpy(p.project, pr->name, sizeof(p.project));
	pccx_strlcpy(p.user, m->user, sizeof(p.user));
	pccx_strlcpy(p.account, u->account, sizeof(p.account));
	p.role = m->role;
	if (p.role < ROLE_VIEWER || p.role > ROLE_OWNER)
		return;
	if (proto_send_session_member(c, &p) == -1)
		fatalx("send session configuration");
}

static void
conf_session_project(struct chan *c, const struct config *conf,
    const struct conf_project *pr)
{
	struct p_session_conf_project	 p;
	const struct conf_member	*m;

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.name, pr->name, sizeof(p.name));
	pccx_strlcpy(p.path, pr->path, sizeof(p.path));
	p.memory = pr->memory;
	p.cpu = pr->cpu;
	p.pids = pr->pids;
	p.idle_timeout = pr->idle_timeout != 0 ? pr->idle_timeout :
	    CONF_SESSION_IDLE;
	if (proto_send_session_project(c, &p) == -1)
		fatalx("send session configuration");
	TAILQ_FOREACH(m, &pr->members, entry)
		conf_session_member(c, conf, pr, m);
}

/*
 * conf_send_session: the session daemon's configuration, at start and
 * on each reload: the settings, each project with its members'
 * accounts (uid, gid and groups looked up here), and the files sessions must
 * not see beyond the state directory and the projects: the suite's
 * own secrets and its control socket.
 */
void
conf_send_session(struct chan *c, const struct config *conf, int first)
{
	struct p_session_conf_settings	 s;
	const struct conf_project	*pr;

	memset(&s, 0, sizeof(s));
	s.per_user = conf->sessions.per_user != 0 ? conf->sessions.per_user :
	    CONF_SESSION_PERUSER;
	s.keep = conf->sessions.keep_layers;	/* set, or its default */
	pccx_strlcpy(s.root, conf->sessions.root[0] == '/' ?
	    conf->sessions.root : "/", sizeof(s.root));
	pccx_strlcpy(s.state_dir, conf->state_dir, sizeof(s.state_dir));
	if (proto_send_session_settings(c, &s) == -1)
		fatalx("send session configuration");
	TAILQ_FOREACH(pr, &conf->projects, entry)
		if (pr->path[0] == '/')
			conf_session_project(c, conf, pr);
	conf_session_hide(c, conf->token_key);
	conf_session_hide(c, conf->audit_key);
	conf_session_hide(c, conf->tls_key);
	conf_session_hide(c, conf->oidc.client_secret_file);
	conf_session_hide(c, conf->audit.s3_secret_file);
	conf_session_hide(c, conf->tunnel.private_key_file);
	conf_session_hide(c, conf->tunnel.fb_key);
	conf_session_hide(c, conf->tunnel.ca_key);
	conf_session_hide(c, conf->control_socket);
}
