/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The trace store: uploads teed to a worker and to age files, reads back. */

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/age.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "remoted/config.h"
#include "sessiond/engine.h"
#include "sessiond/front.h"
#include "sessiond/trace.h"

#define TRACE_BUFSZ	65536
#define TRACE_REPORT_MAX (256ULL * 1024 * 1024)	/* per report */
#define TRACE_NKINDS	(SESSION_TK_MAX + 1)
#define TRACE_MAXPENDS	256	/* actions waiting for their audit ack */

/* An age file being written under a temporary name. */
struct tout {
	int		 fd;
	struct age_enc	*enc;
	char		 tmp[NAME_MAX + 8];
	char		 name[NAME_MAX];
};

/* One upload: its body, its worker, its files. */
struct upload {
	TAILQ_ENTRY(upload)	 entry;
	char			 project[PROTO_NAMEMAX];
	char			 id[SESSION_IDSZ];
	pid_t			 pid;
	int			 body, tow, rep, vout, dirfd;
	struct event		*ev_body, *ev_tow, *ev_rep;
	uint8_t			 buf[TRACE_BUFSZ];
	size_t			 off, len;
	uint64_t		 bytes, size, cap;
	int			 body_eof;
	struct age_recipient	 rcpt;
	struct tout		 out[TRACE_NKINDS];
	uint8_t			 hdr[TRACE_REP_HDR];
	size_t			 hlen;
	/* report being read, or -1 */
	int			 kind;
	uint64_t		 left;
	int			 end;		/* TRACE_REP_* or 0 */
	const char		*why;
	char			 user[PROTO_NAMEMAX];
	/* the front end's TRACE_END: SESSION_TE_*, or -1 before it */
	int			 front;
	uint64_t		 front_size;
	int			 rep_eof;	/* worker reaped */
	int			 status;
	char			 jhead[32];	/* the JSON report's start */
	size_t			 jlen;
};

/* An action held until the audit daemon has its row. */
enum trace_act {
	TRACE_ACT_PUT,
	TRACE_ACT_DEL,
	TRACE_ACT_REF
};

struct tpend {
	TAILQ_ENTRY(tpend)	 entry;
	uint32_t		 seq;		/* with TRACE_AUDIT_BIT */
	/* monotonic, microseconds: refused if no answer by then */
	uint64_t		 deadline;
	enum trace_act		 act;
	uint32_t		 reqid;
	struct p_session_trace	 p;
	int			 fd;
	/* an END that came before the ack */
	int			 front;
	uint64_t		 front_size;
};

/* A reference being received. */
struct refput {
	uint32_t		 reqid;
	char			 project[PROTO_NAMEMAX];
	char			 name[PROTO_NAMEMAX];
	char			 user[PROTO_NAMEMAX];
	int			 fd;
	struct event		*ev;
	char			*buf;
	size_t			 len;
};

static const char *const trace_suffix[TRACE_NKINDS] = {
	".pccx.age", ".json.age", ".html.age", ".md.age"
};

static TAILQ_HEAD(, upload)	 uploads = TAILQ_HEAD_INITIALIZER(uploads);
static TAILQ_HEAD(, tpend)	 pends = TAILQ_HEAD_INITIALIZER(pends);
static int			 npends;
static struct event		*ev_pends;
static struct event_base	*trace_base;
static const struct session_wire *trace_wire;
static struct chan		*(*trace_audit_chan)(void);
static uint32_t			 trace_audit_seq;
static int			 traces_fd = -1, keys_fd = -1, refs_fd = -1;
static int			 statm_fd = -1;	/* /proc/self/statm */

static void	trace_error(uint32_t, uint32_t, const char *);
static int	trace_key(const char *, struct age_identity *);
static int	trace_projdir(int, const char *, int);
static int	tout_open(struct tout *, int, const char *, int,
		    const struct age_recipient *);
static void	tout_abort(struct tout *, int);
static int	tout_commit(struct tout *, int);
static void	up_on_body(evutil_socket_t, short, void *);
static void	up_on_tow(evutil_socket_t, short, void *);
static void	up_on_rep(evutil_socket_t, short, void *);
static void	up_fail(struct upload *, const char *);
static void	up_stop_body(struct upload *);
static void	up_finish(struct upload *);
static int	up_report(struct upload *, const uint8_t *, size_t);
static int	up_start(struct upload *, int, int);
static void	up_free(struct upload *);
static void	ref_on_read(evutil_socket_t, short, void *);
static void	ref_done(struct refput *);
static int	trace_ref_open(const struct p_session_trace *);
static void	trace_put_go(uint32_t, const struct p_session_trace *, int,
		    int, uint64_t);
static void	trace_del_go(uint32_t, const struct p_session_trace *);
static void	trace_ref_go(uint32_t, const struct p_session_trace *, int);
static void	up_done(struct upload *);

/*
 * The worker's address space: what the daemon holds as it forks one
 * (from /proc/self/statm, opened before the chroot), and its own room.
 */
static rlim_t
trace_as_limit(void)
{
	char		buf[64];
	ssize_t		n;
	unsigned long	pages = 0;

	if (statm_fd != -1 &&
	    (n = pread(statm_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		pages = strtoul(buf, NULL, 10);
	}
	return (rlim_t)pages * sysconf(_SC_PAGESIZE) + TRACE_WORKER_AS;
}

static int
trace_opendir(const char *dir, const char *sub)
{
	char	path[PATH_MAX];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	if (fchmod(fd, 0700) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Remove the ".*.tmp" files a crash left in fd (closed here). */
static void
trace_sweep(int fd, int depth)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 n;
	int		 sub;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' && n > 5 &&
		    strcmp(de->d_name + n - 4, ".tmp") == 0) {
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				log_info("trace: removed %s", de->d_name);
		} else if (depth > 0 && de->d_name[0] != '.' &&
		    (sub = openat(dirfd(d), de->d_name, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) != -1)
			trace_sweep(sub, depth - 1);
	}
	closedir(d);
}

/*
 * trace_init: as trace.h says; it also removes what uploads, keys or
 * references cut short by a crash left under a temporary name.
 */
int
trace_init(const char *dir, struct event_base *base,
    const struct session_wire *wire, struct chan *(*audit)(void))
{
	if (age_init() == -1) {
		log_warnx("trace: age_init failed");
		return -1;
	}
	if ((traces_fd = trace_opendir(dir, "traces")) == -1 ||
	    (keys_fd = trace_opendir(dir, "keys")) == -1 ||
	    (refs_fd = trace_opendir(dir, "refs")) == -1) {
		log_warn("trace: %s", dir);
		return -1;
	}
	trace_sweep(dup(traces_fd), 1);
	trace_sweep(dup(refs_fd), 1);
	trace_sweep(dup(keys_fd), 0);
	trace_base = base;
	trace_wire = wire;
	trace_audit_chan = audit;
	if ((statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) == -1)
		log_warn("trace: /proc/self/statm");
	return 0;
}


static struct chan *
trace_chan(void)
{
	return trace_wire != NULL ? trace_wire->chan() : NULL;
}

static void
trace_send(uint16_t type, uint32_t reqid, int fd,
    const struct p_session_trace *p)
{
	struct chan	*c;

	if ((c = trace_chan()) == NULL ||
	    proto_send_session_trace(c, type, reqid, fd, p) == -1) {
		log_warnx("trace: cannot send message %u", type);
		if (fd != -1)
			close(fd);
		return;
	}
	trace_wire->commit(c);
}

static void
trace_error(uint32_t reqid, uint32_t code, const char *text)
{
	struct p_session_error	 e;
	struct chan		*c;

	memset(&e, 0, sizeof(e));
	e.code = code;
	pccx_strlcpy(e.text, text, sizeof(e.text));
	if ((c = trace_chan()) == NULL ||
	    proto_send_session_error(c, reqid, &e) == -1) {
		log_warnx("trace: cannot send an error");
		return;
	}
	trace_wire->commit(c);
}

/*
 * Whether p->user holds at least role in p->project, as the
 * configuration in force says; if not, the request gets an ERROR.
 */
static int
trace_may(uint32_t reqid, const struct p_session_trace *p, int role)
{
	const struct sess_project	*pr;
	const struct sess_member	*m;

	if ((pr = sess_conf_project(p->project)) == NULL) {
		trace_error(reqid, SESSION_E_NOPROJECT, "no such project");
		return 0;
	}
	if ((m = sess_conf_member(pr, p->user)) == NULL ||
	    m->m.role < role) {
		log_warnx("trace %s: %s may not do that", p->project,
		    p->user);
		trace_error(reqid, SESSION_E_NOTMAPPED,
		    "the user's role does not allow this");
		return 0;
	}
	return 1;
}

/*
 * Queue one audit row for the trace store, as user in project about
 * object; detail is one JSON text.  seq (TRACE_AUDIT_BIT set) is the
 * row's peer id.  0, or -1 when there is no audit daemon to take it.
 */
static int
trace_audit(uint32_t seq, const char *user, const char *project,
    const char *action, const char *object, const char *outcome,
    const char *detail)
{
	struct p_audit_row	 r;
	struct timespec		 ts;
	struct chan		*c;

	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_REALTIME, &ts);
	r.time = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pccx_strlcpy(r.actor, user, sizeof(r.actor));
	pccx_strlcpy(r.project, project, sizeof(r.project));
	pccx_strlcpy(r.action, action, sizeof(r.action));
	pccx_strlcpy(r.object, object, sizeof(r.object));
	pccx_strlcpy(r.outcome, outcome, sizeof(r.outcome));
	pccx_strlcpy(r.detail, detail, sizeof(r.detail));
	if (trace_audit_chan == NULL || (c = trace_audit_chan()) == NULL ||
	    audit_append(c, seq, &r) == -1) {
		log_warnx("trace %s/%s: audit row %s not sent", project,
		    object, action);
		return -1;
	}
	trace_wire->commit(c);
	return 0;
}

static uint32_t
trace_audit_next(void)
{
	trace_audit_seq = (trace_audit_seq + 1) & ~TRACE_AUDIT_BIT;
	return trace_audit_seq | TRACE_AUDIT_BIT;
}

/* A row after the fact: nothing waits for its ack. */
static void
trace_audit_after(const char *user, const char *project, const char *action,
    const char *object, const char *outcome, const char *detail)
{
	trace_audit(trace_audit_next(), user, project, action, object,
	    outcome, detail);
}

static void	trace_pends_expire(evutil_socket_t, short, void *);

/*
 * The timer of the first action waiting, the next to expire: every
 * one waits as long (the engine's audit_ms), so pends is in deadline
 * order.
 */
static void
trace_pends_arm(void)
{
	struct tpend	*t;
	struct timeval	 tv;
	uint64_t	 now, left;

	if ((t = TAILQ_FIRST(&pends)) == NULL) {
		if (ev_pends != NULL)
			evtimer_del(ev_pends);
		return;
	}
	if (ev_pends == NULL && (ev_pends = evtimer_new(trace_base,
	    trace_pends_expire, NULL)) == NULL)
		fatalx("trace: evtimer_new");
	now = sess_now_us();
	left = t->deadline > now ? t->deadline - now : 0;
	tv.tv_sec = left / 1000000;
	tv.tv_usec = left % 1000000;
	evtimer_add(ev_pends, &tv);
}

/* Refuse a held action: nothing of it is done or stored. */
static void
trace_refuse(struct tpend *t, const char *why)
{
	log_warnx("trace %s/%s: %s, refused", t->p.project,
	    t->p.id[0] ? t->p.id : t->p.name, why);
	trace_error(t->reqid, SESSION_E_AUDIT, "the audit daemon cannot "
	    "record this");
	if (t->fd != -1)
		close(t->fd);
}

/* Actions whose row the audit daemon has not answered in time. */
static void
trace_pends_expire(evutil_socket_t fd, short ev, void *arg)
{
	struct tpend	*t;
	uint64_t	 now = sess_now_us();

	while ((t = TAILQ_FIRST(&pends)) != NULL && t->deadline <= now) {
		TAILQ_REMOVE(&pends, t, entry);
		npends--;
		trace_refuse(t, "the audit daemon did not answer");
		free(t);
	}
	trace_pends_arm();
}

/*
 * Record the action before it happens: it waits in pends for the ack,
 * as long as the session engine waits for its own rows (audit_ms), and
 * is refused with SESSION_E_AUDIT when no ack comes by then; a late
 * ack finds nothing.  0, or -1 after an ERROR (fd then still the
 * caller's).  TRACE_MAXPENDS bounds how many wait.
 */
static int
trace_hold(uint32_t reqid, enum trace_act act,
    const struct p_session_trace *p, int fd, const char *action,
    const char *object, const char *detail)
{
	struct tpend	*t;

	if (npends >= TRACE_MAXPENDS || (t = calloc(1, sizeof(*t))) == NULL) {
		trace_error(reqid, SESSION_E_INTERNAL, "too busy, try later");
		return -1;
	}
	t->seq = trace_audit_next();
	t->act = act;
	t->reqid = reqid;
	t->p = *p;
	t->fd = fd;
	t->front = -1;
	if (trace_audit(t->seq, p->user, p->project, action, object, "allow",
	    detail) == -1) {
		free(t);
		trace_error(reqid, SESSION_E_AUDIT,
		    "the audit daemon cannot record this");
		return -1;
	}
	t->deadline = sess_now_us() + (uint64_t)(eng.audit_ms != 0 ?
	    eng.audit_ms : SESS_AUDIT_MS) * 1000;
	TAILQ_INSERT_TAIL(&pends, t, entry);
	npends++;
	if (TAILQ_FIRST(&pends) == t)
		trace_pends_arm();
	return 0;
}

/* The audit daemon's answer: go ahead, or refuse. */
static void
trace_release(struct tpend *t, int acked)
{
	if (!acked) {
		trace_refuse(t, "the audit daemon refused the row");
		return;
	}
	switch (t->act) {
	case TRACE_ACT_PUT:
		trace_put_go(t->reqid, &t->p, t->fd, t->front,
		    t->front_size);
		break;
	case TRACE_ACT_DEL:
		trace_del_go(t->reqid, &t->p);
		break;
	case TRACE_ACT_REF:
		trace_ref_go(t->reqid, &t->p, t->fd);
		break;
	}
}

/* trace_audit_msg: see trace.h. */
int
trace_audit_msg(struct msg *m)
{
	struct tpend	*t;
	uint64_t	 seq;
	uint32_t	 why;
	int		 acked = m->hdr.type == MSG_AUDIT_ACK;

	if ((acked ? proto_get_audit_ack(m, &seq) :
	    proto_get_audit_nack(m, &why)) == -1)
		return -1;
	TAILQ_FOREACH(t, &pends, entry)
		if (t->seq == m->hdr.peerid)
			break;
	if (t == NULL) {
		if (!acked)
			log_warnx("audit refused trace row %u (%u)",
			    m->hdr.peerid, why);
		return 0;
	}
	TAILQ_REMOVE(&pends, t, entry);
	npends--;
	trace_pends_arm();
	trace_release(t, acked);
	free(t);
	return 0;
}

/* Make a project's key on first use: temp file, then rename. */
static int
trace_key_make(const char *name, struct age_identity *id)
{
	char	tmp[NAME_MAX + 8], line[AGE_IDENTITY_STRLEN + 1];
	int	fd, rv = -1;

	if (age_keygen(id) == -1 ||
	    age_identity_encode(id, line, sizeof(line) - 1) == -1)
		return -1;
	line[strlen(line) + 1] = '\0';
	line[strlen(line)] = '\n';
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	unlinkat(keys_fd, tmp, 0);
	if ((fd = openat(keys_fd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		goto wipe;
	if (write(fd, line, strlen(line)) == (ssize_t)strlen(line) &&
	    fsync(fd) == 0 && renameat(keys_fd, tmp, keys_fd, name) == 0)
		rv = 0;
	close(fd);
	if (rv == -1)
		unlinkat(keys_fd, tmp, 0);
 wipe:
	sodium_memzero(line, sizeof(line));
	return rv;
}

/*
 * trace_key: the project's identity from keys/<project>.key, made on
 * first use.  The file must be root's and 0600.  0 or -1 logged.
 */
static int
trace_key(const char *project, struct age_identity *id)
{
	char		name[NAME_MAX], buf[512];
	struct stat	st;
	size_t		line;
	ssize_t		n;
	int		fd, rv = -1;

	snprintf(name, sizeof(name), "%s.key", project);
	fd = openat(keys_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT) {
		if (trace_key_make(name, id) == -1) {
			log_warn("trace: key of %s", project);
			return -1;
		}
		log_info("trace: key of project %s made", project);
		return 0;
	}
	if (fd == -1 || fstat(fd, &st) == -1) {
		log_warn("trace: key of %s", project);
		goto out;
	}
	if (st.st_uid != 0 || (st.st_mode & 077) != 0) {
		log_warnx("trace: key of %s: not root's 0600", project);
		goto out;
	}
	if ((n = read(fd, buf, sizeof(buf))) <= 0 ||
	    age_identity_file_parse(buf, n, id, 1, &line) != 1)
		log_warnx("trace: key of %s: malformed", project);
	else
		rv = 0;
 out:
	sodium_memzero(buf, sizeof(buf));
	if (fd != -1)
		close(fd);
	return rv;
}

/* traces/<project> or refs/<project>, made if create is set. */
static int
trace_projdir(int base, const char *project, int create)
{
	if (create && mkdirat(base, project, 0700) == -1 && errno != EEXIST)
		return -1;
	return openat(base, project, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
}

/* Start <id><suffix> as ".<id><suffix>.tmp" encrypted to r. */
static int
tout_open(struct tout *t, int dirfd, const char *id, int kind,
    const struct age_recipient *r)
{
	snprintf(t->name, sizeof(t->name), "%s%s", id, trace_suffix[kind]);
	snprintf(t->tmp, sizeof(t->tmp), ".%s.tmp", t->name);
	t->enc = NULL;
	if ((t->fd = openat(dirfd, t->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		return -1;
	if ((t->enc = age_enc_new(r, 1, age_out_fd, &t->fd, NULL)) == NULL) {
		tout_abort(t, dirfd);
		return -1;
	}
	return 0;
}

static void
tout_abort(struct tout *t, int dirfd)
{
	age_enc_free(t->enc);
	t->enc = NULL;
	if (t->fd != -1) {
		close(t->fd);
		unlinkat(dirfd, t->tmp, 0);
	}
	t->fd = -1;
}

/* Seal, sync and close; the rename is the caller's.  0 or -1. */
static int
tout_commit(struct tout *t, int dirfd)
{
	int	rv = 0;

	if (age_enc_final(t->enc) == -1 || fsync(t->fd) == -1)
		rv = -1;
	age_enc_free(t->enc);
	t->enc = NULL;
	if (close(t->fd) == -1)
		rv = -1;
	t->fd = -1;
	if (rv == -1)
		unlinkat(dirfd, t->tmp, 0);
	return rv;
}

/*
 * trace_put: an upload, once its row is durable.  The worker gets the
 * body through a pipe the daemon fills as it reads, and writes the
 * verdict straight into the pipe whose read end goes to the front end;
 * the daemon keeps a copy of the write end for the last line.
 */
void
trace_put(uint32_t reqid, const struct p_session_trace *p, int body)
{
	char	detail[256];

	if (!trace_may(reqid, p, ROLE_MAINTAINER)) {
		close(body);
		return;
	}
	snprintf(detail, sizeof(detail), "{\"reference\":\"%s\","
	    "\"declared\":%llu,\"cap\":%llu}", p->name,
	    (unsigned long long)p->size, (unsigned long long)p->cap);
	if (trace_hold(reqid, TRACE_ACT_PUT, p, body, "trace.upload", p->id,
	    detail) == -1)
		close(body);
}

/* An upload that could not start: an ERROR, and a row to say why. */
static void
trace_put_refuse(uint32_t reqid, const struct p_session_trace *p, int code,
    const char *why)
{
	char	detail[128];

	snprintf(detail, sizeof(detail), "{\"bytes\":0,\"reason\":\"%s\"}",
	    why);
	trace_audit_after(p->user, p->project, "trace.store", p->id, "fail",
	    detail);
	trace_error(reqid, code, why);
}

/* Start the upload the audit daemon has recorded. */
static void
trace_put_go(uint32_t reqid, const struct p_session_trace *p, int body,
    int front, uint64_t front_size)
{
	struct age_identity	 id;
	struct p_session_trace	 r;
	struct upload		*u;
	struct stat		 st;
	char			 name[NAME_MAX];
	int			 ref = -1, vfd = -1, k;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		goto fail;
	memcpy(u->project, p->project, sizeof(u->project));
	memcpy(u->id, p->id, sizeof(u->id));
	u->body = u->tow = u->rep = u->vout = u->dirfd = -1;
	u->kind = -1;
	u->size = p->size;
	u->cap = p->cap;
	u->front = front;
	u->front_size = front_size;
	memcpy(u->user, p->user, sizeof(u->user));
	for (k = 0; k < TRACE_NKINDS; k++)
		u->out[k].fd = -1;
	if (trace_key(p->project, &id) == -1)
		goto fail;
	age_identity_recipient(&id, &u->rcpt);
	sodium_memzero(&id, sizeof(id));
	if ((u->dirfd = trace_projdir(traces_fd, p->project, 1)) == -1)
		goto fail;
	snprintf(name, sizeof(name), "%s%s", p->id, trace_suffix[0]);
	if (fstatat(u->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		trace_put_refuse(reqid, p, SESSION_E_ARGS, "trace id in use");
		up_free(u);
		close(body);
		return;
	}
	if (p->name[0] != '\0' && (ref = trace_ref_open(p)) == -1) {
		trace_put_refuse(reqid, p, SESSION_E_ARGS,
		    "no such reference");
		up_free(u);
		close(body);
		return;
	}
	if (tout_open(&u->out[0], u->dirfd, u->id, 0, &u->rcpt) == -1 ||
	    (vfd = up_start(u, ref, body)) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(&uploads, u, entry);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, p->id, sizeof(r.id));
	trace_send(MSG_SESSION_TRACE_STREAM, reqid, vfd, &r);
	log_info("trace %s/%s: upload by %s started, worker %d", u->project,
	    u->id, u->user, (int)u->pid);
	if (u->front > SESSION_TE_OK)
		up_fail(u, "the front end abandoned the upload");
	return;
 fail:
	log_warn("trace %s/%s: upload", p->project, p->id);
	trace_put_refuse(reqid, p, SESSION_E_INTERNAL,
	    "cannot start the upload");
	if (ref != -1)
		close(ref);
	if (u != NULL)
		up_free(u);
	close(body);
}

/* Pipes, the worker, events; the verdict's read end, or -1. */
static int
up_start(struct upload *u, int ref, int body)
{
	int	in[2], v[2], r[2];
	rlim_t	as = trace_as_limit();

	if (pipe2(in, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(v, O_CLOEXEC) == -1)
		goto close_in;
	if (pipe2(r, O_CLOEXEC) == -1)
		goto close_v;
	if ((u->pid = fork()) == -1)
		goto close_r;
	if (u->pid == 0)
		trace_worker_run(in[0], v[1], r[1], ref, 0, as);
	close(in[0]);
	close(r[1]);
	if (ref != -1)
		close(ref);
	u->body = body;
	u->tow = in[1];
	u->rep = r[0];
	u->vout = v[1];
	if (fd_nonblock(u->tow) == -1 || fd_nonblock(u->rep) == -1 ||
	    fd_nonblock(body) == -1 ||
	    (u->ev_body = event_new(trace_base, body, EV_READ | EV_PERSIST,
	    up_on_body, u)) == NULL ||
	    (u->ev_tow = event_new(trace_base, u->tow, EV_WRITE,
	    up_on_tow, u)) == NULL ||
	    (u->ev_rep = event_new(trace_base, u->rep, EV_READ | EV_PERSIST,
	    up_on_rep, u)) == NULL)
		fatalx("trace: cannot watch an upload");
	event_add(u->ev_body, NULL);
	event_add(u->ev_rep, NULL);
	return v[0];
 close_r:
	close(r[0]);
	close(r[1]);
 close_v:
	close(v[0]);
	close(v[1]);
 close_in:
	close(in[0]);
	close(in[1]);
	return -1;
}

static void
up_free(struct upload *u)
{
	int	k;

	for (k = 0; k < TRACE_NKINDS; k++)
		tout_abort(&u->out[k], u->dirfd);
	if (u->ev_body != NULL)
		event_free(u->ev_body);
	if (u->ev_tow != NULL)
		event_free(u->ev_tow);
	if (u->ev_rep != NULL)
		event_free(u->ev_rep);
	if (u->body != -1)
		close(u->body);
	if (u->tow != -1)
		close(u->tow);
	if (u->rep != -1)
		close(u->rep);
	if (u->vout != -1)
		close(u->vout);
	if (u->dirfd != -1)
		close(u->dirfd);
	free(u);
}

/* Hand what was read to the worker; stop reading while it lags. */
static void
up_push(struct upload *u)
{
	ssize_t	n;

	while (u->off < u->len) {
		n = write(u->tow, u->buf + u->off, u->len - u->off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			event_del(u->ev_body);
			event_add(u->ev_tow, NULL);
			return;
		}
		if (n == -1) {
			/* the worker is gone; its status says why */
			up_stop_body(u);
			return;
		}
		u->off += n;
	}
	u->off = u->len = 0;
	if (u->body != -1)
		event_add(u->ev_body, NULL);
}

static void
up_on_tow(evutil_socket_t fd, short ev, void *arg)
{
	up_push(arg);
}

static void
up_on_body(evutil_socket_t fd, short ev, void *arg)
{
	struct upload	*u = arg;
	ssize_t		 n;

	if ((n = read(u->body, u->buf, sizeof(u->buf))) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			up_fail(u, "upload read error");
		return;
	}
	if (n == 0) {
		u->body_eof = 1;
		up_stop_body(u);
		return;
	}
	u->bytes += n;
	if (u->bytes > u->cap) {
		up_fail(u, "upload over the size cap");
		return;
	}
	if (u->size != 0 && u->bytes > u->size) {
		up_fail(u, "upload longer than declared");
		return;
	}
	if (age_enc_update(u->out[0].enc, u->buf, n) == -1) {
		up_fail(u, "cannot store the trace");
		return;
	}
	u->len = n;
	u->off = 0;
	up_push(u);
}

/* No more body: the worker sees the end of its input. */
static void
up_stop_body(struct upload *u)
{
	event_del(u->ev_body);
	event_del(u->ev_tow);
	if (u->body != -1)
		close(u->body);
	if (u->tow != -1)
		close(u->tow);
	u->body = u->tow = -1;
}

/* The first reason wins; the worker is killed, its end still awaited. */
static void
up_fail(struct upload *u, const char *why)
{
	if (u->why == NULL)
		u->why = why;
	up_stop_body(u);
	if (u->pid > 0)
		kill(u->pid, SIGKILL);
}

/* A report record's header is whole: start its file.  0 or -1. */
static int
up_report_start(struct upload *u)
{
	uint64_t	len;

	u->kind = u->hdr[0];
	memcpy(&len, u->hdr + 1, sizeof(len));
	u->hlen = 0;
	if (u->kind < SESSION_TK_JSON || u->kind > SESSION_TK_MAX ||
	    u->out[u->kind].enc != NULL || len > TRACE_REPORT_MAX)
		return -1;
	u->left = len;
	if (tout_open(&u->out[u->kind], u->dirfd, u->id, u->kind,
	    &u->rcpt) == -1)
		return -1;
	if (u->left == 0)
		u->kind = -1;
	return 0;
}

/* Keep the start of the JSON report, which opens with the verdict. */
static void
up_keep_head(struct upload *u, const uint8_t *p, size_t n)
{
	size_t	room = sizeof(u->jhead) - 1 - u->jlen;

	if (n > room)
		n = room;
	memcpy(u->jhead + u->jlen, p, n);
	u->jlen += n;
	u->jhead[u->jlen] = '\0';
}

/* The verdict the JSON report opens with, for the audit row. */
static const char *
up_verdict(const struct upload *u)
{
	if (strncmp(u->jhead, "{\"verdict\":\"pass\"", 17) == 0)
		return "pass";
	if (strncmp(u->jhead, "{\"verdict\":\"fail\"", 17) == 0)
		return "fail";
	return "none";
}

/* Take bytes of the report stream (trace.h); -1 if it is malformed. */
static int
up_report(struct upload *u, const uint8_t *p, size_t n)
{
	size_t	take;

	while (n > 0) {
		if (u->end != 0)
			return -1;
		if (u->kind == -1 && u->hlen == 0 &&
		    (p[0] == TRACE_REP_DONE || p[0] == TRACE_REP_SHORT)) {
			u->end = p[0];
			p++, n--;
			continue;
		}
		if (u->kind == -1) {
			u->hdr[u->hlen++] = *p++;
			n--;
			if (u->hlen == TRACE_REP_HDR &&
			    up_report_start(u) == -1)
				return -1;
			continue;
		}
		take = n < u->left ? n : u->left;
		if (age_enc_update(u->out[u->kind].enc, p, take) == -1)
			return -1;
		if (u->kind == SESSION_TK_JSON)
			up_keep_head(u, p, take);
		p += take;
		n -= take;
		if ((u->left -= take) == 0)
			u->kind = -1;
	}
	return 0;
}

static void
up_on_rep(evutil_socket_t fd, short ev, void *arg)
{
	struct upload	*u = arg;
	uint8_t		 buf[TRACE_BUFSZ];
	ssize_t		 n;

	if ((n = read(u->rep, buf, sizeof(buf))) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			up_fail(u, "cannot read the reports");
		return;
	}
	if (n == 0) {
		up_finish(u);
		return;
	}
	if (u->why == NULL && up_report(u, buf, n) == -1)
		up_fail(u, "the worker broke the report stream");
}

/* Rename the reports, then the trace, which makes it listed. */
static int
up_commit(struct upload *u)
{
	int	k, rv = 0;

	for (k = 0; k < TRACE_NKINDS; k++)
		if (tout_commit(&u->out[k], u->dirfd) == -1)
			rv = -1;
	for (k = TRACE_NKINDS - 1; rv == 0 && k >= 0; k--)
		if (renameat(u->dirfd, u->out[k].tmp, u->dirfd,
		    u->out[k].name) == -1)
			rv = -1;
	if (rv == -1) {
		for (k = 0; k < TRACE_NKINDS; k++) {
			unlinkat(u->dirfd, u->out[k].tmp, 0);
			unlinkat(u->dirfd, u->out[k].name, 0);
		}
	}
	return rv;
}

/* Why the front end gave an upload up. */
static const char *
up_front_why(int kind)
{
	switch (kind) {
	case SESSION_TE_GONE:
		return "the client went away";
	case SESSION_TE_DIGEST:
		return "the body does not match its Content-Digest";
	}
	return "the front end refused the body";
}

/* Why the upload cannot be kept, from the worker's status; or NULL. */
static const char *
up_judge(struct upload *u, int st)
{
	int	k;

	if (u->why != NULL)
		return u->why;
	if (u->front != SESSION_TE_OK)
		return up_front_why(u->front);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 2)
		return WIFEXITED(st) ? "bad reference" : "the worker died";
	if (WEXITSTATUS(st) != 0 || !u->body_eof)
		return "the worker failed";
	if (u->end == TRACE_REP_SHORT)
		return "upload incomplete: the trace ends early";
	if ((u->size != 0 && u->bytes != u->size) ||
	    u->front_size != u->bytes)
		return "upload truncated";
	if (u->end != TRACE_REP_DONE || u->kind != -1)
		return "the worker broke the report stream";
	for (k = 0; k < TRACE_NKINDS; k++)
		if (u->out[k].enc == NULL)
			return "a report is missing";
	return NULL;
}

/*
 * The worker closed its report stream: reap it.  The upload is judged
 * once the front end has said how the body ended, or at once when it
 * has already failed.
 */
static void
up_finish(struct upload *u)
{
	int	st = 0;

	up_stop_body(u);
	event_del(u->ev_rep);
	while (waitpid(u->pid, &st, 0) == -1 && errno == EINTR)
		;
	u->pid = -1;
	u->status = st;
	u->rep_eof = 1;
	if (u->front != -1 || u->why != NULL)
		up_done(u);
}

/* The last line of the verdict, without blocking on a full pipe. */
static void
up_last_line(struct upload *u, const char *line)
{
	if (fd_nonblock(u->vout) == -1 ||
	    write(u->vout, line, strlen(line)) != (ssize_t)strlen(line))
		log_warnx("trace %s/%s: last verdict line not delivered",
		    u->project, u->id);
}

/* Keep or throw away, say so on the verdict stream and to the audit. */
static void
up_done(struct upload *u)
{
	const char	*why;
	char		 line[256], detail[256];
	int		 k;

	if ((why = up_judge(u, u->status)) == NULL && up_commit(u) == -1)
		why = "cannot store the trace";
	if (why != NULL) {
		for (k = 0; k < TRACE_NKINDS; k++)
			tout_abort(&u->out[k], u->dirfd);
		snprintf(line, sizeof(line), "{\"event\":\"error\","
		    "\"reason\":\"%s\",\"id\":\"%s\"}\n", why, u->id);
		log_warnx("trace %s/%s: not stored: %s (worker status %#x)",
		    u->project, u->id, why, u->status);
	} else {
		snprintf(line, sizeof(line), "{\"event\":\"stored\","
		    "\"id\":\"%s\",\"bytes\":%llu}\n", u->id,
		    (unsigned long long)u->bytes);
		log_info("trace %s/%s: stored, %llu bytes", u->project,
		    u->id, (unsigned long long)u->bytes);
	}
	snprintf(detail, sizeof(detail), "{\"bytes\":%llu,\"verdict\":"
	    "\"%s\",\"reason\":\"%s\"}", (unsigned long long)u->bytes,
	    why ? "none" : up_verdict(u), why ? why : "stored");
	trace_audit_after(u->user, u->project, "trace.store", u->id,
	    why ? "fail" : "ok", detail);
	up_last_line(u, line);
	TAILQ_REMOVE(&uploads, u, entry);
	up_free(u);
}

/* trace_end: see trace.h. */
void
trace_end(uint32_t reqid, const struct p_session_trace *p)
{
	struct upload	*u;
	struct tpend	*t;

	TAILQ_FOREACH(u, &uploads, entry)
		if (strcmp(u->id, p->id) == 0 &&
		    strcmp(u->project, p->project) == 0 &&
		    strcmp(u->user, p->user) == 0)
			break;
	if (u == NULL) {
		TAILQ_FOREACH(t, &pends, entry)
			if (t->act == TRACE_ACT_PUT &&
			    strcmp(t->p.id, p->id) == 0 &&
			    strcmp(t->p.project, p->project) == 0) {
				t->front = p->kind;
				t->front_size = p->size;
				return;
			}
		log_debug("trace %s/%s: end of an upload not running",
		    p->project, p->id);
		return;
	}
	if (u->front != -1)
		return;
	u->front = p->kind;
	u->front_size = p->size;
	if (p->kind != SESSION_TE_OK)
		up_fail(u, up_front_why(p->kind));
	if (u->rep_eof)
		up_done(u);
}

/* One ROW for a stored trace named name in dirfd; 0 if not one. */
static int
trace_row(uint32_t reqid, int dirfd, const char *name)
{
	struct p_session_trace	r;
	struct stat		st;
	char			f[NAME_MAX];
	size_t			len = strlen(name);
	int			k;

	if (len != SESSION_UUIDLEN + strlen(trace_suffix[0]) ||
	    strcmp(name + SESSION_UUIDLEN, trace_suffix[0]) != 0)
		return 0;
	memset(&r, 0, sizeof(r));
	memcpy(r.id, name, SESSION_UUIDLEN);
	if (!proto_session_uuid_ok(r.id) ||
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	r.size = st.st_size;
	for (k = 0; k < TRACE_NKINDS; k++) {
		snprintf(f, sizeof(f), "%s%s", r.id, trace_suffix[k]);
		if (fstatat(dirfd, f, &st, AT_SYMLINK_NOFOLLOW) == 0)
			r.kinds |= 1 << k;
	}
	trace_send(MSG_SESSION_TRACE_ROW, reqid, -1, &r);
	return 1;
}

/*
 * trace_list: a ROW per stored trace of the project, then LIST_END.
 * A project with nothing stored has no rows.
 */
void
trace_list(uint32_t reqid, const struct p_session_trace *p)
{
	struct p_session_count	 cnt;
	struct dirent		*de;
	struct chan		*c;
	DIR			*d;
	int			 fd;

	if (!trace_may(reqid, p, ROLE_VIEWER))
		return;
	cnt.count = 0;
	if ((fd = trace_projdir(traces_fd, p->project, 0)) != -1) {
		if ((d = fdopendir(fd)) == NULL) {
			close(fd);
			trace_error(reqid, SESSION_E_INTERNAL, "cannot list");
			return;
		}
		while ((de = readdir(d)) != NULL)
			cnt.count += trace_row(reqid, dirfd(d), de->d_name);
		closedir(d);
	}
	if ((c = trace_chan()) == NULL ||
	    proto_send_session_list_end(c, reqid, &cnt) == -1) {
		log_warnx("trace: cannot end a list");
		return;
	}
	trace_wire->commit(c);
}

/*
 * In a grandchild of the daemon: keep the file and the pipe alone,
 * give up uid 0 (and so every capability), decrypt fd into out.
 */
static void __attribute__((noreturn))
trace_stream(int fd, int out, const struct age_identity *id)
{
	struct age_dec	*d;
	uint8_t		 buf[TRACE_BUFSZ];
	ssize_t		 n;
	uid_t		 nobody = TRACE_WORKER_UID;

	if (dup2(fd, TRACE_FD_HIGH) == -1 ||
	    dup2(out, TRACE_FD_HIGH + 1) == -1)
		_exit(1);
	fd = TRACE_FD_HIGH;
	out = TRACE_FD_HIGH + 1;
	if (syscall(SYS_close_range, 3, TRACE_FD_HIGH - 1, 0) == -1 ||
	    syscall(SYS_close_range, TRACE_FD_HIGH + 2, ~0U, 0) == -1 ||
	    setgroups(0, NULL) == -1 ||
	    setresgid(nobody, nobody, nobody) == -1 ||
	    setresuid(nobody, nobody, nobody) == -1)
		_exit(1);
	if ((d = age_dec_new(id, 1, age_out_fd, &out)) == NULL)
		_exit(1);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (age_dec_update(d, buf, n) == -1)
			_exit(1);
	if (n == -1 || age_dec_final(d) == -1)
		_exit(1);
	_exit(0);
}

/*
 * Fork a streamer that outlives a quickly reaped child, so nothing
 * is left to reap.  Returns the pipe's read end, or -1.  A file that
 * fails to authenticate half way ends the stream early: the reader
 * knows the length to expect (trace_get).
 * XXX: a reader that never reads keeps its streamer blocked until it
 * closes the pipe (the front end does when its client goes).
 */
static int
trace_stream_start(int fd, const struct age_identity *id)
{
	pid_t	pid;
	int	p[2], st;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		if (fork() == 0) {
			close(p[0]);
			trace_stream(fd, p[1], id);
		}
		_exit(0);
	}
	close(p[1]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return p[0];
}

/*
 * The plaintext length of the age file fd, from its size: after the
 * header (its last line starts "---") a 16-byte nonce, then chunks of
 * AGE_CHUNK_LEN bytes each with a tag, the last one shorter.  -1 when
 * it cannot be an age file.
 */
static int64_t
trace_plain_len(int fd)
{
	static char	 buf[AGE_HEADER_MAX];
	struct stat	 st;
	ssize_t		 n;
	uint64_t	 p, chunks;
	char		*m, *e;

	if (fstat(fd, &st) == -1 || (n = pread(fd, buf, sizeof(buf) - 1,
	    0)) <= 0)
		return -1;
	buf[n] = '\0';
	if ((m = memmem(buf, n, "\n--- ", 5)) == NULL ||
	    (e = memchr(m + 1, '\n', buf + n - (m + 1))) == NULL ||
	    (uint64_t)st.st_size < (uint64_t)(e + 1 - buf) + 16 + AGE_TAG_LEN)
		return -1;
	p = st.st_size - (e + 1 - buf) - 16;
	chunks = (p + AGE_CHUNK_LEN + AGE_TAG_LEN - 1) /
	    (AGE_CHUNK_LEN + AGE_TAG_LEN);
	return p - chunks * AGE_TAG_LEN;
}

/*
 * trace_get: a DATA with the plaintext of one stored kind; its size is
 * the plaintext's length, so that a stream that ends short of it (the
 * file failed to authenticate) can be told from a whole one.
 */
void
trace_get(uint32_t reqid, const struct p_session_trace *p)
{
	struct p_session_trace	r;
	struct age_identity	id;
	char			name[NAME_MAX];
	int64_t			len = -1;
	int			dfd, fd = -1, out = -1;

	if (!trace_may(reqid, p, ROLE_VIEWER))
		return;
	snprintf(name, sizeof(name), "%s%s", p->id, trace_suffix[p->kind]);
	if ((dfd = trace_projdir(traces_fd, p->project, 0)) != -1) {
		fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		close(dfd);
	}
	if (fd == -1) {
		trace_error(reqid, SESSION_E_NOSESSION, "no such trace");
		return;
	}
	if ((len = trace_plain_len(fd)) == -1)
		log_warnx("trace %s/%s: not an age file", p->project, name);
	else if (trace_key(p->project, &id) == 0) {
		out = trace_stream_start(fd, &id);
		sodium_memzero(&id, sizeof(id));
	}
	close(fd);
	if (out == -1) {
		trace_error(reqid, SESSION_E_INTERNAL, "cannot read the trace");
		return;
	}
	memset(&r, 0, sizeof(r));
	memcpy(r.id, p->id, sizeof(r.id));
	r.kind = p->kind;
	r.size = len;
	trace_send(MSG_SESSION_TRACE_DATA, reqid, out, &r);
}

/* trace_del: remove a trace and its reports; DONE, or an ERROR. */
void
trace_del(uint32_t reqid, const struct p_session_trace *p)
{
	if (trace_may(reqid, p, ROLE_OWNER))
		trace_hold(reqid, TRACE_ACT_DEL, p, -1, "trace.delete", p->id,
		    "{}");
}

/* The delete the audit daemon has recorded. */
static void
trace_del_go(uint32_t reqid, const struct p_session_trace *p)
{
	struct p_session_trace	r;
	char			name[NAME_MAX];
	int			dfd, k, gone = 0;

	if ((dfd = trace_projdir(traces_fd, p->project, 0)) != -1) {
		/* the trace last, so that a failure leaves it listed */
		for (k = TRACE_NKINDS - 1; k >= 0; k--) {
			snprintf(name, sizeof(name), "%s%s", p->id,
			    trace_suffix[k]);
			if (unlinkat(dfd, name, 0) == 0 && k == 0)
				gone = 1;
		}
		close(dfd);
	}
	trace_audit_after(p->user, p->project, "trace.deleted", p->id,
	    gone ? "ok" : "fail", gone ? "{}" :
	    "{\"reason\":\"no such trace\"}");
	if (!gone) {
		trace_error(reqid, SESSION_E_NOSESSION, "no such trace");
		return;
	}
	log_info("trace %s/%s: deleted by %s", p->project, p->id, p->user);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, p->id, sizeof(r.id));
	trace_send(MSG_SESSION_TRACE_DONE, reqid, -1, &r);
}

/* refs/<project>/<name>.jsonl, open for reading, or -1. */
static int
trace_ref_open(const struct p_session_trace *p)
{
	char	name[NAME_MAX];
	int	dfd, fd;

	snprintf(name, sizeof(name), "%s.jsonl", p->name);
	if ((dfd = trace_projdir(refs_fd, p->project, 0)) == -1)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	close(dfd);
	return fd;
}

/*
 * trace_ref_put: read a reference (at most TRACE_REF_MAX bytes), have
 * a worker load it with golden_load, and keep it as
 * refs/<project>/<name>.jsonl, in the clear: it holds expected counts,
 * not traces.  DONE, or an ERROR.
 */
void
trace_ref_put(uint32_t reqid, const struct p_session_trace *p, int fd)
{
	if (!trace_may(reqid, p, ROLE_MAINTAINER) ||
	    trace_hold(reqid, TRACE_ACT_REF, p, fd, "reference.write",
	    p->name, "{}") == -1)
		close(fd);
}

/* Read the reference the audit daemon has recorded. */
static void
trace_ref_go(uint32_t reqid, const struct p_session_trace *p, int fd)
{
	struct refput	*rp;

	if ((rp = calloc(1, sizeof(*rp))) == NULL ||
	    (rp->buf = malloc(TRACE_REF_MAX)) == NULL ||
	    fd_nonblock(fd) == -1 ||
	    (rp->ev = event_new(trace_base, fd, EV_READ | EV_PERSIST,
	    ref_on_read, rp)) == NULL) {
		if (rp != NULL)
			free(rp->buf);
		free(rp);
		close(fd);
		trace_error(reqid, SESSION_E_INTERNAL, "out of memory");
		return;
	}
	rp->reqid = reqid;
	rp->fd = fd;
	memcpy(rp->project, p->project, sizeof(rp->project));
	memcpy(rp->name, p->name, sizeof(rp->name));
	memcpy(rp->user, p->user, sizeof(rp->user));
	event_add(rp->ev, NULL);
}

static void
ref_free(struct refput *rp)
{
	event_free(rp->ev);
	close(rp->fd);
	free(rp->buf);
	free(rp);
}

static void
ref_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct refput	*rp = arg;
	ssize_t		 n;

	n = read(rp->fd, rp->buf + rp->len, TRACE_REF_MAX - rp->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		trace_error(rp->reqid, SESSION_E_INTERNAL, "read error");
		ref_free(rp);
		return;
	}
	if (n == 0) {
		ref_done(rp);
		ref_free(rp);
		return;
	}
	if ((rp->len += n) == TRACE_REF_MAX) {
		trace_error(rp->reqid, SESSION_E_ARGS, "reference too large");
		ref_free(rp);
	}
}

/* Have a worker load the temp file; 0 if golden_load took it. */
static int
ref_check(int fd)
{
	rlim_t	as = trace_as_limit();
	pid_t	pid;
	int	st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		trace_worker_run(-1, -1, -1, fd, 1, as);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The whole reference is in: write, check, rename. */
static void
ref_done(struct refput *rp)
{
	struct p_session_trace	r;
	char			tmp[NAME_MAX + 8], name[NAME_MAX];
	int			dfd, fd = -1, ok = 0;

	snprintf(name, sizeof(name), "%s.jsonl", rp->name);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if ((dfd = trace_projdir(refs_fd, rp->project, 1)) == -1) {
		trace_error(rp->reqid, SESSION_E_INTERNAL, "cannot store");
		return;
	}
	unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) != -1 &&
	    write(fd, rp->buf, rp->len) == (ssize_t)rp->len &&
	    fsync(fd) == 0 && lseek(fd, 0, SEEK_SET) == 0) {
		if (ref_check(fd) == 0)
			ok = renameat(dfd, tmp, dfd, name) == 0 ? 1 : -1;
	} else
		ok = -1;
	if (fd != -1)
		close(fd);
	if (ok != 1)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	trace_audit_after(rp->user, rp->project, "reference.stored", rp->name,
	    ok == 1 ? "ok" : "fail", ok == 1 ? "{}" : ok == 0 ?
	    "{\"reason\":\"malformed\"}" : "{\"reason\":\"not stored\"}");
	if (ok == 0) {
		trace_error(rp->reqid, SESSION_E_ARGS, "malformed reference");
		return;
	}
	if (ok == -1) {
		trace_error(rp->reqid, SESSION_E_INTERNAL, "cannot store");
		return;
	}
	log_info("trace: reference %s/%s stored", rp->project, rp->name);
	memset(&r, 0, sizeof(r));
	trace_send(MSG_SESSION_TRACE_DONE, rp->reqid, -1, &r);
}
