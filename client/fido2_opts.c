/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Decoding of the server's WebAuthn options for a local security key. */

#include <string.h>

#include <sodium.h>

#include "client/fido2.h"

/* A printable string member into out; 0, 1 when absent, -1 when bad. */
static int
opts_str(const json_t *o, const char *name, char *out, size_t size)
{
	const json_t	*v = json_object_get(o, name);
	const char	*s;
	size_t		 i, n;

	out[0] = '\0';
	if (v == NULL)
		return 1;
	if ((s = json_string_value(v)) == NULL ||
	    (n = json_string_length(v)) == 0 || n >= size)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Unpadded base64url of 1 to max bytes into out; 0 or -1. */
static int
opts_b64(const json_t *v, unsigned char *out, size_t max, size_t *len)
{
	const char	*s = json_string_value(v);
	const char	*end;
	size_t		 n;

	if (s == NULL || (n = json_string_length(v)) == 0 ||
	    n > (max * 4 + 2) / 3)
		return -1;
	if (sodium_base642bin(out, max, s, n, NULL, len, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != s + n ||
	    *len == 0)
		return -1;
	return 0;
}

static int
opts_creds(const json_t *a, struct fido2_opts *out)
{
	size_t	i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > FIDO2_MAXCREDS)
		return -1;
	for (i = 0; i < json_array_size(a); i++)
		if (opts_b64(json_array_get(a, i), out->cred[i],
		    FIDO2_CREDMAX, &out->credlen[i]) == -1)
			return -1;
	out->ncreds = i;
	return 0;
}

/* fido2_opts_parse: see fido2.h. */
int
fido2_opts_parse(const json_t *o, struct fido2_opts *out)
{
	const json_t	*v;
	const char	*uv;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) ||
	    opts_str(o, "rp_id", out->rp_id, sizeof(out->rp_id)) != 0 ||
	    opts_str(o, "step", out->step, sizeof(out->step)) == -1 ||
	    opts_str(o, "user", out->user, sizeof(out->user)) == -1 ||
	    opts_b64(json_object_get(o, "challenge"), out->challenge,
	    sizeof(out->challenge), &out->challengelen) == -1 ||
	    opts_creds(json_object_get(o, "credentials"), out) == -1)
		return -1;
	if ((v = json_object_get(o, "user_id")) != NULL &&
	    opts_b64(v, out->user_id, sizeof(out->user_id),
	    &out->user_idlen) == -1)
		return -1;
	if ((v = json_object_get(o, "register")) != NULL) {
		if (!json_is_boolean(v))
			return -1;
		out->reg = json_is_true(v);
	}
	if ((v = json_object_get(o, "user_verification")) != NULL) {
		if ((uv = json_string_value(v)) == NULL)
			return -1;
		out->uv_required = strcmp(uv, "required") == 0;
	}
	return 0;
}
