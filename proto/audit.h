/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The audit vocabulary: messages, payloads, and the row's on-disk contract. */

#ifndef PCCX_PROTO_AUDIT_H
#define PCCX_PROTO_AUDIT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

enum audit_msg_type {
	/* front, auth, tunnel, session -> audit: record one row */
	MSG_AUDIT_APPEND = MSG_AUDIT_BASE,
	/* audit -> sender: the row is durable; peerid echoed, seq */
	MSG_AUDIT_ACK,
	/* audit -> sender: the row could not be stored; refuse the action */
	MSG_AUDIT_NACK,
	/* parent -> audit: checkpoint and shipping settings */
	MSG_AUDIT_CONF,
	/* audit -> auth, tunnel, session: a revocation was recorded */
	MSG_AUDIT_REVOKED,
	/* front -> audit: start a feed of rows for /v1/events */
	MSG_AUDIT_SUBSCRIBE,
	/* front -> audit: that many more replayed rows may come */
	MSG_AUDIT_MORE,
	/* front -> audit: end a feed */
	MSG_AUDIT_UNSUBSCRIBE,
	/* audit -> front: one row of a feed */
	MSG_AUDIT_EVENT,
	/* audit -> front: the feed ended on the audit side */
	MSG_AUDIT_SUBEND,
	/* auth -> audit: the feed one request may have (a p_audit_sub) */
	MSG_AUDIT_GRANT,
	MSG_AUDIT_MAX
};

/* Field bounds of a row, terminating NUL included. */
#define AUDIT_ACTOR_MAX		256
#define AUDIT_DEVICE_MAX	128
#define AUDIT_SOURCE_MAX	64
#define AUDIT_ACTION_MAX	64
#define AUDIT_PROJECT_MAX	64
#define AUDIT_OBJECT_MAX	512
#define AUDIT_OUTCOME_MAX	8
#define AUDIT_DETAIL_MAX	(4096 + 1)	/* a JSON text of 4 KiB */
#define AUDIT_DAEMON_MAX	16

/*
 * One row as a sender describes it.  time is the sender's clock in
 * milliseconds since the epoch.  outcome is one of "allow", "deny",
 * "ok", "fail".  The short fields hold no control characters; detail
 * is one JSON text.  The daemon that recorded it is never part of the
 * payload: the audit daemon takes it from the channel.
 */
struct p_audit_row {
	uint64_t	time;
	char		actor[AUDIT_ACTOR_MAX];
	char		device[AUDIT_DEVICE_MAX];
	char		source[AUDIT_SOURCE_MAX];
	char		action[AUDIT_ACTION_MAX];
	char		project[AUDIT_PROJECT_MAX];
	char		object[AUDIT_OBJECT_MAX];
	char		outcome[AUDIT_OUTCOME_MAX];
	char		detail[AUDIT_DETAIL_MAX];
};

/* The largest encoded MSG_AUDIT_APPEND: u64 and nine u16 lengths. */
#define P_AUDIT_ROW_MIN		(8 + 8 * 2)
#define P_AUDIT_ROW_MAX		(8 + 8 * 2 + AUDIT_ACTOR_MAX +	\
	AUDIT_DEVICE_MAX + AUDIT_SOURCE_MAX + AUDIT_ACTION_MAX +	\
	AUDIT_PROJECT_MAX + AUDIT_OBJECT_MAX + AUDIT_OUTCOME_MAX +	\
	AUDIT_DETAIL_MAX - 8)

/* Why a row was refused, in MSG_AUDIT_NACK. */
#define AUDIT_NACK_STORE	1	/* the database failed */
#define AUDIT_NACK_FULL		2	/* too many rows waiting */

/* What a revocation names, in MSG_AUDIT_REVOKED. */
#define AUDIT_REVOKE_USER	1
#define AUDIT_REVOKE_DEVICE	2
#define AUDIT_REVOKE_SESSION	3
#define AUDIT_REVOKE_IDMAX	128

struct p_audit_revoked {
	uint8_t		kind;			/* AUDIT_REVOKE_* */
	char		id[AUDIT_REVOKE_IDMAX];
};

/*
 * A feed of rows (/v1/events).  The front end names it with sub, and
 * passes the filter the auth daemon decided: the rows of projects, and
 * the rows of no project only with suite set.  The auth daemon sends
 * the same decision here itself as a MSG_AUDIT_GRANT under a random
 * grant number, which the front end's MSG_AUDIT_SUBSCRIBE must name:
 * a feed wider than its grant (another user, suite rows or a project
 * the grant lacks) is ended at once, and a grant serves one feed.
 * Rows with seq > since are replayed from the database, at most
 * window of them before a MSG_AUDIT_MORE grants more; once the replay
 * reaches the head, new rows follow as they commit (no window: the
 * front end closes a client that falls behind).  since
 * AUDIT_SINCE_HEAD starts at the head.
 */
#define AUDIT_SUB_MAXPROJECTS	64
#define AUDIT_SUB_WINDOW_MAX	65536
#define AUDIT_SINCE_HEAD	((uint64_t)INT64_MAX)

struct p_audit_sub {
	uint32_t	sub;
	uint64_t	since;
	uint64_t	grant;		/* not 0 */
	uint32_t	window;		/* 1 .. AUDIT_SUB_WINDOW_MAX */
	uint8_t		suite;
	/* 0 .. AUDIT_SUB_MAXPROJECTS */
	uint8_t		nprojects;
	char		user[AUDIT_ACTOR_MAX];
	char		projects[AUDIT_SUB_MAXPROJECTS][AUDIT_PROJECT_MAX];
};

#define P_AUDIT_SUB_MIN		(4 + 8 + 8 + 4 + 1 + 1 + 2)
#define P_AUDIT_SUB_MAX	(P_AUDIT_SUB_MIN + AUDIT_ACTOR_MAX +	\
	AUDIT_SUB_MAXPROJECTS * (2 + AUDIT_PROJECT_MAX))

/* MSG_AUDIT_MORE: rows more of replay. */
struct p_audit_more {
	uint32_t	sub;
	uint32_t	rows;		/* 1 .. AUDIT_SUB_WINDOW_MAX */
};

/* One row of a feed; replay is set for rows read back from the store. */
struct p_audit_event {
	uint32_t		sub;
	uint8_t			replay;
	uint64_t		seq;
	char			daemon[AUDIT_DAEMON_MAX];
	struct p_audit_row	row;
};

#define P_AUDIT_EVENT_MIN	(4 + 1 + 8 + 2 + P_AUDIT_ROW_MIN)
#define P_AUDIT_EVENT_MAX	(4 + 1 + 8 + 2 + AUDIT_DAEMON_MAX + \
	P_AUDIT_ROW_MAX)

/* Why a feed ended, in MSG_AUDIT_SUBEND. */
#define AUDIT_SUBEND_STORE	1	/* the database failed */
#define AUDIT_SUBEND_FULL	2	/* too many feeds */
#define AUDIT_SUBEND_SLOW	3	/* the front end fell behind */
#define AUDIT_SUBEND_DENIED	4	/* wider than its grant, or none */

/* Ranges of the settings, shared with the configuration parser. */
#define AUDIT_CP_ROWS_MIN	1
#define AUDIT_CP_ROWS_MAX	4096
#define AUDIT_CP_INTERVAL_MIN	1
#define AUDIT_CP_INTERVAL_MAX	86400

/*
 * The audit daemon's settings.  With s3_set, rows ship to
 * https://s3_endpoint/s3_bucket/s3_prefix/host/FIRST-LAST.ndjson;
 * the secret arrives separately as the key file "s3-secret", and the
 * CA file is read before the daemon confines itself.  s3_secret_file
 * is only a path, kept so that pccxctl can find it.
 */
struct p_audit_conf {
	uint32_t	checkpoint_rows;
	uint32_t	checkpoint_interval;		/* seconds */
	char		host[64];
	char		recipient[128];
	uint8_t		s3_set;
	char		s3_endpoint[512];
	char		s3_bucket[64];
	char		s3_prefix[256];
	char		s3_region[64];
	char		s3_access_key[128];
	char		s3_secret_file[PATH_MAX];
	char		s3_ca_file[PATH_MAX];
};

/*
 * Typed codecs (see proto/proto.h for the contract).  The row
 * decoder also checks the outcome word, refuses control characters
 * in the short fields and requires detail to be one JSON text.
 */
int	proto_send_audit_append(struct chan *, uint32_t,
	    const struct p_audit_row *);
int	proto_get_audit_append(const struct msg *, struct p_audit_row *);
int	proto_send_audit_ack(struct chan *, uint32_t, uint64_t);
int	proto_get_audit_ack(const struct msg *, uint64_t *);
int	proto_send_audit_nack(struct chan *, uint32_t, uint32_t);
int	proto_get_audit_nack(const struct msg *, uint32_t *);
int	proto_send_audit_conf(struct chan *, const struct p_audit_conf *);
int	proto_get_audit_conf(const struct msg *, struct p_audit_conf *);
int	proto_send_audit_revoked(struct chan *,
	    const struct p_audit_revoked *);
int	proto_get_audit_revoked(const struct msg *,
	    struct p_audit_revoked *);
int	proto_send_audit_sub(struct chan *, const struct p_audit_sub *);
int	proto_get_audit_sub(const struct msg *, struct p_audit_sub *);
/* MSG_AUDIT_GRANT: a p_audit_sub whose sub, since, window are unused. */
int	proto_send_audit_grant(struct chan *, const struct p_audit_sub *);
int	proto_get_audit_grant(const struct msg *, struct p_audit_sub *);
int	proto_send_audit_more(struct chan *, const struct p_audit_more *);
int	proto_get_audit_more(const struct msg *, struct p_audit_more *);
/* MSG_AUDIT_UNSUBSCRIBE: the feed's sub id only. */
int	proto_send_audit_unsub(struct chan *, uint32_t);
int	proto_get_audit_unsub(const struct msg *, uint32_t *);
int	proto_send_audit_event(struct chan *, const struct p_audit_event *);
int	proto_get_audit_event(const struct msg *, struct p_audit_event *);
/* MSG_AUDIT_SUBEND: sub and an AUDIT_SUBEND_* reason. */
int	proto_send_audit_subend(struct chan *, uint32_t, uint8_t);
int	proto_get_audit_subend(const struct msg *, uint32_t *, uint8_t *);
/*
 * audit_sub_match: non-zero when a row of project (empty: none) passes
 * the feed's filter.
 */
int	audit_sub_match(const struct p_audit_sub *, const char *);
/*
 * audit_sub_within: non-zero when the feed sub asks for no more than
 * grant allows: the same user and grant number, suite rows only if
 * granted, and only projects the grant names.
 */
int	audit_sub_within(const struct p_audit_sub *,
	    const struct p_audit_sub *);
/* proto_audit_decode_any: run the decoder of m's type (the fuzzer). */
void	proto_audit_decode_any(const struct msg *);

/*
 * audit_append: queue one row for the audit daemon on c.  The sender
 * picks peerid and matches MSG_AUDIT_ACK or MSG_AUDIT_NACK by it; the
 * action the row describes must not go ahead before the ACK.  An
 * empty detail is sent as "{}".  Returns 0, or -1 when it could not
 * be queued.  The caller flushes c (child_commit).
 */
int	audit_append(struct chan *, uint32_t, const struct p_audit_row *);

/* audit_outcome_valid: 0 for "allow", "deny", "ok" or "fail". */
int	audit_outcome_valid(const char *);
/* audit_conf_check: 0 when every setting is in range and well formed. */
int	audit_conf_check(const struct p_audit_conf *);

/*
 * The row as stored, and the contract that verification rests on.
 *
 * hash(n) = BLAKE2b-256(prev(n) || canon(n)), prev(1) = 32 zero
 * bytes, prev(n) = hash(n - 1).  canon(n) is, in this order:
 *
 *	the 18 bytes "pccx-audit-row-v1\n"
 *	seq	8 bytes, big-endian
 *	time	8 bytes, big-endian (milliseconds since the epoch)
 *	then daemon, actor, device, source, action, project, object,
 *	outcome, detail, each as a 4-byte big-endian byte count and
 *	that many bytes (no NUL).
 *
 * A checkpoint at seq n signs, with Ed25519, the 31 bytes
 * "pccx-remote audit checkpoint v1", then seq as 8 bytes big-endian,
 * then hash(n).  Changing any of this breaks every stored log.
 */
#define AUDIT_HASHLEN	32
#define AUDIT_SIGLEN	64
#define AUDIT_PKLEN	32

struct audit_rec {
	uint64_t	 seq;
	uint64_t	 time;
	const char	*daemon;
	const char	*actor;
	const char	*device;
	const char	*source;
	const char	*action;
	const char	*project;
	const char	*object;
	const char	*outcome;
	const char	*detail;
	unsigned char	 prev[AUDIT_HASHLEN];
	unsigned char	 hash[AUDIT_HASHLEN];
};

/* audit_rec_hash: compute rec->hash from rec->prev and the fields. */
void	audit_rec_hash(struct audit_rec *);
/* audit_cp_message: the 71 bytes a checkpoint signs, into buf. */
#define AUDIT_CP_MSGLEN	(31 + 8 + AUDIT_HASHLEN)
void	audit_cp_message(uint64_t, const unsigned char *, unsigned char *);
/* audit_cp_sign: sign a checkpoint with the Ed25519 secret key. */
void	audit_cp_sign(uint64_t, const unsigned char *,
	    const unsigned char *, unsigned char *);
/* audit_cp_verify: 0 when sig is pk's signature of the checkpoint. */
int	audit_cp_verify(uint64_t, const unsigned char *,
	    const unsigned char *, const unsigned char *);

/*
 * audit_fts_query: turn user text into an FTS5 query that matches
 * the words as words: each run of non-blank bytes becomes one FTS5
 * string, with '"' doubled, and the strings are joined by spaces
 * (all must match).  Nothing in the text acts as query syntax.
 * Returns a malloc'd string, or NULL on allocation failure or when
 * the text holds no word.
 */
char	*audit_fts_query(const char *);

/*
 * audit_object_key: the object key of the segment first..last under
 * prefix and host: "PREFIX/HOST/FIRST-LAST.ndjson" with both numbers
 * zero-padded to 20 digits (no "PREFIX/" when prefix is empty).
 * Returns 0, or -1 when it does not fit.
 */
int	audit_object_key(char *, size_t, const char *, const char *,
	    uint64_t, uint64_t);
/*
 * audit_object_parse: the numbers from the last path element of a
 * key that audit_object_key made; 0, or -1 when it is not one.
 */
int	audit_object_parse(const char *, uint64_t *, uint64_t *);

#endif
