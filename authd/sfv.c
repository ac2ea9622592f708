/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Structured Field Values (RFC 8941): dictionaries, parsed strictly. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "authd/sfv.h"

/* The text still to parse. */
struct sfv_in {
	const char	*p;
	const char	*end;
};

/* An output buffer that remembers overflowing. */
struct sfv_out {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		 err;
};

static int	 sfv_peek(const struct sfv_in *);
static void	 sfv_skip_sp(struct sfv_in *);
static void	 sfv_skip_ows(struct sfv_in *);
static int	 sfv_key(struct sfv_in *, const char **, size_t *);
static int	 sfv_bare(struct sfv_in *, struct sfv_bare *);
static int	 sfv_number(struct sfv_in *, struct sfv_bare *);
static int	 sfv_str(struct sfv_in *, struct sfv_bare *);
static int	 sfv_token(struct sfv_in *, struct sfv_bare *);
static int	 sfv_bin(struct sfv_in *, struct sfv_bare *);
static int	 sfv_params(struct sfv_in *, struct sfv_param *, int *);
static int	 sfv_item(struct sfv_in *, struct sfv_item *);
static int	 sfv_inner(struct sfv_in *, struct sfv_member *);
static int	 sfv_b64_canonical(const char *, size_t);

static int
sfv_peek(const struct sfv_in *in)
{
	return in->p < in->end ? (unsigned char)*in->p : -1;
}

static void
sfv_skip_sp(struct sfv_in *in)
{
	while (sfv_peek(in) == ' ')
		in->p++;
}

static void
sfv_skip_ows(struct sfv_in *in)
{
	while (sfv_peek(in) == ' ' || sfv_peek(in) == '\t')
		in->p++;
}

static int
sfv_lcalpha(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
sfv_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
sfv_alpha(int c)
{
	return sfv_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

/* tchar (RFC 9110), plus ':' and '/' as tokens allow. */
static int
sfv_tokchar(int c)
{
	return c > 0 && (sfv_alpha(c) || sfv_digit(c) ||
	    strchr("!#$%&'*+-.^_`|~:/", c) != NULL);
}

int
sfv_key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

/* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
static int
sfv_key(struct sfv_in *in, const char **key, size_t *klen)
{
	int	 c = sfv_peek(in);

	if (!sfv_lcalpha(c) && c != '*')
		return -1;
	*key = in->p;
	while ((c = sfv_peek(in)) != -1 && (sfv_lcalpha(c) || sfv_digit(c) ||
	    c == '_' || c == '-' || c == '.' || c == '*'))
		in->p++;
	*klen = in->p - *key;
	return 0;
}

/* Integer (up to 15 digits) or decimal (12.3 digits at most). */
static int
sfv_number(struct sfv_in *in, struct sfv_bare *b)
{
	int64_t	 ip = 0, fp = 0;
	int	 neg = 0, nint = 0, nfrac = 0, dot = 0, c;

	if (sfv_peek(in) == '-') {
		neg = 1;
		in->p++;
	}
	if (!sfv_digit(sfv_peek(in)))
		return -1;
	while ((c = sfv_peek(in)) != -1) {
		if (sfv_digit(c) && !dot) {
			if (++nint > 15)
				return -1;
			ip = ip * 10 + (c - '0');
		} else if (sfv_digit(c)) {
			if (++nfrac > 3)
				return -1;
			fp = fp * 10 + (c - '0');
		} else if (c == '.' && !dot) {
			if (nint > 12)
				return -1;
			dot = 1;
		} else
			break;
		in->p++;
	}
	if (dot && nfrac == 0)
		return -1;
	if (dot) {
		while (nfrac++ < 3)
			fp *= 10;
		b->type = SFV_DECIMAL;
		b->num = ip * 1000 + fp;
	} else {
		b->type = SFV_INTEGER;
		b->num = ip;
	}
	if (neg)
		b->num = -b->num;
	return 0;
}

/* A quoted string of visible ASCII and space; \" and \\ escapes only. */
static int
sfv_str(struct sfv_in *in, struct sfv_bare *b)
{
	int	 c;

	in->p++;
	b->type = SFV_STRING;
	b->p = in->p;
	while ((c = sfv_peek(in)) != -1) {
		in->p++;
		if (c == '\\') {
			c = sfv_peek(in);
			if (c != '"' && c != '\\')
				return -1;
			in->p++;
		} else if (c == '"') {
			b->len = in->p - 1 - b->p;
			return 0;
		} else if (c < 0x20 || c > 0x7e)
			return -1;
	}
	return -1;
}

static int
sfv_token(struct sfv_in *in, struct sfv_bare *b)
{
	b->type = SFV_TOKEN;
	b->p = in->p++;
	while (sfv_tokchar(sfv_peek(in)))
		in->p++;
	b->len = in->p - b->p;
	return 0;
}

static int
sfv_b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (sfv_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Padded base64 with no stray bits: what a serialiser emits. */
static int
sfv_b64_canonical(const char *s, size_t len)
{
	size_t	 i, pad = 0;
	int	 v;

	if (len % 4 != 0)
		return -1;
	while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (sfv_b64val((unsigned char)s[i]) == -1)
			return -1;
	if (pad == 0)
		return 0;
	if (len == pad)
		return -1;
	v = sfv_b64val((unsigned char)s[len - pad - 1]);
	return (v & (pad == 1 ? 0x3 : 0xf)) == 0 ? 0 : -1;
}

static int
sfv_bin(struct sfv_in *in, struct sfv_bare *b)
{
	const char	*end;

	in->p++;
	if ((end = memchr(in->p, ':', in->end - in->p)) == NULL ||
	    sfv_b64_canonical(in->p, end - in->p) == -1)
		return -1;
	b->type = SFV_BYTES;
	b->p = in->p;
	b->len = end - in->p;
	in->p = end + 1;
	return 0;
}

static int
sfv_bare(struct sfv_in *in, struct sfv_bare *b)
{
	int	 c = sfv_peek(in);

	memset(b, 0, sizeof(*b));
	if (c == '-' || sfv_digit(c))
		return sfv_number(in, b);
	if (c == '"')
		return sfv_str(in, b);
	if (c == ':')
		return sfv_bin(in, b);
	if (sfv_alpha(c) || c == '*')
		return sfv_token(in, b);
	if (c != '?')
		return -1;
	in->p++;
	c = sfv_peek(in);
	if (c != '0' && c != '1')
		return -1;
	in->p++;
	b->type = SFV_BOOLEAN;
	b->num = c == '1';
	return 0;
}

static int
sfv_params(struct sfv_in *in, struct sfv_param *pa, int *n)
{
	struct sfv_param	*p;
	int			 i;

	*n = 0;
	while (sfv_peek(in) == ';') {
		in->p++;
		sfv_skip_sp(in);
		if (*n == SFV_MAXPARAMS)
			return -1;
		p = &pa[*n];
		if (sfv_key(in, &p->key, &p->klen) == -1)
			return -1;
		for (i = 0; i < *n; i++)
			if (pa[i].klen == p->klen &&
			    memcmp(pa[i].key, p->key, p->klen) == 0)
				return -1;
		memset(&p->v, 0, sizeof(p->v));
		p->v.type = SFV_BOOLEAN;
		p->v.num = 1;
		if (sfv_peek(in) == '=') {
			in->p++;
			if (sfv_bare(in, &p->v) == -1)
				return -1;
		}
		(*n)++;
	}
	return 0;
}

static int
sfv_item(struct sfv_in *in, struct sfv_item *it)
{
	if (sfv_bare(in, &it->v) == -1)
		return -1;
	return sfv_params(in, it->param, &it->nparam);
}

static int
sfv_inner(struct sfv_in *in, struct sfv_member *m)
{
	int	 c;

	in->p++;
	m->inner = 1;
	while (in->p < in->end) {
		sfv_skip_sp(in);
		if (sfv_peek(in) == ')') {
			in->p++;
			return sfv_params(in, m->param, &m->nparam);
		}
		if (m->nitem == SFV_MAXITEMS ||
		    sfv_item(in, &m->item[m->nitem]) == -1)
			return -1;
		m->nitem++;
		c = sfv_peek(in);
		if (c != ' ' && c != ')')
			return -1;
	}
	return -1;
}

/* One member: key, then "=" and a value, or a bare true with params. */
static int
sfv_member(struct sfv_in *in, struct sfv_dict *d)
{
	struct sfv_member	*m;
	int			 i;

	if (d->nmember == SFV_MAXMEMBERS)
		return -1;
	m = &d->member[d->nmember];
	memset(m, 0, sizeof(*m));
	if (sfv_key(in, &m->key, &m->klen) == -1)
		return -1;
	for (i = 0; i < d->nmember; i++)
		if (d->member[i].klen == m->klen &&
		    memcmp(d->member[i].key, m->key, m->klen) == 0)
			return -1;
	d->nmember++;
	if (sfv_peek(in) != '=') {
		m->nitem = 1;
		m->item[0].v.type = SFV_BOOLEAN;
		m->item[0].v.num = 1;
		return sfv_params(in, m->item[0].param, &m->item[0].nparam);
	}
	in->p++;
	if (sfv_peek(in) == '(')
		return sfv_inner(in, m);
	m->nitem = 1;
	return sfv_item(in, &m->item[0]);
}

int
sfv_parse_dict(const char *s, size_t len, struct sfv_dict *d)
{
	struct sfv_in	 in = { s, s + len };

	d->nmember = 0;
	sfv_skip_sp(&in);
	while (in.p < in.end) {
		if (sfv_member(&in, d) == -1)
			return -1;
		sfv_skip_ows(&in);
		if (in.p == in.end)
			return 0;
		if (*in.p++ != ',')
			return -1;
		sfv_skip_ows(&in);
		if (in.p == in.end)
			return -1;
	}
	return 0;
}

int
sfv_string(const struct sfv_bare *b, char *buf, size_t len)
{
	size_t	 i, n = 0;

	if (b->type != SFV_STRING || len == 0)
		return -1;
	for (i = 0; i < b->len; i++) {
		if (b->p[i] == '\\')
			i++;
		if (n + 1 >= len)
			return -1;
		buf[n++] = b->p[i];
	}
	buf[n] = '\0';
	return n;
}

int
sfv_bytes(const struct sfv_bare *b, unsigned char *buf, size_t len)
{
	size_t	 n;

	if (b->type != SFV_BYTES || sodium_base642bin(buf, len, b->p, b->len,
	    NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return n;
}

static void
sfv_put(struct sfv_out *o, const char *s, size_t len)
{
	if (o->err || len >= o->cap - o->len) {
		o->err = 1;
		return;
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

static void
sfv_puts(struct sfv_out *o, const char *s)
{
	sfv_put(o, s, strlen(s));
}

/* RFC 8941 4.1.5: at most three fraction digits, at least one. */
static void
sfv_put_decimal(struct sfv_out *o, int64_t num)
{
	char	 buf[48];
	int64_t	 a = num < 0 ? -num : num;
	int	 frac = a % 1000, n;

	n = snprintf(buf, sizeof(buf), "%s%" PRId64 ".%03d",
	    num < 0 ? "-" : "", a / 1000, frac);
	while (n > 0 && buf[n - 1] == '0' && buf[n - 2] != '.')
		n--;
	sfv_put(o, buf, n);
}

/* Strings and byte sequences were checked canonical when parsed. */
static void
sfv_put_bare(struct sfv_out *o, const struct sfv_bare *b)
{
	char	 buf[32];

	switch (b->type) {
	case SFV_INTEGER:
		snprintf(buf, sizeof(buf), "%" PRId64, b->num);
		sfv_puts(o, buf);
		break;
	case SFV_DECIMAL:
		sfv_put_decimal(o, b->num);
		break;
	case SFV_STRING:
		sfv_puts(o, "\"");
		sfv_put(o, b->p, b->len);
		sfv_puts(o, "\"");
		break;
	case SFV_TOKEN:
		sfv_put(o, b->p, b->len);
		break;
	case SFV_BYTES:
		sfv_puts(o, ":");
		sfv_put(o, b->p, b->len);
		sfv_puts(o, ":");
		break;
	case SFV_BOOLEAN:
		sfv_puts(o, b->num ? "?1" : "?0");
		break;
	}
}

static void
sfv_put_params(struct sfv_out *o, const struct sfv_param *pa, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		sfv_puts(o, ";");
		sfv_put(o, pa[i].key, pa[i].klen);
		if (pa[i].v.type == SFV_BOOLEAN && pa[i].v.num == 1)
			continue;
		sfv_puts(o, "=");
		sfv_put_bare(o, &pa[i].v);
	}
}

int
sfv_serialize_member(const struct sfv_member *m, char *buf, size_t len)
{
	struct sfv_out	 o = { buf, 0, len, len == 0 };
	int		 i;

	if (len > 0)
		buf[0] = '\0';
	if (!m->inner) {
		sfv_put_bare(&o, &m->item[0].v);
		sfv_put_params(&o, m->item[0].param, m->item[0].nparam);
		return o.err ? -1 : (int)o.len;
	}
	sfv_puts(&o, "(");
	for (i = 0; i < m->nitem; i++) {
		if (i > 0)
			sfv_puts(&o, " ");
		sfv_put_bare(&o, &m->item[i].v);
		sfv_put_params(&o, m->item[i].param, m->item[i].nparam);
	}
	sfv_puts(&o, ")");
	sfv_put_params(&o, m->param, m->nparam);
	return o.err ? -1 : (int)o.len;
}
