/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Small helpers every process shares: strings, secrets, descriptors. */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "util.h"

size_t
pccx_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	n = strlen(src);

	if (size > 0) {
		size_t	m = n < size - 1 ? n : size - 1;

		memcpy(dst, src, m);
		dst[m] = '\0';
	}
	return n;
}

int
secret_open(const char *path, char *err, size_t errsz)
{
	struct stat	st;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0 || (st.st_mode & 077) != 0) {
		snprintf(err, errsz, "%s: holds a secret and must be owned by "
		    "root with mode 0600 (it is uid %u, mode %04o)", path,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
secret_read(int fd, void *buf, size_t n)
{
	size_t	off = 0;
	ssize_t	r;

	while (off < n) {
		r = read(fd, (char *)buf + off, n - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += r;
	}
	return 0;
}

int
fd_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

uint64_t
now_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
cgroup_name(const char *state, char *buf, size_t size)
{
	uint32_t	h = 2166136261U;

	if (strcmp(state, PCCX_STATE_DIR) == 0) {
		snprintf(buf, size, "pccx");
		return;
	}
	for (; *state != '\0'; state++)
		h = (h ^ (unsigned char)*state) * 16777619U;
	snprintf(buf, size, "pccx-%08x", h);
}

void
login_code(const unsigned char *pk, char *out)
{
	static const char		 abc[] =
	    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	static const char		 tag[] = "pccx-login-code";
	crypto_hash_sha256_state	 st;
	unsigned char			 h[crypto_hash_sha256_BYTES];
	uint64_t			 v = 0;
	int				 i, j = 0;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)tag,
	    sizeof(tag) - 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	for (i = 0; i < 5; i++)
		v = v << 8 | h[i];
	for (i = 7; i >= 0; i--) {
		out[j++] = abc[(v >> (5 * i)) & 31];
		if (i == 4)
			out[j++] = '-';
	}
	out[j] = '\0';
}

size_t
utf8_len(const unsigned char *s)
{
	uint32_t	c;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

int
utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	for (; *p != '\0'; p += n)
		if ((n = utf8_len(p)) == 0)
			return 0;
	return 1;
}

void
utf8_mend(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 n;

	for (; *p != '\0'; p += n)
		if ((n = utf8_len(p)) == 0) {
			*p = '?';
			n = 1;
		}
}
