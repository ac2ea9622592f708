/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: the CBOR decoder and the WebAuthn checks that sit on it. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "authd/cbor.h"
#include "authd/webauthn.h"

/*
 * The first byte picks what the rest is: 0 a CBOR document, 1 an
 * attestation object, 2 authenticatorData of an assertion, 3 a
 * clientDataJSON, 4 a stored COSE key.  The fixed parts below pass
 * their own checks, so the input is what decides.
 */
#define CHAL_B64	"AAAAAAAAAAAAAAAAAAAAAA"
static const uint8_t	 chal[16];
static const char	 cd_create[] = "{\"type\":\"webauthn.create\","
			    "\"challenge\":\"" CHAL_B64 "\","
			    "\"origin\":\"http://localhost\"}";
static const char	 cd_get[] = "{\"type\":\"webauthn.get\","
			    "\"challenge\":\"" CHAL_B64 "\","
			    "\"origin\":\"http://localhost\"}";
static const char *const origins[] = { "http://localhost" };
static const struct webauthn_rp rp = { "localhost", origins, 1, 1, NULL };

/* The P-256 base point as an ES256 COSE key. */
static const uint8_t	 cose_g[] = {
	0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20,
	0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6,
	0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb,
	0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x22, 0x58, 0x20,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
	0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
	0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

/* Every invariant a caller of the decoder relies on. */
static void
check_doc(const struct cbor_doc *doc, size_t len)
{
	const struct cbor_item	*it;
	int64_t			 v;
	size_t			 i, k;

	if (doc->nitems == 0 || doc->nitems > CBOR_MAXITEMS ||
	    doc->len > len || doc->items[0].next != doc->nitems ||
	    doc->items[0].end != doc->len)
		abort();
	for (i = 0; i < doc->nitems; i++) {
		it = &doc->items[i];
		if (it->next <= i || it->next > doc->nitems ||
		    it->off >= it->end || it->end > doc->len)
			abort();
		if ((it->type == CBOR_BYTES || it->type == CBOR_TEXT) &&
		    (it->ptr < doc->buf || it->ptr + it->val >
		    doc->buf + it->end))
			abort();
		(void)wcbor_get_int(doc, i, &v);
		for (k = 0; k < 4; k++)
			(void)wcbor_child(doc, i, k);
		(void)wcbor_map_int(doc, i, 1);
		(void)wcbor_map_int(doc, i, -2);
		(void)wcbor_map_text(doc, i, "fmt");
	}
}

static void
fuzz_doc(const uint8_t *p, size_t n)
{
	struct cbor_doc	 doc;
	size_t		 used;

	if (wcbor_parse(&doc, p, n) == CBOR_OK)
		check_doc(&doc, n);
	if (wcbor_parse_prefix(&doc, p, n, &used) == CBOR_OK) {
		if (used == 0 || used > n)
			abort();
		check_doc(&doc, used);
	}
}

static void
fuzz_register(const uint8_t *p, size_t n, const char *cd)
{
	struct webauthn_reg	 in = { (const uint8_t *)cd, strlen(cd),
				    p, n, chal, sizeof(chal) };
	struct webauthn_cred	 cred;
	EVP_PKEY		*pk;

	if (webauthn_register(&rp, &in, &cred, NULL) != WEBAUTHN_OK)
		return;
	if (cred.idlen == 0 || cred.idlen > WEBAUTHN_CREDID_MAX)
		abort();
	if ((pk = webauthn_cose_pkey(cred.cose, cred.coselen)) == NULL)
		abort();
	EVP_PKEY_free(pk);
}

static void
fuzz_assert(const uint8_t *p, size_t n)
{
	static const uint8_t	 id[16], sig[8] = { 0x30, 0x06 };
	struct webauthn_assertion in = { id, sizeof(id),
				    (const uint8_t *)cd_get, strlen(cd_get),
				    p, n, sig, sizeof(sig), chal,
				    sizeof(chal) };
	struct webauthn_stored	 st = { id, sizeof(id), cose_g,
				    sizeof(cose_g), 1 };
	struct webauthn_result	 res;

	/* The signature is junk: nothing may pass. */
	if (webauthn_assert(&rp, &in, &st, &res, NULL) == WEBAUTHN_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 cd[WEBAUTHN_CLIENTDATA_MAX + 1];
	EVP_PKEY	*pk;

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_doc(data + 1, size - 1);
		break;
	case 1:
		fuzz_register(data + 1, size - 1, cd_create);
		break;
	case 2:
		fuzz_assert(data + 1, size - 1);
		break;
	case 3:
		if (size - 1 > WEBAUTHN_CLIENTDATA_MAX)
			return 0;
		memcpy(cd, data + 1, size - 1);
		cd[size - 1] = '\0';
		fuzz_register(data, 0, cd);
		break;
	case 4:
		if ((pk = webauthn_cose_pkey(data + 1, size - 1)) != NULL)
			EVP_PKEY_free(pk);
		break;
	}
	return 0;
}
