/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccxctl audit: verify, search, tail and key, on audit.db and the store. */

#include <sys/ioctl.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/age.h"
#include "common/audit_sql.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "pccxctl.h"

#define AUDIT_STATE	"/var/lib/pccx-remote"
#define AUDIT_MAXPROB	20		/* problems listed */
#define AUDIT_S3_MAX	(256 * 1024 * 1024)	/* bytes of one object */

/* Everything a subcommand was told, and what it opened. */
struct audit_ctx {
	struct ctl	*ctl;
	const char	*state;
	const char	*keyfile;	/* -k */
	const char	*pubkey;	/* -p, base64 */
	const char	*idfile;	/* -i, age identities */
	struct age_identity ids[8];
	size_t		 nids;
	uint64_t	 from;
	uint64_t	 count;		/* -n */
	int		 raw;
	int		 follow;
	int		 s3;
	sqlite3		*db;
	unsigned char	 pk[AUDIT_PKLEN];
	int		 have_pk;
	char		*s3_secret;
	char		*s3_ca;
	size_t		 s3_calen;
};

/* What verification found, first problem first. */
struct audit_report {
	json_t		*problems;
	uint64_t	 first_bad;	/* 0: none */
	uint64_t	 rows;
	uint64_t	 head;
	uint64_t	 checkpoints;
	uint64_t	 last_cp;
	uint64_t	 shipped;
	uint64_t	 s3_objects;
	uint64_t	 s3_rows;
};

static int	audit_verify(struct audit_ctx *, int, char **);
static int	audit_search(struct audit_ctx *, int, char **);
static int	audit_tail(struct audit_ctx *, int, char **);
static int	audit_key(struct audit_ctx *, int, char **);

static const struct {
	const char	*name;
	int		(*run)(struct audit_ctx *, int, char **);
} audit_cmds[] = {
	{ "verify", audit_verify },
	{ "search", audit_search },
	{ "tail", audit_tail },
	{ "key", audit_key },
};

static void __attribute__((noreturn))
audit_usage(void)
{
	fprintf(stderr, "usage: pccxctl [-j] audit verify [--from SEQ] "
	    "[--from-s3 [-i identity]]\n"
	    "           [-d state] [-k keyfile | -p pubkey]\n"
	    "       pccxctl [-j] audit search [--raw] [-n count] [-d state] "
	    "[--] text ...\n"
	    "       pccxctl [-j] audit tail [-f] [-n count] [-d state]\n"
	    "       pccxctl [-j] audit key [-d state] [-k keyfile]\n");
	exit(2);
}

static void
audit_path(char *buf, size_t size, const char *state, const char *name)
{
	if (snprintf(buf, size, "%s/%s", state, name) >= (int)size)
		fatalx("%s: path too long", state);
}

/* The public key from a key seed file (root's) into ctx->pk. */
static int
audit_key_from_seed(struct audit_ctx *ctx, const char *path)
{
	unsigned char	seed[crypto_sign_SEEDBYTES];
	unsigned char	sk[crypto_sign_SECRETKEYBYTES];
	char		err[PATH_MAX + 128];
	int		fd;

	if ((fd = secret_open(path, err, sizeof(err))) == -1) {
		if (ctx->keyfile != NULL)
			fatalx("%s", err);
		return -1;
	}
	if (secret_read(fd, seed, sizeof(seed)) == -1)
		fatalx("%s: cannot read the key seed", path);
	close(fd);
	crypto_sign_seed_keypair(ctx->pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	ctx->have_pk = 1;
	return 0;
}

static int
audit_key_b64(unsigned char *pk, const char *text)
{
	size_t	len;

	if (sodium_base642bin(pk, AUDIT_PKLEN, text, strlen(text), "\r\n",
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != AUDIT_PKLEN)
		return -1;
	return 0;
}

/* audit.pub as the daemon wrote it, into pk. */
static int
audit_key_pub(const char *state, unsigned char *pk)
{
	char	path[PATH_MAX], line[128];
	FILE	*f;
	int	rv = -1;

	audit_path(path, sizeof(path), state, "audit/audit.pub");
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL)
		rv = audit_key_b64(pk, line);
	fclose(f);
	return rv;
}

/*
 * The key that verifies checkpoints: -p, else derived from the seed
 * (-k, or STATE/keys/audit.key), else audit.pub.  Verification says
 * which it used: audit.pub sits beside the log it vouches for.
 */
static const char *
audit_load_key(struct audit_ctx *ctx)
{
	char	path[PATH_MAX];

	if (ctx->pubkey != NULL) {
		if (audit_key_b64(ctx->pk, ctx->pubkey) == -1)
			fatalx("-p: not a base64 Ed25519 public key");
		ctx->have_pk = 1;
		return "the key given with -p";
	}
	if (ctx->keyfile != NULL) {
		audit_key_from_seed(ctx, ctx->keyfile);
		return ctx->keyfile;
	}
	audit_path(path, sizeof(path), ctx->state, "keys/audit.key");
	if (audit_key_from_seed(ctx, path) == 0)
		return "keys/audit.key";
	if (audit_key_pub(ctx->state, ctx->pk) == 0) {
		ctx->have_pk = 1;
		return "audit/audit.pub";
	}
	return NULL;
}

/*
 * Give up root for the daemon's own user before touching audit.db:
 * even a reader makes the -wal and -shm files, which must stay the
 * daemon's.  With keep, root stays the saved uid so that the store's
 * secret can be read later (s3_secrets); otherwise it is gone.
 */
static void
audit_become_owner(const char *state, int keep)
{
	char		path[PATH_MAX];
	struct stat	st;

	audit_path(path, sizeof(path), state, "audit");
	if (stat(path, &st) == -1)
		fatal("%s", path);
	if (geteuid() != 0 || st.st_uid == 0)
		return;
	if (setgroups(1, &st.st_gid) == -1 ||
	    setresgid(st.st_gid, st.st_gid, st.st_gid) == -1 ||
	    setresuid(st.st_uid, st.st_uid, keep ? 0 : st.st_uid) == -1)
		fatal("cannot become the owner of %s", path);
}

static void
audit_open(struct audit_ctx *ctx)
{
	char	path[PATH_MAX], uri[PATH_MAX + 32];

	audit_become_owner(ctx->state, ctx->s3);
	audit_path(path, sizeof(path), ctx->state, "audit/audit.db");
	if (access(path, F_OK) == -1)
		fatal("%s", path);
	snprintf(uri, sizeof(uri), "file:%s?mode=ro", path);
	if (sqlite3_open_v2(uri, &ctx->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		fatalx("%s: %s", path, sqlite3_errmsg(ctx->db));
	sqlite3_busy_timeout(ctx->db, 5000);
}

static sqlite3_stmt *
audit_prepare(struct audit_ctx *ctx, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(ctx->db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("audit.db: %s", sqlite3_errmsg(ctx->db));
	return st;
}

static const char *
audit_meta(struct audit_ctx *ctx, const char *key, char *buf, size_t size)
{
	sqlite3_stmt	*st;

	st = audit_prepare(ctx, "SELECT value FROM meta WHERE key = ?");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	buf[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		pccx_strlcpy(buf, (const char *)sqlite3_column_text(st, 0),
		    size);
	sqlite3_finalize(st);
	return buf;
}

static void __attribute__((format(printf, 3, 4)))
report_add(struct audit_report *r, uint64_t seq, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r->first_bad == 0 || seq < r->first_bad)
		r->first_bad = seq;
	json_array_append_new(r->problems, json_pack("{s:I, s:s}", "seq",
	    (json_int_t)seq, "problem", buf));
}

struct audit_cp {
	uint64_t	seq;
	uint64_t	prev_cp;
	unsigned char	head[AUDIT_HASHLEN];
	unsigned char	sig[AUDIT_SIGLEN];
	int		bad;
};

static int
blob_get(sqlite3_stmt *st, int col, unsigned char *dst, int len)
{
	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, col) != len)
		return -1;
	memcpy(dst, sqlite3_column_blob(st, col), len);
	return 0;
}

static struct audit_cp *
cps_load(struct audit_ctx *ctx, struct audit_report *rep, size_t *n)
{
	sqlite3_stmt	*st;
	struct audit_cp	*cps = NULL, *c;
	size_t		 cap = 0;

	*n = 0;
	st = audit_prepare(ctx, "SELECT seq, head, sig, prev_cp FROM "
	    "checkpoints ORDER BY seq");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap && (cps = reallocarray(cps, cap = cap * 2 + 64,
		    sizeof(*cps))) == NULL)
			fatal("reallocarray");
		c = &cps[(*n)++];
		memset(c, 0, sizeof(*c));
		c->seq = sqlite3_column_int64(st, 0);
		c->prev_cp = sqlite3_column_int64(st, 3);
		if (blob_get(st, 1, c->head, AUDIT_HASHLEN) == -1 ||
		    blob_get(st, 2, c->sig, AUDIT_SIGLEN) == -1) {
			report_add(rep, c->seq, "checkpoint %" PRIu64
			    " is malformed", c->seq);
			c->bad = 1;
		}
	}
	sqlite3_finalize(st);
	return cps;
}

/* One stored row: recompute its hash from its stored prev. */
static void
row_get(sqlite3_stmt *st, struct audit_rec *r, unsigned char *stored,
    int *malformed)
{
	audit_rec_from_stmt(r, st);
	*malformed = blob_get(st, 11, r->prev, AUDIT_HASHLEN) == -1 ||
	    blob_get(st, 12, stored, AUDIT_HASHLEN) == -1;
	audit_rec_hash(r);
}

/* The hash the row before from should have, from the stored log. */
static void
chain_start(struct audit_ctx *ctx, struct audit_report *rep,
    unsigned char *prev)
{
	sqlite3_stmt	*st;

	memset(prev, 0, AUDIT_HASHLEN);
	if (ctx->from <= 1)
		return;
	st = audit_prepare(ctx, "SELECT hash FROM rows WHERE seq = ?");
	sqlite3_bind_int64(st, 1, ctx->from - 1);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    blob_get(st, 0, prev, AUDIT_HASHLEN) == -1)
		report_add(rep, ctx->from - 1, "row %" PRIu64 " (before "
		    "--from) is missing", ctx->from - 1);
	sqlite3_finalize(st);
}

/* Check a checkpoint that falls on a row against the row's hash. */
static void
cp_against_row(struct audit_report *rep, struct audit_cp *c,
    const unsigned char *hash)
{
	if (!c->bad && memcmp(c->head, hash, AUDIT_HASHLEN) != 0) {
		report_add(rep, c->seq, "checkpoint %" PRIu64 " does not "
		    "match the chain: a row at or before it was changed",
		    c->seq);
		c->bad = 1;
	}
}

static void
verify_rows(struct audit_ctx *ctx, struct audit_report *rep,
    struct audit_cp *cps, size_t ncp)
{
	sqlite3_stmt		*st;
	struct audit_rec	 r;
	unsigned char		 prev[AUDIT_HASHLEN];
	unsigned char		 stored[AUDIT_HASHLEN];
	uint64_t		 want = ctx->from > 0 ? ctx->from : 1;
	size_t			 ci = 0;
	int			 bad;

	chain_start(ctx, rep, prev);
	st = audit_prepare(ctx, "SELECT * FROM rows WHERE seq >= ? "
	    "ORDER BY seq");
	sqlite3_bind_int64(st, 1, want);
	while (sqlite3_step(st) == SQLITE_ROW) {
		row_get(st, &r, stored, &bad);
		if (r.seq != want)
			report_add(rep, want, "rows %" PRIu64 "-%" PRIu64
			    " are missing", want, r.seq - 1);
		else if (bad)
			report_add(rep, r.seq, "row %" PRIu64 " is "
			    "malformed", r.seq);
		else if (memcmp(r.prev, prev, AUDIT_HASHLEN) != 0)
			report_add(rep, r.seq, "row %" PRIu64 " does not "
			    "chain to row %" PRIu64, r.seq, r.seq - 1);
		else if (memcmp(r.hash, stored, AUDIT_HASHLEN) != 0)
			report_add(rep, r.seq, "row %" PRIu64 " was changed: "
			    "its content does not match its hash", r.seq);
		while (ci < ncp && cps[ci].seq < r.seq)
			ci++;
		if (ci < ncp && cps[ci].seq == r.seq)
			cp_against_row(rep, &cps[ci], r.hash);
		memcpy(prev, r.hash, AUDIT_HASHLEN);
		want = r.seq + 1;
		rep->rows++;
		rep->head = r.seq;
	}
	sqlite3_finalize(st);
}

static size_t
cp_find(struct audit_cp *cps, size_t ncp, uint64_t seq)
{
	size_t	lo = 0, hi = ncp, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cps[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ncp && cps[lo].seq == seq ? lo : ncp;
}

static void
verify_cps(struct audit_ctx *ctx, struct audit_report *rep,
    struct audit_cp *cps, size_t ncp)
{
	struct audit_cp	*c;
	size_t		 i;

	for (i = 0; i < ncp; i++) {
		c = &cps[i];
		if (c->seq < ctx->from)
			continue;
		rep->checkpoints++;
		rep->last_cp = c->seq;
		if (c->bad)
			continue;
		if (c->seq > rep->head)
			report_add(rep, rep->head + 1, "rows %" PRIu64 "-%"
			    PRIu64 " were deleted: checkpoint %" PRIu64
			    " signs them", rep->head + 1, c->seq, c->seq);
		else if (audit_cp_verify(c->seq, c->head, c->sig,
		    ctx->pk) == -1)
			report_add(rep, c->seq, "checkpoint %" PRIu64 " has a "
			    "bad signature", c->seq);
		if (i > 0 && c->prev_cp != cps[i - 1].seq &&
		    cps[i - 1].seq >= ctx->from)
			report_add(rep, c->prev_cp, "checkpoint %" PRIu64
			    " was deleted (checkpoint %" PRIu64 " follows "
			    "it)", c->prev_cp, c->seq);
		else if (i == 0 && c->prev_cp != 0 && ctx->from <= 1)
			report_add(rep, c->prev_cp, "checkpoint %" PRIu64
			    " was deleted (checkpoint %" PRIu64 " follows "
			    "it)", c->prev_cp, c->seq);
	}
}

/* What the store acknowledged must still be here and end at checkpoints. */
static void
verify_shipped(struct audit_ctx *ctx, struct audit_report *rep,
    struct audit_cp *cps, size_t ncp)
{
	sqlite3_stmt	*st;
	uint64_t	 first, last, next = 1;
	const char	*key;

	st = audit_prepare(ctx, "SELECT first, last, key FROM shipped "
	    "ORDER BY first");
	while (sqlite3_step(st) == SQLITE_ROW) {
		first = sqlite3_column_int64(st, 0);
		last = sqlite3_column_int64(st, 1);
		key = (const char *)sqlite3_column_text(st, 2);
		if (first != next)
			report_add(rep, next, "shipped objects skip rows %"
			    PRIu64 "-%" PRIu64, next, first - 1);
		if (last > rep->head && last >= ctx->from)
			report_add(rep, rep->head + 1, "rows %" PRIu64 "-%"
			    PRIu64 " were deleted: they were shipped in %s",
			    rep->head + 1, last, key ? key : "?");
		else if (last >= ctx->from && cp_find(cps, ncp, last) == ncp)
			report_add(rep, last, "checkpoint %" PRIu64 " was "
			    "deleted: it ended shipped object %s", last,
			    key ? key : "?");
		next = last + 1;
		rep->shipped = last;
	}
	sqlite3_finalize(st);
}

/* The store as the daemon was told of it (meta), and its secret. */
struct audit_s3 {
	char	endpoint[512];
	char	bucket[64];
	char	prefix[256];
	char	host[64];
	char	region[64];
	char	access_key[128];
	char	secret_file[PATH_MAX];
	char	ca_file[PATH_MAX];
};

struct s3_buf {
	char	*p;
	size_t	 len;
};

static size_t
s3_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct s3_buf	*b = arg;
	char		*np;

	n *= size;
	if (b->len + n > AUDIT_S3_MAX ||
	    (np = realloc(b->p, b->len + n + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* One signed GET of path?query (query already in canonical order). */
static long
s3_get(struct audit_ctx *ctx, const struct audit_s3 *s3, const char *path,
    const char *query, struct s3_buf *b)
{
	struct curl_blob	 ca = { ctx->s3_ca, ctx->s3_calen, 0 };
	struct curl_slist	*h = NULL;
	char			 url[2048], sigv4[128];
	long			 code = 0;
	CURL			*c;
	CURLcode		 rv;

	b->p = NULL;
	b->len = 0;
	snprintf(url, sizeof(url), "%s/%s%s%s%s", s3->endpoint, s3->bucket,
	    path, query[0] ? "?" : "", query);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", s3->region);
	h = curl_slist_append(h, "x-amz-content-sha256: "
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	if (h == NULL || (c = curl_easy_init()) == NULL)
		fatalx("curl");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	if (ctx->s3_ca != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(c, CURLOPT_USERNAME, s3->access_key);
	curl_easy_setopt(c, CURLOPT_PASSWORD, ctx->s3_secret);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s3_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	if ((rv = curl_easy_perform(c)) != CURLE_OK)
		fatalx("s3: %s%s: %s", s3->endpoint, path,
		    curl_easy_strerror(rv));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return code;
}

/* The text of the first <tag>...</tag> at or after p, or NULL. */
static char *
xml_take(const char **p, const char *tag, char *buf, size_t size)
{
	char		 open[64], close[64];
	const char	*a, *z;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((a = strstr(*p, open)) == NULL)
		return NULL;
	a += strlen(open);
	if ((z = strstr(a, close)) == NULL || (size_t)(z - a) >= size)
		return NULL;
	memcpy(buf, a, z - a);
	buf[z - a] = '\0';
	*p = z + strlen(close);
	return buf;
}

/* Every key under PREFIX/HOST/, in order (zero-padded: text order). */
static json_t *
s3_list(struct audit_ctx *ctx, const struct audit_s3 *s3)
{
	json_t		*keys = json_array();
	struct s3_buf	 b;
	char		 prefix[512], query[2048];
	char		 token[1024] = "", key[1024];
	char		*ep, *et = NULL;
	const char	*p;
	long		 code;

	snprintf(prefix, sizeof(prefix), "%s%s%s/", s3->prefix,
	    s3->prefix[0] ? "/" : "", s3->host);
	ep = curl_easy_escape(NULL, prefix, 0);
	do {
		if (token[0] != '\0')
			et = curl_easy_escape(NULL, token, 0);
		snprintf(query, sizeof(query), "%s%s%slist-type=2&prefix=%s",
		    et ? "continuation-token=" : "", et ? et : "",
		    et ? "&" : "", ep);
		curl_free(et);
		et = NULL;
		if ((code = s3_get(ctx, s3, "", query, &b)) != 200)
			fatalx("s3: listing %s: HTTP %ld", prefix, code);
		for (p = b.p; xml_take(&p, "Key", key, sizeof(key)) != NULL; )
			json_array_append_new(keys, json_string(key));
		p = b.p;
		if (strstr(b.p, "<IsTruncated>true</IsTruncated>") == NULL ||
		    xml_take(&p, "NextContinuationToken", token,
		    sizeof(token)) == NULL)
			token[0] = '\0';
		free(b.p);
	} while (token[0] != '\0');
	curl_free(ep);
	return keys;
}

/* State carried from one shipped object to the next. */
struct s3_walk {
	unsigned char	 prev[AUDIT_HASHLEN];
	uint64_t	 next;
	const char	*key;
	uint64_t	 first, last;
	/* this object's */
	unsigned char	(*hashes)[AUDIT_HASHLEN];
	int		 have_cp_last;
	sqlite3_stmt	*local;
};

static int
hex_get(json_t *o, const char *name, unsigned char *dst, size_t len)
{
	const char	*s = json_string_value(json_object_get(o, name));
	size_t		 got;

	if (s == NULL || sodium_hex2bin(dst, len, s, strlen(s), NULL, &got,
	    NULL) != 0 || got != len)
		return -1;
	return 0;
}

static const char *
jstr(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* The local row with the same seq must carry the same hash. */
static void
s3_against_local(struct s3_walk *w, struct audit_report *rep, uint64_t seq,
    const unsigned char *hash)
{
	sqlite3_stmt	*st = w->local;
	unsigned char	 mine[AUDIT_HASHLEN];

	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) != SQLITE_ROW)
		report_add(rep, seq, "row %" PRIu64 " was shipped in %s but "
		    "is missing here", seq, w->key);
	else if (blob_get(st, 0, mine, AUDIT_HASHLEN) == -1 ||
	    memcmp(mine, hash, AUDIT_HASHLEN) != 0)
		report_add(rep, seq, "row %" PRIu64 " differs from its "
		    "shipped copy in %s", seq, w->key);
	sqlite3_reset(st);
}

static void
s3_row(struct audit_ctx *ctx, struct s3_walk *w, struct audit_report *rep,
    json_t *o)
{
	struct audit_rec	r;
	unsigned char		stored[AUDIT_HASHLEN];

	memset(&r, 0, sizeof(r));
	r.seq = json_integer_value(json_object_get(o, "seq"));
	r.time = json_integer_value(json_object_get(o, "time"));
	r.daemon = jstr(o, "daemon");
	r.actor = jstr(o, "actor");
	r.device = jstr(o, "device");
	r.source = jstr(o, "source");
	r.action = jstr(o, "action");
	r.project = jstr(o, "project");
	r.object = jstr(o, "object");
	r.outcome = jstr(o, "outcome");
	r.detail = jstr(o, "detail");
	if (r.seq != w->next || r.seq > w->last) {
		report_add(rep, w->next, "%s: row %" PRIu64 " where row %"
		    PRIu64 " belongs", w->key, r.seq, w->next);
		w->next = r.seq + 1;
		return;
	}
	if (hex_get(o, "prev", r.prev, AUDIT_HASHLEN) == -1 ||
	    hex_get(o, "hash", stored, AUDIT_HASHLEN) == -1 ||
	    !r.daemon || !r.actor || !r.device || !r.source || !r.action ||
	    !r.project || !r.object || !r.outcome || !r.detail)
		report_add(rep, r.seq, "%s: row %" PRIu64 " is malformed",
		    w->key, r.seq);
	else if (memcmp(r.prev, w->prev, AUDIT_HASHLEN) != 0)
		report_add(rep, r.seq, "%s: row %" PRIu64 " does not chain "
		    "to row %" PRIu64, w->key, r.seq, r.seq - 1);
	audit_rec_hash(&r);
	if (memcmp(r.hash, stored, AUDIT_HASHLEN) != 0)
		report_add(rep, r.seq, "%s: row %" PRIu64 " does not match "
		    "its hash", w->key, r.seq);
	memcpy(w->prev, r.hash, AUDIT_HASHLEN);
	memcpy(w->hashes[r.seq - w->first], r.hash, AUDIT_HASHLEN);
	s3_against_local(w, rep, r.seq, r.hash);
	w->next = r.seq + 1;
	rep->s3_rows++;
}

static void
s3_cp(struct audit_ctx *ctx, struct s3_walk *w, struct audit_report *rep,
    json_t *o)
{
	unsigned char	head[AUDIT_HASHLEN], sig[AUDIT_SIGLEN];
	uint64_t	seq = json_integer_value(json_object_get(o, "seq"));

	if (seq < w->first || seq > w->last || seq >= w->next ||
	    hex_get(o, "head", head, sizeof(head)) == -1 ||
	    hex_get(o, "sig", sig, sizeof(sig)) == -1) {
		report_add(rep, seq, "%s: checkpoint %" PRIu64 " is "
		    "malformed or out of place", w->key, seq);
		return;
	}
	if (audit_cp_verify(seq, head, sig, ctx->pk) == -1)
		report_add(rep, seq, "%s: checkpoint %" PRIu64 " has a bad "
		    "signature", w->key, seq);
	else if (memcmp(head, w->hashes[seq - w->first], AUDIT_HASHLEN) != 0)
		report_add(rep, seq, "%s: checkpoint %" PRIu64 " does not "
		    "match the chain", w->key, seq);
	if (seq == w->last)
		w->have_cp_last = 1;
}

/* One NDJSON object: header, rows, checkpoints. */
static void
s3_object(struct audit_ctx *ctx, struct s3_walk *w, struct audit_report *rep,
    char *text)
{
	char		*line, *save = NULL;
	json_t		*o;
	const char	*type;
	int		 n = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		if ((o = json_loads(line, 0, NULL)) == NULL ||
		    (type = jstr(o, "type")) == NULL) {
			report_add(rep, w->next, "%s: line %d is not a "
			    "record", w->key, n + 1);
			json_decref(o);
			continue;
		}
		if (n == 0 && (strcmp(type, "segment") != 0 ||
		    (uint64_t)json_integer_value(json_object_get(o, "first"))
		    != w->first ||
		    (uint64_t)json_integer_value(json_object_get(o, "last")) !=
		    w->last))
			report_add(rep, w->first, "%s: header does not match "
			    "its key", w->key);
		else if (strcmp(type, "row") == 0)
			s3_row(ctx, w, rep, o);
		else if (strcmp(type, "checkpoint") == 0)
			s3_cp(ctx, w, rep, o);
		json_decref(o);
	}
	if (w->next != w->last + 1)
		report_add(rep, w->next, "%s: rows %" PRIu64 "-%" PRIu64
		    " are missing from it", w->key, w->next, w->last);
	if (!w->have_cp_last)
		report_add(rep, w->last, "%s: no checkpoint at its end",
		    w->key);
	w->next = w->last + 1;
}

static void
s3_settings(struct audit_ctx *ctx, struct audit_s3 *s3)
{
	audit_meta(ctx, "s3.endpoint", s3->endpoint, sizeof(s3->endpoint));
	audit_meta(ctx, "s3.bucket", s3->bucket, sizeof(s3->bucket));
	audit_meta(ctx, "s3.prefix", s3->prefix, sizeof(s3->prefix));
	audit_meta(ctx, "host", s3->host, sizeof(s3->host));
	audit_meta(ctx, "s3.region", s3->region, sizeof(s3->region));
	audit_meta(ctx, "s3.access_key", s3->access_key,
	    sizeof(s3->access_key));
	audit_meta(ctx, "s3.secret_file", s3->secret_file,
	    sizeof(s3->secret_file));
	audit_meta(ctx, "s3.ca_file", s3->ca_file, sizeof(s3->ca_file));
	if (s3->endpoint[0] == '\0')
		fatalx("audit.db names no S3 store: shipping is off");
}

static char *
file_read(const char *path, size_t max, size_t *len)
{
	struct stat	 st;
	char		*buf;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (size_t)st.st_size > max)
		fatal("%s", path);
	if ((buf = malloc(st.st_size + 1)) == NULL ||
	    read(fd, buf, st.st_size) != st.st_size)
		fatal("%s", path);
	buf[st.st_size] = '\0';
	close(fd);
	*len = st.st_size;
	return buf;
}

/* The age identities that open encrypted objects (-i, root's file). */
static void
s3_identities(struct audit_ctx *ctx)
{
	char	err[PATH_MAX + 128], *buf;
	size_t	len, line;
	int	fd, n;

	if ((fd = secret_open(ctx->idfile, err, sizeof(err))) == -1)
		fatalx("%s", err);
	close(fd);
	buf = file_read(ctx->idfile, 64 * 1024, &len);
	n = age_identity_file_parse(buf, len, ctx->ids, sizeof(ctx->ids) /
	    sizeof(ctx->ids[0]), &line);
	sodium_memzero(buf, len);
	free(buf);
	if (n <= 0)
		fatalx("%s: no age identity (line %zu)", ctx->idfile, line);
	ctx->nids = n;
}

static int
s3_age_out(void *arg, const void *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? 0 : -1;
}

static void
warnx_dec(const char *key, struct age_dec *d)
{
	log_warnx("%s: %s (%s)", key, age_strerror(age_dec_error(d)),
	    age_dec_detail(d) ? age_dec_detail(d) : "");
}

/* An age-encrypted object is opened with -i; others pass as they are. */
static void
s3_open(struct audit_ctx *ctx, const char *key, struct s3_buf *b)
{
	static const char	 magic[] = "age-encryption.org/v1\n";
	struct age_dec		*d;
	char			*out = NULL;
	size_t			 olen = 0;
	FILE			*f;
	int			 rv = -1;

	if (b->len < sizeof(magic) - 1 ||
	    memcmp(b->p, magic, sizeof(magic) - 1) != 0)
		return;
	if (ctx->nids == 0)
		fatalx("%s is age-encrypted: give -i identity-file", key);
	if ((f = open_memstream(&out, &olen)) == NULL ||
	    (d = age_dec_new(ctx->ids, ctx->nids, s3_age_out, f)) == NULL)
		fatal("age");
	if (age_dec_update(d, b->p, b->len) == 0 && age_dec_final(d) == 0)
		rv = 0;
	else
		warnx_dec(key, d);
	age_dec_free(d);
	if (fclose(f) != 0)
		rv = -1;
	free(b->p);
	b->p = rv == 0 ? out : NULL;
	b->len = rv == 0 ? olen : 0;
	if (rv == -1) {
		free(out);
		fatalx("%s: cannot decrypt", key);
	}
}

/*
 * Back to root for a moment to read the store's secret (root's file)
 * and the CA bundle, then give root up for good.
 */
static void
s3_secrets(struct audit_ctx *ctx, const struct audit_s3 *s3)
{
	char	err[PATH_MAX + 128];
	uid_t	uid = geteuid();
	size_t	len;
	int	fd;

	if (uid != 0 && seteuid(0) == -1)
		fatal("seteuid");
	if ((fd = secret_open(s3->secret_file, err, sizeof(err))) == -1)
		fatalx("%s", err);
	close(fd);
	ctx->s3_secret = file_read(s3->secret_file, 1024, &len);
	ctx->s3_secret[strcspn(ctx->s3_secret, "\r\n")] = '\0';
	if (s3->ca_file[0] != '\0')
		ctx->s3_ca = file_read(s3->ca_file, 4 * 1024 * 1024,
		    &ctx->s3_calen);
	if (ctx->idfile != NULL)
		s3_identities(ctx);
	if (uid != 0 && setresuid(uid, uid, uid) == -1)
		fatal("setresuid");
}

/* Every object the local log says the store acknowledged is there. */
static void
s3_against_shipped(struct audit_ctx *ctx, struct audit_report *rep,
    json_t *keys)
{
	sqlite3_stmt	*st;
	const char	*key;
	size_t		 i;
	int		 found;

	st = audit_prepare(ctx, "SELECT first, key FROM shipped ORDER BY "
	    "first");
	while (sqlite3_step(st) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, 1);
		found = 0;
		for (i = 0; key != NULL && i < json_array_size(keys); i++)
			if (strcmp(key, json_string_value(json_array_get(keys,
			    i))) == 0)
				found = 1;
		if (!found)
			report_add(rep, sqlite3_column_int64(st, 0), "%s was "
			    "acknowledged by the store but is not there",
			    key ? key : "?");
	}
	sqlite3_finalize(st);
}

static void
verify_s3(struct audit_ctx *ctx, struct audit_report *rep)
{
	struct audit_s3	 s3;
	struct s3_walk	 w;
	struct s3_buf	 b;
	json_t		*keys;
	char		 path[1100];
	size_t		 i;
	long		 code;

	memset(&s3, 0, sizeof(s3));
	s3_settings(ctx, &s3);
	s3_secrets(ctx, &s3);
	keys = s3_list(ctx, &s3);
	memset(&w, 0, sizeof(w));
	w.next = 1;
	w.local = audit_prepare(ctx, "SELECT hash FROM rows WHERE seq = ?");
	for (i = 0; i < json_array_size(keys); i++) {
		w.key = json_string_value(json_array_get(keys, i));
		if (audit_object_parse(w.key, &w.first, &w.last) == -1)
			continue;
		rep->s3_objects++;
		if (w.first != w.next)
			report_add(rep, w.next, "the store's objects skip or "
			    "repeat rows at %s", w.key);
		snprintf(path, sizeof(path), "/%s", w.key);
		if ((code = s3_get(ctx, &s3, path, "", &b)) != 200)
			fatalx("s3: %s: HTTP %ld", w.key, code);
		w.hashes = calloc(w.last - w.first + 1, AUDIT_HASHLEN);
		if (w.hashes == NULL)
			fatal("calloc");
		w.next = w.first;
		w.have_cp_last = 0;
		s3_open(ctx, w.key, &b);
		s3_object(ctx, &w, rep, b.p);
		free(w.hashes);
		free(b.p);
	}
	if (w.next - 1 > rep->head)
		report_add(rep, rep->head + 1, "rows %" PRIu64 "-%" PRIu64
		    " are in the store but were deleted here", rep->head + 1,
		    w.next - 1);
	s3_against_shipped(ctx, rep, keys);
	sqlite3_finalize(w.local);
	json_decref(keys);
}

static void
report_print(struct audit_ctx *ctx, struct audit_report *r,
    const char *keysrc)
{
	json_t	*o, *p;
	size_t	 i;

	if (ctx->ctl->json) {
		o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:O}",
		    "ok", r->first_bad == 0, "rows", (json_int_t)r->rows,
		    "head", (json_int_t)r->head,
		    "checkpoints", (json_int_t)r->checkpoints,
		    "last_checkpoint", (json_int_t)r->last_cp,
		    "shipped", (json_int_t)r->shipped, "key", keysrc,
		    "problems", r->problems);
		if (r->first_bad != 0)
			json_object_set_new(o, "first_bad",
			    json_integer(r->first_bad));
		if (ctx->s3)
			json_object_set_new(o, "s3_objects",
			    json_integer(r->s3_objects));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
		return;
	}
	if (r->first_bad == 0) {
		printf("audit log verifies: %" PRIu64 " rows to seq %" PRIu64
		    ", %" PRIu64 " checkpoints (last at %" PRIu64 "), shipped "
		    "to %" PRIu64 "; key from %s\n", r->rows, r->head,
		    r->checkpoints, r->last_cp, r->shipped, keysrc);
		if (ctx->s3)
			printf("store: %" PRIu64 " objects, %" PRIu64 " rows, "
			    "all match\n", r->s3_objects, r->s3_rows);
		if (r->head > r->last_cp)
			printf("rows %" PRIu64 "-%" PRIu64 " wait for their "
			    "checkpoint\n", r->last_cp + 1, r->head);
		return;
	}
	printf("audit log fails verification at seq %" PRIu64 "\n",
	    r->first_bad);
	json_array_foreach(r->problems, i, p) {
		if (i == AUDIT_MAXPROB) {
			printf("... %zu problems in all\n",
			    json_array_size(r->problems));
			break;
		}
		printf("seq %" JSON_INTEGER_FORMAT ": %s\n",
		    json_integer_value(json_object_get(p, "seq")),
		    jstr(p, "problem"));
	}
}

/*
 * verify: recompute the chain from --from (default 1), check every
 * checkpoint's signature and head, the links between checkpoints,
 * what the local log says was shipped and, with --from-s3, every
 * object in the store against the chain and the local rows.
 */
static int
audit_verify(struct audit_ctx *ctx, int argc, char **argv)
{
	struct audit_report	 rep;
	struct audit_cp		*cps;
	const char		*keysrc;
	size_t			 ncp;
	int			 rv;

	if (argc != 0)
		audit_usage();
	if ((keysrc = audit_load_key(ctx)) == NULL)
		fatalx("no audit key: give -k keyfile or -p pubkey");
	audit_open(ctx);
	memset(&rep, 0, sizeof(rep));
	rep.problems = json_array();
	cps = cps_load(ctx, &rep, &ncp);
	verify_rows(ctx, &rep, cps, ncp);
	verify_cps(ctx, &rep, cps, ncp);
	verify_shipped(ctx, &rep, cps, ncp);
	if (ctx->s3)
		verify_s3(ctx, &rep);
	report_print(ctx, &rep, keysrc);
	rv = rep.first_bad == 0 ? 0 : 1;
	json_decref(rep.problems);
	free(cps);
	return rv;
}

static int
term_width(void)
{
	struct winsize	ws;
	const char	*c = getenv("COLUMNS");

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ,
	    &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	if (c != NULL && atoi(c) >= 40)
		return atoi(c);
	return 120;
}

/* Print at most width bytes of s, control bytes shown as '?'. */
static void
put_clip(const char *s, int width, int pad)
{
	int	n = 0, len = s != NULL ? (int)strlen(s) : 0;

	for (; n < len && n < width; n++) {
		if (n == width - 1 && len > width) {
			putchar('~');
			n++;
			break;
		}
		putchar((unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' :
		    s[n]);
	}
	for (; pad && n < width; n++)
		putchar(' ');
}

static void
time_text(char *buf, size_t size, int64_t ms)
{
	time_t		t = ms / 1000;
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "?");
}

/* Columns of a row on one terminal line; detail gets what is left. */
static void
row_print(sqlite3_stmt *st, int width)
{
	static const int	 w[] = { 7, 7, 4, 16, 18, 10, 14 };
	static const int	 col[] = { 2, 9, 6, 3, 7, 8 };
	char			 ts[32];
	int			 i, used = 21;

	time_text(ts, sizeof(ts), sqlite3_column_int64(st, 1));
	printf("%-7lld %s ", (long long)sqlite3_column_int64(st, 0), ts);
	for (i = 0; i < 6; i++) {
		put_clip((const char *)sqlite3_column_text(st, col[i]),
		    w[i + 1], 1);
		putchar(' ');
		used += w[i + 1] + 1;
	}
	used += 8;
	if (width > used)
		put_clip((const char *)sqlite3_column_text(st, 10),
		    width - used, 0);
	putchar('\n');
}

static json_t *
row_json(sqlite3_stmt *st)
{
	static const char *const names[] = { "seq", "time", "daemon",
	    "actor", "device", "source", "action", "project", "object",
	    "outcome", "detail" };
	json_t	*o = json_object(), *v;
	int	 i;

	for (i = 0; i < 11; i++) {
		if (i < 2)
			v = json_integer(sqlite3_column_int64(st, i));
		else
			v = json_string((const char *)sqlite3_column_text(st,
			    i));
		json_object_set_new(o, names[i], v ? v : json_null());
	}
	return o;
}

/* Print the rows of a query, newest last; the number printed. */
static int
rows_show(struct audit_ctx *ctx, sqlite3_stmt *st, json_t *arr)
{
	int	n = 0, width = term_width();

	while (sqlite3_step(st) == SQLITE_ROW) {
		if (arr != NULL)
			json_array_append_new(arr, row_json(st));
		else
			row_print(st, width);
		n++;
	}
	return n;
}

static void
rows_header(struct audit_ctx *ctx)
{
	if (!ctx->ctl->json)
		printf("%-7s %-20s %-7s %-4s %-16s %-18s %-10s %-14s %s\n",
		    "SEQ", "TIME", "DAEMON", "OUT", "ACTION", "ACTOR",
		    "PROJECT", "OBJECT", "DETAIL");
}

static void
json_out(json_t *arr)
{
	json_dumpf(arr, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(arr);
}

static char *
words_join(int argc, char **argv)
{
	size_t	len = 1;
	char	*s;
	int	i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		fatal("calloc");
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/*
 * search: the newest matching rows, newest first.  The text is taken
 * as words that must all appear, never as FTS5 syntax, unless --raw.
 * Rows not yet indexed are counted, not searched.
 */
static int
audit_search(struct audit_ctx *ctx, int argc, char **argv)
{
	sqlite3_stmt	*st;
	json_t		*arr = ctx->ctl->json ? json_array() : NULL;
	char		*text, *q, buf[32];
	int		 n;

	if (argc == 0)
		audit_usage();
	text = words_join(argc, argv);
	q = ctx->raw ? strdup(text) : audit_fts_query(text);
	free(text);
	if (q == NULL)
		fatalx("nothing to search for");
	audit_open(ctx);
	st = audit_prepare(ctx, "SELECT * FROM rows WHERE seq IN "
	    "(SELECT rowid FROM rows_fts WHERE rows_fts MATCH ?1 "
	    "ORDER BY rowid DESC LIMIT ?2) ORDER BY seq DESC");
	sqlite3_bind_text(st, 1, q, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, ctx->count ? ctx->count : 50);
	rows_header(ctx);
	n = rows_show(ctx, st, arr);
	if (sqlite3_errcode(ctx->db) != SQLITE_DONE &&
	    sqlite3_errcode(ctx->db) != SQLITE_OK)
		fatalx("search: %s", sqlite3_errmsg(ctx->db));
	sqlite3_finalize(st);
	free(q);
	if (arr != NULL)
		json_out(arr);
	else if (n == 0)
		printf("no match\n");
	audit_meta(ctx, "fts_seq", buf, sizeof(buf));
	st = audit_prepare(ctx, "SELECT coalesce(max(seq), 0) FROM rows");
	if (sqlite3_step(st) == SQLITE_ROW && arr == NULL &&
	    sqlite3_column_int64(st, 0) > strtoll(buf, NULL, 10))
		fprintf(stderr, "%lld newest rows are not indexed yet\n",
		    sqlite3_column_int64(st, 0) - strtoll(buf, NULL, 10));
	sqlite3_finalize(st);
	return 0;
}

/* tail: the last rows, oldest first; -f keeps printing new ones. */
static int
audit_tail(struct audit_ctx *ctx, int argc, char **argv)
{
	sqlite3_stmt	*st;
	json_t		*arr = ctx->ctl->json && !ctx->follow ?
			    json_array() : NULL;
	int64_t		 last = 0;

	if (argc != 0)
		audit_usage();
	audit_open(ctx);
	st = audit_prepare(ctx, "SELECT * FROM (SELECT * FROM rows ORDER BY "
	    "seq DESC LIMIT ?) ORDER BY seq");
	sqlite3_bind_int64(st, 1, ctx->count ? ctx->count : 10);
	if (arr == NULL)
		rows_header(ctx);
	rows_show(ctx, st, arr);
	sqlite3_finalize(st);
	if (arr != NULL) {
		json_out(arr);
		return 0;
	}
	if (!ctx->follow)
		return 0;
	st = audit_prepare(ctx, "SELECT coalesce(max(seq), 0) FROM rows");
	if (sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = audit_prepare(ctx, "SELECT * FROM rows WHERE seq > ? ORDER BY "
	    "seq");
	for (;;) {
		sqlite3_bind_int64(st, 1, last);
		while (sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			if (ctx->ctl->json) {
				json_t	*o = row_json(st);

				json_dumpf(o, stdout, JSON_COMPACT);
				putchar('\n');
				json_decref(o);
			} else
				row_print(st, term_width());
		}
		sqlite3_reset(st);
		fflush(stdout);
		usleep(250 * 1000);
	}
}

/* key: the public key that verifies checkpoints, base64. */
static int
audit_key(struct audit_ctx *ctx, int argc, char **argv)
{
	char		b64[sodium_base64_ENCODED_LEN(AUDIT_PKLEN,
			    sodium_base64_VARIANT_ORIGINAL)];
	const char	*src;

	if (argc != 0)
		audit_usage();
	if ((src = audit_load_key(ctx)) == NULL)
		fatalx("no audit key under %s", ctx->state);
	sodium_bin2base64(b64, sizeof(b64), ctx->pk, AUDIT_PKLEN,
	    sodium_base64_VARIANT_ORIGINAL);
	if (ctx->ctl->json) {
		json_t	*o = json_pack("{s:s, s:s}", "key", b64,
			    "from", src);

		json_out(o);
	} else
		printf("%s\n", b64);
	return 0;
}

static uint64_t
num_arg(const char *s)
{
	char		*end;
	uint64_t	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > INT64_MAX)
		fatalx("%s: not a number", s);
	return v;
}

/*
 * cmd_audit: "pccxctl audit SUB [options] [args]", run on the state
 * directory as root, without the parent.
 */
int
cmd_audit(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "from-s3", no_argument, NULL, 'S' },
		{ "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_ctx		 ctx;
	size_t				 i;
	int				 ch;

	if (argc < 2)
		audit_usage();
	memset(&ctx, 0, sizeof(ctx));
	ctx.ctl = ctl;
	ctx.state = AUDIT_STATE;
	for (i = 0; i < sizeof(audit_cmds) / sizeof(audit_cmds[0]); i++)
		if (strcmp(argv[1], audit_cmds[i].name) == 0)
			break;
	if (i == sizeof(audit_cmds) / sizeof(audit_cmds[0]))
		audit_usage();
	argc--;
	argv++;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+d:fi:k:n:p:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			ctx.state = optarg;
			break;
		case 'f':
			ctx.follow = 1;
			break;
		case 'i':
			ctx.idfile = optarg;
			break;
		case 'k':
			ctx.keyfile = optarg;
			break;
		case 'n':
			ctx.count = num_arg(optarg);
			break;
		case 'p':
			ctx.pubkey = optarg;
			break;
		case 'F':
			ctx.from = num_arg(optarg);
			break;
		case 'S':
			ctx.s3 = 1;
			break;
		case 'r':
			ctx.raw = 1;
			break;
		default:
			audit_usage();
		}
	}
	if (sodium_init() == -1 || curl_global_init(CURL_GLOBAL_DEFAULT))
		fatalx("cannot initialise libsodium or libcurl");
	return audit_cmds[i].run(&ctx, argc - optind, argv + optind);
}
