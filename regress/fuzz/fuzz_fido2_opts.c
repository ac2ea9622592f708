/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: the client's decoder of the server's WebAuthn options. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/fido2.h"

static struct fido2_opts	opts;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*j;
	size_t	 i;

	if ((j = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	if (fido2_opts_parse(j, &opts) == 0) {
		if (opts.challengelen == 0 || opts.challengelen >
		    sizeof(opts.challenge) || opts.rp_id[0] == '\0' ||
		    opts.ncreds > FIDO2_MAXCREDS)
			abort();
		for (i = 0; i < opts.ncreds; i++)
			if (opts.credlen[i] == 0 ||
			    opts.credlen[i] > FIDO2_CREDMAX)
				abort();
	}
	json_decref(j);
	return 0;
}
