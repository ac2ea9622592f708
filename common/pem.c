/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* PEM certificate chains into a server's TLS context. */

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/pem.h"

/* pem_load_chain: the leaf, then the intermediates, into ctx. */
int
pem_load_chain(SSL_CTX *ctx, BIO *b)
{
	X509	*x;

	if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL)
		return -1;
	if (SSL_CTX_use_certificate(ctx, x) != 1) {
		X509_free(x);
		return -1;
	}
	X509_free(x);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			return -1;
		}
	ERR_clear_error();	/* the end of the file */
	return 0;
}
