/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: JWK Set and compact JWS parsing, key choice, verification. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authd/jose.h"

/*
 * The input is a JWK Set, a newline, and a compact JWS (without the
 * newline: a JWS alone).  Every step that parses runs, and a token is
 * verified against the key the set gives it.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data, *nl;
	const char		*tok = p;
	size_t			 toklen = size;
	struct jose_jwks	*set = NULL;
	const struct jose_key	*k;
	struct jose_jws		 jws;
	unsigned char		*raw;
	size_t			 rawlen;

	if ((nl = memchr(p, '\n', size)) != NULL) {
		set = jose_jwks_parse(p, nl - p);
		tok = nl + 1;
		toklen = size - (nl - p) - 1;
	}
	if (jose_b64url_decode(tok, toklen, &raw, &rawlen) == 0)
		free(raw);
	if (jose_jws_parse(tok, toklen, &jws) == JOSE_OK) {
		if (set != NULL && jose_jwks_select(set, &jws, &k) == JOSE_OK)
			jose_jws_verify(&jws, k);
		jose_jws_clear(&jws);
	}
	jose_jwks_free(set);
	return 0;
}
