/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of request signatures, Content-Digest and the nonce cache. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "authd/httpsig.h"
#include "authd/sfv.h"
#include "authd/token.h"
#include "regress/authz/client.h"

#define T0	1767225600
#define URI	"https://remote.example:8443/v1/traces?project=npu"
#define BODY	"{\"name\":\"run-1\"}"

struct fix {
	struct httpsig		*hs;
	unsigned char		 pk[32];
	unsigned char		 sk[64];
	char			 keyid[TOKEN_B64KEYLEN + 1];
	int			 nonce;
	struct client_req	 cr;
	struct client_sig	 cs;
	struct httpsig_request	 req;
	char			 noncebuf[64];
};

static int
fix_setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	crypto_sign_keypair(f->pk, f->sk);
	token_thumbprint(f->pk, f->keyid);
	f->hs = httpsig_new(60, 8);
	assert_non_null(f->hs);
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix	*f = *state;

	httpsig_free(f->hs);
	free(f);
	return 0;
}

/* A POST, set up to sign at created with a fresh nonce. */
static void
prep(struct fix *f, int64_t created)
{
	memset(&f->cr, 0, sizeof(f->cr));
	snprintf(f->noncebuf, sizeof(f->noncebuf), "nonce-%016d", f->nonce++);
	f->cr.method = "POST";
	f->cr.target_uri = URI;
	f->cr.body = (const unsigned char *)BODY;
	f->cr.bodylen = strlen(BODY);
	f->cr.created = created;
	f->cr.nonce = f->noncebuf;
	f->cr.keyid = f->keyid;
}

/* Sign what prep set up and describe it as the front end would. */
static void
sign(struct fix *f)
{
	assert_int_equal(client_sign(&f->cr, f->sk, &f->cs), 0);
	memset(&f->req, 0, sizeof(f->req));
	f->req.method = f->cr.method;
	f->req.target_uri = f->cr.target_uri;
	f->req.signature_input = f->cs.signature_input;
	f->req.signature = f->cs.signature;
	f->req.content_digest = f->cs.content_digest;
	f->req.body = f->cr.body;
	f->req.bodylen = f->cr.bodylen;
}

static enum httpsig_error
verify(struct fix *f, time_t now)
{
	return httpsig_verify(f->hs, &f->req, f->keyid, f->pk, now);
}

/* A Content-Digest with a sha-512 of zeros and the body's sha-256. */
static void
digest_pair(char *buf, size_t len)
{
	unsigned char	 z[64], h[32];
	char		 a[100], b[50];

	memset(z, 0, sizeof(z));
	crypto_hash_sha256(h, (const unsigned char *)BODY, strlen(BODY));
	sodium_bin2base64(a, sizeof(a), z, sizeof(z),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b, sizeof(b), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(buf, len, "sha-512=:%s:, sha-256=:%s:", a, b);
}

static void
test_good(void **state)
{
	struct fix	*f = *state;
	char		 cd[256], padded[260];
	static const char *const order[] = {
		"content-digest", "@method", "@target-uri", NULL
	};

	prep(f, T0);
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_OK);

	/* A GET covers the digest of the empty body. */
	prep(f, T0);
	f->cr.method = "GET";
	f->cr.body = NULL;
	f->cr.bodylen = 0;
	sign(f);
	assert_string_equal(f->cs.content_digest,
	    "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
	assert_int_equal(verify(f, T0 + 3), HTTPSIG_OK);

	/* Another order, another label, alg and expires, a tag. */
	prep(f, T0);
	f->cr.comps = order;
	f->cr.label = "req";
	f->cr.extra = ";alg=\"ed25519\";expires=1767225700;tag=\"pccx\"";
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_OK);

	/* Several Content-Digest algorithms; sha-256 is the one checked,
	 * and whitespace around the field value is not part of it. */
	prep(f, T0);
	digest_pair(cd, sizeof(cd));
	f->cr.digest = cd;
	sign(f);
	snprintf(padded, sizeof(padded), " %s\t", cd);
	f->req.content_digest = padded;
	assert_int_equal(verify(f, T0), HTTPSIG_OK);
	assert_int_equal(httpsig_cache_count(f->hs), 4);
}

static void
test_body_hash_given(void **state)
{
	struct fix	*f = *state;
	unsigned char	 h[32];

	prep(f, T0);
	sign(f);
	crypto_hash_sha256(h, (const unsigned char *)BODY, strlen(BODY));
	f->req.body = NULL;
	f->req.bodylen = 0;
	f->req.body_sha256 = h;
	assert_int_equal(verify(f, T0), HTTPSIG_OK);
	assert_int_equal(httpsig_digest_check(f->cs.content_digest, h),
	    HTTPSIG_OK);
	h[31] ^= 1;
	assert_int_equal(httpsig_digest_check(f->cs.content_digest, h),
	    HTTPSIG_DIGEST_MISMATCH);
	assert_int_equal(httpsig_digest_check(NULL, h),
	    HTTPSIG_DIGEST_MISSING);
}

static void
test_no_signature(void **state)
{
	struct fix	*f = *state;

	prep(f, T0);
	sign(f);
	f->req.signature = NULL;
	assert_int_equal(verify(f, T0), HTTPSIG_NO_SIGNATURE);
	f->req.signature = f->cs.signature;
	f->req.signature_input = NULL;
	assert_int_equal(verify(f, T0), HTTPSIG_NO_SIGNATURE);
}

/* Replace Signature-Input by text, keeping the rest of the request. */
static enum httpsig_error
with_input(struct fix *f, const char *input)
{
	prep(f, T0);
	sign(f);
	f->req.signature_input = input;
	return verify(f, T0);
}

static void
test_bad_input(void **state)
{
	struct fix	*f = *state;
	char		 two[2048], sig[256];
	const char	*bad[] = {
		"",
		"sig1",
		"sig1=\"@method\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=1767225600;keyid=\"k\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=1767225600;nonce=\"0123456789abcde\";keyid=\"k\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=1767225600;nonce=\"0123456789abcdef"
		    "0123456789abcdef0123456789abcdef0123456789abcdef0"
		    "\";keyid=\"k\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=\"1767225600\";nonce=\"0123456789abcdef\""
		    ";keyid=\"k\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=1767225600;nonce=\"0123456789abcdef\";keyid=k",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=1767225600;nonce=\"0123456789abcdef\";keyid=\"k\""
		    ";alg=\"rsa-pss-sha512\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=1767225600;nonce=\"0123456789abcdef\";keyid=\"k\""
		    ";foo=1",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=1767225600;created=1767225600"
		    ";nonce=\"0123456789abcdef\";keyid=\"k\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\")"
		    ";created=-5;nonce=\"0123456789abcdef\";keyid=\"k\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\"",
		"sig1=(\"@method\" \"@target-uri\" \"content-digest\"),",
		NULL
	};
	int		 i;

	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(with_input(f, bad[i]),
		    HTTPSIG_BAD_SIGNATURE_INPUT);

	/* Two signatures, even when the first is good. */
	prep(f, T0);
	sign(f);
	snprintf(two, sizeof(two), "%s, sig2=(\"@method\")",
	    f->cs.signature_input);
	f->req.signature_input = two;
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE_INPUT);
	f->req.signature_input = f->cs.signature_input;
	snprintf(sig, sizeof(sig), "%s, sig2=:AAAA:", f->cs.signature);
	f->req.signature = sig;
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE_INPUT);

	/* Signature under another label, too short, not bytes, params. */
	f->req.signature = sig;
	snprintf(sig, sizeof(sig), "sig2%s", strchr(f->cs.signature, '='));
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE_INPUT);
	f->req.signature = "sig1=:AAAA:";
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE_INPUT);
	f->req.signature = "sig1=\"AAAA\"";
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE_INPUT);
	snprintf(sig, sizeof(sig), "%s;x=1", f->cs.signature);
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE_INPUT);
	/* Unpadded base64. */
	snprintf(sig, sizeof(sig), "%s", f->cs.signature);
	strcpy(strstr(sig, "==:"), ":");
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE_INPUT);
	f->req.signature = f->cs.signature;
	assert_int_equal(verify(f, T0), HTTPSIG_OK);
}

static void
test_components(void **state)
{
	struct fix	*f = *state;
	static const char *const two[] = { "@method", "@target-uri", NULL };
	static const char *const four[] = {
		"@method", "@target-uri", "content-digest", "@authority", NULL
	};
	static const char *const dup[] = {
		"@method", "@target-uri", "@method", NULL
	};
	static const char *const other[] = {
		"@method", "@path", "content-digest", NULL
	};
	static const char *const params[] = {
		"@method", "@target-uri", "content-digest\";sf;x=\"", NULL
	};
	static const char *const *sets[] = { two, four, dup, other };
	size_t		 i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		prep(f, T0);
		f->cr.comps = sets[i];
		sign(f);
		assert_int_equal(verify(f, T0), HTTPSIG_COMPONENTS);
	}
	/* A component with a parameter is another component. */
	prep(f, T0);
	f->cr.comps = params;
	assert_int_equal(client_sign(&f->cr, f->sk, &f->cs), 0);
	f->req.signature_input = f->cs.signature_input;
	assert_int_equal(verify(f, T0), HTTPSIG_COMPONENTS);
	/* A value that would add a line to the base. */
	prep(f, T0);
	f->cr.target_uri = "https://h/a\n\"@method\": GET";
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_COMPONENTS);
	assert_int_equal(httpsig_cache_count(f->hs), 0);
}

static void
test_time(void **state)
{
	struct fix	*f = *state;

	prep(f, T0 - 60);
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_OK);
	prep(f, T0 - 61);
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_STALE);
	prep(f, T0 + 60);
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_OK);
	prep(f, T0 + 61);
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_FUTURE);
	prep(f, T0);
	f->cr.extra = ";expires=1767225610";
	sign(f);
	assert_int_equal(verify(f, T0 + 11), HTTPSIG_STALE);
	assert_int_equal(verify(f, T0 + 10), HTTPSIG_OK);
}

static void
test_replayed(void **state)
{
	struct fix	*f = *state;
	struct fix	 g = *f;

	prep(f, T0);
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_OK);
	assert_int_equal(verify(f, T0 + 1), HTTPSIG_REPLAYED);
	assert_int_equal(verify(f, T0 + 60), HTTPSIG_REPLAYED);
	/* After the window the same request is stale, not forgotten. */
	assert_int_equal(verify(f, T0 + 61), HTTPSIG_STALE);

	/* The same nonce from another login key is another nonce. */
	crypto_sign_keypair(g.pk, g.sk);
	token_thumbprint(g.pk, g.keyid);
	g.nonce = 0;
	prep(&g, T0);
	sign(&g);
	assert_string_equal(g.noncebuf, "nonce-0000000000000000");
	assert_int_equal(verify(&g, T0), HTTPSIG_OK);
}

static void
test_keyid(void **state)
{
	struct fix	*f = *state;
	char		 other[TOKEN_B64KEYLEN + 1];

	prep(f, T0);
	sign(f);
	memcpy(other, f->keyid, sizeof(other));
	other[0] = other[0] == 'A' ? 'B' : 'A';
	assert_int_equal(httpsig_verify(f->hs, &f->req, other, f->pk, T0),
	    HTTPSIG_KEYID);
	assert_int_equal(httpsig_verify(f->hs, &f->req, "", f->pk, T0),
	    HTTPSIG_KEYID);
	assert_int_equal(httpsig_verify(f->hs, &f->req, NULL, f->pk, T0),
	    HTTPSIG_KEYID);
}

static void
test_bad_signature(void **state)
{
	struct fix	*f = *state;
	unsigned char	 opk[32], osk[64];
	char		 input[1024];

	prep(f, T0);
	sign(f);
	f->req.method = "PUT";
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE);
	f->req.method = "POST";
	f->req.target_uri = "https://remote.example:8443/v1/traces?project=x";
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE);
	f->req.target_uri = URI;

	/* created changed after signing. */
	snprintf(input, sizeof(input), "%s", f->cs.signature_input);
	memcpy(strstr(input, "created=") + 8, "1767225601", 10);
	f->req.signature_input = input;
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE);
	f->req.signature_input = f->cs.signature_input;

	/* Signed by a key that is not this login's. */
	crypto_sign_keypair(opk, osk);
	assert_int_equal(client_sign(&f->cr, osk, &f->cs), 0);
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE);
	assert_int_equal(httpsig_cache_count(f->hs), 0);
}

static void
test_digest(void **state)
{
	struct fix	*f = *state;
	char		 cd[256];

	/* The body changed in flight; the signed digest did not. */
	prep(f, T0);
	sign(f);
	f->req.body = (const unsigned char *)"{\"name\":\"run-2\"}";
	assert_int_equal(verify(f, T0), HTTPSIG_DIGEST_MISMATCH);

	/* Absent, unparsable, another algorithm only. */
	prep(f, T0);
	sign(f);
	f->req.content_digest = NULL;
	assert_int_equal(verify(f, T0), HTTPSIG_DIGEST_MISSING);
	f->req.content_digest = "sha-256=:not base64:";
	assert_int_equal(verify(f, T0), HTTPSIG_DIGEST_MISSING);
	f->req.content_digest = "sha-512=:AAAA:";
	assert_int_equal(verify(f, T0), HTTPSIG_DIGEST_MISSING);
	/* A sha-256 of the wrong size, or not a byte sequence. */
	f->req.content_digest = "sha-256=:AAAA:";
	assert_int_equal(verify(f, T0), HTTPSIG_DIGEST_MISMATCH);
	f->req.content_digest = "sha-256=(:AAAA:)";
	assert_int_equal(verify(f, T0), HTTPSIG_DIGEST_MISMATCH);
	/* Right size and form, wrong digest, signed so: a mismatch. */
	snprintf(cd, sizeof(cd), "%s", f->cs.content_digest);
	cd[10] = cd[10] == 'A' ? 'B' : 'A';
	f->req.content_digest = cd;
	assert_int_equal(verify(f, T0), HTTPSIG_BAD_SIGNATURE);
	assert_int_equal(httpsig_cache_count(f->hs), 0);
}

/* A cache of 8: full of live nonces it refuses; as they go it takes. */
static void
test_cache(void **state)
{
	struct fix	*f = *state;
	int		 i;

	for (i = 0; i < 8; i++) {
		prep(f, T0 + i);
		sign(f);
		assert_int_equal(verify(f, T0 + i), HTTPSIG_OK);
	}
	assert_int_equal(httpsig_cache_count(f->hs), 8);
	prep(f, T0 + 8);
	sign(f);
	assert_int_equal(verify(f, T0 + 8), HTTPSIG_BUSY);
	/* The first nonce (created T0) lives until T0 + 60 inclusive. */
	assert_int_equal(verify(f, T0 + 60), HTTPSIG_BUSY);
	assert_int_equal(verify(f, T0 + 61), HTTPSIG_OK);
	assert_int_equal(httpsig_cache_count(f->hs), 8);
	/* Much later, every old nonce is gone. */
	prep(f, T0 + 1000);
	sign(f);
	assert_int_equal(verify(f, T0 + 1000), HTTPSIG_OK);
	assert_int_equal(httpsig_cache_count(f->hs), 1);
}

/*
 * A cache of 1024 starts at 64 and grows as nonces come: each one it
 * took is still a replay after every growth, and the 1025th is busy.
 */
static void
test_cache_grows(void **state)
{
	struct fix	*f = *state;
	int		 i;

	httpsig_free(f->hs);
	assert_non_null(f->hs = httpsig_new(60, 1024));
	for (i = 0; i < 1024; i++) {
		prep(f, T0);
		sign(f);
		assert_int_equal(verify(f, T0), HTTPSIG_OK);
		if ((i & (i + 1)) == 0 || i == 1023) {
			f->nonce = 0;
			prep(f, T0);
			sign(f);
			assert_int_equal(verify(f, T0), HTTPSIG_REPLAYED);
			f->nonce = i + 1;
		}
	}
	assert_int_equal(httpsig_cache_count(f->hs), 1024);
	prep(f, T0);
	sign(f);
	assert_int_equal(verify(f, T0), HTTPSIG_BUSY);
	prep(f, T0 + 61);
	sign(f);
	assert_int_equal(verify(f, T0 + 61), HTTPSIG_OK);
	assert_int_equal(httpsig_cache_count(f->hs), 1);
}

/* Out-of-order expiry: the heap frees the earliest, not the oldest. */
static void
test_cache_order(void **state)
{
	struct fix	*f = *state;
	int		 created[] = { 50, -50, 40, -40, 30, -30, 20, -20 };
	int		 i;

	for (i = 0; i < 8; i++) {
		prep(f, T0 + created[i]);
		sign(f);
		assert_int_equal(verify(f, T0), HTTPSIG_OK);
	}
	/* The nonce created at -50 lives until T0 + 10, the one at -40
	 * until T0 + 20, though others were remembered before them. */
	prep(f, T0 + 10);
	sign(f);
	assert_int_equal(verify(f, T0 + 10), HTTPSIG_BUSY);
	assert_int_equal(verify(f, T0 + 11), HTTPSIG_OK);
	prep(f, T0 + 12);
	sign(f);
	assert_int_equal(verify(f, T0 + 20), HTTPSIG_BUSY);
	assert_int_equal(verify(f, T0 + 21), HTTPSIG_OK);
	assert_int_equal(httpsig_cache_count(f->hs), 8);
}

/* The signature base, byte for byte, from independent text. */
static void
test_base(void **state)
{
	struct fix		*f = *state;
	struct httpsig_sig	 sig;
	char			*base;
	size_t			 len;
	const char		*input =
	    "sig1=( \"@target-uri\"  \"@method\" "
	    "\"content-digest\");created=0017;"
	    "nonce=\"a\\\"b\\\\c-0123456789abcdef\";"
	    "keyid=\"k1\";alg=\"ed25519\"";
	const char		*want =
	    "\"@target-uri\": https://h.example/p?q=1\n"
	    "\"@method\": DELETE\n"
	    "\"content-digest\": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuFU=:\n"
	    "\"@signature-params\": (\"@target-uri\" \"@method\" "
	    "\"content-digest\");created=17;"
	    "nonce=\"a\\\"b\\\\c-0123456789abcdef\""
	    ";keyid=\"k1\";alg=\"ed25519\"";
	struct httpsig_request	 req = {
		.method = "DELETE", .target_uri = "https://h.example/p?q=1",
		.content_digest = " sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJ"
		    "WZG3hSuFU=:\t",
	};
	char			 s[128];

	(void)f;
	snprintf(s, sizeof(s), "sig1=:%s:", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
	assert_int_equal(httpsig_parse(input, s, &sig), HTTPSIG_OK);
	assert_string_equal(sig.label, "sig1");
	assert_string_equal(sig.nonce, "a\"b\\c-0123456789abcdef");
	assert_int_equal(sig.created, 17);
	assert_int_equal(httpsig_base(&sig, &req, &base, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(base, want, len);
	free(base);
	req.method = "GE T";
	assert_int_equal(httpsig_base(&sig, &req, &base, &len), -1);
}

/* Structured fields: what parses, what does not, and the canonical form. */
static void
test_sfv(void **state)
{
	struct sfv_dict	 d;
	char		 out[256];
	const char	*s;
	const char	*good[][2] = {
		{ "a=1", "1" },
		{ "a=(1 2);x", "(1 2);x" },
		{ "a=(  \"s\"   tok );p=?0", "(\"s\" tok);p=?0" },
		{ "a=-007", "-7" },
		{ "a=1.50", "1.5" },
		{ "a=-0.250;b", "-0.25;b" },
		{ "a=12.0", "12.0" },
		{ "a=:AQID:", ":AQID:" },
		{ "a=?1;b=?1", "?1;b" },
		{ "a=*tok/x:y", "*tok/x:y" },
		{ "a=()", "()" },
		{ "a", "?1" },
	};
	const char	*bad[] = {
		"a=", "A=1", "a=1,", "a=1,,b=2", "a=(1", "a=(1)(2)", "a=1 2",
		"a=\"x", "a=\"\\x\"", "a=\"\t\"", "a=:AQI:", "a=:AQIE=:",
		"a=:AQ==:x", "a=1.", "a=1.2345", "a=1234567890123.1",
		"a=1234567890123456", "a=?2", "a=1;b=1;b=2", "a=1, a=2",
		"a=(1 2 3 4 5 6 7 8 9)", "a=1;b;c;d;e;f;g;h;i;j", "a=--1",
		"1=a", "a=1\x01", "a=@",
	};
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(sfv_parse_dict(good[i][0], strlen(good[i][0]),
		    &d), 0);
		assert_int_equal(d.nmember, 1);
		assert_true(sfv_serialize_member(&d.member[0], out,
		    sizeof(out)) > 0);
		assert_string_equal(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sfv_parse_dict(bad[i], strlen(bad[i]), &d),
		    -1);
	s = " a=1 ,\tb=2\t, c";
	assert_int_equal(sfv_parse_dict(s, strlen(s), &d), 0);
	assert_int_equal(d.nmember, 3);
	s = "a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9";
	assert_int_equal(sfv_parse_dict(s, strlen(s), &d), -1);
	s = "a=(1 2)";
	assert_int_equal(sfv_parse_dict(s, strlen(s), &d), 0);
	assert_int_equal(sfv_serialize_member(&d.member[0], out, 5), -1);
	assert_int_equal(sfv_serialize_member(&d.member[0], out, 6), 5);
}

static void
test_names(void **state)
{
	const char	*want[] = {
		"ok", "no_signature", "bad_signature_input", "components",
		"stale", "future", "replayed", "keyid", "bad_signature",
		"digest_mismatch", "digest_missing", "busy",
	};
	int		 i;

	assert_int_equal(sizeof(want) / sizeof(want[0]), HTTPSIG_NERRORS);
	for (i = 0; i < HTTPSIG_NERRORS; i++) {
		assert_string_equal(httpsig_errname(i), want[i]);
		assert_non_null(httpsig_errmsg(i));
	}
	assert_string_equal(httpsig_errname(HTTPSIG_NERRORS), "unknown");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, fix_setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good),
		T(test_body_hash_given),
		T(test_no_signature),
		T(test_bad_input),
		T(test_components),
		T(test_time),
		T(test_replayed),
		T(test_keyid),
		T(test_bad_signature),
		T(test_digest),
		T(test_cache),
		T(test_cache_grows),
		T(test_cache_order),
		T(test_base),
		cmocka_unit_test(test_sfv),
		cmocka_unit_test(test_names),
	};

	if (sodium_init() == -1)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
