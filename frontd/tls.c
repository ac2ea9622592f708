/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The front end's TLS 1.3 context, from the descriptors the parent sent. */

#include <stdio.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "common/child.h"
#include "common/log.h"
#include "common/pem.h"
#include "frontd.h"
#include "server.h"

/* Log OpenSSL's reasons, then what failed. */
static int
tls_fail(const char *what)
{
	unsigned long	e;
	char		buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("tls: %s", buf);
	}
	log_warnx("tls: %s", what);
	return -1;
}

/* The chain: the leaf first, then any intermediates. */
static int
tls_load_chain(SSL_CTX *ctx, int fd)
{
	BIO	*b;
	int	 rv;

	if ((b = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL)
		return -1;
	rv = pem_load_chain(ctx, b);
	BIO_free(b);
	return rv;
}

static int
tls_load_key(SSL_CTX *ctx, int fd)
{
	BIO		*b;
	EVP_PKEY	*k;
	int		 rv = -1;

	if ((b = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL)
		return -1;
	if ((k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) != NULL &&
	    SSL_CTX_use_PrivateKey(ctx, k) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		rv = 0;
	EVP_PKEY_free(k);
	BIO_free(b);
	return rv;
}

/*
 * tls_setup: a server context that speaks TLS 1.3 only, with the
 * certificate chain "tls-cert" and key "tls" the parent passed, handed
 * to the server (the child closes the descriptors after setup).  0,
 * or -1 when logged.
 */
int
tls_setup(void)
{
	SSL_CTX	*ctx;
	int	 cfd = child_keyfd("tls-cert"), kfd = child_keyfd("tls");
	int	 rv = -1;

	if (cfd == -1 || kfd == -1)
		return tls_fail("no certificate or key from the parent");
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		rv = tls_fail("no context");
		goto done;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	/* No tickets: nothing to keep a key for, no 0-RTT replay. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_max_early_data(ctx, 0);
	if (tls_load_chain(ctx, cfd) == -1) {
		rv = tls_fail("cannot load the certificate chain");
		goto done;
	}
	if (tls_load_key(ctx, kfd) == -1) {
		rv = tls_fail("the key does not load or match the "
		    "certificate");
		goto done;
	}
	server_set_tls(ctx);
	ctx = NULL;
	rv = 0;
 done:
	SSL_CTX_free(ctx);
	return rv;
}
