/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The message vocabulary: processes, types, payloads, typed codecs. */

#ifndef PCCX_PROTO_H
#define PCCX_PROTO_H

#include <limits.h>
#include <stdint.h>

#include "common/msg.h"

/* Processes, and each child's descriptor for a channel to a peer. */
enum proc_id {
	PROC_PARENT = 0,
	PROC_FRONT,
	PROC_AUTH,
	PROC_TUNNEL,
	PROC_SESSION,
	PROC_AUDIT,
	PROC_CTL,		/* pccxctl on the control socket */
	PROC_MAX
};
#define PROC_CHILDREN	5		/* front .. audit */
#define PROC_FD(p)	(3 + (p))	/* fixed descriptor in a child */
#define PROC_BIT(p)	(1U << (p))

const char	*proc_name(int);	/* "parent", "front", ... */
const char	*proc_binary(int);	/* "pccx-frontd", ... */
/* proc_linked: non-zero when the mesh has a channel between a and b. */
int		 proc_linked(int, int);

/* A child's exit status when it ends because a peer went away. */
#define CHILD_EXIT_PEER	3

/* Lifecycle states a role's message table may ask for. */
#define ST_CONF		0x01		/* receiving configuration */
#define ST_RUN		0x02		/* sandboxed and serving */
#define ST_ANY		(ST_CONF | ST_RUN)

enum msg_type {
	MSG_NONE = 0,
	MSG_LOG,		/* child -> parent */
	MSG_CONF_PRIV,		/* parent -> child */
	MSG_CONF_LIMITS,	/* parent -> front */
	MSG_CONF_LISTEN,	/* parent -> front, with a socket */
	MSG_CONF_KEY,		/* parent -> child, with a file */
	MSG_CONF_END,		/* parent -> child */
	MSG_STATUS_REQ,		/* parent, front -> any */
	MSG_STATUS,		/* reply to MSG_STATUS_REQ */
	MSG_CTL_STATUS,		/* ctl -> parent */
	MSG_CTL_PROC,		/* parent -> ctl, one per process */
	MSG_CTL_RELOAD,		/* ctl -> parent */
	MSG_CTL_RESULT,		/* parent -> ctl */
	MSG_CTL_END,		/* parent -> ctl: end of a listing */
	MSG_TYPE_MAX
};

/*
 * Each subsystem numbers its messages from its own base, declares them
 * in proto/<subsystem>.h and keeps their codecs in proto/<subsystem>.c,
 * with a proto_<subsystem>_decode_any() that the fuzzer calls.
 */
#define MSG_AUTH_BASE		100
#define MSG_AUDIT_BASE		200
#define MSG_SESSION_BASE	300
#define MSG_TUNNEL_BASE		400
#define MSG_TRACE_BASE		500

/* A table row: who may send a message, its shape, and its handler. */
struct msg_rule {
	uint16_t	  type;
	uint16_t	  from;		/* PROC_BIT mask of senders */
	uint8_t		  states;	/* ST_* where accepted */
	uint8_t		  fd;		/* MSG_FD_* */
#define MSG_FD_NEVER	0
#define MSG_FD_MUST	1
	uint32_t	  minlen;
	uint32_t	  maxlen;
	int		(*handler)(struct chan *, struct msg *);
};

/*
 * msg_dispatch: look m up in the role's table and call its handler.
 * Returns the handler's result, or -1 with *why set when the message
 * is not one this role accepts from that peer in that state: the
 * caller must then treat the channel as hostile.
 */
int	msg_dispatch(const struct msg_rule *, size_t, int, struct chan *,
	    struct msg *, const char **);

/* Payloads. */
#define PROTO_STRMAX	1024
#define PROTO_NAMEMAX	64
#define PROTO_MAXLISTEN	32		/* listeners in all */

struct p_log {
	uint8_t		pri;
	char		text[PROTO_STRMAX];
};

struct p_conf_priv {
	uint32_t	uid;
	uint32_t	gid;
	uint8_t		verbose;
	uint8_t		seccomp_debug;
	char		root[PATH_MAX];
};

struct p_limits {
	uint32_t	request_line;	/* bytes */
	uint32_t	header_count;
	uint32_t	header_bytes;	/* all header lines together */
	uint32_t	body_bytes;
	uint64_t	upload_bytes;
	uint32_t	idle_timeout;	/* seconds */
	uint32_t	request_timeout;
	uint32_t	ws_frame_bytes;
	uint32_t	ws_message_bytes;
	uint32_t	max_connections;
	uint32_t	feeds_per_user;	/* open /v1/events of one user */
};

/*
 * A listening socket and its door: any serves every route (loopback
 * and tests), public only health, the login steps and device
 * registration, tunnel every route but only from the address the
 * tunnel gave the token's session.
 */
#define LISTEN_ANY	0
#define LISTEN_PUBLIC	1
#define LISTEN_TUNNEL	2

struct p_conf_listen {
	uint8_t		tls;
	uint8_t		kind;			/* LISTEN_* */
	char		addr[PROTO_NAMEMAX];	/* for log lines */
};

struct p_conf_key {
	char		name[PROTO_NAMEMAX];
};

struct p_status {
	uint32_t	pid;
	uint32_t	uid;
	uint64_t	started;	/* unix seconds */
	uint64_t	nin;
	uint64_t	nout;
	uint8_t		state;
#define PSTATE_CONF	0
#define PSTATE_READY	1
#define PSTATE_DOWN	2		/* reported by the asker */
};

#define P_STATUS_LEN	33		/* encoded size of p_status */
#define P_LIMITS_LEN	48		/* encoded size of p_limits */

struct p_ctl_proc {
	char		name[PROTO_NAMEMAX];
	char		user[PROTO_NAMEMAX];
	struct p_status	st;
};

struct p_ctl_result {
	uint32_t	code;		/* 0 success */
	char		text[PROTO_STRMAX];
};

/*
 * One typed pair per message.  proto_send_* queues the message on the
 * channel and returns 0, or -1 when it could not be queued.
 * proto_get_* decodes m into the structure and returns 0, or -1 when
 * the payload has the wrong size, a field out of range, an over-long
 * or NUL-bearing string, or trailing bytes.
 */
int	proto_send_log(struct chan *, int, const char *);
int	proto_get_log(const struct msg *, struct p_log *);
int	proto_send_conf_priv(struct chan *, const struct p_conf_priv *);
int	proto_get_conf_priv(const struct msg *, struct p_conf_priv *);
int	proto_send_limits(struct chan *, const struct p_limits *);
int	proto_get_limits(const struct msg *, struct p_limits *);
int	proto_send_conf_listen(struct chan *, int,
	    const struct p_conf_listen *);
int	proto_get_conf_listen(const struct msg *, struct p_conf_listen *);
int	proto_send_conf_key(struct chan *, int, const struct p_conf_key *);
int	proto_get_conf_key(const struct msg *, struct p_conf_key *);
int	proto_send_empty(struct chan *, uint16_t, uint32_t);
int	proto_get_empty(const struct msg *);
int	proto_send_status(struct chan *, uint32_t, const struct p_status *);
int	proto_get_status(const struct msg *, struct p_status *);
int	proto_send_ctl_proc(struct chan *, const struct p_ctl_proc *);
int	proto_get_ctl_proc(const struct msg *, struct p_ctl_proc *);
int	proto_send_ctl_result(struct chan *, const struct p_ctl_result *);
int	proto_get_ctl_result(const struct msg *, struct p_ctl_result *);

/* Allowed ranges of each limit, shared by the config parser. */
#define LIM_REQLINE_MIN		256
#define LIM_REQLINE_MAX		65536
#define LIM_HDRCOUNT_MIN	1
#define LIM_HDRCOUNT_MAX	1000
#define LIM_HDRBYTES_MIN	1024
#define LIM_HDRBYTES_MAX	(1024 * 1024)
#define LIM_BODY_MIN		1024
#define LIM_BODY_MAX		(64 * 1024 * 1024)
#define LIM_UPLOAD_MIN		1024
#define LIM_UPLOAD_MAX		(1ULL << 40)
#define LIM_TIMEOUT_MIN		1
#define LIM_TIMEOUT_MAX		86400
#define LIM_WSFRAME_MIN		125
#define LIM_WSFRAME_MAX		(16 * 1024 * 1024)
#define LIM_WSMSG_MIN		125
#define LIM_WSMSG_MAX		(64 * 1024 * 1024)
#define LIM_CONN_MIN		1
#define LIM_CONN_MAX		65536
#define LIM_FEEDS_MIN		1
#define LIM_FEEDS_MAX		1024

/*
 * proto_send_wire: queue an encoded payload as one message, with fd
 * (or -1); proto_send_plain: the same without a descriptor.  Both
 * return -1 when the payload overflowed while it was encoded.
 */
struct wire_w;
int	proto_send_wire(struct chan *, uint16_t, uint32_t, int,
	    const struct wire_w *);
int	proto_send_plain(struct chan *, uint16_t, uint32_t,
	    const struct wire_w *);

/* proto_check_limits: 0 when every limit lies in its allowed range. */
int	proto_check_limits(const struct p_limits *);

#endif
