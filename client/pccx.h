/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The laptop client: shared declarations of its files. */

#ifndef PCCX_CLIENT_H
#define PCCX_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Exit codes, as pccx(1) documents them. */
#define EXIT_OK		0
#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_UNREACH	3
#define EXIT_NOLOGIN	4

#define CLIENT_URLMAX	512
#define CLIENT_IDMAX	128
#define CLIENT_B64KEY	45	/* 32 bytes in base64, and the NUL */

/* A per-login Ed25519 key and what the server calls it. */
struct sign_key {
	unsigned char	 pk[32];
	unsigned char	 sk[64];
	char		 x[CLIENT_B64KEY];	/* base64url public */
	char		 keyid[CLIENT_B64KEY];	/* RFC 7638 */
};

/* The header fields of one signed request. */
struct sign_fields {
	char	 content_digest[128];
	char	 signature_input[512];
	char	 signature[128];
};

/* Everything the client keeps between runs. */
struct client {
	char		 dir[CLIENT_URLMAX];	/* config directory */
	char		 server[CLIENT_URLMAX];	/* no trailing '/' */
	char		 device[CLIENT_IDMAX];
	char		 ca_file[CLIENT_URLMAX];
	int		 have_key;
	struct sign_key	 key;
	char		*token;
	char		 wg_pub[CLIENT_B64KEY];	/* "" if none */
	char		 tls_pub[CLIENT_B64KEY];	/* base64url, "" */
	char		*cert;		/* TLS certificate, PEM */
};

/* An answer from the server. */
struct reply {
	long		 status;	/* 0: no answer */
	json_t		*json;		/* NULL: not JSON */
	long		 retry_after;
};

/* sign.c */
/* sign_key_new: a fresh key pair; 0 or -1. */
int	 sign_key_new(struct sign_key *);
/* sign_key_from_seed: rebuild the key from its 32-byte seed; 0 or -1. */
int	 sign_key_from_seed(struct sign_key *, const unsigned char *);
/*
 * sign_request: Content-Digest (sha-256) of the body and an RFC 9421
 * signature "sig1" over @method, @target-uri and content-digest with
 * created (now), a fresh nonce and keyid; 0, or -1 if a field does not
 * fit.
 */
int	 sign_request(const struct sign_key *, const char *, const char *,
	    const void *, size_t, struct sign_fields *);
/* b64url_enc: unpadded base64url of len bytes into out; 0 or -1. */
int	 b64url_enc(const unsigned char *, size_t, char *, size_t);

/* state.c */
/* state_init: the config directory ($XDG_CONFIG_HOME/pccx or dir). */
int	 state_init(struct client *, const char *);
/* state_load_config: read the config file if there is one; 0 or -1. */
int	 state_load_config(struct client *);
/* state_save_config: write the config file; 0 or -1. */
int	 state_save_config(const struct client *);
/*
 * state_load: read the login key and token from the state file, which
 * must be ours and not readable by group or others.  1 when loaded, 0
 * when there is none, -1 (with the reason printed) when refused.
 */
int	 state_load(struct client *);
/* state_save: write the key and token, mode 0600; 0 or -1. */
int	 state_save(const struct client *);
/* state_clear: remove the state file; 0 or -1. */
int	 state_clear(const struct client *);
/* state_wg_load: the device's WireGuard public key; 1, 0 none, -1. */
int	 state_wg_load(struct client *);
/* state_wg_new: make and store a WireGuard key pair; 0 or -1. */
int	 state_wg_new(struct client *);
/* state_write: write a file of the config directory atomically. */
int	 state_write(const struct client *, const char *, const char *,
	    unsigned int);
/*
 * state_tls_key: the device's Ed25519 key for the tunnel's TLS
 * fallback, made and stored 0600 when there is none; its public half
 * goes to c->tls_pub.  0 or -1.
 */
int	 state_tls_key(struct client *);
/* state_tls_cert: store the certificate the server issued; 0 or -1. */
int	 state_tls_cert(const struct client *, const char *);
/* state_wipe: forget the secrets held in memory. */
void	 state_wipe(struct client *);

/* http.c */
/*
 * http_call: send method path with body (may be NULL).  With key, the
 * request is signed; with auth also the bearer token and device key.
 * Fills rep; returns 0 when an answer came, or EXIT_UNREACH.
 */
int	 http_call(const struct client *, const char *, const char *,
	    const char *, const struct sign_key *, int, struct reply *);
/* http_refused: print the server's refusal; its exit code. */
int	 http_refused(const char *, const struct reply *);
/* reply_free: release the answer's body. */
void	 reply_free(struct reply *);

/* login.c */
int	 cmd_login(struct client *, int, char **);
int	 cmd_register(struct client *, int, char **);
int	 cmd_refresh(struct client *, int, char **);
int	 cmd_logout(struct client *, int, char **);
/*
 * client_authed: load the login and the device key, then send an
 * authenticated, signed request; 0 with r filled, or the exit code.
 */
int	 client_authed(struct client *, const char *, const char *,
	    const char *, struct reply *);
/* jwt_claims: the unverified claims of a token, or NULL. */
json_t	*jwt_claims(const char *);

/* The device's TLS key and certificate for the fallback, in dir. */
#define STATE_TLS_KEY	"tls.key"
#define STATE_TLS_CERT	"tls.crt"

/* relay.c */
int	 cmd_relay(struct client *, int, char **);
/*
 * relay_run: relay WireGuard's datagrams from a local UDP address to
 * the server's TLS fallback and back, until the connection ends or a
 * signal; an exit code.
 */
int	 relay_run(struct client *, const char *, const char *);

/* devices.c */
int	 cmd_devices(struct client *, int, char **);
int	 cmd_status(struct client *, int, char **);

/* tunnel.c */
int	 cmd_up(struct client *, int, char **);
int	 cmd_down(struct client *, int, char **);
/* tunnel_keep: save a token answer's tunnel object (NULL: forget it). */
int	 tunnel_keep(const struct client *, json_t *);
/* tunnel_route: send requests through the tunnel when it is up. */
int	 tunnel_route(struct client *);
/* tunnel_status: print the tunnel's state for pccx status. */
void	 tunnel_status(const struct client *);
int	 tunnel_link_up(const char *, json_t *, const char *, const char *);
int	 tunnel_link_down(const char *);

#endif
