/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The /v1/sessions routes: open, list, show, kill, exec and pty. */

/*
 * Every route sits behind the auth gate, which has checked the RBAC
 * action in the project of ?project= or X-Project.  The session daemon
 * checks again that the project exists, that the user is its member
 * and that a session is the caller's; this file only asks it, with the
 * caller's name, and turns its replies into HTTP.  Any request on one
 * session looks it up first (INFO) and goes ahead only when it is in
 * the gated project, so that a role in one project opens nothing in
 * another.  Owners of the gated project act with the operator's empty
 * user name on sessions of that project (list all, show, kill any).
 *
 * An exec's output comes as a stream of frames on a descriptor; it is
 * relayed as NDJSON over chunked encoding, reading no more while the
 * client has SESSIONS_OUT_BOUND bytes unsent.  A pty's master is
 * bridged to a WebSocket: binary frames both ways, a text frame
 * {"resize":[rows,cols]} to resize.
 */

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>
#include <endian.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/session.h"
#include "authgate.h"
#include "frontd.h"
#include "server.h"
#include "sessions.h"
#include "traces.h"
#include "ws.h"

#define SESSIONS_MAXPENDING	1024
#define SESSIONS_OUT_BOUND	(256 * 1024)	/* exec output unsent */
#define SESSIONS_PTY_READ	16384		/* bytes a pty message */
#define SESSIONS_PTY_INBOUND	(256 * 1024)	/* not yet to master */
#define SESSIONS_PTY_LINGER	1		/* s to wait for a status */

enum sreq_kind {
	SREQ_OPEN,
	SREQ_LIST,
	SREQ_INFO,
	SREQ_CHECK,		/* INFO: is it in the gated project? */
	SREQ_KILL,
	SREQ_EXEC,
	SREQ_PTY,
	SREQ_RESIZE,		/* no client waits for it */
};

/* A request the session daemon has not answered yet. */
struct sreq {
	TAILQ_ENTRY(sreq)	 entry;
	uint32_t		 id;
	enum sreq_kind		 kind;
	enum sreq_kind		 then;		/* after a CHECK */
	struct p_session_exec	*exec;		/* then EXEC */
	struct p_session_pty	 pty;		/* then PTY */
	struct p_session_ref	 ref;		/* then KILL */
	struct http_req		*req;
	json_t			*rows;
	json_t			*row;		/* INFO's answer */
	char			 project[PROTO_NAMEMAX];
	char			 user[PROTO_NAMEMAX];
	char			 uuid[SESSION_IDSZ];
	uint8_t			 mode;
	struct timespec		 t0;
};

/* An exec whose output streams to a client. */
struct sexec {
	struct http_req		*req;
	struct bufferevent	*bev;
	int			 exited;
	int			 eof;
};

/*
 * A pty bridged to a WebSocket.  Its end is the master's end of file
 * and the shell's exit status, in either order: the status goes to the
 * client as the text message {"exit":N,"signal":S} before the close,
 * if it comes within SESSIONS_PTY_LINGER of the end of file.
 */
struct spty {
	TAILQ_ENTRY(spty)	 entry;
	struct ws_conn		*ws;
	struct bufferevent	*bev;
	struct event		*linger;
	char			 uuid[SESSION_IDSZ];
	char			 user[PROTO_NAMEMAX];
	uint32_t		 id;
	int			 eof;
	int			 exited;
	int			 gone;		/* its session ended */
	struct p_session_exit	 e;
};

static TAILQ_HEAD(, spty)	 sptys = TAILQ_HEAD_INITIALIZER(sptys);

static TAILQ_HEAD(, sreq)	 sreqs = TAILQ_HEAD_INITIALIZER(sreqs);
static int			 nsreqs;
static uint32_t			 next_id = 1;

static void	sessions_open(struct http_req *);
static void	sessions_list(struct http_req *);
static void	sessions_show(struct http_req *);
static void	sessions_kill(struct http_req *);
static void	sessions_exec(struct http_req *);
static void	sessions_pty(struct http_req *);
static void	pty_on_message(struct ws_conn *, int, const uint8_t *,
		    size_t, void *);
static void	pty_on_drain(struct ws_conn *, void *);
static void	pty_on_close(struct ws_conn *, uint16_t, void *);

const struct http_route sessions_routes[] = {
	{ "GET", "/v1/sessions", 0, sessions_list },
	{ "POST", "/v1/sessions", 0, sessions_open },
	{ "GET", "/v1/sessions/{id}", 0, sessions_show },
	{ "DELETE", "/v1/sessions/{id}", 0, sessions_kill },
	{ "POST", "/v1/sessions/{id}/exec", 0, sessions_exec },
	{ "GET", "/v1/sessions/{id}/pty", ROUTE_WEBSOCKET, sessions_pty },
};
const size_t sessions_nroutes = sizeof(sessions_routes) /
    sizeof(sessions_routes[0]);

static const struct ws_handler pty_handler = {
	.message = pty_on_message,
	.drain = pty_on_drain,
	.close = pty_on_close,
};

static const char *const state_names[] = {
	[SESSION_ST_OPENING] = "opening",
	[SESSION_ST_READY] = "ready",
	[SESSION_ST_ENDING] = "ending",
};
static const char *const why_names[] = {
	[SESSION_WHY_REQUEST] = "request",
	[SESSION_WHY_IDLE] = "idle",
	[SESSION_WHY_REVOKED] = "revoked",
	[SESSION_WHY_FAILED] = "failed",
	[SESSION_WHY_SHUTDOWN] = "shutdown",
};
static const char *const res_names[] = {
	[SESSION_RES_DISCARDED] = "discarded",
	[SESSION_RES_SQUASHED] = "squashed",
	[SESSION_RES_CONFLICT] = "conflict",
	[SESSION_RES_ERROR] = "error",
	[SESSION_RES_KEPT] = "kept",
};

static const char *
mode_name(uint8_t mode)
{
	return mode == SESSION_MODE_SQUASH ? "squash" : "discard";
}

/* The project the gate checked: ?project=, else X-Project. */
static int
gated_project(struct http_req *req, char *dst, size_t size)
{
	const char	*q = http_req_query(req);
	const char	*h;

	if (q != NULL && http_query_get(q, "project", dst, size) == 1)
		return 0;
	if ((h = http_req_header(req, "X-Project")) == NULL ||
	    pccx_strlcpy(dst, h, size) >= size || *dst == '\0')
		return -1;
	return 0;
}

/*
 * Whether the caller may act on anyone's sessions of the project the
 * gate checked: the auth daemon's word for this very request, from
 * the roles in force now (session.kill_any, an owner's action).
 */
static int
caller_owns(struct http_req *req)
{
	const struct p_auth_allow	*who = authgate_identity(req);

	return who != NULL && who->any;
}

static int
bad_id(struct http_req *req)
{
	const char	*id = http_req_param(req, "id");

	if (id != NULL && proto_session_uuid_ok(id))
		return 0;
	http_reply_error(req, 400, "bad_id", "a session id is a uuid");
	return 1;
}

/* A new pending request for req (referenced), or NULL after a 503. */
static struct sreq *
sreq_new(struct http_req *req, enum sreq_kind kind)
{
	struct sreq	*s;

	if (child_chan(PROC_SESSION) == NULL ||
	    nsreqs >= SESSIONS_MAXPENDING ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		if (req != NULL)
			http_reply_error(req, 503, "busy", "try again later");
		return NULL;
	}
	/* below TRACES_ID_BIT: the replies of traces have it set */
	s->id = next_id++;
	if (next_id == TRACES_ID_BIT)
		next_id = 1;
	s->kind = kind;
	s->req = req;
	if (req != NULL)
		http_req_ref(req);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	TAILQ_INSERT_TAIL(&sreqs, s, entry);
	nsreqs++;
	return s;
}

static void
sreq_free(struct sreq *s)
{
	TAILQ_REMOVE(&sreqs, s, entry);
	nsreqs--;
	if (s->req != NULL)
		http_req_unref(s->req);
	json_decref(s->rows);
	json_decref(s->row);
	free(s->exec);
	free(s);
}

static struct sreq *
sreq_find(uint32_t id)
{
	struct sreq	*s;

	TAILQ_FOREACH(s, &sreqs, entry)
		if (s->id == id)
			return s;
	return NULL;
}

/* Commit a queued request, or fail it with 503 when it was not queued. */
static void
sreq_sent(struct sreq *s, int rv)
{
	struct chan	*c = child_chan(PROC_SESSION);

	if (rv == 0 && c != NULL) {
		child_commit(c);
		return;
	}
	if (s->req != NULL)
		http_reply_error(s->req, 503, "busy", "try again later");
	sreq_free(s);
}

/* A JSON body as an object; NULL after answering 400. */
static json_t *
body_object(struct http_req *req)
{
	const char	*b;
	size_t		 len;
	json_t		*j;

	j = (b = http_req_body(req, &len)) != NULL ?
	    json_loadb(b, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		http_reply_error(req, 400, "bad_body",
		    "the body must be a JSON object");
		return NULL;
	}
	return j;
}

static int
open_limits(json_t *lim, struct p_session_open *p)
{
	json_t	*v;

	if (lim == NULL)
		return 0;
	if (!json_is_object(lim))
		return -1;
	if ((v = json_object_get(lim, "memory")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 0))
		return -1;
	p->memory = v != NULL ? (uint64_t)json_integer_value(v) : 0;
	if ((v = json_object_get(lim, "cpu")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > SESSION_CPU_MAX))
		return -1;
	p->cpu = v != NULL ? json_integer_value(v) : 0;
	if ((v = json_object_get(lim, "pids")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > SESSION_PIDS_MAX))
		return -1;
	p->pids = v != NULL ? json_integer_value(v) : 0;
	return 0;
}

/* The open request from a body; -1 after answering 400. */
static int
open_parse(struct http_req *req, const char *gated, struct p_session_open *p)
{
	json_t		*j;
	const char	*project = NULL, *end = NULL;
	int		 rv = -1;

	if ((j = body_object(req)) == NULL)
		return -1;
	if (json_unpack(j, "{s:s, s:s}", "project", &project, "end",
	    &end) != 0 || (strcmp(end, "squash") != 0 &&
	    strcmp(end, "discard") != 0))
		http_reply_error(req, 400, "bad_body",
		    "project and end (squash or discard) are needed");
	else if (strcmp(project, gated) != 0)
		http_reply_error(req, 400, "bad_project",
		    "the body names another project than the request");
	else if (open_limits(json_object_get(j, "limits"), p) == -1)
		http_reply_error(req, 400, "bad_limits",
		    "limits are memory, cpu and pids, as integers");
	else {
		pccx_strlcpy(p->project, project, sizeof(p->project));
		p->mode = strcmp(end, "squash") == 0 ? SESSION_MODE_SQUASH :
		    SESSION_MODE_DISCARD;
		rv = 0;
	}
	json_decref(j);
	return rv;
}

/*
 * Look the session up first, as the caller (or as the operator for an
 * owner): the action (s->then, its payload in s) goes to the session
 * daemon only once the session was seen in the gated project.
 */
static void
sreq_check(struct sreq *s, const char *user)
{
	struct p_session_ref	p;

	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.uuid, s->uuid, sizeof(p.uuid));
	pccx_strlcpy(p.user, user, sizeof(p.user));
	sreq_sent(s, proto_send_session_ref(child_chan(PROC_SESSION),
	    MSG_SESSION_INFO, s->id, &p));
}

/* Prepare a request on the session in the path; NULL after answering. */
static struct sreq *
sreq_path(struct http_req *req, enum sreq_kind kind)
{
	struct sreq	*s;
	char		 project[PROTO_NAMEMAX];

	if (bad_id(req))
		return NULL;
	if (authgate_identity(req) == NULL || gated_project(req, project,
	    sizeof(project)) == -1) {
		http_reply_error(req, 400, "bad_project", "no project named");
		return NULL;
	}
	if ((s = sreq_new(req, kind)) == NULL)
		return NULL;
	pccx_strlcpy(s->project, project, sizeof(s->project));
	pccx_strlcpy(s->uuid, http_req_param(req, "id"), sizeof(s->uuid));
	pccx_strlcpy(s->user, authgate_identity(req)->user, sizeof(s->user));
	return s;
}

/* POST /v1/sessions */
static void
sessions_open(struct http_req *req)
{
	const struct p_auth_allow	*who = authgate_identity(req);
	struct p_session_open		 p;
	char				 project[PROTO_NAMEMAX];
	struct sreq			*s;

	memset(&p, 0, sizeof(p));
	if (who == NULL || gated_project(req, project,
	    sizeof(project)) == -1) {
		http_reply_error(req, 400, "bad_project", "no project named");
		return;
	}
	if (open_parse(req, project, &p) == -1 ||
	    (s = sreq_new(req, SREQ_OPEN)) == NULL)
		return;
	pccx_strlcpy(p.user, who->user, sizeof(p.user));
	pccx_strlcpy(p.device, who->device, sizeof(p.device));
	pccx_strlcpy(p.sid, who->sid, sizeof(p.sid));
	p.uid = p.gid = SESSION_ANYID;
	sreq_sent(s, proto_send_session_open(child_chan(PROC_SESSION),
	    s->id, &p));
}

/* GET /v1/sessions?project=P: one's own, or all of them for an owner. */
static void
sessions_list(struct http_req *req)
{
	const struct p_auth_allow	*who = authgate_identity(req);
	struct p_session_list		 p;
	struct sreq			*s;

	memset(&p, 0, sizeof(p));
	if (who == NULL || gated_project(req, p.project,
	    sizeof(p.project)) == -1) {
		http_reply_error(req, 400, "bad_project", "no project named");
		return;
	}
	if (!caller_owns(req))
		pccx_strlcpy(p.user, who->user, sizeof(p.user));
	if ((s = sreq_new(req, SREQ_LIST)) == NULL)
		return;
	if ((s->rows = json_array()) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		sreq_free(s);
		return;
	}
	pccx_strlcpy(s->project, p.project, sizeof(s->project));
	sreq_sent(s, proto_send_session_list(child_chan(PROC_SESSION),
	    s->id, &p));
}

/*
 * INFO or KILL for the session in the path.  A caller who owns the
 * gated project acts as the operator on any session of it.
 */
static void
sessions_ref(struct http_req *req, enum sreq_kind kind, uint8_t mode)
{
	struct sreq	*s;
	int		 own;

	if ((s = sreq_path(req, SREQ_CHECK)) == NULL)
		return;
	own = caller_owns(req);
	pccx_strlcpy(s->ref.uuid, s->uuid, sizeof(s->ref.uuid));
	if (!own)
		pccx_strlcpy(s->ref.user, s->user, sizeof(s->ref.user));
	else
		pccx_strlcpy(s->ref.by, s->user, sizeof(s->ref.by));
	s->ref.mode = mode;
	s->then = kind;
	sreq_check(s, s->ref.user);
}

/* GET /v1/sessions/{id} */
static void
sessions_show(struct http_req *req)
{
	sessions_ref(req, SREQ_INFO, 0);
}

/* DELETE /v1/sessions/{id}[?end=squash|discard] */
static void
sessions_kill(struct http_req *req)
{
	const char	*q = http_req_query(req);
	char		 end[16];
	uint8_t		 mode = SESSION_MODE_DEFAULT;
	int		 r = 0;

	if (q != NULL)
		r = http_query_get(q, "end", end, sizeof(end));
	if (r == 1 && strcmp(end, "squash") == 0)
		mode = SESSION_MODE_SQUASH;
	else if (r == 1 && strcmp(end, "discard") == 0)
		mode = SESSION_MODE_DISCARD;
	else if (r != 0) {
		http_reply_error(req, 400, "bad_end",
		    "end is squash or discard");
		return;
	}
	sessions_ref(req, SREQ_KILL, mode);
}

/* A JSON string without a NUL in it, or NULL. */
static const char *
exec_str(json_t *v)
{
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* Copy one string into the exec's buffer; NULL when it is full. */
static char *
exec_put(struct p_session_exec *p, size_t *off, const char *a, const char *b)
{
	char	*dst = p->buf + *off;
	size_t	 left = sizeof(p->buf) - *off, n;

	n = strlen(a) + (b != NULL ? 1 + strlen(b) : 0) + 1;
	if (n > left)
		return NULL;
	if (b != NULL)
		snprintf(dst, n, "%s=%s", a, b);
	else
		memcpy(dst, a, n);
	*off += n;
	return dst;
}

static int
exec_args(json_t *j, struct p_session_exec *p, size_t *off)
{
	json_t		*argv = json_object_get(j, "argv"), *v;
	size_t		 i;

	if (!json_is_array(argv) || json_array_size(argv) == 0 ||
	    json_array_size(argv) > SESSION_ARGMAX)
		return -1;
	json_array_foreach(argv, i, v) {
		if (exec_str(v) == NULL || (p->argv[i] = exec_put(p, off,
		    exec_str(v), NULL)) == NULL)
			return -1;
	}
	p->argc = json_array_size(argv);
	return 0;
}

static int
exec_env(json_t *j, struct p_session_exec *p, size_t *off)
{
	json_t		*env = json_object_get(j, "env"), *v;
	const char	*k;

	if (env == NULL)
		return 0;
	if (!json_is_object(env) || json_object_size(env) > SESSION_ARGMAX)
		return -1;
	json_object_foreach(env, k, v) {
		if (exec_str(v) == NULL || *k == '\0' || strchr(k, '=') ||
		    (p->env[p->envc++] = exec_put(p, off, k,
		    exec_str(v))) == NULL)
			return -1;
	}
	return 0;
}

/*
 * "stdin": the command's whole input, as text; none: /dev/null.
 * XXX: JSON text only (no NUL, no binary) and given whole, 32 KiB at
 * most: input that streams while the command runs would need the
 * output socket to carry frames both ways.
 */
static int
exec_stdin(json_t *j, struct p_session_exec *p, size_t *off)
{
	json_t	*in = json_object_get(j, "stdin");
	size_t	 n;

	if (in == NULL)
		return 0;
	if (!json_is_string(in) || (n = json_string_length(in)) >
	    SESSION_INMAX || n > sizeof(p->buf) - *off)
		return -1;
	p->in = p->buf + *off;
	p->inlen = n;
	memcpy(p->in, json_string_value(in), n);
	*off += n;
	return 0;
}

/* The exec request from a body; -1 after answering 400. */
static int
exec_parse(struct http_req *req, struct p_session_exec *p)
{
	json_t		*j, *cwd;
	size_t		 off = 0;
	int		 rv = 0;

	if ((j = body_object(req)) == NULL)
		return -1;
	cwd = json_object_get(j, "cwd");
	if (exec_args(j, p, &off) == -1 || exec_env(j, p, &off) == -1 ||
	    exec_stdin(j, p, &off) == -1 ||
	    (cwd != NULL && (!json_is_string(cwd) ||
	    pccx_strlcpy(p->cwd, json_string_value(cwd), sizeof(p->cwd)) >=
	    sizeof(p->cwd)))) {
		http_reply_error(req, 400, "bad_body", "argv is a non-empty "
		    "array of strings, env an object of strings, cwd a path, "
		    "stdin a string of 32 KiB at most");
		rv = -1;
	}
	if (cwd == NULL)
		pccx_strlcpy(p->cwd, "/project", sizeof(p->cwd));
	json_decref(j);
	return rv;
}

/* POST /v1/sessions/{id}/exec */
static void
sessions_exec(struct http_req *req)
{
	struct p_session_exec	*p;
	struct sreq		*s;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		http_reply_error(req, 503, "busy", "try again later");
		return;
	}
	if (exec_parse(req, p) == -1 ||
	    (s = sreq_path(req, SREQ_CHECK)) == NULL) {
		free(p);
		return;
	}
	pccx_strlcpy(p->uuid, s->uuid, sizeof(p->uuid));
	pccx_strlcpy(p->user, s->user, sizeof(p->user));
	s->exec = p;
	s->then = SREQ_EXEC;
	sreq_check(s, s->user);
}

static int
query_u16(const char *q, const char *key, uint16_t def, uint16_t *v)
{
	char		 buf[8], *end;
	long		 n;
	int		 r;

	*v = def;
	if (q == NULL || (r = http_query_get(q, key, buf, sizeof(buf))) == 0)
		return 0;
	if (r == -1)
		return -1;
	n = strtol(buf, &end, 10);
	if (*buf < '0' || *buf > '9' || *end != '\0' || n < 1 || n > 1000)
		return -1;
	*v = n;
	return 0;
}

/* WebSocket /v1/sessions/{id}/pty?rows=R&cols=C: the pty, then upgrade. */
static void
sessions_pty(struct http_req *req)
{
	const char	*q = http_req_query(req);
	uint16_t	 rows, cols;
	struct sreq	*s;

	if (query_u16(q, "rows", 24, &rows) == -1 ||
	    query_u16(q, "cols", 80, &cols) == -1) {
		http_reply_error(req, 400, "bad_size",
		    "rows and cols are 1 to 1000");
		return;
	}
	if ((s = sreq_path(req, SREQ_CHECK)) == NULL)
		return;
	pccx_strlcpy(s->pty.uuid, s->uuid, sizeof(s->pty.uuid));
	pccx_strlcpy(s->pty.user, s->user, sizeof(s->pty.user));
	s->pty.rows = rows;
	s->pty.cols = cols;
	s->then = SREQ_PTY;
	sreq_check(s, s->user);
}

/* Replies. */

static void
reply_error(struct sreq *s, const struct p_session_error *e)
{
	static const struct {
		int		 status;
		const char	*code;
	} map[] = {
		[SESSION_E_INTERNAL] = { 500, "internal_error" },
		[SESSION_E_NOPROJECT] = { 404, "no_project" },
		[SESSION_E_NOTMAPPED] = { 403, "not_mapped" },
		[SESSION_E_PERUSER] = { 429, "too_many_sessions" },
		[SESSION_E_LIMITS] = { 400, "bad_limits" },
		[SESSION_E_NOSESSION] = { 404, "no_session" },
		[SESSION_E_NOTOWNER] = { 404, "no_session" },
		[SESSION_E_STATE] = { 409, "bad_state" },
		[SESSION_E_ARGS] = { 400, "bad_args" },
		[SESSION_E_ENV] = { 400, "bad_env" },
		[SESSION_E_BUSY] = { 429, "busy" },
		[SESSION_E_AUDIT] = { 503, "audit_unavailable" },
	};

	/* NOTOWNER reads as NOSESSION: no hint of others' sessions. */
	http_reply_error(s->req, map[e->code].status, map[e->code].code,
	    e->code == SESSION_E_NOTOWNER ? "no such session" : e->text);
}

static json_t *
row_json(const struct p_session_row *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:{s:I, s:I, s:I}}", "id", r->uuid, "user",
	    r->user, "account", r->account, "project", r->project, "state",
	    state_names[r->state < 4 && r->state > 0 ? r->state :
	    SESSION_ST_OPENING], "end", mode_name(r->mode), "started",
	    (json_int_t)r->started, "active", (json_int_t)r->active,
	    "processes", (json_int_t)r->processes, "memory",
	    (json_int_t)r->memory, "execs", (json_int_t)r->execs, "ptys",
	    (json_int_t)r->ptys, "limits", "memory",
	    (json_int_t)r->memory_max, "cpu", (json_int_t)r->cpu_max,
	    "pids", (json_int_t)r->pids_max);
}

/* The session was looked up: send the action, or 404; 1 if done. */
static int
reply_then(struct sreq *s)
{
	struct chan	*c = child_chan(PROC_SESSION);
	int		 rv = -1;

	if (s->then == SREQ_INFO) {
		if (s->row != NULL)
			http_reply_json(s->req, 200, json_incref(s->row));
		else
			http_reply_error(s->req, 404, "no_session",
			    "no such session");
		return 1;
	}
	if (s->row == NULL) {
		http_reply_error(s->req, 404, "no_session", "no such session");
		return 1;
	}
	if (c != NULL && s->then == SREQ_KILL)
		rv = proto_send_session_kill(c, s->id, &s->ref);
	else if (c != NULL && s->then == SREQ_EXEC)
		rv = proto_send_session_exec(c, MSG_SESSION_EXEC, s->id, -1,
		    s->exec);
	else if (c != NULL && s->then == SREQ_PTY)
		rv = proto_send_session_pty(c, MSG_SESSION_PTY, s->id,
		    &s->pty);
	if (rv == -1) {
		http_reply_error(s->req, 503, "busy", "try again later");
		return 1;
	}
	child_commit(c);
	s->kind = s->then;
	return 0;
}

/* A ROW: kept if it is in the gated project. */
static void
reply_row(struct sreq *s, const struct p_session_row *r)
{
	if (strcmp(r->project, s->project) != 0)
		return;
	if (s->kind == SREQ_LIST)
		json_array_append_new(s->rows, row_json(r));
	else if (s->row == NULL)
		s->row = row_json(r);
}

/* LIST_END: answer with what the rows said; 1 when s is done. */
static int
reply_list_end(struct sreq *s)
{
	if (s->kind == SREQ_CHECK)
		return reply_then(s);
	if (s->kind == SREQ_LIST)
		http_reply_json(s->req, 200, json_pack("{s:O}", "sessions",
		    s->rows));
	return 1;
}

static void
reply_killed(struct sreq *s, const struct p_session_killed *k)
{
	struct timespec	 now;
	json_t		*j, *conf;
	uint32_t	 i;
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - s->t0.tv_sec) * 1e3 +
	    (now.tv_nsec - s->t0.tv_nsec) / 1e6;
	if ((conf = json_array()) != NULL)
		for (i = 0; i < k->nconflicts; i++)
			json_array_append_new(conf,
			    json_string(k->conflicts[i]));
	j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:b, s:f, s:f, s:f}",
	    "id", k->uuid, "reason", why_names[k->reason], "end",
	    mode_name(k->mode), "result", res_names[k->result], "applied",
	    (json_int_t)k->applied, "conflicts", conf ? conf : json_array(),
	    "truncated", k->truncated, "kill_ms", k->kill_us / 1e3,
	    "total_ms", k->total_us / 1e3, "front_ms", ms);
	http_reply_json(s->req, j != NULL ? 200 : 500, j);
}

/* The exec's output. */

/*
 * sessions_frame_json: the NDJSON line of one output frame, newline
 * included: {"stream":"stdout"|"stderr","data":base64} or
 * {"exit":status,"signal":n}.  The caller frees it; NULL on failure.
 */
char *
sessions_frame_json(uint8_t type, const uint8_t *data, size_t len)
{
	json_t	*j;
	char	*b64, *s;
	size_t	 n;
	int32_t	 code, sig;

	if (type == SESSION_FRAME_EXIT) {
		memcpy(&code, data, 4);
		memcpy(&sig, data + 4, 4);
		code = le32toh(code);
		sig = le32toh(sig);
		j = json_pack("{s:i, s:i}", "exit", code, "signal", sig);
	} else {
		n = sodium_base64_encoded_len(len,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = malloc(n)) == NULL)
			return NULL;
		sodium_bin2base64(b64, n, data, len,
		    sodium_base64_VARIANT_ORIGINAL);
		j = json_pack("{s:s, s:s}", "stream", type ==
		    SESSION_FRAME_STDOUT ? "stdout" : "stderr", "data", b64);
		free(b64);
	}
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return NULL;
	}
	json_decref(j);
	n = strlen(s);
	if ((b64 = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	memcpy(b64 + n, "\n", 2);
	return b64;
}

/* Closing the descriptor kills the command, if it still runs. */
static void
exec_free(struct sexec *x)
{
	if (x->bev != NULL)
		bufferevent_free(x->bev);
	http_req_on_gone(x->req, NULL, NULL);
	http_reply_on_drain(x->req, NULL, NULL);
	http_req_unref(x->req);
	free(x);
}

static void
exec_line(struct sexec *x, uint8_t type, const uint8_t *data, size_t len)
{
	char	*line;

	if ((line = sessions_frame_json(type, data, len)) == NULL)
		return;
	http_reply_chunk(x->req, line, strlen(line));
	free(line);
}

/* Relay every whole frame in the input; -1 on a malformed one. */
static int
exec_frames(struct sexec *x)
{
	struct evbuffer	*in = bufferevent_get_input(x->bev);
	uint8_t		 hdr[SESSION_FRAME_HDR], *p;
	uint8_t		 type;
	uint32_t	 len;

	while (!x->exited && http_reply_pending(x->req) <
	    SESSIONS_OUT_BOUND && evbuffer_copyout(in, hdr,
	    sizeof(hdr)) == sizeof(hdr)) {
		if (session_frame_get(hdr, &type, &len) == -1)
			return -1;
		if (evbuffer_get_length(in) < sizeof(hdr) + len)
			break;
		if ((p = evbuffer_pullup(in, sizeof(hdr) + len)) == NULL)
			return -1;
		exec_line(x, type, p + sizeof(hdr), len);
		evbuffer_drain(in, sizeof(hdr) + len);
		if (type == SESSION_FRAME_EXIT)
			x->exited = 1;
	}
	if (!x->eof && http_reply_pending(x->req) >= SESSIONS_OUT_BOUND)
		bufferevent_disable(x->bev, EV_READ);
	return 0;
}

static void
exec_finish(struct sexec *x)
{
	static const char	 killed[] = "{\"killed\":true}\n";

	if (!x->exited)
		http_reply_chunk(x->req, killed, sizeof(killed) - 1);
	http_reply_end(x->req);
	exec_free(x);
}

/* Relay what can go now; end the stream once it is over. */
static void
exec_pump(struct sexec *x)
{
	if (exec_frames(x) == -1) {
		log_warnx("exec stream: malformed frame");
		exec_finish(x);
	} else if (x->exited || (x->eof &&
	    http_reply_pending(x->req) < SESSIONS_OUT_BOUND))
		exec_finish(x);
}

static void
exec_read_cb(struct bufferevent *bev, void *arg)
{
	exec_pump(arg);
}

static void
exec_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sexec	*x = arg;

	x->eof = 1;
	bufferevent_disable(bev, EV_READ);
	exec_pump(x);
}

static void
exec_drain_cb(struct http_req *req, void *arg)
{
	struct sexec	*x = arg;

	if (!x->eof)
		bufferevent_enable(x->bev, EV_READ);
	exec_pump(x);
}

static void
exec_gone_cb(struct http_req *req, void *arg)
{
	exec_free(arg);
}

/* EXEC_OK: start the NDJSON stream from the descriptor. */
static void
reply_exec(struct sreq *s, int fd)
{
	struct sexec	*x = NULL;

	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    (x = calloc(1, sizeof(*x))) == NULL ||
	    (x->bev = bufferevent_socket_new(server_base(), fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(x);
		close(fd);
		http_reply_error(s->req, 503, "busy", "try again later");
		return;
	}
	x->req = s->req;
	http_req_ref(x->req);
	if (http_reply_start(x->req, 200, "application/x-ndjson") == -1) {
		exec_free(x);
		return;
	}
	http_req_on_gone(x->req, exec_gone_cb, x);
	http_reply_on_drain(x->req, exec_drain_cb, x);
	bufferevent_setcb(x->bev, exec_read_cb, NULL, exec_event_cb, x);
	bufferevent_enable(x->bev, EV_READ);
}

/* The pty bridge. */

static void
pty_read_cb(struct bufferevent *bev, void *arg)
{
	struct spty	*t = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		 buf[SESSIONS_PTY_READ];
	int		 n;

	while (ws_queued(t->ws) < WS_QUEUE_MSGS / 2 &&
	    (n = evbuffer_remove(in, buf, sizeof(buf))) > 0)
		if (ws_send(t->ws, 1, buf, n) == -1)
			return;
	if (evbuffer_get_length(in) > 0)
		bufferevent_disable(bev, EV_READ);
}

/* The terminal closed: its status if known, then the close. */
static void
pty_finish(struct spty *t)
{
	char	msg[64];
	int	n;

	if (t->exited) {
		n = snprintf(msg, sizeof(msg), "{\"exit\":%d,\"signal\":%d}",
		    (int)t->e.code, (int)t->e.sig);
		(void)ws_send(t->ws, 0, msg, n);
	}
	ws_close(t->ws, WS_CLOSE_NORMAL, "the terminal closed");
}

static void
pty_on_linger(evutil_socket_t fd, short ev, void *arg)
{
	pty_finish(arg);
}

static void
pty_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct timeval	 tv = { SESSIONS_PTY_LINGER, 0 };
	struct spty	*t = arg;

	pty_read_cb(bev, t);
	bufferevent_disable(bev, EV_READ | EV_WRITE);
	t->eof = 1;
	if (t->exited || t->gone || evtimer_add(t->linger, &tv) == -1)
		pty_finish(t);
}

/* A session ended (KILLED): no status will come for its ptys. */
static void
pty_killed(const struct msg *m)
{
	struct p_session_killed	*k;
	struct spty		*t;

	if ((k = malloc(sizeof(*k))) == NULL)
		return;
	if (proto_get_session_killed(m, k) == 0)
		TAILQ_FOREACH(t, &sptys, entry) {
			if (strcmp(t->uuid, k->uuid) != 0 || t->exited)
				continue;
			t->gone = 1;
			if (t->eof) {
				evtimer_del(t->linger);
				pty_finish(t);
			}
		}
	free(k);
}

/*
 * sessions_pty_exit: PTY_EXIT, the shell of a pty ended; the pty may
 * be gone already.  -1 on a payload that does not decode.
 */
int
sessions_pty_exit(struct chan *c, struct msg *m)
{
	struct p_session_pty_exit	 p;
	struct spty			*t;

	if (proto_get_session_pty_exit(m, &p) == -1)
		return -1;
	TAILQ_FOREACH(t, &sptys, entry)
		if (t->id == p.e.id && !t->exited &&
		    strcmp(t->uuid, p.uuid) == 0)
			break;
	if (t == NULL)
		return 0;
	t->exited = 1;
	t->e = p.e;
	if (t->eof) {
		evtimer_del(t->linger);
		pty_finish(t);
	}
	return 0;
}

static void
pty_on_drain(struct ws_conn *ws, void *arg)
{
	struct spty	*t = arg;

	if (t->bev == NULL)
		return;
	/* after the end: what is left goes out, nothing more is read */
	if (!t->eof)
		bufferevent_enable(t->bev, EV_READ);
	pty_read_cb(t->bev, t);
}

static void
pty_resize(struct spty *t, const uint8_t *data, size_t len)
{
	struct p_session_pty	 p;
	struct sreq		*s;
	json_t			*j;
	int			 rows, cols;

	j = json_loadb((const char *)data, len, 0, NULL);
	if (j == NULL || json_unpack(j, "{s:[ii]}", "resize", &rows,
	    &cols) != 0 || rows < 1 || rows > 1000 || cols < 1 ||
	    cols > 1000) {
		json_decref(j);
		ws_close(t->ws, WS_CLOSE_POLICY, "bad resize");
		return;
	}
	json_decref(j);
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.uuid, t->uuid, sizeof(p.uuid));
	pccx_strlcpy(p.user, t->user, sizeof(p.user));
	p.id = t->id;
	p.rows = rows;
	p.cols = cols;
	if ((s = sreq_new(NULL, SREQ_RESIZE)) != NULL)
		sreq_sent(s, proto_send_session_pty(child_chan(PROC_SESSION),
		    MSG_SESSION_RESIZE, s->id, &p));
}

static void
pty_on_message(struct ws_conn *ws, int binary, const uint8_t *data,
    size_t len, void *arg)
{
	struct spty	*t = arg;

	if (!binary) {
		pty_resize(t, data, len);
		return;
	}
	if (t->bev == NULL)
		return;
	if (evbuffer_get_length(bufferevent_get_output(t->bev)) + len >
	    SESSIONS_PTY_INBOUND) {
		ws_close(ws, WS_CLOSE_POLICY, "terminal input too fast");
		return;
	}
	bufferevent_write(t->bev, data, len);
}

static void
pty_on_close(struct ws_conn *ws, uint16_t code, void *arg)
{
	struct spty	*t = arg;

	log_debug("pty %u of session %s ends, code %u", t->id, t->uuid,
	    code);
	TAILQ_REMOVE(&sptys, t, entry);
	event_free(t->linger);
	if (t->bev != NULL)
		bufferevent_free(t->bev);
	free(t);
}

/* PTY_OK: take the connection and bridge it to the master. */
static void
reply_pty(struct sreq *s, const struct p_session_handle *h, int fd)
{
	struct bufferevent	*up;
	struct spty		*t = NULL;

	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    (t = calloc(1, sizeof(*t))) == NULL || (t->linger =
	    evtimer_new(server_base(), pty_on_linger, t)) == NULL ||
	    (t->bev = bufferevent_socket_new(server_base(), fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		if (t != NULL && t->linger != NULL)
			event_free(t->linger);
		free(t);
		close(fd);
		http_reply_error(s->req, 503, "busy", "try again later");
		return;
	}
	pccx_strlcpy(t->uuid, h->uuid, sizeof(t->uuid));
	pccx_strlcpy(t->user, s->user, sizeof(t->user));
	t->id = h->id;
	if ((up = http_reply_upgrade(s->req)) == NULL ||
	    (t->ws = ws_accept(server_base(), up, server_limits(),
	    http_req_peer(s->req), &pty_handler, t)) == NULL) {
		event_free(t->linger);
		bufferevent_free(t->bev);
		free(t);
		return;
	}
	TAILQ_INSERT_TAIL(&sptys, t, entry);
	bufferevent_setcb(t->bev, pty_read_cb, NULL, pty_event_cb, t);
	bufferevent_enable(t->bev, EV_READ | EV_WRITE);
}

/* EXEC_OK, PTY_OK, OK: hand the descriptor on, or leave it to close. */
static int
reply_handle(struct sreq *s, struct msg *m, int gone)
{
	struct p_session_handle	h;

	if (proto_get_session_handle(m, &h) == -1)
		return -1;
	if (gone || m->fd == -1)
		return 0;
	if (m->hdr.type == MSG_SESSION_EXEC_OK && s->kind == SREQ_EXEC)
		reply_exec(s, m->fd);
	else if (m->hdr.type == MSG_SESSION_PTY_OK && s->kind == SREQ_PTY)
		reply_pty(s, &h, m->fd);
	else
		return 0;
	m->fd = -1;
	return 0;
}

static int
reply_killed_msg(struct sreq *s, struct msg *m, int gone)
{
	struct p_session_killed	*k;

	if ((k = malloc(sizeof(*k))) == NULL)
		fatal("killed");
	if (proto_get_session_killed(m, k) == -1) {
		free(k);
		return -1;
	}
	if (!gone && s->kind == SREQ_KILL)
		reply_killed(s, k);
	free(k);
	return 0;
}

/* Decode and dispatch one reply; -1 on a payload that does not decode. */
static int
sessions_reply(struct sreq *s, struct msg *m)
{
	union {
		struct p_session_error	 error;
		struct p_session_opened	 opened;
		struct p_session_row	 row;
		struct p_session_count	 count;
	} u;
	int	done = 1, rv = 0;
	int	gone = s->req == NULL || http_req_gone(s->req);

	switch (m->hdr.type) {
	case MSG_SESSION_ERROR:
		if ((rv = proto_get_session_error(m, &u.error)) == 0 && !gone)
			reply_error(s, &u.error);
		break;
	case MSG_SESSION_OPENED:
		if ((rv = proto_get_session_opened(m, &u.opened)) == 0 &&
		    !gone)
			http_reply_json(s->req, 201, json_pack("{s:s, s:I}",
			    "id", u.opened.uuid, "started",
			    (json_int_t)u.opened.started));
		break;
	case MSG_SESSION_ROW:
		if ((rv = proto_get_session_row(m, &u.row)) == 0 && !gone)
			reply_row(s, &u.row);
		done = 0;
		break;
	case MSG_SESSION_LIST_END:
		if ((rv = proto_get_session_list_end(m, &u.count)) == 0 &&
		    !gone)
			done = reply_list_end(s);
		break;
	case MSG_SESSION_KILLED:
		rv = reply_killed_msg(s, m, gone);
		break;
	default:
		rv = reply_handle(s, m, gone);
		break;
	}
	if (done || rv == -1)
		sreq_free(s);
	return rv;
}

/*
 * sessions_msg: a reply of the session daemon, matched to its request
 * by peer id; see sessions.h.
 */
int
sessions_msg(struct chan *c, struct msg *m)
{
	struct sreq	*s;
	int		 rv;

	if (m->hdr.type == MSG_SESSION_KILLED && !TAILQ_EMPTY(&sptys))
		pty_killed(m);
	if (m->hdr.peerid == 0 || (s = sreq_find(m->hdr.peerid)) == NULL) {
		/* An unasked end, or a request that has gone. */
		if (m->fd != -1)
			close(m->fd);
		m->fd = -1;
		return 0;
	}
	rv = sessions_reply(s, m);
	if (m->fd != -1)
		close(m->fd);
	m->fd = -1;
	return rv;
}
