/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Test harness: a session engine in a confined child, driven by messages. */

#ifndef PCCX_SESSION_HARNESS_H
#define PCCX_SESSION_HARNESS_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "common/msg.h"
#include "proto/session.h"

/*
 * An engine host: a forked child that links the session engine, takes
 * its configuration over a "parent" channel, confines itself as
 * pccx-sessiond does (chroot into <state>/session, the daemon's
 * capabilities and seccomp filter), and serves the front end's
 * messages on a "front" channel, which the test speaks.
 */
struct host {
	pid_t		 pid;
	struct chan	 parent;
	struct chan	 front;
	/* rows come here; revocations go */
	struct chan	 audit;
	/* how the test answers rows while it waits: H_AUDIT_* */
	int		 audit_answer;
	uint32_t	 next;		/* request ids */
	/* <state>; the engine's is /session */
	char		 state[4096];
	char		 cgroup[64];
	/* KILLED messages nobody asked for: uuid and reason. */
	char		 unasked[32][SESSION_IDSZ];
	uint8_t		 why[32];
	int		 nunasked;
};

#define H_AUDIT_ACK	0	/* durable: the default */
#define H_AUDIT_NACK	1	/* the store failed */
#define H_AUDIT_SILENT	2	/* no answer at all */

struct host_conf {
	int		 no_cgroup2;	/* the v1 freezer kill path */
	/* debugging: no chroot, no filter */
	int		 unconfined;
	uint32_t	 per_user;
	const char	*cgroup;	/* NULL: a name of its own */
	/* how long a request waits for its audit row; 0: the default */
	uint32_t	 audit_ms;
};

/*
 * host_init: channels for a host whose state directory is the path;
 * then host_project and host_member queue configuration, and
 * host_start forks the host, ends the configuration and waits until
 * the engine answers.
 */
void	host_init(struct host *, const char *, const struct host_conf *);
int	host_start(struct host *, const char *, const struct host_conf *);
void	host_project(struct host *, const char *, const char *, uint64_t,
	    uint32_t, uint32_t, uint32_t);
void	host_member(struct host *, const char *, const char *, const char *,
	    uint32_t, uint32_t);
/* host_member_conf: a member as the parent resolved it. */
void	host_member_conf(struct host *, const struct p_session_conf_member *);
/*
 * host_reload: a new configuration (root "/" when NULL, keep seconds
 * for kept layers, 0 for ever): host_reload, then host_project and
 * host_member, then host_commit, as the parent does on SIGHUP.
 */
void	host_reload(struct host *, uint32_t, const char *, uint32_t);
int	host_commit(struct host *);
/* host_stop: close the channels; the host ends its sessions and exits. */
int	host_stop(struct host *);
/* host_crash: SIGKILL the host, as a crash would. */
void	host_crash(struct host *);
/* host_cgroups_clean: remove what hosts left under their cgroup names. */
void	host_cgroups_clean(void);
/* host_cgroup_track: clean that cgroup name up as well. */
void	host_cgroup_track(const char *);
void	host_hide(struct host *, const char *);

/* Requests; each returns 0, or -1 with err filled when it got ERROR. */
int	h_open(struct host *, const char *, const char *, int, uint64_t,
	    uint32_t, uint32_t, char *, struct p_session_error *);
int	h_kill(struct host *, const char *, const char *, int,
	    struct p_session_killed *, struct p_session_error *);
int	h_info(struct host *, const char *, const char *,
	    struct p_session_row *, struct p_session_error *);
int	h_list(struct host *, const char *, struct p_session_row *, int,
	    int *);
/* h_exec_start: the output stream's descriptor, or -1. */
int	h_exec_start(struct host *, const char *, const char *, const char *,
	    char *const *, char *const *, struct p_session_error *);
/* h_exec_in: the same with a standard input (NULL: /dev/null). */
int	h_exec_in(struct host *, const char *, const char *, const char *,
	    char *const *, char *const *, const char *, size_t,
	    struct p_session_error *);
int	h_pty(struct host *, const char *, const char *, int, int,
	    uint32_t *, struct p_session_error *);
int	h_resize(struct host *, const char *, const char *, uint32_t, int,
	    int, struct p_session_error *);
/*
 * h_open_begin sends an OPEN and returns its id without waiting;
 * h_open_end waits ms for its answer, as h_open.
 */
uint32_t h_open_begin(struct host *, const char *, const char *);
int	h_open_end(struct host *, uint32_t, char *, struct p_session_error *,
	    int);
/* h_revoke: what the audit daemon sends when a user is revoked. */
int	h_revoke(struct host *, const char *);
/* h_revoke_kind: the same for an AUDIT_REVOKE_* kind and its id. */
int	h_revoke_kind(struct host *, int, const char *);
/*
 * h_open_login: h_open under a device and a login (auth session id),
 * as the front end passes them from the gate's decision.
 */
int	h_open_login(struct host *, const char *, const char *,
	    const char *, const char *, char *, struct p_session_error *);
/*
 * h_audit_count: the audit rows received so far (read now) with that
 * action and outcome, and object when it is not NULL.
 */
int	h_audit_count(struct host *, const char *, const char *,
	    const char *);
/* h_wait_unasked: a KILLED without a request for uuid, within ms. */
int	h_wait_unasked(struct host *, const char *, int, uint8_t *);

/* What one command printed and how it ended. */
struct run {
	char		*out;
	size_t		 outlen;
	char		*err;
	size_t		 errlen;
	int		 exited;	/* an EXIT frame came */
	int		 code;
	int		 sig;
	uint8_t		*rbuf;		/* frames not yet whole */
	size_t		 have;
};

/* run_read: read a stream to its end (or until ms pass); closes fd. */
int	run_read(int, struct run *, int);
/* run_until: read a stream until its stdout holds text; keep fd. */
int	run_until(int, struct run *, const char *, int);
void	run_free(struct run *);
/* h_sh: sh -c script in /project as user; the result in r. */
int	h_sh(struct host *, const char *, const char *, const char *,
	    struct run *);

#endif
