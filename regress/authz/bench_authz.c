/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Benchmark: a full token and request check beside a bare Ed25519 verify. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "authd/httpsig.h"
#include "authd/ratelimit.h"
#include "authd/rbac.h"
#include "authd/token.h"
#include "regress/authz/client.h"

#define N	20000
/* alternate the two loops, N / ROUNDS each */
#define ROUNDS	5
#define T0	1767225600
#define URI	"https://remote.example:8443/v1/traces?project=npu"
#define BODY	"{\"name\":\"run-1\",\"project\":\"npu\"," \
		"\"args\":[\"-v\",\"-j4\"]}"

struct signed_req {
	struct client_sig	 cs;
	char			 nonce[40];
};

static double
now_s(void)
{
	struct timespec	 ts;

	/* CPU time: other work on a shared machine does not count. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Everything the auth daemon does for one request, once. */
static int
check_one(struct token_store *ts, struct httpsig *hs, struct rbac *rb,
    struct ratelimit *rl, const char *jwt, const struct signed_req *s,
    uint64_t ms)
{
	struct token_info	 ti;
	struct httpsig_request	 req = {
		.method = "POST", .target_uri = URI,
		.signature_input = s->cs.signature_input,
		.signature = s->cs.signature,
		.content_digest = s->cs.content_digest,
		.body = (const unsigned char *)BODY, .bodylen = strlen(BODY),
	};

	if (ratelimit_take(rl, RATELIMIT_ADDR, "192.0.2.1", ms) != 0 ||
	    token_verify(ts, jwt, T0, &ti) != TOKEN_OK ||
	    ratelimit_take(rl, RATELIMIT_USER, ti.user, ms) != 0 ||
	    httpsig_verify(hs, &req, ti.jkt, ti.login_pk, T0) != HTTPSIG_OK ||
	    !rbac_can(rb, ti.user, "npu", RBAC_TRACE_UPLOAD) ||
	    token_touch(ts, ti.sid, T0) != 0)
		return -1;
	return 0;
}

int
main(void)
{
	static struct signed_req reqs[N];
	struct conf_ratelimit	 rc = { 1000000000, 1000000000, 1000000000,
				    1000000000 };
	unsigned char		 pk[32], sk[64], lpk[32], lsk[64], sig[64];
	struct token_login	 l = { "alice@example.org", "laptop", lpk,
				    NULL };
	struct client_req	 cr;
	struct token_store	*ts;
	struct httpsig		*hs;
	struct rbac		*rb;
	struct ratelimit	*rl;
	struct token_info	 ti;
	char			*jwt;
	double			 t, full, bare;
	int			 i, r;

	if (sodium_init() == -1)
		return 1;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(lpk, lsk);
	ts = token_store_new(pk, sk, "pccx-remote", NULL, 0);
	hs = httpsig_new(60, N);
	rb = rbac_new();
	rl = ratelimit_new(&rc, 0);
	if (ts == NULL || hs == NULL || rb == NULL || rl == NULL ||
	    rbac_add_member(rb, l.user, "npu", ROLE_MAINTAINER) == -1)
		return 1;
	l.roles = rbac_roles(rb, l.user);
	if (token_issue(ts, &l, T0, &jwt, &ti) != TOKEN_OK)
		return 1;

	/* Signing is the client's cost: done before the clock starts. */
	memset(&cr, 0, sizeof(cr));
	cr.method = "POST";
	cr.target_uri = URI;
	cr.body = (const unsigned char *)BODY;
	cr.bodylen = strlen(BODY);
	cr.created = T0;
	cr.keyid = ti.jkt;
	for (i = 0; i < N; i++) {
		snprintf(reqs[i].nonce, sizeof(reqs[i].nonce), "n-%024d", i);
		cr.nonce = reqs[i].nonce;
		if (client_sign(&cr, lsk, &reqs[i].cs) == -1)
			return 1;
	}

	crypto_sign_detached(sig, NULL, (unsigned char *)jwt, strlen(jwt), sk);
	full = bare = 0;
	for (r = 0; r < ROUNDS; r++) {
		t = now_s();
		for (i = r * (N / ROUNDS); i < (r + 1) * (N / ROUNDS); i++)
			if (check_one(ts, hs, rb, rl, jwt, &reqs[i], i) == -1) {
				fprintf(stderr, "check %d failed\n", i);
				return 1;
			}
		full += now_s() - t;
		t = now_s();
		for (i = 0; i < N / ROUNDS; i++)
			if (crypto_sign_verify_detached(sig,
			    (unsigned char *)jwt, strlen(jwt), pk) != 0)
				return 1;
		bare += now_s() - t;
	}
	full = N / full;
	bare = N / bare;

	printf("authz: full check (rate limits, token, request signature, "
	    "rbac, touch): %.0f/s, %.1f us each\n", full, 1e6 / full);
	printf("authz: bare crypto_sign_verify_detached of a %zu-byte token: "
	    "%.0f/s, %.1f us each\n", strlen(jwt), bare, 1e6 / bare);
	printf("authz: ratio full/bare %.2f (two Ed25519 verifications a "
	    "check: at best 0.50)\n", full / bare);
	free(jwt);
	json_decref(l.roles);
	token_store_free(ts);
	httpsig_free(hs);
	rbac_free(rb);
	ratelimit_free(rl);
	return 0;
}
