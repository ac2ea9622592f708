/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Unit tests of common/age.c: keys, streaming, and crafted bad files. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/age.h"

/* A pair that age-keygen 1.1.1 made. */
#define KAT_IDENTITY	"AGE-SECRET-KEY-188HS4M7H9W2H4GTMGG8KPY6A8M6" \
			"NNTA3KVY7VC5HHWJTW4PMCTVQ45ZNEM"
#define KAT_RECIPIENT \
	"age1ks3gja42884k755na07lmecvwvsepd0az385c2cdz0amxpka34fqeqetw8"

#define CHUNK		AGE_CHUNK_LEN
#define SEALED		(AGE_CHUNK_LEN + AGE_TAG_LEN)

/* Growable byte buffer, the sink of both codecs. */
struct sink {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
	int		 fail_after;	/* fail the nth call; 0 never */
	int		 calls;
};

static int
sink_out(void *arg, const void *buf, size_t len)
{
	struct sink	*s = arg;

	if (s->fail_after != 0 && ++s->calls >= s->fail_after)
		return -1;
	if (len == 0)
		return 0;
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2 + 64;
		s->p = realloc(s->p, s->cap);
		assert_non_null(s->p);
	}
	memcpy(s->p + s->len, buf, len);
	s->len += len;
	return 0;
}

static void
sink_put(struct sink *s, const void *buf, size_t len)
{
	assert_int_equal(sink_out(s, buf, len), 0);
}

static void
sink_puts(struct sink *s, const char *str)
{
	sink_put(s, str, strlen(str));
}

/* Encrypt len bytes of msg to r, fed in pieces of step bytes. */
static void
enc_all(const struct age_recipient *r, size_t nr, const uint8_t *msg,
    size_t len, size_t step, struct sink *out)
{
	struct age_enc	*e;
	size_t		 off, n;

	memset(out, 0, sizeof(*out));
	assert_non_null(e = age_enc_new(r, nr, sink_out, out, NULL));
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		assert_int_equal(age_enc_update(e, msg + off, n), 0);
	}
	assert_int_equal(age_enc_final(e), 0);
	age_enc_free(e);
}

/* Decrypt buf in pieces of step bytes; AGE_OK or why it failed. */
static enum age_err
dec_all(const struct age_identity *ids, size_t nids, const uint8_t *buf,
    size_t len, size_t step, struct sink *out)
{
	struct age_dec	*d;
	enum age_err	 err = AGE_OK;
	size_t		 off, n;
	int		 rv = 0;

	memset(out, 0, sizeof(*out));
	assert_non_null(d = age_dec_new(ids, nids, sink_out, out));
	for (off = 0; off < len && rv == 0; off += n) {
		n = len - off < step ? len - off : step;
		rv = age_dec_update(d, buf + off, n);
	}
	if (rv == 0)
		rv = age_dec_final(d);
	if (rv != 0) {
		err = age_dec_error(d);
		assert_int_not_equal(err, AGE_OK);
		print_message("# refused: %s: %s\n", age_strerror(err),
		    age_dec_detail(d));
	}
	age_dec_free(d);
	return err;
}

/*
 * A second writer of the format, built on libsodium alone (HKDF from
 * its HMAC), for files no honest encryptor writes.
 */
struct craft {
	struct sink	 s;
	uint8_t		 filekey[16];
	uint8_t		 key[32];
};

static void
hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikmlen,
    const uint8_t *salt, size_t saltlen, const char *info)
{
	crypto_auth_hmacsha256_state	 st;
	uint8_t				 prk[32], one = 1, none = 0;

	crypto_auth_hmacsha256_init(&st, salt != NULL ? salt : &none,
	    saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)info,
	    strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
}

static void
b64(struct sink *s, const uint8_t *buf, size_t len)
{
	char	 tmp[256];

	sodium_bin2base64(tmp, sizeof(tmp), buf, len,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sink_puts(s, tmp);
}

static void
craft_begin(struct craft *c)
{
	memset(c, 0, sizeof(*c));
	randombytes_buf(c->filekey, sizeof(c->filekey));
	sink_puts(&c->s, "age-encryption.org/v1\n");
}

/* An X25519 stanza for pk; with share != NULL, that share instead. */
static void
craft_x25519(struct craft *c, const uint8_t pk[32], const uint8_t *share,
    size_t bodylen)
{
	uint8_t	 esk[32], epk[32], ss[32], salt[64], wrap[32], body[64];
	uint8_t	 zero[12] = { 0 };

	randombytes_buf(esk, sizeof(esk));
	crypto_scalarmult_base(epk, esk);
	if (share != NULL)
		memcpy(epk, share, 32);
	if (crypto_scalarmult(ss, esk, pk) != 0)
		memset(ss, 0, sizeof(ss));
	memcpy(salt, epk, 32);
	memcpy(salt + 32, pk, 32);
	hkdf(wrap, ss, 32, salt, 64, "age-encryption.org/v1/X25519");
	memset(body, 0, sizeof(body));
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, c->filekey, 16,
	    NULL, 0, NULL, zero, wrap);
	sink_puts(&c->s, "-> X25519 ");
	b64(&c->s, epk, 32);
	sink_puts(&c->s, "\n");
	b64(&c->s, body, bodylen);
	sink_puts(&c->s, "\n");
}

/* "---", the MAC over what is there, the nonce; the payload key. */
static void
craft_mac(struct craft *c)
{
	uint8_t	 mk[32], mac[32], nonce[16];

	sink_puts(&c->s, "---");
	hkdf(mk, c->filekey, 16, NULL, 0, "header");
	crypto_auth_hmacsha256(mac, c->s.p, c->s.len, mk);
	sink_puts(&c->s, " ");
	b64(&c->s, mac, 32);
	sink_puts(&c->s, "\n");
	randombytes_buf(nonce, sizeof(nonce));
	sink_put(&c->s, nonce, sizeof(nonce));
	hkdf(c->key, c->filekey, 16, nonce, 16, "payload");
}

/* One chunk of len bytes of 'x' with any counter and flag. */
static void
craft_chunk(struct craft *c, size_t len, uint64_t counter, int last)
{
	uint8_t		*buf = malloc(len + 16), n[12] = { 0 };
	int		 i;

	assert_non_null(buf);
	memset(buf, 'x', len);
	for (i = 0; i < 8; i++)
		n[10 - i] = counter >> (8 * i);
	n[11] = last;
	crypto_aead_chacha20poly1305_ietf_encrypt(buf, NULL, buf, len, NULL,
	    0, NULL, n, c->key);
	sink_put(&c->s, buf, len + 16);
	free(buf);
}

static struct age_identity	 id1, id2;
static struct age_recipient	 r1, r2;

static int
keys_setup(void **state)
{
	assert_int_equal(age_keygen(&id1), 0);
	assert_int_equal(age_keygen(&id2), 0);
	age_identity_recipient(&id1, &r1);
	age_identity_recipient(&id2, &r2);
	return 0;
}

static void
test_keys(void **state)
{
	struct age_identity	 id;
	struct age_recipient	 r;
	char			 s[AGE_IDENTITY_STRLEN];
	char			 t[AGE_IDENTITY_STRLEN];

	assert_int_equal(age_identity_parse(&id, KAT_IDENTITY), 0);
	age_identity_recipient(&id, &r);
	assert_int_equal(age_recipient_encode(&r, s, AGE_RECIPIENT_STRLEN), 0);
	assert_string_equal(s, KAT_RECIPIENT);
	assert_int_equal(age_identity_encode(&id, s, sizeof(s)), 0);
	assert_string_equal(s, KAT_IDENTITY);
	assert_int_equal(age_recipient_parse(&r, KAT_RECIPIENT), 0);
	assert_memory_equal(r.pk, id.pk, 32);

	/* Round trip of fresh keys. */
	assert_int_equal(age_identity_encode(&id1, s, sizeof(s)), 0);
	assert_int_equal(age_identity_parse(&id, s), 0);
	assert_memory_equal(&id, &id1, sizeof(id));

	/* Every single-character change breaks the checksum. */
	strcpy(s, KAT_RECIPIENT);
	strcpy(t, s);
	t[10] = t[10] == 'q' ? 'p' : 'q';
	assert_int_equal(age_recipient_parse(&r, t), -1);
	strcpy(t, s);
	t[strlen(t) - 1] = t[strlen(t) - 1] == 'q' ? 'p' : 'q';
	assert_int_equal(age_recipient_parse(&r, t), -1);
	strcpy(t, KAT_IDENTITY);
	t[30] = t[30] == 'Q' ? 'P' : 'Q';
	assert_int_equal(age_identity_parse(&id, t), -1);

	/* Case, hrp, length, character set. */
	strcpy(t, KAT_IDENTITY);
	t[18] += 'a' - 'A';	/* the H of "188HS" */
	assert_int_equal(age_identity_parse(&id, t), -1);
	assert_int_equal(age_recipient_parse(&r, "AGE1KS3GJA42884K755NA07L"
	    "MECVWVSEPD0AZ385C2CDZ0AMXPKA34FQEQETW8"), -1);
	assert_int_equal(age_identity_parse(&id, KAT_RECIPIENT), -1);
	assert_int_equal(age_recipient_parse(&r, KAT_IDENTITY), -1);
	assert_int_equal(age_recipient_parse(&r, "age1"), -1);
	assert_int_equal(age_recipient_parse(&r, ""), -1);
	strcpy(t, KAT_RECIPIENT);
	t[strlen(t) - 1] = '\0';
	assert_int_equal(age_recipient_parse(&r, t), -1);
	strcpy(t, KAT_RECIPIENT);
	t[12] = 'b';	/* not in the Bech32 set */
	assert_int_equal(age_recipient_parse(&r, t), -1);

	/* A recipient of small order is refused. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(age_recipient_encode(&r, s, sizeof(s)), 0);
	assert_int_equal(age_recipient_parse(&r, s), -1);
}

static void
test_identity_file(void **state)
{
	struct age_identity	 ids[2];
	char			 buf[512];
	size_t			 line;

	snprintf(buf, sizeof(buf), "# created: now\n\n# public key: x\r\n"
	    "%s\r\n", KAT_IDENTITY);
	assert_int_equal(age_identity_file_parse(buf, strlen(buf), ids, 2,
	    &line), 1);
	snprintf(buf, sizeof(buf), "%s\n%s", KAT_IDENTITY, KAT_IDENTITY);
	assert_int_equal(age_identity_file_parse(buf, strlen(buf), ids, 2,
	    &line), 2);
	assert_int_equal(age_identity_file_parse(buf, strlen(buf), ids, 1,
	    &line), -1);
	assert_int_equal(line, 2);
	snprintf(buf, sizeof(buf), "# x\n %s\n", KAT_IDENTITY);
	assert_int_equal(age_identity_file_parse(buf, strlen(buf), ids, 2,
	    &line), -1);
	assert_int_equal(line, 2);
	assert_int_equal(age_identity_file_parse("", 0, ids, 2, &line), 0);
}

/* Every size around the chunk edges, fed whole and in odd pieces. */
static void
test_roundtrip(void **state)
{
	static const size_t	 sizes[] = { 0, 1, CHUNK - 1, CHUNK,
	    CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17 };
	static const size_t	 steps[] = { 1 << 20, 1, 7, 4096,
	    CHUNK + 3 };
	struct sink		 c, p;
	uint8_t			*msg;
	size_t			 i, j, n;

	msg = malloc(3 * CHUNK + 17);
	assert_non_null(msg);
	randombytes_buf(msg, 3 * CHUNK + 17);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			if (steps[j] == 1 && sizes[i] > CHUNK + 1)
				continue;
			enc_all(&r1, 1, msg, sizes[i], steps[j], &c);
			n = (sizes[i] + CHUNK - 1) / CHUNK;
			n = n == 0 ? 1 : n;
			assert_true(c.len > n * AGE_TAG_LEN + sizes[i]);
			assert_int_equal(dec_all(&id1, 1, c.p, c.len,
			    steps[j], &p), AGE_OK);
			assert_int_equal(p.len, sizes[i]);
			if (sizes[i] > 0)
				assert_memory_equal(p.p, msg, sizes[i]);
			free(c.p);
			free(p.p);
		}
	}
	free(msg);
}

/* Two recipients; the second identity of two; a wrong identity. */
static void
test_identities(void **state)
{
	struct age_recipient	 rs[2] = { r1, r2 };
	struct age_identity	 ids[2] = { id2, id1 };
	struct sink		 c, p;

	enc_all(rs, 2, (const uint8_t *)"hi", 2, 2, &c);
	assert_int_equal(dec_all(&id2, 1, c.p, c.len, 100, &p), AGE_OK);
	free(p.p);
	free(c.p);
	enc_all(&r1, 1, (const uint8_t *)"hi", 2, 2, &c);
	assert_int_equal(dec_all(ids, 2, c.p, c.len, 3, &p), AGE_OK);
	assert_int_equal(p.len, 2);
	free(p.p);
	assert_int_equal(dec_all(&id2, 1, c.p, c.len, 3, &p),
	    AGE_E_NOMATCH);
	free(p.p);
	assert_int_equal(dec_all(NULL, 0, c.p, c.len, 3, &p),
	    AGE_E_NOMATCH);
	free(p.p);
	free(c.p);
}

/* Craft chunks of the given sizes (last flag as given) after a header. */
static enum age_err
crafted(const size_t *lens, const int *last, size_t n)
{
	struct craft	 c;
	struct sink	 p;
	enum age_err	 err;
	size_t		 i;

	craft_begin(&c);
	craft_x25519(&c, id1.pk, NULL, 32);
	craft_mac(&c);
	for (i = 0; i < n; i++)
		craft_chunk(&c, lens[i], i, last[i]);
	err = dec_all(&id1, 1, c.s.p, c.s.len, 5000, &p);
	free(c.s.p);
	free(p.p);
	return err;
}

static void
test_payload_refusals(void **state)
{
	size_t	 l[3];
	int	 f[3];

	/* The crafter agrees with the library. */
	l[0] = CHUNK; f[0] = 0; l[1] = 5; f[1] = 1;
	assert_int_equal(crafted(l, f, 2), AGE_OK);
	l[0] = 0; f[0] = 1;
	assert_int_equal(crafted(l, f, 1), AGE_OK);
	/* An empty last chunk after a full one. */
	l[0] = CHUNK; f[0] = 0; l[1] = 0; f[1] = 1;
	assert_int_equal(crafted(l, f, 2), AGE_E_EMPTY_CHUNK);
	/* A full last chunk with a chunk after it. */
	l[0] = CHUNK; f[0] = 1; l[1] = 5; f[1] = 1;
	assert_int_equal(crafted(l, f, 2), AGE_E_TRAILING);
	/* No chunk flagged last: the file was cut at a chunk boundary. */
	l[0] = CHUNK; f[0] = 0; l[1] = CHUNK; f[1] = 0;
	assert_int_equal(crafted(l, f, 2), AGE_E_TRUNCATED);
	/* A short chunk not flagged last. */
	l[0] = CHUNK; f[0] = 0; l[1] = 100; f[1] = 0;
	assert_int_equal(crafted(l, f, 2), AGE_E_CHUNK);
	/* A short chunk flagged last in the middle. */
	l[0] = 100; f[0] = 1; l[1] = 100; f[1] = 1;
	assert_int_equal(crafted(l, f, 2), AGE_E_CHUNK);
	/* A lone empty chunk not flagged last. */
	l[0] = 0; f[0] = 0;
	assert_int_equal(crafted(l, f, 1), AGE_E_CHUNK);
	/* Nothing after the nonce. */
	assert_int_equal(crafted(l, f, 0), AGE_E_TRUNCATED);
}

/* Chunks out of order: the counter is bound. */
static void
test_chunk_order(void **state)
{
	struct craft	 c;
	struct sink	 p;

	craft_begin(&c);
	craft_x25519(&c, id1.pk, NULL, 32);
	craft_mac(&c);
	craft_chunk(&c, CHUNK, 1, 0);
	craft_chunk(&c, CHUNK, 0, 0);
	craft_chunk(&c, 1, 2, 1);
	assert_int_equal(dec_all(&id1, 1, c.s.p, c.s.len, 9999, &p),
	    AGE_E_CHUNK);
	assert_int_equal(p.len, 0);
	free(c.s.p);
	free(p.p);
}

/* Decrypt a crafted header closed with a MAC and one empty chunk. */
static enum age_err
crafted_header(struct craft *c)
{
	struct sink	 p;
	enum age_err	 err;

	craft_mac(c);
	craft_chunk(c, 0, 0, 1);
	err = dec_all(&id1, 1, c->s.p, c->s.len, 3, &p);
	free(c->s.p);
	free(p.p);
	return err;
}

static void
test_stanzas(void **state)
{
	struct craft	 c;
	char		 line[200];

	/* Unknown stanzas around ours, with 64-column bodies: fine. */
	memset(line, 'A', 128);
	line[128] = '\0';
	craft_begin(&c);
	sink_puts(&c.s, "-> grease-1 a! ~b\n");
	sink_put(&c.s, line, 64);
	sink_puts(&c.s, "\n\n");
	craft_x25519(&c, id1.pk, NULL, 32);
	sink_puts(&c.s, "-> scrypt c2FsdA 10\nAAAA\n");
	assert_int_equal(crafted_header(&c), AGE_OK);

	/* Unknown stanzas only. */
	craft_begin(&c);
	sink_puts(&c.s, "-> ssh-ed25519 abc AAAA\nAAAA\n");
	assert_int_equal(crafted_header(&c), AGE_E_NOMATCH);

	/* A body line of 65 columns, of 64 with nothing after it. */
	craft_begin(&c);
	sink_puts(&c.s, "-> x\n");
	sink_put(&c.s, line, 65);
	sink_puts(&c.s, "\n");
	craft_x25519(&c, id1.pk, NULL, 32);
	assert_int_equal(crafted_header(&c), AGE_E_HEADER);
	craft_begin(&c);
	craft_x25519(&c, id1.pk, NULL, 32);
	sink_puts(&c.s, "-> x\n");
	sink_put(&c.s, line, 64);
	sink_puts(&c.s, "\n");
	assert_int_equal(crafted_header(&c), AGE_E_BASE64);

	/* X25519 body of 31 and 33 bytes. */
	craft_begin(&c);
	craft_x25519(&c, id1.pk, NULL, 31);
	assert_int_equal(crafted_header(&c), AGE_E_HEADER);
	craft_begin(&c);
	craft_x25519(&c, id1.pk, NULL, 33);
	assert_int_equal(crafted_header(&c), AGE_E_HEADER);

	/* Syntax: empty argument, no type, a control character. */
	craft_begin(&c);
	sink_puts(&c.s, "-> a  b\n\n");
	craft_x25519(&c, id1.pk, NULL, 32);
	assert_int_equal(crafted_header(&c), AGE_E_HEADER);
	craft_begin(&c);
	sink_puts(&c.s, "-> \n\n");
	craft_x25519(&c, id1.pk, NULL, 32);
	assert_int_equal(crafted_header(&c), AGE_E_HEADER);
	craft_begin(&c);
	sink_puts(&c.s, "-> a\tb\n\n");
	craft_x25519(&c, id1.pk, NULL, 32);
	assert_int_equal(crafted_header(&c), AGE_E_HEADER);
	craft_begin(&c);
	sink_puts(&c.s, "->x\n\n");
	assert_int_equal(crafted_header(&c), AGE_E_HEADER);
	/* Padding in a body line. */
	craft_begin(&c);
	craft_x25519(&c, id1.pk, NULL, 32);
	sink_puts(&c.s, "-> x\nAA==\n");
	assert_int_equal(crafted_header(&c), AGE_E_BASE64);
}

/* A stanza added after the MAC was made; a MAC line in bad shape. */
static void
test_header_mac(void **state)
{
	struct craft	 c;
	struct sink	 p, s;
	const uint8_t	*mac;
	size_t		 hl;

	craft_begin(&c);
	craft_x25519(&c, id1.pk, NULL, 32);
	craft_mac(&c);
	craft_chunk(&c, 0, 0, 1);
	mac = memmem(c.s.p, c.s.len, "\n---", 4);
	assert_non_null(mac);
	hl = mac + 1 - c.s.p;
	memset(&s, 0, sizeof(s));
	sink_put(&s, c.s.p, hl);
	sink_puts(&s, "-> extra\n\n");
	sink_put(&s, c.s.p + hl, c.s.len - hl);
	assert_int_equal(dec_all(&id1, 1, s.p, s.len, 4096, &p),
	    AGE_E_MAC);
	free(p.p);
	/* "---" with no MAC, a MAC of 31 bytes, two MACs. */
	s.len = hl;
	sink_puts(&s, "---\n");
	assert_int_equal(dec_all(&id1, 1, s.p, s.len, 4096, &p),
	    AGE_E_HEADER);
	free(p.p);
	s.len = hl;
	sink_puts(&s, "--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
	assert_int_equal(dec_all(&id1, 1, s.p, s.len, 4096, &p),
	    AGE_E_HEADER);
	free(p.p);
	s.len = hl;
	sink_puts(&s, "--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA A\n");
	assert_int_equal(dec_all(&id1, 1, s.p, s.len, 4096, &p),
	    AGE_E_HEADER);
	free(p.p);
	free(s.p);
	free(c.s.p);
}

static void
test_low_order(void **state)
{
	static const char *pts[] = {
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "0100000000000000000000000000000000000000000000000000000000000000",
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct craft	 c;
	struct age_recipient r;
	struct age_enc	*e;
	struct sink	 s = { 0 };
	enum age_err	 err;
	uint8_t		 pt[32];
	size_t		 i;

	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		assert_int_equal(sodium_hex2bin(pt, sizeof(pt), pts[i], 64,
		    NULL, NULL, NULL), 0);
		craft_begin(&c);
		craft_x25519(&c, id1.pk, pt, 32);
		assert_int_equal(crafted_header(&c), AGE_E_LOWORDER);
		/* The encryptor will not wrap to such a key either. */
		memcpy(r.pk, pt, 32);
		e = age_enc_new(&r, 1, sink_out, &s, &err);
		assert_null(e);
		assert_int_equal(err, AGE_E_LOWORDER);
	}
	free(s.p);
}

static void
test_misc_refusals(void **state)
{
	struct craft	 c;
	struct sink	 p, big = { 0 };
	size_t		 i;

	/* Armored and foreign files. */
	memset(&c, 0, sizeof(c));
	sink_puts(&c.s, "-----BEGIN AGE ENCRYPTED FILE-----\n");
	assert_int_equal(dec_all(&id1, 1, c.s.p, c.s.len, 10, &p),
	    AGE_E_VERSION);
	free(p.p);
	free(c.s.p);
	assert_int_equal(dec_all(&id1, 1, (const uint8_t *)
	    "age-encryption.org/v2\n", 22, 10, &p), AGE_E_VERSION);
	free(p.p);
	assert_int_equal(dec_all(&id1, 1, (const uint8_t *)
	    "age-encryption.org/v1", 21, 10, &p), AGE_E_TRUNCATED);
	free(p.p);
	assert_int_equal(dec_all(&id1, 1, (const uint8_t *)"", 0, 10, &p),
	    AGE_E_TRUNCATED);
	free(p.p);

	/* A header past the limit stops before it is all read. */
	sink_puts(&big, "age-encryption.org/v1\n");
	for (i = 0; big.len <= AGE_HEADER_MAX; i++)
		sink_puts(&big, "-> x\nAAAA\n");
	assert_int_equal(dec_all(&id1, 1, big.p, big.len, 777, &p),
	    AGE_E_HEADER_SIZE);
	free(p.p);
	free(big.p);
}

/* The codecs stop for good on an output error and after final. */
static void
test_state(void **state)
{
	struct age_enc	*e;
	struct age_dec	*d;
	struct sink	 s = { 0 }, c;
	uint8_t		*msg = calloc(1, 3 * CHUNK);

	assert_non_null(msg);
	s.fail_after = 2;
	assert_non_null(e = age_enc_new(&r1, 1, sink_out, &s, NULL));
	assert_int_equal(age_enc_update(e, msg, 3 * CHUNK), -1);
	assert_int_equal(age_enc_error(e), AGE_E_OUTPUT);
	assert_int_equal(age_enc_final(e), -1);
	age_enc_free(e);
	free(s.p);

	enc_all(&r1, 1, msg, 10, 10, &c);
	memset(&s, 0, sizeof(s));
	assert_non_null(d = age_dec_new(&id1, 1, sink_out, &s));
	assert_int_equal(age_dec_update(d, c.p, c.len), 0);
	assert_int_equal(age_dec_final(d), 0);
	assert_int_equal(age_dec_update(d, "x", 1), -1);
	assert_int_equal(age_dec_error(d), AGE_E_STATE);
	age_dec_free(d);
	free(s.p);

	memset(&s, 0, sizeof(s));
	s.fail_after = 1;
	assert_non_null(d = age_dec_new(&id1, 1, sink_out, &s));
	assert_int_equal(age_dec_update(d, c.p, c.len), 0);
	assert_int_equal(age_dec_final(d), -1);
	assert_int_equal(age_dec_error(d), AGE_E_OUTPUT);
	age_dec_free(d);
	free(s.p);
	free(c.p);
	free(msg);
	assert_null(age_enc_new(&r1, 0, sink_out, &s, NULL));
	assert_string_equal(age_strerror(AGE_E_MAC), "header MAC mismatch");
	assert_string_equal(age_strerror(1000), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_identity_file),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_payload_refusals),
		cmocka_unit_test(test_chunk_order),
		cmocka_unit_test(test_stanzas),
		cmocka_unit_test(test_header_mac),
		cmocka_unit_test(test_low_order),
		cmocka_unit_test(test_misc_refusals),
		cmocka_unit_test(test_state),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, keys_setup, NULL);
}
