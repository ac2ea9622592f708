/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Writes .pccx files for the tests: one crafted defect each, or big ones. */

#include <err.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FNV_OFFSET	((uint64_t)0xcbf29ce484222325ULL)
#define FNV_PRIME	0x100000001b3ULL

struct buf {
	uint8_t	*p;
	size_t	 n, cap;
};

/* Everything a crafted file is made of; zero means the usual. */
struct file {
	const char	*magic;		/* "PCCX" */
	int		 major, minor;	/* 1, 1 */
	uint8_t		 reserved[2];
	int64_t		 hdrlen;	/* -1: the header's own length */
	const char	*header;	/* raw header text, or built */
	const char	*enc;		/* "flatbuf" */
	uint64_t	 cores, cycles;	/* 4, 1000 */
	int		 checksum;	/* CK_* */
	/* -1: the payload's length */
	int64_t		 byte_length;
	const char	*trace_extra;	/* more members of "trace" */
	struct buf	 payload;
	/* zero bytes after the payload */
	size_t		 tail;
	/* -1, or write only so many bytes */
	int64_t		 cut;
};

enum {
	CK_RIGHT,
	CK_NONE,
	CK_WRONG,
	CK_HEX,
	CK_TOOBIG
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			err(1, NULL);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
put_u8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void
put_u32(struct buf *b, uint32_t v)
{
	uint8_t	 x[4];
	int	 i;

	for (i = 0; i < 4; i++)
		x[i] = v >> (8 * i);
	put(b, x, 4);
}

static void
put_u64(struct buf *b, uint64_t v)
{
	uint8_t	 x[8];
	int	 i;

	for (i = 0; i < 8; i++)
		x[i] = v >> (8 * i);
	put(b, x, 8);
}

static void
put_str(struct buf *b, const char *s)
{
	put_u64(b, strlen(s));
	put(b, s, strlen(s));
}

static void
fb_rec(struct buf *b, uint32_t core, uint64_t start, uint64_t dur,
    uint32_t type)
{
	put_u32(b, core);
	put_u64(b, start);
	put_u64(b, dur);
	put_u32(b, type);
}

static void
bc_ev(struct buf *b, uint32_t core, uint64_t start, uint64_t dur,
    const char *type, const char *name)
{
	put_u32(b, core);
	put_u64(b, start);
	put_u64(b, dur);
	put_str(b, type);
	if (name == NULL)
		put_u8(b, 0);
	else {
		put_u8(b, 1);
		put_str(b, name);
	}
}

static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

static void
build_header(struct file *f, char *out, size_t len)
{
	char		 ck[64] = "";
	uint64_t	 h = fnv(FNV_OFFSET, f->payload.p, f->payload.n);
	uint64_t	 bl = f->byte_length >= 0 ? (uint64_t)f->byte_length :
			    f->payload.n;

	if (f->checksum == CK_RIGHT)
		snprintf(ck, sizeof(ck), ",\"checksum_fnv64\":%" PRIu64, h);
	else if (f->checksum == CK_WRONG)
		snprintf(ck, sizeof(ck), ",\"checksum_fnv64\":%" PRIu64,
		    h ^ (uint64_t)0x8000000000000001ULL);
	else if (f->checksum == CK_HEX)
		snprintf(ck, sizeof(ck), ",\"checksum_fnv64\":\"0x%016"
		    PRIx64 "\"", h);
	else if (f->checksum == CK_TOOBIG)
		snprintf(ck, sizeof(ck),
		    ",\"checksum_fnv64\":18446744073709551616");
	snprintf(out, len, "{\"pccx_lab_version\":\"gen\",\"trace\":"
	    "{\"cycles\":%" PRIu64 ",\"cores\":%" PRIu64 "%s},\"payload\":"
	    "{\"encoding\":\"%s\",\"byte_length\":%" PRIu64 "%s},"
	    "\"format_minor\":1}", f->cycles, f->cores,
	    f->trace_extra ? f->trace_extra : "", f->enc, bl, ck);
}

static void
file_write(struct file *f, const char *path)
{
	struct buf	 out = { 0 };
	char		 hdr[1024];
	const char	*h = f->header;
	uint64_t	 hl;
	uint8_t		 zero[64] = { 0 };
	int		 fd;

	if (h == NULL) {
		build_header(f, hdr, sizeof(hdr));
		h = hdr;
	}
	hl = f->hdrlen >= 0 ? (uint64_t)f->hdrlen : strlen(h);
	put(&out, f->magic, 4);
	put_u8(&out, f->major);
	put_u8(&out, f->minor);
	put(&out, f->reserved, 2);
	put_u64(&out, hl);
	put(&out, h, strlen(h));
	put(&out, f->payload.p, f->payload.n);
	put(&out, zero, f->tail);
	if (f->cut >= 0 && (size_t)f->cut < out.n)
		out.n = f->cut;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		err(1, "%s", path);
	if (write(fd, out.p, out.n) != (ssize_t)out.n || close(fd) == -1)
		err(1, "%s", path);
	free(out.p);
	free(f->payload.p);
}

static void
file_init(struct file *f)
{
	memset(f, 0, sizeof(*f));
	f->magic = "PCCX";
	f->major = 1;
	f->minor = 1;
	f->hdrlen = -1;
	f->enc = "flatbuf";
	f->cores = 4;
	f->cycles = 1000;
	f->byte_length = -1;
	f->cut = -1;
}

/* Three good flatbuf records: offsets 0, 24 and 48 in the payload. */
static void
fb_good(struct buf *b)
{
	fb_rec(b, 0, 0, 10, 6);
	fb_rec(b, 1, 0, 100, 1);
	fb_rec(b, 2, 50, 100, 2);
}

/* Two good bincode events, the first an API call: payload 16, 64. */
static void
bc_good(struct buf *b)
{
	put_u64(b, 1000);
	put_u64(b, 2);
	bc_ev(b, 0, 0, 10, "API_CALL", "init");	/* 28+8+1+8+4 = 49 */
	bc_ev(b, 1, 10, 20, "MAC_COMPUTE", NULL);
}

static void
case_setup(struct file *f, const char *name)
{
	struct buf	*b = &f->payload;

	file_init(f);
	if (strncmp(name, "bc_", 3) == 0) {
		f->enc = "bincode";
		if (strcmp(name, "bc_good") == 0 ||
		    strcmp(name, "bc_trailing") == 0 ||
		    strcmp(name, "bc_total") == 0 ||
		    strcmp(name, "bc_checksum_hex") == 0)
			bc_good(b);
	} else if (strcmp(name, "fb_record") != 0 &&
	    strcmp(name, "fb_core") != 0 && strcmp(name, "fb_type") != 0 &&
	    strcmp(name, "fb_overlap") != 0 && strcmp(name, "fb_order") != 0)
		fb_good(b);
}

/* Defects in the fixed 16 bytes and the header. */
static int
case_container(struct file *f, const char *name)
{
	if (strcmp(name, "magic") == 0)
		f->magic = "PCCY";
	else if (strcmp(name, "version") == 0)
		f->major = 2;
	else if (strcmp(name, "reserved") == 0)
		f->reserved[1] = 1;
	else if (strcmp(name, "minor") == 0)
		f->minor = 2;
	else if (strcmp(name, "hdrlen_absurd") == 0)
		f->hdrlen = 2 * 1024 * 1024;
	else if (strcmp(name, "hdrlen_past") == 0) {
		f->hdrlen = 100000;
		f->cut = 400;
	} else if (strcmp(name, "truncated") == 0)
		f->cut = 10;
	else if (strcmp(name, "header_utf8") == 0)
		f->header = "{\"pccx_lab_\xff\":1}";
	else if (strcmp(name, "header_json") == 0)
		f->header = "{\"pccx_lab_version\":\"x\",,}";
	else if (strcmp(name, "header_field") == 0)
		f->header = "{\"pccx_lab_version\":\"x\",\"trace\":"
		    "{\"cycles\":1000},\"payload\":{\"encoding\":\"raw\","
		    "\"byte_length\":0}}";
	else if (strcmp(name, "encoding") == 0)
		f->enc = "protobuf";
	else if (strcmp(name, "checksum_toobig") == 0)
		f->checksum = CK_TOOBIG;
	else if (strcmp(name, "event_count") == 0)
		f->trace_extra = ",\"events\":5";
	else
		return 0;
	return 1;
}

/* Defects in the payload as a whole. */
static int
case_payload(struct file *f, const char *name)
{
	if (strcmp(name, "payload_short") == 0) {
		f->byte_length = f->payload.n + 24;
	} else if (strcmp(name, "payload_long") == 0)
		f->tail = 6;
	else if (strcmp(name, "checksum") == 0)
		f->checksum = CK_WRONG;
	else if (strcmp(name, "fb_good") == 0 ||
	    strcmp(name, "bc_good") == 0)
		;
	else if (strcmp(name, "bc_checksum_hex") == 0)
		f->checksum = CK_HEX;
	else if (strcmp(name, "no_checksum") == 0)
		f->checksum = CK_NONE;
	else if (strcmp(name, "bc_trailing") == 0)
		put(&f->payload, "extra", 5);
	else if (strcmp(name, "bc_total") == 0)
		f->cycles = 2000;
	else
		return 0;
	return 1;
}

/* Defects in flatbuf records and the name table. */
static int
case_flatbuf(struct file *f, const char *name)
{
	struct buf	*b = &f->payload;

	if (strcmp(name, "fb_record") == 0) {
		fb_rec(b, 0, 0, 10, 1);
		put(b, "\1\2\3\4\5\6", 6);
	} else if (strcmp(name, "fb_core") == 0) {
		fb_rec(b, 0, 0, 10, 1);
		fb_rec(b, 7, 0, 10, 1);
	} else if (strcmp(name, "fb_cycles") == 0)
		fb_rec(b, 3, 990, 20, 1);
	else if (strcmp(name, "fb_type") == 0) {
		fb_rec(b, 0, 0, 10, 1);
		fb_rec(b, 1, 0, 10, 9);
	} else if (strcmp(name, "fb_overlap") == 0) {
		fb_rec(b, 1, 0, 100, 1);
		fb_rec(b, 1, 50, 100, 2);
	} else if (strcmp(name, "fb_order") == 0) {
		fb_rec(b, 1, 500, 100, 1);
		fb_rec(b, 1, 0, 100, 2);
	} else if (strcmp(name, "fb_names") == 0) {
		put(b, "PCC2", 4);
		put_u32(b, 1);
		put_u32(b, 4);
		put(b, "boot", 4);
	} else if (strcmp(name, "fb_name_count") == 0) {
		put(b, "PCC2", 4);
		put_u32(b, 2);
		put_u32(b, 1);
		put(b, "a", 1);
		put_u32(b, 1);
		put(b, "b", 1);
	} else if (strcmp(name, "fb_name_len") == 0) {
		put(b, "PCC2", 4);
		put_u32(b, 1);
		put_u32(b, 1000);
		put(b, "abc", 3);
	} else
		return 0;
	return 1;
}

/* Defects in bincode events. */
static int
case_bincode(struct file *f, const char *name)
{
	struct buf	*b = &f->payload;

	if (strcmp(name, "bc_count") == 0) {
		put_u64(b, 1000);
		put_u64(b, 1000);
		bc_ev(b, 0, 0, 10, "MAC_COMPUTE", NULL);
	} else if (strcmp(name, "bc_count_late") == 0) {
		put_u64(b, 1000);
		put_u64(b, 2);
		bc_ev(b, 0, 0, 10, "MAC_COMPUTE", "a long name that is there");
		put(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22);
	} else if (strcmp(name, "bc_tlen") == 0) {
		put_u64(b, 1000);
		put_u64(b, 1);
		put_u32(b, 0);
		put_u64(b, 0);
		put_u64(b, 10);
		put_u64(b, 1ULL << 40);
		put(b, "MAC_COMPUTE\0", 12);
	} else if (strcmp(name, "bc_nlen") == 0) {
		put_u64(b, 1000);
		put_u64(b, 1);
		put_u32(b, 0);
		put_u64(b, 0);
		put_u64(b, 10);
		put_str(b, "API_CALL");
		put_u8(b, 1);
		put_u64(b, 0xffffffffffffULL);
		put(b, "x", 1);
	} else if (strcmp(name, "bc_tag") == 0) {
		put_u64(b, 1000);
		put_u64(b, 1);
		put_u32(b, 0);
		put_u64(b, 0);
		put_u64(b, 10);
		put_str(b, "API_CALL");
		put_u8(b, 2);
		put(b, "\0\0\0\0", 4);
	} else if (strcmp(name, "bc_type") == 0) {
		put_u64(b, 1000);
		put_u64(b, 2);
		bc_ev(b, 0, 0, 10, "MAC_COMPUTE", NULL);
		bc_ev(b, 1, 0, 10, "FOO_BAR", NULL);
	} else if (strcmp(name, "bc_preamble") == 0)
		put_u64(b, 1000);
	else
		return 0;
	return 1;
}

static const char *cases[] = {
	"magic", "version", "reserved", "minor", "hdrlen_absurd",
	"hdrlen_past", "truncated", "header_utf8", "header_json",
	"header_field", "encoding", "checksum_toobig", "event_count",
	"payload_short", "payload_long", "checksum", "fb_good", "bc_good",
	"bc_checksum_hex", "no_checksum", "bc_trailing", "bc_total",
	"fb_record", "fb_core", "fb_cycles", "fb_type", "fb_overlap",
	"fb_order", "fb_names", "fb_name_count", "fb_name_len", "bc_count",
	"bc_count_late", "bc_tlen", "bc_nlen", "bc_tag", "bc_type",
	"bc_preamble", NULL
};

static void
write_case(const char *name, const char *path)
{
	struct file	 f;

	case_setup(&f, name);
	if (!case_container(&f, name) && !case_payload(&f, name) &&
	    !case_flatbuf(&f, name) && !case_bincode(&f, name))
		errx(1, "no case %s", name);
	file_write(&f, path);
}

/*
 * Big traces for the benchmark: 64 cores in slots of 100 cycles, each
 * core busy for 90 of them, and every 4096th slot an API call alone
 * on core 0.  Made twice: once to count, once to write.
 */
#define BIG_CORES	64
#define BIG_SLOT	100
#define BIG_APIEVERY	4096

static const char *big_types[] = {
	"UNKNOWN", "MAC_COMPUTE", "DMA_READ", "DMA_WRITE", "SYSTOLIC_STALL",
	"BARRIER_SYNC", "API_CALL"
};

struct big {
	int		 bincode;
	uint64_t	 slots, events, apis, bytes, hash;
	int		 fd;		/* -1 while counting */
	struct buf	 out;
};

static void
big_flush(struct big *g, int force)
{
	if (!force && g->out.n < (1 << 20))
		return;
	g->bytes += g->out.n;
	if (g->fd != -1) {
		g->hash = fnv(g->hash, g->out.p, g->out.n);
		if (write(g->fd, g->out.p, g->out.n) != (ssize_t)g->out.n)
			err(1, "write");
	}
	g->out.n = 0;
}

static void
big_event(struct big *g, uint32_t core, uint64_t start, uint64_t dur,
    int type, const char *name)
{
	g->events++;
	if (g->bincode)
		bc_ev(&g->out, core, start, dur, big_types[type], name);
	else
		fb_rec(&g->out, core, start, dur, type);
}

static void
big_slots(struct big *g)
{
	uint64_t	 k;
	uint32_t	 c;
	char		 name[32];

	for (k = 0; k < g->slots; k++) {
		if (k % BIG_APIEVERY == 0) {
			snprintf(name, sizeof(name), "step_%06" PRIu64,
			    ++g->apis);
			big_event(g, 0, k * BIG_SLOT, 50, 6, name);
		} else
			for (c = 0; c < BIG_CORES; c++)
				big_event(g, c, k * BIG_SLOT, 90,
				    1 + (k + c) % 5, NULL);
		big_flush(g, 0);
	}
}

static void
big_names(struct big *g)
{
	uint64_t	 i;
	char		 name[32];

	put(&g->out, "PCC2", 4);
	put_u32(&g->out, g->apis);
	for (i = 1; i <= g->apis; i++) {
		snprintf(name, sizeof(name), "step_%06" PRIu64, i);
		put_u32(&g->out, strlen(name));
		put(&g->out, name, strlen(name));
		big_flush(g, 0);
	}
}

static void
big_payload(struct big *g, uint64_t count)
{
	g->events = g->apis = g->bytes = 0;
	g->hash = FNV_OFFSET;
	if (g->bincode) {
		put_u64(&g->out, g->slots * BIG_SLOT);
		put_u64(&g->out, count);
	}
	big_slots(g);
	if (!g->bincode)
		big_names(g);
	big_flush(g, 1);
}

static void
big_header(struct big *g, const char *enc, uint64_t hash, struct buf *b)
{
	char	 hdr[512];

	snprintf(hdr, sizeof(hdr), "{\"pccx_lab_version\":\"gen\",\"trace\":"
	    "{\"cycles\":%" PRIu64 ",\"cores\":%d,\"events\":%" PRIu64 "},"
	    "\"payload\":{\"encoding\":\"%s\",\"byte_length\":%" PRIu64 ","
	    "\"checksum_fnv64\":\"0x%016" PRIx64 "\"},\"format_minor\":1}",
	    g->slots * BIG_SLOT, BIG_CORES, g->events, enc, g->bytes, hash);
	b->n = 0;
	put(b, "PCCX\1\1\0\0", 8);
	put_u64(b, strlen(hdr));
	put(b, hdr, strlen(hdr));
}

static void
big_write(const char *enc, uint64_t bytes, const char *path)
{
	struct big	 g;
	struct buf	 fixed = { 0 };

	memset(&g, 0, sizeof(g));
	if (strcmp(enc, "bincode") == 0)
		g.bincode = 1;
	else if (strcmp(enc, "flatbuf") != 0)
		errx(1, "no encoding %s", enc);
	g.slots = bytes / (BIG_CORES * (g.bincode ? 39 : 24));
	/* API slots: small */
	g.slots += g.slots / (BIG_APIEVERY - 1) + 1;

	g.fd = -1;
	big_payload(&g, 0);
	big_header(&g, enc, 0, &fixed);
	if ((g.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		err(1, "%s", path);
	if (write(g.fd, fixed.p, fixed.n) != (ssize_t)fixed.n)
		err(1, "%s", path);
	big_payload(&g, g.events);

	/* The checksum is known now; the header keeps its length. */
	big_header(&g, enc, g.hash, &fixed);
	if (pwrite(g.fd, fixed.p, fixed.n, 0) != (ssize_t)fixed.n ||
	    close(g.fd) == -1)
		err(1, "%s", path);
	free(fixed.p);
	free(g.out.p);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen_pccx case name file\n"
	    "       gen_pccx list\n"
	    "       gen_pccx big flatbuf | bincode bytes file\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	int	 i;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (i = 0; cases[i] != NULL; i++)
			puts(cases[i]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "case") == 0)
		write_case(argv[2], argv[3]);
	else if (argc == 5 && strcmp(argv[1], "big") == 0)
		big_write(argv[2], strtoull(argv[3], NULL, 0), argv[4]);
	else
		usage();
	return 0;
}
