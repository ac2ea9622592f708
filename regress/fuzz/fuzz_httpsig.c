/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: structured fields, the signature base, the whole check. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authd/httpsig.h"
#include "authd/sfv.h"

#define NFIELDS	5

static struct httpsig	*hs;
static unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];

/*
 * Whatever parses must serialise to text that parses again to the
 * same serialisation: the @signature-params line depends on it.
 */
static void
check_roundtrip(const uint8_t *data, size_t size)
{
	struct sfv_dict	*a, *b;
	char		 s1[4096], s2[4096];
	int		 i, n;

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (a == NULL || b == NULL || sfv_parse_dict((const char *)data, size,
	    a) == -1)
		goto done;
	for (i = 0; i < a->nmember; i++) {
		if ((n = sfv_serialize_member(&a->member[i], s1,
		    sizeof(s1) - 4)) == -1)
			continue;
		/* As the value of a one-member dictionary. */
		memmove(s1 + 2, s1, n + 1);
		memcpy(s1, "k=", 2);
		if (sfv_parse_dict(s1, n + 2, b) == -1 || b->nmember != 1 ||
		    sfv_serialize_member(&b->member[0], s2, sizeof(s2)) != n ||
		    memcmp(s1 + 2, s2, n) != 0)
			abort();
	}
 done:
	free(a);
	free(b);
}

/* Split data at newlines into NUL-terminated fields; NULL if absent. */
static char *
field_next(const uint8_t **p, const uint8_t *end)
{
	const uint8_t	*nl;
	char		*f;
	size_t		 len;

	if (*p > end)
		return NULL;
	nl = memchr(*p, '\n', end - *p);
	len = (nl != NULL ? nl : end) - *p;
	if ((f = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(f, *p, len);
	f[len] = '\0';
	*p += len + 1;
	return f;
}

/* A parsed signature's base: three component lines, then the params. */
static void
check_base(const struct httpsig_sig *sig, const struct httpsig_request *req)
{
	char	*base, *nl;
	size_t	 len, plen = strlen(sig->params), lines = 0;

	if (httpsig_base(sig, req, &base, &len) == -1)
		return;
	for (nl = base; (nl = memchr(nl, '\n', base + len - nl)) != NULL;
	    nl++)
		lines++;
	if (lines != HTTPSIG_NCOMP || len < plen ||
	    memcmp(base + len - plen, sig->params, plen) != 0)
		abort();
	free(base);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpsig_request	 req;
	struct httpsig_sig	 sig;
	const uint8_t		*p = data;
	unsigned char		 zero[32] = { 0 };
	char			*f[NFIELDS];
	int			 i;

	if (hs == NULL) {
		if (sodium_init() == -1 ||
		    (hs = httpsig_new(60, 1024)) == NULL)
			abort();
		memset(pk, 0x42, sizeof(pk));
	}
	check_roundtrip(data, size);

	for (i = 0; i < NFIELDS; i++)
		f[i] = field_next(&p, data + size);
	memset(&req, 0, sizeof(req));
	req.signature_input = f[0];
	req.signature = f[1];
	req.content_digest = f[2];
	req.target_uri = f[3] != NULL ? f[3] : "https://h/";
	req.method = f[4] != NULL ? f[4] : "POST";
	req.body = data;
	req.bodylen = size;

	httpsig_digest_check(f[2], zero);
	if (httpsig_parse(f[0], f[1], &sig) == HTTPSIG_OK) {
		check_base(&sig, &req);
		/* At the signature's own time, to reach the verification. */
		httpsig_verify(hs, &req, sig.keyid, pk, sig.created);
	}
	for (i = 0; i < NFIELDS; i++)
		free(f[i]);
	return 0;
}
