/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* State shared by the files of the privileged parent. */

#ifndef PCCX_REMOTED_H
#define PCCX_REMOTED_H

#include <sys/types.h>

#include <event2/event.h>
#include <time.h>

#include "common/msg.h"
#include "proto/proto.h"

struct config;

struct child {
	int		 proc;
	pid_t		 pid;
	pid_t		 lastpid;	/* for the log once reaped */
	const char	*user;		/* system user it runs as */
	uid_t		 uid;
	gid_t		 gid;
	char		 root[PATH_MAX];	/* its chroot */
	struct chan	 c;
	struct event	*rev;
	struct event	*wev;
	int		 live;
};

struct remoted {
	struct event_base	*base;
	struct config		*conf;
	const char		*conf_path;	/* NULL: built in */
	char *const		*defs;		/* -D macros */
	int			 debug;
	int			 verbose;
	time_t			 started;
	struct child		 children[PROC_MAX];
	int			 stopping;
};

extern struct remoted	*env;

/* children.c */
void	children_start(void);
void	children_configure(int);
void	children_stop(void);
void	children_reap(void);
struct child *child_by_proc(int);
void	parent_commit(struct chan *);
void	parent_status(struct p_status *);

/* keys.c */
int	keys_prepare(struct config *);
int	keys_fd(const char *);
void	keys_close(void);

/* control.c */
int	control_init(const char *);
void	control_on_status(int, uint32_t, const struct p_status *);
void	control_cleanup(void);
uint32_t control_id(struct chan *);
int	control_reply(uint32_t, const struct p_ctl_result *);
struct chan *control_chan(uint32_t);
void	control_commit(uint32_t);

/* ctl_tunnel.c */
int	ctl_tunnel_relay(struct chan *, struct msg *);
int	ctl_tunnel_info(struct chan *, struct msg *);
int	ctl_tunnel_end(struct chan *, struct msg *);

/* ctl_auth.c */
int	ctl_auth_relay(struct chan *, struct msg *);
int	ctl_auth_result(struct chan *, struct msg *);

/* remoted.c */
int	remoted_reload(char *, size_t);

#endif
