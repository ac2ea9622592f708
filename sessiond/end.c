/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The kill switch: every process dies, then the end mode, then the answer. */

#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "sessiond/engine.h"

#define END_PRUNE_MAX	64	/* kept layers removed in one pass */
#define END_PRUNE_AGAIN	10	/* seconds to the next pass, if more */

/* cgroup not yet empty: look again */
#define END_POLL_MS	1

static void	end_progress(struct session *);
static void	end_dead(struct session *);

static void
end_timer(struct session *s, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->ev_timer, &tv);
}

/*
 * Every process of the session gets SIGKILL: the whole cgroup at
 * once (cgroup.kill on v2; freeze, kill each, thaw on v1), and the
 * pid namespace's init, whose death makes the kernel kill whatever
 * is left in the namespace and reap it before the init's pidfd says
 * it has exited.
 */
static void
end_signal(struct session *s)
{
	(void)cg_kill(s->uuid);
	if (s->pidfd != -1 && pidfd_send_signal(s->pidfd, SIGKILL, NULL,
	    0) == -1 && errno != ESRCH)
		log_warn("session %s: pidfd_send_signal", s->uuid);
}

/*
 * end_session: the kill switch.  why is a SESSION_WHY_*, mode the
 * end mode (SESSION_MODE_DEFAULT: the one chosen at OPEN), reqid the
 * KILL to answer (0: none; a session the front end knows of is then
 * reported with reqid 0).  Returns at once; the answer comes once no
 * process is left, the cgroups are gone and the end mode is applied.
 */
void
end_session(struct session *s, int why, int mode, uint32_t reqid)
{
	int	i;

	if (s->state == SESSION_ST_ENDING)
		return;
	if (s->open_reqid != 0) {
		sess_error(s->open_reqid, SESSION_E_STATE,
		    "session ended while opening");
		s->open_reqid = 0;
	}
	s->t_kill = sess_now_us();
	s->state = SESSION_ST_ENDING;
	s->why = why;
	s->endmode = mode != SESSION_MODE_DEFAULT ? mode : s->mode;
	s->kill_reqid = reqid;
	evtimer_del(s->ev_timer);
	for (i = 0; i < s->nitems; i++) {
		if (s->items[i].pty && s->items[i].reqid != 0)
			sess_error(s->items[i].reqid, SESSION_E_STATE,
			    "session is ending");
		s->items[i].reqid = 0;
		if (s->items[i].slavefd != -1)
			close(s->items[i].slavefd);
		s->items[i].slavefd = -1;
	}
	ctl_detach(s);
	end_progress(s);
}

static void
end_progress(struct session *s)
{
	if (s->building)
		return;			/* the helper answers first */
	if (s->built && !s->dead) {
		end_signal(s);
		end_timer(s, SESS_KILL_MS);
		return;
	}
	end_timer(s, 0);		/* nothing runs: finish from the loop */
}

/* end_on_built: the helper sent the init's pidfd. */
void
end_on_built(struct session *s)
{
	s->building = 0;
	sess_watch(s);
	if (s->state == SESSION_ST_ENDING)
		end_progress(s);
	else
		sess_opened(s);
}

/* end_on_failed: the helper could not build the session. */
void
end_on_failed(struct session *s)
{
	s->building = 0;
	if (s->state == SESSION_ST_ENDING)
		end_progress(s);
	else
		end_session(s, SESSION_WHY_FAILED, SESSION_MODE_DISCARD, 0);
}

/*
 * end_on_pid: the init has exited, so its namespace is empty: the
 * kernel killed and reaped the rest before the pidfd said so.  The
 * init is this process's child (the helper clones it so): reap it.
 */
void
end_on_pid(struct session *s)
{
	siginfo_t	si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, s->pidfd, &si, WEXITED | WNOHANG) == -1)
		log_warn("session %s: waitid", s->uuid);
	s->dead = 1;
	if (s->state == SESSION_ST_ENDING)
		end_dead(s);
	else {
		if (s->state == SESSION_ST_OPENING && s->open_reqid != 0) {
			sess_error(s->open_reqid, SESSION_E_INTERNAL,
			    "the session's init exited while building");
			s->open_reqid = 0;
		} else
			log_warnx("session %s: its init exited", s->uuid);
		end_session(s, SESSION_WHY_FAILED, SESSION_MODE_DEFAULT, 0);
	}
}

/* end_retry: the timer while ending. */
void
end_retry(struct session *s)
{
	if (s->building)
		return;
	if (s->built && !s->dead) {
		if (++s->kill_tries == SESS_KILL_TRIES)
			log_warnx("session %s: init still alive after %d ms",
			    s->uuid, SESS_KILL_TRIES * SESS_KILL_MS);
		end_signal(s);
		end_timer(s, SESS_KILL_MS);
		return;
	}
	end_dead(s);
}

/* Keep only the upper layer of a session directory moved aside. */
static void
end_keep(struct session *s, int dstfd)
{
	int	fd;

	if (renameat(eng.livefd, s->uuid, dstfd, s->uuid) == -1) {
		log_warn("session %s: cannot keep its upper layer", s->uuid);
		tree_remove(eng.livefd, s->uuid);
		return;
	}
	if ((fd = openat(dstfd, s->uuid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	tree_remove(fd, "work");
	tree_remove(fd, "root");
	end_kept_stamp(fd);
	close(fd);
}

static void
end_discard(struct session *s)
{
	if (renameat(eng.livefd, s->uuid, eng.trashfd, s->uuid) == -1) {
		if (errno != ENOENT)
			tree_remove(eng.livefd, s->uuid);
		return;
	}
	end_trash_later();
}

static void
end_squash(struct session *s, struct p_session_killed *k)
{
	struct squash_result	r;
	char			path[SESSION_IDSZ + 8];
	int			upper, rv;

	memset(&r, 0, sizeof(r));
	r.out = k;
	snprintf(path, sizeof(path), "%s/upper", s->uuid);
	if ((upper = openat(eng.livefd, path, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || s->treefd == -1) {
		r.error = errno;
		rv = -1;
	} else
		rv = squash_apply(upper, s->treefd, &s->tstart, &r);
	if (upper != -1)
		close(upper);
	k->applied = r.applied;
	if (rv == 0) {
		k->result = SESSION_RES_SQUASHED;
		end_discard(s);
		return;
	}
	k->result = rv == 1 ? SESSION_RES_CONFLICT : SESSION_RES_ERROR;
	if (rv == -1)
		log_warnx("session %s: squash failed: %s", s->uuid,
		    strerror(r.error));
	else
		log_info("session %s: squash refused, %u conflicts", s->uuid,
		    k->nconflicts);
	end_keep(s, eng.conflfd);
}

static const char *const end_why[] = { "", "request", "idle", "revoked",
    "failed", "shutdown" };
static const char *const end_result[] = { "discarded", "squashed",
    "conflict", "error", "kept" };

static void
end_audit(struct session *s, const struct p_session_killed *k)
{
	if (!s->announced) {
		sess_audit(s, NULL, NULL, "session.open", "fail", "{}");
		return;
	}
	sess_audit(s, NULL, NULL, "session.end",
	    k->result <= SESSION_RES_SQUASHED ? "ok" : "fail",
	    "{s:s,s:s,s:s,s:i,s:i,s:i,s:i}", "reason", end_why[k->reason],
	    "mode", k->mode == SESSION_MODE_SQUASH ? "squash" : "discard",
	    "result", end_result[k->result], "kill_us", (int)k->kill_us,
	    "total_us", (int)k->total_us, "applied", (int)k->applied,
	    "conflicts", (int)k->nconflicts);
}

/* Apply the end mode and answer. */
static void
end_finish(struct session *s)
{
	static struct p_session_killed	k;
	struct session_reply		r;

	memset(&k, 0, offsetof(struct p_session_killed, buf));
	k.buflen = 0;
	pccx_strlcpy(k.uuid, s->uuid, sizeof(k.uuid));
	k.reason = s->why;
	k.mode = s->endmode;
	k.kill_us = s->t_dead - s->t_kill;
	if (!s->announced)
		end_discard(s);
	else if (s->why == SESSION_WHY_FAILED) {
		k.result = SESSION_RES_KEPT;
		end_keep(s, eng.orphanfd);
	} else if (s->endmode == SESSION_MODE_DISCARD) {
		k.result = SESSION_RES_DISCARDED;
		end_discard(s);
	} else
		end_squash(s, &k);
	k.total_us = sess_now_us() - s->t_kill;
	if (s->announced)
		log_info("session %s: ended, processes gone in %.1f ms, "
		    "done in %.1f ms", s->uuid, k.kill_us / 1000.0,
		    k.total_us / 1000.0);
	end_audit(s, &k);
	if (s->announced || s->kill_reqid != 0) {
		memset(&r, 0, sizeof(r));
		r.type = MSG_SESSION_KILLED;
		r.fd = -1;
		r.u.killed = &k;
		sess_reply(s->kill_reqid, &r);
	}
	sess_unlink(s);
}

/*
 * The init is gone.  What it ran is gone with it; the cgroup says so
 * too (a process that joined it from elsewhere would keep it
 * populated), and then it can be removed.
 */
static void
end_dead(struct session *s)
{
	if (s->t_dead == 0)
		s->t_dead = sess_now_us();
	if (cg_populated(s->uuid) || cg_remove(s->uuid) == -1) {
		if (++s->kill_tries % 100 == 0) {
			log_warnx("session %s: cgroup still busy", s->uuid);
			(void)cg_kill(s->uuid);
		}
		end_timer(s, END_POLL_MS);
		return;
	}
	end_finish(s);
}

static void
end_on_trash(evutil_socket_t fd, short ev, void *arg)
{
	end_trash_now();
}

/*
 * end_trash_later: empty trash/ from the event loop, after replies.
 * XXX: a huge upper layer holds the loop while it is removed.
 */
void
end_trash_later(void)
{
	struct timeval	tv = { 0, 0 };

	if (eng.base != NULL)
		event_base_once(eng.base, -1, EV_TIMEOUT, end_on_trash, NULL,
		    &tv);
}

/*
 * end_kept_stamp: a kept directory's time is when it was kept, which
 * end_prune counts from.
 */
void
end_kept_stamp(int fd)
{
	if (futimens(fd, NULL) == -1)
		log_warn("futimens");
}

/*
 * A kept layer older than keep: its audit row, and its removal held
 * until the row is durable.  1 when one was asked for.
 */
static int
end_prune_one(int dirfd, const char *kind, const char *name, time_t now,
    uint32_t keep)
{
	struct stat	st;
	char		kept[64];
	time_t		age;

	if (!proto_session_uuid_ok(name) ||
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st.st_mode) || (age = now - st.st_mtime) < (time_t)keep)
		return 0;
	if (snprintf(kept, sizeof(kept), "%s/%s", kind, name) >=
	    (int)sizeof(kept) || gate_prune_held(kept))
		return 0;
	gate_hold(0, GATE_PRUNE, sess_audit(NULL, "operator", "",
	    "session.layer_remove", "ok", "{s:s, s:s, s:I}", "session", name,
	    "kept", kind, "age", (json_int_t)age), kept);
	return 1;
}

/* Up to max removals asked for in one directory: how many. */
static int
end_prune_dir(int dirfd, const char *kind, time_t now, uint32_t keep,
    int max)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, n = 0;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while (n < max && (de = readdir(d)) != NULL)
		n += end_prune_one(dirfd, kind, de->d_name, now, keep);
	closedir(d);
	return n;
}

static void
end_on_prune(evutil_socket_t fd, short ev, void *arg)
{
	end_prune();
}

/*
 * end_prune: the layers kept in orphans/ and conflicts/ longer than
 * the configuration's keep-layers are removed, each once its audit
 * row is durable; END_PRUNE_MAX a pass, the next pass soon after.
 */
void
end_prune(void)
{
	const struct sess_conf	*c = sess_conf();
	struct timeval		 tv = { END_PRUNE_AGAIN, 0 };
	time_t			 now = time(NULL);
	int			 n;

	if (c == NULL || c->s.keep == 0 || eng.trashfd == -1 ||
	    eng.stopping)
		return;
	n = end_prune_dir(eng.orphanfd, SESS_DIR_ORPHAN, now, c->s.keep,
	    END_PRUNE_MAX);
	n += end_prune_dir(eng.conflfd, SESS_DIR_CONFL, now, c->s.keep,
	    END_PRUNE_MAX - n);
	if (n == END_PRUNE_MAX && eng.base != NULL)
		event_base_once(eng.base, -1, EV_TIMEOUT, end_on_prune, NULL,
		    &tv);
}

/* end_prune_go: kept's row is durable; the layer goes to trash/. */
void
end_prune_go(const char *kept)
{
	const char	*name = strchr(kept, '/') + 1;
	int		 dirfd, rv;

	dirfd = strncmp(kept, SESS_DIR_ORPHAN "/",
	    sizeof(SESS_DIR_ORPHAN)) == 0 ? eng.orphanfd : eng.conflfd;
	/* what a failed removal left in trash/ under that name goes */
	if ((rv = renameat2(dirfd, name, eng.trashfd, name,
	    RENAME_NOREPLACE)) == -1 && errno == EEXIST &&
	    tree_remove(eng.trashfd, name) == 0)
		rv = renameat2(dirfd, name, eng.trashfd, name,
		    RENAME_NOREPLACE);
	if (rv == -1) {
		if (errno != ENOENT)
			log_warn("%s: cannot remove", kept);
		return;
	}
	log_info("session %s: the layer kept in %.*s/ is removed", name,
	    (int)(name - kept - 1), kept);
	end_trash_later();
}

/* end_trash_now: remove what trash/ holds. */
void
end_trash_now(void)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if (eng.trashfd == -1 || (fd = openat(eng.trashfd, ".", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' &&
		    tree_remove(eng.trashfd, de->d_name) == -1)
			log_warn("trash/%s", de->d_name);
	closedir(d);
}
