/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: token checks on hostile text and on hostile signed JSON. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authd/token.h"

#define T0	1767225600
#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING

static struct token_store	*ts;
static unsigned char		 pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
static char			 live[TOKEN_MAXLEN + 1];

static void
init(void)
{
	struct token_login	 l = { "alice", "laptop", pk, NULL };
	unsigned char		 seed[crypto_sign_SEEDBYTES] = { 1 };
	char			*jwt;

	if (sodium_init() == -1)
		abort();
	crypto_sign_seed_keypair(pk, sk, seed);
	if ((ts = token_store_new(pk, sk, "pccx-remote", NULL, 16)) == NULL ||
	    token_issue(ts, &l, T0, &jwt, NULL) != TOKEN_OK)
		abort();
	memcpy(live, jwt, strlen(jwt) + 1);
	free(jwt);
}

/*
 * The input as a header and claims (split at the first NUL), encoded
 * and signed with the store's own key: this reaches the claim checks
 * and the session table, which a forger without the key never could.
 */
static void
fuzz_signed(const uint8_t *data, size_t size)
{
	const uint8_t	*nul = memchr(data, '\0', size);
	size_t		 hl = nul ? (size_t)(nul - data) : size / 2;
	size_t		 pl = nul ? size - hl - 1 : size - hl;
	size_t		 cap =
			    sodium_base64_ENCODED_LEN(size, B64URL) * 2 + 100;
	unsigned char	 sig[crypto_sign_BYTES];
	char		*jwt, *p;

	if ((jwt = malloc(cap)) == NULL)
		return;
	sodium_bin2base64(jwt, cap, data, hl, B64URL);
	p = jwt + strlen(jwt);
	*p++ = '.';
	sodium_bin2base64(p, cap - (p - jwt), data + size - pl, pl, B64URL);
	p += strlen(p);
	crypto_sign_detached(sig, NULL, (unsigned char *)jwt, p - jwt, sk);
	*p++ = '.';
	sodium_bin2base64(p, cap - (p - jwt), sig, sizeof(sig), B64URL);
	token_verify(ts, jwt, T0 + 1, NULL);
	free(jwt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (ts == NULL)
		init();
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	token_verify(ts, s, T0 + 1, NULL);
	free(s);
	fuzz_signed(data, size);
	/* The live session must survive whatever came before. */
	if (token_verify(ts, live, T0 + 1, NULL) != TOKEN_OK)
		abort();
	return 0;
}
