/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Typed encoders and decoders of the session messages, and exec frames. */

#include <string.h>

#include "common/wire.h"
#include "proto/auth.h"
#include "proto/session.h"

#define ROLE_MIN	1		/* ROLE_VIEWER in remoted/config.h */
#define ROLE_MAX	3		/* ROLE_OWNER */
#define WINSZ_MAX	1000
#define SIG_MAXNR	64

static int
send_wire(struct chan *c, uint16_t type, uint32_t peerid, int fd,
    const struct wire_w *w)
{
	if (!wire_ok(w))
		return -1;
	return chan_compose(c, type, peerid, fd, w->buf, w->len);
}

int
proto_session_uuid_ok(const char *s)
{
	size_t	i;

	for (i = 0; i < SESSION_UUIDLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[SESSION_UUIDLEN] == '\0';
}

static void
get_uuid(struct wire_r *r, char *dst)
{
	wire_get_str(r, dst, SESSION_IDSZ);
	if (!r->err && !proto_session_uuid_ok(dst))
		r->err = 1;
}

/* An absolute path: a leading slash, nothing else asked of it here. */
static void
get_path(struct wire_r *r, char *dst, size_t size)
{
	wire_get_str(r, dst, size);
	if (!r->err && dst[0] != '/')
		r->err = 1;
}

static void
get_name(struct wire_r *r, char *dst, size_t size, int empty_ok)
{
	wire_get_str(r, dst, size);
	if (!r->err && !empty_ok && dst[0] == '\0')
		r->err = 1;
}

/* A Unix account: it names the home directory, so no slash or dots. */
static int
account_ok(const char *s)
{
	size_t	i;

	if (s[0] == '\0' || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

static void
get_account(struct wire_r *r, char *dst, size_t size)
{
	wire_get_str(r, dst, size);
	if (!r->err && !account_ok(dst))
		r->err = 1;
}

/* A user's ids: never root, never the "no id" value. */
static void
get_ids(struct wire_r *r, uint32_t *uid, uint32_t *gid, int any_ok)
{
	*uid = wire_get_u32(r);
	*gid = wire_get_u32(r);
	if (any_ok && *uid == SESSION_ANYID && *gid == SESSION_ANYID)
		return;
	if (*uid == 0 || *gid == 0 || *uid == SESSION_ANYID ||
	    *gid == SESSION_ANYID)
		r->err = 1;
}

/* An account's groups: a count, then each; never root's, nor "no id". */
static int
put_groups(struct wire_w *w, uint32_t n, const uint32_t *groups)
{
	uint32_t	i;

	if (n > SESSION_GROUPSMAX)
		return -1;
	wire_put_u32(w, n);
	for (i = 0; i < n; i++)
		wire_put_u32(w, groups[i]);
	return 0;
}

static void
get_groups(struct wire_r *r, uint32_t *n, uint32_t *groups)
{
	uint32_t	i;

	memset(groups, 0, SESSION_GROUPSMAX * sizeof(*groups));
	*n = wire_get_range(r, 1, SESSION_GROUPSMAX);
	for (i = 0; i < *n && !r->err; i++) {
		groups[i] = wire_get_u32(r);
		if (groups[i] == 0 || groups[i] == SESSION_ANYID)
			r->err = 1;
	}
}

int
proto_send_session_settings(struct chan *c,
    const struct p_session_conf_settings *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->per_user);
	wire_put_u32(&w, p->keep);
	wire_put_str(&w, p->root);
	wire_put_str(&w, p->state_dir);
	return send_wire(c, MSG_SESSION_CONF_SETTINGS, 0, -1, &w);
}

int
proto_get_session_settings(const struct msg *m,
    struct p_session_conf_settings *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->per_user = wire_get_range(&r, 1, SESSION_PERUSER_MAX);
	p->keep = wire_get_range(&r, 0, SESSION_KEEP_MAX);
	get_path(&r, p->root, sizeof(p->root));
	get_path(&r, p->state_dir, sizeof(p->state_dir));
	return wire_done(&r);
}

int
proto_send_session_project(struct chan *c,
    const struct p_session_conf_project *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->name);
	wire_put_str(&w, p->path);
	wire_put_u64(&w, p->memory);
	wire_put_u32(&w, p->cpu);
	wire_put_u32(&w, p->pids);
	wire_put_u32(&w, p->idle_timeout);
	return send_wire(c, MSG_SESSION_CONF_PROJECT, 0, -1, &w);
}

int
proto_get_session_project(const struct msg *m,
    struct p_session_conf_project *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_name(&r, p->name, sizeof(p->name), 0);
	get_path(&r, p->path, sizeof(p->path));
	p->memory = wire_get_u64(&r);
	p->cpu = wire_get_range(&r, 0, SESSION_CPU_MAX);
	p->pids = wire_get_range(&r, 0, SESSION_PIDS_MAX);
	p->idle_timeout = wire_get_range(&r, 1, SESSION_IDLE_MAX);
	return wire_done(&r);
}

int
proto_send_session_member(struct chan *c,
    const struct p_session_conf_member *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->project);
	wire_put_str(&w, p->user);
	wire_put_str(&w, p->account);
	wire_put_u32(&w, p->uid);
	wire_put_u32(&w, p->gid);
	wire_put_u8(&w, p->role);
	if (put_groups(&w, p->ngroups, p->groups) == -1)
		return -1;
	return send_wire(c, MSG_SESSION_CONF_MEMBER, 0, -1, &w);
}

int
proto_get_session_member(const struct msg *m,
    struct p_session_conf_member *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_name(&r, p->project, sizeof(p->project), 0);
	get_name(&r, p->user, sizeof(p->user), 0);
	get_account(&r, p->account, sizeof(p->account));
	get_ids(&r, &p->uid, &p->gid, 0);
	p->role = wire_get_u8(&r);
	get_groups(&r, &p->ngroups, p->groups);
	if (p->role < ROLE_MIN || p->role > ROLE_MAX)
		return -1;
	return wire_done(&r);
}

int
proto_send_session_path(struct chan *c, uint16_t type,
    const struct p_session_path *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->path);
	return send_wire(c, type, 0, -1, &w);
}

int
proto_get_session_path(const struct msg *m, struct p_session_path *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_path(&r, p->path, sizeof(p->path));
	return wire_done(&r);
}

int
proto_send_session_open(struct chan *c, uint32_t peerid,
    const struct p_session_open *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->user);
	wire_put_u32(&w, p->uid);
	wire_put_u32(&w, p->gid);
	wire_put_str(&w, p->project);
	wire_put_u8(&w, p->mode);
	wire_put_u64(&w, p->memory);
	wire_put_u32(&w, p->cpu);
	wire_put_u32(&w, p->pids);
	wire_put_str(&w, p->device);
	wire_put_str(&w, p->sid);
	return send_wire(c, MSG_SESSION_OPEN, peerid, -1, &w);
}

int
proto_get_session_open(const struct msg *m, struct p_session_open *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_name(&r, p->user, sizeof(p->user), 0);
	get_ids(&r, &p->uid, &p->gid, 1);
	get_name(&r, p->project, sizeof(p->project), 0);
	p->mode = wire_get_u8(&r);
	p->memory = wire_get_u64(&r);
	p->cpu = wire_get_range(&r, 0, SESSION_CPU_MAX);
	p->pids = wire_get_range(&r, 0, SESSION_PIDS_MAX);
	get_name(&r, p->device, sizeof(p->device), 1);
	get_name(&r, p->sid, sizeof(p->sid), 1);
	if (p->mode != SESSION_MODE_SQUASH && p->mode != SESSION_MODE_DISCARD)
		return -1;
	if (!proto_auth_id_ok(p->device) || !proto_auth_id_ok(p->sid))
		return -1;
	return wire_done(&r);
}

int
proto_send_session_opened(struct chan *c, uint32_t peerid,
    const struct p_session_opened *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	wire_put_u64(&w, p->started);
	return send_wire(c, MSG_SESSION_OPENED, peerid, -1, &w);
}

int
proto_get_session_opened(const struct msg *m, struct p_session_opened *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	p->started = wire_get_u64(&r);
	return wire_done(&r);
}

int
proto_send_session_error(struct chan *c, uint32_t peerid,
    const struct p_session_error *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->code);
	wire_put_str(&w, p->text);
	return send_wire(c, MSG_SESSION_ERROR, peerid, -1, &w);
}

int
proto_get_session_error(const struct msg *m, struct p_session_error *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->code = wire_get_range(&r, 1, SESSION_E_MAXCODE);
	wire_get_str(&r, p->text, sizeof(p->text));
	return wire_done(&r);
}

int
proto_send_session_list(struct chan *c, uint32_t peerid,
    const struct p_session_list *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->user);
	wire_put_str(&w, p->project);
	return send_wire(c, MSG_SESSION_LIST, peerid, -1, &w);
}

int
proto_get_session_list(const struct msg *m, struct p_session_list *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_name(&r, p->user, sizeof(p->user), 1);
	get_name(&r, p->project, sizeof(p->project), 1);
	return wire_done(&r);
}

int
proto_send_session_ref(struct chan *c, uint16_t type, uint32_t peerid,
    const struct p_session_ref *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	wire_put_str(&w, p->user);
	if (type == MSG_SESSION_KILL) {
		wire_put_u8(&w, p->mode);
		wire_put_str(&w, p->by);
	}
	return send_wire(c, type, peerid, -1, &w);
}

int
proto_send_session_kill(struct chan *c, uint32_t peerid,
    const struct p_session_ref *p)
{
	return proto_send_session_ref(c, MSG_SESSION_KILL, peerid, p);
}

int
proto_get_session_ref(const struct msg *m, struct p_session_ref *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	get_name(&r, p->user, sizeof(p->user), 1);
	p->mode = SESSION_MODE_DEFAULT;
	p->by[0] = '\0';
	if (m->hdr.type == MSG_SESSION_KILL) {
		p->mode = wire_get_u8(&r);
		get_name(&r, p->by, sizeof(p->by), 1);
		if (p->mode > SESSION_MODE_DISCARD)
			return -1;
	} else if (m->hdr.type != MSG_SESSION_INFO)
		return -1;
	return wire_done(&r);
}

int
proto_send_session_row(struct chan *c, uint32_t peerid,
    const struct p_session_row *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	wire_put_str(&w, p->user);
	wire_put_str(&w, p->account);
	wire_put_str(&w, p->project);
	wire_put_u8(&w, p->state);
	wire_put_u8(&w, p->mode);
	wire_put_u64(&w, p->started);
	wire_put_u64(&w, p->active);
	wire_put_u32(&w, p->processes);
	wire_put_u64(&w, p->memory);
	wire_put_u32(&w, p->execs);
	wire_put_u32(&w, p->ptys);
	wire_put_u64(&w, p->memory_max);
	wire_put_u32(&w, p->cpu_max);
	wire_put_u32(&w, p->pids_max);
	return send_wire(c, MSG_SESSION_ROW, peerid, -1, &w);
}

int
proto_get_session_row(const struct msg *m, struct p_session_row *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	get_name(&r, p->user, sizeof(p->user), 0);
	get_account(&r, p->account, sizeof(p->account));
	get_name(&r, p->project, sizeof(p->project), 0);
	p->state = wire_get_u8(&r);
	p->mode = wire_get_u8(&r);
	p->started = wire_get_u64(&r);
	p->active = wire_get_u64(&r);
	p->processes = wire_get_u32(&r);
	p->memory = wire_get_u64(&r);
	p->execs = wire_get_u32(&r);
	p->ptys = wire_get_u32(&r);
	p->memory_max = wire_get_u64(&r);
	p->cpu_max = wire_get_range(&r, 0, SESSION_CPU_MAX);
	p->pids_max = wire_get_range(&r, 0, SESSION_PIDS_MAX);
	if (p->state < SESSION_ST_OPENING || p->state > SESSION_ST_ENDING ||
	    (p->mode != SESSION_MODE_SQUASH && p->mode != SESSION_MODE_DISCARD))
		return -1;
	return wire_done(&r);
}

int
proto_send_session_list_end(struct chan *c, uint32_t peerid,
    const struct p_session_count *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->count);
	return send_wire(c, MSG_SESSION_LIST_END, peerid, -1, &w);
}

int
proto_get_session_list_end(const struct msg *m, struct p_session_count *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->count = wire_get_u32(&r);
	return wire_done(&r);
}

static void
put_strv(struct wire_w *w, uint32_t n, char *const *v)
{
	uint32_t	i;

	wire_put_u16(w, n);
	for (i = 0; i < n; i++)
		wire_put_str(w, v[i]);
}

/* Strings packed one after another into buf, NUL-terminated each. */
static void
get_strv(struct wire_r *r, uint32_t *n, char **v, uint32_t lo,
    char *buf, size_t *off, size_t size)
{
	uint32_t	i;

	*n = wire_get_u16(r);
	if (*n < lo || *n > SESSION_ARGMAX)
		r->err = 1;
	for (i = 0; !r->err && i < *n; i++) {
		if (*off >= size) {
			r->err = 1;
			break;
		}
		wire_get_str(r, buf + *off, size - *off);
		v[i] = buf + *off;
		*off += strlen(v[i]) + 1;
	}
	if (r->err)
		*n = 0;
	v[*n] = NULL;
}

/* NAME=value with a name of letters, digits and underscores. */
static int
env_ok(const char *s)
{
	size_t	i;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	    s[0] == '_'))
		return 0;
	for (i = 1; s[i] != '='; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

int
proto_send_session_exec(struct chan *c, uint16_t type, uint32_t peerid,
    int fd, const struct p_session_exec *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	if (type == MSG_SESSION_EXEC) {
		wire_put_str(&w, p->uuid);
		wire_put_str(&w, p->user);
	} else
		wire_put_u32(&w, p->id);
	wire_put_str(&w, p->cwd);
	put_strv(&w, p->argc, p->argv);
	put_strv(&w, p->envc, p->env);
	wire_put_u8(&w, p->in != NULL);
	if (p->in != NULL) {
		wire_put_u32(&w, p->inlen);
		wire_put_bytes(&w, p->in, p->inlen);
	}
	return send_wire(c, type, peerid, fd, &w);
}

int
proto_get_session_exec(const struct msg *m, struct p_session_exec *p)
{
	struct wire_r	r;
	size_t		off = 0;
	uint32_t	i;
	uint8_t		has_in;

	wire_r_init(&r, m->data, m->len);
	p->uuid[0] = p->user[0] = '\0';
	p->id = 0;
	if (m->hdr.type == MSG_SESSION_EXEC) {
		get_uuid(&r, p->uuid);
		get_name(&r, p->user, sizeof(p->user), 0);
	} else if (m->hdr.type == MSG_SESSION_I_EXEC)
		p->id = wire_get_u32(&r);
	else
		return -1;
	get_path(&r, p->cwd, sizeof(p->cwd));
	get_strv(&r, &p->argc, p->argv, 1, p->buf, &off, sizeof(p->buf));
	get_strv(&r, &p->envc, p->env, 0, p->buf, &off, sizeof(p->buf));
	p->in = NULL;
	p->inlen = 0;
	if ((has_in = wire_get_u8(&r)) > 1)
		return -1;
	if (has_in) {
		p->inlen = wire_get_range(&r, 0, SESSION_INMAX);
		if (r.err || p->inlen > sizeof(p->buf) - off)
			return -1;
		p->in = p->buf + off;
		wire_get_bytes(&r, p->in, p->inlen);
	}
	if (wire_done(&r) == -1)
		return -1;
	if (p->argv[0][0] == '\0')
		return -1;
	for (i = 0; i < p->envc; i++)
		if (!env_ok(p->env[i]))
			return -1;
	return 0;
}

int
proto_send_session_handle(struct chan *c, uint16_t type, uint32_t peerid,
    int fd, const struct p_session_handle *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	wire_put_u32(&w, p->id);
	return send_wire(c, type, peerid, fd, &w);
}

int
proto_get_session_handle(const struct msg *m, struct p_session_handle *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	p->id = wire_get_u32(&r);
	return wire_done(&r);
}

static int
term_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == '_' || s[i] == '+'))
			return 0;
	return 1;
}

int
proto_send_session_pty(struct chan *c, uint16_t type, uint32_t peerid,
    const struct p_session_pty *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	if (type == MSG_SESSION_PTY || type == MSG_SESSION_RESIZE) {
		wire_put_str(&w, p->uuid);
		wire_put_str(&w, p->user);
	}
	if (type != MSG_SESSION_PTY)
		wire_put_u32(&w, p->id);
	wire_put_u16(&w, p->rows);
	wire_put_u16(&w, p->cols);
	if (type == MSG_SESSION_PTY || type == MSG_SESSION_I_PTY)
		wire_put_str(&w, p->term);
	return send_wire(c, type, peerid, -1, &w);
}

int
proto_get_session_pty(const struct msg *m, struct p_session_pty *p)
{
	struct wire_r	r;
	uint16_t	t = m->hdr.type;

	if (t != MSG_SESSION_PTY && t != MSG_SESSION_RESIZE &&
	    t != MSG_SESSION_I_PTY && t != MSG_SESSION_I_RESIZE)
		return -1;
	memset(p, 0, sizeof(*p));
	wire_r_init(&r, m->data, m->len);
	if (t == MSG_SESSION_PTY || t == MSG_SESSION_RESIZE) {
		get_uuid(&r, p->uuid);
		get_name(&r, p->user, sizeof(p->user), 0);
	}
	if (t != MSG_SESSION_PTY)
		p->id = wire_get_u32(&r);
	p->rows = wire_get_u16(&r);
	p->cols = wire_get_u16(&r);
	if (t == MSG_SESSION_PTY || t == MSG_SESSION_I_PTY) {
		wire_get_str(&r, p->term, sizeof(p->term));
		if (!term_ok(p->term))
			return -1;
	}
	if (p->rows < 1 || p->rows > WINSZ_MAX || p->cols < 1 ||
	    p->cols > WINSZ_MAX)
		return -1;
	return wire_done(&r);
}

int
session_killed_add(struct p_session_killed *p, const char *path)
{
	size_t	n = strlen(path) + 1;

	if (p->nconflicts == SESSION_CONFLICTMAX || n > PATH_MAX ||
	    n > sizeof(p->buf) - p->buflen) {
		p->truncated = 1;
		return -1;
	}
	memcpy(p->buf + p->buflen, path, n);
	p->conflicts[p->nconflicts++] = p->buf + p->buflen;
	p->buflen += n;
	return 0;
}

int
proto_send_session_killed(struct chan *c, uint32_t peerid,
    const struct p_session_killed *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	wire_put_u8(&w, p->reason);
	wire_put_u8(&w, p->mode);
	wire_put_u8(&w, p->result);
	wire_put_u8(&w, p->truncated);
	wire_put_u32(&w, p->kill_us);
	wire_put_u32(&w, p->total_us);
	wire_put_u32(&w, p->applied);
	put_strv(&w, p->nconflicts, p->conflicts);
	return send_wire(c, MSG_SESSION_KILLED, peerid, -1, &w);
}

int
proto_get_session_killed(const struct msg *m, struct p_session_killed *p)
{
	struct wire_r	r;
	char		*tmp[SESSION_ARGMAX + 1];
	uint32_t	 i, n;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	p->reason = wire_get_u8(&r);
	p->mode = wire_get_u8(&r);
	p->result = wire_get_u8(&r);
	p->truncated = wire_get_u8(&r);
	p->kill_us = wire_get_u32(&r);
	p->total_us = wire_get_u32(&r);
	p->applied = wire_get_u32(&r);
	p->buflen = 0;
	get_strv(&r, &n, tmp, 0, p->buf, &p->buflen, sizeof(p->buf));
	p->nconflicts = n;
	for (i = 0; i < n; i++)
		p->conflicts[i] = tmp[i];
	if (p->reason < SESSION_WHY_REQUEST ||
	    p->reason > SESSION_WHY_SHUTDOWN ||
	    (p->mode != SESSION_MODE_SQUASH &&
	    p->mode != SESSION_MODE_DISCARD) ||
	    p->result > SESSION_RES_KEPT || p->truncated > 1)
		return -1;
	return wire_done(&r);
}

int
proto_send_session_build(struct chan *c, int fd,
    const struct p_session_build *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	wire_put_u32(&w, p->uid);
	wire_put_u32(&w, p->gid);
	wire_put_str(&w, p->account);
	wire_put_str(&w, p->path);
	wire_put_u64(&w, p->tmpsize);
	if (put_groups(&w, p->ngroups, p->groups) == -1)
		return -1;
	return send_wire(c, MSG_SESSION_H_BUILD, 0, fd, &w);
}

int
proto_get_session_build(const struct msg *m, struct p_session_build *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	get_ids(&r, &p->uid, &p->gid, 0);
	get_account(&r, p->account, sizeof(p->account));
	get_path(&r, p->path, sizeof(p->path));
	p->tmpsize = wire_get_u64(&r);
	get_groups(&r, &p->ngroups, p->groups);
	return wire_done(&r);
}

int
proto_send_session_built(struct chan *c, uint16_t type, int fd,
    const struct p_session_built *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	wire_put_u32(&w, p->pid);
	return send_wire(c, type, 0, fd, &w);
}

int
proto_get_session_built(const struct msg *m, struct p_session_built *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	p->pid = wire_get_u32(&r);
	if (m->hdr.type == MSG_SESSION_H_BUILT &&
	    (p->pid == 0 || p->pid > INT32_MAX))
		return -1;
	return wire_done(&r);
}

int
proto_send_session_fail(struct chan *c, uint16_t type,
    const struct p_session_fail *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	if (type == MSG_SESSION_H_FAIL)
		wire_put_str(&w, p->uuid);
	wire_put_u32(&w, p->err);
	wire_put_str(&w, p->text);
	return send_wire(c, type, 0, -1, &w);
}

int
proto_get_session_fail(const struct msg *m, struct p_session_fail *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->uuid[0] = '\0';
	if (m->hdr.type == MSG_SESSION_H_FAIL)
		get_uuid(&r, p->uuid);
	else if (m->hdr.type != MSG_SESSION_I_FAIL)
		return -1;
	p->err = wire_get_range(&r, 0, 4095);
	wire_get_str(&r, p->text, sizeof(p->text));
	return wire_done(&r);
}

static void
put_exit(struct wire_w *w, const struct p_session_exit *p)
{
	wire_put_u32(w, p->id);
	wire_put_u32(w, (uint32_t)p->code);
	wire_put_u32(w, (uint32_t)p->sig);
}

/* An exit status, or a signal: never both. */
static void
get_exit(struct wire_r *r, struct p_session_exit *p)
{
	p->id = wire_get_u32(r);
	p->code = (int32_t)wire_get_u32(r);
	p->sig = (int32_t)wire_get_u32(r);
	if (p->code < -1 || p->code > 255 || p->sig < 0 ||
	    p->sig > SIG_MAXNR || (p->code == -1) != (p->sig != 0))
		r->err = 1;
}

int
proto_send_session_exit(struct chan *c, const struct p_session_exit *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	put_exit(&w, p);
	return send_wire(c, MSG_SESSION_I_EXIT, 0, -1, &w);
}

int
proto_get_session_exit(const struct msg *m, struct p_session_exit *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_exit(&r, p);
	return wire_done(&r);
}

int
proto_send_session_pty_exit(struct chan *c,
    const struct p_session_pty_exit *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->uuid);
	put_exit(&w, &p->e);
	return send_wire(c, MSG_SESSION_PTY_EXIT, 0, -1, &w);
}

int
proto_get_session_pty_exit(const struct msg *m, struct p_session_pty_exit *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	get_uuid(&r, p->uuid);
	get_exit(&r, &p->e);
	return wire_done(&r);
}

int
proto_send_session_id(struct chan *c, uint16_t type, int fd,
    const struct p_session_id *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->id);
	wire_put_u32(&w, p->err);
	return send_wire(c, type, 0, fd, &w);
}

int
proto_get_session_id(const struct msg *m, struct p_session_id *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->id = wire_get_u32(&r);
	p->err = wire_get_range(&r, 0, 4095);
	return wire_done(&r);
}

/* Decode a path message only where a path message belongs. */
static void
decode_path(const struct msg *m)
{
	struct p_session_path	p;

	proto_get_session_path(m, &p);
}

void
proto_session_decode_any(const struct msg *m)
{
	static union {
		struct p_session_conf_settings	s;
		struct p_session_conf_project	pr;
		struct p_session_conf_member	mb;
		struct p_session_open		o;
		struct p_session_opened		od;
		struct p_session_error		e;
		struct p_session_list		l;
		struct p_session_ref		ref;
		struct p_session_row		row;
		struct p_session_count		cnt;
		struct p_session_exec		x;
		struct p_session_handle		h;
		struct p_session_pty		pty;
		struct p_session_killed		k;
		struct p_session_build		b;
		struct p_session_built		bt;
		struct p_session_fail		f;
		struct p_session_exit		ex;
		struct p_session_pty_exit	px;
		struct p_session_id		id;
		struct p_session_trace		tr;
	} u;

	switch (m->hdr.type) {
	case MSG_SESSION_CONF_SETTINGS:
		proto_get_session_settings(m, &u.s);
		break;
	case MSG_SESSION_CONF_PROJECT:
		proto_get_session_project(m, &u.pr);
		break;
	case MSG_SESSION_CONF_MEMBER:
		proto_get_session_member(m, &u.mb);
		break;
	case MSG_SESSION_CONF_HIDE:
	case MSG_SESSION_H_RESET:
	case MSG_SESSION_H_HIDE:
		decode_path(m);
		break;
	case MSG_SESSION_OPEN:
		proto_get_session_open(m, &u.o);
		break;
	case MSG_SESSION_OPENED:
		proto_get_session_opened(m, &u.od);
		break;
	case MSG_SESSION_ERROR:
		proto_get_session_error(m, &u.e);
		break;
	case MSG_SESSION_LIST:
		proto_get_session_list(m, &u.l);
		break;
	case MSG_SESSION_INFO:
	case MSG_SESSION_KILL:
		proto_get_session_ref(m, &u.ref);
		break;
	case MSG_SESSION_ROW:
		proto_get_session_row(m, &u.row);
		break;
	case MSG_SESSION_LIST_END:
		proto_get_session_list_end(m, &u.cnt);
		break;
	case MSG_SESSION_EXEC:
	case MSG_SESSION_I_EXEC:
		proto_get_session_exec(m, &u.x);
		break;
	case MSG_SESSION_EXEC_OK:
	case MSG_SESSION_PTY_OK:
	case MSG_SESSION_OK:
		proto_get_session_handle(m, &u.h);
		break;
	case MSG_SESSION_PTY:
	case MSG_SESSION_RESIZE:
	case MSG_SESSION_I_PTY:
	case MSG_SESSION_I_RESIZE:
		proto_get_session_pty(m, &u.pty);
		break;
	case MSG_SESSION_KILLED:
		proto_get_session_killed(m, &u.k);
		break;
	case MSG_SESSION_H_BUILD:
		proto_get_session_build(m, &u.b);
		break;
	case MSG_SESSION_H_BUILT:
	case MSG_SESSION_H_TREE:
		proto_get_session_built(m, &u.bt);
		break;
	case MSG_SESSION_H_FAIL:
	case MSG_SESSION_I_FAIL:
		proto_get_session_fail(m, &u.f);
		break;
	case MSG_SESSION_I_EXIT:
		proto_get_session_exit(m, &u.ex);
		break;
	case MSG_SESSION_PTY_EXIT:
		proto_get_session_pty_exit(m, &u.px);
		break;
	case MSG_SESSION_I_PTY_OK:
	case MSG_SESSION_I_PTY_SLAVE:
	case MSG_SESSION_I_PTY_FAIL:
		proto_get_session_id(m, &u.id);
		break;
	case MSG_SESSION_I_READY:
		proto_get_empty(m);
		break;
	case MSG_SESSION_TRACE_PUT:
	case MSG_SESSION_TRACE_STREAM:
	case MSG_SESSION_TRACE_LIST:
	case MSG_SESSION_TRACE_ROW:
	case MSG_SESSION_TRACE_GET:
	case MSG_SESSION_TRACE_DATA:
	case MSG_SESSION_TRACE_DEL:
	case MSG_SESSION_TRACE_DONE:
	case MSG_SESSION_REF_PUT:
	case MSG_SESSION_TRACE_END:
		proto_get_session_trace(m, &u.tr);
		break;
	}
}

int
proto_send_session_trace(struct chan *c, uint16_t type, uint32_t peerid,
    int fd, const struct p_session_trace *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_str(&w, p->project);
	wire_put_str(&w, p->id);
	wire_put_str(&w, p->name);
	wire_put_str(&w, p->user);
	wire_put_u8(&w, p->kind);
	wire_put_u8(&w, p->kinds);
	wire_put_u64(&w, p->size);
	wire_put_u64(&w, p->cap);
	return send_wire(c, type, peerid, fd, &w);
}

/* A project or reference name: it becomes a file name. */
static int
trace_name_ok(const char *s, int empty_ok)
{
	size_t	i;

	if (s[0] == '\0')
		return empty_ok;
	if (s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* Which fields a trace message must, may or must not fill. */
static int
trace_fields_ok(uint16_t t, const struct p_session_trace *p)
{
	int	proj, id, name;

	/* the requests, which name a project and a user */
	proj = t == MSG_SESSION_TRACE_PUT || t == MSG_SESSION_TRACE_LIST ||
	    t == MSG_SESSION_TRACE_GET || t == MSG_SESSION_TRACE_DEL ||
	    t == MSG_SESSION_REF_PUT || t == MSG_SESSION_TRACE_END;
	id = t != MSG_SESSION_TRACE_LIST && t != MSG_SESSION_REF_PUT;
	name = t == MSG_SESSION_TRACE_PUT || t == MSG_SESSION_REF_PUT;
	if (!trace_name_ok(p->project, !proj) ||
	    (!proj && p->project[0] != '\0'))
		return 0;
	if ((proj && p->user[0] == '\0') || (!proj && p->user[0] != '\0'))
		return 0;
	if (id && !(t == MSG_SESSION_TRACE_DONE && p->id[0] == '\0') &&
	    !proto_session_uuid_ok(p->id))
		return 0;
	if (!id && p->id[0] != '\0')
		return 0;
	if (!trace_name_ok(p->name, t != MSG_SESSION_REF_PUT) ||
	    (!name && p->name[0] != '\0'))
		return 0;
	return p->kind <= SESSION_TK_MAX &&
	    p->kinds < (1 << (SESSION_TK_MAX + 1));
}

int
proto_get_session_trace(const struct msg *m, struct p_session_trace *p)
{
	struct wire_r	r;
	uint16_t	t = m->hdr.type;

	if (t < MSG_SESSION_TRACE_PUT || t > MSG_SESSION_TRACE_END)
		return -1;
	memset(p, 0, sizeof(*p));
	wire_r_init(&r, m->data, m->len);
	wire_get_str(&r, p->project, sizeof(p->project));
	wire_get_str(&r, p->id, sizeof(p->id));
	wire_get_str(&r, p->name, sizeof(p->name));
	wire_get_str(&r, p->user, sizeof(p->user));
	p->kind = wire_get_u8(&r);
	p->kinds = wire_get_u8(&r);
	p->size = wire_get_u64(&r);
	p->cap = wire_get_u64(&r);
	if (wire_done(&r) == -1 || !trace_fields_ok(t, p))
		return -1;
	return 0;
}

void
session_frame_put(uint8_t *h, uint8_t type, uint32_t len)
{
	h[0] = type;
	h[1] = h[2] = h[3] = 0;
	h[4] = len & 0xff;
	h[5] = (len >> 8) & 0xff;
	h[6] = (len >> 16) & 0xff;
	h[7] = (len >> 24) & 0xff;
}

int
session_frame_get(const uint8_t *h, uint8_t *type, uint32_t *len)
{
	*type = h[0];
	*len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 |
	    (uint32_t)h[7] << 24;
	if (h[1] != 0 || h[2] != 0 || h[3] != 0)
		return -1;
	switch (*type) {
	case SESSION_FRAME_STDOUT:
	case SESSION_FRAME_STDERR:
		return *len >= 1 && *len <= SESSION_FRAME_MAX ? 0 : -1;
	case SESSION_FRAME_EXIT:
		return *len == SESSION_FRAME_EXITLEN ? 0 : -1;
	}
	return -1;
}
