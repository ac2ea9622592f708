/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* PEM certificate chains into a server's TLS context. */

#ifndef PCCX_PEM_H
#define PCCX_PEM_H

#include <openssl/bio.h>
#include <openssl/ssl.h>

/*
 * pem_load_chain: the certificates in b, the leaf first and then any
 * intermediates, become ctx's chain.  0, or -1 with OpenSSL's reasons
 * left on its error queue.
 */
int	 pem_load_chain(SSL_CTX *, BIO *);

#endif
