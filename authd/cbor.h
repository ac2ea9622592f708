/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A bounded decoder for the subset of CBOR (RFC 8949) that WebAuthn uses. */

#ifndef AUTHD_CBOR_H
#define AUTHD_CBOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * The functions are named wcbor_*: libfido2 links libcbor, and a
 * cbor_* symbol of ours would be exported and take the place of
 * libcbor's inside libfido2.
 *
 * Accepted: unsigned and negative integers, byte and text strings
 * (text is valid UTF-8), arrays, maps whose keys are integers or text
 * strings, and the simple values false, true and null, each in the
 * shortest form (CTAP2 canonical encoding).  Refused: tags, floats,
 * undefined and other simple values, indefinite lengths, duplicate
 * map keys, nesting deeper than CBOR_MAXDEPTH, more than CBOR_MAXITEMS
 * items (a map entry counts two), inputs longer than CBOR_MAXSIZE.
 * Key order is not checked.  The decoder walks the input once with an
 * explicit stack: no recursion, no allocation.
 */
#define CBOR_MAXDEPTH	8
#define CBOR_MAXITEMS	128
#define CBOR_MAXSIZE	16384

enum cbor_type {
	CBOR_UINT = 1,
	CBOR_NINT,		/* the value is -1 - val */
	CBOR_BYTES,
	CBOR_TEXT,
	CBOR_ARRAY,
	CBOR_MAP,
	CBOR_FALSE,
	CBOR_TRUE,
	CBOR_NULL,
};

enum cbor_err {
	CBOR_OK = 0,
	CBOR_ERR_TRUNCATED,	/* the input ends inside an item */
	CBOR_ERR_TRAILING,	/* bytes after the top-level item */
	CBOR_ERR_SIZE,		/* input longer than CBOR_MAXSIZE */
	CBOR_ERR_DEPTH,		/* nesting deeper than CBOR_MAXDEPTH */
	CBOR_ERR_ITEMS,		/* more than CBOR_MAXITEMS items */
	CBOR_ERR_UNSUPPORTED,	/* tag, float, simple value, indefinite */
	CBOR_ERR_NONCANONICAL,	/* an argument not in its shortest form */
	CBOR_ERR_UTF8,		/* a text string that is not UTF-8 */
	CBOR_ERR_KEY,		/* a map key that is not an int or text */
	CBOR_ERR_DUPKEY,	/* the same key twice in one map */
};

/*
 * One decoded item, in document order: a container is followed by its
 * children (a map by key, value, key, value...), and next is the index
 * of the item after the whole subtree, so a walk never recurses.
 */
struct cbor_item {
	enum cbor_type		 type;
	/* integer; string length; entries */
	uint64_t		 val;
	/* string contents, else NULL */
	const uint8_t		*ptr;
	/* offset of the item's first byte */
	uint32_t		 off;
	/* offset past the item's last byte */
	uint32_t		 end;
	uint32_t		 next;	/* index past this subtree */
};

struct cbor_doc {
	const uint8_t		*buf;
	/* bytes the top-level item uses */
	size_t			 len;
	size_t			 nitems;
	struct cbor_item	 items[CBOR_MAXITEMS];
};

/*
 * wcbor_parse: decode exactly one item that fills buf[0..len) into doc,
 * which then points into buf.  Returns CBOR_OK or the first error;
 * on error doc is unusable.  wcbor_parse_prefix does the same for one
 * item at the start of buf and stores the bytes it used in *used.
 */
enum cbor_err	 wcbor_parse(struct cbor_doc *, const uint8_t *, size_t);
enum cbor_err	 wcbor_parse_prefix(struct cbor_doc *, const uint8_t *,
		    size_t, size_t *);
/* wcbor_strerror: a short name for an error, for logs and tests. */
const char	*wcbor_strerror(enum cbor_err);

/*
 * Lookups on a parsed doc by item index (the top-level item is 0).
 * wcbor_map_int/wcbor_map_text return the index of the value stored
 * under an integer/text key of the map at index map, or -1 when map
 * is not a map or has no such key.  wcbor_child returns the index of
 * the n-th child of an array (or the n-th key/value of a map), -1 when
 * out of range.  wcbor_get_int stores an integer item's value in *v and
 * returns 0, or -1 when the item is no integer or does not fit.
 */
int		 wcbor_map_int(const struct cbor_doc *, int, int64_t);
int		 wcbor_map_text(const struct cbor_doc *, int, const char *);
int		 wcbor_child(const struct cbor_doc *, int, size_t);
int		 wcbor_get_int(const struct cbor_doc *, int, int64_t *);

#endif /* AUTHD_CBOR_H */
