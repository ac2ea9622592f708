/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session engine: the table of sessions and the requests on it. */

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "sessiond/engine.h"

struct sess_engine	eng = { .dirfd = -1, .livefd = -1, .orphanfd = -1,
    .conflfd = -1, .trashfd = -1, .helper_pid = -1 };

/* Names an EXEC may set; the rest of the environment is fixed. */
static const char *const env_names[] = {
	"TERM", "LANG", "LANGUAGE", "TZ", "COLUMNS", "LINES", "CC", "CXX",
	"CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "MAKEFLAGS", NULL
};
static const char *const env_prefixes[] = { "LC_", "PCCX_", NULL };

static void	sess_on_timer(evutil_socket_t, short, void *);
static void	sess_on_pid(evutil_socket_t, short, void *);

/* sess_now_us: the monotonic clock in microseconds. */
uint64_t
sess_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* sess_uuid: write a fresh version 4 uuid (SESSION_IDSZ bytes) to out. */
void
sess_uuid(char *out)
{
	uint8_t	b[16];
	size_t	i, n = 0;

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		fatal("getrandom");
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		snprintf(out + n, 3, "%02x", b[i]);
		n += 2;
	}
	out[n] = '\0';
}

static int
int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* fd_close_except: close every descriptor from 3 up but those in keep. */
void
fd_close_except(const int *keep, int n)
{
	int	k[16], i, lo = 3;

	if (n > 16)
		fatalx("fd_close_except: too many");
	memcpy(k, keep, n * sizeof(int));
	qsort(k, n, sizeof(int), int_cmp);
	for (i = 0; i < n; i++) {
		if (k[i] < lo)
			continue;
		if (k[i] > lo)
			close_range(lo, k[i] - 1, 0);
		lo = k[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

/* sess_find: the session of that uuid, in any state, or NULL. */
struct session *
sess_find(const char *uuid)
{
	struct session	*s;

	TAILQ_FOREACH(s, &eng.sessions, entry)
		if (strcmp(s->uuid, uuid) == 0)
			return s;
	return NULL;
}

/* session_count: see session.h. */
int
session_count(void)
{
	return eng.nsessions;
}

/* sess_reply: hand a reply to the engine's caller. */
void
sess_reply(uint32_t reqid, const struct session_reply *r)
{
	eng.reply(eng.arg, reqid, r);
}

/* sess_error: reply ERROR with a code and a printf-style text. */
void
sess_error(uint32_t reqid, int code, const char *fmt, ...)
{
	struct session_reply	r;
	va_list			ap;

	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_ERROR;
	r.fd = -1;
	r.u.error.code = code;
	va_start(ap, fmt);
	vsnprintf(r.u.error.text, sizeof(r.u.error.text), fmt, ap);
	va_end(ap);
	sess_reply(reqid, &r);
}

/* Make the state directories and open them; the engine's only view. */
static int
sess_dirs(void)
{
	static const char *const names[] = { SESS_DIR_LIVE, SESS_DIR_ORPHAN,
	    SESS_DIR_CONFL, SESS_DIR_TRASH };
	int	*fds[] = { &eng.livefd, &eng.orphanfd, &eng.conflfd,
	    &eng.trashfd };
	size_t	 i;

	if ((eng.dirfd = open(eng.dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("%s", eng.dir);
		return -1;
	}
	for (i = 0; i < 4; i++) {
		if (mkdirat(eng.dirfd, names[i], 0700) == -1 &&
		    errno != EEXIST) {
			log_warn("%s/%s", eng.dir, names[i]);
			return -1;
		}
		if ((*fds[i] = openat(eng.dirfd, names[i], O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
			log_warn("%s/%s", eng.dir, names[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * What a previous run left in sessions/: its processes are gone (an
 * init ends when the daemon does, and cg_leftovers killed the rest),
 * so only directories remain.  Each upper layer is kept under
 * orphans/<uuid>; the rest is removed.
 */
static void
sess_orphans(void)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, ofd;

	if ((fd = openat(eng.livefd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!proto_session_uuid_ok(de->d_name)) {
			log_warnx("%s/%s: not a session, left alone",
			    SESS_DIR_LIVE, de->d_name);
			continue;
		}
		log_warnx("session %s: left by a previous run; its upper "
		    "layer is kept in %s/%s", de->d_name, SESS_DIR_ORPHAN,
		    de->d_name);
		if (renameat(eng.livefd, de->d_name, eng.orphanfd,
		    de->d_name) == -1) {
			log_warn("session %s: cannot keep it", de->d_name);
			tree_remove(eng.livefd, de->d_name);
			continue;
		}
		if ((ofd = openat(eng.orphanfd, de->d_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) != -1) {
			tree_remove(ofd, "work");
			tree_remove(ofd, "root");
			end_kept_stamp(ofd);
			close(ofd);
		}
	}
	closedir(d);
	end_trash_later();
}

static void
sess_on_prune(evutil_socket_t fd, short ev, void *arg)
{
	end_prune();
}

/*
 * Kept layers are pruned once the loop runs (the audit daemon then
 * hears the rows), hourly, and on each reload.
 */
static void
sess_prune_start(void)
{
	struct timeval	tv = { 3600, 0 };

	eng.ev_prune = event_new(eng.base, -1, EV_PERSIST, sess_on_prune,
	    NULL);
	if (eng.ev_prune == NULL || event_add(eng.ev_prune, &tv) == -1) {
		log_warnx("kept layers: no hourly pruning");
		return;
	}
	event_active(eng.ev_prune, EV_TIMEOUT, 1);
}

/* session_engine_init: see session.h. */
int
session_engine_init(const struct session_params *p)
{
	if (eng.init)
		return -1;
	TAILQ_INIT(&eng.sessions);
	eng.base = p->base;
	eng.reply = p->reply;
	eng.arg = p->arg;
	eng.audit = p->audit;
	eng.audit_ms = p->audit_ms != 0 ? p->audit_ms : SESS_AUDIT_MS;
	if (pccx_strlcpy(eng.dir, p->dir, sizeof(eng.dir)) >= sizeof(eng.dir))
		return -1;
	if (sess_conf() == NULL) {
		log_warnx("sessions: no configuration");
		return -1;
	}
	if (sess_dirs() == -1 || cg_setup(p->cgroup, p->no_cgroup2) == -1)
		return -1;
	cg_leftovers();
	sess_orphans();
	if (helper_start() == -1) {
		log_warn("cannot start the session helper");
		return -1;
	}
	eng.init = 1;
	helper_conf();
	sess_prune_start();
	return 0;
}

/* The limit asked for, or the project's; -1 if above the project's. */
static int
sess_limit(uint64_t want, uint64_t max, uint64_t *out)
{
	if (want == 0) {
		*out = max;
		return 0;
	}
	if (max != 0 && want > max)
		return -1;
	*out = want;
	return 0;
}

static int
sess_user_count(const char *user)
{
	struct session	*s;
	int		 n = 0;

	TAILQ_FOREACH(s, &eng.sessions, entry)
		if (strcmp(s->user, user) == 0)
			n++;
	return n + gate_count_user(user);
}

/* Check an OPEN against the configuration; fill s; 0 or an error. */
static int
sess_admit(const struct p_session_open *o, struct session *s,
    const char **why)
{
	const struct sess_project	*pr;
	const struct sess_member	*mb;
	uint64_t			 cpu, pids;

	if ((pr = sess_conf_project(o->project)) == NULL) {
		*why = "no such project";
		return SESSION_E_NOPROJECT;
	}
	if ((mb = sess_conf_member(pr, o->user)) == NULL ||
	    (o->uid != SESSION_ANYID && (o->uid != mb->m.uid ||
	    o->gid != mb->m.gid))) {
		*why = "user has no account in this project";
		return SESSION_E_NOTMAPPED;
	}
	if (sess_limit(o->memory, pr->p.memory, &s->memory) == -1 ||
	    sess_limit(o->cpu, pr->p.cpu, &cpu) == -1 ||
	    sess_limit(o->pids, pr->p.pids, &pids) == -1) {
		*why = "limits above the project's";
		return SESSION_E_LIMITS;
	}
	if (sess_user_count(o->user) >= (int)sess_conf()->s.per_user) {
		*why = "user has all the sessions allowed";
		return SESSION_E_PERUSER;
	}
	s->cpu = cpu;
	s->pids = pids;
	s->uid = mb->m.uid;
	s->gid = mb->m.gid;
	s->ngroups = mb->m.ngroups;
	memcpy(s->groups, mb->m.groups, sizeof(s->groups));
	pccx_strlcpy(s->user, o->user, sizeof(s->user));
	pccx_strlcpy(s->account, mb->m.account, sizeof(s->account));
	pccx_strlcpy(s->project, pr->p.name, sizeof(s->project));
	pccx_strlcpy(s->device, o->device, sizeof(s->device));
	pccx_strlcpy(s->sid, o->sid, sizeof(s->sid));
	pccx_strlcpy(s->path, pr->p.path, sizeof(s->path));
	s->idle = pr->p.idle_timeout;
	s->mode = o->mode;
	return 0;
}

static struct session *
sess_new(void)
{
	struct session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->pidfd = s->treefd = -1;
	s->ctl.fd = -1;
	s->state = SESSION_ST_OPENING;
	s->ev_timer = evtimer_new(eng.base, sess_on_timer, s);
	if (s->ev_timer == NULL) {
		free(s);
		return NULL;
	}
	sess_uuid(s->uuid);
	clock_gettime(CLOCK_REALTIME_COARSE, &s->tstart);
	s->started = s->active = time(NULL);
	return s;
}

static void
sess_timer(struct session *s, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->ev_timer, &tv);
}

/* Start building: cgroups here, the rest in the helper and the init. */
static int
sess_start(struct session *s)
{
	struct cg_limits	l;
	int			sp[2];

	l.memory = s->memory;
	l.cpu = s->cpu;
	l.pids = s->pids;
	if (cg_create(s->uuid, &l) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		cg_remove(s->uuid);
		return -1;
	}
	if (ctl_attach(s, sp[0]) == -1 ||
	    helper_build(s, sp[1], s->memory) == -1) {
		close(sp[1]);
		ctl_detach(s);
		cg_remove(s->uuid);
		return -1;
	}
	s->building = 1;
	return 0;
}

/*
 * session_open: admit, describe it to the audit daemon, and once that
 * row is durable start building (sess_go_open); OPENED comes from
 * sess_opened.
 */
void
session_open(uint32_t reqid, const struct p_session_open *o)
{
	struct session	*s;
	const char	*why = NULL;
	int		 code;

	if (!eng.init || eng.stopping) {
		sess_error(reqid, SESSION_E_STATE, "sessions are not served");
		return;
	}
	if ((s = sess_new()) == NULL) {
		sess_error(reqid, SESSION_E_INTERNAL, "out of memory");
		return;
	}
	s->t_open = sess_now_us();
	if ((code = sess_admit(o, s, &why)) != 0) {
		sess_error(reqid, code, "%s", why);
		sess_audit(NULL, o->user, o->project, "session.open", "deny",
		    "{s:s}", "error", why);
		event_free(s->ev_timer);
		free(s);
		return;
	}
	gate_hold(reqid, GATE_OPEN, sess_audit(s, NULL, NULL, "session.open",
	    "allow", "{s:s,s:s,s:s}", "account", s->account, "mode",
	    s->mode == SESSION_MODE_SQUASH ? "squash" : "discard", "login",
	    s->sid), s);
}

/* sess_go_open: the open is on record; build the session. */
void
sess_go_open(uint32_t reqid, struct session *s)
{
	if (sess_start(s) != 0) {
		sess_error(reqid, SESSION_E_INTERNAL,
		    "cannot start a session");
		sess_audit(s, NULL, NULL, "session.open", "fail", "{s:s}",
		    "error", "cannot start a session");
		event_free(s->ev_timer);
		free(s);
		return;
	}
	s->open_reqid = reqid;
	TAILQ_INSERT_TAIL(&eng.sessions, s, entry);
	eng.nsessions++;
	sess_timer(s, SESS_OPEN_MS);
	log_debug("session %s: opening for %s in %s", s->uuid, s->user,
	    s->project);
}

/*
 * sess_opened: called as each part of the set-up reports; once the
 * helper has sent the init's pidfd and the tree and the init is
 * ready, the session is open and the OPEN is answered.
 */
void
sess_opened(struct session *s)
{
	struct session_reply	r;

	if (s->state != SESSION_ST_OPENING || !s->built || !s->tree ||
	    !s->ready)
		return;
	s->state = SESSION_ST_READY;
	s->announced = 1;
	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_OPENED;
	r.fd = -1;
	pccx_strlcpy(r.u.opened.uuid, s->uuid, sizeof(r.u.opened.uuid));
	r.u.opened.started = s->started;
	log_info("session %s: open for %s in %s, %.1f ms", s->uuid, s->user,
	    s->project, (sess_now_us() - s->t_open) / 1000.0);
	sess_audit(s, NULL, NULL, "session.open", "ok", "{s:s,s:s,s:I}",
	    "account", s->account, "mode", s->mode == SESSION_MODE_SQUASH ?
	    "squash" : "discard", "us",
	    (json_int_t)(sess_now_us() - s->t_open));
	sess_touch(s);
	sess_timer_idle(s);
	if (s->open_reqid != 0) {
		sess_reply(s->open_reqid, &r);
		s->open_reqid = 0;
	}
}

static void
sess_on_pid(evutil_socket_t fd, short ev, void *arg)
{
	end_on_pid(arg);
}

/* sess_watch: the helper sent the init's pidfd; watch it. */
void
sess_watch(struct session *s)
{
	s->ev_pid = event_new(eng.base, s->pidfd, EV_READ, sess_on_pid, s);
	if (s->ev_pid == NULL || event_add(s->ev_pid, NULL) == -1)
		fatal("event");
}

/* sess_touch: the session was used now (idle timeout). */
void
sess_touch(struct session *s)
{
	s->active = time(NULL);
}

/* Arm the idle timer for what is left of the idle timeout. */
void
sess_timer_idle(struct session *s)
{
	time_t	now = time(NULL), left;

	left = s->active + s->idle - now;
	if (left < 1)
		left = 1;
	sess_timer(s, (uint64_t)left * 1000);
}

/*
 * The last activity: now while a command runs, else a pty's times,
 * which the kernel keeps to 8 seconds.
 */
static time_t
sess_activity(struct session *s)
{
	struct stat	sb;
	time_t		last = s->active;
	int		i;

	for (i = 0; i < s->nitems; i++) {
		if (!s->items[i].pty)
			return time(NULL);
		if (s->items[i].slavefd == -1 ||
		    fstat(s->items[i].slavefd, &sb) == -1)
			continue;
		if (sb.st_atim.tv_sec > last)
			last = sb.st_atim.tv_sec;
		if (sb.st_mtim.tv_sec > last)
			last = sb.st_mtim.tv_sec;
	}
	return last;
}

static void
sess_on_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct session	*s = arg;

	switch (s->state) {
	case SESSION_ST_OPENING:
		log_warnx("session %s: set-up timed out", s->uuid);
		if (s->open_reqid != 0)
			sess_error(s->open_reqid, SESSION_E_INTERNAL,
			    "session set-up timed out");
		s->open_reqid = 0;
		end_session(s, SESSION_WHY_FAILED, SESSION_MODE_DISCARD, 0);
		break;
	case SESSION_ST_READY:
		s->active = sess_activity(s);
		if (time(NULL) - s->active >= (time_t)s->idle) {
			log_info("session %s: idle for %us, ending", s->uuid,
			    s->idle);
			end_session(s, SESSION_WHY_IDLE, SESSION_MODE_DEFAULT,
			    0);
		} else
			sess_timer_idle(s);
		break;
	case SESSION_ST_ENDING:
		end_retry(s);
		break;
	}
}

/* sess_unlink: take s out of the table and free it. */
void
sess_unlink(struct session *s)
{
	int	i;

	TAILQ_REMOVE(&eng.sessions, s, entry);
	eng.nsessions--;
	ctl_detach(s);
	for (i = 0; i < s->nitems; i++)
		if (s->items[i].slavefd != -1)
			close(s->items[i].slavefd);
	if (s->ev_pid != NULL)
		event_free(s->ev_pid);
	event_free(s->ev_timer);
	if (s->pidfd != -1)
		close(s->pidfd);
	if (s->treefd != -1)
		close(s->treefd);
	free(s);
}

static void
sess_row(struct session *s, struct p_session_row *r)
{
	int	i;

	memset(r, 0, sizeof(*r));
	pccx_strlcpy(r->uuid, s->uuid, sizeof(r->uuid));
	pccx_strlcpy(r->user, s->user, sizeof(r->user));
	pccx_strlcpy(r->account, s->account, sizeof(r->account));
	pccx_strlcpy(r->project, s->project, sizeof(r->project));
	r->state = s->state;
	r->mode = s->mode;
	r->started = s->started;
	r->active = s->state == SESSION_ST_READY ? sess_activity(s) :
	    s->active;
	if (s->state != SESSION_ST_ENDING)
		cg_stats(s->uuid, &r->processes, &r->memory);
	for (i = 0; i < s->nitems; i++) {
		if (s->items[i].pty)
			r->ptys++;
		else
			r->execs++;
	}
	r->memory_max = s->memory;
	r->cpu_max = s->cpu;
	r->pids_max = s->pids;
}

static void
sess_send_row(uint32_t reqid, struct session *s)
{
	struct session_reply	r;

	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_ROW;
	r.fd = -1;
	sess_row(s, &r.u.row);
	sess_reply(reqid, &r);
}

static void
sess_send_end(uint32_t reqid, uint32_t n)
{
	struct session_reply	r;

	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_LIST_END;
	r.fd = -1;
	r.u.count.count = n;
	sess_reply(reqid, &r);
}

/* session_list: a ROW per session matching, then LIST_END. */
void
session_list(uint32_t reqid, const struct p_session_list *l)
{
	struct session	*s;
	uint32_t	 n = 0;

	TAILQ_FOREACH(s, &eng.sessions, entry) {
		if ((l->user[0] != '\0' && strcmp(l->user, s->user) != 0) ||
		    (l->project[0] != '\0' &&
		    strcmp(l->project, s->project) != 0))
			continue;
		sess_send_row(reqid, s);
		n++;
	}
	sess_send_end(reqid, n);
}

/* The session a request names, if it exists and the user owns it. */
static struct session *
sess_owned(uint32_t reqid, const char *uuid, const char *user)
{
	struct session	*s;

	if ((s = sess_find(uuid)) == NULL) {
		sess_error(reqid, SESSION_E_NOSESSION, "no such session");
		return NULL;
	}
	if (user[0] != '\0' && strcmp(user, s->user) != 0) {
		sess_error(reqid, SESSION_E_NOTOWNER,
		    "the session belongs to another user");
		sess_audit(NULL, user, s->project, "session.access", "deny",
		    "{s:s}", "session", s->uuid);
		return NULL;
	}
	return s;
}

static struct session *
sess_ready(uint32_t reqid, const char *uuid, const char *user)
{
	struct session	*s;

	if ((s = sess_owned(reqid, uuid, user)) == NULL)
		return NULL;
	if (s->state != SESSION_ST_READY) {
		sess_error(reqid, SESSION_E_STATE, "session is not ready");
		return NULL;
	}
	return s;
}

/* session_info: the session's ROW, then LIST_END. */
void
session_info(uint32_t reqid, const struct p_session_ref *r)
{
	struct session	*s;

	if ((s = sess_owned(reqid, r->uuid, r->user)) == NULL)
		return;
	sess_send_row(reqid, s);
	sess_send_end(reqid, 1);
}

/* /project or below it, without "." or ".." components. */
static int
sess_cwd_ok(const char *cwd)
{
	const char	*p;

	if (strncmp(cwd, "/project", 8) != 0 || (cwd[8] != '\0' &&
	    cwd[8] != '/'))
		return 0;
	for (p = cwd + 8; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '/' || (p[1] == '.' && (p[2] == '/' ||
		    p[2] == '\0' || (p[2] == '.' && (p[3] == '/' ||
		    p[3] == '\0')))))
			return 0;
	}
	return 1;
}

static int
sess_env_ok(const char *e)
{
	size_t	n = strcspn(e, "="), i;

	for (i = 0; env_names[i] != NULL; i++)
		if (strlen(env_names[i]) == n &&
		    strncmp(e, env_names[i], n) == 0)
			return 1;
	for (i = 0; env_prefixes[i] != NULL; i++)
		if (strncmp(e, env_prefixes[i], strlen(env_prefixes[i])) == 0 &&
		    n > strlen(env_prefixes[i]))
			return 1;
	return 0;
}

static struct sess_item *
sess_item_new(struct session *s, uint32_t reqid, int pty)
{
	struct sess_item	*it;

	if (s->nitems == SESS_MAXITEMS)
		return NULL;
	it = &s->items[s->nitems++];
	it->id = ++s->next_id;
	it->reqid = reqid;
	it->pty = pty;
	it->slavefd = -1;
	return it;
}

/* session_exec: check, record, then start (sess_go_exec). */
void
session_exec(uint32_t reqid, const struct p_session_exec *x)
{
	struct session	*s;
	uint32_t	 i;

	if ((s = sess_ready(reqid, x->uuid, x->user)) == NULL)
		return;
	if (!sess_cwd_ok(x->cwd)) {
		sess_audit(s, NULL, NULL, "session.exec", "deny", "{s:s}",
		    "error", "cwd");
		sess_error(reqid, SESSION_E_ARGS,
		    "cwd must be /project or below it");
		return;
	}
	for (i = 0; i < x->envc; i++)
		if (!sess_env_ok(x->env[i])) {
			sess_audit(s, NULL, NULL, "session.exec", "deny",
			    "{s:s}", "error", "environment");
			sess_error(reqid, SESSION_E_ENV,
			    "environment variable not allowed: %.*s",
			    (int)strcspn(x->env[i], "="), x->env[i]);
			return;
		}
	if (s->nitems == SESS_MAXITEMS) {
		sess_error(reqid, SESSION_E_BUSY, "too many commands running");
		return;
	}
	gate_hold(reqid, GATE_EXEC, sess_audit(s, NULL, NULL, "session.exec",
	    "allow", "{s:s,s:i,s:s,s:i}", "argv0", x->argv[0], "argc",
	    (int)x->argc, "cwd", x->cwd, "stdin", x->in != NULL ?
	    (int)x->inlen : -1), (void *)x);
}

/* sess_go_exec: the command is on record; EXEC_OK carries its output. */
void
sess_go_exec(uint32_t reqid, const struct p_session_exec *x)
{
	struct session_reply	 r;
	struct session		*s;
	struct sess_item	*it;
	int			 sp[2];

	if ((s = sess_ready(reqid, x->uuid, x->user)) == NULL)
		return;
	if ((it = sess_item_new(s, 0, 0)) == NULL) {
		sess_error(reqid, SESSION_E_BUSY, "too many commands running");
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		ctl_item_drop(s, it);
		sess_error(reqid, SESSION_E_INTERNAL, "socketpair: %s",
		    strerror(errno));
		return;
	}
	if (ctl_exec(s, it->id, x, sp[0]) == -1) {
		close(sp[0]);
		close(sp[1]);
		ctl_item_drop(s, it);
		sess_error(reqid, SESSION_E_INTERNAL, "cannot reach the init");
		return;
	}
	sess_touch(s);
	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_EXEC_OK;
	r.fd = sp[1];
	pccx_strlcpy(r.u.handle.uuid, s->uuid, sizeof(r.u.handle.uuid));
	r.u.handle.id = it->id;
	sess_reply(reqid, &r);
}

/* session_pty: record, then ask for a pty (sess_go_pty). */
void
session_pty(uint32_t reqid, const struct p_session_pty *p)
{
	struct session	*s;

	if ((s = sess_ready(reqid, p->uuid, p->user)) == NULL)
		return;
	if (s->nitems == SESS_MAXITEMS) {
		sess_error(reqid, SESSION_E_BUSY, "too many ptys open");
		return;
	}
	gate_hold(reqid, GATE_PTY, sess_audit(s, NULL, NULL, "session.pty",
	    "allow", "{s:i,s:i}", "rows", (int)p->rows, "cols",
	    (int)p->cols), (void *)p);
}

/* sess_go_pty: PTY_OK comes when the init has one. */
void
sess_go_pty(uint32_t reqid, const struct p_session_pty *p)
{
	struct session		*s;
	struct sess_item	*it;

	if ((s = sess_ready(reqid, p->uuid, p->user)) == NULL)
		return;
	if ((it = sess_item_new(s, reqid, 1)) == NULL) {
		sess_error(reqid, SESSION_E_BUSY, "too many ptys open");
		return;
	}
	if (ctl_pty(s, it->id, p) == -1) {
		ctl_item_drop(s, it);
		sess_error(reqid, SESSION_E_INTERNAL, "cannot reach the init");
		return;
	}
	sess_touch(s);
}

/* session_resize: a pty's new size, answered with OK. */
void
session_resize(uint32_t reqid, const struct p_session_pty *p)
{
	struct session_reply	 r;
	struct session		*s;
	struct sess_item	*it;

	if ((s = sess_ready(reqid, p->uuid, p->user)) == NULL)
		return;
	if ((it = ctl_item(s, p->id)) == NULL || !it->pty) {
		sess_error(reqid, SESSION_E_ARGS, "no such pty");
		return;
	}
	if (ctl_resize(s, p) == -1) {
		sess_error(reqid, SESSION_E_INTERNAL, "cannot reach the init");
		return;
	}
	sess_touch(s);
	memset(&r, 0, sizeof(r));
	r.type = MSG_SESSION_OK;
	r.fd = -1;
	pccx_strlcpy(r.u.handle.uuid, s->uuid, sizeof(r.u.handle.uuid));
	r.u.handle.id = p->id;
	sess_reply(reqid, &r);
}

/* session_kill: record, then the kill switch (sess_go_kill). */
void
session_kill(uint32_t reqid, const struct p_session_ref *k)
{
	struct session	*s;
	const char	*by;

	if ((s = sess_owned(reqid, k->uuid, k->user)) == NULL)
		return;
	if (s->state == SESSION_ST_ENDING) {
		sess_error(reqid, SESSION_E_STATE, "session is ending");
		return;
	}
	/* The actor is who kills: the session's user, a user, the operator */
	by = k->user[0] != '\0' ? "owner" : k->by[0] != '\0' ? k->by :
	    "operator";
	gate_hold(reqid, GATE_KILL, sess_audit(s, k->user[0] != '\0' ? NULL :
	    by, NULL, "session.kill", "allow", "{s:s, s:s}", "by", by,
	    "user", s->user), (void *)k);
}

/* sess_go_kill: the kill is on record; KILLED answers. */
void
sess_go_kill(uint32_t reqid, const struct p_session_ref *k)
{
	struct session	*s;

	if ((s = sess_owned(reqid, k->uuid, k->user)) == NULL)
		return;
	if (s->state == SESSION_ST_ENDING) {
		sess_error(reqid, SESSION_E_STATE, "session is ending");
		return;
	}
	end_session(s, SESSION_WHY_REQUEST, k->mode, reqid);
}

/* sess_revoked: see engine.h. */
int
sess_revoked(const struct session *s, int kind, const char *id)
{
	switch (kind) {
	case AUDIT_REVOKE_USER:
		return strcmp(s->user, id) == 0;
	case AUDIT_REVOKE_DEVICE:
		return s->device[0] != '\0' && strcmp(s->device, id) == 0;
	case AUDIT_REVOKE_SESSION:
		return s->sid[0] != '\0' && strcmp(s->sid, id) == 0;
	}
	return 0;
}

/* session_revoke: see session.h. */
int
session_revoke(int kind, const char *id)
{
	struct session	*s, *next;
	int		 n = 0;

	if (id[0] == '\0')
		return 0;
	gate_revoke(kind, id);
	for (s = TAILQ_FIRST(&eng.sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!sess_revoked(s, kind, id) ||
		    s->state == SESSION_ST_ENDING)
			continue;
		log_info("session %s: %s revoked, ending", s->uuid, id);
		end_session(s, SESSION_WHY_REVOKED, SESSION_MODE_DEFAULT, 0);
		n++;
	}
	return n;
}

/* session_kill_user: see session.h. */
int
session_kill_user(const char *user)
{
	return session_revoke(AUDIT_REVOKE_USER, user);
}

/* session_engine_stop: see session.h. */
void
session_engine_stop(void)
{
	struct session	*s, *next;

	if (!eng.init)
		return;
	eng.stopping = 1;
	if (eng.ev_prune != NULL)
		event_free(eng.ev_prune);
	eng.ev_prune = NULL;
	gate_stop();
	for (s = TAILQ_FIRST(&eng.sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->state != SESSION_ST_ENDING)
			end_session(s, SESSION_WHY_SHUTDOWN,
			    SESSION_MODE_DISCARD, 0);
	}
	while (eng.nsessions > 0)
		if (event_base_loop(eng.base, EVLOOP_ONCE) == -1)
			break;
	helper_stop();
	end_trash_now();
	eng.init = 0;
}
