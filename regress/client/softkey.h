/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A software CTAP2 authenticator for tests: shared declarations. */

#ifndef REGRESS_SOFTKEY_H
#define REGRESS_SOFTKEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define SOFTKEY_MSGMAX	7609	/* CTAPHID: 57 + 128 * 59 bytes */

/* Misbehaviours a test asks for, in $PCCX_SOFTKEY (comma list). */
#define SOFTKEY_NOUP	0x01	/* never sets UP */
#define SOFTKEY_NOUV	0x02	/* never sets UV */
#define SOFTKEY_REWIND	0x04	/* signs with counter 1, long passed */

/* The key's lasting state, in its file. */
struct softkey {
	char		 path[512];
	int		 mode;
	uint32_t	 counter;
	unsigned char	 cred[32];
	int		 have_cred;
	EVP_PKEY	*pkey;
};

/* An encoder's output buffer; err set once it overflows. */
struct softkey_buf {
	unsigned char	 b[SOFTKEY_MSGMAX];
	size_t		 len;
	int		 err;
};

/*
 * softkey_ctap: run one CTAP2 command (cmd[0] is its number) on k;
 * the status byte and CBOR answer go to out.
 */
void	softkey_ctap(struct softkey *, const unsigned char *, size_t,
	    struct softkey_buf *);
/* softkey_save: write k's state to its file; 0 or -1. */
int	softkey_save(const struct softkey *);

#endif
