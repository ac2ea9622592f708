/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The lines of an exec's answer: output to its fds, then the status. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "client/pccx.h"

static int
exec_write(int fd, const unsigned char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* One chunk of output: its base64 decoded straight to the fd. */
static int
exec_chunk(struct exec_out *x, int fd, const char *b64, size_t len)
{
	unsigned char	 buf[16384];
	size_t		 n, k;
	const char	*end;

	/* In pieces of a multiple of 4 characters: 12 bytes each 16. */
	while (len > 0) {
		k = len > 21844 ? 21844 : len;
		if (sodium_base642bin(buf, sizeof(buf), b64, k, NULL, &n, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + k)
			return -1;
		if (exec_write(fd, buf, n) == -1) {
			if (errno != EPIPE)
				log_warn("write");
			x->ended = 3;
			return -1;
		}
		b64 += k;
		len -= k;
	}
	return 0;
}

/* exec_line: one line of the answer; see pccx.h. */
int
exec_line(const char *p, size_t len, void *arg)
{
	struct exec_out	*x = arg;
	json_t		*j, *v;
	const char	*s;
	int		 rv = -1;

	if (x->ended != 0 || (j = json_loadb(p, len, 0, NULL)) == NULL)
		return -1;
	if ((s = json_string_value(json_object_get(j, "stream"))) != NULL) {
		v = json_object_get(j, "data");
		if (json_is_string(v) && (strcmp(s, "stdout") == 0 ||
		    strcmp(s, "stderr") == 0))
			rv = exec_chunk(x, strcmp(s, "stdout") == 0 ?
			    x->out : x->err,
			    json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v = json_object_get(j, "exit"))) {
		x->status = json_integer_value(v);
		x->signal = json_integer_value(json_object_get(j, "signal"));
		x->ended = 1;
		rv = 0;
	} else if (json_is_true(json_object_get(j, "killed"))) {
		x->ended = 2;
		rv = 0;
	}
	json_decref(j);
	return rv;
}
