/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The audit daemon's modules: store, group commit, shipping. */

#ifndef PCCX_AUDITD_H
#define PCCX_AUDITD_H

#include <stddef.h>
#include <stdint.h>

#include "proto/audit.h"

struct event_base;
struct sqlite3;
struct sqlite3_stmt;

#define AUDIT_DB		"audit.db"
#define AUDIT_PUB		"audit.pub"
#define AUDIT_SPOOL		"spool"
/* rows per durable transaction */
#define AUDIT_BATCH_MAX		256
/* rows per shipped object, at most */
#define AUDIT_SEG_ROWS		2048

/*
 * The store: audit.db with rows, checkpoints, shipped objects and the
 * FTS5 index.  store_append is the only code that inserts a row.
 */
struct audit_store {
	struct sqlite3		*db;
	struct sqlite3_stmt	*st[12];
	/* newest seq, 0 when empty */
	uint64_t		 head;
	unsigned char		 head_hash[AUDIT_HASHLEN];
	uint64_t		 cp_seq;	/* newest checkpoint */
	uint64_t		 cp_time;	/* its time, ms */
	uint64_t		 fts_seq;	/* indexed up to */
	uint32_t		 cp_rows;	/* cut every so many rows */
	const unsigned char	*sk;		/* Ed25519 signing key */
};

/* A durable row with its own copies of the texts. */
struct audit_row {
	struct audit_rec	rec;
	char			daemon[AUDIT_DAEMON_MAX];
	struct p_audit_row	p;
};

/*
 * store_open: open or create the database at path, in WAL mode with
 * synchronous=FULL, make the schema, and check that the rows since
 * the newest checkpoint still chain to it.  sk signs checkpoints.
 * 0, or -1 with a warning logged.
 */
int	store_open(struct audit_store *, const char *,
	    const unsigned char *);
void	store_close(struct audit_store *);
/*
 * store_append: in one transaction, give the n rows the next
 * sequence numbers, chain and insert them, and cut a checkpoint when
 * checkpoint_rows rows have passed; commit durably.  On success each
 * row's rec has seq, prev and hash set.  On failure nothing changed
 * and -1 is returned.
 */
int	store_append(struct audit_store *, struct audit_row *, size_t);
/* store_checkpoint: cut a checkpoint at the head if none is there. */
int	store_checkpoint(struct audit_store *);
/*
 * store_fts_index: index up to max rows past the marker into FTS5,
 * in one transaction that also moves the marker.  Returns the rows
 * indexed, or -1.
 */
int	store_fts_index(struct audit_store *, size_t);
/* store_meta_set: a setting of the daemon, for the operator's tools. */
int	store_meta_set(struct audit_store *, const char *, const char *);
/* store_write_pub: audit.pub (base64) in the current directory. */
void	store_write_pub(const unsigned char *);
/* store_write_meta: the shipping settings pccxctl reads; no secret. */
void	store_write_meta(struct audit_store *, const struct p_audit_conf *);
/* store_shipped_last: the newest seq acknowledged by the store. */
int	store_shipped_last(struct audit_store *, uint64_t *);
/*
 * store_next_segment: the next object to ship: it starts after the
 * newest acknowledged object and ends at the furthest checkpoint
 * within AUDIT_SEG_ROWS rows (or the first one beyond).  0 with
 * *first and *last set, 1 when nothing can ship yet, -1 on error.
 */
int	store_next_segment(struct audit_store *, uint64_t *, uint64_t *);
/* store_shipped_add: record an acknowledged object. */
int	store_shipped_add(struct audit_store *, uint64_t, uint64_t,
	    const char *, const char *);
/*
 * store_segment_text: the NDJSON text of rows first..last with the
 * checkpoints among them, into a malloc'd buffer.  0 or -1.
 */
int	store_segment_text(struct audit_store *, const char *, uint64_t,
	    uint64_t, char **, size_t *);

/*
 * The append path (append.c): decode MSG_AUDIT_APPEND, gather rows
 * for a moment or up to AUDIT_BATCH_MAX, commit them in one
 * transaction, then answer every sender.
 */
void	append_init(struct event_base *, struct audit_store *);
void	append_configure(const struct p_audit_conf *, int);
/* append_msg: the handler of MSG_AUDIT_APPEND in the role table. */
int	append_msg(struct chan *, struct msg *);
/* append_flush: commit what is waiting now (tests, shutdown). */
void	append_flush(void);
/*
 * append_set_hook: call fn with each committed row, in order, after
 * the senders were answered: the hook for /v1/events fan-out.
 */
void	append_set_hook(void (*)(const struct audit_row *, void *), void *);

/*
 * Feeds for /v1/events (feed.c): MSG_AUDIT_SUBSCRIBE, _MORE and
 * _UNSUBSCRIBE from the front end; rows go back as MSG_AUDIT_EVENT.
 */
int	feed_init(struct event_base *, struct audit_store *);
int	feed_msg_sub(struct chan *, struct msg *);
int	feed_msg_grant(struct chan *, struct msg *);
int	feed_msg_more(struct chan *, struct msg *);
int	feed_msg_unsub(struct chan *, struct msg *);
size_t	feed_count(void);

/*
 * Shipping (ship.c): segments of rows as NDJSON objects to an S3
 * store over HTTPS with SigV4, through libcurl's multi interface on
 * the daemon's event loop, from the spool in the daemon's root.
 */
int	ship_init(struct event_base *, struct audit_store *);
/*
 * ship_configure: take new settings; secret and the CA bundle (PEM)
 * may be NULL on a reload, keeping the ones read at start.  1 when
 * shipping is on, 0 when off, -1 on error.
 */
int	ship_configure(const struct p_audit_conf *, const char *,
	    const char *, size_t);
/* ship_kick: rows were committed; ship what can go. */
void	ship_kick(void);
/* ship_idle: non-zero when nothing is in flight or waiting. */
int	ship_idle(void);

#endif
