/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A client's request signer, written apart from the verifier, for tests. */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "regress/authz/client.h"

static const char *const client_comps[] = {
	"@method", "@target-uri", "content-digest", NULL
};

/* The value a component takes in this request. */
static const char *
client_value(const struct client_req *r, const struct client_sig *s,
    const char *name)
{
	if (strcmp(name, "@method") == 0)
		return r->method;
	if (strcmp(name, "@target-uri") == 0)
		return r->target_uri;
	if (strcmp(name, "content-digest") == 0)
		return s->content_digest;
	return "x";
}

int
client_sign(const struct client_req *r, const unsigned char *sk,
    struct client_sig *s)
{
	const char *const	*comps = r->comps ? r->comps : client_comps;
	unsigned char		 h[crypto_hash_sha256_BYTES];
	unsigned char		 sig[crypto_sign_BYTES];
	char			 b64[sodium_base64_ENCODED_LEN(64,
				    sodium_base64_VARIANT_ORIGINAL)];
	char			 list[512], base[8192];
	size_t			 n = 0, ln = 0;
	int			 i;

	crypto_hash_sha256(h, r->body, r->bodylen);
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(s->content_digest, sizeof(s->content_digest),
	    "sha-256=:%s:", b64);
	if (r->digest != NULL && (size_t)snprintf(s->content_digest,
	    sizeof(s->content_digest), "%s", r->digest) >=
	    sizeof(s->content_digest))
		return -1;

	list[0] = '\0';
	for (i = 0; comps[i] != NULL && ln < sizeof(list); i++)
		ln += snprintf(list + ln, sizeof(list) - ln, "%s\"%s\"",
		    i ? " " : "", comps[i]);
	if (ln >= sizeof(list))
		return -1;
	if ((size_t)snprintf(s->signature_input, sizeof(s->signature_input),
	    "%s=(%s);created=%lld;nonce=\"%s\";keyid=\"%s\"%s",
	    r->label ? r->label : "sig1", list, (long long)r->created,
	    r->nonce, r->keyid, r->extra ? r->extra : "") >=
	    sizeof(s->signature_input))
		return -1;

	for (i = 0; comps[i] != NULL && n < sizeof(base); i++)
		n += snprintf(base + n, sizeof(base) - n, "\"%s\": %s\n",
		    comps[i], client_value(r, s, comps[i]));
	if (n < sizeof(base))
		n += snprintf(base + n, sizeof(base) - n,
		    "\"@signature-params\": %s",
		    strchr(s->signature_input, '=') + 1);
	if (n >= sizeof(base))
		return -1;
	crypto_sign_detached(sig, NULL, (unsigned char *)base, n, sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(s->signature, sizeof(s->signature), "%s=:%s:",
	    r->label ? r->label : "sig1", b64);
	return 0;
}
