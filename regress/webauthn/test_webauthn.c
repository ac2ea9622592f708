/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebAuthn verification on real Chromium ceremonies and crafted inputs. */

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
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "authd/cbor.h"
#include "authd/webauthn.h"
#include "common/log.h"
#include "regress/webauthn/craft.h"

#define CRAFT_ORIGIN	"http://localhost:8443"
#define ATT_OU		"Authenticator Attestation"
#define F_REG		(WEBAUTHN_FLAG_UP | WEBAUTHN_FLAG_UV | \
		    WEBAUTHN_FLAG_AT)
#define F_GET		(WEBAUTHN_FLAG_UP | WEBAUTHN_FLAG_UV)

/* An error, compared by name so that a failure reads well. */
#define expect_err(got, want) do {					\
	enum webauthn_err got_ = (got);					\
									\
	if (got_ != (want))						\
		print_message("# why: %s\n", last_why);		\
	assert_string_equal(webauthn_strerror(got_),			\
	    webauthn_strerror(want));					\
} while (0)

static const char	*last_why = "-";
static struct fixture	 fx;
static int		 have_fx;
static const char	*fx_path;
static const char	*tmpdir;

static const char	*fx_origins[1];
static struct webauthn_rp rp = { "localhost", fx_origins, 1, 1, NULL };
static struct webauthn_rp rp_nouv = { "localhost", fx_origins, 1, 0, NULL };
static struct blob	 login_chal;

static const char	*craft_origins[] = { CRAFT_ORIGIN };
static struct webauthn_rp crp = { "localhost", craft_origins, 1, 1, NULL };
/* Bytes whose base64url has both '-' and '_'. */
static uint8_t		 chal_bytes[32] = { 0xfb, 0xff, 0xbe, 0xef,
			    1, 2 };
static struct blob	 chal = { chal_bytes, sizeof(chal_bytes) };
static uint8_t		 aaguid[16] = { 0xaa, 0x9e, 0x1d, 7, 7, 7, 7, 7 };

/* Harness. */

/* The ceremony tests run only with a fixture; main sees to that. */
static void
need_fx(void)
{
	assert_true(have_fx);
}

static enum webauthn_err
do_register(const struct webauthn_rp *r, const struct blob *cd,
    const struct blob *ao, const struct blob *ch, struct webauthn_cred *cred)
{
	struct webauthn_reg	 in = { cd->p, cd->n, ao->p, ao->n,
				    ch->p, ch->n };
	struct webauthn_cred	 tmp;
	enum webauthn_err	 e;
	const char		*why;

	e = webauthn_register(r, &in, cred != NULL ? cred : &tmp, &why);
	if (e == WEBAUTHN_OK)
		assert_null(why);
	else
		assert_non_null(why);
	last_why = why != NULL ? why : "-";
	return e;
}

static enum webauthn_err
do_assert(const struct webauthn_rp *r, const struct fx_assert *a,
    const struct blob *ch, const struct webauthn_cred *cred, uint32_t count,
    struct webauthn_result *res)
{
	struct webauthn_assertion in = { a->id.p, a->id.n, a->cd.p, a->cd.n,
				    a->ad.p, a->ad.n, a->sig.p, a->sig.n,
				    ch->p, ch->n };
	struct webauthn_stored	 st = { cred->id, cred->idlen, cred->cose,
				    cred->coselen, count };
	struct webauthn_result	 tmp;
	enum webauthn_err	 e;
	const char		*why;

	e = webauthn_assert(r, &in, &st, res != NULL ? res : &tmp, &why);
	if (e == WEBAUTHN_OK)
		assert_null(why);
	else
		assert_non_null(why);
	last_why = why != NULL ? why : "-";
	return e;
}

/* Register a ceremony's credential with the real page's settings. */
static void
reg_fx(const struct fx_alg *f, struct webauthn_cred *cred)
{
	expect_err(do_register(&rp, &f->reg.cd, &f->reg.ao, &fx.reg_chal,
	    cred), WEBAUTHN_OK);
}

static void
fx_assert_free(struct fx_assert *a)
{
	blob_free(&a->id);
	blob_free(&a->cd);
	blob_free(&a->ad);
	blob_free(&a->sig);
}

/* An assertion signed with the key Chromium holds, as we choose it. */
static struct fx_assert
craft_assert(const struct fx_alg *f, const char *rp_id, uint8_t flags,
    uint32_t count, const struct blob *cd)
{
	struct authdata_spec	 s = { rp_id, flags, count, NULL,
				    NULL, NULL, NULL };
	struct fx_assert	 a;
	EVP_PKEY		*k = key_pkcs8(&f->priv);

	memset(&a, 0, sizeof(a));
	blob_add(&a.id, f->reg.id.p, f->reg.id.n);
	blob_add(&a.cd, cd->p, cd->n);
	a.ad = authdata_make(&s);
	a.sig = key_sign(k, &a.ad, &a.cd);
	EVP_PKEY_free(k);
	return a;
}

/* A registration built here: fmt, attStmt and authData as given. */
static enum webauthn_err
craft_register(const struct webauthn_rp *r, const char *fmt,
    const struct blob *stmt, const struct blob *ad, struct webauthn_cred *c)
{
	struct blob		 cd, ao;
	enum webauthn_err	 e;

	cd = clientdata_make("webauthn.create", &chal, CRAFT_ORIGIN);
	ao = attobj_make(fmt, stmt, ad);
	e = do_register(r, &cd, &ao, &chal, c);
	blob_free(&cd);
	blob_free(&ao);
	return e;
}

static struct blob
craft_ad(const char *rp_id, uint8_t flags, const struct blob *cose,
    const struct blob *ext)
{
	static uint8_t		 id[16] = { 0xa5, 0xa5, 0x5a, 0x5a };
	struct blob		 credid = { id, sizeof(id) };
	struct authdata_spec	 s = { rp_id, flags, 0, aaguid, &credid,
				    cose, ext };

	return authdata_make(&s);
}

/* A fresh key's COSE form, registered with fmt none and these flags. */
static enum webauthn_err
craft_none(const struct webauthn_rp *r, uint8_t flags, const struct blob *cose,
    const struct blob *ext)
{
	struct blob		 ad;
	enum webauthn_err	 e;

	ad = craft_ad("localhost", flags, cose, ext);
	e = craft_register(r, "none", NULL, &ad, NULL);
	blob_free(&ad);
	return e;
}

/* CBOR unit tests on crafted inputs. */

static uint8_t	 hexbuf[CBOR_MAXSIZE + 64];

static size_t
unhex(const char *s)
{
	size_t		 n = 0;
	unsigned int	 v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		assert_true(n < sizeof(hexbuf));
		hexbuf[n++] = v;
		s += 2;
	}
	return n;
}

static enum cbor_err
parse_hex(struct cbor_doc *doc, const char *hex)
{
	return wcbor_parse(doc, hexbuf, unhex(hex));
}

static void
expect_cbor(const char *hex, enum cbor_err want)
{
	struct cbor_doc	 doc;
	enum cbor_err	 got = parse_hex(&doc, hex);

	if (got != want)
		print_message("# input %s\n", hex);
	assert_string_equal(wcbor_strerror(got), wcbor_strerror(want));
}

static void
expect_int(const char *hex, enum cbor_type type, int ok, int64_t want)
{
	struct cbor_doc	 doc;
	int64_t		 v = 0;

	assert_int_equal(parse_hex(&doc, hex), CBOR_OK);
	assert_int_equal(doc.items[0].type, type);
	assert_int_equal(wcbor_get_int(&doc, 0, &v), ok ? 0 : -1);
	if (ok)
		assert_true(v == want);
}

static void
test_cbor_scalars(void **state)
{
	struct cbor_doc	 doc;

	expect_int("00", CBOR_UINT, 1, 0);
	expect_int("17", CBOR_UINT, 1, 23);
	expect_int("1818", CBOR_UINT, 1, 24);
	expect_int("190100", CBOR_UINT, 1, 256);
	expect_int("1a00010000", CBOR_UINT, 1, 65536);
	expect_int("1b0000000100000000", CBOR_UINT, 1, 1LL << 32);
	expect_int("1b7fffffffffffffff", CBOR_UINT, 1, INT64_MAX);
	expect_int("1bffffffffffffffff", CBOR_UINT, 0, 0);
	expect_int("20", CBOR_NINT, 1, -1);
	expect_int("26", CBOR_NINT, 1, -7);
	expect_int("3818", CBOR_NINT, 1, -25);
	expect_int("390100", CBOR_NINT, 1, -257);
	expect_int("3b7fffffffffffffff", CBOR_NINT, 1, INT64_MIN);
	expect_int("3bffffffffffffffff", CBOR_NINT, 0, 0);

	assert_int_equal(parse_hex(&doc, "f4"), CBOR_OK);
	assert_int_equal(doc.items[0].type, CBOR_FALSE);
	assert_int_equal(parse_hex(&doc, "f5"), CBOR_OK);
	assert_int_equal(doc.items[0].type, CBOR_TRUE);
	assert_int_equal(parse_hex(&doc, "f6"), CBOR_OK);
	assert_int_equal(doc.items[0].type, CBOR_NULL);
	assert_int_equal(wcbor_get_int(&doc, 0, &(int64_t){ 0 }), -1);
	assert_int_equal(parse_hex(&doc, "40"), CBOR_OK);
	assert_int_equal(doc.items[0].type, CBOR_BYTES);
	assert_int_equal(doc.items[0].val, 0);
	assert_int_equal(parse_hex(&doc, "63616263"), CBOR_OK);
	assert_int_equal(doc.items[0].type, CBOR_TEXT);
	assert_memory_equal(doc.items[0].ptr, "abc", 3);
	assert_int_equal(parse_hex(&doc, "80"), CBOR_OK);
	assert_int_equal(doc.nitems, 1);
	assert_int_equal(doc.items[0].next, 1);
	assert_int_equal(parse_hex(&doc, "a0"), CBOR_OK);
	assert_int_equal(doc.items[0].type, CBOR_MAP);
}

static void
test_cbor_canonical(void **state)
{
	expect_cbor("1817", CBOR_ERR_NONCANONICAL);
	expect_cbor("1900ff", CBOR_ERR_NONCANONICAL);
	expect_cbor("1a0000ffff", CBOR_ERR_NONCANONICAL);
	expect_cbor("1b00000000ffffffff", CBOR_ERR_NONCANONICAL);
	expect_cbor("3817", CBOR_ERR_NONCANONICAL);
	expect_cbor("580100", CBOR_ERR_NONCANONICAL);
	expect_cbor("780161", CBOR_ERR_NONCANONICAL);
	expect_cbor("980100", CBOR_ERR_NONCANONICAL);
	expect_cbor("b8010000", CBOR_ERR_NONCANONICAL);
	expect_cbor("1818", CBOR_OK);
	expect_cbor("190100", CBOR_OK);
}

static void
test_cbor_unsupported(void **state)
{
	static const char *const bad[] = {
		"c000", "d82440", "d9d9f700", "f90000", "fa00000000",
		"fb0000000000000000", "f7", "f0", "f820", "f8ff", "5f40ff",
		"7f60ff", "9fff", "bfff", "ff", "1c", "1d", "1e", "1f", "3f",
		"5c", "9c", "bc",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_cbor(bad[i], CBOR_ERR_UNSUPPORTED);
	/* Inside containers as well. */
	expect_cbor("8201f93c00", CBOR_ERR_UNSUPPORTED);
	expect_cbor("a101c100", CBOR_ERR_UNSUPPORTED);
}

static void
test_cbor_truncated(void **state)
{
	static const char *const bad[] = {
		"", "18", "1900", "1a000000", "1b00000000000000", "4200",
		"6261", "8201", "a101", "a2010203", "5bffffffffffffffff",
		"7a00010000", "9818", "81", "a1",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_cbor(bad[i], CBOR_ERR_TRUNCATED);
}

static void
test_cbor_trailing(void **state)
{
	struct cbor_doc	 doc;
	size_t		 used = 0, n;

	expect_cbor("0102", CBOR_ERR_TRAILING);
	expect_cbor("a000", CBOR_ERR_TRAILING);
	expect_cbor("8101ff", CBOR_ERR_TRAILING);
	expect_cbor("4100", CBOR_OK);
	n = unhex("82010203");
	assert_int_equal(wcbor_parse_prefix(&doc, hexbuf, n, &used), CBOR_OK);
	assert_int_equal(used, 3);
	assert_int_equal(doc.len, 3);
	assert_int_equal(doc.items[0].end, 3);
}

/* n nested one-element arrays around a 0. */
static size_t
nest(size_t n, uint8_t head)
{
	size_t		 i;

	assert_true(n + 2 < sizeof(hexbuf));
	for (i = 0; i < n; i++)
		hexbuf[i] = head;
	hexbuf[n] = 0x00;
	return n + 1;
}

static void
test_cbor_depth(void **state)
{
	struct cbor_doc	 doc;
	size_t		 n;

	n = nest(CBOR_MAXDEPTH, 0x81);
	assert_int_equal(wcbor_parse(&doc, hexbuf, n), CBOR_OK);
	assert_int_equal(doc.nitems, CBOR_MAXDEPTH + 1);
	assert_int_equal(doc.items[0].end, n);
	n = nest(CBOR_MAXDEPTH + 1, 0x81);
	assert_int_equal(wcbor_parse(&doc, hexbuf, n), CBOR_ERR_DEPTH);
	/* A long chain of opens fails at the bound, not at the stack. */
	n = nest(CBOR_MAXSIZE - 1, 0x81);
	assert_int_equal(wcbor_parse(&doc, hexbuf, n), CBOR_ERR_DEPTH);
	/* Maps nest too: {1: {1: ... 0}}. */
	expect_cbor("a101a101a101a101a101a101a101a10100", CBOR_OK);
	expect_cbor("a101a101a101a101a101a101a101a101a10100", CBOR_ERR_DEPTH);
	/* Depth counts open containers, not items already closed. */
	expect_cbor("888080808080808080", CBOR_OK);
}

static void
test_cbor_items(void **state)
{
	struct cbor_doc	 doc;
	size_t		 n;

	/* An array of 127 zeros: 128 items. */
	hexbuf[0] = 0x98;
	hexbuf[1] = 127;
	memset(hexbuf + 2, 0, 127);
	assert_int_equal(wcbor_parse(&doc, hexbuf, 129), CBOR_OK);
	assert_int_equal(doc.nitems, CBOR_MAXITEMS);
	hexbuf[1] = 128;
	memset(hexbuf + 2, 0, 128);
	assert_int_equal(wcbor_parse(&doc, hexbuf, 130), CBOR_ERR_ITEMS);
	/* Counts that no input of this size could hold. */
	expect_cbor("9affffffff", CBOR_ERR_ITEMS);
	expect_cbor("9bffffffffffffffff", CBOR_ERR_ITEMS);
	expect_cbor("bbffffffffffffffff", CBOR_ERR_ITEMS);
	expect_cbor("bb8000000000000000", CBOR_ERR_ITEMS);
	/* A map of 64 entries is 129 items. */
	hexbuf[0] = 0xb8;
	hexbuf[1] = 64;
	for (n = 0; n < 64; n++) {
		hexbuf[2 + 2 * n] = n < 24 ? n : 0x20 + n - 24;
		hexbuf[3 + 2 * n] = 0;
	}
	assert_int_equal(wcbor_parse(&doc, hexbuf, 130), CBOR_ERR_ITEMS);
	/* Items add up across containers. */
	hexbuf[0] = 0x82;
	hexbuf[1] = 0x98;
	hexbuf[2] = 126;
	memset(hexbuf + 3, 0, 127);
	assert_int_equal(wcbor_parse(&doc, hexbuf, 130), CBOR_ERR_ITEMS);
}

static void
test_cbor_size(void **state)
{
	struct cbor_doc	 doc;
	size_t		 body;

	/* A byte string of 3 header bytes and the rest: whole input. */
	body = CBOR_MAXSIZE - 3;
	hexbuf[0] = 0x59;
	hexbuf[1] = body >> 8;
	hexbuf[2] = body;
	memset(hexbuf + 3, 0x61, body + 1);
	assert_int_equal(wcbor_parse(&doc, hexbuf, CBOR_MAXSIZE), CBOR_OK);
	assert_int_equal(doc.items[0].val, body);
	body++;
	hexbuf[1] = body >> 8;
	hexbuf[2] = body;
	assert_int_equal(wcbor_parse(&doc, hexbuf, CBOR_MAXSIZE + 1),
	    CBOR_ERR_SIZE);
}

static void
test_cbor_keys(void **state)
{
	expect_cbor("a2 0100 0100", CBOR_ERR_DUPKEY);
	expect_cbor("a3010002000100", CBOR_ERR_DUPKEY);
	expect_cbor("a2616100616101", CBOR_ERR_DUPKEY);
	expect_cbor("a2 2000 2000", CBOR_ERR_DUPKEY);
	expect_cbor("a1 01 a2 0200 0200", CBOR_ERR_DUPKEY);
	expect_cbor("a3 0100 2100 616100", CBOR_OK);
	expect_cbor("a201002000", CBOR_OK);
	expect_cbor("a261610062616100", CBOR_OK);
	/* Only integers and text strings may be keys. */
	expect_cbor("a1410000", CBOR_ERR_KEY);
	expect_cbor("a18000", CBOR_ERR_KEY);
	expect_cbor("a1a000", CBOR_ERR_KEY);
	expect_cbor("a1f500", CBOR_ERR_KEY);
	expect_cbor("a1f600", CBOR_ERR_KEY);
	expect_cbor("a2 0100 4100 00", CBOR_ERR_KEY);
	/* Values may be anything. */
	expect_cbor("a2 0180 024100", CBOR_OK);
}

static void
test_cbor_utf8(void **state)
{
	expect_cbor("62c3a9", CBOR_OK);
	expect_cbor("63e282ac", CBOR_OK);
	expect_cbor("64f09f9880", CBOR_OK);
	expect_cbor("64f48fbfbf", CBOR_OK);
	expect_cbor("6180", CBOR_ERR_UTF8);
	expect_cbor("62c080", CBOR_ERR_UTF8);
	expect_cbor("62c1bf", CBOR_ERR_UTF8);
	expect_cbor("63e08080", CBOR_ERR_UTF8);
	expect_cbor("63eda080", CBOR_ERR_UTF8);
	expect_cbor("64f0808080", CBOR_ERR_UTF8);
	expect_cbor("64f4908080", CBOR_ERR_UTF8);
	expect_cbor("62e282", CBOR_ERR_UTF8);
	expect_cbor("61ff", CBOR_ERR_UTF8);
	/* Byte strings are not text. */
	expect_cbor("42c080", CBOR_OK);
}

static void
test_cbor_lookup(void **state)
{
	struct cbor_doc	 doc;
	int64_t		 v;
	int		 i, a, m;

	/* {1: 2, 3: -7, "x": [1, 2, {5: 6}], -2: h'0102'} */
	assert_int_equal(parse_hex(&doc,
	    "a4 0102 0326 6178 830102a10506 21420102"), CBOR_OK);
	assert_int_equal(doc.items[0].next, doc.nitems);
	assert_int_equal(doc.items[0].end, doc.len);
	i = wcbor_map_int(&doc, 0, 1);
	assert_int_equal(wcbor_get_int(&doc, i, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(wcbor_get_int(&doc, wcbor_map_int(&doc, 0, 3), &v), 0);
	assert_int_equal(v, -7);
	a = wcbor_map_text(&doc, 0, "x");
	assert_int_equal(doc.items[a].type, CBOR_ARRAY);
	m = wcbor_child(&doc, a, 2);
	assert_int_equal(doc.items[m].type, CBOR_MAP);
	assert_int_equal(wcbor_get_int(&doc, wcbor_map_int(&doc, m, 5), &v), 0);
	assert_int_equal(v, 6);
	i = wcbor_map_int(&doc, 0, -2);
	assert_int_equal(doc.items[i].type, CBOR_BYTES);
	assert_int_equal(doc.items[i].val, 2);
	assert_memory_equal(doc.items[i].ptr, "\x01\x02", 2);
	/* Misses. */
	assert_int_equal(wcbor_map_int(&doc, 0, 5), -1);
	assert_int_equal(wcbor_map_int(&doc, 0, -1), -1);
	assert_int_equal(wcbor_map_text(&doc, 0, "y"), -1);
	assert_int_equal(wcbor_map_text(&doc, 0, "xx"), -1);
	assert_int_equal(wcbor_map_int(&doc, a, 0), -1);
	assert_int_equal(wcbor_map_int(&doc, 99, 0), -1);
	assert_int_equal(wcbor_map_int(&doc, -1, 0), -1);
	assert_int_equal(wcbor_child(&doc, a, 3), -1);
	assert_int_equal(wcbor_child(&doc, i, 0), -1);
	assert_int_equal(wcbor_child(&doc, 0, 7), wcbor_map_int(&doc, 0, -2));
	assert_int_equal(wcbor_child(&doc, 0, 8), -1);
	assert_int_equal(wcbor_get_int(&doc, a, &v), -1);
}

/* The login challenge construction, against OpenSSL and against Node. */
static void
test_login_challenge(void **state)
{
	static const char	 label[] = "pccx-remote webauthn login v1";
	uint8_t			 nonce[32], pk[32], got[32], want[32];
	EVP_MD_CTX		*ctx;

	memset(nonce, 0x11, sizeof(nonce));
	memset(pk, 0x22, sizeof(pk));
	ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, label, 29), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, nonce, 32), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, pk, 32), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, want, NULL), 1);
	EVP_MD_CTX_free(ctx);
	webauthn_login_challenge(nonce, pk, got);
	assert_memory_equal(got, want, 32);
	pk[31] ^= 1;
	webauthn_login_challenge(nonce, pk, got);
	assert_memory_not_equal(got, want, 32);
}

/* What Node computed for the ceremony, from the same nonce and key. */
static void
test_login_challenge_node(void **state)
{
	need_fx();
	assert_int_equal(fx.login_chal.n, 32);
	assert_memory_equal(login_chal.p, fx.login_chal.p, 32);
}

static void
test_strerror(void **state)
{
	const char	*names[WEBAUTHN_ERR_INTERNAL + 1];
	int		 i, j;

	for (i = 0; i <= WEBAUTHN_ERR_INTERNAL; i++) {
		names[i] = webauthn_strerror(i);
		assert_string_not_equal(names[i], "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(names[i], names[j]);
	}
	assert_string_equal(webauthn_strerror(WEBAUTHN_ERR_INTERNAL + 1),
	    "unknown");
	assert_string_equal(webauthn_strerror(WEBAUTHN_ERR_BAD_ORIGIN),
	    "bad_origin");
	assert_string_equal(webauthn_strerror(WEBAUTHN_ERR_COUNTER_REGRESSED),
	    "counter_regressed");
	assert_string_equal(webauthn_att_name(WEBAUTHN_ATT_BASIC_UNTRUSTED),
	    "basic, untrusted chain");
}

/* Real ceremonies from Chromium's virtual authenticator. */

static void
check_ceremony(const struct fx_alg *f, int alg)
{
	struct webauthn_cred	 cred;
	struct webauthn_result	 res;
	EVP_PKEY		*pk;
	uint32_t		 c0;

	need_fx();
	reg_fx(f, &cred);
	assert_int_equal(cred.alg, alg);
	assert_int_equal(cred.pklen, alg == WEBAUTHN_ALG_ES256 ? 64 : 32);
	assert_int_equal(cred.att, WEBAUTHN_ATT_NONE);
	assert_int_equal(cred.idlen, f->reg.id.n);
	assert_memory_equal(cred.id, f->reg.id.p, cred.idlen);
	assert_int_equal(cred.flags & F_REG, F_REG);
	assert_true(cred.coselen > 0);
	pk = webauthn_cose_pkey(cred.cose, cred.coselen);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_base_id(pk), alg == WEBAUTHN_ALG_ES256 ?
	    EVP_PKEY_EC : EVP_PKEY_ED25519);
	EVP_PKEY_free(pk);

	expect_err(do_assert(&rp, &f->a[0], &login_chal, &cred,
	    cred.sign_count, &res), WEBAUTHN_OK);
	assert_int_equal(res.flags & F_GET, F_GET);
	assert_true(res.sign_count > cred.sign_count);
	c0 = res.sign_count;
	expect_err(do_assert(&rp, &f->a[1], &login_chal, &cred, c0, &res),
	    WEBAUTHN_OK);
	assert_true(res.sign_count > c0);
}

static void
test_ceremony_es256(void **state)
{
	check_ceremony(&fx.es256, WEBAUTHN_ALG_ES256);
}

static void
test_ceremony_eddsa(void **state)
{
	check_ceremony(&fx.eddsa, WEBAUTHN_ALG_EDDSA);
}

static void
check_counter(const struct fx_alg *f)
{
	struct webauthn_cred	 cred;
	struct webauthn_result	 res;
	struct fx_assert	 z;
	uint32_t		 c0, c1;

	reg_fx(f, &cred);
	expect_err(do_assert(&rp, &f->a[0], &login_chal, &cred, 0, &res),
	    WEBAUTHN_OK);
	c0 = res.sign_count;
	expect_err(do_assert(&rp, &f->a[1], &login_chal, &cred, 0, &res),
	    WEBAUTHN_OK);
	c1 = res.sign_count;
	/* Going back, and staying put, are both refused. */
	expect_err(do_assert(&rp, &f->a[0], &login_chal, &cred, c1, NULL),
	    WEBAUTHN_ERR_COUNTER_REGRESSED);
	expect_err(do_assert(&rp, &f->a[1], &login_chal, &cred, c1, NULL),
	    WEBAUTHN_ERR_COUNTER_REGRESSED);
	expect_err(do_assert(&rp, &f->a[0], &login_chal, &cred, c0, NULL),
	    WEBAUTHN_ERR_COUNTER_REGRESSED);
	expect_err(do_assert(&rp, &f->a[0], &login_chal, &cred, UINT32_MAX,
	    NULL), WEBAUTHN_ERR_COUNTER_REGRESSED);

	/* An authenticator that always says 0 passes; 0 after 5 does not. */
	z = craft_assert(f, "localhost", F_GET, 0, &f->a[0].cd);
	expect_err(do_assert(&rp, &z, &login_chal, &cred, 0, &res),
	    WEBAUTHN_OK);
	assert_int_equal(res.sign_count, 0);
	expect_err(do_assert(&rp, &z, &login_chal, &cred, 5, NULL),
	    WEBAUTHN_ERR_COUNTER_REGRESSED);
	fx_assert_free(&z);
	z = craft_assert(f, "localhost", F_GET, 7, &f->a[0].cd);
	expect_err(do_assert(&rp, &z, &login_chal, &cred, 0, &res),
	    WEBAUTHN_OK);
	assert_int_equal(res.sign_count, 7);
	expect_err(do_assert(&rp, &z, &login_chal, &cred, 6, NULL),
	    WEBAUTHN_OK);
	expect_err(do_assert(&rp, &z, &login_chal, &cred, 7, NULL),
	    WEBAUTHN_ERR_COUNTER_REGRESSED);
	fx_assert_free(&z);
}

static void
test_counter(void **state)
{
	need_fx();
	check_counter(&fx.es256);
	check_counter(&fx.eddsa);
}

static void
test_uv(void **state)
{
	struct webauthn_cred	 cred;
	struct webauthn_result	 res;

	need_fx();
	reg_fx(&fx.es256, &cred);
	/* Chromium's assertion with isUserVerified false. */
	expect_err(do_assert(&rp, &fx.es256.nouv, &login_chal, &cred, 0,
	    NULL), WEBAUTHN_ERR_UV_MISSING);
	expect_err(do_assert(&rp_nouv, &fx.es256.nouv, &login_chal, &cred, 0,
	    &res), WEBAUTHN_OK);
	assert_int_equal(res.flags & WEBAUTHN_FLAG_UV, 0);
	assert_int_equal(res.flags & WEBAUTHN_FLAG_UP, WEBAUTHN_FLAG_UP);
	reg_fx(&fx.eddsa, &cred);
	expect_err(do_assert(&rp, &fx.eddsa.nouv, &login_chal, &cred, 0,
	    NULL), WEBAUTHN_ERR_UV_MISSING);
	expect_err(do_assert(&rp_nouv, &fx.eddsa.nouv, &login_chal, &cred, 0,
	    NULL), WEBAUTHN_OK);
}

/* libfido2 alone on an assertion, with UP demanded or not. */
static int
fido_alone(const struct webauthn_cred *cred, const struct fx_assert *a,
    fido_opt_t up)
{
	fido_assert_t	*fa;
	es256_pk_t	*pk;
	uint8_t		 cdh[32];
	int		 r;

	assert_int_equal(EVP_Digest(a->cd.p, a->cd.n, cdh, NULL, EVP_sha256(),
	    NULL), 1);
	fa = fido_assert_new();
	pk = es256_pk_new();
	assert_non_null(fa);
	assert_non_null(pk);
	assert_int_equal(es256_pk_from_ptr(pk, cred->pk, cred->pklen),
	    FIDO_OK);
	assert_int_equal(fido_assert_set_rp(fa, "localhost"), FIDO_OK);
	assert_int_equal(fido_assert_set_clientdata_hash(fa, cdh, 32), FIDO_OK);
	assert_int_equal(fido_assert_set_count(fa, 1), FIDO_OK);
	assert_int_equal(fido_assert_set_authdata_raw(fa, 0, a->ad.p, a->ad.n),
	    FIDO_OK);
	assert_int_equal(fido_assert_set_sig(fa, 0, a->sig.p, a->sig.n),
	    FIDO_OK);
	assert_int_equal(fido_assert_set_up(fa, up), FIDO_OK);
	r = fido_assert_verify(fa, 0, COSE_ES256, pk);
	es256_pk_free(&pk);
	fido_assert_free(&fa);
	return r;
}

/*
 * Chromium's virtual authenticator never answers with UP=0: with its
 * automatic presence simulation off, get() waits for a touch that does
 * not come.  So UP=0 is made here two ways: the flag cleared on a
 * real assertion (its signature no longer verifies, yet the UP check
 * answers first), and an assertion signed with UP=0 by the key that
 * Chromium holds (a good signature, which libfido2 accepts unless told
 * to demand UP).
 */
static void
test_up(void **state)
{
	struct webauthn_cred	 cred;
	struct fx_assert	 a, flip;

	need_fx();
	reg_fx(&fx.es256, &cred);
	flip = fx.es256.a[0];
	flip.ad = blob_flip(&fx.es256.a[0].ad, 32, WEBAUTHN_FLAG_UP);
	expect_err(do_assert(&rp, &flip, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_UP_MISSING);
	expect_err(do_assert(&rp_nouv, &flip, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_UP_MISSING);
	assert_int_equal(fido_alone(&cred, &flip, FIDO_OPT_OMIT),
	    FIDO_ERR_INVALID_SIG);
	blob_free(&flip.ad);

	a = craft_assert(&fx.es256, "localhost", WEBAUTHN_FLAG_UV, 100,
	    &fx.es256.a[0].cd);
	expect_err(do_assert(&rp, &a, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_UP_MISSING);
	expect_err(do_assert(&rp_nouv, &a, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_UP_MISSING);
	assert_int_equal(fido_alone(&cred, &a, FIDO_OPT_OMIT), FIDO_OK);
	assert_int_equal(fido_alone(&cred, &a, FIDO_OPT_TRUE),
	    FIDO_ERR_INVALID_PARAM);
	fx_assert_free(&a);
	/* The same crafting with UP set passes: the check is the flag. */
	a = craft_assert(&fx.es256, "localhost", F_GET, 100,
	    &fx.es256.a[0].cd);
	expect_err(do_assert(&rp, &a, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_OK);
	fx_assert_free(&a);
}

static void
test_rpid(void **state)
{
	static const char *const ids[] = { "evil-localhost", "host",
	    "calhost", "localhost.", "LOCALHOST", "localhost.evil",
	    "evil.localhost", "localhos" };
	struct webauthn_rp	 r = rp;
	struct webauthn_cred	 cred;
	struct fx_assert	 a;
	const char		*both[2];
	size_t			 i;

	need_fx();
	reg_fx(&fx.es256, &cred);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		r.rp_id = ids[i];
		expect_err(do_register(&r, &fx.es256.reg.cd, &fx.es256.reg.ao,
		    &fx.reg_chal, NULL), WEBAUTHN_ERR_BAD_RPID);
		expect_err(do_assert(&r, &fx.es256.a[0], &login_chal, &cred,
		    0, NULL), WEBAUTHN_ERR_BAD_RPID);
	}
	/* A signed rpIdHash of another rp id, checked before libfido2. */
	a = craft_assert(&fx.es256, "evil-localhost", F_GET, 100,
	    &fx.es256.a[0].cd);
	expect_err(do_assert(&rp, &a, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_RPID);
	fx_assert_free(&a);

	/* The real ceremony of http://evil.localhost, rp id evil.localhost. */
	both[0] = fx.origin;
	both[1] = fx.sub_origin;
	r = rp;
	r.origins = both;
	r.norigins = 2;
	expect_err(do_register(&r, &fx.sub_reg.cd, &fx.sub_reg.ao,
	    &fx.reg_chal, &cred), WEBAUTHN_ERR_BAD_RPID);
	r.rp_id = fx.sub_rp_id;
	expect_err(do_register(&r, &fx.sub_reg.cd, &fx.sub_reg.ao,
	    &fx.reg_chal, &cred), WEBAUTHN_OK);
	expect_err(do_assert(&r, &fx.sub_assert, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_OK);
	r.rp_id = "localhost";
	expect_err(do_assert(&r, &fx.sub_assert, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_RPID);
}

static void
test_origin(void **state)
{
	char			 near[8][300];
	const char		*list[8];
	struct webauthn_rp	 r = rp;
	struct webauthn_cred	 cred, subcred;
	struct fx_assert	 a;
	struct blob		 cd;
	const char		*sub = fx.sub_origin;
	size_t			 i, n = 0;
	const char		*hostport = fx.origin + strlen("http://");

	need_fx();
	snprintf(near[n++], sizeof(near[0]), "%s.evil", fx.origin);
	snprintf(near[n++], sizeof(near[0]), "http://evil.%.200s", hostport);
	snprintf(near[n++], sizeof(near[0]), "%s/", fx.origin);
	snprintf(near[n++], sizeof(near[0]), "%s0", fx.origin);
	snprintf(near[n++], sizeof(near[0]), "https://%.200s", hostport);
	snprintf(near[n++], sizeof(near[0]), "HTTP://%.200s", hostport);
	snprintf(near[n++], sizeof(near[0]), "http://localhost");
	snprintf(near[n++], sizeof(near[0]), "%.*s", (int)strlen(fx.origin) - 1,
	    fx.origin);

	/* fmt none signs nothing: only the origin differs here. */
	for (i = 0; i < n; i++) {
		cd = clientdata_make("webauthn.create", &fx.reg_chal, near[i]);
		expect_err(do_register(&rp, &cd, &fx.es256.reg.ao,
		    &fx.reg_chal, NULL), WEBAUTHN_ERR_BAD_ORIGIN);
		blob_free(&cd);
		list[i] = near[i];
	}
	cd = clientdata_make("webauthn.create", &fx.reg_chal, fx.origin);
	expect_err(do_register(&rp, &cd, &fx.es256.reg.ao, &fx.reg_chal,
	    NULL), WEBAUTHN_OK);
	blob_free(&cd);

	/* Real bytes against an allow-list of near misses only. */
	r.origins = list;
	r.norigins = n;
	reg_fx(&fx.es256, &cred);
	expect_err(do_register(&r, &fx.es256.reg.cd, &fx.es256.reg.ao,
	    &fx.reg_chal, NULL), WEBAUTHN_ERR_BAD_ORIGIN);
	expect_err(do_assert(&r, &fx.es256.a[0], &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_ORIGIN);
	r.norigins = 0;
	expect_err(do_assert(&r, &fx.es256.a[0], &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_ORIGIN);

	/* The real page at http://evil.localhost:PORT. */
	expect_err(do_register(&rp, &fx.sub_reg.cd, &fx.sub_reg.ao,
	    &fx.reg_chal, NULL), WEBAUTHN_ERR_BAD_ORIGIN);
	r.rp_id = fx.sub_rp_id;
	r.origins = &sub;
	r.norigins = 1;
	expect_err(do_register(&r, &fx.sub_reg.cd, &fx.sub_reg.ao,
	    &fx.reg_chal, &subcred), WEBAUTHN_OK);
	r.origins = fx_origins;
	expect_err(do_assert(&r, &fx.sub_assert, &login_chal, &subcred, 0,
	    NULL), WEBAUTHN_ERR_BAD_ORIGIN);

	/* An assertion whose clientData claims a suffix-sharing origin. */
	cd = clientdata_make("webauthn.get", &login_chal, near[1]);
	a = craft_assert(&fx.es256, "localhost", F_GET, 100, &cd);
	expect_err(do_assert(&rp, &a, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_ORIGIN);
	fx_assert_free(&a);
	blob_free(&cd);
}

static void
test_type(void **state)
{
	struct webauthn_cred	 cred;
	struct fx_assert	 a;
	struct blob		 cd;

	need_fx();
	reg_fx(&fx.es256, &cred);
	/* Each ceremony's real clientData in the other's place. */
	expect_err(do_register(&rp, &fx.es256.a[0].cd, &fx.es256.reg.ao,
	    &login_chal, NULL), WEBAUTHN_ERR_BAD_TYPE);
	a = fx.es256.a[0];
	a.cd = fx.es256.reg.cd;
	expect_err(do_assert(&rp, &a, &fx.reg_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_TYPE);

	cd = clientdata_make("payment.get", &login_chal, fx.origin);
	a = craft_assert(&fx.es256, "localhost", F_GET, 100, &cd);
	expect_err(do_assert(&rp, &a, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_TYPE);
	fx_assert_free(&a);
	blob_free(&cd);
	cd = clientdata_make("webauthn.get ", &login_chal, fx.origin);
	a = craft_assert(&fx.es256, "localhost", F_GET, 100, &cd);
	expect_err(do_assert(&rp, &a, &login_chal, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_TYPE);
	fx_assert_free(&a);
	blob_free(&cd);
}

static void
test_challenge(void **state)
{
	struct webauthn_cred	 cred;
	struct blob		 c = { NULL, 0 };
	uint8_t			 pk[32], other[32];

	need_fx();
	reg_fx(&fx.es256, &cred);
	expect_err(do_register(&rp, &fx.es256.reg.cd, &fx.es256.reg.ao,
	    &login_chal, NULL), WEBAUTHN_ERR_BAD_CHALLENGE);
	expect_err(do_assert(&rp, &fx.es256.a[0], &fx.reg_chal, &cred, 0,
	    NULL), WEBAUTHN_ERR_BAD_CHALLENGE);

	/* Another login key gives another challenge. */
	memcpy(pk, fx.login_pk.p, 32);
	pk[0] ^= 0x80;
	webauthn_login_challenge(fx.nonce.p, pk, other);
	c.p = other;
	c.n = 32;
	expect_err(do_assert(&rp, &fx.es256.a[0], &c, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_CHALLENGE);
	/* A prefix of the right one. */
	c.p = login_chal.p;
	c.n = 31;
	expect_err(do_assert(&rp, &fx.es256.a[0], &c, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_CHALLENGE);
	c.n = 15;
	expect_err(do_assert(&rp, &fx.es256.a[0], &c, &cred, 0, NULL),
	    WEBAUTHN_ERR_BAD_INPUT);
}

static void
test_signature(void **state)
{
	struct webauthn_cred	 es, ed;
	struct fx_assert	 a;

	need_fx();
	reg_fx(&fx.es256, &es);
	reg_fx(&fx.eddsa, &ed);

	a = fx.es256.a[0];
	a.sig = blob_flip(&fx.es256.a[0].sig, -1, 0x01);
	expect_err(do_assert(&rp, &a, &login_chal, &es, 0, NULL),
	    WEBAUTHN_ERR_BAD_SIGNATURE);
	blob_free(&a.sig);
	a = fx.eddsa.a[0];
	a.sig = blob_flip(&fx.eddsa.a[0].sig, 10, 0x40);
	expect_err(do_assert(&rp, &a, &login_chal, &ed, 0, NULL),
	    WEBAUTHN_ERR_BAD_SIGNATURE);
	blob_free(&a.sig);

	/* The counter raised by hand. */
	a = fx.es256.a[0];
	a.ad = blob_flip(&fx.es256.a[0].ad, 33, 0x10);
	expect_err(do_assert(&rp, &a, &login_chal, &es, 0, NULL),
	    WEBAUTHN_ERR_BAD_SIGNATURE);
	blob_free(&a.ad);
	/* clientData that reads the same but hashes differently. */
	a = fx.eddsa.a[0];
	a.cd.p = NULL;
	a.cd.n = 0;
	blob_add(&a.cd, fx.eddsa.a[0].cd.p, fx.eddsa.a[0].cd.n);
	blob_add(&a.cd, " ", 1);
	expect_err(do_assert(&rp, &a, &login_chal, &ed, 0, NULL),
	    WEBAUTHN_ERR_BAD_SIGNATURE);
	blob_free(&a.cd);
	/* The other credential's key under this credential's id. */
	memcpy(ed.id, es.id, es.idlen);
	ed.idlen = es.idlen;
	expect_err(do_assert(&rp, &fx.es256.a[0], &login_chal, &ed, 0, NULL),
	    WEBAUTHN_ERR_BAD_SIGNATURE);
}

static void
test_credid(void **state)
{
	struct webauthn_cred	 es, ed;
	struct fx_assert	 a;

	need_fx();
	reg_fx(&fx.es256, &es);
	reg_fx(&fx.eddsa, &ed);
	expect_err(do_assert(&rp, &fx.es256.a[0], &login_chal, &ed, 0, NULL),
	    WEBAUTHN_ERR_BAD_CREDID);
	a = fx.es256.a[0];
	a.id = blob_flip(&fx.es256.a[0].id, -1, 0x01);
	expect_err(do_assert(&rp, &a, &login_chal, &es, 0, NULL),
	    WEBAUTHN_ERR_BAD_CREDID);
	blob_free(&a.id);
	a = fx.es256.a[0];
	a.id.n--;
	expect_err(do_assert(&rp, &a, &login_chal, &es, 0, NULL),
	    WEBAUTHN_ERR_BAD_CREDID);
}

/* A copy of the authData inside an attestation object. */
static struct blob
authdata_of(const struct blob *ao)
{
	struct cbor_doc	 doc;
	struct blob	 b = { NULL, 0 };
	int		 i;

	assert_int_equal(wcbor_parse(&doc, ao->p, ao->n), CBOR_OK);
	i = wcbor_map_text(&doc, 0, "authData");
	assert_true(i > 0);
	blob_add(&b, doc.items[i].ptr, doc.items[i].val);
	return b;
}

/* The attestation object changed, always to bad CBOR. */
static void
test_reg_cbor(void **state)
{
	struct blob	 ao = { NULL, 0 }, st = { NULL, 0 }, *real, ad;
	uint8_t		 pad[17000];
	size_t		 i;
	int		 d;

	need_fx();
	real = &fx.es256.reg.ao;
	ad = authdata_of(real);
	ao.p = real->p;
	ao.n = real->n - 1;
	expect_err(do_register(&rp, &fx.es256.reg.cd, &ao, &fx.reg_chal, NULL),
	    WEBAUTHN_ERR_BAD_CBOR);
	ao.p = NULL;
	ao.n = 0;
	blob_add(&ao, real->p, real->n);
	blob_add(&ao, "", 1);
	expect_err(do_register(&rp, &fx.es256.reg.cd, &ao, &fx.reg_chal, NULL),
	    WEBAUTHN_ERR_BAD_CBOR);
	blob_free(&ao);

	/* attStmt {"x": [[...[0]...]]}: the limit, then one more. */
	for (d = CBOR_MAXDEPTH - 2; d <= CBOR_MAXDEPTH - 1; d++) {
		cb_head(&st, 5, 1);
		cb_text(&st, "x");
		for (i = 0; i < (size_t)d; i++)
			cb_head(&st, 4, 1);
		cb_int(&st, 0);
		ao = attobj_make("none", &st, &ad);
		expect_err(do_register(&rp, &fx.es256.reg.cd, &ao,
		    &fx.reg_chal, NULL), d == CBOR_MAXDEPTH - 2 ?
		    WEBAUTHN_ERR_BAD_ATTESTATION : WEBAUTHN_ERR_BAD_CBOR);
		blob_free(&st);
		blob_free(&ao);
	}

	/* Over 16 KiB; a little under gets as far as the attStmt check. */
	memset(pad, 0, sizeof(pad));
	for (d = 0; d < 2; d++) {
		cb_head(&st, 5, 1);
		cb_text(&st, "pad");
		cb_bytes(&st, pad, d == 0 ? 15000 : sizeof(pad));
		ao = attobj_make("none", &st, &ad);
		expect_err(do_register(&rp, &fx.es256.reg.cd, &ao,
		    &fx.reg_chal, NULL), d == 0 ?
		    WEBAUTHN_ERR_BAD_ATTESTATION : WEBAUTHN_ERR_BAD_CBOR);
		blob_free(&st);
		blob_free(&ao);
	}

	/* Two "fmt" keys. */
	cb_head(&ao, 5, 3);
	cb_text(&ao, "fmt");
	cb_text(&ao, "none");
	cb_text(&ao, "fmt");
	cb_text(&ao, "none");
	cb_text(&ao, "authData");
	cb_bytes(&ao, ad.p, ad.n);
	expect_err(do_register(&rp, &fx.es256.reg.cd, &ao, &fx.reg_chal, NULL),
	    WEBAUTHN_ERR_BAD_CBOR);
	blob_free(&ao);
	blob_free(&ad);
	/* A tag in front. */
	cb_head(&ao, 6, 24);
	blob_add(&ao, real->p, real->n);
	expect_err(do_register(&rp, &fx.es256.reg.cd, &ao, &fx.reg_chal, NULL),
	    WEBAUTHN_ERR_BAD_CBOR);
	blob_free(&ao);
}

/* The first certificate of a packed x5c, from our own parser. */
static X509 *
packed_leaf(const struct blob *ao)
{
	struct cbor_doc		 doc;
	const unsigned char	*p;
	int			 st, x5c, c;

	assert_int_equal(wcbor_parse(&doc, ao->p, ao->n), CBOR_OK);
	st = wcbor_map_text(&doc, 0, "attStmt");
	x5c = wcbor_map_text(&doc, st, "x5c");
	c = wcbor_child(&doc, x5c, 0);
	assert_true(c > 0);
	p = doc.items[c].ptr;
	return d2i_X509(NULL, &p, doc.items[c].val);
}

static void
test_packed_chromium(void **state)
{
	struct webauthn_rp	 r = rp;
	struct webauthn_cred	 cred;
	struct cbor_doc		 doc;
	struct blob		 ao;
	char			 path[512];
	X509			*leaf, *other;
	EVP_PKEY		*k;
	FILE			*f;
	int			 sig;

	need_fx();
	expect_err(do_register(&r, &fx.packed.cd, &fx.packed.ao, &fx.reg_chal,
	    &cred), WEBAUTHN_OK);
	assert_int_equal(cred.att, WEBAUTHN_ATT_BASIC_UNTRUSTED);
	assert_int_equal(cred.alg, WEBAUTHN_ALG_ES256);

	/* Chromium's batch certificate as the one anchor, from a file. */
	leaf = packed_leaf(&fx.packed.ao);
	assert_non_null(leaf);
	snprintf(path, sizeof(path), "%s/anchors.pem", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, leaf), 1);
	assert_int_equal(fclose(f), 0);
	X509_free(leaf);
	r.anchors = webauthn_anchors_load(path);
	assert_non_null(r.anchors);
	expect_err(do_register(&r, &fx.packed.cd, &fx.packed.ao, &fx.reg_chal,
	    &cred), WEBAUTHN_OK);
	assert_int_equal(cred.att, WEBAUTHN_ATT_BASIC);
	X509_STORE_free(r.anchors);
	snprintf(path, sizeof(path), "%s/none.pem", tmpdir);
	assert_null(webauthn_anchors_load(path));

	/* Some other root. */
	k = key_new(WEBAUTHN_ALG_ES256);
	other = cert_make(&(struct cert_spec){ k, k, NULL, "Root", 1,
	    X509_VERSION_3, NULL });
	r.anchors = X509_STORE_new();
	assert_int_equal(X509_STORE_add_cert(r.anchors, other), 1);
	expect_err(do_register(&r, &fx.packed.cd, &fx.packed.ao, &fx.reg_chal,
	    &cred), WEBAUTHN_ERR_UNTRUSTED);
	X509_STORE_free(r.anchors);
	X509_free(other);
	EVP_PKEY_free(k);

	/* The attestation signature touched. */
	assert_int_equal(wcbor_parse(&doc, fx.packed.ao.p, fx.packed.ao.n),
	    CBOR_OK);
	sig = wcbor_map_text(&doc, wcbor_map_text(&doc, 0, "attStmt"), "sig");
	assert_true(sig > 0);
	ao = blob_flip(&fx.packed.ao, doc.items[sig].ptr - fx.packed.ao.p +
	    doc.items[sig].val - 1, 0x01);
	expect_err(do_register(&rp, &fx.packed.cd, &ao, &fx.reg_chal, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);
	blob_free(&ao);
}

/* Crafted registrations: no browser needed. */

static void
check_self(int alg)
{
	struct webauthn_cred	 cred;
	struct blob		 cose, ad, cd, sig, st = { NULL, 0 };
	EVP_PKEY		*k = key_new(alg), *k2 = key_new(alg);
	int			 i;

	cose = key_cose(k);
	ad = craft_ad("localhost", F_REG, &cose, NULL);
	cd = clientdata_make("webauthn.create", &chal, CRAFT_ORIGIN);
	for (i = 0; i < 5; i++) {
		sig = key_sign(i == 2 ? k2 : k, &ad, &cd);
		cb_head(&st, 5, i == 3 ? 3 : 2);
		cb_text(&st, "alg");
		cb_int(&st, i == 1 ? (alg == -7 ? -8 : -7) : alg);
		cb_text(&st, "sig");
		cb_bytes(&st, sig.p, i == 4 ? sig.n - 1 : sig.n);
		if (i == 3) {
			cb_text(&st, "ecdaaKeyId");
			cb_bytes(&st, "k", 1);
		}
		expect_err(craft_register(&crp, "packed", &st, &ad, &cred),
		    i == 0 ? WEBAUTHN_OK : WEBAUTHN_ERR_BAD_ATTESTATION);
		if (i == 0) {
			assert_int_equal(cred.att, WEBAUTHN_ATT_SELF);
			assert_int_equal(cred.alg, alg);
			assert_memory_equal(cred.aaguid, aaguid, 16);
			assert_int_equal(cred.coselen, cose.n);
			assert_memory_equal(cred.cose, cose.p, cose.n);
		}
		blob_free(&sig);
		blob_free(&st);
	}
	blob_free(&cose);
	blob_free(&ad);
	blob_free(&cd);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void
test_attest_self(void **state)
{
	check_self(WEBAUTHN_ALG_ES256);
	check_self(WEBAUTHN_ALG_EDDSA);
}

/* Everything a full attestation test needs. */
struct x5c_case {
	EVP_PKEY	*ca_key, *att_key, *cred_key;
	X509		*ca;
	struct blob	 cose, ad, cd;
};

/* attStmt {alg, sig by key, x5c [leaf, extra]} for the case. */
static struct blob
x5c_stmt(const struct x5c_case *c, EVP_PKEY *key, int64_t alg, X509 *leaf,
    const struct blob *extra)
{
	struct blob	 st = { NULL, 0 }, sig, der;

	sig = key_sign(key, &c->ad, &c->cd);
	der = cert_der(leaf);
	cb_head(&st, 5, 3);
	cb_text(&st, "alg");
	cb_int(&st, alg);
	cb_text(&st, "sig");
	cb_bytes(&st, sig.p, sig.n);
	cb_text(&st, "x5c");
	cb_head(&st, 4, extra != NULL ? 2 : 1);
	cb_bytes(&st, der.p, der.n);
	if (extra != NULL)
		cb_bytes(&st, extra->p, extra->n);
	blob_free(&sig);
	blob_free(&der);
	return st;
}

/* Register with a leaf made to spec; returns the error. */
static enum webauthn_err
x5c_try(const struct x5c_case *c, X509_STORE *anchors, const char *ou,
    int ca, int version, const uint8_t *guid, struct webauthn_cred *cred)
{
	struct webauthn_rp	 r = crp;
	struct blob		 st;
	X509			*leaf;
	enum webauthn_err	 e;

	leaf = cert_make(&(struct cert_spec){ c->att_key, c->ca_key, c->ca,
	    ou, ca, version, guid });
	st = x5c_stmt(c, c->att_key, WEBAUTHN_ALG_ES256, leaf, NULL);
	r.anchors = anchors;
	e = craft_register(&r, "packed", &st, &c->ad, cred);
	blob_free(&st);
	X509_free(leaf);
	return e;
}

static void
x5c_case_new(struct x5c_case *c)
{
	c->ca_key = key_new(WEBAUTHN_ALG_ES256);
	c->att_key = key_new(WEBAUTHN_ALG_ES256);
	c->cred_key = key_new(WEBAUTHN_ALG_EDDSA);
	c->ca = cert_make(&(struct cert_spec){ c->ca_key, c->ca_key, NULL,
	    "Root", 1, X509_VERSION_3, NULL });
	c->cose = key_cose(c->cred_key);
	c->ad = craft_ad("localhost", F_REG, &c->cose, NULL);
	c->cd = clientdata_make("webauthn.create", &chal, CRAFT_ORIGIN);
}

static void
x5c_case_free(struct x5c_case *c)
{
	X509_free(c->ca);
	EVP_PKEY_free(c->ca_key);
	EVP_PKEY_free(c->att_key);
	EVP_PKEY_free(c->cred_key);
	blob_free(&c->cose);
	blob_free(&c->ad);
	blob_free(&c->cd);
}

/* The chain to an anchor, or none; the leaf rules of 8.2.1. */
static void
test_attest_x5c_leaf(void **state)
{
	static const uint8_t	 other_guid[16] = { 1 };
	struct x5c_case		 c;
	struct webauthn_cred	 cred;
	X509_STORE		*good, *bad;
	X509			*other;
	EVP_PKEY		*ok;

	x5c_case_new(&c);
	good = X509_STORE_new();
	assert_int_equal(X509_STORE_add_cert(good, c.ca), 1);
	ok = key_new(WEBAUTHN_ALG_ES256);
	other = cert_make(&(struct cert_spec){ ok, ok, NULL, "Root", 1,
	    X509_VERSION_3, NULL });
	bad = X509_STORE_new();
	assert_int_equal(X509_STORE_add_cert(bad, other), 1);

	expect_err(x5c_try(&c, good, ATT_OU, 0, X509_VERSION_3, aaguid, &cred),
	    WEBAUTHN_OK);
	assert_int_equal(cred.att, WEBAUTHN_ATT_BASIC);
	assert_int_equal(cred.alg, WEBAUTHN_ALG_EDDSA);
	expect_err(x5c_try(&c, NULL, ATT_OU, 0, X509_VERSION_3, NULL, &cred),
	    WEBAUTHN_OK);
	assert_int_equal(cred.att, WEBAUTHN_ATT_BASIC_UNTRUSTED);
	expect_err(x5c_try(&c, bad, ATT_OU, 0, X509_VERSION_3, aaguid, NULL),
	    WEBAUTHN_ERR_UNTRUSTED);

	/* Each requirement broken in turn. */
	expect_err(x5c_try(&c, NULL, "Authenticator Attestation!", 0,
	    X509_VERSION_3, aaguid, NULL), WEBAUTHN_ERR_BAD_ATTESTATION);
	expect_err(x5c_try(&c, NULL, "authenticator attestation", 0,
	    X509_VERSION_3, aaguid, NULL), WEBAUTHN_ERR_BAD_ATTESTATION);
	expect_err(x5c_try(&c, NULL, ATT_OU, 1, X509_VERSION_3, aaguid, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);
	expect_err(x5c_try(&c, NULL, ATT_OU, 0, X509_VERSION_3, other_guid,
	    NULL), WEBAUTHN_ERR_BAD_ATTESTATION);
	expect_err(x5c_try(&c, NULL, ATT_OU, 0, X509_VERSION_1, NULL, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);

	X509_free(other);
	X509_STORE_free(good);
	X509_STORE_free(bad);
	EVP_PKEY_free(ok);
	x5c_case_free(&c);
}

/* The statement around a good leaf: alg, signer, DER, format. */
static void
test_attest_x5c_stmt(void **state)
{
	struct x5c_case		 c;
	struct blob		 st, der;
	X509			*leaf;

	x5c_case_new(&c);
	leaf = cert_make(&(struct cert_spec){ c.att_key, c.ca_key, c.ca,
	    ATT_OU, 0, X509_VERSION_3, aaguid });
	st = x5c_stmt(&c, c.att_key, WEBAUTHN_ALG_EDDSA, leaf, NULL);
	expect_err(craft_register(&crp, "packed", &st, &c.ad, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);
	blob_free(&st);
	st = x5c_stmt(&c, c.cred_key, WEBAUTHN_ALG_ES256, leaf, NULL);
	expect_err(craft_register(&crp, "packed", &st, &c.ad, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);
	blob_free(&st);
	der = (struct blob){ (uint8_t *)"\x30\x00", 2 };
	st = x5c_stmt(&c, c.att_key, WEBAUTHN_ALG_ES256, leaf, &der);
	expect_err(craft_register(&crp, "packed", &st, &c.ad, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);
	blob_free(&st);
	/* The CA after the leaf is fine: the chain is built from both. */
	der = cert_der(c.ca);
	st = x5c_stmt(&c, c.att_key, WEBAUTHN_ALG_ES256, leaf, &der);
	expect_err(craft_register(&crp, "packed", &st, &c.ad, NULL),
	    WEBAUTHN_OK);
	blob_free(&st);
	blob_free(&der);
	/* Unknown formats. */
	expect_err(craft_register(&crp, "fido-u2f", NULL, &c.ad, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);
	expect_err(craft_register(&crp, "nonE", NULL, &c.ad, NULL),
	    WEBAUTHN_ERR_BAD_ATTESTATION);
	X509_free(leaf);
	x5c_case_free(&c);
}

/* A COSE key from its labels; y NULL for OKP keys. */
static struct blob
cose_make(int64_t kty, int64_t alg, int64_t crv, const uint8_t *x,
    size_t xlen, const uint8_t *y, int extra)
{
	struct blob	 b = { NULL, 0 };

	cb_head(&b, 5, 4 + (y != NULL) + (extra != 0));
	cb_int(&b, 1);
	cb_int(&b, kty);
	cb_int(&b, 3);
	cb_int(&b, alg);
	cb_int(&b, -1);
	cb_int(&b, crv);
	cb_int(&b, -2);
	cb_bytes(&b, x, xlen);
	if (y != NULL) {
		cb_int(&b, -3);
		cb_bytes(&b, y, 32);
	}
	if (extra) {
		cb_int(&b, 2);
		cb_bytes(&b, "kid", 3);
	}
	return b;
}

static void
expect_cose(struct blob cose, enum webauthn_err want)
{
	EVP_PKEY	*pk;

	expect_err(craft_none(&crp, F_REG, &cose, NULL), want);
	pk = webauthn_cose_pkey(cose.p, cose.n);
	assert_true((pk != NULL) == (want == WEBAUTHN_OK));
	EVP_PKEY_free(pk);
	blob_free(&cose);
}

static void
test_cose(void **state)
{
	uint8_t		 x[32], y[32], ed[32], zero[32] = { 0 };
	uint8_t		 one[32] = { 1 };
	EVP_PKEY	*k = key_new(WEBAUTHN_ALG_ES256);
	EVP_PKEY	*e = key_new(WEBAUTHN_ALG_EDDSA);
	struct blob	 b;
	struct cbor_doc	 doc;
	size_t		 n = 32;

	b = key_cose(k);
	assert_int_equal(wcbor_parse(&doc, b.p, b.n), CBOR_OK);
	memcpy(x, doc.items[wcbor_map_int(&doc, 0, -2)].ptr, 32);
	memcpy(y, doc.items[wcbor_map_int(&doc, 0, -3)].ptr, 32);
	blob_free(&b);
	assert_int_equal(EVP_PKEY_get_raw_public_key(e, ed, &n), 1);

	expect_cose(cose_make(2, -7, 1, x, 32, y, 0), WEBAUTHN_OK);
	expect_cose(cose_make(1, -8, 6, ed, 32, NULL, 0), WEBAUTHN_OK);
	y[31] ^= 1;
	expect_cose(cose_make(2, -7, 1, x, 32, y, 0), WEBAUTHN_ERR_BAD_KEY);
	y[31] ^= 1;
	expect_cose(cose_make(2, -7, 1, x, 31, y, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(2, -7, 1, x, 32, y, 1), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(2, -7, 1, x, 32, NULL, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(1, -7, 1, x, 32, y, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(2, -8, 1, x, 32, y, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(2, -7, 2, x, 32, y, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(2, -35, 2, x, 32, y, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(3, -257, 1, x, 32, y, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(1, -8, 6, ed, 32, NULL, 1), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(1, -8, 6, ed, 32, y, 0), WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(1, -8, 5, ed, 32, NULL, 0), WEBAUTHN_ERR_BAD_KEY);
	/* Small-order Ed25519 points: the identity and zero. */
	expect_cose(cose_make(1, -8, 6, one, 32, NULL, 0),
	    WEBAUTHN_ERR_BAD_KEY);
	expect_cose(cose_make(1, -8, 6, zero, 32, NULL, 0),
	    WEBAUTHN_ERR_BAD_KEY);
	/* The identity is no P-256 point either. */
	expect_cose(cose_make(2, -7, 1, zero, 32, zero, 0),
	    WEBAUTHN_ERR_BAD_KEY);
	/* A key that is not a map at all. */
	b.p = NULL;
	b.n = 0;
	cb_head(&b, 4, 0);
	expect_cose(b, WEBAUTHN_ERR_BAD_KEY);
	EVP_PKEY_free(k);
	EVP_PKEY_free(e);
}

/* authenticatorData flags, and extensions exactly when ED is set. */
static void
test_authdata_flags(void **state)
{
	struct blob		 cose, ext = { NULL, 0 }, ad;
	EVP_PKEY		*k = key_new(WEBAUTHN_ALG_ES256);

	cose = key_cose(k);
	expect_err(craft_none(&crp, F_REG, &cose, NULL), WEBAUTHN_OK);
	/* Flags. */
	expect_err(craft_none(&crp, F_REG & ~WEBAUTHN_FLAG_UP, &cose, NULL),
	    WEBAUTHN_ERR_UP_MISSING);
	expect_err(craft_none(&crp, F_REG & ~WEBAUTHN_FLAG_UV, &cose, NULL),
	    WEBAUTHN_ERR_UV_MISSING);
	expect_err(craft_none(&(struct webauthn_rp){ "localhost",
	    craft_origins, 1, 0, NULL }, F_REG & ~WEBAUTHN_FLAG_UV, &cose,
	    NULL), WEBAUTHN_OK);
	expect_err(craft_none(&crp, F_REG | WEBAUTHN_FLAG_BS, &cose, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	expect_err(craft_none(&crp, F_REG | WEBAUTHN_FLAG_BS |
	    WEBAUTHN_FLAG_BE, &cose, NULL), WEBAUTHN_OK);
	ad = craft_ad("localhost", F_GET, NULL, NULL);
	expect_err(craft_register(&crp, "none", NULL, &ad, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	blob_free(&ad);

	/* Extensions exactly when ED says so. */
	cb_head(&ext, 5, 1);
	cb_text(&ext, "credProtect");
	cb_int(&ext, 1);
	expect_err(craft_none(&crp, F_REG | WEBAUTHN_FLAG_ED, &cose, &ext),
	    WEBAUTHN_OK);
	expect_err(craft_none(&crp, F_REG, &cose, &ext),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	expect_err(craft_none(&crp, F_REG | WEBAUTHN_FLAG_ED, &cose, NULL),
	    WEBAUTHN_ERR_BAD_CBOR);
	blob_add(&ext, "", 1);
	expect_err(craft_none(&crp, F_REG | WEBAUTHN_FLAG_ED, &cose, &ext),
	    WEBAUTHN_ERR_BAD_CBOR);
	blob_free(&ext);
	cb_int(&ext, 1);
	expect_err(craft_none(&crp, F_REG | WEBAUTHN_FLAG_ED, &cose, &ext),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	blob_free(&ext);
	blob_free(&cose);
	EVP_PKEY_free(k);
}

/* The attested credential data: id length, truncation. */
static void
test_authdata_layout(void **state)
{
	static uint8_t		 longid[1100];
	struct webauthn_cred	 cred;
	struct authdata_spec	 s = { "localhost", F_REG, 0, NULL, NULL,
				    NULL, NULL };
	struct blob		 cose, ad, id;
	EVP_PKEY		*k = key_new(WEBAUTHN_ALG_ES256);

	cose = key_cose(k);
	s.cose = &cose;
	s.credid = &id;
	id.p = longid;
	for (id.n = 1022; id.n <= 1024; id.n++) {
		ad = authdata_make(&s);
		expect_err(craft_register(&crp, "none", NULL, &ad, &cred),
		    id.n <= WEBAUTHN_CREDID_MAX ? WEBAUTHN_OK :
		    WEBAUTHN_ERR_BAD_CREDID);
		blob_free(&ad);
	}
	id.n = 0;
	ad = authdata_make(&s);
	expect_err(craft_register(&crp, "none", NULL, &ad, NULL),
	    WEBAUTHN_ERR_BAD_CREDID);
	blob_free(&ad);
	/* Truncated inside the id, inside the key. */
	id.n = 16;
	ad = authdata_make(&s);
	ad.n = 37 + 18 + 10;
	expect_err(craft_register(&crp, "none", NULL, &ad, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	ad.n = 37 + 18 + 16 + 10;
	expect_err(craft_register(&crp, "none", NULL, &ad, NULL),
	    WEBAUTHN_ERR_BAD_CBOR);
	ad.n = 36;
	expect_err(craft_register(&crp, "none", NULL, &ad, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	blob_free(&ad);
	blob_free(&cose);
	EVP_PKEY_free(k);
}

/* The assertion a again, with ED and {name: h'00..'} after authData. */
static void
check_assert_ext(EVP_PKEY *k, const struct fx_assert *a,
    const struct webauthn_cred *cred, const char *name,
    enum webauthn_err want)
{
	static const uint8_t	 out[32];
	struct authdata_spec	 s = { "localhost",
				    F_GET | WEBAUTHN_FLAG_ED, 10, NULL, NULL,
				    NULL, NULL };
	struct blob		 ext = { NULL, 0 };
	struct fx_assert	 b = *a;

	cb_head(&ext, 5, 1);
	cb_text(&ext, name);
	cb_bytes(&ext, out, sizeof(out));
	s.ext = &ext;
	b.ad = authdata_make(&s);
	b.sig = key_sign(k, &b.ad, &b.cd);
	expect_err(do_assert(&crp, &b, &chal, cred, 8, NULL), want);
	blob_free(&b.ad);
	blob_free(&b.sig);
	blob_free(&ext);
}

/* A crafted ceremony end to end: register, then assert, both algs. */
static void
check_crafted_assert(int alg)
{
	struct webauthn_cred	 cred;
	struct webauthn_result	 res;
	struct authdata_spec	 s = { "localhost", F_GET, 9, NULL, NULL,
				    NULL, NULL };
	struct fx_assert	 a;
	struct blob		 cose, ad;
	EVP_PKEY		*k = key_new(alg);

	cose = key_cose(k);
	ad = craft_ad("localhost", F_REG, &cose, NULL);
	expect_err(craft_register(&crp, "none", NULL, &ad, &cred),
	    WEBAUTHN_OK);
	memset(&a, 0, sizeof(a));
	blob_add(&a.id, cred.id, cred.idlen);
	a.cd = clientdata_make("webauthn.get", &chal, CRAFT_ORIGIN);
	a.ad = authdata_make(&s);
	a.sig = key_sign(k, &a.ad, &a.cd);
	expect_err(do_assert(&crp, &a, &chal, &cred, 8, &res), WEBAUTHN_OK);
	assert_int_equal(res.sign_count, 9);
	/* Extension outputs: one libfido2 ignores, one it refuses. */
	check_assert_ext(k, &a, &cred, "devicePubKey", WEBAUTHN_OK);
	check_assert_ext(k, &a, &cred, "hmac-secret",
	    WEBAUTHN_ERR_BAD_SIGNATURE);
	/* An assertion may not carry attested credential data. */
	blob_free(&a.ad);
	blob_free(&a.sig);
	s.flags |= WEBAUTHN_FLAG_AT;
	s.cose = &cose;
	s.credid = &(struct blob){ cred.id, cred.idlen };
	a.ad = authdata_make(&s);
	a.sig = key_sign(k, &a.ad, &a.cd);
	expect_err(do_assert(&crp, &a, &chal, &cred, 8, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	a.ad.n = 37;
	expect_err(do_assert(&crp, &a, &chal, &cred, 8, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	a.ad.p[32] &= ~WEBAUTHN_FLAG_AT;
	a.ad.n = 36;
	expect_err(do_assert(&crp, &a, &chal, &cred, 8, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	a.ad.n = 38;
	expect_err(do_assert(&crp, &a, &chal, &cred, 8, NULL),
	    WEBAUTHN_ERR_BAD_AUTHDATA);
	fx_assert_free(&a);
	blob_free(&cose);
	blob_free(&ad);
	EVP_PKEY_free(k);
}

static void
test_crafted_assert(void **state)
{
	check_crafted_assert(WEBAUTHN_ALG_ES256);
	check_crafted_assert(WEBAUTHN_ALG_EDDSA);
}

/* clientDataJSON text, registered with a valid fmt none object. */
static enum webauthn_err
clientdata_try(const char *json)
{
	struct blob		 cd = { (uint8_t *)json, strlen(json) };
	struct blob		 cose, ad, ao;
	enum webauthn_err	 e;
	EVP_PKEY		*k = key_new(WEBAUTHN_ALG_EDDSA);

	cose = key_cose(k);
	ad = craft_ad("localhost", F_REG, &cose, NULL);
	ao = attobj_make("none", NULL, &ad);
	e = do_register(&crp, &cd, &ao, &chal, NULL);
	blob_free(&ao);
	blob_free(&ad);
	blob_free(&cose);
	EVP_PKEY_free(k);
	return e;
}

static void
test_clientdata(void **state)
{
	char		 enc[64], js[8192];
	const char	*t = "\"type\":\"webauthn.create\"";
	const char	*o = "\"origin\":\"" CRAFT_ORIGIN "\"";
	char		 std[64];

	sodium_bin2base64(enc, sizeof(enc), chal.p, chal.n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(std, sizeof(std), chal.p, chal.n,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	assert_non_null(strchr(enc, '-'));
	assert_non_null(strchr(enc, '_'));
#define CD(...) (snprintf(js, sizeof(js), __VA_ARGS__), clientdata_try(js))
	expect_err(CD("{%s,\"challenge\":\"%s\",%s}", t, enc, o), WEBAUTHN_OK);
	expect_err(CD("{%s,\"challenge\":\"%s\",%s,\"crossOrigin\":false,"
	    "\"other_keys_can_be_added_here\":1}", t, enc, o), WEBAUTHN_OK);
	expect_err(CD("{%s,\"challenge\":\"%s\",%s,\"crossOrigin\":true}",
	    t, enc, o), WEBAUTHN_ERR_CROSS_ORIGIN);
	expect_err(CD("{%s,\"challenge\":\"%s\",%s,\"topOrigin\":\"x\"}",
	    t, enc, o), WEBAUTHN_ERR_CROSS_ORIGIN);
	expect_err(CD("{%s,\"challenge\":\"%s\",%s,\"crossOrigin\":0}",
	    t, enc, o), WEBAUTHN_ERR_BAD_CLIENTDATA);
	expect_err(CD("{%s,%s,\"challenge\":\"%s\",%s}", t, t, enc, o),
	    WEBAUTHN_ERR_BAD_CLIENTDATA);
	expect_err(CD("{%s,\"challenge\":\"%s\",%s} x", t, enc, o),
	    WEBAUTHN_ERR_BAD_CLIENTDATA);
	expect_err(CD("[%s]", t), WEBAUTHN_ERR_BAD_CLIENTDATA);
	expect_err(CD("{%s,\"challenge\":\"%s\",%s", t, enc, o),
	    WEBAUTHN_ERR_BAD_CLIENTDATA);
	expect_err(CD("%s", ""), WEBAUTHN_ERR_BAD_CLIENTDATA);
	expect_err(CD("{\"challenge\":\"%s\",%s}", enc, o),
	    WEBAUTHN_ERR_BAD_TYPE);
	expect_err(CD("{\"type\":1,\"challenge\":\"%s\",%s}", enc, o),
	    WEBAUTHN_ERR_BAD_TYPE);
	/* The challenge: exact base64url, no padding, no other alphabet. */
	expect_err(CD("{%s,\"challenge\":\"%s=\",%s}", t, enc, o),
	    WEBAUTHN_ERR_BAD_CHALLENGE);
	expect_err(CD("{%s,\"challenge\":\"%s\",%s}", t, std, o),
	    WEBAUTHN_ERR_BAD_CHALLENGE);
	expect_err(CD("{%s,\"challenge\":\"%.42s\",%s}", t, enc, o),
	    WEBAUTHN_ERR_BAD_CHALLENGE);
	expect_err(CD("{%s,%s}", t, o), WEBAUTHN_ERR_BAD_CHALLENGE);
	/* The origin: whole string, no NUL tricks, present. */
	expect_err(CD("{%s,\"challenge\":\"%s\"}", t, enc),
	    WEBAUTHN_ERR_BAD_ORIGIN);
	expect_err(CD("{%s,\"challenge\":\"%s\",\"origin\":\"%s\\u0000x\"}",
	    t, enc, CRAFT_ORIGIN), WEBAUTHN_ERR_BAD_CLIENTDATA);
	expect_err(CD("{%s,\"challenge\":\"%s\",\"origin\":1}", t, enc),
	    WEBAUTHN_ERR_BAD_ORIGIN);
	/* Size bound. */
	memset(js, ' ', sizeof(js));
	snprintf(js + WEBAUTHN_CLIENTDATA_MAX - 200, 200,
	    "{%s,\"challenge\":\"%s\",%s}", t, enc, o);
	expect_err(clientdata_try(js), WEBAUTHN_OK);
	memset(js, ' ', sizeof(js));
	snprintf(js + WEBAUTHN_CLIENTDATA_MAX - 100, 200,
	    "{%s,\"challenge\":\"%s\",%s}", t, enc, o);
	expect_err(clientdata_try(js), WEBAUTHN_ERR_BAD_CLIENTDATA);
#undef CD
}

static int
group_setup(void **state)
{
	static char	 dir[] = "/tmp/pccx-webauthn-test.XXXXXX";

	if ((tmpdir = mkdtemp(dir)) == NULL)
		return -1;
	if (fx_path == NULL)
		return 0;
	if (fixture_load(&fx, fx_path) == -1)
		return -1;
	have_fx = 1;
	fx_origins[0] = fx.origin;
	login_chal.p = malloc(32);
	login_chal.n = 32;
	if (login_chal.p == NULL)
		return -1;
	webauthn_login_challenge(fx.nonce.p, fx.login_pk.p, login_chal.p);
	return 0;
}

static int
group_teardown(void **state)
{
	char		 path[512];

	snprintf(path, sizeof(path), "%s/anchors.pem", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

/* Tests on inputs made here, and tests on recorded ceremonies. */
#define CRAFTED_TESTS							\
	cmocka_unit_test(test_cbor_scalars),				\
	cmocka_unit_test(test_cbor_canonical),				\
	cmocka_unit_test(test_cbor_unsupported),			\
	cmocka_unit_test(test_cbor_truncated),				\
	cmocka_unit_test(test_cbor_trailing),				\
	cmocka_unit_test(test_cbor_depth),				\
	cmocka_unit_test(test_cbor_items),				\
	cmocka_unit_test(test_cbor_size),				\
	cmocka_unit_test(test_cbor_keys),				\
	cmocka_unit_test(test_cbor_utf8),				\
	cmocka_unit_test(test_cbor_lookup),				\
	cmocka_unit_test(test_login_challenge),				\
	cmocka_unit_test(test_strerror),				\
	cmocka_unit_test(test_attest_self),				\
	cmocka_unit_test(test_attest_x5c_leaf),				\
	cmocka_unit_test(test_attest_x5c_stmt),				\
	cmocka_unit_test(test_cose),					\
	cmocka_unit_test(test_authdata_flags),				\
	cmocka_unit_test(test_authdata_layout),				\
	cmocka_unit_test(test_crafted_assert),				\
	cmocka_unit_test(test_clientdata)
#define CEREMONY_TESTS							\
	cmocka_unit_test(test_login_challenge_node),			\
	cmocka_unit_test(test_ceremony_es256),				\
	cmocka_unit_test(test_ceremony_eddsa),				\
	cmocka_unit_test(test_counter),					\
	cmocka_unit_test(test_uv),					\
	cmocka_unit_test(test_up),					\
	cmocka_unit_test(test_rpid),					\
	cmocka_unit_test(test_origin),					\
	cmocka_unit_test(test_type),					\
	cmocka_unit_test(test_challenge),				\
	cmocka_unit_test(test_signature),				\
	cmocka_unit_test(test_credid),					\
	cmocka_unit_test(test_reg_cbor),				\
	cmocka_unit_test(test_packed_chromium)

/*
 * Usage: test_webauthn [ceremony.json]
 * Without the file (written by ceremony.mjs) only the tests on crafted
 * inputs run.
 */
int
main(int argc, char *argv[])
{
	const struct CMUnitTest crafted[] = { CRAFTED_TESTS };
	const struct CMUnitTest all[] = { CRAFTED_TESTS, CEREMONY_TESTS };

	if (argc > 2) {
		fprintf(stderr, "usage: test_webauthn [ceremony.json]\n");
		return 2;
	}
	fx_path = argc == 2 ? argv[1] : NULL;
	log_init("test_webauthn", 1, 0);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	if (fx_path == NULL)
		return cmocka_run_group_tests_name("crafted", crafted,
		    group_setup, group_teardown);
	return cmocka_run_group_tests_name("ceremonies", all, group_setup,
	    group_teardown);
}
