/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Login, device registration, refresh and logout against the server. */

#include <sys/wait.h>

#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"
#include "client/fido2.h"

#define LOGIN_TIMEOUT	300	/* seconds to wait for the browser */
#define LOGIN_POLL	1	/* seconds between two token requests */

extern char	**environ;

/* How one login goes. */
struct login_opts {
	int			browser;
	int			timeout;
	int			reg;
	int			fido2;	/* the WebAuthn step here */
	struct fido2_args	fa;
};

static int	login_wait(struct client *, const struct sign_key *,
		    const char *, time_t, const struct login_opts *);

/*
 * jwt_claims: the claims of a token, decoded and not verified: only for
 * showing what the server said; NULL if it is not a JWT.
 */
json_t *
jwt_claims(const char *jwt)
{
	const char	*p, *q;
	unsigned char	 buf[8192];
	size_t		 n;

	if (jwt == NULL || (p = strchr(jwt, '.')) == NULL ||
	    (q = strchr(p + 1, '.')) == NULL ||
	    sodium_base642bin(buf, sizeof(buf) - 1, p + 1, q - p - 1, NULL,
	    &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	return json_loadb((char *)buf, n, 0, NULL);
}

/* A JSON object of one string member (and tls_key if not ""), or NULL. */
static char *
login_body(const char *name, const char *value, const char *tls)
{
	json_t	*o = json_pack("{s:s}", name, value);
	char	*s;

	if (o == NULL)
		return NULL;
	if (tls != NULL && *tls != '\0')
		json_object_set_new(o, "tls_key", json_string(tls));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Hand the address to xdg-open, if there is one; never wait for it. */
static void
login_open(const char *url)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[3];
	pid_t				 pid;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	argv[0] = "xdg-open";
	argv[1] = (char *)url;
	argv[2] = NULL;
	if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) == 0)
		(void)waitpid(pid, NULL, WNOHANG);
	posix_spawn_file_actions_destroy(&fa);
}

/* The address goes to a terminal: visible ASCII only, no spaces. */
static int
login_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return 0;
	return 1;
}

/* Step 1: tell the server about the key; the login id, or NULL. */
static char *
login_start(struct client *c, const struct sign_key *k,
    const struct login_opts *o, int *rv)
{
	struct reply	 r;
	const char	*lid, *url;
	char		*body, *id = NULL, code[LOGIN_CODELEN];

	if ((body = login_body("login_key", k->x, c->tls_pub)) == NULL) {
		*rv = EXIT_REFUSED;
		return NULL;
	}
	*rv = http_call(c, "POST", "/v1/auth/login", body, NULL, 0, &r);
	free(body);
	if (*rv != 0)
		return NULL;
	lid = json_string_value(json_object_get(r.json, "login_id"));
	url = json_string_value(json_object_get(r.json,
	    "authorization_url"));
	if (r.status != 200 || lid == NULL || url == NULL ||
	    strncmp(url, "https://", 8) != 0 || !login_printable(url)) {
		*rv = http_refused("login", &r);
		reply_free(&r);
		return NULL;
	}
	login_code(k->pk, code);
	printf("To sign in, open this address in a browser:\n%s\n", url);
	printf("The page must show the login code %s.\n", code);
	if (o->reg && !o->fido2)
		printf("On the page, enter your enrolment code and this "
		    "WireGuard public key:\n%s\n", c->wg_pub);
	fflush(stdout);
	if (o->browser)
		login_open(url);
	id = strdup(lid);
	reply_free(&r);
	return id;
}

/* Step 4: ask for the token until it comes; 0 with c->token set. */
static int
login_poll(struct client *c, const struct sign_key *k, const char *lid,
    const struct login_opts *o)
{
	char	*body;
	time_t	 end = time(NULL) + o->timeout;
	int	 rv;

	if ((body = login_body("login_id", lid, NULL)) == NULL)
		return EXIT_REFUSED;
	rv = login_wait(c, k, body, end, o);
	free(body);
	return rv;
}

/* The certificate for the TLS fallback that came with the token. */
static void
login_cert(struct client *c, const struct reply *r)
{
	const char	*pem;

	pem = json_string_value(json_object_get(r->json, "certificate"));
	free(c->cert);
	c->cert = pem != NULL ? strdup(pem) : NULL;
}

/* Ask with body until the token comes or end passes. */
static int
login_wait(struct client *c, const struct sign_key *k, const char *body,
    time_t end, const struct login_opts *o)
{
	struct reply	 r;
	const char	*t;
	long		 wait;
	int		 rv, fido2 = o->fido2;

	for (;;) {
		if ((rv = http_call(c, "POST", "/v1/auth/token", body, k, 0,
		    &r)) != 0)
			return rv;
		t = json_string_value(json_object_get(r.json, "token"));
		if (r.status == 200 && t != NULL) {
			c->token = strdup(t);
			tunnel_keep(c, json_object_get(r.json, "tunnel"));
			login_cert(c, &r);
			reply_free(&r);
			return c->token != NULL ? 0 : EXIT_REFUSED;
		}
		if (r.status != 202 && r.status != 429) {
			rv = http_refused("login", &r);
			reply_free(&r);
			return rv == EXIT_NOLOGIN ? EXIT_REFUSED : rv;
		}
		if (fido2 && json_object_get(r.json, "webauthn") != NULL) {
			fido2 = 0;
			rv = fido2_ceremony(c, json_object_get(r.json,
			    "webauthn"), &o->fa);
			reply_free(&r);
			if (rv != 0)
				return rv;
			continue;
		}
		wait = r.status == 429 && r.retry_after > 0 ? r.retry_after :
		    LOGIN_POLL;
		reply_free(&r);
		if (time(NULL) + wait > end) {
			log_warnx("login: no answer from the browser in "
			    "%d s", o->timeout);
			return EXIT_NOLOGIN;
		}
		sleep(wait);
	}
}

/* Keep the new login: key, token, and the device the token names. */
static int
login_keep(struct client *c, const struct sign_key *k)
{
	const char	*dev, *sub;
	json_t		*cl = jwt_claims(c->token);

	c->key = *k;
	c->have_key = 1;
	dev = json_string_value(json_object_get(cl, "dev"));
	sub = json_string_value(json_object_get(cl, "sub"));
	if (dev != NULL)
		pccx_strlcpy(c->device, dev, sizeof(c->device));
	if (state_save_config(c) == -1 || state_save(c) == -1 ||
	    (c->cert != NULL && state_tls_cert(c, c->cert) == -1)) {
		json_decref(cl);
		return EXIT_REFUSED;
	}
	printf("Signed in as %s on device %s\n", sub != NULL ? sub : "?",
	    c->device[0] != '\0' ? c->device : "?");
	json_decref(cl);
	return EXIT_OK;
}

static int
login_run(struct client *c, const struct login_opts *o)
{
	struct sign_key	 k;
	char		*lid;
	int		 rv;

	if (sign_key_new(&k) == -1)
		return EXIT_REFUSED;
	/* A device certificate for the TLS fallback comes with the login. */
	if (state_tls_key(c) == -1)
		log_warnx("no TLS key: no certificate for the TLS fallback");
	if ((lid = login_start(c, &k, o, &rv)) != NULL) {
		state_wipe(c);
		if ((rv = login_poll(c, &k, lid, o)) == 0)
			rv = login_keep(c, &k);
		free(lid);
	}
	sodium_memzero(&k, sizeof(k));
	return rv;
}

/* Options common to login and register; -1 on a usage error. */
static int
login_args(int argc, char **argv, struct login_opts *o)
{
	static const struct option longopts[] = {
		{ "no-browser", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "fido2", no_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->browser = 1;
	o->timeout = LOGIN_TIMEOUT;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "nt:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->fido2 = 1;
			break;
		case 'd':
			o->fa.device = optarg;
			break;
		case 'n':
			o->browser = 0;
			break;
		case 't':
			o->timeout = atoi(optarg);
			if (o->timeout < 1 || o->timeout > 3600) {
				log_warnx("timeout must be 1 to 3600 seconds");
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	if (o->fa.device != NULL && !o->fido2)
		return -1;
	if (optind < argc && o->fido2)
		o->fa.code = argv[optind++];
	return optind == argc ? 0 : -1;
}

/*
 * cmd_login: pccx login [-n] [-t SECONDS] [--fido2 [--device PATH]]; a
 * registered device.  With --fido2 the WebAuthn step runs here with the
 * key, on the options the server adds to its pending answer.
 */
int
cmd_login(struct client *c, int argc, char **argv)
{
	struct login_opts	o;
	int			rv;

	if (login_args(argc, argv, &o) == -1 || o.fa.code != NULL)
		return EXIT_USAGE;
	o.reg = 0;
	if ((rv = state_wg_load(c)) != 1) {
		if (rv == 0)
			log_warnx("this laptop has no device key: run "
			    "pccx device register");
		return EXIT_NOLOGIN;
	}
	return login_run(c, &o);
}

/* A code of "-": the first line of standard input instead. */
static int
code_stdin(const char **code)
{
	static char	buf[128];
	size_t		n;

	if (strcmp(*code, "-") != 0)
		return 0;
	/* Empty, or longer than any code. */
	if (fgets(buf, sizeof(buf), stdin) == NULL ||
	    (n = strcspn(buf, "\r\n")) == 0 || n == sizeof(buf) - 1) {
		log_warnx("register: no enrolment code on standard input");
		return -1;
	}
	buf[n] = '\0';
	*code = buf;
	return 0;
}

/*
 * cmd_register: pccx device register [-n] [-t SECONDS] [--fido2
 * [--device PATH] CODE]: a WireGuard key pair for this laptop (kept if
 * there is one), then a login whose page registers the security key
 * and the public key; with --fido2, the key at hand does, here, with
 * the enrolment code CODE, or with "-" the first line of standard
 * input, which keeps it out of the process list.
 */
int
cmd_register(struct client *c, int argc, char **argv)
{
	struct login_opts	o;
	int			rv;

	if (login_args(argc, argv, &o) == -1 ||
	    (o.fido2 && o.fa.code == NULL))
		return EXIT_USAGE;
	if (o.fido2 && code_stdin(&o.fa.code) == -1)
		return EXIT_USAGE;
	o.reg = 1;
	if ((rv = state_wg_load(c)) == -1)
		return EXIT_NOLOGIN;
	if (rv == 0 && state_wg_new(c) == -1)
		return EXIT_REFUSED;
	c->device[0] = '\0';
	o.fa.wg_pub = c->wg_pub;
	return login_run(c, &o);
}

/* client_need: what every authenticated command needs, loaded once. */
int
client_need(struct client *c)
{
	int	rv;

	if (c->have_key && c->token != NULL && c->wg_pub[0] != '\0')
		return 0;
	if ((rv = state_load(c)) == -1)
		return EXIT_NOLOGIN;
	if (rv == 0) {
		log_warnx("not logged in: run pccx login");
		return EXIT_NOLOGIN;
	}
	if ((rv = state_wg_load(c)) != 1) {
		if (rv == 0)
			log_warnx("this laptop has no device key: run "
			    "pccx device register");
		return EXIT_NOLOGIN;
	}
	return 0;
}

/* client_authed: the login, the device key, then one signed request. */
int
client_authed(struct client *c, const char *method, const char *path,
    const char *body, struct reply *r)
{
	int	rv;

	if ((rv = client_need(c)) != 0)
		return rv;
	return http_call(c, method, path, body, &c->key, 1, r);
}

/* cmd_refresh: pccx refresh: a new token for the same login. */
int
cmd_refresh(struct client *c, int argc, char **argv)
{
	struct reply	 r;
	const char	*t;
	int		 rv;

	if (argc != 1)
		return EXIT_USAGE;
	if ((rv = client_authed(c, "POST", "/v1/auth/refresh", "{}", &r)) !=
	    0)
		return rv;
	t = json_string_value(json_object_get(r.json, "token"));
	if (r.status != 200 || t == NULL)
		rv = http_refused("refresh", &r);
	else {
		free(c->token);
		if ((c->token = strdup(t)) == NULL || state_save(c) == -1)
			rv = EXIT_REFUSED;
	}
	reply_free(&r);
	return rv;
}

/*
 * cmd_logout: pccx logout: end the login on the server; the local
 * state goes whatever the server says.
 */
int
cmd_logout(struct client *c, int argc, char **argv)
{
	struct reply	r;
	int		rv;

	if (argc != 1)
		return EXIT_USAGE;
	if (state_load(c) == 0) {
		printf("Not logged in\n");
		return EXIT_OK;
	}
	if ((rv = client_authed(c, "POST", "/v1/auth/logout", "{}", &r)) ==
	    0) {
		if (r.status != 200)
			rv = http_refused("logout", &r);
		reply_free(&r);
	}
	if (state_clear(c) == -1)
		return EXIT_REFUSED;
	if (rv == EXIT_NOLOGIN)
		rv = EXIT_OK;
	printf("Logged out\n");
	return rv;
}
