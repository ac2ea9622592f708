/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Syntax of configuration values: URLs, host and account names, S3, age. */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define LOWER		"abcdefghijklmnopqrstuvwxyz"
#define UPPER		"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT		"0123456789"

static const char	*url_host(const char *, const char *,
			    struct syntax_url *);
static const char	*url_rest(const char *, int);

/* Non-zero when s is made of bytes in set only (and not empty). */
static int
only(const char *s, size_t n, const char *set)
{
	return n > 0 && strspn(s, set) >= n;
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * A URL as the suite compares it: scheme, host, an optional port, and
 * what flags allow after them.  Only printable ASCII that needs no
 * percent-encoding is taken.
 */
const char *
syntax_check_url(const char *s, int flags, struct syntax_url *u)
{
	const char	*p, *end, *why;
	size_t		 i;

	memset(u, 0, sizeof(*u));
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f ||
		    strchr("\"<>\\^`{|}", s[i]) != NULL)
			return "holds a character not allowed in a URL";
	if (strncmp(s, "https://", 8) == 0) {
		u->https = 1;
		p = s + 8;
	} else if (strncmp(s, "http://", 7) == 0)
		p = s + 7;
	else
		return (flags & SYNTAX_URL_HTTP) ?
		    "is not an http or https URL" : "is not an https URL";
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', end - p) != NULL)
		return "holds user information";
	if ((why = url_host(p, end, u)) != NULL)
		return why;
	if (!u->https && !(flags & SYNTAX_URL_HTTP))
		return "is not an https URL";
	if (!u->https && !u->loopback)
		return "uses http on a host that is not loopback";
	if (flags & SYNTAX_URL_ORIGIN) {
		if (strpbrk(u->host, UPPER) != NULL)
			return "has upper case in its host";
		if (u->port == (u->https ? 443 : 80))
			return "names its default port";
	}
	return url_rest(end, flags);
}

/* The port after a host: digits up to end, 1 to 65535, no leading 0. */
static const char *
url_port(const char *p, const char *end, struct syntax_url *u)
{
	unsigned int	 port = 0;

	if (end - p < 2 || end - p > 6 || p[0] != ':' || p[1] == '0')
		return "has a bad port";
	for (p++; p < end; p++) {
		if (*p < '0' || *p > '9')
			return "has a bad port";
		port = port * 10 + (*p - '0');
	}
	if (port > 65535)
		return "has a bad port";
	u->port = port;
	return NULL;
}

/* [IPv6], an IPv4 address or a host name, then maybe a port. */
static const char *
url_host(const char *p, const char *end, struct syntax_url *u)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*q;

	if (*p == '[') {
		if ((q = memchr(p, ']', end - p)) == NULL ||
		    (size_t)(q - p - 1) >= sizeof(u->host))
			return "has a bad host";
		memcpy(u->host, p + 1, q - p - 1);
		if (inet_pton(AF_INET6, u->host, &a6) != 1)
			return "has a bad host";
		u->loopback = IN6_IS_ADDR_LOOPBACK(&a6);
		q++;
	} else {
		if ((q = memchr(p, ':', end - p)) == NULL)
			q = end;
		if (q == p)
			return "has no host";
		if ((size_t)(q - p) >= sizeof(u->host))
			return "has a bad host";
		memcpy(u->host, p, q - p);
		if (inet_pton(AF_INET, u->host, &a4) == 1)
			u->loopback = (ntohl(a4.s_addr) >> 24) == 127;
		else if (syntax_check_dns_name(u->host) != NULL)
			return "has a bad host";
		else
			u->loopback = strcasecmp(u->host, "localhost") == 0;
	}
	if (q == end)
		return NULL;
	return url_port(q, end, u);
}

/* What follows the host: a path, a query, a fragment. */
static const char *
url_rest(const char *p, int flags)
{
	if (strchr(p, '#') != NULL)
		return "has a fragment";
	if (*p == '/' && !(flags & SYNTAX_URL_PATH))
		return "has a path";
	if (strchr(p, '?') != NULL && !(flags & SYNTAX_URL_QUERY))
		return "has a query";
	return NULL;
}

/* Labels of letters, digits and inner hyphens; the last not all digits. */
const char *
syntax_check_dns_name(const char *s)
{
	const char	*label = s, *dot;
	size_t		 n;

	if (strlen(s) > 253)
		return "is not a host name";
	for (;;) {
		dot = strchr(label, '.');
		n = dot == NULL ? strlen(label) : (size_t)(dot - label);
		if (n == 0 || n > 63 || !only(label, n, LOWER UPPER DIGIT
		    "-") || label[0] == '-' || label[n - 1] == '-')
			return "is not a host name";
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	if (only(label, n, DIGIT))
		return "is not a host name";
	return NULL;
}

/* Project and host names: they end up in paths and object keys. */
const char *
syntax_check_name(const char *s)
{
	if (!is_alnum((unsigned char)s[0]) || !only(s, strlen(s),
	    LOWER UPPER DIGIT "._-"))
		return "is not a name (a letter or digit, then letters, "
		    "digits, '.', '_' or '-')";
	return NULL;
}

/*
 * A Unix account name in the portable character set; never root.
 * Only the name is known here: an account of uid or gid 0 under
 * another name is refused where it is looked up (conf_session.c).
 */
const char *
syntax_check_account(const char *s)
{
	size_t	n = strlen(s);

	if (n > 32)
		return "is longer than 32 bytes";
	if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')) || !only(s, n,
	    LOWER UPPER DIGIT "._-"))
		return "is not an account name (a letter or '_', then "
		    "letters, digits, '.', '_' or '-')";
	if (strcmp(s, "root") == 0)
		return "is not allowed: sessions never run as root";
	return NULL;
}

/* Printable ASCII without spaces. */
const char *
syntax_check_visible(const char *s)
{
	size_t	i;

	if (s[0] == '\0')
		return "is empty";
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return "holds a space or a byte that is not printable "
			    "ASCII";
	return NULL;
}

/* Scope names (RFC 6749) between single spaces, openid among them. */
const char *
syntax_check_scopes(const char *s)
{
	const char	*p, *q;
	size_t		 n;
	int		 openid = 0;

	for (p = s;; p += n + 1) {
		n = strcspn(p, " ");
		if (n == 0)
			return "is not scope names between single spaces";
		for (q = p; q < p + n; q++)
			if (*q < 0x21 || *q > 0x7e || *q == '"' || *q == '\\')
				return "holds a character not allowed in a "
				    "scope";
		for (q = s; q < p; q += strcspn(q, " ") + 1)
			if (strncmp(q, p, n) == 0 && q[n] == ' ')
				return "names a scope twice";
		if (n == 6 && strncmp(p, "openid", 6) == 0)
			openid = 1;
		if (p[n] == '\0')
			break;
	}
	return openid ? NULL : "does not include openid";
}

/* The rules of S3 for bucket names that work in a host name. */
const char *
syntax_check_bucket(const char *s)
{
	struct in_addr	 a;
	size_t		 n = strlen(s);

	if (n < 3 || n > 63)
		return "is not 3 to 63 bytes long";
	if (!only(s, n, LOWER DIGIT ".-"))
		return "holds a character other than a-z, 0-9, '.' and '-'";
	if (!is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)
	    s[n - 1]))
		return "does not begin and end with a letter or digit";
	if (strstr(s, "..") != NULL || strstr(s, ".-") != NULL ||
	    strstr(s, "-.") != NULL)
		return "has a dot next to a dot or a hyphen";
	if (inet_pton(AF_INET, s, &a) == 1)
		return "is an IP address";
	if (strncmp(s, "xn--", 4) == 0 || strncmp(s, "sthree-", 7) == 0 ||
	    (n > 8 && strcmp(s + n - 8, "-s3alias") == 0) ||
	    (n > 7 && strcmp(s + n - 7, "--ol-s3") == 0))
		return "has a prefix or suffix that S3 reserves";
	return NULL;
}

/* Object key prefix: names between single slashes, or nothing. */
const char *
syntax_check_prefix(const char *s)
{
	const char	*p;
	size_t		 n;

	if (s[0] == '\0')
		return NULL;
	for (p = s;; p += n + 1) {
		n = strcspn(p, "/");
		if (!only(p, n, LOWER UPPER DIGIT "._-") ||
		    (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return "is not names of letters, digits, '.', '_' "
			    "and '-' between single slashes";
		if (p[n] == '\0')
			return NULL;
	}
}

const char *
syntax_check_region(const char *s)
{
	size_t	n = strlen(s);

	if (!only(s, n, LOWER DIGIT "-") || s[0] == '-' || s[n - 1] == '-')
		return "is not a region name (a-z, 0-9 and inner '-')";
	return NULL;
}

/* Access key ids go into the Authorization header as they are. */
const char *
syntax_check_access_key(const char *s)
{
	if (!only(s, strlen(s), LOWER UPPER DIGIT "._~-"))
		return "holds a character other than A-Z, a-z, 0-9, '.', "
		    "'_', '~' and '-'";
	return NULL;
}

/* The BCH checksum of bech32 (BIP 173) over hrp and data values. */
static uint32_t
bech32_polymod(const char *hrp, const uint8_t *v, size_t n)
{
	static const uint32_t	gen[5] = { 0x3b6a57b2, 0x26508e6d,
	    0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint32_t		chk = 1, top;
	size_t			i, j, h = strlen(hrp);
	uint8_t			x;

	for (i = 0; i < 2 * h + 1 + n; i++) {
		if (i < h)
			x = (uint8_t)hrp[i] >> 5;
		else if (i == h)
			x = 0;
		else if (i < 2 * h + 1)
			x = hrp[i - h - 1] & 31;
		else
			x = v[i - 2 * h - 1];
		top = chk >> 25;
		chk = ((chk & 0x1ffffff) << 5) ^ x;
		for (j = 0; j < 5; j++)
			if ((top >> j) & 1)
				chk ^= gen[j];
	}
	return chk;
}

/*
 * An age X25519 recipient: "age1", then 52 bech32 characters for the
 * 32-byte key (the last 4 bits zero) and 6 of checksum, lower case.
 */
const char *
syntax_check_age_recipient(const char *s)
{
	static const char	 set[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	uint8_t			 v[58];
	const char		*c;
	size_t			 i;

	if (strlen(s) != 62 || strncmp(s, "age1", 4) != 0)
		return "is not an age recipient (age1 and 58 characters)";
	for (i = 0; i < 58; i++) {
		if ((c = strchr(set, s[4 + i])) == NULL || s[4 + i] == '\0')
			return "holds a character that is not bech32";
		v[i] = c - set;
	}
	if ((v[51] & 0x0f) != 0 || bech32_polymod("age", v, 58) != 1)
		return "has a bad checksum";
	return NULL;
}

/* A project tree may not be the whole file system. */
const char *
syntax_check_not_root(const char *s)
{
	return strcmp(s, "/") == 0 ? "is the root directory" : NULL;
}
