/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A small age command for the tests: keygen, encrypt, decrypt. */

#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/age.h"
#include "common/log.h"

#define MAX_IDS		8
#define KEYFILE_MAX	8192

static void	 usage(void) __attribute__((noreturn));

static size_t	 readsize = 65536;

static void
usage(void)
{
	fprintf(stderr, "usage: agetool [-m] [-b size] keygen | "
	    "pubkey -i file | encrypt -r recipient ... | "
	    "decrypt -i file ...\n");
	exit(2);
}

/* Read an identity file into ids + *n. */
static void
load_identities(const char *path, struct age_identity *ids, size_t *n)
{
	char	 buf[KEYFILE_MAX];
	ssize_t	 r;
	size_t	 len = 0, line;
	int	 fd, got;

	if ((fd = open(path, O_RDONLY)) == -1)
		fatal("%s", path);
	while ((r = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += r;
	if (r == -1)
		fatal("%s", path);
	if (len == sizeof(buf))
		fatalx("%s: too long", path);
	close(fd);
	got = age_identity_file_parse(buf, len, ids + *n, MAX_IDS - *n,
	    &line);
	sodium_memzero(buf, sizeof(buf));
	if (got == -1)
		fatalx("%s:%zu: bad identity", path, line);
	if (got == 0)
		fatalx("%s: no identity", path);
	*n += got;
}

static int
cmd_keygen(void)
{
	struct age_identity	 id;
	struct age_recipient	 r;
	char			 ids[AGE_IDENTITY_STRLEN];
	char			 rs[AGE_RECIPIENT_STRLEN], when[32];
	time_t			 now = time(NULL);

	if (age_keygen(&id) == -1)
		fatalx("keygen failed");
	age_identity_recipient(&id, &r);
	if (age_identity_encode(&id, ids, sizeof(ids)) == -1 ||
	    age_recipient_encode(&r, rs, sizeof(rs)) == -1)
		fatalx("encode failed");
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	printf("# created: %s\n# public key: %s\n%s\n", when, rs, ids);
	sodium_memzero(&id, sizeof(id));
	sodium_memzero(ids, sizeof(ids));
	return 0;
}

static int
cmd_pubkey(struct age_identity *ids, size_t n)
{
	struct age_recipient	 r;
	char			 rs[AGE_RECIPIENT_STRLEN];
	size_t			 i;

	for (i = 0; i < n; i++) {
		age_identity_recipient(&ids[i], &r);
		if (age_recipient_encode(&r, rs, sizeof(rs)) == -1)
			fatalx("encode failed");
		printf("%s\n", rs);
	}
	return 0;
}

static int
cmd_encrypt(struct age_recipient *rs, size_t n)
{
	struct age_enc	*e;
	enum age_err	 err;
	uint8_t		*buf;
	ssize_t		 r;
	int		 out = STDOUT_FILENO;

	if ((buf = malloc(readsize)) == NULL)
		fatal("malloc");
	if ((e = age_enc_new(rs, n, age_out_fd, &out, &err)) == NULL)
		fatalx("encrypt: %s", age_strerror(err));
	while ((r = read(STDIN_FILENO, buf, readsize)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			fatal("read");
		if (age_enc_update(e, buf, r) == -1)
			fatalx("encrypt: %s", age_strerror(age_enc_error(e)));
	}
	if (age_enc_final(e) == -1)
		fatalx("encrypt: %s", age_strerror(age_enc_error(e)));
	age_enc_free(e);
	free(buf);
	return 0;
}

static int
cmd_decrypt(struct age_identity *ids, size_t n)
{
	struct age_dec	*d;
	uint8_t		*buf;
	ssize_t		 r;
	int		 out = STDOUT_FILENO, rv = 0;

	if ((buf = malloc(readsize)) == NULL)
		fatal("malloc");
	if ((d = age_dec_new(ids, n, age_out_fd, &out)) == NULL)
		fatal("age_dec_new");
	while ((r = read(STDIN_FILENO, buf, readsize)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			fatal("read");
		if ((rv = age_dec_update(d, buf, r)) == -1)
			break;
	}
	if (rv == 0)
		rv = age_dec_final(d);
	if (rv == -1)
		log_warnx("decrypt: %s: %s", age_strerror(age_dec_error(d)),
		    age_dec_detail(d));
	age_dec_free(d);
	free(buf);
	return rv == 0 ? 0 : 1;
}

static void
report_rss(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		fprintf(stderr, "agetool: maxrss %ld kB\n", ru.ru_maxrss);
}

int
main(int argc, char *argv[])
{
	struct age_identity	 ids[MAX_IDS];
	struct age_recipient	 rs[AGE_RECIPIENTS_MAX];
	size_t			 nids = 0, nrs = 0;
	const char		*cmd;
	int			 ch, mflag = 0, rv;

	log_init("agetool", 1, 0);
	if (age_init() == -1)
		fatalx("age_init failed");
	while ((ch = getopt(argc, argv, "+b:m")) != -1) {
		switch (ch) {
		case 'b':
			readsize = strtoul(optarg, NULL, 10);
			if (readsize == 0 || readsize > (1 << 24))
				usage();
			break;
		case 'm':
			mflag = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	optind++;
	while ((ch = getopt(argc, argv, "i:r:")) != -1) {
		switch (ch) {
		case 'i':
			if (nids == MAX_IDS)
				fatalx("too many identities");
			load_identities(optarg, ids, &nids);
			break;
		case 'r':
			if (nrs == AGE_RECIPIENTS_MAX)
				fatalx("too many recipients");
			if (age_recipient_parse(&rs[nrs++], optarg) == -1)
				fatalx("bad recipient: %s", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (strcmp(cmd, "keygen") == 0 && nids == 0 && nrs == 0)
		rv = cmd_keygen();
	else if (strcmp(cmd, "pubkey") == 0 && nids > 0 && nrs == 0)
		rv = cmd_pubkey(ids, nids);
	else if (strcmp(cmd, "encrypt") == 0 && nrs > 0 && nids == 0)
		rv = cmd_encrypt(rs, nrs);
	else if (strcmp(cmd, "decrypt") == 0 && nids > 0 && nrs == 0)
		rv = cmd_decrypt(ids, nids);
	else
		usage();
	sodium_memzero(ids, sizeof(ids));
	if (mflag)
		report_rss();
	return rv;
}
