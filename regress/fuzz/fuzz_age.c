/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* libFuzzer target: the age decryptor with a fixed identity, and keys. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/age.h"

/* The key of regress/age/fuzz.key, which the seeds are encrypted to. */
static const char fuzz_identity[] =
	"AGE-SECRET-KEY-196R8KC0UDT0NCRT3EYX5DHC86KUHCA375QWV2AY2ZC"
	"FNTXPH6AWQZ2VSG3";

static struct age_identity	 id;
static int			 ready;

/* Plaintext goes nowhere, but every byte is touched. */
static int
discard(void *arg, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint8_t		*sum = arg;
	size_t		 i;

	for (i = 0; i < len; i++)
		*sum ^= p[i];
	return 0;
}

/* The input as key strings and as an identity file. */
static void
fuzz_keys(const uint8_t *data, size_t len)
{
	struct age_identity	 ids[2];
	struct age_recipient	 r;
	char			*s;
	size_t			 line;

	if ((s = malloc(len + 1)) == NULL)
		return;
	memcpy(s, data, len);
	s[len] = '\0';
	(void)age_recipient_parse(&r, s);
	(void)age_identity_parse(&ids[0], s);
	(void)age_identity_file_parse(s, len, ids, 2, &line);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct age_dec	*d;
	uint8_t		 sum = 0;
	size_t		 step, off, n;
	int		 rv = 0;

	if (!ready) {
		if (age_identity_parse(&id, fuzz_identity) == -1)
			abort();
		ready = 1;
	}
	if (len < 1)
		return 0;
	/* The first byte picks how the rest is split between calls. */
	step = data[0] == 0 ? len : (size_t)data[0] * 7;
	data++;
	len--;
	if (len < 200)
		fuzz_keys(data, len);
	if ((d = age_dec_new(&id, 1, discard, &sum)) == NULL)
		return 0;
	for (off = 0; off < len && rv == 0; off += n) {
		n = len - off < step ? len - off : step;
		rv = age_dec_update(d, data + off, n);
	}
	if (rv == 0)
		rv = age_dec_final(d);
	if (rv == 0 && age_dec_error(d) != AGE_OK)
		abort();
	if (rv == -1 && age_dec_error(d) == AGE_OK)
		abort();
	age_dec_free(d);
	return 0;
}
