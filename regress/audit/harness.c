/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Test driver: the audit daemon's modules on a loop, fed by a sender. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/age.h"
#include "common/log.h"
#include "common/priv.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "auditd/auditd.h"

/*
 * audit_harness run: the append path and the shipper of pccx-auditd
 * (its own objects, not a copy) on a libevent loop in this process,
 * as in the daemon, with a forked sender on the other end of a
 * socketpair that plays the auth daemon.  The sender writes "SEQ
 * INDEX" for each acknowledgement to the ack file as it arrives, so
 * that a test which kills this process knows what was promised, and
 * the wall clock in microseconds when it came (the shipping bench).
 *
 * audit_harness naive: the design without these modules, as a bench
 * baseline: the same rows in the same schema with the same batching
 * and durability, FTS5 filled inside each transaction.
 *
 * audit_harness gen, search: fill a log fast; time FTS5 searches.
 */

/* nobody, as the sandboxed daemon */
#define HARNESS_UID	65534

static const char *const actions[] = {
	"login", "session.open", "exec", "upload", "verdict",
	"session.kill", "deny", "device.register"
};

static struct event_base	*base;
static struct audit_store	 store;
static struct chan		 dchan;
static struct event		*ev_read, *ev_wait;
static int			 sender_done;
static int			 ship_on;
static uint64_t			 want_rows;
static uint64_t			 t_start, t_acked;
static uint64_t			 deadline_us;

/* Stand-ins for the child framework, which this program does not run. */
void
child_commit(struct chan *c)
{
	if (chan_flush(c) == -1 || msg_flush_wait(c) == -1)
		fatal("flush");
}

struct chan *
child_chan(int p)
{
	return NULL;
}

static uint64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The wall clock in microseconds, to compare with other processes. */
static uint64_t
real_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The row numbered i, the same every time. */
static void
row_make(struct p_audit_row *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->time = 1767225600000ULL + i * 7;
	snprintf(r->actor, sizeof(r->actor), "user%" PRIu64 "@example.com",
	    i % 97);
	snprintf(r->device, sizeof(r->device), "dev-%" PRIu64, i % 13);
	snprintf(r->source, sizeof(r->source), "10.0.%" PRIu64 ".%" PRIu64
	    ":443", i / 250 % 250, i % 250);
	snprintf(r->action, sizeof(r->action), "%s",
	    actions[i % (sizeof(actions) / sizeof(actions[0]))]);
	snprintf(r->project, sizeof(r->project), "proj%" PRIu64, i % 11);
	snprintf(r->object, sizeof(r->object), "obj-%" PRIu64, i);
	snprintf(r->outcome, sizeof(r->outcome), "%s", i % 5 == 4 ? "deny" :
	    "ok");
	snprintf(r->detail, sizeof(r->detail), "{\"i\":%" PRIu64 ",\"note\":"
	    "\"row number %" PRIu64 " of the harness\",\"word\":\"w%" PRIu64
	    "\"}", i, i, i % 1000);
}

/* The sender: pipeline rows, at most window unanswered. */
static void __attribute__((noreturn))
sender_run(int fd, uint64_t n, uint64_t window, uint64_t gap_us,
    const char *ackfile)
{
	struct chan		 c;
	struct p_audit_row	 r;
	struct msg		 m;
	struct pollfd		 pfd;
	uint64_t		 sent = 0, acked = 0, seq;
	FILE			*af = NULL;

	if (ackfile != NULL && (af = fopen(ackfile, "w")) == NULL)
		_exit(2);
	if (fd_nonblock(fd) == -1 || chan_init(&c, fd, PROC_AUDIT) == -1)
		_exit(2);
	while (acked < n) {
		while (sent < n && sent - acked < window) {
			row_make(&r, sent);
			if (audit_append(&c, (uint32_t)sent, &r) == -1)
				_exit(3);
			sent++;
			if (gap_us > 0)
				break;
		}
		if (chan_flush(&c) == -1)
			_exit(4);
		/* A gap paces the rows whatever the acks do. */
		if (gap_us > 0)
			usleep(gap_us);
		pfd.fd = fd;
		pfd.events = POLLIN | (chan_pending(&c) ? POLLOUT : 0);
		if (poll(&pfd, 1, gap_us > 0 ? 0 : 1000) == -1 &&
		    errno != EINTR)
			_exit(5);
		if (!(pfd.revents & POLLIN))
			continue;
		if (chan_read(&c) == 0)
			_exit(6);
		while (chan_get(&c, &m) == MSG_OK) {
			if (m.hdr.type != MSG_AUDIT_ACK ||
			    proto_get_audit_ack(&m, &seq) == -1)
				_exit(7);
			if (af != NULL) {
				fprintf(af, "%" PRIu64 " %u %" PRIu64 "\n",
				    seq, m.hdr.peerid, real_us());
				fflush(af);
			}
			acked++;
		}
	}
	_exit(0);
}

/* The fan-out hook: note when the last row became durable. */
static void
harness_hook(const struct audit_row *row, void *arg)
{
	if (row->rec.seq == want_rows)
		t_acked = mono_us();
}

static void
harness_check_end(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	tv = { 0, 20000 };

	if (sender_done && store.fts_seq == store.head &&
	    (!ship_on || ship_idle())) {
		event_base_loopexit(base, NULL);
		return;
	}
	if (deadline_us > 0 && mono_us() > deadline_us)
		fatalx("not done in time: %llu rows, indexed %llu",
		    (unsigned long long)store.head,
		    (unsigned long long)store.fts_seq);
	evtimer_add(ev_wait, &tv);
}

static void
harness_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct msg	m;
	ssize_t		n;

	if ((n = chan_read(&dchan)) == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		append_flush();
		event_del(ev_read);
		sender_done = 1;
		harness_check_end(-1, 0, NULL);
		return;
	}
	while (chan_get(&dchan, &m) == MSG_OK) {
		if (m.hdr.type != MSG_AUDIT_APPEND || append_msg(&dchan,
		    &m) == -1)
			fatalx("bad message");
	}
}

static void
env_str(char *dst, size_t size, const char *name, const char *def)
{
	const char	*v = getenv(name);

	pccx_strlcpy(dst, v != NULL ? v : def, size);
}

/* Settings from the environment, as the parent would send them. */
static void
harness_conf(struct p_audit_conf *p)
{
	const char	*v;

	memset(p, 0, sizeof(*p));
	p->checkpoint_rows = (v = getenv("AUDIT_CP_ROWS")) ? atoi(v) : 256;
	p->checkpoint_interval = (v = getenv("AUDIT_CP_INTERVAL")) ?
	    atoi(v) : 10;
	env_str(p->host, sizeof(p->host), "AUDIT_HOST", "testhost");
	env_str(p->recipient, sizeof(p->recipient), "AUDIT_RECIPIENT", "");
	p->s3_set = getenv("AUDIT_S3_ENDPOINT") != NULL;
	env_str(p->s3_endpoint, sizeof(p->s3_endpoint), "AUDIT_S3_ENDPOINT",
	    "");
	env_str(p->s3_bucket, sizeof(p->s3_bucket), "AUDIT_S3_BUCKET", "");
	env_str(p->s3_prefix, sizeof(p->s3_prefix), "AUDIT_S3_PREFIX", "");
	env_str(p->s3_region, sizeof(p->s3_region), "AUDIT_S3_REGION",
	    "us-east-1");
	env_str(p->s3_access_key, sizeof(p->s3_access_key), "AUDIT_S3_ACCESS",
	    "");
	env_str(p->s3_secret_file, sizeof(p->s3_secret_file),
	    "AUDIT_S3_SECRET_FILE", "/nonexistent");
	env_str(p->s3_ca_file, sizeof(p->s3_ca_file), "AUDIT_S3_CA", "");
	if (audit_conf_check(p) == -1)
		fatalx("audit settings out of range");
}

static char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		fatal("%s", path);
	if ((buf = calloc(1, st.st_size + 1)) == NULL ||
	    read(fd, buf, st.st_size) != st.st_size)
		fatal("%s", path);
	close(fd);
	*len = st.st_size;
	return buf;
}

/* The key seed at STATE/keys/audit.key, made on first use. */
static void
harness_key(const char *state, unsigned char *pk, unsigned char *sk)
{
	unsigned char	seed[crypto_sign_SEEDBYTES];
	char		path[PATH_MAX];
	int		fd;

	mkdir(state, 0755);
	snprintf(path, sizeof(path), "%s/keys", state);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/keys/audit.key", state);
	if ((fd = open(path, O_RDONLY)) == -1) {
		randombytes_buf(seed, sizeof(seed));
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) ==
		    -1 || write(fd, seed, sizeof(seed)) != sizeof(seed))
			fatal("%s", path);
	} else if (read(fd, seed, sizeof(seed)) != sizeof(seed))
		fatalx("%s: short", path);
	close(fd);
	crypto_sign_seed_keypair(pk, sk, seed);
}

/* The daemon runs as its own user: give it the directory's files. */
static void
harness_chown(const char *dir, uid_t uid)
{
	static const char *const names[] = { "", "/" AUDIT_DB,
	    "/" AUDIT_DB "-wal", "/" AUDIT_DB "-shm", "/" AUDIT_PUB,
	    "/spool.ndjson" };
	char	path[PATH_MAX];
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, names[i]);
		if (chown(path, uid, uid) == -1 && errno != ENOENT)
			fatal("chown %s", path);
	}
}

/*
 * Enter STATE/audit as the daemon enters its root; with sandbox, as
 * the daemon does it: chroot, an unprivileged uid, no capabilities,
 * no_new_privs, then the audit role's seccomp filter (trapping).
 */
static void
harness_enter(const char *state, int sandbox)
{
	struct priv_spec	ps;
	char			path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/audit", state);
	mkdir(path, 0700);
	if (!sandbox) {
		if (chdir(path) == -1)
			fatal("%s", path);
		return;
	}
	harness_chown(path, HARNESS_UID);
	memset(&ps, 0, sizeof(ps));
	ps.root = path;
	ps.uid = ps.gid = HARNESS_UID;
	priv_drop(&ps);
	sandbox_load(&sandbox_audit, 1);
}

static char	*secret, *ca;
static size_t	 calen;

/* As the daemon's setup(): the secret and CA, before confinement. */
static void
harness_read_s3(struct p_audit_conf *p)
{
	size_t	slen;

	if (!p->s3_set)
		return;
	secret = slurp(p->s3_secret_file, &slen);
	secret[strcspn(secret, "\r\n")] = '\0';
	ca = slurp(p->s3_ca_file, &calen);
}

static int
harness_ship(struct p_audit_conf *p)
{
	int	rv;

	if (ship_init(base, &store) == -1)
		fatalx("ship_init");
	rv = ship_configure(p, secret, ca, calen);
	free(secret);
	free(ca);
	secret = ca = NULL;
	return rv;
}

static int
cmd_run(const char *state, uint64_t n, uint64_t window, uint64_t gap,
    const char *ackfile, int sandbox)
{
	unsigned char		 pk[AUDIT_PKLEN];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	struct p_audit_conf	 p;
	int			 sp[2], status;
	pid_t			 pid;

	harness_conf(&p);
	harness_key(state, pk, sk);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		fatal("socketpair");
	if ((pid = fork()) == 0) {
		close(sp[0]);
		sender_run(sp[1], n, window, gap, ackfile);
	}
	close(sp[1]);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	/* The secret and CA are read before confinement, as in setup(). */
	base = event_base_new();
	harness_read_s3(&p);
	harness_enter(state, sandbox);
	if (store_open(&store, AUDIT_DB, sk) == -1)
		fatalx("store_open");
	store_write_pub(pk);
	store_write_meta(&store, &p);
	if ((ship_on = harness_ship(&p)) == -1)
		fatalx("ship_configure");
	append_init(base, &store);
	append_configure(&p, ship_on);
	append_set_hook(harness_hook, NULL);
	want_rows = store.head + n;
	if (fd_nonblock(sp[0]) == -1 || chan_init(&dchan, sp[0], PROC_AUTH))
		fatal("chan");
	ev_read = event_new(base, sp[0], EV_READ | EV_PERSIST,
	    harness_on_read, NULL);
	ev_wait = evtimer_new(base, harness_check_end, NULL);
	event_add(ev_read, NULL);
	harness_check_end(-1, 0, NULL);
	t_start = mono_us();
	event_base_dispatch(base);
	if (t_acked == 0)
		t_acked = mono_us();
	printf("acked %" PRIu64 " rows in %.3f s: %.0f rows/s; "
	    "indexed and shipped after %.3f s\n", n,
	    (t_acked - t_start) / 1e6, n / ((t_acked - t_start) / 1e6),
	    (mono_us() - t_start) / 1e6);
	/* Under the filter wait4 is refused; the rows tell instead. */
	if (sandbox ? store.head < want_rows : waitpid(pid, &status, 0) ==
	    -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fatalx("sender failed");
	store_close(&store);
	return 0;
}

/*
 * The baseline: one bare loop, the same rows and schema, the same
 * batches of AUDIT_BATCH_MAX rows, synchronous=FULL in WAL mode, the
 * hash chain, and FTS5 filled in the same transaction.
 */
static int
cmd_naive(const char *path, uint64_t n)
{
	static const char	 schema[] = "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "CREATE TABLE rows(seq INTEGER PRIMARY KEY, time INTEGER, "
	    "daemon TEXT, actor TEXT, device TEXT, source TEXT, action TEXT, "
	    "project TEXT, object TEXT, outcome TEXT, detail TEXT, prev BLOB, "
	    "hash BLOB);"
	    "CREATE VIRTUAL TABLE rows_fts USING fts5(actor, action, project, "
	    "object, outcome, detail, content='rows', content_rowid='seq');";
	struct p_audit_row	 r;
	struct audit_rec	 rec;
	sqlite3			*db;
	sqlite3_stmt		*ins, *fts;
	uint64_t		 i, t0;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO rows VALUES(?,?,?,?,?,?,?,?,"
	    "?,?,?,?,?)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO rows_fts(rowid, actor, "
	    "action, project, object, outcome, detail) VALUES(?,?,?,?,?,?,?)",
	    -1, &fts, NULL) != SQLITE_OK)
		fatalx("naive: %s", sqlite3_errmsg(db));
	memset(&rec, 0, sizeof(rec));
	t0 = mono_us();
	for (i = 0; i < n; i++) {
		if (i % AUDIT_BATCH_MAX == 0)
			sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		row_make(&r, i);
		rec.seq = i + 1;
		rec.time = r.time;
		rec.daemon = "auth";
		rec.actor = r.actor;
		rec.device = r.device;
		rec.source = r.source;
		rec.action = r.action;
		rec.project = r.project;
		rec.object = r.object;
		rec.outcome = r.outcome;
		rec.detail = r.detail;
		memcpy(rec.prev, rec.hash, AUDIT_HASHLEN);
		audit_rec_hash(&rec);
		sqlite3_bind_int64(ins, 1, rec.seq);
		sqlite3_bind_int64(ins, 2, rec.time);
		sqlite3_bind_text(ins, 3, rec.daemon, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, r.actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, r.device, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, r.source, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, r.action, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 8, r.project, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 9, r.object, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 10, r.outcome, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 11, r.detail, -1, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 12, rec.prev, AUDIT_HASHLEN,
		    SQLITE_STATIC);
		sqlite3_bind_blob(ins, 13, rec.hash, AUDIT_HASHLEN,
		    SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			fatalx("naive insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins);
		sqlite3_bind_int64(fts, 1, rec.seq);
		sqlite3_bind_text(fts, 2, r.actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(fts, 3, r.action, -1, SQLITE_STATIC);
		sqlite3_bind_text(fts, 4, r.project, -1, SQLITE_STATIC);
		sqlite3_bind_text(fts, 5, r.object, -1, SQLITE_STATIC);
		sqlite3_bind_text(fts, 6, r.outcome, -1, SQLITE_STATIC);
		sqlite3_bind_text(fts, 7, r.detail, -1, SQLITE_STATIC);
		if (sqlite3_step(fts) != SQLITE_DONE)
			fatalx("naive fts: %s", sqlite3_errmsg(db));
		sqlite3_reset(fts);
		if (i % AUDIT_BATCH_MAX == AUDIT_BATCH_MAX - 1 || i == n - 1)
			if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) !=
			    SQLITE_OK)
				fatalx("naive commit: %s", sqlite3_errmsg(db));
	}
	printf("naive %" PRIu64 " rows in %.3f s: %.0f rows/s\n", n,
	    (mono_us() - t0) / 1e6, n / ((mono_us() - t0) / 1e6));
	sqlite3_finalize(ins);
	sqlite3_finalize(fts);
	sqlite3_close(db);
	return 0;
}

/* Fill a log through store_append in large batches, quickly. */
static int
cmd_gen(const char *state, uint64_t n, int durable)
{
	static struct audit_row	 rows[AUDIT_BATCH_MAX];
	unsigned char		 pk[AUDIT_PKLEN];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	uint64_t		 i, k, t0 = mono_us(), t1;

	harness_key(state, pk, sk);
	harness_enter(state, 0);
	if (store_open(&store, AUDIT_DB, sk) == -1)
		fatalx("store_open");
	store_write_pub(pk);
	if (getenv("AUDIT_CP_ROWS") != NULL)
		store.cp_rows = atoi(getenv("AUDIT_CP_ROWS"));
	if (!durable)
		sqlite3_exec(store.db, "PRAGMA synchronous=OFF", NULL, NULL,
		    NULL);
	for (i = 0; i < n; i += k) {
		for (k = 0; k < AUDIT_BATCH_MAX && i + k < n; k++) {
			row_make(&rows[k].p, store.head + k);
			snprintf(rows[k].daemon, sizeof(rows[k].daemon), "%s",
			    k % 2 ? "auth" : "session");
		}
		if (store_append(&store, rows, k) == -1)
			fatalx("append");
		if (!durable && (i / AUDIT_BATCH_MAX) % 16 == 15 &&
		    store_fts_index(&store, 16 * AUDIT_BATCH_MAX) == -1)
			fatalx("index");
	}
	t1 = mono_us();
	while (store.fts_seq < store.head)
		if (store_fts_index(&store, 65536) == -1)
			fatalx("index");
	store_checkpoint(&store);
	if (durable)
		printf("store %" PRIu64 " rows durable in %.3f s: %.0f rows/s; "
		    "indexed after %.3f s\n", n, (t1 - t0) / 1e6,
		    n / ((t1 - t0) / 1e6), (mono_us() - t0) / 1e6);
	store_close(&store);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Time each query as pccxctl audit search runs it; print the median. */
static int
cmd_search(const char *db_path, int argc, char **argv)
{
	static const char	 q[] = "SELECT * FROM rows WHERE seq IN "
	    "(SELECT rowid FROM rows_fts WHERE rows_fts MATCH ? "
	    "ORDER BY rowid DESC LIMIT 50) ORDER BY seq DESC";
	sqlite3			*db;
	sqlite3_stmt		*st;
	uint64_t		*lat, t;
	char			*fq;
	int			 i, rep, reps = 20, n, rows = 0;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		fatalx("%s: %s", db_path, sqlite3_errmsg(db));
	n = argc * reps;
	if ((lat = calloc(n, sizeof(*lat))) == NULL)
		fatal("calloc");
	for (rep = 0; rep < reps; rep++)
		for (i = 0; i < argc; i++) {
			if ((fq = audit_fts_query(argv[i])) == NULL)
				fatalx("empty query");
			t = mono_us();
			sqlite3_bind_text(st, 1, fq, -1, SQLITE_TRANSIENT);
			while (sqlite3_step(st) == SQLITE_ROW)
				rows++;
			sqlite3_reset(st);
			lat[rep * argc + i] = mono_us() - t;
			free(fq);
		}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("search: %d queries, %d rows, p50 %.2f ms, p90 %.2f ms, "
	    "max %.2f ms\n", n, rows, lat[n / 2] / 1e3, lat[n * 9 / 10] / 1e3,
	    lat[n - 1] / 1e3);
	free(lat);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

/* An age identity into path (0600); its recipient on stdout. */
static int
cmd_agekey(const char *path)
{
	struct age_identity	id;
	struct age_recipient	r;
	char			ids[AGE_IDENTITY_STRLEN];
	char			rs[AGE_RECIPIENT_STRLEN];
	FILE			*f;

	if (age_keygen(&id) == -1 || age_identity_encode(&id, ids,
	    sizeof(ids)) == -1)
		fatalx("age_keygen");
	age_identity_recipient(&id, &r);
	if (age_recipient_encode(&r, rs, sizeof(rs)) == -1)
		fatalx("age_recipient_encode");
	umask(077);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "%s\n", ids) < 0 ||
	    fclose(f) != 0)
		fatal("%s", path);
	printf("%s\n", rs);
	return 0;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: audit_harness run [-S] [-a ackfile] "
	    "[-g gap_us] [-n rows] [-t seconds]\n"
	    "           [-w window] state\n"
	    "       audit_harness naive [-n rows] db\n"
	    "       audit_harness gen [-S] [-n rows] state\n"
	    "       audit_harness search db query ...\n"
	    "       audit_harness agekey identity-file\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char	*cmd, *ackfile = NULL;
	uint64_t	 n = 1000, window = 512, gap = 0;
	int		 ch, sandbox = 0;

	log_init("audit_harness", 1, 0);
	if (argc < 2 || sodium_init() == -1)
		usage();
	cmd = argv[1];
	argc--;
	argv++;
	while ((ch = getopt(argc, argv, "Sa:g:n:t:w:")) != -1) {
		switch (ch) {
		case 'S':
			sandbox = 1;
			break;
		case 'a':
			ackfile = optarg;
			break;
		case 'g':
			gap = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 't':
			deadline_us = mono_us() + strtoull(optarg, NULL, 10) *
			    1000000;
			break;
		case 'w':
			window = strtoull(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argv[0], n, window, gap, ackfile, sandbox);
	if (strcmp(cmd, "naive") == 0)
		return cmd_naive(argv[0], n);
	if (strcmp(cmd, "gen") == 0)
		return cmd_gen(argv[0], n, sandbox);
	if (strcmp(cmd, "agekey") == 0)
		return cmd_agekey(argv[0]);
	if (strcmp(cmd, "search") == 0 && argc > 1)
		return cmd_search(argv[0], argc - 1, argv + 1);
	usage();
}
