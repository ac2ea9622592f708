/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The device CA: certificates for the tunnel's TLS fallback. */

#ifndef PCCX_AUTHD_CA_H
#define PCCX_AUTHD_CA_H

#include <stddef.h>

/* How long a device certificate lives; a login renews it. */
#define CA_VALIDITY_DAYS	30

/*
 * ca_init: take the device CA from the key files "device-ca-key" (an
 * Ed25519 or P-256 key, PEM) and "device-ca" (its certificate, PEM)
 * that the parent passed.  Called from setup(), before confinement.
 * 0 when loaded or when none was passed, -1 when they are unusable.
 */
int	 ca_init(void);
/* ca_enabled: whether certificates can be issued. */
int	 ca_enabled(void);
/*
 * ca_issue: a PEM certificate, signed by the device CA, for the
 * Ed25519 public key pk (32 bytes) of device (subject CN and a
 * pccx URI in subjectAltName), for TLS client authentication only,
 * valid CA_VALIDITY_DAYS from now, with a random serial.  The caller
 * frees it; NULL on failure.
 */
char	*ca_issue(const char *, const unsigned char *);

#endif
