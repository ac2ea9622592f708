/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The laptop client: shared declarations of its files. */

#ifndef PCCX_CLIENT_H
#define PCCX_CLIENT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

/* Exit codes, as pccx(1) documents them. */
#define EXIT_OK		0
#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_UNREACH	3
#define EXIT_NOLOGIN	4
#define EXIT_SIGBASE	128	/* 128 + N: stopped by signal N */
#define EXIT_OWNFAIL	255	/* exec and shell: pccx itself failed */

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

/* How one request is made, beyond its method, address and body. */
struct http_opts {
	const char		*accept;	/* NULL: application/json */
	const char		*ctype;		/* the body's, or NULL */
	const struct sign_key	*key;		/* sign with it, or NULL */
	int			 auth;		/* token, device key */
};

/* A request whose answer is read, and whose body is sent, as it goes. */
struct stream_req {
	const char		*method;
	const char		*path;
	struct http_opts	 o;
	const char		*body;		/* in memory, or NULL */
	size_t			 bodylen;
	int			 fd;		/* else a file, or -1 */
	uint64_t		 size;		/* its length */
	const unsigned char	*sha;		/* its SHA-256 */
	long			 timeout;	/* seconds; 0: none */
	/* The bytes of a 2xx answer as they come; -1 stops. */
	int			(*data)(const char *, size_t, void *);
	/* Bytes of the body sent so far, now and then. */
	void			(*tick)(void *, uint64_t);
	void			*arg;
};

/* Lines of a stream of JSON objects, cut as the bytes come. */
struct ndjson {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		(*line)(const char *, size_t, void *);
	void		*arg;
};

#define NDJSON_LINEMAX	(1024 * 1024)

/* Where an exec's output goes, and how it ended. */
struct exec_out {
	int	out;
	int	err;
	int	ended;		/* 1 exit, 2 killed, 3 output closed */
	int	status;
	int	signal;
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
/* sign_request_sha: the same, for a body whose SHA-256 is given. */
int	 sign_request_sha(const struct sign_key *, const char *,
	    const char *, const unsigned char *, struct sign_fields *);
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
/* http_init: jansson frees through http_json_free, which wipes first. */
void	 http_init(void);
void	 http_json_free(void *);
/* http_wipe: zero the usable size of a block from malloc (or NULL). */
void	 http_wipe(void *);
/*
 * http_call: send method path with body (may be NULL).  With key, the
 * request is signed; with auth also the bearer token and device key.
 * Fills rep; returns 0 when an answer came, or EXIT_UNREACH.
 */
int	 http_call(const struct client *, const char *, const char *,
	    const char *, const struct sign_key *, int, struct reply *);
/*
 * http_fields: the header fields of a request whose body hashes to the
 * given SHA-256, as o asks; the list is wiped by http_fields_free.
 */
int	 http_fields(const struct client *, const struct http_opts *,
	    const char *, const char *, const unsigned char *,
	    struct curl_slist **);
void	 http_fields_free(struct curl_slist *);
/* http_url: server and path into url; 0 or -1 when too long. */
int	 http_url(const struct client *, const char *, char *, size_t);
/* http_options: the options every request of ours sets on e. */
void	 http_options(const struct client *, CURL *, const char *);
/* http_clean: in, cut to size, with '?' for control characters. */
const char *http_clean(const char *, char *, size_t);
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
/*
 * client_need: load the login and the device key once; 0, or the exit
 * code after saying why not.
 */
int	 client_need(struct client *);
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
/*
 * relay_spawn: the same relay in a detached child that connects again
 * when the stream drops, on a free loopback UDP port (put in *port);
 * the child's pid, or -1 with the reason said.
 */
pid_t	 relay_spawn(struct client *, const char *, unsigned *);

/* devices.c */
int	 cmd_devices(struct client *, int, char **);
int	 cmd_status(struct client *, int, char **);

/* intr.c */
/*
 * intr_init: SIGINT, SIGTERM and SIGHUP are noted and wake intr_fd();
 * SIGPIPE is ignored.  With winch, SIGWINCH is noted too.
 */
void	 intr_init(int);
/* intr_fd: readable once a noted signal came. */
int	 intr_fd(void);
/* intr_stop: the signal that asked us to stop, or 0. */
int	 intr_stop(void);
/* intr_winch: 1 once after each SIGWINCH; the pipe is drained. */
int	 intr_winch(void);

/* stream.c */
/*
 * http_stream: send r, handing the bytes of a 2xx answer to r->data as
 * they come; another answer's JSON lands in rep.  0 when an answer
 * came, EXIT_UNREACH, or EXIT_SIGBASE + N when signal N stopped it.
 */
int	 http_stream(const struct client *, const struct stream_req *,
	    struct reply *);

/* ndjson.c */
/* ndjson_init: lines of at most cap bytes go to line(text, len, arg). */
int	 ndjson_init(struct ndjson *, size_t,
	    int (*)(const char *, size_t, void *), void *);
/*
 * ndjson_feed: take bytes; each whole line goes to the handler (empty
 * lines skipped).  -1 once a line is over the cap or the handler said
 * -1; the stream is then over.
 */
int	 ndjson_feed(struct ndjson *, const char *, size_t);
/* ndjson_pending: bytes of a line not ended yet. */
size_t	 ndjson_pending(const struct ndjson *);
void	 ndjson_free(struct ndjson *);

/* project.c */
/*
 * project_list: the projects the token gives the user a role in, as
 * a new JSON array of names (sorted), or NULL.
 */
json_t	*project_list(const struct client *);
/* project_ok: a project or reference name we put in a URL. */
int	 project_ok(const char *);
/* uuid_ok: a session id as the server writes it. */
int	 uuid_ok(const char *);
/* b64id_ok: a base64url id (device, trace). */
int	 b64id_ok(const char *);

/* session.c */
int	 cmd_session(struct client *, int, char **);
/*
 * session_find: the project of session id: the one named, or the one
 * of the user's projects where the server knows the session; 0, or
 * the exit code after saying why.
 */
int	 session_find(struct client *, const char *, const char *, char *,
	    size_t);

/* exec.c */
int	 cmd_exec(struct client *, int, char **);
/* execout.c */
/*
 * exec_line: one NDJSON line of an exec's answer (arg: exec_out): the
 * output goes to its fds, the end is noted.  0, or -1 on a line that
 * is not one, or when the output cannot be written (ended 3).
 */
int	 exec_line(const char *, size_t, void *);

/* ws.c, shell.c, events.c */
int	 cmd_shell(struct client *, int, char **);
int	 cmd_events(struct client *, int, char **);

/* trace.c, verdict.c */
int	 cmd_trace(struct client *, int, char **);
int	 cmd_report(struct client *, int, char **);
int	 cmd_reference(struct client *, int, char **);

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
