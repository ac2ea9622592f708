/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Inside the session engine: the session table, its helper, its parts. */

#ifndef PCCX_ENGINE_H
#define PCCX_ENGINE_H

#include <sys/queue.h>
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "common/msg.h"
#include "sessiond/session.h"

#define SESS_MAXITEMS	64		/* execs and ptys at once */
#define SESS_MAXLOGS	64		/* log lines taken from an init */
/* set-up must finish by then */
#define SESS_OPEN_MS	10000
/* signal again after this long */
#define SESS_KILL_MS	100
/* then give up on the session */
#define SESS_KILL_TRIES	600

/* Directories under <state>/session. */
/* one per session: upper, work */
#define SESS_DIR_LIVE	"sessions"
#define SESS_DIR_ORPHAN	"orphans"	/* uppers left by a crash */
#define SESS_DIR_CONFL	"conflicts"	/* uppers a squash refused */
#define SESS_DIR_TRASH	"trash"		/* being removed */

struct event;

/* An exec or a pty running in a session. */
struct sess_item {
	uint32_t	 id;
	/* PTY: the request awaiting PTY_OK */
	uint32_t	 reqid;
	int		 pty;
	/* pty: O_PATH of the slave, or -1 */
	int		 slavefd;
};

struct session {
	TAILQ_ENTRY(session)	 entry;
	char			 uuid[SESSION_IDSZ];
	char			 user[PROTO_NAMEMAX];
	char			 account[PROTO_NAMEMAX];
	char			 project[PROTO_NAMEMAX];
	/* the login it was opened under ("": none) */
	char			 device[PROTO_NAMEMAX];
	char			 sid[PROTO_NAMEMAX];
	char			 path[PATH_MAX];	/* the tree */
	uint32_t		 uid;
	uint32_t		 gid;
	/* the account's groups, as the parent resolved them */
	uint32_t		 ngroups;
	uint32_t		 groups[SESSION_GROUPSMAX];
	uint8_t			 state;		/* SESSION_ST_* */
	/* end mode chosen at OPEN */
	uint8_t			 mode;
	uint64_t		 memory;	/* limits in force */
	uint32_t		 cpu;
	uint32_t		 pids;
	uint32_t		 idle;		/* seconds */
	time_t			 started;	/* unix seconds */
	/* coarse clock at OPEN */
	struct timespec		 tstart;
	time_t			 active;	/* unix seconds */
	uint64_t		 t_open;	/* microseconds, monotonic */

	uint32_t		 open_reqid;
	int			 building;	/* H_BUILD unanswered */
	int			 built, tree, ready, announced;
	/* init, in our pid ns */
	pid_t			 pid;
	int			 pidfd;
	int			 treefd;	/* the project tree */
	struct chan		 ctl;		/* to the init */
	int			 ctl_live;
	struct event		*ev_ctl;
	struct event		*ev_ctlw;
	struct event		*ev_pid;
	struct event		*ev_timer;
	struct sess_item	 items[SESS_MAXITEMS];
	int			 nitems;
	uint32_t		 next_id;
	uint32_t		 nlogs;

	/* Ending. */
	uint8_t			 why;
	uint8_t			 endmode;
	uint32_t		 kill_reqid;
	uint64_t		 t_kill;	/* microseconds, monotonic */
	uint64_t		 t_dead;
	int			 kill_tries;
	int			 dead;
};

TAILQ_HEAD(session_list, session);

/* The engine's state, set up by session_engine_init. */
struct sess_engine {
	int			 init;
	int			 dirfd;		/* <state>/session */
	int			 livefd;	/* sessions/ */
	int			 orphanfd;
	int			 conflfd;
	int			 trashfd;
	/* host path of dirfd */
	char			 dir[PATH_MAX];
	struct event_base	*base;
	session_reply_fn	 reply;
	void			*arg;
	uint32_t		(*audit)(void *,
	    const struct p_audit_row *);
	uint32_t		 audit_ms;	/* wait for an ACK */
	struct session_list	 sessions;
	int			 nsessions;
	struct chan		 helper;
	pid_t			 helper_pid;
	struct event		*ev_helper;
	struct event		*ev_helperw;
	struct event		*ev_prune;	/* hourly end_prune */
	int			 stopping;
};

extern struct sess_engine	 eng;

/* The configuration (conf.c). */
struct sess_member {
	TAILQ_ENTRY(sess_member)	 entry;
	struct p_session_conf_member	 m;
};

struct sess_project {
	TAILQ_ENTRY(sess_project)	 entry;
	struct p_session_conf_project	 p;
	TAILQ_HEAD(, sess_member)	 members;
};

struct sess_conf {
	struct p_session_conf_settings	 s;
	TAILQ_HEAD(, sess_project)	 projects;
	char				**hide;
	size_t				 nhide;
};

const struct sess_conf	*sess_conf(void);
const struct sess_project *sess_conf_project(const char *);
const struct sess_member *sess_conf_member(const struct sess_project *,
		    const char *);
const char	*sess_conf_root(void);
/* sess_conf_hidden: the i-th path sessions must not see, or NULL. */
const char	*sess_conf_hidden(size_t);

/* engine.c */
struct session	*sess_find(const char *);
void		 sess_reply(uint32_t, const struct session_reply *);
void		 sess_error(uint32_t, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 sess_opened(struct session *);
void		 sess_unlink(struct session *);
void		 sess_touch(struct session *);
void		 sess_watch(struct session *);
void		 sess_timer_idle(struct session *);
uint64_t	 sess_now_us(void);
/*
 * sess_audit: one audit row; the actor is user, else s's user; the
 * project is s's when s is not NULL.  fmt and what follows are
 * json_pack()'s, for the detail.
 */
uint32_t	 sess_audit(const struct session *, const char *,
		    const char *, const char *, const char *, const char *,
		    ...);
/* sess_revoked: non-zero when s was opened under that AUDIT_REVOKE_*. */
int		 sess_revoked(const struct session *, int, const char *);
/* The second half of each request, once its audit row is durable. */
void		 sess_go_open(uint32_t, struct session *);
void		 sess_go_exec(uint32_t, const struct p_session_exec *);
void		 sess_go_pty(uint32_t, const struct p_session_pty *);
void		 sess_go_kill(uint32_t, const struct p_session_ref *);

/* gate.c: requests held until their audit row is durable. */
#define GATE_OPEN	1
#define GATE_EXEC	2
#define GATE_PTY	3
#define GATE_KILL	4
#define GATE_PRUNE	5		/* a kept layer's removal */
/* how long a request waits for the audit daemon's answer */
#define SESS_AUDIT_MS	5000
void		 gate_hold(uint32_t, int, uint32_t, void *);
int		 gate_count_user(const char *);
int		 gate_revoke(int, const char *);
int		 gate_prune_held(const char *);
void		 gate_stop(void);

/* ctl.c: the daemon's end of an init's channel. */
int		 ctl_attach(struct session *, int);
void		 ctl_detach(struct session *);
int		 ctl_exec(struct session *, uint32_t,
		    const struct p_session_exec *, int);
int		 ctl_pty(struct session *, uint32_t,
		    const struct p_session_pty *);
int		 ctl_resize(struct session *, const struct p_session_pty *);
struct sess_item *ctl_item(struct session *, uint32_t);
void		 ctl_item_drop(struct session *, struct sess_item *);

/* end.c: the kill switch and what follows it. */
void		 end_session(struct session *, int, int, uint32_t);
void		 end_on_built(struct session *);
void		 end_on_pid(struct session *);
void		 end_on_failed(struct session *);
void		 end_retry(struct session *);
void		 end_trash_later(void);
void		 end_trash_now(void);
void		 end_kept_stamp(int);
void		 end_prune(void);
void		 end_prune_go(const char *);

/* helper.c */
int		 helper_start(void);
void		 helper_conf(void);
int		 helper_build(struct session *, int, uint64_t);
void		 helper_stop(void);

/* build.c: in the helper's child, the init to be. */
struct build_args {
	char		 uuid[SESSION_IDSZ];
	uint32_t	 uid;
	uint32_t	 gid;
	uint32_t	 ngroups;	/* 1 .. SESSION_GROUPSMAX */
	uint32_t	 groups[SESSION_GROUPSMAX];
	char		 account[PROTO_NAMEMAX];
	uint64_t	 tmpsize;
	int		 ctlfd;		/* to the daemon */
	/* the session root filesystem */
	const char	*root;
	/* the tree, as the helper opened it */
	int		 treefd;
	const char	*tree;		/* its path */
	const char	*dir;		/* <state>/session, host path */
	char *const	*hide;		/* NULL-terminated */
	const struct sock_fprog *filter;	/* FILTER_USER, compiled */
};
void		 build_session(const struct build_args *)
		    __attribute__((noreturn));

/* sinit.c: the session's init, once it is built. */
void		 sinit_main(struct chan *, const char *)
		    __attribute__((noreturn));

/* filter.c */
#define FILTER_HELPER	1	/* the helper: may still mount */
#define FILTER_USER	2	/* a session's init and programs */
struct sock_fprog;
int		 filter_build(int, struct sock_fprog *);
int		 filter_load(const struct sock_fprog *);

/* cgroup.c */
struct cg_limits {
	uint64_t	memory;
	uint32_t	cpu;
	uint32_t	pids;
};
int		 cg_setup(const char *, int);
int		 cg_create(const char *, const struct cg_limits *);
int		 cg_join(const char *);
int		 cg_v2_open(const char *);
int		 cg_kill(const char *);
int		 cg_populated(const char *);
int		 cg_remove(const char *);
void		 cg_stats(const char *, uint32_t *, uint64_t *);
void		 cg_leftovers(void);
void		 cg_teardown(void);
/* cg_fds: the hierarchies' descriptors, for the helper to keep. */
void		 cg_fds(int *, int *);

/* squash.c */
struct squash_result {
	uint32_t		 applied;
	/* errno of a failed step */
	int			 error;
	/* conflicts listed here */
	struct p_session_killed	*out;
};
int		 squash_apply(int, int, const struct timespec *,
		    struct squash_result *);
int		 tree_remove(int, const char *);

/* util: a fresh version 4 uuid. */
void		 sess_uuid(char *);
/* fd_close_from: close every descriptor >= lo not in keep. */
void		 fd_close_except(const int *, int);

#endif
