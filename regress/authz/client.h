/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A client's request signer, written apart from the verifier, for tests. */

#ifndef PCCX_TEST_CLIENT_H
#define PCCX_TEST_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* The three header fields a signed request carries. */
struct client_sig {
	char	 content_digest[256];
	char	 signature_input[1024];
	char	 signature[128];
};

/* What to sign and how. */
struct client_req {
	const char		*method;
	const char		*target_uri;
	const unsigned char	*body;
	size_t			 bodylen;
	const char		*label;		/* NULL: "sig1" */
	/* NULL: the usual three */
	const char *const	*comps;
	int64_t			 created;
	const char		*nonce;
	const char		*keyid;
	/* appended to the params */
	const char		*extra;
	/* NULL: sha-256 of the body */
	const char		*digest;
};

/*
 * client_sign: sign req with the Ed25519 secret key sk (64 bytes) the
 * way a client does: Content-Digest (sha-256) of the body, then the
 * signature base of RFC 9421 2.5 over the components in order, with
 * the parameters ;created=..;nonce="..";keyid=".." and extra.  Unknown
 * components sign the value "x".  0, or -1 if a field does not fit.
 */
int	client_sign(const struct client_req *, const unsigned char *,
	    struct client_sig *);

#endif
