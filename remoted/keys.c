/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Key files the parent checks, creates on first start, and hands out. */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "config.h"
#include "remoted.h"

#define KEY_SEEDLEN	32

static struct {
	const char	*name;
	int		 fd;
} keys[] = {
	{ "token", -1 },
	{ "audit", -1 },
	{ "tls", -1 },
	{ "tls-cert", -1 },
};

/* The certificate chain is public: any regular file root can read. */
static int
key_open_public(size_t i, const char *path)
{
	struct stat	st;

	if ((keys[i].fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1 || fstat(keys[i].fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warn("%s: not a readable regular file", path);
		if (keys[i].fd != -1)
			close(keys[i].fd);
		keys[i].fd = -1;
		return -1;
	}
	return 0;
}

/* Write a fresh random seed, root-owned and 0600, never replacing one. */
static int
key_generate(const char *path)
{
	unsigned char	 seed[KEY_SEEDLEN];
	char		 dir[PATH_MAX];
	int		 fd, rv = 0;

	pccx_strlcpy(dir, path, sizeof(dir));
	if (mkdir(dirname(dir), 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir for %s", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		log_warn("create %s", path);
		return -1;
	}
	randombytes_buf(seed, sizeof(seed));
	if (write(fd, seed, sizeof(seed)) != sizeof(seed) || fsync(fd) == -1) {
		log_warn("write %s", path);
		rv = -1;
	}
	sodium_memzero(seed, sizeof(seed));
	close(fd);
	if (rv == 0)
		log_info("created key %s", path);
	return rv;
}

static int
key_open(size_t i, const char *path, int create)
{
	char	err[PATH_MAX + 128];

	if (create && access(path, F_OK) == -1 && errno == ENOENT &&
	    key_generate(path) == -1)
		return -1;
	if ((keys[i].fd = secret_open(path, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/*
 * keys_prepare: open every key file the configuration names, creating
 * the signing keys on first start.  A key file that is not root-owned
 * and mode 0600 is refused with a message, and -1 returned.
 */
int
keys_prepare(struct config *conf)
{
	if (sodium_init() == -1)
		fatalx("sodium_init");
	if (key_open(0, conf->token_key, 1) == -1 ||
	    key_open(1, conf->audit_key, 1) == -1)
		return -1;
	if (conf->tls_key[0] != '\0' && (key_open(2, conf->tls_key, 0) ==
	    -1 || key_open_public(3, conf->tls_cert) == -1))
		return -1;
	return 0;
}

/* keys_fd: a copy of the named key's descriptor for sending, or -1. */
int
keys_fd(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0 && keys[i].fd != -1)
			return fcntl(keys[i].fd, F_DUPFD_CLOEXEC, 0);
	return -1;
}

/* keys_close: the children have their copies; drop the parent's. */
void
keys_close(void)
{
	size_t	i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].fd != -1) {
			close(keys[i].fd);
			keys[i].fd = -1;
		}
}
