/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The client's fido2 options, its soft key under libfido2, JSON wiping. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fido.h>
#include <fido/es256.h>

#include "client/fido2.h"
#include "client/pccx.h"

#define CH	"\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAA\""
#define RP	"\"rp_id\":\"localhost\""

static struct fido2_opts	o;

static int
parse(const char *s)
{
	json_t	*j = json_loads(s, 0, NULL);
	int	 rv;

	assert_non_null(j);
	rv = fido2_opts_parse(j, &o);
	json_decref(j);
	return rv;
}

static void
test_opts_page(void **state)
{
	assert_int_equal(parse("{\"step\":\"s1\",\"user\":\"a@b\"," RP ","
	    CH ",\"credentials\":[\"AQID\",\"BA\"],\"register\":false,"
	    "\"user_verification\":\"required\"}"), 0);
	assert_string_equal(o.step, "s1");
	assert_string_equal(o.rp_id, "localhost");
	assert_int_equal(o.challengelen, 16);
	assert_int_equal(o.ncreds, 2);
	assert_int_equal(o.credlen[0], 3);
	assert_int_equal(o.cred[0][2], 3);
	assert_int_equal(o.credlen[1], 1);
	assert_int_equal(o.reg, 0);
	assert_int_equal(o.uv_required, 1);
}

static void
test_opts_begin(void **state)
{
	assert_int_equal(parse("{" CH "," RP ",\"user_id\":\"AAEC\","
	    "\"user\":\"alice\",\"user_verification\":\"preferred\"}"), 0);
	assert_int_equal(o.user_idlen, 3);
	assert_int_equal(o.uv_required, 0);
	assert_int_equal(o.ncreds, 0);
	assert_string_equal(o.step, "");
}

static void
test_opts_refused(void **state)
{
	char	 buf[2048];
	size_t	 i;
	int	 n;

	assert_int_equal(parse("{" CH "}"), -1);		/* no rp_id */
	assert_int_equal(parse("{" RP "}"), -1);	/* no challenge */
	assert_int_equal(parse("[]"), -1);
	assert_int_equal(parse("{" RP ",\"challenge\":\"\"}"), -1);
	assert_int_equal(parse("{" RP ",\"challenge\":\"AA==\"}"), -1);
	assert_int_equal(parse("{" RP ",\"challenge\":\"A+/A\"}"), -1);
	assert_int_equal(parse("{" RP ",\"challenge\":7}"), -1);
	assert_int_equal(parse("{" CH ",\"rp_id\":\"a\\nb\"}"), -1);
	assert_int_equal(parse("{" CH "," RP ",\"step\":\"\\u0001\"}"), -1);
	assert_int_equal(parse("{" CH "," RP ",\"register\":1}"), -1);
	assert_int_equal(parse("{" CH "," RP ",\"credentials\":\"AQID\"}"),
	    -1);
	assert_int_equal(parse("{" CH "," RP ",\"credentials\":[1]}"), -1);
	/* A challenge of 65 bytes, one over the bound. */
	n = snprintf(buf, sizeof(buf), "{" RP ",\"challenge\":\"");
	for (i = 0; i < 87; i++)
		buf[n++] = 'A';
	snprintf(buf + n, sizeof(buf) - n, "\"}");
	assert_int_equal(parse(buf), -1);
	/* Seventeen credentials, one over the bound. */
	n = snprintf(buf, sizeof(buf), "{" CH "," RP ",\"credentials\":[");
	for (i = 0; i < FIDO2_MAXCREDS + 1; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s\"AQID\"",
		    i ? "," : "");
	snprintf(buf + n, sizeof(buf) - n, "]}");
	assert_int_equal(parse(buf), -1);
}

/* The soft key at path, opened through the hook as pccx opens keys. */
static fido_dev_t *
soft_open(const char *path)
{
	fido_dev_t	*d = fido_dev_new();

	assert_non_null(d);
	assert_non_null(fido2_dev_hook);
	assert_int_equal(fido2_dev_hook(d, path), 0);
	assert_int_equal(fido_dev_open(d, path), FIDO_OK);
	assert_true(fido_dev_is_fido2(d));
	assert_true(fido_dev_has_uv(d));
	return d;
}

/*
 * libfido2's own checks of what the soft key makes: the packed self
 * attestation, then an assertion with UP and UV over the new key.
 */
static void
test_softkey_libfido2(void **state)
{
	char		 tmpl[] = "/tmp/softkey.XXXXXX", path[64];
	unsigned char	 cdh[32], uid[8] = "user-id";
	fido_dev_t	*d;
	fido_cred_t	*c = fido_cred_new();
	fido_assert_t	*a = fido_assert_new();
	es256_pk_t	*pk = es256_pk_new();

	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "soft:%s/key", tmpl);
	memset(cdh, 7, sizeof(cdh));
	d = soft_open(path);
	assert_int_equal(fido_cred_set_type(c, COSE_ES256), FIDO_OK);
	assert_int_equal(fido_cred_set_clientdata_hash(c, cdh, 32), FIDO_OK);
	assert_int_equal(fido_cred_set_rp(c, "localhost", "x"), FIDO_OK);
	assert_int_equal(fido_cred_set_user(c, uid, sizeof(uid), "u", "u",
	    NULL), FIDO_OK);
	assert_int_equal(fido_cred_set_uv(c, FIDO_OPT_TRUE), FIDO_OK);
	assert_int_equal(fido_dev_make_cred(d, c, NULL), FIDO_OK);
	assert_string_equal(fido_cred_fmt(c), "packed");
	assert_int_equal(fido_cred_verify_self(c), FIDO_OK);
	assert_int_equal(fido_cred_flags(c) & 0x45, 0x45);
	fido_dev_close(d);
	fido_dev_free(&d);

	d = soft_open(path);
	assert_int_equal(fido_assert_set_rp(a, "localhost"), FIDO_OK);
	assert_int_equal(fido_assert_set_clientdata_hash(a, cdh, 32),
	    FIDO_OK);
	assert_int_equal(fido_assert_allow_cred(a, fido_cred_id_ptr(c),
	    fido_cred_id_len(c)), FIDO_OK);
	assert_int_equal(fido_assert_set_up(a, FIDO_OPT_TRUE), FIDO_OK);
	assert_int_equal(fido_assert_set_uv(a, FIDO_OPT_TRUE), FIDO_OK);
	assert_int_equal(fido_dev_get_assert(d, a, NULL), FIDO_OK);
	assert_int_equal(fido_assert_count(a), 1);
	assert_int_equal(fido_assert_sigcount(a, 0), 2);
	assert_int_equal(es256_pk_from_ptr(pk, fido_cred_pubkey_ptr(c),
	    fido_cred_pubkey_len(c)), FIDO_OK);
	assert_int_equal(fido_assert_verify(a, 0, COSE_ES256, pk), FIDO_OK);
	fido_dev_close(d);
	fido_dev_free(&d);

	es256_pk_free(&pk);
	fido_assert_free(&a);
	fido_cred_free(&c);
	unlink(path + 5);
	rmdir(tmpl);
}

/* Answers hold tokens: what jansson frees is wiped first. */
static void
test_json_wipe(void **state)
{
	json_malloc_t	 m;
	json_free_t	 f;
	unsigned char	*p;
	size_t		 i;

	http_init();
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(f, http_json_free);
	assert_non_null(p = malloc(100));
	memset(p, 'S', 100);
	http_wipe(p);
	for (i = 0; i < 100 && p[i] == 0; i++)
		;
	assert_int_equal(i, 100);
	free(p);
	http_wipe(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_page),
		cmocka_unit_test(test_opts_begin),
		cmocka_unit_test(test_opts_refused),
		cmocka_unit_test(test_softkey_libfido2),
		cmocka_unit_test(test_json_wipe),
	};

	fido_init(0);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
