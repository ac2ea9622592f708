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
#include <unistd.h>

#include <sodium.h>

#include "common/age.h"
#include "common/log.h"
#include "common/util.h"
#include "sessiond/front.h"
#include "sessiond/trace.h"

#define TRACE_BUFSZ	65536
#define TRACE_REPORT_MAX (256ULL * 1024 * 1024)	/* per report */
#define TRACE_NKINDS	(SESSION_TK_MAX + 1)

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
};

/* A reference being received. */
struct refput {
	uint32_t		 reqid;
	char			 project[PROTO_NAMEMAX];
	char			 name[PROTO_NAMEMAX];
	int			 fd;
	struct event		*ev;
	char			*buf;
	size_t			 len;
};

static const char *const trace_suffix[TRACE_NKINDS] = {
	".pccx.age", ".json.age", ".html.age", ".md.age"
};

static TAILQ_HEAD(, upload)	 uploads = TAILQ_HEAD_INITIALIZER(uploads);
static struct event_base	*trace_base;
static const struct session_wire *trace_wire;
static int			 traces_fd = -1, keys_fd = -1, refs_fd = -1;
static rlim_t			 trace_as;

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

/*
 * The worker's address space: what it starts with, and its own room.
 * XXX: measured once at start-up; a daemon grown by many sessions
 * since leaves its worker less than TRACE_WORKER_AS of room.
 */
static rlim_t
trace_as_limit(void)
{
	unsigned long	pages = 0;
	FILE		*fp;

	if ((fp = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(fp, "%lu", &pages) != 1)
			pages = 0;
		fclose(fp);
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
    const struct session_wire *wire)
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
	trace_as = trace_as_limit();
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
 * trace_put: start an upload.  The worker gets the body through a
 * pipe the daemon fills as it reads, and writes the verdict straight
 * into the pipe whose read end goes to the front end; the daemon keeps
 * a copy of the write end for the last line.
 * XXX: trace actions send no audit rows yet; the front end's request
 * is all that records them.
 */
void
trace_put(uint32_t reqid, const struct p_session_trace *p, int body)
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
		trace_error(reqid, SESSION_E_ARGS, "trace id in use");
		up_free(u);
		close(body);
		return;
	}
	if (p->name[0] != '\0' && (ref = trace_ref_open(p)) == -1) {
		trace_error(reqid, SESSION_E_ARGS, "no such reference");
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
	log_info("trace %s/%s: upload started, worker %d", u->project, u->id,
	    (int)u->pid);
	return;
 fail:
	log_warn("trace %s/%s: upload", p->project, p->id);
	trace_error(reqid, SESSION_E_INTERNAL, "cannot start the upload");
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

	if (pipe2(in, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(v, O_CLOEXEC) == -1)
		goto close_in;
	if (pipe2(r, O_CLOEXEC) == -1)
		goto close_v;
	if ((u->pid = fork()) == -1)
		goto close_r;
	if (u->pid == 0)
		trace_worker_run(in[0], v[1], r[1], ref, 0, trace_as);
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

/* Why the upload cannot be kept, from the worker's status; or NULL. */
static const char *
up_judge(struct upload *u, int st)
{
	int	k;

	if (u->why != NULL)
		return u->why;
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 2)
		return WIFEXITED(st) ? "bad reference" : "the worker died";
	if (WEXITSTATUS(st) != 0 || !u->body_eof)
		return "the worker failed";
	if (u->end == TRACE_REP_SHORT)
		return "upload incomplete: the trace ends early";
	if (u->size != 0 && u->bytes != u->size)
		return "upload truncated";
	if (u->end != TRACE_REP_DONE || u->kind != -1)
		return "the worker broke the report stream";
	for (k = 0; k < TRACE_NKINDS; k++)
		if (u->out[k].enc == NULL)
			return "a report is missing";
	return NULL;
}

/* The worker closed its report stream: reap it, keep or throw away. */
static void
up_finish(struct upload *u)
{
	const char	*why;
	char		 line[256];
	int		 st = 0, k;

	up_stop_body(u);
	event_del(u->ev_rep);
	while (waitpid(u->pid, &st, 0) == -1 && errno == EINTR)
		;
	u->pid = -1;
	if ((why = up_judge(u, st)) == NULL && up_commit(u) == -1)
		why = "cannot store the trace";
	if (why != NULL) {
		for (k = 0; k < TRACE_NKINDS; k++)
			tout_abort(&u->out[k], u->dirfd);
		snprintf(line, sizeof(line), "{\"event\":\"error\","
		    "\"reason\":\"%s\",\"id\":\"%s\"}\n", why, u->id);
		log_warnx("trace %s/%s: not stored: %s (worker status %#x)",
		    u->project, u->id, why, st);
	} else {
		snprintf(line, sizeof(line), "{\"event\":\"stored\","
		    "\"id\":\"%s\",\"bytes\":%llu}\n", u->id,
		    (unsigned long long)u->bytes);
		log_info("trace %s/%s: stored, %llu bytes", u->project,
		    u->id, (unsigned long long)u->bytes);
	}
	/* XXX: a blocking write; a front end that stopped reading a full
	 * verdict pipe would hold the daemon here */
	if (write(u->vout, line, strlen(line)) == -1)
		log_debug("trace %s: last line not delivered", u->id);
	TAILQ_REMOVE(&uploads, u, entry);
	up_free(u);
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
 * is left to reap.  Returns the pipe's read end, or -1.
 * XXX: a file that fails to authenticate half way ends the stream
 * early with nothing to say so; the files are the daemon's own.
 * XXX: a reader that never reads keeps its streamer blocked.
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

/* trace_get: a DATA with the plaintext of one stored kind. */
void
trace_get(uint32_t reqid, const struct p_session_trace *p)
{
	struct p_session_trace	r;
	struct age_identity	id;
	char			name[NAME_MAX];
	int			dfd, fd = -1, out = -1;

	snprintf(name, sizeof(name), "%s%s", p->id, trace_suffix[p->kind]);
	if ((dfd = trace_projdir(traces_fd, p->project, 0)) != -1) {
		fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		close(dfd);
	}
	if (fd == -1) {
		trace_error(reqid, SESSION_E_NOSESSION, "no such trace");
		return;
	}
	if (trace_key(p->project, &id) == 0) {
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
	trace_send(MSG_SESSION_TRACE_DATA, reqid, out, &r);
}

/* trace_del: remove a trace and its reports; DONE, or an ERROR. */
void
trace_del(uint32_t reqid, const struct p_session_trace *p)
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
	if (!gone) {
		trace_error(reqid, SESSION_E_NOSESSION, "no such trace");
		return;
	}
	log_info("trace %s/%s: deleted", p->project, p->id);
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
	pid_t	pid;
	int	st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		trace_worker_run(-1, -1, -1, fd, 1, trace_as);
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
