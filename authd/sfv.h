/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Structured Field Values (RFC 8941): dictionaries, parsed strictly. */

#ifndef PCCX_SFV_H
#define PCCX_SFV_H

#include <stddef.h>
#include <stdint.h>

#define SFV_MAXMEMBERS	8
#define SFV_MAXITEMS	8
#define SFV_MAXPARAMS	8

enum sfv_type {
	SFV_INTEGER = 1,
	SFV_DECIMAL,		/* num holds thousandths */
	SFV_STRING,		/* p, len: the escaped text inside quotes */
	SFV_TOKEN,
	SFV_BYTES,		/* p, len: the base64 inside colons */
	SFV_BOOLEAN
};

/* A bare item.  Text points into the parsed field value. */
struct sfv_bare {
	enum sfv_type	 type;
	/* integer, decimal, boolean */
	int64_t		 num;
	const char	*p;
	size_t		 len;
};

struct sfv_param {
	const char	*key;
	size_t		 klen;
	struct sfv_bare	 v;
};

struct sfv_item {
	struct sfv_bare	 v;
	struct sfv_param param[SFV_MAXPARAMS];
	int		 nparam;
};

/*
 * A dictionary member: an inner list (item[0..nitem-1] and the list's
 * param) or a single item (item[0] with its own parameters, nitem 1).
 */
struct sfv_member {
	const char	*key;
	size_t		 klen;
	int		 inner;
	struct sfv_item	 item[SFV_MAXITEMS];
	int		 nitem;
	struct sfv_param param[SFV_MAXPARAMS];
	int		 nparam;
};

struct sfv_dict {
	struct sfv_member member[SFV_MAXMEMBERS];
	int		 nmember;
};

/*
 * sfv_parse_dict: parse len bytes at s as a dictionary (RFC 8941
 * 4.2.2).  Stricter than the RFC: a key repeated in the dictionary or
 * in one parameter list is an error rather than the last one winning,
 * byte sequences must be canonical padded base64, and more members,
 * items or parameters than the SFV_MAX* limits are errors.  0 or -1;
 * d points into s.
 */
int	sfv_parse_dict(const char *, size_t, struct sfv_dict *);
/* sfv_key_is: non-zero when key (klen bytes) is name. */
int	sfv_key_is(const char *, size_t, const char *);
/* sfv_string: a string item unescaped into buf (NUL-terminated);
 * its length, or -1 when not a string or longer than len - 1. */
int	sfv_string(const struct sfv_bare *, char *, size_t);
/* sfv_bytes: a byte sequence decoded into buf; its length or -1. */
int	sfv_bytes(const struct sfv_bare *, unsigned char *, size_t);
/*
 * sfv_serialize_member: the canonical serialisation (RFC 8941 4.1) of
 * a member's value (inner list or item, with parameters) into buf,
 * NUL-terminated; its length, or -1 if it does not fit.
 */
int	sfv_serialize_member(const struct sfv_member *, char *, size_t);

#endif
