/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Content negotiation: which offered media type an Accept header prefers. */

#ifndef PCCX_ACCEPT_H
#define PCCX_ACCEPT_H

#include <stddef.h>

#define ACCEPT_NONE	(-1)	/* nothing offered is acceptable: 406 */
#define ACCEPT_BAD	(-2)	/* the header is malformed: 400 */
#define ACCEPT_MAXRANGES 32	/* media ranges read from one header */

/*
 * accept_pick: the index of the offer (n "type/subtype" strings, in
 * the server's order of preference) that the Accept value h likes
 * best.  Each offer takes the q of the most specific range that
 * matches it (type/subtype, then type/'*', then '*'/'*'); the highest
 * q above 0 wins, ties going to the earlier offer.  A NULL or empty h
 * picks offer 0.  ACCEPT_NONE when no offer has a q above 0,
 * ACCEPT_BAD for a value that is not a list of media ranges with
 * parameters, a q that is not a qvalue, or more than
 * ACCEPT_MAXRANGES ranges.
 */
int	accept_pick(const char *, const char *const *, size_t);

#endif
