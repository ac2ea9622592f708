/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests: audit codecs, the row contract, the store, the append path. */

#include <sys/socket.h>

#include <event2/event.h>
#include <setjmp.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "common/wire.h"
#include "proto/proto.h"
#include "auditd/auditd.h"

/* what child_chan(PROC_SESSION) is */
static struct chan	*revoke_chan;

/* Stand-ins for the child framework. */
void
child_commit(struct chan *c)
{
	if (chan_flush(c) == -1 || msg_flush_wait(c) == -1)
		abort();
}

struct chan *
child_chan(int p)
{
	return p == PROC_SESSION ? revoke_chan : NULL;
}

static void
row_fill(struct p_audit_row *r, const char *action, const char *detail)
{
	memset(r, 0, sizeof(*r));
	r->time = 1767225600123ULL;
	strcpy(r->actor, "alice@example.com");
	strcpy(r->device, "dev-1");
	strcpy(r->source, "192.0.2.1:443");
	strcpy(r->action, action);
	strcpy(r->project, "npu");
	strcpy(r->object, "session/42");
	strcpy(r->outcome, "ok");
	strcpy(r->detail, detail);
}

/* Encode with the sender's codec and take the message back out. */
static int
roundtrip(struct chan *a, struct chan *b, struct msg *m)
{
	if (chan_flush(a) == -1 || chan_read(b) <= 0)
		return -1;
	return chan_get(b, m) == MSG_OK ? 0 : -1;
}

static void
pair(struct chan *a, struct chan *b, int pa, int pb)
{
	int	sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(chan_init(a, sp[0], pa), 0);
	assert_int_equal(chan_init(b, sp[1], pb), 0);
}

/* A row as a careless sender would encode it: nothing mended. */
static void
raw_row(struct chan *a, const struct p_audit_row *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u64(&w, p->time);
	wire_put_str(&w, p->actor);
	wire_put_str(&w, p->device);
	wire_put_str(&w, p->source);
	wire_put_str(&w, p->action);
	wire_put_str(&w, p->project);
	wire_put_str(&w, p->object);
	wire_put_str(&w, p->outcome);
	wire_put_str(&w, p->detail);
	assert_int_equal(proto_send_plain(a, MSG_AUDIT_APPEND, 1, &w), 0);
}

/* Well-formed UTF-8 only: overlong, surrogate, past U+10FFFF are not. */
static void
test_utf8(void **state)
{
	char	s[16];

	assert_true(utf8_valid("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	assert_false(utf8_valid("\xff"));
	assert_false(utf8_valid("\xc0\x80"));		/* overlong NUL */
	assert_false(utf8_valid("\xe0\x80\xaf"));	/* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80"));	/* a surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80"));	/* U+110000 */
	assert_false(utf8_valid("\xe2\x82"));		/* cut short */
	strcpy(s, "a\xff" "b\xe2\x82\xac\xe2\x82");
	utf8_mend(s);
	assert_string_equal(s, "a?b\xe2\x82\xac??");
}

static void
test_append_codec(void **state)
{
	struct chan		a, b;
	struct p_audit_row	r, got;
	struct msg		m;

	pair(&a, &b, PROC_AUDIT, PROC_AUTH);
	row_fill(&r, "login", "");
	assert_int_equal(audit_append(&a, 7, &r), 0);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(m.hdr.type, MSG_AUDIT_APPEND);
	assert_int_equal(m.hdr.peerid, 7);
	assert_int_equal(proto_get_audit_append(&m, &got), 0);
	assert_string_equal(got.detail, "{}");
	assert_string_equal(got.object, "session/42");

	/* Each of these must be refused by the decoder. */
	strcpy(r.outcome, "maybe");
	proto_send_audit_append(&a, 1, &r);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_append(&m, &got), -1);
	row_fill(&r, "login", "{\"a\":");
	proto_send_audit_append(&a, 1, &r);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_append(&m, &got), -1);
	row_fill(&r, "log\nin", "{}");
	raw_row(&a, &r);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_append(&m, &got), -1);
	row_fill(&r, "login", "{}");
	strcpy(r.project, "\xff");
	raw_row(&a, &r);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_append(&m, &got), -1);
	/* The sender's codec mends them instead. */
	row_fill(&r, "log\nin", "{}");
	strcpy(r.project, "n\xff" "pu\xc0\x80");
	proto_send_audit_append(&a, 1, &r);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_append(&m, &got), 0);
	assert_string_equal(got.action, "log?in");
	assert_string_equal(got.project, "n?pu??");
	row_fill(&r, "", "{}");
	proto_send_audit_append(&a, 1, &r);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_append(&m, &got), -1);
	/* A trailing byte. */
	row_fill(&r, "login", "{}");
	proto_send_audit_append(&a, 1, &r);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	m.len++;
	assert_int_equal(proto_get_audit_append(&m, &got), -1);
	chan_clear(&a);
	chan_clear(&b);
}

static void
test_small_codecs(void **state)
{
	struct chan		a, b;
	struct msg		m;
	struct p_audit_revoked	rv = { AUDIT_REVOKE_DEVICE, "dev-9" }, rg;
	uint64_t		seq;
	uint32_t		why;

	pair(&a, &b, PROC_AUTH, PROC_AUDIT);
	proto_send_audit_ack(&a, 3, 99);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_ack(&m, &seq), 0);
	assert_int_equal(seq, 99);
	proto_send_audit_ack(&a, 3, 0);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_ack(&m, &seq), -1);
	proto_send_audit_nack(&a, 3, AUDIT_NACK_STORE);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_nack(&m, &why), 0);
	proto_send_audit_nack(&a, 3, 77);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_nack(&m, &why), -1);
	proto_send_audit_revoked(&a, &rv);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_revoked(&m, &rg), 0);
	assert_int_equal(rg.kind, AUDIT_REVOKE_DEVICE);
	assert_string_equal(rg.id, "dev-9");
	rv.kind = 9;
	proto_send_audit_revoked(&a, &rv);
	assert_int_equal(roundtrip(&a, &b, &m), 0);
	assert_int_equal(proto_get_audit_revoked(&m, &rg), -1);
	chan_clear(&a);
	chan_clear(&b);
}

static void
conf_fill(struct p_audit_conf *p)
{
	memset(p, 0, sizeof(*p));
	p->checkpoint_rows = 256;
	p->checkpoint_interval = 10;
	strcpy(p->host, "ws1");
	p->s3_set = 1;
	strcpy(p->s3_endpoint, "https://127.0.0.1:9000");
	strcpy(p->s3_bucket, "audit");
	strcpy(p->s3_prefix, "a/b");
	strcpy(p->s3_region, "us-east-1");
	strcpy(p->s3_access_key, "AKID");
	strcpy(p->s3_secret_file, "/etc/pccx-remote/s3.secret");
}

static void
test_conf_check(void **state)
{
	struct p_audit_conf	p;

	conf_fill(&p);
	assert_int_equal(audit_conf_check(&p), 0);
	strcpy(p.s3_endpoint, "http://127.0.0.1:9000");
	assert_int_equal(audit_conf_check(&p), -1);
	conf_fill(&p);
	strcpy(p.s3_prefix, "../x");
	assert_int_equal(audit_conf_check(&p), -1);
	conf_fill(&p);
	strcpy(p.host, "a/b");
	assert_int_equal(audit_conf_check(&p), -1);
	conf_fill(&p);
	p.checkpoint_rows = AUDIT_CP_ROWS_MAX + 1;
	assert_int_equal(audit_conf_check(&p), -1);
	conf_fill(&p);
	p.s3_set = 0;
	strcpy(p.s3_endpoint, "junk");
	assert_int_equal(audit_conf_check(&p), 0);
}

static void
test_fts_query(void **state)
{
	char	*q;

	q = audit_fts_query("  multi-agent  a\"b NEAR( * ");
	assert_string_equal(q, "\"multi-agent\" \"a\"\"b\" \"NEAR(\" \"*\"");
	free(q);
	assert_null(audit_fts_query(" \t\n"));
}

static void
test_object_key(void **state)
{
	char		key[256];
	uint64_t	f, l;

	assert_int_equal(audit_object_key(key, sizeof(key), "p/q", "h", 1,
	    256), 0);
	assert_string_equal(key, "p/q/h/00000000000000000001-"
	    "00000000000000000256.ndjson");
	assert_int_equal(audit_object_parse(key, &f, &l), 0);
	assert_int_equal(f, 1);
	assert_int_equal(l, 256);
	assert_int_equal(audit_object_key(key, sizeof(key), "", "h", 2, 3), 0);
	assert_string_equal(key, "h/00000000000000000002-"
	    "00000000000000000003.ndjson");
	assert_int_equal(audit_object_parse("h/x.ndjson", &f, &l), -1);
	assert_int_equal(audit_object_parse("00000000000000000005-"
	    "00000000000000000004.ndjson", &f, &l), -1);
}

/* Every field, the seq and the previous hash are covered. */
static void
test_hash_covers(void **state)
{
	struct audit_rec	r, s;
	const char		**f[] = { &s.daemon, &s.actor, &s.device,
				    &s.source, &s.action, &s.project,
				    &s.object, &s.outcome, &s.detail };
	size_t			i;

	memset(&r, 0, sizeof(r));
	r.seq = 5;
	r.time = 6;
	r.daemon = "auth";
	r.actor = r.device = r.source = r.action = "x";
	r.project = r.object = r.outcome = r.detail = "x";
	audit_rec_hash(&r);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		s = r;
		*f[i] = "y";
		audit_rec_hash(&s);
		assert_memory_not_equal(r.hash, s.hash, AUDIT_HASHLEN);
	}
	s = r;
	s.seq = 4;
	audit_rec_hash(&s);
	assert_memory_not_equal(r.hash, s.hash, AUDIT_HASHLEN);
	s = r;
	s.prev[0] = 1;
	audit_rec_hash(&s);
	assert_memory_not_equal(r.hash, s.hash, AUDIT_HASHLEN);
	/* Length prefixes: moving a byte between fields changes it. */
	s = r;
	s.actor = "xx";
	s.device = "";
	audit_rec_hash(&s);
	assert_memory_not_equal(r.hash, s.hash, AUDIT_HASHLEN);
}

static void
test_checkpoint_sig(void **state)
{
	unsigned char	pk[AUDIT_PKLEN], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char	head[AUDIT_HASHLEN] = { 1 }, sig[AUDIT_SIGLEN];
	unsigned char	msg[AUDIT_CP_MSGLEN];

	crypto_sign_keypair(pk, sk);
	audit_cp_sign(42, head, sk, sig);
	assert_int_equal(audit_cp_verify(42, head, sig, pk), 0);
	assert_int_equal(audit_cp_verify(43, head, sig, pk), -1);
	head[0] = 2;
	assert_int_equal(audit_cp_verify(42, head, sig, pk), -1);
	audit_cp_message(1, head, msg);
	assert_memory_equal(msg, "pccx-remote audit checkpoint v1", 31);
	assert_int_equal(msg[31 + 7], 1);
}

static unsigned char	test_sk[crypto_sign_SECRETKEYBYTES];

static void
store_new(struct audit_store *s, const char *dir)
{
	unsigned char	pk[AUDIT_PKLEN];
	char		path[256];

	crypto_sign_keypair(pk, test_sk);
	snprintf(path, sizeof(path), "%s/" AUDIT_DB, dir);
	assert_int_equal(store_open(s, path, test_sk), 0);
}

static void
test_store(void **state)
{
	char			 dir[] = "/tmp/test_audit.XXXXXX", cmd[300];
	struct audit_store	 s;
	struct audit_row	 rows[3];
	char			*text;
	size_t			 i, len;
	uint64_t		 f, l;

	assert_non_null(mkdtemp(dir));
	store_new(&s, dir);
	s.cp_rows = 3;
	for (i = 0; i < 3; i++) {
		row_fill(&rows[i].p, "exec", "{\"n\":1}");
		strcpy(rows[i].daemon, "session");
	}
	assert_int_equal(store_append(&s, rows, 2), 0);
	assert_int_equal(rows[1].rec.seq, 2);
	assert_memory_equal(rows[1].rec.prev, rows[0].rec.hash,
	    AUDIT_HASHLEN);
	assert_int_equal(s.cp_seq, 0);
	assert_int_equal(store_next_segment(&s, &f, &l), 1);
	assert_int_equal(store_append(&s, rows, 2), 0);
	assert_int_equal(s.cp_seq, 4);		/* 4 rows >= 3 */
	assert_int_equal(store_next_segment(&s, &f, &l), 0);
	assert_int_equal(f, 1);
	assert_int_equal(l, 4);
	assert_int_equal(store_segment_text(&s, "h", 1, 4, &text, &len), 0);
	assert_non_null(strstr(text, "\"type\":\"checkpoint\",\"seq\":4"));
	free(text);
	assert_int_equal(store_shipped_add(&s, 1, 4, "k", "e"), 0);
	assert_int_equal(store_next_segment(&s, &f, &l), 1);
	/* The triggers hold even for the daemon's own connection. */
	assert_int_not_equal(sqlite3_exec(s.db, "UPDATE rows SET actor = "
	    "'x'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(s.db, "DELETE FROM checkpoints",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_fts_index(&s, 3), 3);
	assert_int_equal(store_fts_index(&s, 100), 1);
	assert_int_equal(s.fts_seq, 4);
	store_close(&s);
	/* Reopened, the tail since the checkpoint is checked. */
	store_new(&s, dir);
	assert_int_equal(s.head, 4);
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * The append path: a row is answered with its seq only after commit;
 * a failing store answers NACK; an auth revoke row goes to session.
 */
static void
test_append_path(void **state)
{
	char			 dir[] = "/tmp/test_audit.XXXXXX", cmd[300];
	struct event_base	*base = event_base_new();
	struct audit_store	 s;
	struct p_audit_conf	 conf;
	struct p_audit_row	 r;
	struct p_audit_revoked	 rv;
	struct chan		 snd, dmn, sess, sess_peer;
	struct msg		 m;
	uint64_t		 seq;
	uint32_t		 why;

	assert_non_null(mkdtemp(dir));
	store_new(&s, dir);
	append_init(base, &s);
	conf_fill(&conf);
	conf.s3_set = 0;
	append_configure(&conf, 0);
	pair(&snd, &dmn, PROC_AUDIT, PROC_AUTH);
	pair(&sess_peer, &sess, PROC_AUDIT, PROC_SESSION);
	revoke_chan = &sess;

	row_fill(&r, "revoke", "{\"kind\":\"session\",\"id\":\"s-1\"}");
	assert_int_equal(audit_append(&snd, 11, &r), 0);
	assert_int_equal(roundtrip(&snd, &dmn, &m), 0);
	assert_int_equal(append_msg(&dmn, &m), 0);
	assert_int_equal(s.head, 0);		/* waits for its batch */
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(s.head, 1);
	assert_int_equal(chan_read(&snd) > 0, 1);
	assert_int_equal(chan_get(&snd, &m), MSG_OK);
	assert_int_equal(m.hdr.type, MSG_AUDIT_ACK);
	assert_int_equal(m.hdr.peerid, 11);
	assert_int_equal(proto_get_audit_ack(&m, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(chan_read(&sess_peer) > 0, 1);
	assert_int_equal(chan_get(&sess_peer, &m), MSG_OK);
	assert_int_equal(proto_get_audit_revoked(&m, &rv), 0);
	assert_int_equal(rv.kind, AUDIT_REVOKE_SESSION);
	assert_string_equal(rv.id, "s-1");

	/* A store that refuses writes: the sender is told so. */
	sqlite3_exec(s.db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	row_fill(&r, "login", "{}");
	audit_append(&snd, 12, &r);
	assert_int_equal(roundtrip(&snd, &dmn, &m), 0);
	assert_int_equal(append_msg(&dmn, &m), 0);
	append_flush();
	assert_int_equal(chan_read(&snd) > 0, 1);
	assert_int_equal(chan_get(&snd, &m), MSG_OK);
	assert_int_equal(m.hdr.type, MSG_AUDIT_NACK);
	assert_int_equal(m.hdr.peerid, 12);
	assert_int_equal(proto_get_audit_nack(&m, &why), 0);
	assert_int_equal(s.head, 1);
	revoke_chan = NULL;
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* What a front end saw of its feeds: events and ends per sub id. */
struct seen {
	int	events[8];
	int	ended[8];
	uint8_t	why[8];
};

static void
feed_pump(struct event_base *base, struct chan *front, struct seen *sn,
    int ms)
{
	static struct p_audit_event	e;
	struct msg			m;
	uint32_t			id;
	uint8_t				why;
	int				i;

	for (i = 0; i < ms / 10 + 1; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		while (chan_read(front) > 0)
			;
		while (chan_get(front, &m) == MSG_OK) {
			if (m.hdr.type == MSG_AUDIT_SUBEND) {
				assert_int_equal(proto_get_audit_subend(&m,
				    &id, &why), 0);
				assert_true(id < 8);
				sn->ended[id]++;
				sn->why[id] = why;
			} else if (m.hdr.type == MSG_AUDIT_EVENT) {
				assert_int_equal(proto_get_audit_event(&m,
				    &e), 0);
				assert_true(e.sub < 8);
				assert_string_equal(e.row.project, "npu");
				sn->events[e.sub]++;
			}
		}
		usleep(10000);
	}
}

static void
feed_ask(struct chan *c, struct chan *peer, struct msg *m, uint16_t type,
    uint32_t sub, uint64_t grant, const char *user, uint8_t suite,
    const char *p1, const char *p2)
{
	static struct p_audit_sub	p;

	memset(&p, 0, sizeof(p));
	p.sub = sub;
	p.grant = grant;
	p.window = 100;
	p.suite = suite;
	strcpy(p.user, user);
	if (p1 != NULL)
		strcpy(p.projects[p.nprojects++], p1);
	if (p2 != NULL)
		strcpy(p.projects[p.nprojects++], p2);
	assert_int_equal(type == MSG_AUDIT_GRANT ? proto_send_audit_grant(c,
	    &p) : proto_send_audit_sub(c, &p), 0);
	assert_int_equal(roundtrip(c, peer, m), 0);
	assert_int_equal(m->hdr.type, type);
	assert_int_equal(type == MSG_AUDIT_GRANT ? feed_msg_grant(peer, m) :
	    feed_msg_sub(peer, m), 0);
}

/*
 * A feed is no wider than the grant the auth daemon sent for it: a
 * front end that widens one, reuses a grant, names another user or
 * no grant at all gets the feed ended, and sees no row.
 */
static void
test_feed_grant(void **state)
{
	char			 dir[] = "/tmp/test_audit.XXXXXX", cmd[300];
	struct event_base	*base = event_base_new();
	struct audit_store	 s;
	struct audit_row	 rows[3];
	struct chan		 fr, fr_d, au, au_d;
	struct msg		 m;
	struct seen		 sn;
	size_t			 i;

	assert_non_null(mkdtemp(dir));
	store_new(&s, dir);
	append_init(base, &s);
	assert_int_equal(feed_init(base, &s), 0);
	for (i = 0; i < 3; i++) {
		row_fill(&rows[i].p, "exec", "{}");
		strcpy(rows[i].daemon, "session");
	}
	strcpy(rows[1].p.project, "other");
	rows[2].p.project[0] = '\0';
	assert_int_equal(store_append(&s, rows, 3), 0);
	pair(&fr, &fr_d, PROC_AUDIT, PROC_FRONT);
	pair(&au, &au_d, PROC_AUDIT, PROC_AUTH);
	assert_int_equal(fd_nonblock(fr.fd), 0);
	memset(&sn, 0, sizeof(sn));

	/* Granted npu; asked for npu, other and the suite rows. */
	feed_ask(&au, &au_d, &m, MSG_AUDIT_GRANT, 0, 1001,
	    "alice@example.com", 0, "npu", NULL);
	feed_ask(&fr, &fr_d, &m, MSG_AUDIT_SUBSCRIBE, 1, 1001,
	    "alice@example.com", 1, "npu", "other");
	/* Granted for alice, asked for mallory. */
	feed_ask(&au, &au_d, &m, MSG_AUDIT_GRANT, 0, 1002,
	    "alice@example.com", 0, "npu", NULL);
	feed_ask(&fr, &fr_d, &m, MSG_AUDIT_SUBSCRIBE, 2, 1002,
	    "mallory@example.com", 0, "npu", NULL);
	/* Within its grant: the npu row only. */
	feed_ask(&au, &au_d, &m, MSG_AUDIT_GRANT, 0, 1003,
	    "alice@example.com", 1, "npu", "other");
	feed_ask(&fr, &fr_d, &m, MSG_AUDIT_SUBSCRIBE, 3, 1003,
	    "alice@example.com", 0, "npu", NULL);
	/* The grant after the subscription: it waits for it. */
	feed_ask(&fr, &fr_d, &m, MSG_AUDIT_SUBSCRIBE, 4, 1004,
	    "alice@example.com", 0, "npu", NULL);
	feed_pump(base, &fr, &sn, 50);
	assert_int_equal(sn.ended[4] + sn.events[4], 0);
	feed_ask(&au, &au_d, &m, MSG_AUDIT_GRANT, 0, 1004,
	    "alice@example.com", 0, "npu", NULL);
	/* A grant used twice; a made-up one; none at all. */
	feed_ask(&fr, &fr_d, &m, MSG_AUDIT_SUBSCRIBE, 5, 1003,
	    "alice@example.com", 0, "npu", NULL);
	feed_ask(&fr, &fr_d, &m, MSG_AUDIT_SUBSCRIBE, 6, 4242,
	    "alice@example.com", 0, "npu", NULL);
	feed_ask(&fr, &fr_d, &m, MSG_AUDIT_SUBSCRIBE, 7, 0,
	    "alice@example.com", 0, "npu", NULL);
	feed_pump(base, &fr, &sn, 1500);

	assert_int_equal(sn.ended[1], 1);
	assert_int_equal(sn.why[1], AUDIT_SUBEND_DENIED);
	assert_int_equal(sn.ended[2], 1);
	assert_int_equal(sn.why[2], AUDIT_SUBEND_DENIED);
	assert_int_equal(sn.ended[3], 0);
	assert_int_equal(sn.events[3], 1);
	assert_int_equal(sn.ended[4], 0);
	assert_int_equal(sn.events[4], 1);
	for (i = 5; i < 8; i++) {
		assert_int_equal(sn.ended[i], 1);
		assert_int_equal(sn.why[i], AUDIT_SUBEND_DENIED);
	}
	for (i = 0; i < 8; i++)
		if (i != 3 && i != 4)
			assert_int_equal(sn.events[i], 0);
	assert_int_equal(feed_count(), 2);
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_append_codec),
		cmocka_unit_test(test_small_codecs),
		cmocka_unit_test(test_conf_check),
		cmocka_unit_test(test_fts_query),
		cmocka_unit_test(test_object_key),
		cmocka_unit_test(test_hash_covers),
		cmocka_unit_test(test_checkpoint_sig),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_append_path),
		cmocka_unit_test(test_feed_grant),
	};

	if (sodium_init() == -1)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
