/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The auth daemon's SQLite database: devices, enrolment codes, sessions. */

#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "store.h"

#define STORE_DEVCACHE	64

/*
 * Every authenticated request reads its device.  Rows read are kept
 * in a small cache that any write through this store empties (a
 * generation count), and nothing else writes auth.db: a revoked
 * device is refused from the next request on, as without the cache.
 */
struct store {
	sqlite3		*db;
	sqlite3_stmt	*dev_get;	/* every request: prepared once */
	sqlite3_stmt	*sess_use;	/* each batch of last uses: once */
	uint64_t	 gen;		/* writes so far */
	struct {
		uint64_t		gen;	/* 0: empty */
		struct store_device	d;
	}		 dcache[STORE_DEVCACHE];
};

static const char store_schema[] =
    /* One fsync of the log a commit, as durable as a journal's three. */
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE IF NOT EXISTS devices ("
    " id TEXT PRIMARY KEY, user TEXT NOT NULL, name TEXT NOT NULL,"
    " cred_id BLOB NOT NULL UNIQUE, cose BLOB NOT NULL,"
    " sign_count INTEGER NOT NULL, aaguid BLOB NOT NULL,"
    " wg_key TEXT NOT NULL UNIQUE CHECK (length(wg_key) = 44),"
    " created INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS devices_user ON devices (user);"
    "CREATE TABLE IF NOT EXISTS codes ("
    " hash BLOB PRIMARY KEY, user TEXT NOT NULL,"
    " expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS sessions ("
    " sid TEXT PRIMARY KEY, user TEXT NOT NULL, device TEXT NOT NULL,"
    " login_pk BLOB NOT NULL CHECK (length(login_pk) = 32),"
    " jkt TEXT NOT NULL, expires INTEGER NOT NULL,"
    " last_use INTEGER NOT NULL, gen INTEGER NOT NULL,"
    " addr4 TEXT NOT NULL DEFAULT '', addr6 TEXT NOT NULL DEFAULT '',"
    " created INTEGER NOT NULL);";

struct store *
store_open(const char *path)
{
	struct store	*s;
	char		*err = NULL;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sqlite3_exec(s->db, store_schema, NULL, NULL, &err) !=
	    SQLITE_OK) {
		log_warnx("%s: schema: %s", path, err);
		sqlite3_free(err);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 1000);
	return s;
 fail:
	sqlite3_close(s->db);
	free(s);
	return NULL;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->dev_get);
	sqlite3_finalize(s->sess_use);
	sqlite3_close(s->db);
	free(s);
}

static sqlite3_stmt *
store_prep(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return st;
}

/* Run a statement that returns no row; changes, or -1. */
static int
store_run(struct store *s, sqlite3_stmt *st)
{
	int	rv;

	s->gen++;
	rv = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rv != SQLITE_DONE) {
		log_warnx("store: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return sqlite3_changes(s->db);
}

int
store_wgkey_ok(const char *s)
{
	unsigned char	raw[33];
	size_t		n;

	if (s == NULL || strlen(s) != STORE_WGKEYLEN)
		return 0;
	if (sodium_base642bin(raw, sizeof(raw), s, strlen(s), NULL, &n,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return n == 32;
}

static void
store_new_id(char *out, size_t rawlen, size_t outsize)
{
	unsigned char	raw[32];

	randombytes_buf(raw, rawlen);
	sodium_bin2base64(out, outsize, raw, rawlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
store_device_add(struct store *s, struct store_device *d, time_t now)
{
	sqlite3_stmt	*st;
	int		 n;

	if (!store_wgkey_ok(d->wg_key) || d->cred_idlen == 0 ||
	    d->coselen == 0 || d->user[0] == '\0')
		return -1;
	if ((n = store_device_count(s, d->user)) == -1)
		return -1;
	if (n >= STORE_MAXDEVICES)
		return 1;
	store_new_id(d->id, 16, sizeof(d->id));
	d->created = now;
	d->revoked = 0;
	if ((st = store_prep(s, "INSERT INTO devices (id, user, name, "
	    "cred_id, cose, sign_count, aaguid, wg_key, created) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, d->cred_id, d->cred_idlen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, d->cose, d->coselen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, d->sign_count);
	sqlite3_bind_blob(st, 7, d->aaguid, sizeof(d->aaguid), SQLITE_STATIC);
	sqlite3_bind_text(st, 8, d->wg_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now);
	return store_run(s, st) == 1 ? 0 : -1;
}

int
store_device_count(struct store *s, const char *user)
{
	sqlite3_stmt	*st;
	int		 n = -1;

	if ((st = store_prep(s, "SELECT count(*) FROM devices "
	    "WHERE user = ? AND revoked = 0")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

#define DEVICE_COLS	"id, user, name, cred_id, cose, sign_count, " \
			"aaguid, wg_key, created, revoked"

static void
store_copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	pccx_strlcpy(dst, t != NULL ? (const char *)t : "", size);
}

static size_t
store_copy_blob(uint8_t *dst, size_t size, sqlite3_stmt *st, int col)
{
	size_t	n = sqlite3_column_bytes(st, col);

	if (n > size)
		n = 0;
	if (n > 0)
		memcpy(dst, sqlite3_column_blob(st, col), n);
	return n;
}

static void
store_row_device(sqlite3_stmt *st, struct store_device *d)
{
	memset(d, 0, sizeof(*d));
	store_copy_text(d->id, sizeof(d->id), st, 0);
	store_copy_text(d->user, sizeof(d->user), st, 1);
	store_copy_text(d->name, sizeof(d->name), st, 2);
	d->cred_idlen = store_copy_blob(d->cred_id, sizeof(d->cred_id), st,
	    3);
	d->coselen = store_copy_blob(d->cose, sizeof(d->cose), st, 4);
	d->sign_count = sqlite3_column_int64(st, 5);
	store_copy_blob(d->aaguid, sizeof(d->aaguid), st, 6);
	store_copy_text(d->wg_key, sizeof(d->wg_key), st, 7);
	d->created = sqlite3_column_int64(st, 8);
	d->revoked = sqlite3_column_int64(st, 9);
}

int
store_devices(struct store *s, const char *user, struct store_device *out,
    int max)
{
	sqlite3_stmt	*st;
	int		 n = 0, rv;

	if ((st = store_prep(s, "SELECT " DEVICE_COLS " FROM devices "
	    "WHERE user = ? AND revoked = 0 ORDER BY created, id")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while (n < max && (rv = sqlite3_step(st)) == SQLITE_ROW)
		store_row_device(st, &out[n++]);
	sqlite3_finalize(st);
	return n;
}

int
store_device_get(struct store *s, const char *id, struct store_device *d)
{
	sqlite3_stmt	*st;
	const char	*p;
	uint32_t	 h = 2166136261u;
	size_t		 slot;
	int		 rv;

	for (p = id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	slot = h % STORE_DEVCACHE;
	if (s->dcache[slot].gen == s->gen + 1 &&
	    strcmp(s->dcache[slot].d.id, id) == 0) {
		*d = s->dcache[slot].d;
		return 0;
	}
	if (s->dev_get == NULL && (s->dev_get = store_prep(s, "SELECT "
	    DEVICE_COLS " FROM devices WHERE id = ?")) == NULL)
		return -1;
	st = s->dev_get;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rv = sqlite3_step(st);
	if (rv == SQLITE_ROW) {
		store_row_device(st, d);
		s->dcache[slot].d = *d;
		s->dcache[slot].gen = s->gen + 1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rv == SQLITE_ROW)
		return 0;
	return rv == SQLITE_DONE ? 1 : -1;
}

int
store_device_counter(struct store *s, const char *id, uint32_t count)
{
	sqlite3_stmt	*st;

	if ((st = store_prep(s, "UPDATE devices SET sign_count = ? "
	    "WHERE id = ?")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, count);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return store_run(s, st) == 1 ? 0 : -1;
}

int
store_device_revoke(struct store *s, const char *id, const char *user,
    time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_prep(s, "UPDATE devices SET revoked = ? "
	    "WHERE id = ? AND revoked = 0 AND (?3 IS NULL OR user = ?3)")) ==
	    NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (user != NULL)
		sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_user_revoke(struct store *s, const char *user, time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_prep(s, "UPDATE devices SET revoked = ? "
	    "WHERE user = ? AND revoked = 0")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	return store_run(s, st);
}

static void
store_code_hash(const char *code, unsigned char *h)
{
	crypto_generichash(h, 32, (const unsigned char *)code, strlen(code),
	    NULL, 0);
}

int
store_code_new(struct store *s, const char *user, char *code, time_t now)
{
	sqlite3_stmt	*st;
	unsigned char	 h[32];

	store_new_id(code, 24, STORE_CODELEN + 1);
	store_code_hash(code, h);
	if ((st = store_prep(s, "INSERT INTO codes (hash, user, expires) "
	    "VALUES (?, ?, ?)")) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now + STORE_CODE_TTL);
	return store_run(s, st) == 1 ? 0 : -1;
}

/*
 * The hash is the lookup key: a guess at a code costs one BLAKE2b and
 * one index probe, and never compares secrets byte by byte.
 */
int
store_code_use(struct store *s, const char *user, const char *code,
    time_t now)
{
	sqlite3_stmt	*st;
	unsigned char	 h[32];
	int		 n;

	if (strlen(code) != STORE_CODELEN)
		return 1;
	store_code_hash(code, h);
	if ((st = store_prep(s, "UPDATE codes SET used = ?1 WHERE hash = ?2 "
	    "AND user = ?3 AND used = 0 AND expires > ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_blob(st, 2, h, sizeof(h), SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	if ((n = store_run(s, st)) == -1)
		return -1;
	return n == 1 ? 0 : 1;
}

/* Run a session statement: the device cache stays valid.  Changes or -1. */
static int
store_run_sess(struct store *s, sqlite3_stmt *st)
{
	int	rv;

	rv = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rv != SQLITE_DONE) {
		log_warnx("store: sessions: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return sqlite3_changes(s->db);
}

int
store_session_add(struct store *s, const struct store_session *ss,
    time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_prep(s, "INSERT OR REPLACE INTO sessions (sid, "
	    "user, device, login_pk, jkt, expires, last_use, gen, addr4, "
	    "addr6, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) ==
	    NULL)
		return -1;
	sqlite3_bind_text(st, 1, ss->sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ss->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ss->device, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, ss->login_pk, sizeof(ss->login_pk),
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ss->jkt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, ss->exp);
	sqlite3_bind_int64(st, 7, ss->last_use);
	sqlite3_bind_int64(st, 8, ss->gen);
	sqlite3_bind_text(st, 9, ss->addr4, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, ss->addr6, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, now);
	return store_run_sess(s, st) == 1 ? 0 : -1;
}

int
store_session_use(struct store *s, const char *sid, uint32_t gen,
    int64_t last_use)
{
	sqlite3_stmt	*st;
	int		 rv;

	if (s->sess_use == NULL && (s->sess_use = store_prep(s, "UPDATE "
	    "sessions SET gen = max(gen, ?1), last_use = max(last_use, ?2) "
	    "WHERE sid = ?3")) == NULL)
		return -1;
	st = s->sess_use;
	sqlite3_bind_int64(st, 1, gen);
	sqlite3_bind_int64(st, 2, last_use);
	sqlite3_bind_text(st, 3, sid, -1, SQLITE_STATIC);
	rv = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rv != SQLITE_DONE) {
		log_warnx("store: sessions: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return sqlite3_changes(s->db);
}

int
store_session_lease(struct store *s, const char *sid, const char *addr4,
    const char *addr6)
{
	sqlite3_stmt	*st;

	if ((st = store_prep(s, "UPDATE sessions SET addr4 = ?, addr6 = ? "
	    "WHERE sid = ?")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, addr4, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr6, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sid, -1, SQLITE_STATIC);
	return store_run_sess(s, st);
}

int
store_session_del(struct store *s, const char *sid)
{
	sqlite3_stmt	*st;

	if ((st = store_prep(s, "DELETE FROM sessions WHERE sid = ?")) ==
	    NULL)
		return -1;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	return store_run_sess(s, st);
}

int
store_begin(struct store *s)
{
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		log_warnx("store: begin: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int
store_commit(struct store *s)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("store: commit: %s", sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static void
store_row_session(sqlite3_stmt *st, struct store_session *ss)
{
	memset(ss, 0, sizeof(*ss));
	store_copy_text(ss->sid, sizeof(ss->sid), st, 0);
	store_copy_text(ss->user, sizeof(ss->user), st, 1);
	store_copy_text(ss->device, sizeof(ss->device), st, 2);
	if (store_copy_blob(ss->login_pk, sizeof(ss->login_pk), st, 3) !=
	    sizeof(ss->login_pk))
		memset(ss->login_pk, 0, sizeof(ss->login_pk));
	store_copy_text(ss->jkt, sizeof(ss->jkt), st, 4);
	ss->exp = sqlite3_column_int64(st, 5);
	ss->last_use = sqlite3_column_int64(st, 6);
	ss->gen = sqlite3_column_int64(st, 7);
	store_copy_text(ss->addr4, sizeof(ss->addr4), st, 8);
	store_copy_text(ss->addr6, sizeof(ss->addr6), st, 9);
}

/*
 * Sessions past their hard expiry, or idle longer than idle seconds,
 * go first; the rest are handed to fn in the order they were opened.
 */
int
store_sessions_load(struct store *s, time_t now, uint32_t idle,
    void (*fn)(void *, const struct store_session *), void *arg)
{
	struct store_session	 ss;
	sqlite3_stmt		*st;
	int			 n = 0, rv;

	if ((st = store_prep(s, "DELETE FROM sessions WHERE expires <= ?1 "
	    "OR last_use < ?1 - ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, idle);
	if ((rv = store_run_sess(s, st)) == -1)
		return -1;
	if (rv > 0)
		log_info("%d expired session%s removed", rv,
		    rv == 1 ? "" : "s");
	if ((st = store_prep(s, "SELECT sid, user, device, login_pk, jkt, "
	    "expires, last_use, gen, addr4, addr6 FROM sessions "
	    "ORDER BY created, sid")) == NULL)
		return -1;
	while ((rv = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_session(st, &ss);
		fn(arg, &ss);
		n++;
	}
	sqlite3_finalize(st);
	if (rv != SQLITE_DONE) {
		log_warnx("store: sessions: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return n;
}
