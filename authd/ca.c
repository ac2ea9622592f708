/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The device CA: certificates for the tunnel's TLS fallback. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <sodium.h>

#include "common/child.h"
#include "common/log.h"
#include "ca.h"

#define CA_FILEMAX	65536

static EVP_PKEY	*ca_key;
static X509	*ca_cert;

/* A whole PEM file from a passed descriptor; the caller wipes it. */
static char *
ca_slurp(const char *name, size_t *len)
{
	char	*buf;
	ssize_t	 r;
	size_t	 n = 0;
	int	 fd = child_keyfd(name);

	if (fd == -1 || (buf = malloc(CA_FILEMAX)) == NULL)
		return NULL;
	while (n < CA_FILEMAX && (r = pread(fd, buf + n, CA_FILEMAX - n,
	    n)) > 0)
		n += r;
	if (n == 0 || n == CA_FILEMAX) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* The key and certificate, parsed from their PEM text. */
static int
ca_load(void)
{
	char	*k, *c;
	size_t	 klen = 0, clen = 0;
	BIO	*b;

	k = ca_slurp("device-ca-key", &klen);
	c = ca_slurp("device-ca", &clen);
	if (k != NULL && (b = BIO_new_mem_buf(k, klen)) != NULL) {
		ca_key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (c != NULL && (b = BIO_new_mem_buf(c, clen)) != NULL) {
		ca_cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (k != NULL)
		sodium_memzero(k, klen);
	free(k);
	free(c);
	return ca_key != NULL && ca_cert != NULL ? 0 : -1;
}

int
ca_init(void)
{
	int	type;

	if (child_keyfd("device-ca-key") == -1)
		return 0;
	if (ca_load() == -1 || X509_check_private_key(ca_cert, ca_key) != 1) {
		log_warnx("device CA: the key or certificate is unusable, "
		    "or they do not match");
		goto fail;
	}
	type = EVP_PKEY_get_base_id(ca_key);
	if (type != EVP_PKEY_ED25519 && type != EVP_PKEY_EC) {
		log_warnx("device CA: the key must be Ed25519 or P-256");
		goto fail;
	}
	log_info("device CA %s", X509_NAME_oneline(
	    X509_get_subject_name(ca_cert), (char [256]){ 0 }, 256));
	return 0;
 fail:
	ERR_clear_error();
	EVP_PKEY_free(ca_key);
	X509_free(ca_cert);
	ca_key = NULL;
	ca_cert = NULL;
	return -1;
}

int
ca_enabled(void)
{
	return ca_key != NULL;
}

/* A random positive serial of 127 bits. */
static int
ca_serial(X509 *x)
{
	unsigned char	 r[16];
	BIGNUM		*bn;
	int		 rv = -1;

	randombytes_buf(r, sizeof(r));
	r[0] &= 0x7f;
	r[0] |= 0x40;
	if ((bn = BN_bin2bn(r, sizeof(r), NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		rv = 0;
	BN_free(bn);
	return rv;
}

/* One extension from its text form, as issued by the CA. */
static int
ca_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*e;
	int		 rv;

	X509V3_set_ctx(&ctx, ca_cert, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	rv = X509_add_ext(x, e, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(e);
	return rv;
}

/* Subject, validity and extensions of a device's certificate. */
static int
ca_fill(X509 *x, const char *device, EVP_PKEY *pk)
{
	X509_NAME	*n = X509_get_subject_name(x);
	char		 san[256];

	if (snprintf(san, sizeof(san), "URI:pccx:device:%s", device) >=
	    (int)sizeof(san))
		return -1;
	if (X509_set_version(x, 2) != 1 || ca_serial(x) == -1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca_cert)) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)device, -1, -1, 0) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -300) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)CA_VALIDITY_DAYS * 86400) == NULL ||
	    X509_set_pubkey(x, pk) != 1)
		return -1;
	if (ca_ext(x, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    ca_ext(x, NID_key_usage, "critical,digitalSignature") == -1 ||
	    ca_ext(x, NID_ext_key_usage, "clientAuth") == -1 ||
	    ca_ext(x, NID_subject_alt_name, san) == -1 ||
	    ca_ext(x, NID_subject_key_identifier, "hash") == -1 ||
	    ca_ext(x, NID_authority_key_identifier, "keyid") == -1)
		return -1;
	return 0;
}

/* The certificate as PEM text in a C string. */
static char *
ca_pem(X509 *x)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p, *s = NULL;
	long	 n;

	if (b != NULL && PEM_write_bio_X509(b, x) == 1 &&
	    (n = BIO_get_mem_data(b, &p)) > 0 &&
	    (s = malloc(n + 1)) != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	BIO_free(b);
	return s;
}

char *
ca_issue(const char *device, const unsigned char *pk)
{
	EVP_PKEY	*k = NULL;
	X509		*x = NULL;
	char		*s = NULL;

	if (ca_key == NULL || (k = EVP_PKEY_new_raw_public_key(
	    EVP_PKEY_ED25519, NULL, pk, 32)) == NULL ||
	    (x = X509_new()) == NULL)
		goto done;
	if (ca_fill(x, device, k) == -1 || X509_sign(x, ca_key,
	    EVP_PKEY_get_base_id(ca_key) == EVP_PKEY_ED25519 ? NULL :
	    EVP_sha256()) <= 0)
		goto done;
	s = ca_pem(x);
 done:
	if (s == NULL)
		log_warnx("device CA: no certificate for %s", device);
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
	return s;
}
