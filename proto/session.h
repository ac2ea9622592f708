/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Session messages: configuration, requests, replies, exec output frames. */

#ifndef PCCX_PROTO_SESSION_H
#define PCCX_PROTO_SESSION_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/*
 * Messages of the session daemon, numbered from MSG_SESSION_BASE.
 * 300-309 come from the parent (configuration), 310-349 are the
 * front end's requests and their replies, 350-369 never leave the
 * session daemon: they go to its helper (H_) and to the init of each
 * session (I_), both of which it forks itself.
 */
enum session_msg {
	MSG_SESSION_CONF_SETTINGS = MSG_SESSION_BASE,	/* parent -> */
	MSG_SESSION_CONF_PROJECT,	/* parent ->, after SETTINGS */
	MSG_SESSION_CONF_MEMBER,	/* parent ->, after its PROJECT */
	/* parent ->: a path sessions lose */
	MSG_SESSION_CONF_HIDE,

	MSG_SESSION_OPEN = MSG_SESSION_BASE + 10,	/* front -> */
	MSG_SESSION_OPENED,		/* -> front */
	MSG_SESSION_ERROR,		/* -> front: any request failed */
	MSG_SESSION_LIST,		/* front -> */
	MSG_SESSION_INFO,		/* front -> */
	MSG_SESSION_ROW,		/* -> front: one per session */
	MSG_SESSION_LIST_END,		/* -> front: after the rows */
	MSG_SESSION_EXEC,		/* front -> */
	/* -> front, with the output stream */
	MSG_SESSION_EXEC_OK,
	MSG_SESSION_PTY,		/* front -> */
	MSG_SESSION_PTY_OK,		/* -> front, with the pty master */
	MSG_SESSION_RESIZE,		/* front -> */
	MSG_SESSION_OK,			/* -> front: RESIZE done */
	MSG_SESSION_KILL,		/* front -> */
	MSG_SESSION_KILLED,		/* -> front; peerid 0 when unasked */
	MSG_SESSION_PTY_EXIT,		/* -> front, unasked */

	/* daemon -> helper */
	MSG_SESSION_H_RESET = MSG_SESSION_BASE + 50,
	MSG_SESSION_H_HIDE,		/* daemon -> helper */
	/* daemon -> helper, init's socket */
	MSG_SESSION_H_BUILD,
	MSG_SESSION_H_BUILT,		/* helper -> daemon, init's pidfd */
	MSG_SESSION_H_TREE,		/* helper -> daemon, project dir */
	MSG_SESSION_H_FAIL,		/* helper -> daemon */

	MSG_SESSION_I_READY = MSG_SESSION_BASE + 60,	/* init -> daemon */
	MSG_SESSION_I_FAIL,		/* init -> daemon: set-up failed */
	MSG_SESSION_I_EXEC,		/* daemon -> init, client stream */
	/* init -> daemon: exec or pty ended */
	MSG_SESSION_I_EXIT,
	MSG_SESSION_I_PTY,		/* daemon -> init */
	MSG_SESSION_I_PTY_OK,		/* init -> daemon, pty master */
	MSG_SESSION_I_PTY_SLAVE,	/* init -> daemon, O_PATH of slave */
	MSG_SESSION_I_PTY_FAIL,		/* init -> daemon */
	MSG_SESSION_I_RESIZE,		/* daemon -> init */
	/* traces, references and reports (sessiond/trace.h) */
	/* front ->, the upload body's pipe */
	MSG_SESSION_TRACE_PUT,
	MSG_SESSION_TRACE_STREAM,	/* -> front, the verdict's pipe */
	MSG_SESSION_TRACE_LIST,		/* front -> */
	MSG_SESSION_TRACE_ROW,		/* -> front: one per trace */
	MSG_SESSION_TRACE_GET,		/* front -> */
	/* -> front, the plaintext's pipe */
	MSG_SESSION_TRACE_DATA,
	MSG_SESSION_TRACE_DEL,		/* front -> */
	/* -> front: DEL or REF_PUT done */
	MSG_SESSION_TRACE_DONE,
	MSG_SESSION_REF_PUT,		/* front ->, the reference's pipe */
	/* front ->: the upload's body is whole, or abandoned */
	MSG_SESSION_TRACE_END,
	MSG_SESSION_MAX
};

#define SESSION_UUIDLEN		36	/* 8-4-4-4-12 lower-case hex */
#define SESSION_IDSZ		(SESSION_UUIDLEN + 1)
#define SESSION_ARGMAX		256	/* argv entries, env entries */
/* their strings together, and an exec's standard input */
#define SESSION_EXECBUF		(56 * 1024)
/* an exec's standard input, given whole with the request */
#define SESSION_INMAX		(32 * 1024)
#define SESSION_TERMSZ		64
#define SESSION_CONFLICTMAX	256	/* paths listed in KILLED */
#define SESSION_CONFLICTBUF	(48 * 1024)
#define SESSION_PERUSER_MAX	1024
#define SESSION_KEEP_MAX	(3650U * 86400)
#define SESSION_PIDS_MAX	4194304
#define SESSION_CPU_MAX		102400	/* percent of one CPU */
#define SESSION_IDLE_MAX	(7 * 86400)	/* seconds */
/* an account's groups, its primary group among them */
#define SESSION_GROUPSMAX	32

/* End modes: what happens to the upper layer when a session ends. */
#define SESSION_MODE_DEFAULT	0	/* KILL: the mode chosen at OPEN */
/* apply the upper layer to the tree */
#define SESSION_MODE_SQUASH	1
#define SESSION_MODE_DISCARD	2	/* throw the upper layer away */

/* Why a session ended (KILLED reason). */
#define SESSION_WHY_REQUEST	1	/* a KILL */
#define SESSION_WHY_IDLE	2	/* the project's idle timeout */
#define SESSION_WHY_REVOKED	3	/* the user was revoked */
#define SESSION_WHY_FAILED	4	/* its init died on its own */
#define SESSION_WHY_SHUTDOWN	5	/* the daemon is stopping */

/* What became of the upper layer (KILLED result). */
#define SESSION_RES_DISCARDED	0
#define SESSION_RES_SQUASHED	1
#define SESSION_RES_CONFLICT	2	/* refused; upper kept aside */
#define SESSION_RES_ERROR	3	/* squash failed part way; kept */
#define SESSION_RES_KEPT	4	/* unexpected end; kept aside */

/* Session states in a ROW. */
#define SESSION_ST_OPENING	1
#define SESSION_ST_READY	2
#define SESSION_ST_ENDING	3

/* ERROR codes: stable, for the front end to map to HTTP. */
enum session_err {
	SESSION_E_INTERNAL = 1,		/* a system call failed here */
	SESSION_E_NOPROJECT,		/* no such project */
	/* user not a member or no account */
	SESSION_E_NOTMAPPED,
	SESSION_E_PERUSER,		/* the user has per_user sessions */
	SESSION_E_LIMITS,		/* limits above the project's */
	SESSION_E_NOSESSION,		/* no such session */
	SESSION_E_NOTOWNER,		/* the session is someone else's */
	SESSION_E_STATE,		/* not ready, or already ending */
	SESSION_E_ARGS,			/* argv, cwd or size refused */
	/* an environment name not allowed */
	SESSION_E_ENV,
	SESSION_E_BUSY,			/* too many execs or ptys */
	/* the audit daemon could not record it: nothing was done */
	SESSION_E_AUDIT,
	SESSION_E_MAXCODE = SESSION_E_AUDIT
};

struct p_session_conf_settings {
	uint32_t	per_user;	/* sessions a user may hold */
	/* seconds a layer stays in orphans/ or conflicts/; 0: for ever */
	uint32_t	keep;
	/* the sessions' root filesystem */
	char		root[PATH_MAX];
	/* hidden from sessions */
	char		state_dir[PATH_MAX];
};

struct p_session_conf_project {
	char		name[PROTO_NAMEMAX];
	char		path[PATH_MAX];
	uint64_t	memory;		/* bytes; 0: no limit */
	uint32_t	cpu;		/* percent of one CPU; 0: none */
	uint32_t	pids;		/* 0: no limit */
	uint32_t	idle_timeout;	/* seconds, >= 1 */
};

struct p_session_conf_member {
	char		project[PROTO_NAMEMAX];
	char		user[PROTO_NAMEMAX];
	char		account[PROTO_NAMEMAX];	/* Unix account */
	uint32_t	uid;		/* resolved by the parent */
	uint32_t	gid;
	/* ROLE_VIEWER .. ROLE_OWNER */
	uint8_t		role;
	/* getgrouplist(3) of the account: 1 .. SESSION_GROUPSMAX, no 0 */
	uint32_t	ngroups;
	uint32_t	groups[SESSION_GROUPSMAX];
};

struct p_session_path {
	char		path[PATH_MAX];
};

/* uid and gid may be SESSION_ANYID: the account the config maps. */
#define SESSION_ANYID	0xffffffffU

struct p_session_open {
	char		user[PROTO_NAMEMAX];
	uint32_t	uid;
	uint32_t	gid;
	char		project[PROTO_NAMEMAX];
	uint8_t		mode;		/* SQUASH or DISCARD */
	uint64_t	memory;		/* 0: the project's */
	uint32_t	cpu;
	uint32_t	pids;
	/* the login it comes under; "" for none (revocation ends it) */
	char		device[PROTO_NAMEMAX];
	char		sid[PROTO_NAMEMAX];
};

struct p_session_opened {
	char		uuid[SESSION_IDSZ];
	uint64_t	started;	/* unix seconds */
};

struct p_session_error {
	uint32_t	code;		/* enum session_err */
	char		text[PROTO_STRMAX];
};

/* LIST: "" matches any user, any project. */
struct p_session_list {
	char		user[PROTO_NAMEMAX];
	char		project[PROTO_NAMEMAX];
};

/* INFO, KILL: user "" acts for the operator; else it must own it. */
struct p_session_ref {
	char		uuid[SESSION_IDSZ];
	char		user[PROTO_NAMEMAX];
	uint8_t		mode;		/* KILL only */
	char		by[PROTO_NAMEMAX];	/* KILL: who asks; "" */
};

struct p_session_row {
	char		uuid[SESSION_IDSZ];
	char		user[PROTO_NAMEMAX];
	char		account[PROTO_NAMEMAX];
	char		project[PROTO_NAMEMAX];
	uint8_t		state;		/* SESSION_ST_* */
	/* end mode chosen at OPEN */
	uint8_t		mode;
	uint64_t	started;	/* unix seconds */
	/* unix seconds of last activity */
	uint64_t	active;
	uint32_t	processes;
	uint64_t	memory;		/* bytes in use */
	uint32_t	execs;		/* running */
	uint32_t	ptys;
	uint64_t	memory_max;	/* limits in force; 0: none */
	uint32_t	cpu_max;
	uint32_t	pids_max;
};

struct p_session_count {
	uint32_t	count;
};

/*
 * EXEC from the front end carries uuid and user; I_EXEC to an init
 * carries id instead.  argv, env and in point into buf after
 * decoding, so a decoded structure must not be copied by value.  in
 * is the command's whole standard input (inlen bytes, at most
 * SESSION_INMAX); NULL gives it /dev/null.
 */
struct p_session_exec {
	char		 uuid[SESSION_IDSZ];
	char		 user[PROTO_NAMEMAX];
	uint32_t	 id;
	char		 cwd[PATH_MAX];	/* /project or below */
	uint32_t	 argc;		/* >= 1 */
	uint32_t	 envc;
	/* NULL-terminated */
	char		*argv[SESSION_ARGMAX + 1];
	char		*env[SESSION_ARGMAX + 1];	/* NAME=value */
	char		*in;
	uint32_t	 inlen;
	char		 buf[SESSION_EXECBUF];
};

/* EXEC_OK, PTY_OK, OK: which session, and the exec's or pty's id. */
struct p_session_handle {
	char		uuid[SESSION_IDSZ];
	uint32_t	id;
};

struct p_session_pty {
	char		uuid[SESSION_IDSZ];
	char		user[PROTO_NAMEMAX];
	uint32_t	id;		/* RESIZE, I_PTY, I_RESIZE */
	uint16_t	rows;		/* 1 .. 1000 */
	uint16_t	cols;
	/* PTY, I_PTY; "": default */
	char		term[SESSION_TERMSZ];
};

struct p_session_killed {
	char		 uuid[SESSION_IDSZ];
	uint8_t		 reason;	/* SESSION_WHY_* */
	uint8_t		 mode;		/* end mode applied */
	uint8_t		 result;	/* SESSION_RES_* */
	/* more conflicts than listed */
	uint8_t		 truncated;
	uint32_t	 kill_us;	/* request to no process left */
	uint32_t	 total_us;	/* request to this reply */
	uint32_t	 applied;	/* entries squashed into the tree */
	uint32_t	 nconflicts;	/* entries in conflicts */
	/* into buf */
	char		*conflicts[SESSION_CONFLICTMAX];
	char		 buf[SESSION_CONFLICTBUF];
	size_t		 buflen;
};

/* Between the daemon and its helper. */
struct p_session_build {
	char		uuid[SESSION_IDSZ];
	uint32_t	uid;
	uint32_t	gid;
	char		account[PROTO_NAMEMAX];
	char		path[PATH_MAX];	/* the project tree */
	uint64_t	tmpsize;	/* bytes for /tmp and home */
	uint32_t	ngroups;	/* as in p_session_conf_member */
	uint32_t	groups[SESSION_GROUPSMAX];
};

struct p_session_built {
	char		uuid[SESSION_IDSZ];
	/* the init, in the helper's pid ns */
	uint32_t	pid;
};

struct p_session_fail {
	char		uuid[SESSION_IDSZ];	/* "" from an init */
	uint32_t	err;		/* errno */
	char		text[PROTO_STRMAX];
};

/* Between the daemon and a session's init. */
struct p_session_exit {
	uint32_t	id;
	int32_t		code;		/* exit status, or -1 */
	int32_t		sig;		/* killing signal, or 0 */
};

/* PTY_EXIT: the shell of a pty the front end holds ended. */
struct p_session_pty_exit {
	char			uuid[SESSION_IDSZ];
	struct p_session_exit	e;
};

struct p_session_id {
	uint32_t	id;
	uint32_t	err;		/* I_PTY_FAIL: errno */
};

/* What a stored trace has: bits of p_session_trace.kinds. */
#define SESSION_TK_TRACE	0	/* GET kinds, and bit numbers */
#define SESSION_TK_JSON		1
#define SESSION_TK_HTML		2
#define SESSION_TK_MD		3
#define SESSION_TK_MAX		SESSION_TK_MD

/* How the front end ends an upload's body: kind of TRACE_END. */
#define SESSION_TE_OK		0	/* whole, and its digest matched */
#define SESSION_TE_GONE		1	/* the client went away */
#define SESSION_TE_DIGEST	2	/* Content-Digest did not match */
#define SESSION_TE_FAILED	3	/* refused on the way: size, framing */

/*
 * The trace messages share one layout; each uses part of it, the rest
 * is zero or "".  Every request from the front end names the user it
 * acts for, whose role in the project the session daemon checks
 * again; replies name none.  PUT: project, id (the front end's uuid),
 * name (the reference to diff against, "" for none), size (the
 * declared body length, 0 if unknown) and cap (most bytes accepted).
 * END: project, id, size (body bytes sent), kind (SESSION_TE_*); no
 * upload is kept without an END of kind SESSION_TE_OK.  STREAM, DATA,
 * DONE: id; DATA also size, the plaintext's length.  LIST: project.
 * ROW: id, size (stored bytes of the encrypted trace), kinds.  GET:
 * project, id, kind.  DEL: project, id.  REF_PUT: project, name; id ""
 * (DONE then carries "").
 */
struct p_session_trace {
	char		project[PROTO_NAMEMAX];
	char		id[SESSION_IDSZ];
	char		name[PROTO_NAMEMAX];
	char		user[PROTO_NAMEMAX];
	uint8_t		kind;
	uint8_t		kinds;
	uint64_t	size;
	uint64_t	cap;
};

/*
 * Codecs.  proto_send_session_* queue a message and return 0, or -1
 * when it could not be queued (too large, queue full).  The fd, where
 * there is one, is closed once sent, and stays the caller's on -1.
 * proto_get_session_* decode and
 * return 0, or -1 on a wrong size, a field out of range, a string too
 * long or holding a NUL, a malformed uuid, or trailing bytes.
 */
int	proto_send_session_settings(struct chan *,
	    const struct p_session_conf_settings *);
int	proto_get_session_settings(const struct msg *,
	    struct p_session_conf_settings *);
int	proto_send_session_project(struct chan *,
	    const struct p_session_conf_project *);
int	proto_get_session_project(const struct msg *,
	    struct p_session_conf_project *);
int	proto_send_session_member(struct chan *,
	    const struct p_session_conf_member *);
int	proto_get_session_member(const struct msg *,
	    struct p_session_conf_member *);
/* CONF_HIDE, H_RESET and H_HIDE: one absolute path. */
int	proto_send_session_path(struct chan *, uint16_t,
	    const struct p_session_path *);
int	proto_get_session_path(const struct msg *, struct p_session_path *);

int	proto_send_session_open(struct chan *, uint32_t,
	    const struct p_session_open *);
int	proto_get_session_open(const struct msg *, struct p_session_open *);
int	proto_send_session_opened(struct chan *, uint32_t,
	    const struct p_session_opened *);
int	proto_get_session_opened(const struct msg *,
	    struct p_session_opened *);
int	proto_send_session_error(struct chan *, uint32_t,
	    const struct p_session_error *);
int	proto_get_session_error(const struct msg *,
	    struct p_session_error *);
int	proto_send_session_list(struct chan *, uint32_t,
	    const struct p_session_list *);
int	proto_get_session_list(const struct msg *, struct p_session_list *);
/* INFO and KILL. */
int	proto_send_session_ref(struct chan *, uint16_t, uint32_t,
	    const struct p_session_ref *);
int	proto_get_session_ref(const struct msg *, struct p_session_ref *);
int	proto_send_session_row(struct chan *, uint32_t,
	    const struct p_session_row *);
int	proto_get_session_row(const struct msg *, struct p_session_row *);
int	proto_send_session_list_end(struct chan *, uint32_t,
	    const struct p_session_count *);
int	proto_get_session_list_end(const struct msg *,
	    struct p_session_count *);
/* EXEC (front end) and I_EXEC (init, with the client's stream). */
int	proto_send_session_exec(struct chan *, uint16_t, uint32_t, int,
	    const struct p_session_exec *);
int	proto_get_session_exec(const struct msg *, struct p_session_exec *);
/* EXEC_OK and PTY_OK (with a descriptor), OK (without). */
int	proto_send_session_handle(struct chan *, uint16_t, uint32_t, int,
	    const struct p_session_handle *);
int	proto_get_session_handle(const struct msg *,
	    struct p_session_handle *);
/* PTY, RESIZE, I_PTY, I_RESIZE. */
int	proto_send_session_pty(struct chan *, uint16_t, uint32_t,
	    const struct p_session_pty *);
int	proto_get_session_pty(const struct msg *, struct p_session_pty *);
int	proto_send_session_kill(struct chan *, uint32_t,
	    const struct p_session_ref *);
int	proto_send_session_killed(struct chan *, uint32_t,
	    const struct p_session_killed *);
int	proto_get_session_killed(const struct msg *,
	    struct p_session_killed *);
/* session_killed_add: list one more conflict; -1 when it is full. */
int	session_killed_add(struct p_session_killed *, const char *);

int	proto_send_session_build(struct chan *, int,
	    const struct p_session_build *);
int	proto_get_session_build(const struct msg *,
	    struct p_session_build *);
/* H_BUILT (pidfd) and H_TREE (directory): uuid and pid. */
int	proto_send_session_built(struct chan *, uint16_t, int,
	    const struct p_session_built *);
int	proto_get_session_built(const struct msg *,
	    struct p_session_built *);
/* H_FAIL and I_FAIL. */
int	proto_send_session_fail(struct chan *, uint16_t,
	    const struct p_session_fail *);
int	proto_get_session_fail(const struct msg *, struct p_session_fail *);
int	proto_send_session_exit(struct chan *,
	    const struct p_session_exit *);
int	proto_get_session_exit(const struct msg *, struct p_session_exit *);
int	proto_send_session_pty_exit(struct chan *,
	    const struct p_session_pty_exit *);
int	proto_get_session_pty_exit(const struct msg *,
	    struct p_session_pty_exit *);
/* I_PTY_OK and I_PTY_SLAVE (with a descriptor), I_PTY_FAIL. */
int	proto_send_session_id(struct chan *, uint16_t, int,
	    const struct p_session_id *);
int	proto_get_session_id(const struct msg *, struct p_session_id *);

/*
 * Every trace message, with the descriptor PUT, STREAM, DATA and
 * REF_PUT carry (-1 for the others).  The decoder checks the type's
 * rules: uuids where an id is needed, names of the form
 * [A-Za-z0-9_.-] not starting with a dot where one is needed, a user
 * in requests and none in replies, kind at most SESSION_TK_MAX.
 */
int	proto_send_session_trace(struct chan *, uint16_t, uint32_t, int,
	    const struct p_session_trace *);
int	proto_get_session_trace(const struct msg *,
	    struct p_session_trace *);

/* proto_session_uuid_ok: non-zero for a well-formed lower-case uuid. */
int	proto_session_uuid_ok(const char *);
/* proto_session_decode_any: run the decoder for m's type (fuzzing). */
void	proto_session_decode_any(const struct msg *);

/*
 * The exec output stream.  The front end reads frames from the
 * descriptor EXEC_OK carries: an 8-byte header (type, three zero
 * bytes, payload length as a little-endian u32) and the payload.
 * STDOUT and STDERR frames carry 1 to SESSION_FRAME_MAX bytes of
 * output; one EXIT frame ends the stream, its payload two
 * little-endian i32: the exit status (-1 when killed) and the signal
 * (0 when it exited).  The stream then ends.  A stream that ends
 * without an EXIT frame means the session was killed.  Closing the
 * descriptor kills the command.  Nothing is read from it.
 */
#define SESSION_FRAME_STDOUT	1
#define SESSION_FRAME_STDERR	2
#define SESSION_FRAME_EXIT	3
#define SESSION_FRAME_HDR	8
#define SESSION_FRAME_MAX	16384
#define SESSION_FRAME_EXITLEN	8

/* session_frame_put: write a frame header into hdr. */
void	session_frame_put(uint8_t *, uint8_t, uint32_t);
/*
 * session_frame_get: read a frame header; 0 with *type and *len when
 * it is well formed (known type, length in range, zero padding), -1
 * when not.
 */
int	session_frame_get(const uint8_t *, uint8_t *, uint32_t *);

#endif
