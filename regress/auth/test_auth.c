/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of the auth messages' codecs, the auth store, kept sessions. */

#include <sys/queue.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "authd/store.h"
#include "authd/token.h"
#include "common/msg.h"
#include "proto/auth.h"

/* The message c queued last, as a receiver would see it. */
static void
queued(struct chan *c, struct msg *m)
{
	struct msg_out	*o, *last = NULL;

	TAILQ_FOREACH(o, &c->wq, entry)
		last = o;
	assert_non_null(o = last);
	memcpy(&m->hdr, o->buf, MSG_HDRSZ);
	m->data = o->buf + MSG_HDRSZ;
	m->len = m->hdr.len;
	m->fd = -1;
}

static struct chan *
chan_new(void)
{
	static struct chan	c;

	chan_clear(&c);
	assert_int_equal(chan_init(&c, -1, PROC_FRONT), 0);
	return &c;
}

static struct p_auth_req *
req_sample(void)
{
	struct p_auth_req	*r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->action = 3;
	strcpy(r->method, "POST");
	strcpy(r->target, "http://localhost:8443/v1/traces?project=npu");
	memset(r->body_sha256, 0xab, sizeof(r->body_sha256));
	strcpy(r->authorization, "Bearer a.b.c");
	strcpy(r->device_key, "AAAA");
	strcpy(r->sig_input, "sig1=(\"@method\");created=1");
	strcpy(r->signature, "sig1=:AAAA:");
	strcpy(r->content_digest, "sha-256=:AAAA:");
	strcpy(r->addr, "127.0.0.1");
	strcpy(r->project, "npu");
	strcpy(r->arg, "state");
	strcpy(r->body, "{\"login_key\":\"x\"}");
	return r;
}

static void
test_req_roundtrip(void **state)
{
	struct p_auth_req	*r = req_sample(), *g = calloc(1, sizeof(*g));
	struct chan		*c = chan_new();
	struct msg		 m;

	assert_int_equal(proto_send_auth_req(c, MSG_AUTH_CHECK, 77, r), 0);
	queued(c, &m);
	assert_int_equal(m.hdr.type, MSG_AUTH_CHECK);
	assert_int_equal(m.hdr.peerid, 77);
	assert_int_equal(proto_get_auth_req(&m, g), 0);
	assert_memory_equal(r, g, sizeof(*r));
	free(r);
	free(g);
}

/* Every cut of a good payload, and one byte more, is refused. */
static void
test_req_strict(void **state)
{
	struct p_auth_req	*r = req_sample(), *g = calloc(1, sizeof(*g));
	struct chan		*c = chan_new();
	struct msg		 m;
	uint8_t			*buf;
	size_t			 i;

	assert_int_equal(proto_send_auth_req(c, MSG_AUTH_TOKEN, 1, r), 0);
	queued(c, &m);
	buf = malloc(m.len + 1);
	memcpy(buf, m.data, m.len);
	m.data = buf;
	for (i = 0; i < m.hdr.len; i++) {
		m.len = i;
		assert_int_equal(proto_get_auth_req(&m, g), -1);
	}
	buf[m.hdr.len] = 0;
	m.len = m.hdr.len + 1;
	assert_int_equal(proto_get_auth_req(&m, g), -1);
	m.len = m.hdr.len;
	assert_int_equal(proto_get_auth_req(&m, g), 0);
	m.hdr.type = MSG_AUTH_ALLOW;
	assert_int_equal(proto_get_auth_req(&m, g), -1);
	assert_int_equal(proto_send_auth_req(c, MSG_AUTH_REPLY, 1, r), -1);
	r->method[0] = '\0';
	assert_int_equal(proto_send_auth_req(c, MSG_AUTH_CHECK, 1, r), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_req(&m, g), -1);
	free(buf);
	free(r);
	free(g);
}

static void
test_reply(void **state)
{
	struct p_auth_reply	*r = calloc(1, sizeof(*r));
	struct p_auth_reply	*g = calloc(1, sizeof(*g));
	struct chan		*c = chan_new();
	struct msg		 m;

	r->status = 429;
	r->retry_after = 7;
	strcpy(r->body, "{\"error\":{}}");
	assert_int_equal(proto_send_auth_reply(c, 5, r), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_reply(&m, g), 0);
	assert_int_equal(g->status, 429);
	assert_int_equal(g->retry_after, 7);
	assert_string_equal(g->body, r->body);
	r->status = 199;
	assert_int_equal(proto_send_auth_reply(c, 5, r), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_reply(&m, g), -1);
	r->status = 200;
	r->html = 2;
	assert_int_equal(proto_send_auth_reply(c, 5, r), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_reply(&m, g), -1);
	free(r);
	free(g);
}

static void
test_conf(void **state)
{
	struct chan		*c = chan_new();
	struct p_auth_member	 pm = { "core", "alice", 2 }, gm;
	struct p_auth_tokens	 t = { 3600, 600, 60, 20, 40, 50, 100 }, gt;
	struct p_auth_webauthn	*w = calloc(1, sizeof(*w)), *gw;
	struct msg		 m;

	assert_int_equal(proto_send_auth_member(c, &pm), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_member(&m, &gm), 0);
	assert_string_equal(gm.user, "alice");
	pm.role = 4;
	assert_int_equal(proto_send_auth_member(c, &pm), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_member(&m, &gm), -1);
	assert_int_equal(proto_send_auth_tokens(c, &t), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_tokens(&m, &gt), 0);
	assert_int_equal(gt.user_burst, 100);
	t.idle = 7200;
	assert_int_equal(proto_send_auth_tokens(c, &t), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_tokens(&m, &gt), -1);
	gw = calloc(1, sizeof(*gw));
	strcpy(w->rp_id, "localhost");
	w->norigins = 0;
	assert_int_equal(proto_send_auth_webauthn(c, w), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_webauthn(&m, gw), -1);
	w->norigins = 1;
	strcpy(w->origins[0], "http://localhost:1");
	w->uv_required = 1;
	assert_int_equal(proto_send_auth_webauthn(c, w), 0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_webauthn(&m, gw), 0);
	assert_string_equal(gw->origins[0], "http://localhost:1");
	free(w);
	free(gw);
}

static void
test_ctl(void **state)
{
	struct chan		*c = chan_new();
	struct p_auth_ctl	 p = { AUTH_CTL_DEVICE, "dev1" }, g;
	struct msg		 m;

	assert_int_equal(proto_send_auth_ctl(c, MSG_AUTH_CTL_REVOKE, 9, &p),
	    0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_ctl(&m, &g), 0);
	assert_string_equal(g.id, "dev1");
	/* An enrolment names a user, nothing else. */
	assert_int_equal(proto_send_auth_ctl(c, MSG_AUTH_CTL_ENROL, 9, &p),
	    0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_ctl(&m, &g), -1);
	p.kind = 4;
	assert_int_equal(proto_send_auth_ctl(c, MSG_AUTH_CTL_REVOKE, 9, &p),
	    0);
	queued(c, &m);
	assert_int_equal(proto_get_auth_ctl(&m, &g), -1);
	assert_int_equal(proto_send_auth_ctl(c, MSG_AUTH_ALLOW, 9, &p), -1);
}

/* Store tests run in a fresh directory. */
static char	dir[] = "/tmp/pccx-auth-test.XXXXXX";

static struct store *
store_fresh(void)
{
	char		path[64];
	struct store	*s;

	snprintf(path, sizeof(path), "%s/auth.db", dir);
	unlink(path);
	assert_non_null(s = store_open(path));
	return s;
}

static void
device_sample(struct store_device *d, const char *user, int n)
{
	unsigned char	wg[32];

	memset(d, 0, sizeof(*d));
	strcpy(d->user, user);
	strcpy(d->name, "laptop");
	memset(d->cred_id, n, 16);
	d->cred_idlen = 16;
	memset(d->cose, 0xa5, 77);
	d->coselen = 77;
	d->sign_count = 1;
	randombytes_buf(wg, sizeof(wg));
	sodium_bin2base64(d->wg_key, sizeof(d->wg_key), wg, sizeof(wg),
	    sodium_base64_VARIANT_ORIGINAL);
}

static void
test_store_devices(void **state)
{
	struct store		*s = store_fresh();
	struct store_device	 d, e, list[4];

	device_sample(&d, "alice", 1);
	assert_int_equal(store_device_add(s, &d, 1000), 0);
	assert_int_equal(strlen(d.id), STORE_IDLEN);
	device_sample(&e, "alice", 2);
	strcpy(e.wg_key, "AAAA");
	assert_int_equal(store_device_add(s, &e, 1000), -1);
	device_sample(&e, "alice", 2);
	e.wg_key[42] = '\0';
	assert_int_equal(store_device_add(s, &e, 1000), -1);
	device_sample(&e, "alice", 1);
	/* cred id */
	assert_int_equal(store_device_add(s, &e, 1000), -1);
	device_sample(&e, "bob", 3);
	assert_int_equal(store_device_add(s, &e, 1001), 0);
	assert_int_equal(store_devices(s, "alice", list, 4), 1);
	assert_memory_equal(list[0].cred_id, d.cred_id, 16);
	assert_string_equal(list[0].wg_key, d.wg_key);
	assert_int_equal(store_device_counter(s, d.id, 9), 0);
	assert_int_equal(store_device_get(s, d.id, &e), 0);
	assert_int_equal(e.sign_count, 9);
	assert_int_equal(store_device_get(s, "nope", &e), 1);
	/* A row read twice is cached; a write in between is seen. */
	assert_int_equal(store_device_get(s, d.id, &e), 0);
	assert_int_equal(store_device_counter(s, d.id, 10), 0);
	assert_int_equal(store_device_get(s, d.id, &e), 0);
	assert_int_equal(e.sign_count, 10);
	/* Bob cannot revoke Alice's device; the operator can. */
	assert_int_equal(store_device_revoke(s, d.id, "bob", 1002), 0);
	assert_int_equal(store_device_revoke(s, d.id, NULL, 1002), 1);
	assert_int_equal(store_devices(s, "alice", list, 4), 0);
	assert_int_equal(store_device_get(s, d.id, &e), 0);
	assert_int_equal(e.revoked, 1002);
	assert_int_equal(store_user_revoke(s, "bob", 1003), 1);
	assert_int_equal(store_devices(s, "bob", list, 4), 0);
	store_close(s);
}

/* A user has at most the devices a login looks through. */
static void
test_store_device_cap(void **state)
{
	struct store		*s = store_fresh();
	struct store_device	 d, first;
	int			 i;

	for (i = 0; i < STORE_MAXDEVICES; i++) {
		device_sample(&d, "carol", 10 + i);
		assert_int_equal(store_device_add(s, &d, 1000 + i), 0);
		if (i == 0)
			first = d;
	}
	assert_int_equal(store_device_count(s, "carol"), STORE_MAXDEVICES);
	device_sample(&d, "carol", 90);
	assert_int_equal(store_device_add(s, &d, 2000), 1);
	assert_int_equal(store_device_count(s, "carol"), STORE_MAXDEVICES);
	/* another user is not affected; a revocation makes room */
	device_sample(&d, "dan", 91);
	assert_int_equal(store_device_add(s, &d, 2000), 0);
	assert_int_equal(store_device_revoke(s, first.id, NULL, 2001), 1);
	device_sample(&d, "carol", 92);
	assert_int_equal(store_device_add(s, &d, 2002), 0);
	assert_int_equal(store_device_count(s, "carol"), STORE_MAXDEVICES);
	assert_int_equal(store_device_count(s, "nobody"), 0);
	store_close(s);
}

static int
code_in_db(const char *code)
{
	char		 path[64];
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 n;

	snprintf(path, sizeof(path), "%s/auth.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM codes "
	    "WHERE instr(CAST(hash AS TEXT), ?1) OR user = ?1", -1, &st,
	    NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
test_store_codes(void **state)
{
	struct store	*s = store_fresh();
	char		 code[STORE_CODELEN + 1], other[STORE_CODELEN + 1];

	assert_int_equal(store_code_new(s, "alice", code, 1000), 0);
	assert_int_equal(strlen(code), STORE_CODELEN);
	assert_int_equal(code_in_db(code), 0);
	assert_int_equal(store_code_use(s, "bob", code, 1001), 1);
	assert_int_equal(store_code_use(s, "alice", "short", 1001), 1);
	assert_int_equal(store_code_use(s, "alice", code, 1001), 0);
	assert_int_equal(store_code_use(s, "alice", code, 1002), 1);
	assert_int_equal(store_code_new(s, "alice", other, 1000), 0);
	assert_string_not_equal(code, other);
	assert_int_equal(store_code_use(s, "alice", other,
	    1000 + STORE_CODE_TTL), 1);
	store_close(s);
}

static void
session_sample(struct store_session *ss, char c, int64_t exp,
    int64_t last_use)
{
	memset(ss, 0, sizeof(*ss));
	memset(ss->sid, c, STORE_IDLEN);
	strcpy(ss->user, "alice");
	strcpy(ss->device, "dev1");
	memset(ss->login_pk, c, sizeof(ss->login_pk));
	memset(ss->jkt, 'j', 43);
	ss->exp = exp;
	ss->last_use = last_use;
	ss->gen = 1;
}

static struct store_session	loaded[8];
static int			nloaded;

static void
load_row(void *arg, const struct store_session *ss)
{
	assert_true(nloaded < 8);
	loaded[nloaded++] = *ss;
}

static int
load(struct store *s, time_t now, uint32_t idle)
{
	nloaded = 0;
	return store_sessions_load(s, now, idle, load_row, NULL);
}

static void
test_store_sessions(void **state)
{
	struct store		*s = store_fresh();
	struct store_session	 a, b, c;

	session_sample(&a, 'A', 5000, 1000);
	session_sample(&b, 'B', 1500, 1000);
	session_sample(&c, 'C', 5000, 100);
	assert_int_equal(store_session_add(s, &a, 900), 0);
	assert_int_equal(store_session_add(s, &b, 901), 0);
	assert_int_equal(store_session_add(s, &c, 902), 0);
	/* Generation and last use only move forward. */
	assert_int_equal(store_session_use(s, a.sid, 3, 1100), 1);
	assert_int_equal(store_session_use(s, a.sid, 2, 1050), 1);
	assert_int_equal(store_session_lease(s, a.sid, "10.0.0.2/32",
	    "fd00::2/128"), 1);
	assert_int_equal(store_session_del(s, "nope"), 0);
	assert_int_equal(store_session_use(s, "nope", 1, 1), 0);
	/* At 1600, B is past its hard expiry and C idle for 1500 s. */
	assert_int_equal(load(s, 1600, 600), 1);
	assert_string_equal(loaded[0].sid, a.sid);
	assert_string_equal(loaded[0].user, "alice");
	assert_string_equal(loaded[0].device, "dev1");
	assert_memory_equal(loaded[0].login_pk, a.login_pk, 32);
	assert_string_equal(loaded[0].jkt, a.jkt);
	assert_int_equal(loaded[0].exp, 5000);
	assert_int_equal(loaded[0].last_use, 1100);
	assert_int_equal(loaded[0].gen, 3);
	assert_string_equal(loaded[0].addr4, "10.0.0.2/32");
	assert_string_equal(loaded[0].addr6, "fd00::2/128");
	/* The dead rows are gone for good, even with a longer idle time. */
	assert_int_equal(load(s, 1600, 100000), 1);
	/* A batch in one transaction. */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_session_use(s, a.sid, 3, 1200), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(load(s, 1600, 600), 1);
	assert_int_equal(loaded[0].last_use, 1200);
	assert_int_equal(store_session_del(s, a.sid), 1);
	assert_int_equal(load(s, 1600, 600), 0);
	store_close(s);
}

/* The keeper of the test: auth.db, as the daemon's persist.c does. */
static int	sink_calls[5];

static void
sink(void *arg, int ev, const struct token_saved *sv)
{
	struct store		*s = arg;
	struct store_session	 ss;

	sink_calls[ev]++;
	switch (ev) {
	case TOKEN_EV_NEW:
		memset(&ss, 0, sizeof(ss));
		strcpy(ss.sid, sv->sid);
		strcpy(ss.user, sv->user);
		strcpy(ss.device, sv->device);
		strcpy(ss.jkt, sv->jkt);
		memcpy(ss.login_pk, sv->login_pk, 32);
		ss.exp = sv->exp;
		ss.last_use = sv->last_use;
		ss.gen = sv->gen;
		assert_int_equal(store_session_add(s, &ss, 0), 0);
		break;
	case TOKEN_EV_GEN:
	case TOKEN_EV_USE:
		assert_int_equal(store_session_use(s, sv->sid, sv->gen,
		    sv->last_use), 1);
		break;
	default:
		assert_true(store_session_del(s, sv->sid) >= 0);
	}
}

/* A fresh token table with the key pair, loaded from s at now. */
static struct token_store *
table_from(struct store *s, const unsigned char *pk,
    const unsigned char *sk, time_t now)
{
	struct token_store	*ts;
	struct token_saved	 sv;
	int			 i;

	assert_non_null(ts = token_store_new(pk, sk, "test", NULL, 16));
	assert_true(load(s, now, 1800) >= 0);
	for (i = 0; i < nloaded; i++) {
		memset(&sv, 0, sizeof(sv));
		strcpy(sv.sid, loaded[i].sid);
		strcpy(sv.user, loaded[i].user);
		strcpy(sv.device, loaded[i].device);
		strcpy(sv.jkt, loaded[i].jkt);
		memcpy(sv.login_pk, loaded[i].login_pk, 32);
		sv.exp = loaded[i].exp;
		sv.last_use = loaded[i].last_use;
		sv.gen = loaded[i].gen;
		assert_int_equal(token_restore(ts, &sv, now), TOKEN_OK);
		/* Twice is refused. */
		assert_int_equal(token_restore(ts, &sv, now), TOKEN_INVALID);
	}
	return ts;
}

static void
test_token_kept(void **state)
{
	struct store		*s = store_fresh();
	struct token_store	*ts, *ts2;
	struct token_login	 l;
	struct token_info	 ti;
	struct token_saved	 sv;
	unsigned char		 pk[32], sk[64], lpk[32];
	char			*jwt, *jwt2;
	time_t			 t0 = 1700000000;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(lpk, sizeof(lpk));
	memset(&l, 0, sizeof(l));
	l.user = "alice";
	l.device = "dev1";
	l.login_pk = lpk;
	assert_non_null(ts = token_store_new(pk, sk, "test", NULL, 16));
	token_store_sink(ts, sink, s);
	memset(sink_calls, 0, sizeof(sink_calls));
	assert_int_equal(token_issue(ts, &l, t0, &jwt, &ti), TOKEN_OK);
	assert_int_equal(sink_calls[TOKEN_EV_NEW], 1);
	/* A use writes nothing until the batch. */
	assert_int_equal(token_verify(ts, jwt, t0 + 10, NULL), TOKEN_OK);
	assert_int_equal(token_touch(ts, ti.sid, t0 + 10), 0);
	assert_int_equal(token_touch(ts, ti.sid, t0 + 20), 0);
	assert_int_equal(sink_calls[TOKEN_EV_USE], 0);
	assert_int_equal(token_flush(ts), 1);
	assert_int_equal(sink_calls[TOKEN_EV_USE], 1);
	assert_int_equal(token_flush(ts), 0);
	assert_int_equal(load(s, t0 + 30, 1800), 1);
	assert_int_equal(loaded[0].last_use, t0 + 20);

	/* A restart: the same token verifies against the loaded table. */
	ts2 = table_from(s, pk, sk, t0 + 30);
	assert_int_equal(token_count(ts2), 1);
	assert_int_equal(token_verify(ts2, jwt, t0 + 30, &ti), TOKEN_OK);
	assert_int_equal(ti.exp, t0 + 12 * 3600);
	token_store_free(ts2);

	/* A refresh is written at once; the old token stays superseded. */
	assert_int_equal(token_refresh(ts, jwt, NULL, t0 + 40, &jwt2, NULL),
	    TOKEN_OK);
	assert_int_equal(sink_calls[TOKEN_EV_GEN], 1);
	ts2 = table_from(s, pk, sk, t0 + 50);
	assert_int_equal(token_verify(ts2, jwt, t0 + 50, NULL),
	    TOKEN_SUPERSEDED);
	assert_int_equal(token_verify(ts2, jwt2, t0 + 50, NULL), TOKEN_OK);
	token_store_free(ts2);

	/* Past the sliding expiry at load time: not loaded. */
	ts2 = table_from(s, pk, sk, t0 + 40 + 1801);
	assert_int_equal(token_count(ts2), 0);
	token_store_free(ts2);

	/* Revoked: the row goes, and no later load brings it back. */
	assert_int_equal(token_issue(ts, &l, t0 + 60, &jwt, &ti), TOKEN_OK);
	assert_int_equal(load(s, t0 + 60, 1800), 1);
	assert_int_equal(token_revoke_sid(ts, ti.sid), 1);
	assert_int_equal(sink_calls[TOKEN_EV_END], 1);
	ts2 = table_from(s, pk, sk, t0 + 70);
	assert_int_equal(token_count(ts2), 0);
	assert_int_equal(token_verify(ts2, jwt, t0 + 70, NULL),
	    TOKEN_REVOKED);

	/* A record that is not the session it claims is refused. */
	memset(&sv, 0, sizeof(sv));
	strcpy(sv.sid, ti.sid);
	strcpy(sv.user, "alice");
	strcpy(sv.device, "dev1");
	memcpy(sv.login_pk, lpk, 32);
	strcpy(sv.jkt, ti.jkt);
	sv.exp = t0 + 1000;
	sv.last_use = t0;
	sv.gen = 1;
	sv.jkt[0] ^= 1;
	assert_int_equal(token_restore(ts2, &sv, t0), TOKEN_INVALID);
	sv.jkt[0] ^= 1;
	assert_int_equal(token_restore(ts2, &sv, t0 + 1000), TOKEN_EXPIRED);
	assert_int_equal(token_restore(ts2, &sv, t0), TOKEN_OK);
	assert_int_equal(token_verify(ts2, jwt, t0 + 10, NULL), TOKEN_OK);
	free(jwt);
	free(jwt2);
	token_store_free(ts2);
	token_store_free(ts);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_roundtrip),
		cmocka_unit_test(test_req_strict),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_ctl),
		cmocka_unit_test(test_store_devices),
		cmocka_unit_test(test_store_device_cap),
		cmocka_unit_test(test_store_codes),
		cmocka_unit_test(test_store_sessions),
		cmocka_unit_test(test_token_kept),
	};
	int	rv;

	if (sodium_init() == -1 || mkdtemp(dir) == NULL)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(strcat(strcpy((char[64]){ 0 }, dir), "/auth.db"));
	rmdir(dir);
	return rv;
}
