/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The WebAuthn step of a login or registration with a local key. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <fido.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"
#include "client/fido2.h"

#define FIDO2_TIMEOUT_MS	60000	/* to touch the key, as the page */
#define FIDO2_MANIFEST		16

/* One open key and what it needs to verify its user. */
struct fido2_key {
	fido_dev_t	*dev;
	char		 pin[64];
	int		 use_pin;
	fido_opt_t	 uv;
};

int	(*fido2_dev_hook)(struct fido_dev *, const char *);

/* A WebAuthn step's result, in the JSON form the login page posts. */
struct fido2_out {
	char		*cd;		/* clientDataJSON */
	json_t		*cred;		/* {"id", "response": {...}} */
};

/* Base64url of len bytes, as a new JSON string; NULL on failure. */
static json_t *
fido2_b64(const unsigned char *p, size_t len)
{
	size_t	 n = sodium_base64_encoded_len(len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	*s;
	json_t	*j;

	if ((s = malloc(n)) == NULL)
		return NULL;
	sodium_bin2base64(s, n, p, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	j = json_string(s);
	free(s);
	return j;
}

/* The origin of the server's address: scheme, host and port. */
static void
fido2_origin(const struct client *c, char *out, size_t size)
{
	const char	*p = strstr(c->server, "://");
	size_t		 n = strlen(c->server);

	if (p != NULL && (p = strchr(p + 3, '/')) != NULL)
		n = p - c->server;
	if (n >= size)
		n = size - 1;
	memcpy(out, c->server, n);
	out[n] = '\0';
}

/* clientDataJSON for type and the challenge, and its SHA-256. */
static char *
fido2_clientdata(const struct client *c, const char *type,
    const struct fido2_opts *o, unsigned char *hash)
{
	char	 origin[CLIENT_URLMAX];
	char	*s;
	json_t	*ch, *j;

	fido2_origin(c, origin, sizeof(origin));
	if ((ch = fido2_b64(o->challenge, o->challengelen)) == NULL)
		return NULL;
	j = json_pack("{s:s, s:o, s:s, s:b}", "type", type, "challenge", ch,
	    "origin", origin, "crossOrigin", 0);
	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s != NULL)
		crypto_hash_sha256(hash, (unsigned char *)s, strlen(s));
	return s;
}

/*
 * Read the key's PIN from the terminal without echo; 0 or -1.
 * XXX: no test runs this: the soft key verifies its user itself and has
 * no PIN, and no hardware key has been tried.
 */
static int
fido2_read_pin(char *pin, size_t size)
{
	struct termios	 t, t0;
	size_t		 n;
	int		 fd, rv = -1;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
		log_warnx("the security key needs its PIN: no terminal");
		return -1;
	}
	dprintf(fd, "Security key PIN: ");
	if (tcgetattr(fd, &t0) == 0) {
		t = t0;
		t.c_lflag &= ~(ECHO | ECHONL);
		(void)tcsetattr(fd, TCSAFLUSH, &t);
	}
	n = 0;
	while (n + 1 < size && read(fd, pin + n, 1) == 1 && pin[n] != '\n')
		n++;
	pin[n] = '\0';
	(void)tcsetattr(fd, TCSAFLUSH, &t0);
	dprintf(fd, "\n");
	close(fd);
	if (n > 0)
		rv = 0;
	return rv;
}

/* The path of the first key plugged in, into out; 0 or -1. */
static int
fido2_first(char *out, size_t size)
{
	fido_dev_info_t	*di;
	size_t		 n = 0;
	int		 rv = -1;

	if ((di = fido_dev_info_new(FIDO2_MANIFEST)) == NULL)
		return -1;
	if (fido_dev_info_manifest(di, FIDO2_MANIFEST, &n) == FIDO_OK &&
	    n > 0) {
		pccx_strlcpy(out, fido_dev_info_path(fido_dev_info_ptr(di,
		    0)), size);
		rv = 0;
	} else
		log_warnx("no security key found: plug one in, or name it "
		    "with --device");
	fido_dev_info_free(&di, FIDO2_MANIFEST);
	return rv;
}

/* Open the key at path (or the first one) for a step of o; 0 or -1. */
static int
fido2_open(struct fido2_key *k, const char *path,
    const struct fido2_opts *o)
{
	char	first[CLIENT_URLMAX];
	int	r;

	memset(k, 0, sizeof(*k));
	if (path == NULL) {
		if (fido2_first(first, sizeof(first)) == -1)
			return -1;
		path = first;
	}
	if ((k->dev = fido_dev_new()) == NULL)
		return -1;
	if (fido2_dev_hook != NULL && fido2_dev_hook(k->dev, path) == -1)
		return -1;
	if ((r = fido_dev_open(k->dev, path)) != FIDO_OK) {
		log_warnx("%s: %s", path, fido_strerr(r));
		return -1;
	}
	if (!fido_dev_is_fido2(k->dev)) {
		log_warnx("%s: not a FIDO2 security key", path);
		return -1;
	}
	fido_dev_set_timeout(k->dev, FIDO2_TIMEOUT_MS);
	/* Built-in verification first, else the PIN, else none. */
	k->uv = FIDO_OPT_TRUE;
	if (!fido_dev_has_uv(k->dev) && fido_dev_has_pin(k->dev)) {
		if (fido2_read_pin(k->pin, sizeof(k->pin)) == -1)
			return -1;
		k->use_pin = 1;
	} else if (!fido_dev_has_uv(k->dev) && !o->uv_required)
		k->uv = FIDO_OPT_OMIT;
	return 0;
}

static void
fido2_close(struct fido2_key *k)
{
	if (k->dev != NULL) {
		(void)fido_dev_close(k->dev);
		fido_dev_free(&k->dev);
	}
	sodium_memzero(k->pin, sizeof(k->pin));
}

/* A CBOR head of major type m and argument n at p; its length. */
static size_t
fido2_cbor_head(unsigned char *p, int m, size_t n)
{
	if (n < 24) {
		p[0] = m << 5 | n;
		return 1;
	}
	if (n < 0x100) {
		p[0] = m << 5 | 24;
		p[1] = n;
		return 2;
	}
	p[0] = m << 5 | 25;
	p[1] = n >> 8;
	p[2] = n & 0xff;
	return 3;
}

/*
 * The attestation object, {"fmt", "attStmt", "authData"} in CTAP2
 * canonical order, from the parts libfido2 keeps apart.
 */
static json_t *
fido2_attobj(const fido_cred_t *cred)
{
	const char		*fmt = fido_cred_fmt(cred);
	const unsigned char	*st = fido_cred_attstmt_ptr(cred);
	const unsigned char	*ad = fido_cred_authdata_raw_ptr(cred);
	size_t			 stlen = fido_cred_attstmt_len(cred);
	size_t			 adlen = fido_cred_authdata_raw_len(cred);
	unsigned char		*b, empty = 0xa0;
	size_t			 n = 0;
	json_t			*j;

	if (fmt == NULL || strlen(fmt) > 32 || ad == NULL || adlen == 0 ||
	    adlen > 0xffff || stlen > 0xffff)
		return NULL;
	if (st == NULL || stlen == 0) {
		st = &empty;
		stlen = 1;
	}
	if ((b = malloc(64 + stlen + adlen)) == NULL)
		return NULL;
	b[n++] = 0xa3;
	n += fido2_cbor_head(b + n, 3, 3);
	memcpy(b + n, "fmt", 3);
	n += 3;
	n += fido2_cbor_head(b + n, 3, strlen(fmt));
	memcpy(b + n, fmt, strlen(fmt));
	n += strlen(fmt);
	n += fido2_cbor_head(b + n, 3, 7);
	memcpy(b + n, "attStmt", 7);
	n += 7;
	memcpy(b + n, st, stlen);
	n += stlen;
	n += fido2_cbor_head(b + n, 3, 8);
	memcpy(b + n, "authData", 8);
	n += 8;
	n += fido2_cbor_head(b + n, 2, adlen);
	memcpy(b + n, ad, adlen);
	n += adlen;
	j = fido2_b64(b, n);
	free(b);
	return j;
}

/* The authenticator data inside libfido2's CBOR byte string. */
static const unsigned char *
fido2_unwrap(const unsigned char *p, size_t len, size_t *out)
{
	size_t	h, n;

	if (p == NULL || len < 2 || (p[0] >> 5) != 2)
		return NULL;
	if ((p[0] & 0x1f) < 24) {
		h = 1;
		n = p[0] & 0x1f;
	} else if ((p[0] & 0x1f) == 24) {
		h = 2;
		n = p[1];
	} else if ((p[0] & 0x1f) == 25 && len >= 3) {
		h = 3;
		n = (size_t)p[1] << 8 | p[2];
	} else
		return NULL;
	if (h + n != len)
		return NULL;
	*out = n;
	return p + h;
}

/* Post body to path without a signature; 0 with r, or the exit code. */
static int
fido2_post(const struct client *c, const char *what, const char *path,
    json_t *body, struct reply *r)
{
	char	*s;
	int	 rv;

	if (body == NULL || (s = json_dumps(body, JSON_COMPACT)) == NULL) {
		json_decref(body);
		return EXIT_REFUSED;
	}
	json_decref(body);
	rv = http_call(c, "POST", path, s, NULL, 0, r);
	free(s);
	if (rv != 0)
		return rv;
	if (r->status != 200) {
		rv = http_refused(what, r);
		reply_free(r);
		return rv == EXIT_NOLOGIN ? EXIT_REFUSED : rv;
	}
	return 0;
}

static int
fido2_fail(const char *what, int r)
{
	log_warnx("security key: %s: %s", what, fido_strerr(r));
	return EXIT_REFUSED;
}

/* Make the new credential for o; its JSON form in out, or exit code. */
static int
fido2_make(const struct client *c, struct fido2_key *k,
    const struct fido2_opts *o, json_t **out)
{
	fido_cred_t	*cred;
	unsigned char	 cdh[32];
	char		*cd;
	json_t		*ao, *id, *cdj;
	int		 r, rv = EXIT_REFUSED;

	if (o->user_idlen == 0 || o->user[0] == '\0' ||
	    (cd = fido2_clientdata(c, "webauthn.create", o, cdh)) == NULL)
		return EXIT_REFUSED;
	if ((cred = fido_cred_new()) == NULL)
		goto done;
	if ((r = fido_cred_set_type(cred, COSE_ES256)) != FIDO_OK ||
	    (r = fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh))) !=
	    FIDO_OK ||
	    (r = fido_cred_set_rp(cred, o->rp_id, "pccx-remote")) != FIDO_OK ||
	    (r = fido_cred_set_user(cred, o->user_id, o->user_idlen, o->user,
	    o->user, NULL)) != FIDO_OK ||
	    (r = fido_cred_set_uv(cred, k->uv)) != FIDO_OK) {
		rv = fido2_fail("request", r);
		goto done;
	}
	printf("Touch your security key to register it\n");
	fflush(stdout);
	if ((r = fido_dev_make_cred(k->dev, cred, k->use_pin ? k->pin :
	    NULL)) != FIDO_OK) {
		rv = fido2_fail("registration", r);
		goto done;
	}
	ao = fido2_attobj(cred);
	id = fido2_b64(fido_cred_id_ptr(cred), fido_cred_id_len(cred));
	cdj = fido2_b64((unsigned char *)cd, strlen(cd));
	if (ao == NULL || id == NULL || cdj == NULL) {
		json_decref(ao);
		json_decref(id);
		json_decref(cdj);
		goto done;
	}
	*out = json_pack("{s:o, s:{s:o, s:o}}", "id", id, "response",
	    "clientDataJSON", cdj, "attestationObject", ao);
	if (*out != NULL)
		rv = 0;
 done:
	fido_cred_free(&cred);
	free(cd);
	return rv;
}

/* The assertion's parts as the page posts them; NULL on failure. */
static json_t *
fido2_assertion(const fido_assert_t *a, const struct fido2_opts *o,
    const char *cd)
{
	const unsigned char	*ad, *cid = fido_assert_id_ptr(a, 0);
	size_t			 adlen, cidlen = fido_assert_id_len(a, 0);
	json_t			*id, *cdj, *adj, *sig;

	/* A key may leave out the id when only one was allowed. */
	if ((cid == NULL || cidlen == 0) && o->ncreds == 1) {
		cid = o->cred[0];
		cidlen = o->credlen[0];
	}
	if (cid == NULL || cidlen == 0 || (ad = fido2_unwrap(
	    fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0),
	    &adlen)) == NULL || fido_assert_sig_len(a, 0) == 0)
		return NULL;
	id = fido2_b64(cid, cidlen);
	cdj = fido2_b64((const unsigned char *)cd, strlen(cd));
	adj = fido2_b64(ad, adlen);
	sig = fido2_b64(fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0));
	if (id == NULL || cdj == NULL || adj == NULL || sig == NULL) {
		json_decref(id);
		json_decref(cdj);
		json_decref(adj);
		json_decref(sig);
		return NULL;
	}
	return json_pack("{s:o, s:{s:o, s:o, s:o}}", "id", id, "response",
	    "clientDataJSON", cdj, "authenticatorData", adj, "signature",
	    sig);
}

/* Sign o's challenge with one of its credentials; 0 or exit code. */
static int
fido2_sign(const struct client *c, struct fido2_key *k,
    const struct fido2_opts *o, json_t **out)
{
	fido_assert_t	*a;
	unsigned char	 cdh[32];
	char		*cd;
	size_t		 i;
	int		 r, rv = EXIT_REFUSED;

	if (o->ncreds == 0) {
		log_warnx("this account has no security key yet: run pccx "
		    "device register CODE --fido2");
		return EXIT_REFUSED;
	}
	if ((cd = fido2_clientdata(c, "webauthn.get", o, cdh)) == NULL)
		return EXIT_REFUSED;
	if ((a = fido_assert_new()) == NULL)
		goto done;
	r = fido_assert_set_rp(a, o->rp_id);
	if (r == FIDO_OK)
		r = fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh));
	for (i = 0; r == FIDO_OK && i < o->ncreds; i++)
		r = fido_assert_allow_cred(a, o->cred[i], o->credlen[i]);
	if (r == FIDO_OK)
		r = fido_assert_set_up(a, FIDO_OPT_TRUE);
	if (r == FIDO_OK)
		r = fido_assert_set_uv(a, k->uv);
	if (r != FIDO_OK) {
		rv = fido2_fail("request", r);
		goto done;
	}
	printf("Touch your security key to sign in\n");
	fflush(stdout);
	if ((r = fido_dev_get_assert(k->dev, a, k->use_pin ? k->pin :
	    NULL)) != FIDO_OK) {
		rv = fido2_fail("sign-in", r);
		goto done;
	}
	if (fido_assert_count(a) < 1 ||
	    (*out = fido2_assertion(a, o, cd)) == NULL)
		log_warnx("security key: an answer without its parts");
	else
		rv = 0;
 done:
	fido_assert_free(&a);
	free(cd);
	return rv;
}

/* A name for the new device: this host's, printable and short. */
static void
fido2_devname(char *out, size_t size)
{
	size_t	i;

	if (gethostname(out, size) == -1 || out[0] == '\0')
		pccx_strlcpy(out, "laptop", size);
	out[size - 1] = '\0';
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] <= 0x20 || out[i] == 0x7f)
			out[i] = '-';
}

/*
 * Register a key and the device: begin with the code, make the
 * credential, finish; the login's options come back in *next.
 */
static int
fido2_register(const struct client *c, struct fido2_key *k,
    const char *step, const struct fido2_args *fa, struct fido2_opts *o)
{
	struct reply	 r;
	char		 name[32];
	json_t		*cred = NULL;
	int		 rv;

	fido2_devname(name, sizeof(name));
	if ((rv = fido2_post(c, "register", "/v1/devices/register/begin",
	    json_pack("{s:s, s:s, s:s, s:s}", "step", step, "code", fa->code,
	    "wg_key", fa->wg_pub, "name", name), &r)) != 0)
		return rv;
	rv = fido2_opts_parse(r.json, o);
	reply_free(&r);
	if (rv == -1) {
		log_warnx("register: the server's options are not usable");
		return EXIT_REFUSED;
	}
	if ((rv = fido2_make(c, k, o, &cred)) != 0)
		return rv;
	if ((rv = fido2_post(c, "register", "/v1/devices/register/finish",
	    json_pack("{s:s, s:o}", "step", step, "credential", cred),
	    &r)) != 0)
		return rv;
	rv = fido2_opts_parse(r.json, o);
	reply_free(&r);
	if (rv == -1) {
		log_warnx("register: the server's options are not usable");
		return EXIT_REFUSED;
	}
	printf("Security key registered\n");
	return 0;
}

/* fido2_ceremony: see fido2.h. */
int
fido2_ceremony(const struct client *c, const json_t *wa,
    const struct fido2_args *fa)
{
	struct fido2_opts	*o;
	struct fido2_key	 k;
	struct reply		 r;
	char			 step[FIDO2_STRMAX];
	json_t			*cred = NULL;
	int			 rv = EXIT_REFUSED;

	fido_init(0);
	if ((o = malloc(sizeof(*o))) == NULL)
		return EXIT_REFUSED;
	memset(&k, 0, sizeof(k));
	if (fido2_opts_parse(wa, o) == -1 || o->step[0] == '\0') {
		log_warnx("login: the server's options are not usable");
		goto done;
	}
	pccx_strlcpy(step, o->step, sizeof(step));
	if (fa->code == NULL && o->reg) {
		log_warnx("this account has no security key yet: run pccx "
		    "device register CODE --fido2");
		goto done;
	}
	if (fido2_open(&k, fa->device, o) == -1)
		goto done;
	if (fa->code != NULL && (rv = fido2_register(c, &k, step, fa,
	    o)) != 0)
		goto done;
	if ((rv = fido2_sign(c, &k, o, &cred)) != 0)
		goto done;
	if ((rv = fido2_post(c, "login", "/v1/auth/webauthn",
	    json_pack("{s:s, s:o}", "step", step, "credential", cred),
	    &r)) == 0)
		reply_free(&r);
 done:
	fido2_close(&k);
	free(o);
	return rv;
}
