/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The age v1 file format with X25519 recipients, as a streaming codec. */

#ifndef PCCX_AGE_H
#define PCCX_AGE_H

#include <stddef.h>
#include <stdint.h>

#define AGE_KEY_LEN		32
#define AGE_CHUNK_LEN		65536
#define AGE_TAG_LEN		16
/* Longest header the decryptor accepts: it is held in the chunk buffer. */
#define AGE_HEADER_MAX		(AGE_CHUNK_LEN + AGE_TAG_LEN)
/* Most recipients one file may be encrypted to. */
#define AGE_RECIPIENTS_MAX	32
/* Room for "age1..." and "AGE-SECRET-KEY-1..." with their NUL. */
#define AGE_RECIPIENT_STRLEN	64
#define AGE_IDENTITY_STRLEN	80

/* Why a decryption (or an encryption) stopped. */
enum age_err {
	AGE_OK = 0,
	AGE_E_VERSION,		/* not an age v1 file, or armored */
	AGE_E_HEADER,		/* malformed header line or stanza */
	AGE_E_BASE64,		/* non-canonical base64 in the header */
	AGE_E_HEADER_SIZE,	/* header longer than AGE_HEADER_MAX */
	AGE_E_LOWORDER,		/* X25519 share of low order */
	AGE_E_NOMATCH,		/* no identity opens any stanza */
	AGE_E_MAC,		/* header MAC does not verify */
	AGE_E_CHUNK,		/* a payload chunk does not authenticate */
	AGE_E_TRUNCATED,	/* input ends before the last chunk */
	AGE_E_TRAILING,		/* data after the last chunk */
	AGE_E_EMPTY_CHUNK,	/* an empty last chunk after other chunks */
	AGE_E_OUTPUT,		/* the output callback failed */
	AGE_E_STATE,		/* call after an error or after final */
	/* out of memory or a crypto library failure */
	AGE_E_SYSTEM
};

struct age_recipient {
	uint8_t		pk[AGE_KEY_LEN];
};

struct age_identity {
	uint8_t		sk[AGE_KEY_LEN];
	uint8_t		pk[AGE_KEY_LEN];
};

struct age_enc;
struct age_dec;

/*
 * The output callback of both codecs: take len bytes, return 0, or -1
 * to stop the codec (which then fails with AGE_E_OUTPUT).
 */
typedef int age_out_fn(void *, const void *, size_t);

/* age_out_fd: an output callback writing to the descriptor *(int *)arg. */
int	age_out_fd(void *, const void *, size_t);

/*
 * age_init: get libsodium and OpenSSL ready; call it in setup(),
 * before chroot and seccomp, so that OpenSSL reads its configuration
 * then.  Every other function works without it.  0 or -1.
 */
int	age_init(void);

/* age_strerror: a short lower-case message for an error code. */
const char *age_strerror(enum age_err);

/*
 * age_keygen: make a new identity from the system's random source.
 * Returns 0, or -1 if the public key could not be derived.
 */
int	age_keygen(struct age_identity *);
/*
 * age_identity_encode / age_recipient_encode: write the Bech32 string
 * ("AGE-SECRET-KEY-1..." or "age1...") NUL-terminated into buf of
 * size len (AGE_IDENTITY_STRLEN / AGE_RECIPIENT_STRLEN).  0 or -1.
 */
int	age_identity_encode(const struct age_identity *, char *, size_t);
int	age_recipient_encode(const struct age_recipient *, char *, size_t);
/* age_identity_recipient: the recipient that a given identity opens. */
void	age_identity_recipient(const struct age_identity *,
	    struct age_recipient *);
/*
 * age_recipient_parse / age_identity_parse: decode one NUL-terminated
 * key string, checking hrp, case, length and the Bech32 checksum;
 * a recipient must be lower case and an identity upper case as age
 * writes them.  A recipient of low order is refused.  0 or -1.
 */
int	age_recipient_parse(struct age_recipient *, const char *);
int	age_identity_parse(struct age_identity *, const char *);
/*
 * age_identity_file_parse: parse an identity file as age-keygen writes
 * it (blank lines and '#' comments skipped, one key per line) from
 * buf of len bytes into ids[0..max).  Returns the number of keys, or
 * -1 on a malformed line or more than max keys; *line is the first
 * bad line (from 1).  Keys are wiped from ids on failure.
 */
int	age_identity_file_parse(const char *, size_t, struct age_identity *,
	    size_t, size_t *);

/*
 * age_enc_new: start a file for n recipients (1 to AGE_RECIPIENTS_MAX)
 * and hand its header to out.  NULL on error, with *err set if err is
 * not NULL.  Memory: one chunk, whatever the size of the payload.
 */
struct age_enc *age_enc_new(const struct age_recipient *, size_t,
	    age_out_fn *, void *, enum age_err *);
/*
 * age_enc_update: add len bytes of plaintext; full chunks go to out.
 * age_enc_final: seal the last chunk (possibly empty) and hand it out.
 * Both return 0 or -1 (see age_enc_error); the codec is dead after an
 * error or after final.
 */
int	age_enc_update(struct age_enc *, const void *, size_t);
int	age_enc_final(struct age_enc *);
enum age_err age_enc_error(const struct age_enc *);
/* age_enc_free: wipe and free; NULL is allowed. */
void	age_enc_free(struct age_enc *);

/*
 * age_dec_new: start reading a file with n identities (the first one
 * that opens an X25519 stanza wins; n may be 0 to test for nothing).
 * The identities are copied.  NULL if out of memory.
 */
struct age_dec *age_dec_new(const struct age_identity *, size_t,
	    age_out_fn *, void *);
/*
 * age_dec_update: feed len bytes of the file in any split.  Plaintext
 * goes to out one authenticated chunk at a time, but a chunk is held
 * back until it is known whether it is the last.  Only a 0 from
 * age_dec_final proves that the file was whole: on any -1 the caller
 * must throw away what out received.  Both return 0 or -1; the reason
 * is age_dec_error, a detail for logs age_dec_detail.
 */
int	age_dec_update(struct age_dec *, const void *, size_t);
int	age_dec_final(struct age_dec *);
enum age_err age_dec_error(const struct age_dec *);
const char *age_dec_detail(const struct age_dec *);
/* age_dec_free: wipe and free; NULL is allowed. */
void	age_dec_free(struct age_dec *);

#endif
