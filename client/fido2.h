/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The WebAuthn step with a local security key: declarations. */

#ifndef PCCX_CLIENT_FIDO2_H
#define PCCX_CLIENT_FIDO2_H

#include <stddef.h>

#include <jansson.h>

#define FIDO2_MAXCREDS		16	/* credential ids in one request */
#define FIDO2_CREDMAX		1023	/* WebAuthn credentialIdLength */
#define FIDO2_CHALLENGEMAX	64
#define FIDO2_STRMAX		256

/* The server's request options, decoded and bounded. */
struct fido2_opts {
	char		 step[FIDO2_STRMAX];	/* "" if absent */
	char		 rp_id[FIDO2_STRMAX];
	char		 user[FIDO2_STRMAX];	/* "" if absent */
	unsigned char	 challenge[FIDO2_CHALLENGEMAX];
	size_t		 challengelen;
	unsigned char	 user_id[64];
	size_t		 user_idlen;		/* 0 if absent */
	int		 reg;			/* "register": true */
	int		 uv_required;
	size_t		 ncreds;
	unsigned char	 cred[FIDO2_MAXCREDS][FIDO2_CREDMAX];
	size_t		 credlen[FIDO2_MAXCREDS];
};

/* What the command line asked for. */
struct fido2_args {
	const char	*device;	/* NULL: the first key found */
	const char	*code;		/* enrolment code, or NULL */
	const char	*wg_pub;	/* the device's WireGuard key */
};

struct client;
struct fido_dev;

/*
 * fido2_opts_parse: decode the server's options o (the login page's
 * data, or the answer of register/begin or /finish) into out.  The
 * challenge and rp_id must be there; every other member is optional
 * and checked when present: strings printable and bounded, base64url
 * well formed, lengths within the limits above.  0, or -1.
 */
int	 fido2_opts_parse(const json_t *, struct fido2_opts *);

/*
 * fido2_ceremony: the WebAuthn step of a login whose identity is known:
 * with a->code, register a new key and device first, then sign the
 * login challenge; both with the key at a->device.  o is the
 * "webauthn" member of the server's pending answer.  0 when the server
 * took the assertion, else the exit code (the reason printed).
 */
int	 fido2_ceremony(const struct client *, const json_t *,
	    const struct fido2_args *);

/*
 * fido2_dev_hook: NULL in pccx; a test build sets it to give its own
 * device paths their I/O functions before they are opened.  -1 stops.
 */
extern int	(*fido2_dev_hook)(struct fido_dev *, const char *);

#endif
