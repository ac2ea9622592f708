/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Verification threads: replays and revocations stay exact across them. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sodium.h>

#include "authd/httpsig.h"
#include "authd/token.h"
#include "authd/vpool.h"
#include "regress/authz/client.h"

#define T0		1767225600
#define URI		"https://remote.example/v1/auth/check"
#define ROUNDS		300
#define NTOKENS		32

static struct event_base	*base;
static int			 pending;

/* One signed request in flight: the job, the signature's half. */
struct req {
	struct vpool_job	 vj;		/* first: done() casts */
	struct httpsig		*hs;
	struct httpsig_pending	 hp;
	enum httpsig_error	 e;
};

/* One token check in flight. */
struct tok {
	struct vpool_job	 vj;		/* first: done() casts */
	struct token_store	*ts;
	struct token_pending	 tp;
	enum token_error	 e;
};

static void
req_done(struct vpool_job *vj)
{
	struct req	*r = (struct req *)vj;

	r->e = httpsig_verify_end(r->hs, &r->hp, vj->sig[0].ok, T0);
	if (--pending == 0)
		event_base_loopbreak(base);
}

static void
tok_done(struct vpool_job *vj)
{
	struct tok	*t = (struct tok *)vj;

	t->e = token_verify_end(t->ts, &t->tp, vj->sig[0].ok, T0, NULL);
	if (--pending == 0)
		event_base_loopbreak(base);
}

/* Run the event loop until every job submitted has come back. */
static void
drain(void)
{
	while (pending > 0)
		assert_int_not_equal(event_base_dispatch(base), -1);
}

static int
group_setup(void **state)
{
	assert_int_not_equal(sodium_init(), -1);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(vpool_init(base, 2), 0);
	assert_int_equal(vpool_start(), 0);
	return 0;
}

static void
req_begin(struct req *r, struct httpsig *hs, const struct client_sig *cs,
    const char *keyid, const unsigned char *pk)
{
	struct httpsig_request	 hr;

	memset(r, 0, sizeof(*r));
	memset(&hr, 0, sizeof(hr));
	hr.method = "GET";
	hr.target_uri = URI;
	hr.signature_input = cs->signature_input;
	hr.signature = cs->signature;
	hr.content_digest = cs->content_digest;
	r->hs = hs;
	assert_int_equal(httpsig_verify_begin(hs, &hr, keyid, pk, T0,
	    &r->hp), HTTPSIG_OK);
	vpool_add(&r->vj, pk, r->hp.sig.sig, (unsigned char *)r->hp.base,
	    r->hp.len);
	r->vj.done = req_done;
}

/*
 * The same signed request twice at once, on two threads: whichever
 * comes back first is allowed, the other refused as replayed, every
 * time.
 */
static void
test_replay_two_threads(void **state)
{
	struct httpsig		*hs = httpsig_new(60, 2 * ROUNDS);
	struct client_req	 cr;
	struct client_sig	 cs;
	struct req		*a, *b;
	unsigned char		 pk[32], sk[64];
	char			 keyid[TOKEN_B64KEYLEN + 1], nonce[64];
	int			 i, ok = 0, replayed = 0;

	assert_non_null(hs);
	crypto_sign_keypair(pk, sk);
	token_thumbprint(pk, keyid);
	a = calloc(ROUNDS, sizeof(*a));
	b = calloc(ROUNDS, sizeof(*b));
	assert_true(a != NULL && b != NULL);
	for (i = 0; i < ROUNDS; i++) {
		memset(&cr, 0, sizeof(cr));
		snprintf(nonce, sizeof(nonce), "replay-nonce-%08d", i);
		cr.method = "GET";
		cr.target_uri = URI;
		cr.created = T0;
		cr.nonce = nonce;
		cr.keyid = keyid;
		assert_int_equal(client_sign(&cr, sk, &cs), 0);
		req_begin(&a[i], hs, &cs, keyid, pk);
		req_begin(&b[i], hs, &cs, keyid, pk);
		pending += 2;
		vpool_submit(&a[i].vj);
		vpool_submit(&b[i].vj);
	}
	drain();
	for (i = 0; i < ROUNDS; i++) {
		ok += (a[i].e == HTTPSIG_OK) + (b[i].e == HTTPSIG_OK);
		replayed += (a[i].e == HTTPSIG_REPLAYED) +
		    (b[i].e == HTTPSIG_REPLAYED);
		assert_true(a[i].e != b[i].e);
	}
	assert_int_equal(ok, ROUNDS);
	assert_int_equal(replayed, ROUNDS);
	assert_int_equal(httpsig_cache_count(hs), ROUNDS);
	free(a);
	free(b);
	httpsig_free(hs);
}

/* A bad signature stays bad on a thread; its nonce is not spent. */
static void
test_bad_signature(void **state)
{
	struct httpsig		*hs = httpsig_new(60, 8);
	struct client_req	 cr;
	struct client_sig	 cs;
	struct req		 r;
	unsigned char		 pk[32], sk[64];
	char			 keyid[TOKEN_B64KEYLEN + 1];

	assert_non_null(hs);
	crypto_sign_keypair(pk, sk);
	token_thumbprint(pk, keyid);
	memset(&cr, 0, sizeof(cr));
	cr.method = "GET";
	cr.target_uri = URI;
	cr.created = T0;
	cr.nonce = "bad-signature-nonce";
	cr.keyid = keyid;
	assert_int_equal(client_sign(&cr, sk, &cs), 0);
	req_begin(&r, hs, &cs, keyid, pk);
	r.hp.base[0] ^= 1;		/* not what was signed */
	pending = 1;
	vpool_submit(&r.vj);
	drain();
	assert_int_equal(r.e, HTTPSIG_BAD_SIGNATURE);
	assert_int_equal(httpsig_cache_count(hs), 0);
	httpsig_free(hs);
}

static void
tok_begin(struct tok *t, struct token_store *ts, const char *jwt)
{
	memset(t, 0, sizeof(*t));
	t->ts = ts;
	assert_int_equal(token_verify_begin(ts, jwt, T0, &t->tp), TOKEN_OK);
	assert_true(t->tp.need);
	vpool_add(&t->vj, t->tp.pk, t->tp.sig, t->tp.msg, t->tp.len);
	t->vj.done = tok_done;
}

/*
 * Tokens whose signatures are being verified when their user is
 * revoked are refused when they come back, on whichever thread; and
 * so is the next request with each.
 */
static void
test_revoke_in_flight(void **state)
{
	struct token_store	*ts;
	struct token_login	 l;
	struct tok		*t;
	unsigned char		 pk[32], sk[64], lpk[32];
	char			*jwt[NTOKENS];
	int			 i;

	crypto_sign_keypair(pk, sk);
	ts = token_store_new(pk, sk, "pccx-remote", NULL, 2 * NTOKENS);
	t = calloc(NTOKENS, sizeof(*t));
	assert_true(ts != NULL && t != NULL);
	memset(&l, 0, sizeof(l));
	l.device = "laptop";
	l.login_pk = lpk;
	randombytes_buf(lpk, sizeof(lpk));
	for (i = 0; i < NTOKENS; i++) {
		l.user = i % 2 ? "bob" : "alice";
		assert_int_equal(token_issue(ts, &l, T0, &jwt[i], NULL),
		    TOKEN_OK);
		tok_begin(&t[i], ts, jwt[i]);
	}
	pending = NTOKENS;
	for (i = 0; i < NTOKENS; i++)
		vpool_submit(&t[i].vj);
	assert_int_equal(token_revoke_user(ts, "alice"), NTOKENS / 2);
	drain();
	for (i = 0; i < NTOKENS; i++)
		assert_int_equal(t[i].e, i % 2 ? TOKEN_OK : TOKEN_REVOKED);

	/* The next request, on a thread again: alice's tokens are dead. */
	pending = NTOKENS;
	for (i = 0; i < NTOKENS; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].ts = ts;
		t[i].vj.done = tok_done;
		assert_int_equal(token_verify_begin(ts, jwt[i], T0, &t[i].tp),
		    TOKEN_OK);
		if (t[i].tp.need)
			vpool_add(&t[i].vj, t[i].tp.pk, t[i].tp.sig,
			    t[i].tp.msg, t[i].tp.len);
		vpool_submit(&t[i].vj);
	}
	drain();
	for (i = 0; i < NTOKENS; i++) {
		assert_int_equal(t[i].e, i % 2 ? TOKEN_OK : TOKEN_REVOKED);
		assert_int_equal(token_verify(ts, jwt[i], T0, NULL),
		    i % 2 ? TOKEN_OK : TOKEN_REVOKED);
		free(jwt[i]);
	}
	free(t);
	token_store_free(ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_two_threads),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_revoke_in_flight),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
