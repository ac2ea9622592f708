/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The client's files: config, the login state, the WireGuard key. */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"

#define STATE_FILE	"state"
#define CONFIG_FILE	"config"
#define WG_FILE		"wg.key"
#define B64STD		sodium_base64_VARIANT_ORIGINAL
#define B64URL		sodium_base64_VARIANT_URLSAFE_NO_PADDING

static int
state_path(const struct client *c, const char *name, char *out, size_t size)
{
	int	n = snprintf(out, size, "%s/%s", c->dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* state_init: choose the directory; nothing is created yet. */
int
state_init(struct client *c, const char *dir)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME");
	const char	*home = getenv("HOME");
	int		 n;

	if (dir != NULL)
		n = snprintf(c->dir, sizeof(c->dir), "%s", dir);
	else if (xdg != NULL && *xdg == '/')
		n = snprintf(c->dir, sizeof(c->dir), "%s/pccx", xdg);
	else if (home != NULL && *home == '/')
		n = snprintf(c->dir, sizeof(c->dir), "%s/.config/pccx", home);
	else {
		log_warnx("no HOME: use -c DIR");
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof(c->dir) - 16) {
		log_warnx("configuration path too long");
		return -1;
	}
	return 0;
}

/* Make the directory, 0700, and its parent when that is missing. */
static int
state_mkdir(const struct client *c)
{
	char	parent[CLIENT_URLMAX], *p;

	if (mkdir(c->dir, 0700) == 0 || errno == EEXIST)
		return 0;
	pccx_strlcpy(parent, c->dir, sizeof(parent));
	if ((p = strrchr(parent, '/')) != NULL && p != parent) {
		*p = '\0';
		(void)mkdir(parent, 0700);
	}
	if (mkdir(c->dir, 0700) == 0 || errno == EEXIST)
		return 0;
	log_warn("%s", c->dir);
	return -1;
}

/* One "key value" line of the config file. */
static void
state_config_line(struct client *c, char *line)
{
	char	*v;
	size_t	 n;

	line[strcspn(line, "\r\n")] = '\0';
	if (*line == '#' || (v = strchr(line, ' ')) == NULL)
		return;
	*v++ = '\0';
	v += strspn(v, " \t");
	if (strcmp(line, "server") == 0 && c->server[0] == '\0') {
		pccx_strlcpy(c->server, v, sizeof(c->server));
		n = strlen(c->server);
		while (n > 0 && c->server[n - 1] == '/')
			c->server[--n] = '\0';
	} else if (strcmp(line, "device") == 0)
		pccx_strlcpy(c->device, v, sizeof(c->device));
	else if (strcmp(line, "ca-file") == 0)
		pccx_strlcpy(c->ca_file, v, sizeof(c->ca_file));
}

/* state_load_config: "server", "device", "ca-file"; -s wins over it. */
int
state_load_config(struct client *c)
{
	char	 path[CLIENT_URLMAX + 16], line[CLIENT_URLMAX + 32];
	FILE	*f;

	if (state_path(c, CONFIG_FILE, path, sizeof(path)) == -1)
		return -1;
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f) != NULL)
		state_config_line(c, line);
	fclose(f);
	return 0;
}

/* Write data to name through a new file and a rename, with mode. */
int
state_write(const struct client *c, const char *name, const char *data,
    unsigned int mode)
{
	char	path[CLIENT_URLMAX + 16], tmp[CLIENT_URLMAX + 32];
	size_t	len = strlen(data), off = 0;
	ssize_t	n;
	int	fd;

	if (state_mkdir(c) == -1 ||
	    state_path(c, name, path, sizeof(path)) == -1 ||
	    snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -1;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) <= 0)
			goto close;
		off += n;
	}
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1)
		goto unlink;
	return 0;
 close:
	close(fd);
 unlink:
	(void)unlink(tmp);
 fail:
	log_warn("%s", path);
	return -1;
}

/* state_save_config: the server and device, replaced atomically. */
int
state_save_config(const struct client *c)
{
	char	buf[3 * CLIENT_URLMAX];
	int	n;

	n = snprintf(buf, sizeof(buf), "server %s\n", c->server);
	if (c->device[0] != '\0')
		n += snprintf(buf + n, sizeof(buf) - n, "device %s\n",
		    c->device);
	if (c->ca_file[0] != '\0')
		n += snprintf(buf + n, sizeof(buf) - n, "ca-file %s\n",
		    c->ca_file);
	return state_write(c, CONFIG_FILE, buf, 0600);
}

/*
 * Open a file that holds a secret: a regular file of ours, with no
 * group or other permission bits.  -1 with errno ENOENT when absent,
 * -2 when refused (and said why).
 */
static int
state_open_secret(const struct client *c, const char *name)
{
	char		path[CLIENT_URLMAX + 16];
	struct stat	st;
	int		fd;

	if (state_path(c, name, path, sizeof(path)) == -1)
		return -2;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return -1;
		log_warn("%s", path);
		return -2;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		log_warnx("%s: refused: must be a regular file of yours "
		    "with mode 0600", path);
		close(fd);
		return -2;
	}
	return fd;
}

/* Read a whole small secret file into a NUL-terminated buffer. */
static char *
state_slurp(const struct client *c, const char *name, int *rv)
{
	char	*buf;
	ssize_t	 n;
	size_t	 off = 0, size = 16384;
	int	 fd;

	if ((fd = state_open_secret(c, name)) < 0) {
		*rv = fd == -1 ? 0 : -1;
		return NULL;
	}
	*rv = -1;
	if ((buf = sodium_malloc(size)) == NULL) {
		close(fd);
		return NULL;
	}
	while (off < size - 1 && (n = read(fd, buf + off,
	    size - 1 - off)) > 0)
		off += n;
	close(fd);
	buf[off] = '\0';
	*rv = 1;
	return buf;
}

/* Take the key seed and token from the state's JSON; 0 or -1. */
static int
state_parse(struct client *c, const char *text)
{
	unsigned char	 seed[32];
	const char	*s, *t;
	size_t		 n;
	json_t		*o;
	int		 rv = -1;

	if ((o = json_loads(text, 0, NULL)) == NULL)
		return -1;
	s = json_string_value(json_object_get(o, "login_key"));
	t = json_string_value(json_object_get(o, "token"));
	if (s == NULL || t == NULL || sodium_base642bin(seed, sizeof(seed),
	    s, strlen(s), NULL, &n, NULL, B64URL) != 0 || n != sizeof(seed))
		goto done;
	if (c->token != NULL) {		/* loaded before */
		sodium_memzero(c->token, strlen(c->token));
		free(c->token);
	}
	if (sign_key_from_seed(&c->key, seed) == -1 ||
	    (c->token = strdup(t)) == NULL)
		goto done;
	c->have_key = 1;
	rv = 0;
 done:
	sodium_memzero(seed, sizeof(seed));
	json_decref(o);
	return rv;
}

/* state_load: the login key and token, from a file only we can read. */
int
state_load(struct client *c)
{
	char	*text;
	int	 rv;

	if ((text = state_slurp(c, STATE_FILE, &rv)) == NULL)
		return rv;
	if (state_parse(c, text) == -1) {
		log_warnx("%s/%s: not a state file", c->dir,
		    STATE_FILE);
		rv = -1;
	}
	sodium_free(text);
	return rv;
}

/* state_save: the key seed and token as JSON, mode 0600, atomically. */
int
state_save(const struct client *c)
{
	char	 seed[CLIENT_B64KEY];
	char	*text;
	json_t	*o;
	int	 rv = -1;

	/* The first 32 bytes of a libsodium secret key are its seed. */
	b64url_enc(c->key.sk, 32, seed, sizeof(seed));
	o = json_pack("{s:s, s:s}", "login_key", seed, "token", c->token);
	sodium_memzero(seed, sizeof(seed));
	if (o == NULL)
		return -1;
	if ((text = json_dumps(o, JSON_COMPACT)) != NULL) {
		rv = state_write(c, STATE_FILE, text, 0600);
		sodium_memzero(text, strlen(text));
		free(text);
	}
	json_decref(o);
	return rv;
}

/* state_clear: remove the login state; absent is fine. */
int
state_clear(const struct client *c)
{
	char	path[CLIENT_URLMAX + 16];

	if (state_path(c, STATE_FILE, path, sizeof(path)) == -1)
		return -1;
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

/* The public key of a base64 WireGuard private key, into c. */
static int
state_wg_pub(struct client *c, const char *b64)
{
	unsigned char	sk[32], pk[32];
	size_t		n;
	int		rv = -1;

	if (sodium_base642bin(sk, sizeof(sk), b64, strcspn(b64, "\r\n"),
	    NULL, &n, NULL, B64STD) == 0 && n == sizeof(sk) &&
	    crypto_scalarmult_base(pk, sk) == 0) {
		sodium_bin2base64(c->wg_pub, sizeof(c->wg_pub), pk,
		    sizeof(pk), B64STD);
		rv = 0;
	}
	sodium_memzero(sk, sizeof(sk));
	return rv;
}

/* state_wg_load: derive the public key from the private key file. */
int
state_wg_load(struct client *c)
{
	char	*text;
	int	 rv;

	if ((text = state_slurp(c, WG_FILE, &rv)) == NULL)
		return rv;
	if (state_wg_pub(c, text) == -1) {
		log_warnx("%s/%s: not a WireGuard key", c->dir,
		    WG_FILE);
		rv = -1;
	}
	sodium_free(text);
	return rv;
}

/* state_wg_new: a clamped X25519 private key, stored 0600. */
int
state_wg_new(struct client *c)
{
	unsigned char	sk[32];
	char		b64[CLIENT_B64KEY + 1];
	int		rv;

	/* Clamped as wg(8) genkey stores it. */
	randombytes_buf(sk, sizeof(sk));
	sk[0] &= 248;
	sk[31] = (sk[31] & 127) | 64;
	sodium_bin2base64(b64, sizeof(b64) - 1, sk, sizeof(sk), B64STD);
	sodium_memzero(sk, sizeof(sk));
	rv = state_wg_pub(c, b64);
	strcat(b64, "\n");
	if (rv == 0)
		rv = state_write(c, WG_FILE, b64, 0600);
	sodium_memzero(b64, sizeof(b64));
	return rv;
}

/* The public half of a PEM Ed25519 private key, base64url into c. */
static int
state_tls_pub(struct client *c, const char *pem)
{
	unsigned char	 pk[32];
	size_t		 n = sizeof(pk);
	EVP_PKEY	*k = NULL;
	BIO		*b;
	int		 rv = -1;

	if ((b = BIO_new_mem_buf(pem, -1)) != NULL)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 &&
	    EVP_PKEY_get_raw_public_key(k, pk, &n) == 1 && n == 32)
		rv = b64url_enc(pk, n, c->tls_pub, sizeof(c->tls_pub));
	EVP_PKEY_free(k);
	BIO_free(b);
	return rv;
}

/* A new Ed25519 key as PEM, stored 0600. */
static int
state_tls_new(struct client *c)
{
	unsigned char	 seed[32];
	EVP_PKEY	*k;
	BIO		*b = NULL;
	BUF_MEM		*m;
	char		*pem = NULL;
	int		 rv = -1;

	randombytes_buf(seed, sizeof(seed));
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	sodium_memzero(seed, sizeof(seed));
	if (k != NULL && (b = BIO_new(BIO_s_secmem())) != NULL &&
	    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1 &&
	    BIO_write(b, "", 1) == 1 && BIO_get_mem_ptr(b, &m) == 1)
		pem = m->data;
	if (pem != NULL && state_tls_pub(c, pem) == 0)
		rv = state_write(c, STATE_TLS_KEY, pem, 0600);
	EVP_PKEY_free(k);
	BIO_free(b);
	return rv;
}

int
state_tls_key(struct client *c)
{
	char	*text;
	int	 rv;

	if ((text = state_slurp(c, STATE_TLS_KEY, &rv)) == NULL)
		return rv == 0 ? state_tls_new(c) : -1;
	rv = state_tls_pub(c, text);
	if (rv == -1)
		log_warnx("%s/%s: not an Ed25519 key", c->dir, STATE_TLS_KEY);
	sodium_free(text);
	return rv;
}

int
state_tls_cert(const struct client *c, const char *pem)
{
	if (strncmp(pem, "-----BEGIN CERTIFICATE-----", 27) != 0) {
		log_warnx("the server's certificate is not PEM");
		return -1;
	}
	return state_write(c, STATE_TLS_CERT, pem, 0600);
}

/* state_wipe: zero the key and the token in memory. */
void
state_wipe(struct client *c)
{
	sodium_memzero(&c->key, sizeof(c->key));
	if (c->token != NULL) {
		sodium_memzero(c->token, strlen(c->token));
		free(c->token);
		c->token = NULL;
	}
	free(c->cert);
	c->cert = NULL;
	c->have_key = 0;
}
