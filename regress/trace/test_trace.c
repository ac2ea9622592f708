/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Trace uploads through a confined session engine: verdict, store, sandbox. */

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/msg.h"
#include "common/util.h"
#include "common/wire.h"
#include "proto/audit.h"
#include "proto/session.h"
#include "regress/session/harness.h"
#include "sessiond/trace.h"

#define PROJ		"proj"
#define OWNER		"olga@example.com"
#define VIEWER		"vic@example.com"
#define CHUNK		16384
#define WAIT_MS		20000
/* how long the engine waits for an audit row's answer here */
#define T_AUDIT_MS	1000

static struct host	 H;
static char		 work[] = "/tmp/pccx-trace.XXXXXX";
static char		 state[256], tdir[384];
static uint8_t		*trace;
static size_t		 tracelen;
static uint32_t		 nuuid;
/* the audit daemon's answer to every row: ACK, or NACK when set */
static int		 t_nack;
/* no answer at all while set: the rows' ids wait in t_held */
static int		 t_silent;
static uint32_t		 t_held[16];
static int		 t_nheld;
static int		 t_rows_upload, t_rows_store_ok, t_rows_store_fail;

/* What one request got back. */
struct got {
	uint16_t		type;
	int			fd;
	int			rows;
	struct p_session_trace	p;
	uint32_t		code;	/* an ERROR's */
};

static void
mkuuid(char *buf)
{
	snprintf(buf, SESSION_IDSZ, "%08x-0000-4000-8000-%012x",
	    (unsigned)getpid(), ++nuuid);
}

/* Answer the rows the engine sent as the audit daemon would. */
static void
t_audit_pump(void)
{
	static struct p_audit_row	r;
	struct msg			m;

	while (chan_read(&H.audit) > 0)
		while (chan_get(&H.audit, &m) == MSG_OK) {
			if (m.hdr.type != MSG_AUDIT_APPEND ||
			    proto_get_audit_append(&m, &r) == -1)
				continue;
			if (strcmp(r.action, "trace.upload") == 0)
				t_rows_upload++;
			if (strcmp(r.action, "trace.store") == 0 &&
			    strcmp(r.outcome, "ok") == 0)
				t_rows_store_ok++;
			if (strcmp(r.action, "trace.store") == 0 &&
			    strcmp(r.outcome, "fail") == 0)
				t_rows_store_fail++;
			if (t_silent) {
				if (t_nheld < 16)
					t_held[t_nheld++] = m.hdr.peerid;
				continue;
			}
			if (t_nack)
				proto_send_audit_nack(&H.audit, m.hdr.peerid,
				    AUDIT_NACK_STORE);
			else
				proto_send_audit_ack(&H.audit, m.hdr.peerid,
				    1);
			msg_flush_wait(&H.audit);
		}
}

/* Wait for the reply to id; rows are counted until LIST_END. */
static int
t_wait(uint32_t id, struct got *g)
{
	struct p_session_error	e;
	struct pollfd	p[2];
	struct msg	m;
	uint64_t	end = now_mono_ms() + WAIT_MS;
	ssize_t		n;
	int		rv;

	memset(g, 0, sizeof(*g));
	g->fd = -1;
	for (;;) {
		while ((rv = chan_get(&H.front, &m)) == MSG_OK) {
			if (m.hdr.peerid != id)
				continue;
			if (m.hdr.type == MSG_SESSION_TRACE_ROW) {
				if (proto_get_session_trace(&m, &g->p) == -1)
					return -1;
				g->rows++;
				continue;
			}
			g->type = m.hdr.type;
			g->fd = m.fd;
			if (m.hdr.type == MSG_SESSION_ERROR) {
				if (proto_get_session_error(&m, &e) == -1)
					return -1;
				g->code = e.code;
			}
			if (m.hdr.type != MSG_SESSION_ERROR &&
			    m.hdr.type != MSG_SESSION_LIST_END &&
			    proto_get_session_trace(&m, &g->p) == -1)
				return -1;
			return 0;
		}
		if (rv != MSG_EMORE)
			return -1;
		p[0].fd = H.front.fd;
		p[1].fd = H.audit.fd;
		p[0].events = p[1].events = POLLIN;
		if (now_mono_ms() >= end ||
		    poll(p, 2, end - now_mono_ms()) <= 0)
			return -1;
		if (p[1].revents & POLLIN)
			t_audit_pump();
		if (!(p[0].revents & POLLIN))
			continue;
		if ((n = chan_read(&H.front)) <= 0 && !(n == -1 &&
		    errno == EAGAIN))
			return -1;
	}
}

static int
t_call(uint16_t type, const struct p_session_trace *p, int fd,
    struct got *g)
{
	uint32_t	id = ++H.next;

	if (proto_send_session_trace(&H.front, type, id, fd, p) == -1 ||
	    msg_flush_wait(&H.front) == -1)
		return -1;
	return t_wait(id, g);
}

/* Read what is there now (nonblocking) or, with all, to the end. */
static void
t_drain(int fd, char **buf, size_t *len, int all)
{
	char		tmp[65536];
	struct pollfd	p = { fd, POLLIN, 0 };
	ssize_t		n;

	for (;;) {
		if (poll(&p, 1, all ? WAIT_MS : 0) <= 0)
			return;
		if ((n = read(fd, tmp, sizeof(tmp))) <= 0)
			return;
		*buf = realloc(*buf, *len + n + 1);
		assert_non_null(*buf);
		memcpy(*buf + *len, tmp, n);
		*len += n;
		(*buf)[*len] = '\0';
	}
}

/* The engine's children running as the worker's uid. */
static pid_t
t_worker(void)
{
	char		 path[300], line[256];
	struct dirent	*de;
	DIR		*d;
	FILE		*fp;
	pid_t		 found = -1;
	int		 ppid, uid;

	assert_non_null(d = opendir("/proc"));
	while (found == -1 && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		ppid = uid = -1;
		while (fgets(line, sizeof(line), fp) != NULL) {
			sscanf(line, "PPid: %d", &ppid);
			sscanf(line, "Uid: %d", &uid);
		}
		fclose(fp);
		if (ppid == H.pid && uid == TRACE_WORKER_UID)
			found = atoi(de->d_name);
	}
	closedir(d);
	return found;
}

static int
t_has(const char *path, const char *text)
{
	char	buf[8192];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* Nothing in the project's trace dir names uuid, temp files included. */
static int
t_nothing(const char *uuid)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(tdir)) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, uuid) != NULL)
			n++;
	closedir(d);
	return n == 0;
}

/*
 * Upload len bytes of the trace, kill_at (if not 0) killing the
 * worker once that many are written; the verdict stream comes back.
 */
struct upload {
	size_t		 len, cap, declared, kill_at, status_at;
	char		 uuid[SESSION_IDSZ];
	const char	*ref;		/* reference name, or NULL */
	char		*out;
	size_t		 outlen;
	/* progress while bytes remained */
	int		 early;
	int		 confined;	/* the worker's status was right */
	uint8_t		 end_kind;	/* the END sent: SESSION_TE_* */
};

/* The front end's word on the body: sent bytes, and how it ended. */
static void
t_end(const char *uuid, size_t sent, uint8_t kind)
{
	struct p_session_trace	p;

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	memcpy(p.id, uuid, sizeof(p.id));
	p.size = sent;
	p.kind = kind;
	assert_int_equal(proto_send_session_trace(&H.front,
	    MSG_SESSION_TRACE_END, 0, -1, &p), 0);
	assert_int_equal(msg_flush_wait(&H.front), 0);
	t_audit_pump();
}

static void
t_check_worker(struct upload *u)
{
	char	path[64];
	pid_t	w;

	assert_true((w = t_worker()) > 0);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)w);
	u->confined = t_has(path, "Seccomp:\t2") &&
	    t_has(path, "CapEff:\t0000000000000000") &&
	    t_has(path, "NoNewPrivs:\t1");
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)w);
	u->confined = u->confined &&
	    t_has(path, "Max file size             0                    0") &&
	    t_has(path, "Max open files            8                    8") &&
	    t_has(path, "Max cpu time              30                   30") &&
	    t_has(path, "Max address space") &&
	    !t_has(path, "Max address space         unlimited");
}

static void
t_upload(struct upload *u)
{
	struct p_session_trace	p;
	struct got		g;
	size_t			off, n, sent = 0;
	int			pp[2];

	mkuuid(u->uuid);
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	memcpy(p.id, u->uuid, sizeof(p.id));
	p.size = u->declared;
	p.cap = u->cap;
	if (u->ref != NULL)
		pccx_strlcpy(p.name, u->ref, sizeof(p.name));
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(t_call(MSG_SESSION_TRACE_PUT, &p, pp[0], &g), 0);
	assert_int_equal(g.type, MSG_SESSION_TRACE_STREAM);
	assert_true(g.fd >= 0);
	assert_string_equal(g.p.id, u->uuid);
	for (off = 0; off < u->len; off += n) {
		n = u->len - off < CHUNK ? u->len - off : CHUNK;
		if (write(pp[1], trace + off, n) != (ssize_t)n)
			break;	/* the daemon stopped reading */
		sent += n;
		usleep(3000);
		t_drain(g.fd, &u->out, &u->outlen, 0);
		if (off + n < u->len && u->out != NULL &&
		    strstr(u->out, "\"event\":\"progress\"") != NULL)
			u->early = 1;
		if (u->status_at && off + n >= u->status_at &&
		    !u->confined) {
			usleep(20000);
			t_check_worker(u);
		}
		if (u->kill_at && off + n >= u->kill_at) {
			usleep(20000);
			assert_int_equal(kill(t_worker(), SIGKILL), 0);
			u->kill_at = 0;
			usleep(50000);
		}
	}
	close(pp[1]);
	t_end(u->uuid, sent, u->end_kind);
	t_drain(g.fd, &u->out, &u->outlen, 1);
	close(g.fd);
	t_audit_pump();
	assert_non_null(u->out);
}

/* The last line of the stream. */
static const char *
t_last(const struct upload *u)
{
	const char	*s = u->out + u->outlen - 1;

	while (s > u->out && s[-1] != '\n')
		s--;
	return s;
}

static int
t_get(const char *uuid, int kind, char **buf, size_t *len)
{
	struct p_session_trace	p;
	struct got		g;

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	memcpy(p.id, uuid, sizeof(p.id));
	p.kind = kind;
	if (t_call(MSG_SESSION_TRACE_GET, &p, -1, &g) == -1 ||
	    g.type != MSG_SESSION_TRACE_DATA)
		return -1;
	*buf = NULL;
	*len = 0;
	t_drain(g.fd, buf, len, 1);
	close(g.fd);
	/* DATA announces the plaintext's length */
	return g.p.size == *len ? 0 : -1;
}

static int
t_count(const char *s, const char *what)
{
	int	n = 0;

	while (s != NULL && (s = strstr(s, what)) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void
test_real(void **unused)
{
	struct upload	 u;
	char		 cmd[2048], out[512], *html, *pl;
	size_t		 hlen, plen;
	struct stat	 st;

	memset(&u, 0, sizeof(u));
	u.len = u.declared = tracelen;
	u.cap = 16 << 20;
	u.status_at = tracelen / 2;
	t_upload(&u);
	assert_true(u.early);
	assert_true(u.confined);
	assert_non_null(strstr(u.out, "\"event\":\"verdict\",\"result\":"
	    "\"pass\""));
	assert_non_null(strstr(u.out, "\"cores\":32,\"cycles\":5423940,"));
	assert_non_null(strstr(u.out, "\"events\":16008,\"api_calls\":8,"));
	assert_non_null(strstr(t_last(&u), "\"event\":\"stored\""));

	/* Debian's age opens the stored file with the project's key */
	snprintf(cmd, sizeof(cmd), "%s/session/keys/%s.key", state, PROJ);
	assert_int_equal(stat(cmd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(out, sizeof(out), "%s/plain", work);
	snprintf(cmd, sizeof(cmd), "age -d -i %s/session/keys/%s.key "
	    "-o %s %s/%s.pccx.age", state, PROJ, out, tdir, u.uuid);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", out,
	    getenv("PCCX_TRACE_PATH"));
	assert_int_equal(system(cmd), 0);

	/* the same bytes back through GET, and the HTML report */
	assert_int_equal(t_get(u.uuid, SESSION_TK_TRACE, &pl, &plen), 0);
	assert_int_equal(plen, tracelen);
	assert_memory_equal(pl, trace, tracelen);
	assert_int_equal(t_get(u.uuid, SESSION_TK_HTML, &html, &hlen), 0);
	assert_int_equal(t_count(html, "<g class=\"core-row\""), 32);
	free(html);
	assert_int_equal(t_get(u.uuid, SESSION_TK_MD, &html, &hlen), 0);
	assert_true(hlen > 0);
	free(html);
	free(pl);
	free(u.out);
}

static void
test_truncated(void **unused)
{
	struct upload	u;

	memset(&u, 0, sizeof(u));
	u.len = tracelen / 2;
	u.cap = 16 << 20;
	t_upload(&u);
	assert_non_null(strstr(t_last(&u), "upload incomplete"));
	assert_true(t_nothing(u.uuid));
	free(u.out);
}

static void
test_overcap(void **unused)
{
	struct upload	u;

	memset(&u, 0, sizeof(u));
	u.len = tracelen;
	u.cap = 100000;
	t_upload(&u);
	assert_non_null(strstr(t_last(&u), "over the size cap"));
	assert_true(t_nothing(u.uuid));
	free(u.out);
}

static void
test_killed(void **unused)
{
	struct upload	u;

	memset(&u, 0, sizeof(u));
	u.len = tracelen;
	u.cap = 16 << 20;
	u.kill_at = tracelen / 3;
	t_upload(&u);
	assert_non_null(strstr(t_last(&u), "the worker died"));
	assert_true(t_nothing(u.uuid));
	free(u.out);
}

static int
t_ref(const char *name, const char *text, struct got *g)
{
	struct p_session_trace	p;
	int			pp[2];

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	pccx_strlcpy(p.name, name, sizeof(p.name));
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(write(pp[1], text, strlen(text)),
	    (ssize_t)strlen(text));
	close(pp[1]);
	return t_call(MSG_SESSION_REF_PUT, &p, pp[0], g);
}

static void
test_ref(void **unused)
{
	struct p_session_trace	p;
	struct upload		u;
	struct got		g;
	char			path[1024];

	assert_int_equal(t_ref("good", "{\"step\":1,\"mac\":0,"
	    "\"dma_read\":0,\"dma_write\":0,\"barrier\":0}\n", &g), 0);
	assert_int_equal(g.type, MSG_SESSION_TRACE_DONE);
	snprintf(path, sizeof(path), "%s/session/refs/%s/good.jsonl", state,
	    PROJ);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(t_ref("bad", "{\"step\":\"x\"\n", &g), 0);
	assert_int_equal(g.type, MSG_SESSION_ERROR);
	snprintf(path, sizeof(path), "%s/session/refs/%s/bad.jsonl", state,
	    PROJ);
	assert_int_equal(access(path, F_OK), -1);

	/* the stored reference is diffed against: its counts are wrong */
	memset(&u, 0, sizeof(u));
	u.len = u.declared = tracelen;
	u.cap = 16 << 20;
	u.ref = "good";
	t_upload(&u);
	assert_non_null(strstr(u.out, "\"golden\":\"fail\""));
	assert_non_null(strstr(t_last(&u), "\"event\":\"stored\""));
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	memcpy(p.id, u.uuid, sizeof(p.id));
	assert_int_equal(t_call(MSG_SESSION_TRACE_DEL, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_TRACE_DONE);
	free(u.out);
}

static void
test_list_del(void **unused)
{
	struct p_session_trace	p;
	struct got		g;
	char			id[SESSION_IDSZ];

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, VIEWER, sizeof(p.user));
	assert_int_equal(t_call(MSG_SESSION_TRACE_LIST, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_LIST_END);
	assert_int_equal(g.rows, 1);
	assert_int_equal(g.p.kinds, 0x0f);
	memcpy(id, g.p.id, sizeof(id));
	memcpy(p.id, id, sizeof(p.id));
	/* a viewer reads, only an owner deletes */
	assert_int_equal(t_call(MSG_SESSION_TRACE_DEL, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_ERROR);
	assert_false(t_nothing(id));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	assert_int_equal(t_call(MSG_SESSION_TRACE_DEL, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_TRACE_DONE);
	assert_true(t_nothing(id));
	assert_int_equal(t_call(MSG_SESSION_TRACE_DEL, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_ERROR);
	memset(p.id, 0, sizeof(p.id));
	assert_int_equal(t_call(MSG_SESSION_TRACE_LIST, &p, -1, &g), 0);
	assert_int_equal(g.rows, 0);
	pccx_strlcpy(p.user, "nobody@example.com", sizeof(p.user));
	assert_int_equal(t_call(MSG_SESSION_TRACE_LIST, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_ERROR);
}

/* A whole trace whose END is not OK, or whose row is refused. */
static void
test_abandoned(void **unused)
{
	struct p_session_trace	p;
	struct upload		u;
	struct got		g;
	int			pp[2];

	memset(&u, 0, sizeof(u));
	u.len = u.declared = tracelen;
	u.cap = 16 << 20;
	u.end_kind = SESSION_TE_DIGEST;
	t_upload(&u);
	assert_non_null(strstr(t_last(&u), "Content-Digest"));
	assert_true(t_nothing(u.uuid));
	free(u.out);

	memset(&u, 0, sizeof(u));
	u.len = tracelen;
	u.cap = 16 << 20;
	u.end_kind = SESSION_TE_GONE;
	t_upload(&u);
	assert_non_null(strstr(t_last(&u), "the client went away"));
	assert_true(t_nothing(u.uuid));
	free(u.out);

	/* the audit daemon cannot record: nothing starts */
	t_nack = 1;
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	mkuuid(p.id);
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(t_call(MSG_SESSION_TRACE_PUT, &p, pp[0], &g), 0);
	t_nack = 0;
	close(pp[1]);
	assert_int_equal(g.type, MSG_SESSION_ERROR);
	assert_true(t_nothing(p.id));

	/* nor for a viewer */
	pccx_strlcpy(p.user, VIEWER, sizeof(p.user));
	mkuuid(p.id);
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(t_call(MSG_SESSION_TRACE_PUT, &p, pp[0], &g), 0);
	close(pp[1]);
	assert_int_equal(g.type, MSG_SESSION_ERROR);
	assert_true(t_nothing(p.id));
	assert_true(t_rows_upload >= 6);
	assert_true(t_rows_store_ok >= 2);
	assert_true(t_rows_store_fail >= 4);
}

/* A request the silent audit daemon holds: refused after the deadline. */
static void
t_refused_late(uint16_t type, struct p_session_trace *p, int fd)
{
	struct got	g;
	uint64_t	t0 = now_mono_ms(), ms;

	assert_int_equal(t_call(type, p, fd, &g), 0);
	ms = now_mono_ms() - t0;
	assert_int_equal(g.type, MSG_SESSION_ERROR);
	assert_int_equal(g.code, SESSION_E_AUDIT);
	if (ms < T_AUDIT_MS - 20 || ms > T_AUDIT_MS + 3000)
		fail_msg("refused after %llu ms, not about %d",
		    (unsigned long long)ms, T_AUDIT_MS);
}

/*
 * An audit daemon that takes the rows and never answers: an upload, a
 * delete and a reference put are each refused with SESSION_E_AUDIT
 * once the deadline passes, and nothing of them is done, even when
 * the acks come late.
 */
static void
test_audit_silent(void **unused)
{
	struct p_session_trace	p;
	struct upload		u;
	struct got		g;
	char			path[1024], id[SESSION_IDSZ];
	int			pp[2], i;

	/* a stored trace, for the delete */
	memset(&u, 0, sizeof(u));
	u.len = u.declared = tracelen;
	u.cap = 16 << 20;
	t_upload(&u);
	assert_non_null(strstr(t_last(&u), "\"event\":\"stored\""));
	free(u.out);

	t_silent = 1;
	t_nheld = 0;
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	mkuuid(p.id);
	memcpy(id, p.id, sizeof(id));
	p.size = tracelen;
	p.cap = 16 << 20;
	assert_int_equal(pipe(pp), 0);
	t_refused_late(MSG_SESSION_TRACE_PUT, &p, pp[0]);
	close(pp[1]);
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	memcpy(p.id, u.uuid, sizeof(p.id));
	t_refused_late(MSG_SESSION_TRACE_DEL, &p, -1);
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	pccx_strlcpy(p.name, "late", sizeof(p.name));
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(write(pp[1], "{}\n", 3), 3);
	close(pp[1]);
	t_refused_late(MSG_SESSION_REF_PUT, &p, pp[0]);
	assert_int_equal(t_nheld, 3);

	/* the acks, late: nothing happens */
	t_silent = 0;
	for (i = 0; i < t_nheld; i++)
		assert_int_equal(proto_send_audit_ack(&H.audit, t_held[i],
		    1), 0);
	assert_int_equal(msg_flush_wait(&H.audit), 0);
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.project, PROJ, sizeof(p.project));
	pccx_strlcpy(p.user, OWNER, sizeof(p.user));
	assert_int_equal(t_call(MSG_SESSION_TRACE_LIST, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_LIST_END);
	assert_int_equal(g.rows, 1);
	assert_string_equal(g.p.id, u.uuid);
	assert_true(t_nothing(id));
	assert_false(t_nothing(u.uuid));
	snprintf(path, sizeof(path), "%s/session/refs/%s/late.jsonl", state,
	    PROJ);
	assert_int_equal(access(path, F_OK), -1);

	/* and with answers again, the delete goes through */
	memcpy(p.id, u.uuid, sizeof(p.id));
	assert_int_equal(t_call(MSG_SESSION_TRACE_DEL, &p, -1, &g), 0);
	assert_int_equal(g.type, MSG_SESSION_TRACE_DONE);
	assert_true(t_nothing(u.uuid));
}

/* Encode fields as the codec does, then decode them as type. */
static int
t_decode(uint16_t type, const char *proj, const char *id, const char *name,
    uint8_t kind, int extra, struct p_session_trace *p)
{
	static struct wire_w	w;
	struct msg		m;

	wire_w_init(&w);
	wire_put_str(&w, proj);
	wire_put_str(&w, id);
	wire_put_str(&w, name);
	wire_put_str(&w, type == MSG_SESSION_OPEN || type ==
	    MSG_SESSION_TRACE_PUT || type == MSG_SESSION_TRACE_LIST || type ==
	    MSG_SESSION_TRACE_GET || type == MSG_SESSION_TRACE_DEL || type ==
	    MSG_SESSION_REF_PUT ? "u" : "");
	wire_put_u8(&w, kind);
	wire_put_u8(&w, 0);
	wire_put_u64(&w, 1);
	wire_put_u64(&w, 2);
	if (extra)
		wire_put_u8(&w, 0);
	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.data = w.buf;
	m.len = m.hdr.len = w.len;
	m.fd = -1;
	return proto_get_session_trace(&m, p);
}

static void
test_codec(void **unused)
{
	struct p_session_trace	p;
	const char		*id = "01234567-89ab-cdef-0123-456789abcdef";

	assert_int_equal(t_decode(MSG_SESSION_TRACE_PUT, "p", id, "ref", 0,
	    0, &p), 0);
	assert_string_equal(p.project, "p");
	assert_string_equal(p.name, "ref");
	assert_int_equal(p.size, 1);
	assert_int_equal(p.cap, 2);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_PUT, "p", id, "", 0, 1,
	    &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_PUT, "p", "x", "", 0, 0,
	    &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_PUT, "../p", id, "", 0, 0,
	    &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_PUT, "p", id, "a/b", 0, 0,
	    &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_LIST, "p", "", "", 0, 0,
	    &p), 0);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_LIST, "p", id, "", 0, 0,
	    &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_GET, "p", id, "",
	    SESSION_TK_MAX + 1, 0, &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_REF_PUT, "p", "", "", 0, 0,
	    &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_TRACE_DEL, "", id, "", 0, 0,
	    &p), -1);
	assert_int_equal(t_decode(MSG_SESSION_OPEN, "p", id, "", 0, 0, &p),
	    -1);
}

/* A member of the project with a role (ROLE_* of remoted/config.h). */
static void
t_member(const char *user, uint8_t role)
{
	struct p_session_conf_member	m;

	memset(&m, 0, sizeof(m));
	pccx_strlcpy(m.project, PROJ, sizeof(m.project));
	pccx_strlcpy(m.user, user, sizeof(m.user));
	pccx_strlcpy(m.account, "nobody", sizeof(m.account));
	m.uid = m.gid = 65534;
	m.ngroups = 1;
	m.groups[0] = 65534;
	m.role = role;
	if (proto_send_session_member(&H.parent, &m) == -1 ||
	    msg_flush_wait(&H.parent) == -1)
		abort();
}

static int
t_setup(void **unused)
{
	struct host_conf	 hc;
	char			 tree[512];
	const char		*path = getenv("PCCX_TRACE");
	struct stat		 st;
	FILE			*fp;

	if (path == NULL)
		path = "../shared/data/dummy_trace.pccx";
	setenv("PCCX_TRACE_PATH", path, 1);
	if ((fp = fopen(path, "r")) == NULL || fstat(fileno(fp), &st) == -1)
		return -1;
	tracelen = st.st_size;
	if ((trace = malloc(tracelen)) == NULL ||
	    fread(trace, 1, tracelen, fp) != tracelen)
		return -1;
	fclose(fp);
	if (mkdtemp(work) == NULL)
		return -1;
	snprintf(state, sizeof(state), "%s/state", work);
	snprintf(tree, sizeof(tree), "%s/tree", work);
	snprintf(tdir, sizeof(tdir), "%s/session/traces/%s", state, PROJ);
	if (mkdir(state, 0700) == -1 || mkdir(tree, 0755) == -1)
		return -1;
	memset(&hc, 0, sizeof(hc));
	hc.audit_ms = T_AUDIT_MS;
	host_init(&H, state, &hc);
	host_project(&H, PROJ, tree, 0, 0, 0, 1800);
	t_member(OWNER, 3);
	t_member(VIEWER, 1);
	return host_start(&H, state, &hc);
}

static int
t_teardown(void **unused)
{
	char	cmd[PATH_MAX + 16];

	host_stop(&H);
	host_cgroups_clean();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_overcap),
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_ref),
		cmocka_unit_test(test_list_del),
		cmocka_unit_test(test_abandoned),
		cmocka_unit_test(test_audit_silent),
	};

	signal(SIGPIPE, SIG_IGN);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
