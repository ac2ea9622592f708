/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* audit.db: the hash-chained rows, checkpoints, FTS5 index, shipped log. */

#include <sys/time.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit_sql.h"
#include "common/log.h"
#include "auditd.h"

/*
 * The schema.  rows, checkpoints and shipped are append-only: a
 * trigger aborts any UPDATE or DELETE.  rows_fts indexes rows as an
 * external-content FTS5 table, filled after the rows are durable,
 * from the marker meta.fts_seq.  checkpoints.prev_cp names the
 * checkpoint before, so that one dropped from the middle shows.
 */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS rows(seq INTEGER PRIMARY KEY, "
	"time INTEGER NOT NULL, daemon TEXT NOT NULL, actor TEXT NOT NULL, "
	"device TEXT NOT NULL, source TEXT NOT NULL, action TEXT NOT NULL, "
	"project TEXT NOT NULL, object TEXT NOT NULL, "
	"outcome TEXT NOT NULL, detail TEXT NOT NULL, prev BLOB NOT NULL, "
	"hash BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS checkpoints(seq INTEGER PRIMARY KEY, "
	"head BLOB NOT NULL, time INTEGER NOT NULL, sig BLOB NOT NULL, "
	"prev_cp INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS shipped(first INTEGER PRIMARY KEY, "
	"last INTEGER NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, "
	"time INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
	"INSERT OR IGNORE INTO meta VALUES('fts_seq', 0);"
	"INSERT OR IGNORE INTO meta VALUES('schema', 1);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS rows_fts USING fts5(actor, "
	"action, project, object, outcome, detail, content='rows', "
	"content_rowid='seq');";

struct buf_out {
	FILE	*f;
};

static const char *const frozen[] = { "rows", "checkpoints", "shipped" };

enum {
	Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_ROW, Q_CP, Q_FTS, Q_MARK,
	Q_META, Q_SHIPPED, Q_SHIP_LAST, Q_SEG_CP, Q_SEG_NEXT, Q_MAX
};

static const char *const queries[Q_MAX] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_ROW] = "INSERT INTO rows VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_CP] = "INSERT INTO checkpoints VALUES(?,?,?,?,?)",
	[Q_FTS] = "INSERT INTO rows_fts(rowid, actor, action, project, "
	    "object, outcome, detail) SELECT seq, actor, action, project, "
	    "object, outcome, detail FROM rows WHERE seq > ?1 AND seq <= ?2",
	[Q_MARK] = "UPDATE meta SET value = ? WHERE key = 'fts_seq'",
	[Q_META] = "INSERT OR REPLACE INTO meta VALUES(?, ?)",
	[Q_SHIPPED] = "INSERT INTO shipped VALUES(?,?,?,?,?)",
	[Q_SHIP_LAST] = "SELECT coalesce(max(last), 0) FROM shipped",
	[Q_SEG_CP] = "SELECT max(seq) FROM checkpoints "
	    "WHERE seq >= ?1 AND seq <= ?2",
	[Q_SEG_NEXT] = "SELECT min(seq) FROM checkpoints WHERE seq >= ?1",
};

static uint64_t
now_ms(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int
db_warn(struct audit_store *s, const char *what)
{
	log_warnx("audit.db: %s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int
exec_stmt(struct audit_store *s, int q)
{
	sqlite3_stmt	*st = s->st[q];
	int		 rv;

	rv = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rv == SQLITE_DONE || rv == SQLITE_ROW ? 0 : -1;
}

/* A query with one integer answer, binding up to two integers. */
static int
query_u64(struct audit_store *s, int q, uint64_t a, uint64_t b,
    uint64_t *out)
{
	sqlite3_stmt	*st = s->st[q];
	int		 rv, n = sqlite3_bind_parameter_count(st);

	if (n > 0)
		sqlite3_bind_int64(st, 1, a);
	if (n > 1)
		sqlite3_bind_int64(st, 2, b);
	rv = sqlite3_step(st);
	*out = 0;
	if (rv == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(st, 0);
	else if (rv == SQLITE_ROW)
		rv = SQLITE_DONE;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rv == SQLITE_ROW)
		return 0;
	return rv == SQLITE_DONE ? 1 : -1;
}

static int
store_schema(struct audit_store *s)
{
	char	sql[512];
	size_t	i;

	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;", NULL, NULL,
	    NULL) != SQLITE_OK || sqlite3_exec(s->db, schema, NULL, NULL,
	    NULL) != SQLITE_OK)
		return db_warn(s, "schema");
	for (i = 0; i < sizeof(frozen) / sizeof(frozen[0]); i++) {
		snprintf(sql, sizeof(sql),
		    "CREATE TRIGGER IF NOT EXISTS %s_no_update BEFORE UPDATE "
		    "ON %s BEGIN SELECT RAISE(ABORT, 'audit %s are append-only'"
		    "); END; CREATE TRIGGER IF NOT EXISTS %s_no_delete BEFORE "
		    "DELETE ON %s BEGIN SELECT RAISE(ABORT, 'audit %s are "
		    "append-only'); END;", frozen[i], frozen[i], frozen[i],
		    frozen[i], frozen[i], frozen[i]);
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_warn(s, "triggers");
	}
	return 0;
}

/* Read the head, the newest checkpoint and the FTS marker. */
static int
store_load(struct audit_store *s)
{
	sqlite3_stmt	*st;
	int		 rv = -1;

	memset(s->head_hash, 0, sizeof(s->head_hash));
	if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM rows ORDER BY "
	    "seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return db_warn(s, "load");
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 1) == AUDIT_HASHLEN) {
		s->head = sqlite3_column_int64(st, 0);
		memcpy(s->head_hash, sqlite3_column_blob(st, 1),
		    AUDIT_HASHLEN);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT seq, time FROM checkpoints "
	    "ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return db_warn(s, "load");
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->cp_seq = sqlite3_column_int64(st, 0);
		s->cp_time = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
	    "'fts_seq'", -1, &st, NULL) != SQLITE_OK)
		return db_warn(s, "load");
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->fts_seq = sqlite3_column_int64(st, 0);
		rv = 0;
	}
	sqlite3_finalize(st);
	if (s->cp_seq > s->head || s->fts_seq > s->head) {
		log_warnx("audit.db: checkpoint or index past the newest row");
		return -1;
	}
	return rv;
}

/*
 * Before appending to an existing log, check its tail: the rows from
 * the newest checkpoint on must chain, and that checkpoint must name
 * the hash of its row.  Older rows are pccxctl audit verify's work.
 */
static int
store_check_tail(struct audit_store *s)
{
	sqlite3_stmt		*st;
	struct audit_rec	 r;
	unsigned char		 prev[AUDIT_HASHLEN];
	uint64_t		 want;
	int			 rv;

	if (s->head == 0)
		return 0;
	want = s->cp_seq > 0 ? s->cp_seq : 1;
	if (sqlite3_prepare_v2(s->db, "SELECT r.*, c.head FROM rows r "
	    "LEFT JOIN checkpoints c ON c.seq = r.seq WHERE r.seq >= ? "
	    "ORDER BY r.seq", -1, &st, NULL) != SQLITE_OK)
		return db_warn(s, "check");
	sqlite3_bind_int64(st, 1, want);
	memset(prev, 0, sizeof(prev));
	while ((rv = sqlite3_step(st)) == SQLITE_ROW) {
		audit_rec_from_stmt(&r, st);
		if (r.seq != want || sqlite3_column_bytes(st, 11) !=
		    AUDIT_HASHLEN || sqlite3_column_bytes(st, 12) !=
		    AUDIT_HASHLEN)
			break;
		memcpy(r.prev, sqlite3_column_blob(st, 11), AUDIT_HASHLEN);
		/* The checkpoint's own row links to rows not read here. */
		if (r.seq != s->cp_seq &&
		    memcmp(r.prev, prev, AUDIT_HASHLEN) != 0)
			break;
		audit_rec_hash(&r);
		if (memcmp(r.hash, sqlite3_column_blob(st, 12),
		    AUDIT_HASHLEN) != 0)
			break;
		if (r.seq == s->cp_seq && (sqlite3_column_bytes(st, 13) !=
		    AUDIT_HASHLEN || memcmp(sqlite3_column_blob(st, 13),
		    r.hash, AUDIT_HASHLEN) != 0))
			break;
		memcpy(prev, r.hash, AUDIT_HASHLEN);
		want++;
	}
	sqlite3_finalize(st);
	if (rv != SQLITE_DONE || want != s->head + 1) {
		log_warnx("audit.db: the log does not verify at seq %llu; "
		    "run pccxctl audit verify", (unsigned long long)want);
		return -1;
	}
	return 0;
}

int
store_open(struct audit_store *s, const char *path, const unsigned char *sk)
{
	int	i;

	memset(s, 0, sizeof(*s));
	s->sk = sk;
	s->cp_rows = 256;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", path, s->db ? sqlite3_errmsg(s->db) :
		    "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (store_schema(s) == -1)
		goto fail;
	for (i = 0; i < Q_MAX; i++)
		if (sqlite3_prepare_v3(s->db, queries[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			db_warn(s, queries[i]);
			goto fail;
		}
	if (store_load(s) == -1 || store_check_tail(s) == -1)
		goto fail;
	return 0;
fail:
	store_close(s);
	return -1;
}

void
store_close(struct audit_store *s)
{
	int	i;

	for (i = 0; i < Q_MAX; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	if (s->db != NULL)
		sqlite3_close(s->db);
	s->db = NULL;
}

static int
insert_row(struct audit_store *s, const struct audit_rec *r)
{
	sqlite3_stmt	*st = s->st[Q_ROW];
	const char	*t[9] = { r->daemon, r->actor, r->device, r->source,
			    r->action, r->project, r->object, r->outcome,
			    r->detail };
	int		 i;

	sqlite3_bind_int64(st, 1, r->seq);
	sqlite3_bind_int64(st, 2, r->time);
	for (i = 0; i < 9; i++)
		sqlite3_bind_text(st, 3 + i, t[i], -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 12, r->prev, AUDIT_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 13, r->hash, AUDIT_HASHLEN, SQLITE_STATIC);
	return exec_stmt(s, Q_ROW);
}

static int
insert_cp(struct audit_store *s, uint64_t seq, const unsigned char *head,
    uint64_t t)
{
	sqlite3_stmt	*st = s->st[Q_CP];
	unsigned char	 sig[AUDIT_SIGLEN];

	audit_cp_sign(seq, head, s->sk, sig);
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_blob(st, 2, head, AUDIT_HASHLEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, t);
	sqlite3_bind_blob(st, 4, sig, sizeof(sig), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, s->cp_seq);
	return exec_stmt(s, Q_CP);
}

static void
rec_link(struct audit_row *row, const char *daemon)
{
	struct audit_rec	*r = &row->rec;
	struct p_audit_row	*p = &row->p;

	r->daemon = daemon;
	r->actor = p->actor;
	r->device = p->device;
	r->source = p->source;
	r->action = p->action;
	r->project = p->project;
	r->object = p->object;
	r->outcome = p->outcome;
	r->detail = p->detail;
	r->time = p->time;
}

int
store_append(struct audit_store *s, struct audit_row *rows, size_t n)
{
	unsigned char	 hash[AUDIT_HASHLEN];
	uint64_t	 seq = s->head, t = now_ms();
	size_t		 i;
	int		 cut;

	if (exec_stmt(s, Q_BEGIN) == -1)
		return db_warn(s, "begin");
	memcpy(hash, s->head_hash, sizeof(hash));
	for (i = 0; i < n; i++) {
		rec_link(&rows[i], rows[i].daemon);
		rows[i].rec.seq = ++seq;
		memcpy(rows[i].rec.prev, hash, AUDIT_HASHLEN);
		audit_rec_hash(&rows[i].rec);
		memcpy(hash, rows[i].rec.hash, AUDIT_HASHLEN);
		if (insert_row(s, &rows[i].rec) == -1)
			goto fail;
	}
	cut = seq - s->cp_seq >= s->cp_rows;
	if (cut && insert_cp(s, seq, hash, t) == -1)
		goto fail;
	if (exec_stmt(s, Q_COMMIT) == -1)
		goto fail;
	s->head = seq;
	memcpy(s->head_hash, hash, sizeof(hash));
	if (cut) {
		s->cp_seq = seq;
		s->cp_time = t;
	}
	return 0;
fail:
	db_warn(s, "append");
	exec_stmt(s, Q_ROLLBACK);
	return -1;
}

int
store_checkpoint(struct audit_store *s)
{
	uint64_t	t = now_ms();

	if (s->head == s->cp_seq)
		return 0;
	if (exec_stmt(s, Q_BEGIN) == -1)
		return db_warn(s, "begin");
	if (insert_cp(s, s->head, s->head_hash, t) == -1 ||
	    exec_stmt(s, Q_COMMIT) == -1) {
		db_warn(s, "checkpoint");
		exec_stmt(s, Q_ROLLBACK);
		return -1;
	}
	s->cp_seq = s->head;
	s->cp_time = t;
	return 0;
}

/*
 * The index is not part of the durable record: its transactions run
 * with synchronous=NORMAL, and the marker moves with the index in the
 * same transaction, so after a crash both are where they were.
 */
int
store_fts_index(struct audit_store *s, size_t max)
{
	uint64_t	to = s->fts_seq + max;
	int		rv = -1;

	if (to > s->head)
		to = s->head;
	if (to == s->fts_seq)
		return 0;
	if (sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK || exec_stmt(s, Q_BEGIN) == -1)
		goto out;
	sqlite3_bind_int64(s->st[Q_FTS], 1, s->fts_seq);
	sqlite3_bind_int64(s->st[Q_FTS], 2, to);
	sqlite3_bind_int64(s->st[Q_MARK], 1, to);
	if (exec_stmt(s, Q_FTS) == -1 || exec_stmt(s, Q_MARK) == -1 ||
	    exec_stmt(s, Q_COMMIT) == -1) {
		exec_stmt(s, Q_ROLLBACK);
		goto out;
	}
	rv = to - s->fts_seq;
	s->fts_seq = to;
out:
	if (rv == -1)
		db_warn(s, "index");
	if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL,
	    NULL) != SQLITE_OK)
		return db_warn(s, "synchronous");
	return rv;
}

int
store_meta_set(struct audit_store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st = s->st[Q_META];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (exec_stmt(s, Q_META) == -1)
		return db_warn(s, "meta");
	return 0;
}

int
store_shipped_last(struct audit_store *s, uint64_t *last)
{
	return query_u64(s, Q_SHIP_LAST, 0, 0, last) == -1 ? -1 : 0;
}

int
store_next_segment(struct audit_store *s, uint64_t *first, uint64_t *last)
{
	uint64_t	done;
	int		rv;

	if (store_shipped_last(s, &done) == -1)
		return db_warn(s, "shipped");
	*first = done + 1;
	rv = query_u64(s, Q_SEG_CP, *first, done + AUDIT_SEG_ROWS, last);
	if (rv == 1)
		rv = query_u64(s, Q_SEG_NEXT, *first, 0, last);
	if (rv == -1)
		return db_warn(s, "segment");
	return rv;
}

int
store_shipped_add(struct audit_store *s, uint64_t first, uint64_t last,
    const char *key, const char *etag)
{
	sqlite3_stmt	*st = s->st[Q_SHIPPED];

	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, etag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now_ms());
	if (exec_stmt(s, Q_SHIPPED) == -1)
		return db_warn(s, "shipped");
	return 0;
}

static void
hex(char *out, const unsigned char *p, size_t n)
{
	sodium_bin2hex(out, n * 2 + 1, p, n);
}

static json_t *
row_json(sqlite3_stmt *st)
{
	struct audit_rec	 r;
	char			 prev[AUDIT_HASHLEN * 2 + 1];
	char			 hash[AUDIT_HASHLEN * 2 + 1];

	audit_rec_from_stmt(&r, st);
	if (sqlite3_column_bytes(st, 11) != AUDIT_HASHLEN ||
	    sqlite3_column_bytes(st, 12) != AUDIT_HASHLEN)
		return NULL;
	hex(prev, sqlite3_column_blob(st, 11), AUDIT_HASHLEN);
	hex(hash, sqlite3_column_blob(st, 12), AUDIT_HASHLEN);
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:s, s:s}", "type", "row",
	    "seq", (json_int_t)r.seq, "time", (json_int_t)r.time,
	    "daemon", r.daemon, "actor", r.actor, "device", r.device,
	    "source", r.source, "action", r.action, "project", r.project,
	    "object", r.object, "outcome", r.outcome, "detail", r.detail,
	    "prev", prev, "hash", hash);
}

static json_t *
cp_json(sqlite3_stmt *st)
{
	char	head[AUDIT_HASHLEN * 2 + 1], sig[AUDIT_SIGLEN * 2 + 1];

	if (sqlite3_column_bytes(st, 1) != AUDIT_HASHLEN ||
	    sqlite3_column_bytes(st, 3) != AUDIT_SIGLEN)
		return NULL;
	hex(head, sqlite3_column_blob(st, 1), AUDIT_HASHLEN);
	hex(sig, sqlite3_column_blob(st, 3), AUDIT_SIGLEN);
	return json_pack("{s:s, s:I, s:s, s:I, s:s, s:I}", "type",
	    "checkpoint", "seq", (json_int_t)sqlite3_column_int64(st, 0),
	    "head", head, "time", (json_int_t)sqlite3_column_int64(st, 2),
	    "sig", sig, "prev_cp", (json_int_t)sqlite3_column_int64(st, 4));
}

/* Append one JSON value and a newline to the buffer. */
static int
buf_line(struct buf_out *b, json_t *j)
{
	char	*line;
	size_t	 n;
	int	 rv = -1;

	if (j == NULL)
		return -1;
	line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (line == NULL)
		return -1;
	n = strlen(line);
	if (fwrite(line, 1, n, b->f) == n && fputc('\n', b->f) != EOF)
		rv = 0;
	free(line);
	return rv;
}

static int
segment_lines(struct audit_store *s, struct buf_out *b, const char *sql,
    uint64_t first, uint64_t last, json_t *(*fn)(sqlite3_stmt *))
{
	sqlite3_stmt	*st;
	uint64_t	 n = 0;
	int		 rv;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_warn(s, "segment");
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	while ((rv = sqlite3_step(st)) == SQLITE_ROW) {
		if (buf_line(b, fn(st)) == -1)
			break;
		n++;
	}
	sqlite3_finalize(st);
	return rv == SQLITE_DONE ? (int)n : -1;
}

int
store_segment_text(struct audit_store *s, const char *host, uint64_t first,
    uint64_t last, char **text, size_t *len)
{
	struct buf_out	b;
	int		rv = -1;

	if (last < first || last - first >= AUDIT_SEG_ROWS * 4)
		return -1;
	*text = NULL;
	*len = 0;
	if ((b.f = open_memstream(text, len)) == NULL)
		return -1;
	if (buf_line(&b, json_pack("{s:s, s:i, s:s, s:I, s:I}", "type",
	    "segment", "version", 1, "host", host, "first", (json_int_t)first,
	    "last", (json_int_t)last)) == 0 &&
	    segment_lines(s, &b, "SELECT * FROM rows WHERE seq >= ?1 AND "
	    "seq <= ?2 ORDER BY seq", first, last, row_json) ==
	    (int)(last - first + 1) &&
	    segment_lines(s, &b, "SELECT * FROM checkpoints WHERE seq >= ?1 "
	    "AND seq <= ?2 ORDER BY seq", first, last, cp_json) > 0)
		rv = 0;
	if (fclose(b.f) != 0)
		rv = -1;
	if (rv == -1) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return rv;
}

/*
 * store_write_pub: write audit.pub in the current directory, the
 * base64 public key that verifies the checkpoints, for pccxctl.
 */
void
store_write_pub(const unsigned char *pk)
{
	char	b64[sodium_base64_ENCODED_LEN(AUDIT_PKLEN,
		    sodium_base64_VARIANT_ORIGINAL)];
	FILE	*f;

	sodium_bin2base64(b64, sizeof(b64), pk, AUDIT_PKLEN,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((f = fopen(AUDIT_PUB ".tmp", "we")) == NULL) {
		log_warn("%s", AUDIT_PUB);
		return;
	}
	if (fprintf(f, "%s\n", b64) < 0 || fclose(f) != 0 ||
	    rename(AUDIT_PUB ".tmp", AUDIT_PUB) == -1)
		log_warn("%s", AUDIT_PUB);
}

/*
 * store_write_meta: what pccxctl needs to find the shipped objects,
 * kept in the meta table; no secret, only the secret file's path.
 */
void
store_write_meta(struct audit_store *s, const struct p_audit_conf *c)
{
	const struct {
		const char	*key;
		const char	*value;
	} m[] = {
		{ "host", c->host },
		{ "s3.endpoint", c->s3_set ? c->s3_endpoint : "" },
		{ "s3.bucket", c->s3_bucket },
		{ "s3.prefix", c->s3_prefix },
		{ "s3.region", c->s3_region },
		{ "s3.access_key", c->s3_access_key },
		{ "s3.secret_file", c->s3_secret_file },
		{ "s3.ca_file", c->s3_ca_file },
	};
	size_t	i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		store_meta_set(s, m[i].key, m[i].value);
}
