/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The client's request signer, checked by the server's own verifier. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "authd/httpsig.h"
#include "authd/token.h"
#include "client/pccx.h"

#define URI	"http://localhost:8080/v1/devices/AAAA?x=1"
#define BODY	"{\"login_id\":\"abc\"}"

/* Verify f as the server does, for a request with body. */
static enum httpsig_error
verify(struct httpsig *hs, const struct sign_key *k, const char *method,
    const char *uri, const char *body, const struct sign_fields *f)
{
	struct httpsig_request	r;
	unsigned char		h[32];

	crypto_hash_sha256(h, (const unsigned char *)body, strlen(body));
	memset(&r, 0, sizeof(r));
	r.method = method;
	r.target_uri = uri;
	r.signature_input = f->signature_input;
	r.signature = f->signature;
	r.content_digest = f->content_digest;
	r.body_sha256 = h;
	return httpsig_verify(hs, &r, k->keyid, k->pk, time(NULL));
}

/* The keyid is the thumbprint the token's cnf carries. */
static void
test_keyid(void **state)
{
	struct sign_key	k, k2;
	char		jkt[TOKEN_B64KEYLEN + 1];

	assert_int_equal(sign_key_new(&k), 0);
	token_thumbprint(k.pk, jkt);
	assert_string_equal(k.keyid, jkt);
	assert_int_equal(sign_key_from_seed(&k2, k.sk), 0);
	assert_memory_equal(k2.pk, k.pk, sizeof(k.pk));
	assert_string_equal(k2.keyid, k.keyid);
	assert_int_equal(strlen(k.x), 43);
}

/* A signed POST and a signed GET pass; a replay does not. */
static void
test_accepted(void **state)
{
	struct httpsig		*hs = httpsig_new(60, 16);
	struct sign_fields	 f;
	struct sign_key		 k;

	assert_non_null(hs);
	assert_int_equal(sign_key_new(&k), 0);
	assert_int_equal(sign_request(&k, "POST", URI, BODY, strlen(BODY),
	    &f), 0);
	assert_int_equal(verify(hs, &k, "POST", URI, BODY, &f), HTTPSIG_OK);
	assert_int_equal(verify(hs, &k, "POST", URI, BODY, &f),
	    HTTPSIG_REPLAYED);
	assert_int_equal(sign_request(&k, "GET", URI, NULL, 0, &f), 0);
	assert_string_equal(f.content_digest,
	    "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
	assert_int_equal(verify(hs, &k, "GET", URI, "", &f), HTTPSIG_OK);
	httpsig_free(hs);
}

/* Each signed part matters: method, target, body, key. */
static void
test_refused(void **state)
{
	struct httpsig		*hs = httpsig_new(60, 16);
	struct sign_fields	 f;
	struct sign_key		 k, other;

	assert_non_null(hs);
	assert_int_equal(sign_key_new(&k), 0);
	assert_int_equal(sign_key_new(&other), 0);
	assert_int_equal(sign_request(&k, "POST", URI, BODY, strlen(BODY),
	    &f), 0);
	assert_int_not_equal(verify(hs, &k, "PUT", URI, BODY, &f),
	    HTTPSIG_OK);
	assert_int_not_equal(verify(hs, &k, "POST", URI "2", BODY, &f),
	    HTTPSIG_OK);
	assert_int_not_equal(verify(hs, &k, "POST", URI, "{}", &f),
	    HTTPSIG_OK);
	assert_int_not_equal(verify(hs, &other, "POST", URI, BODY, &f),
	    HTTPSIG_OK);
	assert_int_equal(verify(hs, &k, "POST", URI, BODY, &f), HTTPSIG_OK);
	httpsig_free(hs);
}

/* Two signatures never share a nonce. */
static void
test_nonce(void **state)
{
	struct sign_fields	a, b;
	struct sign_key		k;

	assert_int_equal(sign_key_new(&k), 0);
	assert_int_equal(sign_request(&k, "GET", URI, NULL, 0, &a), 0);
	assert_int_equal(sign_request(&k, "GET", URI, NULL, 0, &b), 0);
	assert_string_not_equal(a.signature_input, b.signature_input);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyid),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nonce),
	};

	if (sodium_init() == -1)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
