/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Robustness of the checker on the real trace: cuts, flips, any chunking. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "verify/verify.h"

#define HEADER_ZONE	400	/* every offset below this is tried */
#define STRIDE		1021	/* then one offset in so many */
#define TAIL_ZONE	64	/* and every offset this near the end */
#define RANDOM_RUNS	300

static uint8_t	*trace;
static size_t	 trace_len;

struct run {
	struct verify_info	 info;
	int			 passed;
	char			*out;		/* NDJSON written */
	size_t			 outlen;
};

/* Check bytes fed in pieces of the given size (0: all at once). */
static void
run_bytes(const uint8_t *p, size_t len, size_t piece, struct run *r)
{
	struct verify_sink	 sink;
	struct verify		*v;
	FILE			*fp;
	size_t			 off, n;

	memset(r, 0, sizeof(*r));
	fp = open_memstream(&r->out, &r->outlen);
	assert_non_null(fp);
	emit_ndjson_sink(&sink, fp);
	v = verify_new(&sink, NULL, VERIFY_F_TIMELINE | VERIFY_F_KEEPSTEPS);
	assert_non_null(v);
	verify_set_progress(v, 65536);
	if (piece == 0)
		piece = len > 0 ? len : 1;
	for (off = 0; off < len; off += n) {
		n = len - off < piece ? len - off : piece;
		assert_int_equal(verify_feed(v, p + off, n), 0);
	}
	verify_finish(v);
	r->info = *verify_info(v);
	r->passed = verify_passed(v);
	/* Reports must render whatever was read. */
	assert_int_equal(report_write(fp, REPORT_HTML, v), 0);
	assert_int_equal(report_write(fp, REPORT_JSON, v), 0);
	assert_int_equal(report_write(fp, REPORT_MARKDOWN, v), 0);
	summary_write(fp, v);
	verify_free(v);
	fclose(fp);
}

/* Drop progress lines, which depend on how the bytes were fed. */
static void
strip_progress(char *s)
{
	const char	*tag = "{\"event\":\"progress\"";
	char		*o = s, *nl;

	while (*s != '\0') {
		nl = strchr(s, '\n');
		nl = nl != NULL ? nl + 1 : s + strlen(s);
		if (strncmp(s, tag, strlen(tag)) != 0) {
			memmove(o, s, nl - s);
			o += nl - s;
		}
		s = nl;
	}
	*o = '\0';
}

static void
run_free(struct run *r)
{
	free(r->out);
}

static void
test_real_passes(void **state)
{
	struct run	 r;

	run_bytes(trace, trace_len, 0, &r);
	assert_true(r.passed);
	assert_int_equal(r.info.findings, 0);
	assert_int_equal(r.info.events, 16008);
	assert_int_equal(r.info.cores, 32);
	assert_int_equal(r.info.cycles, 5423940);
	assert_int_equal(r.info.api_calls, 8);
	assert_int_equal(r.info.checksum, VERIFY_CK_MATCH);
	assert_true(r.info.checksum_want > INT64_MAX);
	run_free(&r);
}

/* Any chunking gives the same output as one piece, byte for byte. */
static void
test_chunking(void **state)
{
	static const size_t	 pieces[] = { 1, 2, 3, 7, 16, 29, 24, 4093 };
	struct run		 whole, r;
	size_t			 i;

	run_bytes(trace, trace_len, 0, &whole);
	strip_progress(whole.out);
	assert_non_null(strstr(whole.out, "\"event\":\"verdict\""));
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		run_bytes(trace, trace_len, pieces[i], &r);
		assert_true(r.passed);
		assert_int_equal(r.info.checksum_got,
		    whole.info.checksum_got);
		strip_progress(r.out);
		assert_string_equal(r.out, whole.out);
		run_free(&r);
	}
	run_free(&whole);
}

static int
cut_tried(size_t cut)
{
	return cut < HEADER_ZONE || cut % STRIDE == 0 ||
	    cut + TAIL_ZONE >= trace_len;
}

/* Each cut ends in a finding that says the file is cut short. */
static void
test_truncation(void **state)
{
	struct run	 r;
	size_t		 cut, tried = 0;
	uint64_t	 says;

	for (cut = 0; cut < trace_len; cut++) {
		if (!cut_tried(cut))
			continue;
		run_bytes(trace, cut, 4096, &r);
		says = r.info.code_count[VF_TRUNCATED] +
		    r.info.code_count[VF_HEADER_LENGTH] +
		    r.info.code_count[VF_PAYLOAD_SHORT];
		if (r.passed || says == 0)
			fail_msg("cut at %zu: passed %d, findings %llu", cut,
			    r.passed, (unsigned long long)r.info.findings);
		run_free(&r);
		tried++;
	}
	print_message("# %zu cuts tried\n", tried);
}

/* Flipping all bits of any one byte never passes unnoticed. */
static void
test_flips(void **state)
{
	struct run	 r;
	uint8_t		*copy;
	size_t		 at, tried = 0;

	copy = malloc(trace_len);
	assert_non_null(copy);
	memcpy(copy, trace, trace_len);
	for (at = 0; at < trace_len; at++) {
		if (!cut_tried(at))
			continue;
		copy[at] ^= 0xff;
		run_bytes(copy, trace_len, 65536, &r);
		copy[at] ^= 0xff;
		if (r.passed || r.info.errors == 0)
			fail_msg("flip at %zu went unnoticed", at);
		run_free(&r);
		tried++;
	}
	free(copy);
	print_message("# %zu flips tried\n", tried);
}

/* Random damage, several bytes at a time, with random cuts. */
static void
test_random(void **state)
{
	struct run	 r;
	uint8_t		*copy;
	size_t		 len, k, n;
	int		 i;

	srandom(20260101);
	copy = malloc(trace_len);
	assert_non_null(copy);
	for (i = 0; i < RANDOM_RUNS; i++) {
		memcpy(copy, trace, trace_len);
		n = 1 + random() % 8;
		for (k = 0; k < n; k++)
			copy[random() % (i % 2 ? 400 : trace_len)] =
			    random();
		len = i % 3 ? trace_len : (size_t)random() % trace_len;
		run_bytes(copy, len, 1 + random() % 70000, &r);
		if (memcmp(copy, trace, len) != 0 || len != trace_len)
			assert_int_not_equal(r.info.findings, 0);
		run_free(&r);
	}
	free(copy);
}

static int
load_trace(const char *path)
{
	FILE	*fp;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n <= 0 || (trace = malloc(n)) == NULL ||
	    fread(trace, 1, n, fp) != (size_t)n) {
		fclose(fp);
		return -1;
	}
	trace_len = n;
	fclose(fp);
	return 0;
}

/* The trace is found as the other tests find it, or named on the line. */
int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_passes),
		cmocka_unit_test(test_chunking),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_flips),
		cmocka_unit_test(test_random),
	};
	const char	*path = "../shared/data/dummy_trace.pccx";

	if (argc == 2)
		path = argv[1];
	else if (access(path, R_OK) == -1 && getenv("PCCX_TRACE") != NULL)
		path = getenv("PCCX_TRACE");
	if (load_trace(path) == -1) {
		printf("Bail out! cannot read the real trace %s\n", path);
		return 1;
	}
	alarm(600);	/* a hang is a failure */
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
