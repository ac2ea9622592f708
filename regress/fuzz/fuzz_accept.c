/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: Accept negotiation and the query of the trace routes. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontd/accept.h"
#include "frontd/http.h"

static const char *const offers[] = {
	"application/json", "text/html", "text/markdown"
};

/* What every answer must be, whatever the header. */
static void
check_pick(const char *h)
{
	int	i, j;

	i = accept_pick(h, offers, 3);
	if (i != ACCEPT_BAD && i != ACCEPT_NONE && (i < 0 || i > 2))
		abort();
	/* the same header, the same answer */
	if (accept_pick(h, offers, 3) != i)
		abort();
	/* fewer offers never make a malformed header well formed */
	j = accept_pick(h, offers + 1, 2);
	if ((i == ACCEPT_BAD) != (j == ACCEPT_BAD))
		abort();
	if (j >= 0 && j > 1)
		abort();
	/* no offer at all is never acceptable */
	if (accept_pick(h, offers, 0) >= 0)
		abort();
}

/* The trace routes read project and reference from the query. */
static void
check_query(const char *q)
{
	char	buf[64];
	int	r;

	r = http_query_get(q, "project", buf, sizeof(buf));
	if (r == 1 && strlen(buf) >= sizeof(buf))
		abort();
	r = http_query_get(q, "reference", buf, sizeof(buf));
	if (r < -1 || r > 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_pick(s);
	check_query(s);
	free(s);
	return 0;
}
