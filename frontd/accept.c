/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Content negotiation: which offered media type an Accept header prefers. */

#include <string.h>
#include <strings.h>

#include "accept.h"

#define ACCEPT_TOKMAX	127

/* One media range of the header. */
struct range {
	char	type[ACCEPT_TOKMAX + 1];
	char	sub[ACCEPT_TOKMAX + 1];
	int	q;		/* thousandths */
};

static int
acc_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
acc_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A token into dst (NUL-terminated); NULL when there is none. */
static const char *
acc_token(const char *p, char *dst)
{
	size_t	n = 0;

	while (acc_tchar((unsigned char)p[n])) {
		if (n == ACCEPT_TOKMAX)
			return NULL;
		dst[n] = p[n];
		n++;
	}
	dst[n] = '\0';
	return n > 0 ? p + n : NULL;
}

/* A qvalue: "0", "0.d[d[d]]", "1", "1.0[0[0]]"; NULL when not one. */
static const char *
acc_qvalue(const char *p, int *q)
{
	int	i, scale = 100;

	if (*p != '0' && *p != '1')
		return NULL;
	*q = (*p++ - '0') * 1000;
	if (*p != '.')
		return p;
	p++;
	for (i = 0; i < 3 && *p >= '0' && *p <= '9'; i++, p++) {
		if (*q == 1000 && *p != '0')
			return NULL;
		*q += (*p - '0') * scale;
		scale /= 10;
	}
	return p;
}

/* A quoted-string, skipped; NULL when it does not end. */
static const char *
acc_quoted(const char *p)
{
	for (p++; *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '\0' || (unsigned char)*p < 0x20 ||
		    *p == 0x7f)
			return NULL;
	}
	return p + 1;
}

/* ";name=value" parameters; the q one sets r->q.  NULL if malformed. */
static const char *
acc_params(const char *p, struct range *r)
{
	char	name[ACCEPT_TOKMAX + 1], val[ACCEPT_TOKMAX + 1];

	while (*(p = acc_ows(p)) == ';') {
		p = acc_ows(p + 1);
		if ((p = acc_token(p, name)) == NULL || *p++ != '=')
			return NULL;
		if (strcasecmp(name, "q") == 0)
			p = acc_qvalue(p, &r->q);
		else if (*p == '"')
			p = acc_quoted(p);
		else
			p = acc_token(p, val);
		if (p == NULL)
			return NULL;
	}
	return p;
}

/* One element of the list; NULL if malformed. */
static const char *
acc_range(const char *p, struct range *r)
{
	r->q = 1000;
	if ((p = acc_token(acc_ows(p), r->type)) == NULL || *p++ != '/' ||
	    (p = acc_token(p, r->sub)) == NULL)
		return NULL;
	if (strcmp(r->type, "*") == 0 && strcmp(r->sub, "*") != 0)
		return NULL;
	return acc_params(p, r);
}

/* How specifically r matches the offer: 3, 2, 1, or 0 when it does not. */
static int
acc_match(const struct range *r, const char *offer)
{
	const char	*slash = strchr(offer, '/');
	size_t		 tlen = slash - offer;

	if (strcmp(r->type, "*") == 0)
		return 1;
	if (strlen(r->type) != tlen ||
	    strncasecmp(r->type, offer, tlen) != 0)
		return 0;
	if (strcmp(r->sub, "*") == 0)
		return 2;
	return strcasecmp(r->sub, slash + 1) == 0 ? 3 : 0;
}

/* The q the ranges give offer: that of its most specific match. */
static int
acc_q(const struct range *rs, size_t nr, const char *offer)
{
	size_t	i;
	int	best = 0, q = 0, m;

	for (i = 0; i < nr; i++)
		if ((m = acc_match(&rs[i], offer)) > best) {
			best = m;
			q = rs[i].q;
		}
	return q;
}

int
accept_pick(const char *h, const char *const *offers, size_t n)
{
	struct range	rs[ACCEPT_MAXRANGES];
	size_t		nr = 0, i;
	int		best = ACCEPT_NONE, bestq = 0, q;

	if (h == NULL || *acc_ows(h) == '\0')
		return n > 0 ? 0 : ACCEPT_NONE;
	for (;;) {
		/* empty elements are allowed and skipped */
		if (*(h = acc_ows(h)) == ',') {
			h++;
			continue;
		}
		if (*h == '\0')
			break;
		if (nr == ACCEPT_MAXRANGES ||
		    (h = acc_range(h, &rs[nr++])) == NULL)
			return ACCEPT_BAD;
		h = acc_ows(h);
		if (*h != ',' && *h != '\0')
			return ACCEPT_BAD;
	}
	for (i = 0; i < n; i++)
		if (strchr(offers[i], '/') != NULL &&
		    (q = acc_q(rs, nr, offers[i])) > bestq) {
			bestq = q;
			best = i;
		}
	return best;
}
