/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* libFuzzer target: the .pccx checker, its golden diff and its reports. */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "verify/verify.h"

static const char reference[] =
	"{\"step\": 0, \"mac\": 1, \"dma_read\": 0, \"dma_write\": 0, "
	"\"barrier\": 0}\n"
	"{\"step\": 1, \"api\": \"uca_init\", \"mac\": 0, \"dma_read\": 0, "
	"\"dma_write\": 0, \"barrier\": 0, \"cycles\": 820}\n"
	"{\"step\": 8, \"mac\": 3200, \"dma_read\": 3200, \"dma_write\": 3200, "
	"\"barrier\": 3200, \"tol_pct\": 0.5, \"tol_abs\": 3}\n";

static FILE		*devnull;
static struct golden	*golden;

static void
reference_error(void *arg, unsigned line, const char *msg)
{
	fprintf(stderr, "reference line %u: %s\n", line, msg);
}

static void
setup(void)
{
	FILE	*fp;

	if ((devnull = fopen("/dev/null", "w")) == NULL)
		return;
	fp = fmemopen((void *)reference, sizeof(reference) - 1, "r");
	if (fp != NULL) {
		golden = golden_load(fp, reference_error, NULL);
		fclose(fp);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_sink	 sink;
	struct verify		*v;
	size_t			 piece, off, n;
	uint8_t			 last;

	if (devnull == NULL)
		setup();
	if (devnull == NULL)
		return 0;
	emit_ndjson_sink(&sink, devnull);
	v = verify_new(&sink, size % 2 ? golden : NULL,
	    VERIFY_F_TIMELINE | VERIFY_F_KEEPSTEPS);
	if (v == NULL)
		return 0;
	verify_set_progress(v, 4096);

	/*
	 * Cut the input in pieces whose size its last byte chooses: tiny
	 * ones for small inputs, else 512 bytes to 64 KiB.
	 */
	last = size > 0 ? data[size - 1] : 0;
	if (size < 8192 && (last & 0x80))
		piece = 1 + (last & 0x3f);
	else
		piece = (size_t)65536 >> (last & 7);
	for (off = 0; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		if (verify_feed(v, data + off, n) == -1)
			break;
	}
	verify_finish(v);
	summary_write(devnull, v);
	report_write(devnull, REPORT_JSON, v);
	report_write(devnull, REPORT_MARKDOWN, v);
	report_write(devnull, REPORT_HTML, v);
	verify_free(v);
	return 0;
}
