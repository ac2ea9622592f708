/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The client's readers of server bytes: NDJSON, exec, verdict, frames. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "client/pccx.h"
#include "client/verdict.h"
#include "client/ws.h"

/* Lines seen by a test handler, joined by '|'. */
static char	seen[4096];

static int
collect(const char *p, size_t len, void *arg)
{
	size_t	n = strlen(seen);

	if (arg != NULL && len == 4 && memcmp(p, "stop", 4) == 0)
		return -1;
	snprintf(seen + n, sizeof(seen) - n, "%.*s|", (int)len, p);
	return 0;
}

static void
feed(struct ndjson *nd, const char *s)
{
	assert_int_equal(ndjson_feed(nd, s, strlen(s)), 0);
}

static void
test_ndjson_split(void **state)
{
	struct ndjson	nd;
	const char	*all = "{\"a\":1}\n\r\n{\"b\":2}\r\n{\"c\":3}\n";
	size_t		i;

	seen[0] = '\0';
	assert_int_equal(ndjson_init(&nd, 64, collect, NULL), 0);
	for (i = 0; all[i] != '\0'; i++)
		assert_int_equal(ndjson_feed(&nd, all + i, 1), 0);
	assert_string_equal(seen, "{\"a\":1}|{\"b\":2}|{\"c\":3}|");
	assert_int_equal(ndjson_pending(&nd), 0);
	seen[0] = '\0';
	feed(&nd, "x\ny\nzz");
	assert_string_equal(seen, "x|y|");
	assert_int_equal(ndjson_pending(&nd), 2);
	ndjson_free(&nd);
}

static void
test_ndjson_caps(void **state)
{
	struct ndjson	nd;
	char		big[100];

	memset(big, 'x', sizeof(big));
	assert_int_equal(ndjson_init(&nd, 64, collect, NULL), 0);
	feed(&nd, "0123456789012345678901234567890123456789");
	assert_int_equal(ndjson_feed(&nd, big, 30), -1);
	/* Refused once, refused for good. */
	assert_int_equal(ndjson_feed(&nd, "\n", 1), -1);
	assert_int_equal(ndjson_init(&nd, 64, collect, NULL), 0);
	assert_int_equal(ndjson_feed(&nd, big, sizeof(big)), -1);
	assert_int_equal(ndjson_init(&nd, 64, collect, &nd), 0);
	assert_int_equal(ndjson_feed(&nd, "a\nstop\nb\n", 9), -1);
	ndjson_free(&nd);
}

/* Run lines through exec_line with pipes for stdout and stderr. */
static int
exec_lines(const char *lines, struct exec_out *x, char *out, char *err)
{
	int		po[2], pe[2], rv;
	ssize_t		n;
	struct ndjson	nd;

	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	memset(x, 0, sizeof(*x));
	x->out = po[1];
	x->err = pe[1];
	assert_int_equal(ndjson_init(&nd, 1024, exec_line, x), 0);
	rv = ndjson_feed(&nd, lines, strlen(lines));
	ndjson_free(&nd);
	close(po[1]);
	close(pe[1]);
	n = read(po[0], out, 255);
	out[n > 0 ? n : 0] = '\0';
	n = read(pe[0], err, 255);
	err[n > 0 ? n : 0] = '\0';
	close(po[0]);
	close(pe[0]);
	return rv;
}

static void
test_exec_lines(void **state)
{
	struct exec_out	x;
	char		out[256], err[256];

	assert_int_equal(exec_lines(
	    "{\"stream\":\"stdout\",\"data\":\"aGVsbG8K\"}\n"
	    "{\"stream\":\"stderr\",\"data\":\"b29wcwo=\"}\n"
	    "{\"stream\":\"stdout\",\"data\":\"\"}\n"
	    "{\"exit\":3,\"signal\":0}\n", &x, out, err), 0);
	assert_string_equal(out, "hello\n");
	assert_string_equal(err, "oops\n");
	assert_int_equal(x.ended, 1);
	assert_int_equal(x.status, 3);
	assert_int_equal(exec_lines("{\"exit\":-1,\"signal\":9}\n", &x, out,
	    err), 0);
	assert_int_equal(x.signal, 9);
	assert_int_equal(exec_lines("{\"killed\":true}\n", &x, out, err), 0);
	assert_int_equal(x.ended, 2);
	/* Not base64, not JSON, unknown, or after the end: refused. */
	assert_int_equal(exec_lines("{\"stream\":\"stdout\",\"data\":\"*\"}\n",
	    &x, out, err), -1);
	assert_int_equal(exec_lines("nope\n", &x, out, err), -1);
	assert_int_equal(exec_lines("{\"what\":1}\n", &x, out, err), -1);
	assert_int_equal(exec_lines("{\"exit\":0,\"signal\":0}\n"
	    "{\"stream\":\"stdout\",\"data\":\"eA==\"}\n", &x, out, err), -1);
	assert_string_equal(out, "");
}

/* pccx-verify -j on the shared dummy trace, cut short. */
static const char verify_pass[] =
    "{\"event\":\"progress\",\"bytes\":65536,\"total\":637587,"
    "\"events\":1600}\n"
    "{\"event\":\"step\",\"step\":8,\"present\":true,\"api\":"
    "\"uca_get_perf_counters\",\"offset\":721,\"events\":16001,"
    "\"mac\":3200,\"cycles\":4950440,\"golden\":\"fail\",\"diff\":{"
    "\"mac\":{\"expected\":4000,\"actual\":3200,\"allowed\":400,"
    "\"pass\":false},\"dma_read\":{\"expected\":3200,\"actual\":3200,"
    "\"allowed\":320,\"pass\":true}}}\n"
    "{\"event\":\"finding\",\"severity\":\"warning\",\"code\":\"late\","
    "\"offset\":99,\"message\":\"a\\u001b[2Jb\"}\n"
    "{\"event\":\"verdict\",\"result\":\"pass\",\"bytes\":637587,"
    "\"events\":16008,\"steps\":8,\"checksum\":\"match\",\"findings\":0,"
    "\"errors\":0,\"golden\":\"none\"}\n"
    "{\"event\":\"stored\",\"id\":\"0b1d2c3e-0000-4000-8000-000000000001\","
    "\"bytes\":637587}\n";

static int
verdict_run(const char *lines, char *out, size_t size, char *plain,
    size_t psize)
{
	struct verdict	v;
	struct ndjson	nd;
	FILE		*o, *p;
	int		 rv;

	memset(&v, 0, sizeof(v));
	assert_non_null(o = fmemopen(out, size, "w"));
	assert_non_null(p = fmemopen(plain, psize, "w"));
	v.out = o;
	v.plain = p;
	v.total = 637587;
	verdict_tick(&v, 400000);
	assert_int_equal(ndjson_init(&nd, 4096, verdict_line, &v), 0);
	rv = ndjson_feed(&nd, lines, strlen(lines));
	verdict_tick(&v, 637587);
	ndjson_free(&nd);
	if (rv == 0)
		rv = verdict_status(&v);
	fclose(o);
	fclose(p);
	return rv;
}

static void
test_verdict(void **state)
{
	char	out[2048], plain[512];

	assert_int_equal(verdict_run(verify_pass, out, sizeof(out), plain,
	    sizeof(plain)), EXIT_OK);
	assert_non_null(strstr(out, "step 8 uca_get_perf_counters: 16001 "
	    "events, 4950440 cycles, golden fail\n  mac: 3200, expected "
	    "4000 within 400\n"));
	assert_null(strstr(out, "dma_read"));
	assert_non_null(strstr(out, "finding warning late at 99: a?[2Jb\n"));
	assert_non_null(strstr(out, "verdict pass: 637587 bytes, 16008 "
	    "events, 8 steps"));
	assert_non_null(strstr(out, "stored 0b1d2c3e-0000-4000-8000-"));
	assert_non_null(strstr(plain, "progress 62% (400000 of 637587 "
	    "bytes)\n"));
	assert_non_null(strstr(plain, "progress 100% (637587 of 637587 "
	    "bytes)\n"));
	assert_int_equal(verdict_run("{\"event\":\"verdict\",\"result\":"
	    "\"fail\"}\n", out, sizeof(out), plain, sizeof(plain)),
	    EXIT_REFUSED);
	assert_int_equal(verdict_run("{\"event\":\"progress\",\"bytes\":1}\n",
	    out, sizeof(out), plain, sizeof(plain)), EXIT_UNREACH);
	assert_int_equal(verdict_run("{\"event\":\"verdict\",\"result\":"
	    "\"pass\"}\n{\"event\":\"error\",\"reason\":\"bad\"}\n", out,
	    sizeof(out), plain, sizeof(plain)), EXIT_REFUSED);
	assert_non_null(strstr(out, "not stored: bad\n"));
	assert_int_equal(verdict_run("[1]\n", out, sizeof(out), plain,
	    sizeof(plain)), -1);
}

/* The frames a wsc sent, and the messages it handed on. */
static uint8_t	sent[4096];
static size_t	nsent;
static char	msgs[4096];

static ssize_t
fake_send(struct wsc *w, const uint8_t *p, size_t len)
{
	if (nsent + len > sizeof(sent))
		len = sizeof(sent) - nsent;
	memcpy(sent + nsent, p, len);
	nsent += len;
	return len;
}

static void
fake_msg(struct wsc *w, int binary, const uint8_t *p, size_t len,
    void *arg)
{
	size_t	n = strlen(msgs);

	snprintf(msgs + n, sizeof(msgs) - n, "%c:%.*s|", binary ? 'b' : 't',
	    (int)len, p);
}

static void
ws_new(struct wsc *w)
{
	nsent = 0;
	msgs[0] = '\0';
	assert_int_equal(wsc_init(w, fake_send, fake_msg, NULL), 0);
}

static void
test_ws_frames(void **state)
{
	static const uint8_t	in[] = {
		0x81, 0x02, 'h', 'i',			/* text "hi" */
		0x02, 0x01, 'a', 0x80, 0x01, 'b',	/* binary "ab" */
		0x89, 0x01, 'p',			/* ping "p" */
	};
	struct wsc		w;
	size_t			i;

	ws_new(&w);
	for (i = 0; i < sizeof(in); i++)
		assert_int_equal(wsc_feed(&w, in + i, 1), 0);
	assert_string_equal(msgs, "t:hi|b:ab|");
	assert_int_equal(wsc_flush(&w), 0);
	/* The pong: masked, opcode 0xa, one byte. */
	assert_int_equal(nsent, 2 + 4 + 1);
	assert_int_equal(sent[0], 0x8a);
	assert_int_equal(sent[1], 0x81);
	assert_int_equal(sent[6] ^ sent[2], 'p');
	/* A close: recorded, answered, over. */
	assert_int_equal(wsc_feed(&w, (const uint8_t *)"\x88\x02\x03\xe8",
	    4), -1);
	assert_int_equal(w.code, 1000);
	assert_int_equal(wsc_flush(&w), 0);
	assert_int_equal(sent[7], 0x88);
	assert_true(wsc_done(&w));
	wsc_fini(&w);
}

static void
test_ws_refused(void **state)
{
	/* A masked frame from a server; a 2 MiB frame; reserved bits. */
	static const uint8_t	masked[] = { 0x81, 0x81, 1, 2, 3, 4, 'x' };
	static const uint8_t	huge[] = { 0x82, 0x7f, 0, 0, 0, 0, 0, 0x20,
	    0, 0 };
	static const uint8_t	rsv[] = { 0xc1, 0x00 };
	static const uint8_t	longping[] = { 0x89, 0x7e, 0, 200 };
	struct wsc		w;

	ws_new(&w);
	assert_int_equal(wsc_feed(&w, masked, sizeof(masked)), -1);
	assert_int_equal(w.bad, 1002);
	assert_string_equal(msgs, "");
	wsc_fini(&w);
	ws_new(&w);
	assert_int_equal(wsc_feed(&w, huge, sizeof(huge)), -1);
	assert_int_equal(w.bad, 1009);
	assert_int_equal(wsc_flush(&w), 0);
	assert_int_equal(sent[0], 0x88);
	assert_int_equal(((sent[6] ^ sent[2]) << 8 | (sent[7] ^ sent[3])),
	    1009);
	wsc_fini(&w);
	ws_new(&w);
	assert_int_equal(wsc_feed(&w, rsv, sizeof(rsv)), -1);
	wsc_fini(&w);
	ws_new(&w);
	assert_int_equal(wsc_feed(&w, longping, sizeof(longping)), -1);
	assert_int_equal(w.bad, 1002);
	wsc_fini(&w);
}

static void
test_ws_head(void **state)
{
	const char	*ok = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81";
	const char	*err = "HTTP/1.1 401 Unauthorized\r\n"
	    "content-length: 12\r\n\r\n{\"error\":{}}";
	char		 acc[64], want[32];
	long		 st;
	long long	 cl;

	assert_int_equal(wsc_head(ok, strlen(ok), &st, &cl, acc,
	    sizeof(acc)), strlen(ok) - 1);
	assert_int_equal(st, 101);
	wsc_accept_key("dGhlIHNhbXBsZSBub25jZQ==", want);
	assert_string_equal(acc, want);
	assert_int_equal(wsc_head(err, strlen(err), &st, &cl, acc,
	    sizeof(acc)), strlen(err) - 12);
	assert_int_equal(st, 401);
	assert_int_equal(cl, 12);
	assert_int_equal(wsc_head(ok, 20, &st, &cl, acc, sizeof(acc)), 0);
	assert_int_equal(wsc_head("HTTP/1.0 200 OK\r\n\r\n", 19, &st, &cl,
	    acc, sizeof(acc)), -1);
	assert_int_equal(wsc_head("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", 57, &st, &cl, acc, sizeof(acc)), -1);
	assert_int_equal(wsc_head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n"
	    "\r\n", 39, &st, &cl, acc, sizeof(acc)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ndjson_split),
		cmocka_unit_test(test_ndjson_caps),
		cmocka_unit_test(test_exec_lines),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_ws_frames),
		cmocka_unit_test(test_ws_refused),
		cmocka_unit_test(test_ws_head),
	};

	if (sodium_init() == -1)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
