/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz the client's NDJSON readers: exec output and upload verdicts. */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/pccx.h"
#include "client/verdict.h"

static int	devnull = -1;
static FILE	*sink;

/*
 * The first byte picks the reader and where the input is cut; the rest
 * is the server's answer, fed in pieces.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exec_out	 x;
	struct verdict	 v;
	struct ndjson	 nd;
	size_t		 step, off;

	if (size < 1)
		return 0;
	if (devnull == -1) {
		devnull = open("/dev/null", O_WRONLY);
		sink = fopen("/dev/null", "w");
	}
	memset(&x, 0, sizeof(x));
	x.out = x.err = devnull;
	memset(&v, 0, sizeof(v));
	v.out = v.plain = sink;
	v.total = 1000;
	step = (data[0] & 0x7f) + 1;
	if (data[0] & 0x80)
		ndjson_init(&nd, 512, exec_line, &x);
	else
		ndjson_init(&nd, 512, verdict_line, &v);
	for (off = 1; off < size; off += step) {
		if (ndjson_feed(&nd, (const char *)data + off, size - off <
		    step ? size - off : step) == -1)
			break;
		verdict_tick(&v, off);
	}
	(void)verdict_status(&v);
	ndjson_free(&nd);
	return 0;
}
