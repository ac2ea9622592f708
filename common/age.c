/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* age v1: keys in Bech32, X25519 stanzas, header MAC, STREAM payload. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>

#include "common/age.h"

#define AGE_VERSION_LINE	"age-encryption.org/v1"
#define AGE_X25519_LABEL	"age-encryption.org/v1/X25519"
#define AGE_FILEKEY_LEN		16
#define AGE_NONCE_LEN		16
#define AGE_MAC_LEN		32
#define AGE_B64_LINE		64	/* columns of a full body line */
#define AGE_B64_LINE_BYTES	48	/* bytes a full body line holds */
#define AGE_WRAPPED_LEN		(AGE_FILEKEY_LEN + AGE_TAG_LEN)
/* Room for the base64 of a 32-byte value and its NUL. */
#define B64_ROOM		64
#define AGE_BUF_LEN		(AGE_CHUNK_LEN + AGE_TAG_LEN)

#define B32_CHARSET		"qpzry9x8gf2tvdw0s3jn54khce6mua7l"
#define B32_CHECKSUM		6
#define B32_KEYCHARS		52	/* 32 bytes in 5-bit groups */
#define HRP_RECIPIENT		"age"
#define HRP_IDENTITY		"age-secret-key-"

struct age_enc {
	age_out_fn	*out;
	void		*arg;
	uint8_t		 key[AGE_KEY_LEN];
	uint64_t	 counter;
	size_t		 len;
	enum age_err	 err;
	int		 done;
	uint8_t		 buf[AGE_BUF_LEN];
};

enum dec_state {
	DEC_VERSION,
	DEC_STANZA,
	DEC_BODY,
	DEC_NONCE,
	DEC_PAYLOAD,
	DEC_DONE,
	DEC_FAILED
};

struct age_dec {
	age_out_fn		*out;
	void			*arg;
	struct age_identity	*ids;
	size_t			 nids;
	enum dec_state		 st;
	enum age_err		 err;
	char			 detail[128];
	/* header bytes in buf */
	size_t			 hlen;
	/* where the open line starts */
	size_t			 line;
	size_t			 nstanza;
	size_t			 nx25519;
	/* the open stanza is X25519 */
	int			 x25519;
	uint8_t			 share[AGE_KEY_LEN];
	uint8_t			 body[AGE_WRAPPED_LEN];
	size_t			 bodylen;
	int			 havekey;
	uint8_t			 filekey[AGE_FILEKEY_LEN];
	uint8_t			 nonce[AGE_NONCE_LEN];
	size_t			 noncelen;
	uint8_t			 key[AGE_KEY_LEN];
	uint64_t		 counter;
	/* payload bytes in buf */
	size_t			 len;
	uint8_t			 buf[AGE_BUF_LEN];
};

static const char *age_errstr[] = {
	[AGE_OK] = "success",
	[AGE_E_VERSION] = "not an age v1 file",
	[AGE_E_HEADER] = "malformed header",
	[AGE_E_BASE64] = "non-canonical base64 in header",
	[AGE_E_HEADER_SIZE] = "header too long",
	[AGE_E_LOWORDER] = "low-order X25519 share refused",
	[AGE_E_NOMATCH] = "no identity matches any recipient stanza",
	[AGE_E_MAC] = "header MAC mismatch",
	[AGE_E_CHUNK] = "payload chunk fails authentication",
	[AGE_E_TRUNCATED] = "truncated file",
	[AGE_E_TRAILING] = "trailing data after last chunk",
	[AGE_E_EMPTY_CHUNK] = "empty last chunk after data",
	[AGE_E_OUTPUT] = "output failed",
	[AGE_E_STATE] = "codec already finished or failed",
	[AGE_E_SYSTEM] = "crypto library failure",
};

/*
 * age_strerror: the message for e; never NULL.
 */
const char *
age_strerror(enum age_err e)
{
	if ((size_t)e >= sizeof(age_errstr) / sizeof(age_errstr[0]) ||
	    age_errstr[e] == NULL)
		return "unknown error";
	return age_errstr[e];
}

/*
 * age_out_fd: write all of buf to the descriptor that arg points to,
 * retrying on EINTR and short writes.  0 or -1.
 */
int
age_out_fd(void *arg, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	int		 fd = *(int *)arg;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Primitives: HKDF, HMAC, base64. */

static int
hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen,
    const uint8_t *salt, size_t saltlen, const char *info)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx;
	OSSL_PARAM	 params[5], *p = params;
	int		 rv = -1;

	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) == NULL)
		return -1;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return -1;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)ikm, ikmlen);
	/* An absent salt is HashLen zero bytes, as RFC 5869 says. */
	if (saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)salt, saltlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
		rv = 0;
	EVP_KDF_CTX_free(ctx);
	return rv;
}

/* The header MAC over buf[0..len), keyed from the file key. */
static int
header_mac(uint8_t mac[AGE_MAC_LEN], const uint8_t *filekey,
    const uint8_t *buf, size_t len)
{
	uint8_t	 key[AGE_MAC_LEN];
	size_t	 maclen = 0;
	int	 rv = -1;

	if (hkdf_sha256(key, sizeof(key), filekey, AGE_FILEKEY_LEN, NULL, 0,
	    "header") == -1)
		return -1;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof(key),
	    buf, len, mac, AGE_MAC_LEN, &maclen) != NULL &&
	    maclen == AGE_MAC_LEN)
		rv = 0;
	sodium_memzero(key, sizeof(key));
	return rv;
}

/* Encode len bytes as unpadded standard base64 at dst; returns length. */
static size_t
b64_encode(char *dst, size_t dstlen, const uint8_t *src, size_t len)
{
	sodium_bin2base64(dst, dstlen, src, len,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return strlen(dst);
}

/*
 * Decode canonical unpadded base64 (no padding, no stray bits, no
 * other characters) into dst; the length in *outlen.  0 or -1.
 */
static int
b64_decode(uint8_t *dst, size_t dstlen, const char *src, size_t len,
    size_t *outlen)
{
	return sodium_base642bin(dst, dstlen, src, len, NULL, outlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

/* The 12-byte chunk nonce: 11-byte big-endian counter, last flag. */
static void
chunk_nonce(uint8_t n[12], uint64_t counter, int last)
{
	int	 i;

	memset(n, 0, 12);
	for (i = 0; i < 8; i++)
		n[10 - i] = (counter >> (8 * i)) & 0xff;
	n[11] = last ? 1 : 0;
}

/*
 * age_init: load what the codecs use (libsodium, and OpenSSL's HKDF
 * and HMAC with its configuration), so that later calls open no file.
 */
int
age_init(void)
{
	uint8_t	 key[AGE_FILEKEY_LEN] = { 0 }, mac[AGE_MAC_LEN];

	if (sodium_init() == -1)
		return -1;
	return header_mac(mac, key, key, sizeof(key));
}

/* Bech32 (BIP 173 checksum, no length limit as age uses it). */

static uint32_t
b32_polymod(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d,
	    0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint32_t	 top = chk >> 25;
	int		 i;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

static uint32_t
b32_hrp_polymod(const char *hrp)
{
	uint32_t	 chk = 1;
	size_t		 i;

	for (i = 0; hrp[i] != '\0'; i++)
		chk = b32_polymod(chk, (uint8_t)hrp[i] >> 5);
	chk = b32_polymod(chk, 0);
	for (i = 0; hrp[i] != '\0'; i++)
		chk = b32_polymod(chk, hrp[i] & 31);
	return chk;
}

/* 32 key bytes to 52 five-bit groups (the last padded with zeros). */
static void
b32_from_key(uint8_t v[B32_KEYCHARS], const uint8_t key[AGE_KEY_LEN])
{
	uint32_t	 acc = 0;
	int		 bits = 0;
	size_t		 i, n = 0;

	for (i = 0; i < AGE_KEY_LEN; i++) {
		acc = (acc << 8) | key[i];
		for (bits += 8; bits >= 5; bits -= 5)
			v[n++] = (acc >> (bits - 5)) & 31;
	}
	v[n] = (acc << (5 - bits)) & 31;
}

/* 52 groups back to 32 bytes; the 4 padding bits must be zero. */
static int
b32_to_key(uint8_t key[AGE_KEY_LEN], const uint8_t v[B32_KEYCHARS])
{
	uint32_t	 acc = 0;
	int		 bits = 0;
	size_t		 i, n = 0;

	for (i = 0; i < B32_KEYCHARS; i++) {
		acc = (acc << 5) | v[i];
		bits += 5;
		if (bits >= 8) {
			key[n++] = (acc >> (bits - 8)) & 0xff;
			bits -= 8;
		}
	}
	return (acc & ((1u << bits) - 1)) == 0 ? 0 : -1;
}

/* Write hrp "1" data checksum, in upper case if upper. */
static int
b32_encode(char *dst, size_t dstlen, const char *hrp,
    const uint8_t key[AGE_KEY_LEN], int upper)
{
	uint8_t		 v[B32_KEYCHARS];
	uint32_t	 chk;
	size_t		 i, n, hlen = strlen(hrp);

	if (dstlen < hlen + 1 + B32_KEYCHARS + B32_CHECKSUM + 1)
		return -1;
	b32_from_key(v, key);
	chk = b32_hrp_polymod(hrp);
	for (i = 0; i < B32_KEYCHARS; i++)
		chk = b32_polymod(chk, v[i]);
	for (i = 0; i < B32_CHECKSUM; i++)
		chk = b32_polymod(chk, 0);
	chk ^= 1;
	memcpy(dst, hrp, hlen);
	n = hlen;
	dst[n++] = '1';
	for (i = 0; i < B32_KEYCHARS; i++)
		dst[n++] = B32_CHARSET[v[i]];
	for (i = 0; i < B32_CHECKSUM; i++)
		dst[n++] = B32_CHARSET[(chk >> (5 * (5 - i))) & 31];
	dst[n] = '\0';
	for (i = 0; upper && i < n; i++)
		if (dst[i] >= 'a' && dst[i] <= 'z')
			dst[i] -= 'a' - 'A';
	sodium_memzero(v, sizeof(v));
	return 0;
}

/* Parse s as hrp "1" data checksum, all in the given case. */
static int
b32_decode(uint8_t key[AGE_KEY_LEN], const char *s, const char *hrp,
    int upper)
{
	uint8_t		 v[B32_KEYCHARS];
	uint32_t	 chk;
	size_t		 i, hlen = strlen(hrp);
	const char	*p;
	int		 c, rv = -1;

	if (strlen(s) != hlen + 1 + B32_KEYCHARS + B32_CHECKSUM)
		return -1;
	for (i = 0; i < hlen; i++) {
		c = (unsigned char)s[i];
		if (upper && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != hrp[i])
			return -1;
	}
	if (s[hlen] != '1')
		return -1;
	chk = b32_hrp_polymod(hrp);
	for (i = 0; i < B32_KEYCHARS + B32_CHECKSUM; i++) {
		c = (unsigned char)s[hlen + 1 + i];
		if (upper && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (upper && c >= 'a' && c <= 'z')
			goto wipe;
		if (c == '\0' || (p = strchr(B32_CHARSET, c)) == NULL)
			goto wipe;
		chk = b32_polymod(chk, p - B32_CHARSET);
		if (i < B32_KEYCHARS)
			v[i] = p - B32_CHARSET;
	}
	if (chk == 1 && b32_to_key(key, v) == 0)
		rv = 0;
 wipe:
	sodium_memzero(v, sizeof(v));
	return rv;
}

/* Keys. */

/*
 * age_keygen: a random X25519 secret and its public key.
 */
int
age_keygen(struct age_identity *id)
{
	if (sodium_init() == -1)
		return -1;
	randombytes_buf(id->sk, sizeof(id->sk));
	if (crypto_scalarmult_base(id->pk, id->sk) != 0) {
		sodium_memzero(id, sizeof(*id));
		return -1;
	}
	return 0;
}

/*
 * age_identity_encode: "AGE-SECRET-KEY-1..." for id, into buf.
 */
int
age_identity_encode(const struct age_identity *id, char *buf, size_t len)
{
	return b32_encode(buf, len, HRP_IDENTITY, id->sk, 1);
}

/*
 * age_recipient_encode: "age1..." for r, into buf.
 */
int
age_recipient_encode(const struct age_recipient *r, char *buf, size_t len)
{
	return b32_encode(buf, len, HRP_RECIPIENT, r->pk, 0);
}

/*
 * age_identity_recipient: the public half of id.
 */
void
age_identity_recipient(const struct age_identity *id,
    struct age_recipient *r)
{
	memcpy(r->pk, id->pk, sizeof(r->pk));
}

/*
 * age_recipient_parse: decode "age1..."; a public key of small order
 * (which would make every shared secret zero) is refused.
 */
int
age_recipient_parse(struct age_recipient *r, const char *s)
{
	uint8_t	 probe[AGE_KEY_LEN], out[AGE_KEY_LEN];

	if (sodium_init() == -1 || b32_decode(r->pk, s, HRP_RECIPIENT, 0) == -1)
		return -1;
	/* Any clamped scalar sends a low-order point to zero. */
	memset(probe, 0x42, sizeof(probe));
	if (crypto_scalarmult(out, probe, r->pk) != 0) {
		memset(r->pk, 0, sizeof(r->pk));
		return -1;
	}
	return 0;
}

/*
 * age_identity_parse: decode "AGE-SECRET-KEY-1..." and derive its
 * public key.
 */
int
age_identity_parse(struct age_identity *id, const char *s)
{
	if (sodium_init() == -1 ||
	    b32_decode(id->sk, s, HRP_IDENTITY, 1) == -1 ||
	    crypto_scalarmult_base(id->pk, id->sk) != 0) {
		sodium_memzero(id, sizeof(*id));
		return -1;
	}
	return 0;
}

/* One line of an identity file: skip it (0), a key (1), or bad (-1). */
static int
identity_line(struct age_identity *id, const char *p, size_t len)
{
	char	 line[AGE_IDENTITY_STRLEN];
	int	 rv;

	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0 || p[0] == '#')
		return 0;
	if (len >= sizeof(line))
		return -1;
	memcpy(line, p, len);
	line[len] = '\0';
	rv = age_identity_parse(id, line) == 0 ? 1 : -1;
	sodium_memzero(line, sizeof(line));
	return rv;
}

/*
 * age_identity_file_parse: every key of an age-keygen file.
 */
int
age_identity_file_parse(const char *buf, size_t len, struct age_identity *ids,
    size_t max, size_t *line)
{
	struct age_identity	 id;
	const char		*p = buf, *nl, *end = buf + len;
	size_t			 n = 0, ln = 0;
	int			 rv;

	while (p < end) {
		ln++;
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		rv = identity_line(&id, p, nl - p);
		if (rv == -1 || (rv == 1 && n == max))
			goto bad;
		if (rv == 1)
			ids[n++] = id;
		p = nl + 1;
	}
	sodium_memzero(&id, sizeof(id));
	if (line != NULL)
		*line = 0;
	return n;
 bad:
	sodium_memzero(&id, sizeof(id));
	if (line != NULL)
		*line = ln;
	sodium_memzero(ids, max * sizeof(*ids));
	return -1;
}

/* Encryption. */

/* Append one X25519 stanza wrapping filekey for r at buf + *n. */
static enum age_err
enc_stanza(uint8_t *buf, size_t *n, const uint8_t *filekey,
    const struct age_recipient *r)
{
	uint8_t		 esk[AGE_KEY_LEN], share[AGE_KEY_LEN];
	uint8_t		 shared[AGE_KEY_LEN], wrap[AGE_KEY_LEN];
	uint8_t		 salt[2 * AGE_KEY_LEN], body[AGE_WRAPPED_LEN];
	uint8_t		 zero[12] = { 0 };
	enum age_err	 e = AGE_E_SYSTEM;

	randombytes_buf(esk, sizeof(esk));
	if (crypto_scalarmult_base(share, esk) != 0)
		goto wipe;
	if (crypto_scalarmult(shared, esk, r->pk) != 0) {
		e = AGE_E_LOWORDER;
		goto wipe;
	}
	memcpy(salt, share, AGE_KEY_LEN);
	memcpy(salt + AGE_KEY_LEN, r->pk, AGE_KEY_LEN);
	if (hkdf_sha256(wrap, sizeof(wrap), shared, sizeof(shared), salt,
	    sizeof(salt), AGE_X25519_LABEL) == -1)
		goto wipe;
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, filekey,
	    AGE_FILEKEY_LEN, NULL, 0, NULL, zero, wrap);
	memcpy(buf + *n, "-> X25519 ", 10);
	*n += 10;
	*n += b64_encode((char *)buf + *n, B64_ROOM, share, sizeof(share));
	buf[(*n)++] = '\n';
	*n += b64_encode((char *)buf + *n, B64_ROOM, body, sizeof(body));
	buf[(*n)++] = '\n';
	e = AGE_OK;
 wipe:
	sodium_memzero(esk, sizeof(esk));
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(wrap, sizeof(wrap));
	return e;
}

/* Build the whole header and the nonce in e->buf; derive the key. */
static enum age_err
enc_header(struct age_enc *e, const struct age_recipient *rs, size_t nrs,
    size_t *hlen)
{
	uint8_t		 filekey[AGE_FILEKEY_LEN], mac[AGE_MAC_LEN];
	uint8_t		*nonce;
	size_t		 i, n;
	enum age_err	 err = AGE_E_SYSTEM;

	randombytes_buf(filekey, sizeof(filekey));
	n = strlen(AGE_VERSION_LINE);
	memcpy(e->buf, AGE_VERSION_LINE "\n", n + 1);
	n++;
	for (i = 0; i < nrs; i++)
		if ((err = enc_stanza(e->buf, &n, filekey, &rs[i])) != AGE_OK)
			goto wipe;
	err = AGE_E_SYSTEM;
	memcpy(e->buf + n, "---", 3);
	n += 3;
	if (header_mac(mac, filekey, e->buf, n) == -1)
		goto wipe;
	e->buf[n++] = ' ';
	n += b64_encode((char *)e->buf + n, B64_ROOM, mac, sizeof(mac));
	e->buf[n++] = '\n';
	nonce = e->buf + n;
	randombytes_buf(nonce, AGE_NONCE_LEN);
	n += AGE_NONCE_LEN;
	if (hkdf_sha256(e->key, sizeof(e->key), filekey, sizeof(filekey),
	    nonce, AGE_NONCE_LEN, "payload") == -1)
		goto wipe;
	*hlen = n;
	err = AGE_OK;
 wipe:
	sodium_memzero(filekey, sizeof(filekey));
	return err;
}

/*
 * age_enc_new: a new file key, one stanza per recipient, the MAC, the
 * nonce; all of it goes to out before this returns.
 */
struct age_enc *
age_enc_new(const struct age_recipient *rs, size_t nrs, age_out_fn *out,
    void *arg, enum age_err *errp)
{
	struct age_enc	*e = NULL;
	enum age_err	 err = AGE_E_SYSTEM;
	size_t		 hlen;

	if (nrs == 0 || nrs > AGE_RECIPIENTS_MAX) {
		err = AGE_E_STATE;
		goto fail;
	}
	if (sodium_init() == -1 || (e = calloc(1, sizeof(*e))) == NULL)
		goto fail;
	e->out = out;
	e->arg = arg;
	if ((err = enc_header(e, rs, nrs, &hlen)) != AGE_OK)
		goto fail;
	err = AGE_E_OUTPUT;
	if (out(arg, e->buf, hlen) == -1)
		goto fail;
	sodium_memzero(e->buf, hlen);
	return e;
 fail:
	age_enc_free(e);
	if (errp != NULL)
		*errp = err;
	return NULL;
}

/* Seal the e->len bytes in the buffer as the next chunk, emit them. */
static int
enc_chunk(struct age_enc *e, int last)
{
	uint8_t		 n[12];

	if (e->counter == UINT64_MAX) {
		e->err = AGE_E_STATE;
		return -1;
	}
	chunk_nonce(n, e->counter, last);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(e->buf,
	    e->buf + e->len, NULL, e->buf, e->len, NULL, 0, NULL, n, e->key);
	if (e->out(e->arg, e->buf, e->len + AGE_TAG_LEN) == -1) {
		e->err = AGE_E_OUTPUT;
		return -1;
	}
	e->counter++;
	e->len = 0;
	return 0;
}

/*
 * age_enc_update: a full chunk is sealed only when more bytes follow,
 * so that final can flag it as the last.
 */
int
age_enc_update(struct age_enc *e, const void *data, size_t len)
{
	const uint8_t	*p = data;
	size_t		 n;

	if (e->err != AGE_OK || e->done) {
		if (e->err == AGE_OK)
			e->err = AGE_E_STATE;
		return -1;
	}
	while (len > 0) {
		if (e->len == AGE_CHUNK_LEN && enc_chunk(e, 0) == -1)
			return -1;
		n = AGE_CHUNK_LEN - e->len;
		if (n > len)
			n = len;
		memcpy(e->buf + e->len, p, n);
		e->len += n;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * age_enc_final: the buffered bytes become the last chunk, which is
 * empty only when the whole payload is.
 */
int
age_enc_final(struct age_enc *e)
{
	if (e->err != AGE_OK || e->done) {
		if (e->err == AGE_OK)
			e->err = AGE_E_STATE;
		return -1;
	}
	e->done = 1;
	if (enc_chunk(e, 1) == -1)
		return -1;
	sodium_memzero(e->key, sizeof(e->key));
	return 0;
}

/*
 * age_enc_error: why the last call failed.
 */
enum age_err
age_enc_error(const struct age_enc *e)
{
	return e->err;
}

/*
 * age_enc_free: wipe keys and plaintext, free.
 */
void
age_enc_free(struct age_enc *e)
{
	if (e == NULL)
		return;
	sodium_memzero(e, sizeof(*e));
	free(e);
}

/* Decryption: the header, line by line, then the payload. */

static int
dec_fail(struct age_dec *d, enum age_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
dec_fail(struct age_dec *d, enum age_err e, const char *fmt, ...)
{
	va_list	 ap;

	d->err = e;
	d->st = DEC_FAILED;
	va_start(ap, fmt);
	vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
	va_end(ap);
	sodium_memzero(d->filekey, sizeof(d->filekey));
	sodium_memzero(d->key, sizeof(d->key));
	sodium_memzero(d->buf, sizeof(d->buf));
	return -1;
}

/* An argument: one or more printable ASCII characters but space. */
static int
dec_arg_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* "-> TYPE ARG...": check every argument, keep an X25519 share. */
static int
dec_stanza_line(struct age_dec *d, const char *p, size_t len)
{
	const char	*a = p + 3, *end = p + len, *sp;
	const char	*args[3];
	size_t		 lens[3], n = 0, outlen;

	while (a <= end) {
		if ((sp = memchr(a, ' ', end - a)) == NULL)
			sp = end;
		if (!dec_arg_ok(a, sp - a))
			return dec_fail(d, AGE_E_HEADER, "stanza %zu: bad "
			    "argument", d->nstanza + 1);
		if (n < 3) {
			args[n] = a;
			lens[n] = sp - a;
		}
		n++;
		a = sp + 1;
	}
	d->nstanza++;
	d->x25519 = lens[0] == 6 && memcmp(args[0], "X25519", 6) == 0;
	d->bodylen = 0;
	if (!d->x25519)
		return 0;
	d->nx25519++;
	if (n != 2)
		return dec_fail(d, AGE_E_HEADER, "X25519 stanza with %zu "
		    "arguments", n - 1);
	if (b64_decode(d->share, sizeof(d->share), args[1], lens[1],
	    &outlen) == -1)
		return dec_fail(d, AGE_E_BASE64, "X25519 share");
	if (outlen != AGE_KEY_LEN)
		return dec_fail(d, AGE_E_HEADER, "X25519 share of %zu bytes",
		    outlen);
	return 0;
}

/* Try identity id on the open X25519 stanza: 1 opened, 0 not, -1. */
static int
dec_unwrap(struct age_dec *d, const struct age_identity *id)
{
	uint8_t	 shared[AGE_KEY_LEN], wrap[AGE_KEY_LEN];
	uint8_t	 salt[2 * AGE_KEY_LEN], zero[12] = { 0 };
	int	 rv = -1;

	if (crypto_scalarmult(shared, id->sk, d->share) != 0 ||
	    sodium_is_zero(shared, sizeof(shared))) {
		dec_fail(d, AGE_E_LOWORDER, "stanza %zu", d->nstanza);
		goto wipe;
	}
	memcpy(salt, d->share, AGE_KEY_LEN);
	memcpy(salt + AGE_KEY_LEN, id->pk, AGE_KEY_LEN);
	if (hkdf_sha256(wrap, sizeof(wrap), shared, sizeof(shared), salt,
	    sizeof(salt), AGE_X25519_LABEL) == -1) {
		dec_fail(d, AGE_E_SYSTEM, "hkdf");
		goto wipe;
	}
	rv = crypto_aead_chacha20poly1305_ietf_decrypt(d->filekey, NULL,
	    NULL, d->body, AGE_WRAPPED_LEN, NULL, 0, zero, wrap) == 0;
 wipe:
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(wrap, sizeof(wrap));
	return rv;
}

/* The body of the open stanza is complete. */
static int
dec_stanza_end(struct age_dec *d)
{
	size_t	 i;
	int	 rv;

	if (!d->x25519)
		return 0;
	if (d->bodylen != AGE_WRAPPED_LEN)
		return dec_fail(d, AGE_E_HEADER, "X25519 stanza body of %zu "
		    "bytes", d->bodylen);
	for (i = 0; i < d->nids && !d->havekey; i++) {
		if ((rv = dec_unwrap(d, &d->ids[i])) == -1)
			return -1;
		d->havekey = rv;
	}
	return 0;
}

/* One body line: at most 64 columns; a shorter one ends the body. */
static int
dec_body_line(struct age_dec *d, const char *p, size_t len)
{
	uint8_t	 tmp[AGE_B64_LINE_BYTES];
	size_t	 n;

	if (len > AGE_B64_LINE)
		return dec_fail(d, AGE_E_HEADER, "stanza %zu: body line of "
		    "%zu columns", d->nstanza, len);
	if (b64_decode(tmp, sizeof(tmp), p, len, &n) == -1)
		return dec_fail(d, AGE_E_BASE64, "stanza %zu body",
		    d->nstanza);
	if (d->x25519 && d->bodylen + n <= sizeof(d->body))
		memcpy(d->body + d->bodylen, tmp, n);
	d->bodylen += n;
	if (len == AGE_B64_LINE)
		return 0;
	d->st = DEC_STANZA;
	return dec_stanza_end(d);
}

/* "--- MAC": the header ends; check that a stanza opened and the MAC. */
static int
dec_mac_line(struct age_dec *d, const char *p, size_t len)
{
	uint8_t	 want[AGE_MAC_LEN], got[AGE_MAC_LEN];
	size_t	 n;
	int	 bad;

	if (len < 4 || !dec_arg_ok(p + 4, len - 4))
		return dec_fail(d, AGE_E_HEADER, "bad MAC line");
	if (b64_decode(got, sizeof(got), p + 4, len - 4, &n) == -1)
		return dec_fail(d, AGE_E_BASE64, "MAC");
	if (n != AGE_MAC_LEN)
		return dec_fail(d, AGE_E_HEADER, "MAC of %zu bytes", n);
	if (!d->havekey)
		return dec_fail(d, AGE_E_NOMATCH, "%zu stanzas, %zu X25519",
		    d->nstanza, d->nx25519);
	if (header_mac(want, d->filekey, d->buf, d->line + 3) == -1)
		return dec_fail(d, AGE_E_SYSTEM, "hmac");
	bad = CRYPTO_memcmp(want, got, sizeof(want)) != 0;
	sodium_memzero(want, sizeof(want));
	if (bad)
		return dec_fail(d, AGE_E_MAC, "header changed or wrong key");
	d->st = DEC_NONCE;
	return 0;
}

/* A complete header line at d->buf + d->line, without its newline. */
static int
dec_line(struct age_dec *d, size_t len)
{
	const char	*p = (const char *)d->buf + d->line;

	switch (d->st) {
	case DEC_VERSION:
		if (len == strlen(AGE_VERSION_LINE) &&
		    memcmp(p, AGE_VERSION_LINE, len) == 0) {
			d->st = DEC_STANZA;
			return 0;
		}
		/* XXX: armored files are refused; the suite writes none. */
		if (len >= 10 && memcmp(p, "-----BEGIN", 10) == 0)
			return dec_fail(d, AGE_E_VERSION, "armored file");
		return dec_fail(d, AGE_E_VERSION, "bad version line");
	case DEC_STANZA:
		if (len >= 3 && memcmp(p, "-> ", 3) == 0) {
			d->st = DEC_BODY;
			return dec_stanza_line(d, p, len);
		}
		if (len >= 4 && memcmp(p, "--- ", 4) == 0)
			return dec_mac_line(d, p, len);
		return dec_fail(d, AGE_E_HEADER, "expected stanza or MAC");
	case DEC_BODY:
		return dec_body_line(d, p, len);
	default:
		return dec_fail(d, AGE_E_STATE, "header state");
	}
}

/* Take header bytes from *pp up to a newline; *lenp shrinks. */
static int
dec_header(struct age_dec *d, const uint8_t **pp, size_t *lenp)
{
	const uint8_t	*nl;
	size_t		 n;

	nl = memchr(*pp, '\n', *lenp);
	n = nl != NULL ? (size_t)(nl - *pp) + 1 : *lenp;
	if (n > sizeof(d->buf) - d->hlen)
		return dec_fail(d, AGE_E_HEADER_SIZE, "over %d bytes",
		    AGE_HEADER_MAX);
	memcpy(d->buf + d->hlen, *pp, n);
	d->hlen += n;
	*pp += n;
	*lenp -= n;
	if (nl == NULL)
		return 0;
	if (dec_line(d, d->hlen - d->line - 1) == -1)
		return -1;
	d->line = d->hlen;
	return 0;
}

/* Does the chunk of len bytes in buf authenticate with this flag? */
static int
dec_verify(struct age_dec *d, size_t len, int last)
{
	uint8_t	 n[12];

	chunk_nonce(n, d->counter, last);
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(NULL, NULL,
	    d->buf, len - AGE_TAG_LEN, d->buf + len - AGE_TAG_LEN, NULL, 0,
	    n, d->key) == 0;
}

/*
 * Decrypt a verified chunk in place and hand it out.  The tag was
 * checked by dec_verify with the AEAD itself; what is left of the
 * AEAD is ChaCha20 from block 1 (RFC 8439, 2.8), done here so that a
 * failed check leaves the ciphertext for the second look.
 */
static int
dec_emit(struct age_dec *d, size_t len, int last)
{
	uint8_t	 n[12];

	chunk_nonce(n, d->counter, last);
	crypto_stream_chacha20_ietf_xor_ic(d->buf, d->buf, len - AGE_TAG_LEN,
	    n, 1, d->key);
	if (d->out(d->arg, d->buf, len - AGE_TAG_LEN) == -1)
		return dec_fail(d, AGE_E_OUTPUT, "chunk %llu",
		    (unsigned long long)d->counter);
	d->counter++;
	d->len = 0;
	return 0;
}

/* A full buffer and more bytes behind it: a chunk that is not last. */
static int
dec_chunk_middle(struct age_dec *d)
{
	if (d->counter == UINT64_MAX)
		return dec_fail(d, AGE_E_CHUNK, "counter overflow");
	if (dec_verify(d, d->len, 0))
		return dec_emit(d, d->len, 0);
	if (dec_verify(d, d->len, 1))
		return dec_fail(d, AGE_E_TRAILING, "after chunk %llu",
		    (unsigned long long)d->counter);
	return dec_fail(d, AGE_E_CHUNK, "chunk %llu",
	    (unsigned long long)d->counter);
}

/* Payload bytes: fill the buffer, open full chunks as more arrive. */
static int
dec_payload(struct age_dec *d, const uint8_t **pp, size_t *lenp)
{
	size_t	 n;

	if (d->st == DEC_NONCE) {
		n = AGE_NONCE_LEN - d->noncelen;
		n = n < *lenp ? n : *lenp;
		memcpy(d->nonce + d->noncelen, *pp, n);
		d->noncelen += n;
		*pp += n;
		*lenp -= n;
		if (d->noncelen < AGE_NONCE_LEN)
			return 0;
		if (hkdf_sha256(d->key, sizeof(d->key), d->filekey,
		    sizeof(d->filekey), d->nonce, AGE_NONCE_LEN,
		    "payload") == -1)
			return dec_fail(d, AGE_E_SYSTEM, "hkdf");
		sodium_memzero(d->filekey, sizeof(d->filekey));
		d->st = DEC_PAYLOAD;
		d->len = 0;
		return 0;
	}
	if (d->len == sizeof(d->buf) && dec_chunk_middle(d) == -1)
		return -1;
	n = sizeof(d->buf) - d->len;
	n = n < *lenp ? n : *lenp;
	memcpy(d->buf + d->len, *pp, n);
	d->len += n;
	*pp += n;
	*lenp -= n;
	return 0;
}

/*
 * age_dec_new: a decryptor over copies of the identities.
 */
struct age_dec *
age_dec_new(const struct age_identity *ids, size_t nids, age_out_fn *out,
    void *arg)
{
	struct age_dec	*d;

	if (sodium_init() == -1 || (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (nids > 0 && (d->ids = calloc(nids, sizeof(*ids))) == NULL) {
		free(d);
		return NULL;
	}
	if (nids > 0)
		memcpy(d->ids, ids, nids * sizeof(*ids));
	d->nids = nids;
	d->out = out;
	d->arg = arg;
	d->st = DEC_VERSION;
	return d;
}

/*
 * age_dec_update: run the header parser, then the payload, over data.
 */
int
age_dec_update(struct age_dec *d, const void *data, size_t len)
{
	const uint8_t	*p = data;

	if (d->st == DEC_FAILED)
		return -1;
	while (len > 0) {
		switch (d->st) {
		case DEC_VERSION:
		case DEC_STANZA:
		case DEC_BODY:
			if (dec_header(d, &p, &len) == -1)
				return -1;
			break;
		case DEC_NONCE:
		case DEC_PAYLOAD:
			if (dec_payload(d, &p, &len) == -1)
				return -1;
			break;
		case DEC_DONE:
			return dec_fail(d, AGE_E_STATE, "update after final");
		case DEC_FAILED:
			return -1;
		}
	}
	return 0;
}

/*
 * age_dec_final: the input ended; what is buffered must be the last
 * chunk, and empty only if it is the first.
 */
int
age_dec_final(struct age_dec *d)
{
	if (d->st == DEC_FAILED)
		return -1;
	if (d->st == DEC_DONE)
		return dec_fail(d, AGE_E_STATE, "final twice");
	if (d->st != DEC_PAYLOAD)
		return dec_fail(d, AGE_E_TRUNCATED, "in the %s",
		    d->st == DEC_NONCE ? "nonce" : "header");
	if (d->len < AGE_TAG_LEN)
		return dec_fail(d, AGE_E_TRUNCATED, "chunk %llu of %zu bytes",
		    (unsigned long long)d->counter, d->len);
	if (!dec_verify(d, d->len, 1)) {
		if (d->len == sizeof(d->buf) && dec_verify(d, d->len, 0))
			return dec_fail(d, AGE_E_TRUNCATED, "no last chunk "
			    "after chunk %llu", (unsigned long long)d->counter);
		return dec_fail(d, AGE_E_CHUNK, "last chunk %llu of %zu "
		    "bytes: changed, truncated or followed by data",
		    (unsigned long long)d->counter, d->len);
	}
	if (d->len == AGE_TAG_LEN && d->counter > 0)
		return dec_fail(d, AGE_E_EMPTY_CHUNK, "chunk %llu",
		    (unsigned long long)d->counter);
	if (dec_emit(d, d->len, 1) == -1)
		return -1;
	sodium_memzero(d->key, sizeof(d->key));
	d->st = DEC_DONE;
	return 0;
}

/*
 * age_dec_error: why the decryptor stopped, AGE_OK if it did not.
 */
enum age_err
age_dec_error(const struct age_dec *d)
{
	return d->err;
}

/*
 * age_dec_detail: where it stopped, for a log line; "" if it did not.
 */
const char *
age_dec_detail(const struct age_dec *d)
{
	return d->detail;
}

/*
 * age_dec_free: wipe identities, keys and buffer, free.
 */
void
age_dec_free(struct age_dec *d)
{
	if (d == NULL)
		return;
	if (d->ids != NULL) {
		sodium_memzero(d->ids, d->nids * sizeof(*d->ids));
		free(d->ids);
	}
	sodium_memzero(d, sizeof(*d));
	free(d);
}
