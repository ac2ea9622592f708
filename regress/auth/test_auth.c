/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of the auth messages' codecs and of the auth daemon's store. */

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
		cmocka_unit_test(test_store_codes),
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
