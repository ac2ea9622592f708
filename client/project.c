/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Names that go into URLs, and the projects the login has a role in. */

#include <stdlib.h>
#include <string.h>

#include "client/pccx.h"

/* project_ok: letters, digits, '.', '_' and '-', not starting with '.'. */
int
project_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n < 64 && s[0] != '.' && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

/* uuid_ok: 8-4-4-4-12 lower-case hex digits. */
int
uuid_ok(const char *s)
{
	size_t	i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/* b64id_ok: an id in base64url, as devices and traces have. */
int
b64id_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n < 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static int
project_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * project_list: the members of the token's roles claim that are names
 * we can use; the token is not verified here, the server does that.
 */
json_t *
project_list(const struct client *c)
{
	json_t		*cl = jwt_claims(c->token), *roles, *v, *a;
	const char	*k, *names[64];
	size_t		 n = 0, i;

	roles = json_object_get(cl, "roles");
	json_object_foreach(roles, k, v)
		if (n < 64 && json_is_string(v) && project_ok(k))
			names[n++] = k;
	qsort(names, n, sizeof(names[0]), project_cmp);
	if ((a = json_array()) != NULL)
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_string(names[i]));
	json_decref(cl);
	return a;
}
