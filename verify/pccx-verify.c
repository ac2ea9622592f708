/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-verify: check a .pccx trace as a stream and report on it. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "verify/verify.h"

#define EXIT_PASS	0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define PROGRESS_EVERY	(16 * 1024 * 1024)

enum out_mode {
	OUT_NONE,
	OUT_NDJSON,
	OUT_SUMMARY
};

struct options {
	enum out_mode	 mode;
	int		 report;	/* enum report_kind or -1 */
	const char	*report_path;
	const char	*golden_path;
	const char	*input;
};

static void	 usage(void) __attribute__((noreturn));
static void	 options_parse(struct options *, int, char **);
static struct golden *reference_open(const char *);
static int	 input_open(const char *);
static FILE	*report_open(const struct options *);

static void
usage(void)
{
	fprintf(stderr, "usage: pccx-verify [-jsv] [-g reference] "
	    "[-o file] [-r html | md | json] [file]\n");
	exit(EXIT_USAGE);
}

/* The report kind a file name suggests, or -1. */
static int
kind_from_path(const char *path)
{
	const char	*dot = strrchr(path, '.');

	if (dot == NULL)
		return -1;
	if (strcmp(dot, ".htm") == 0)
		return REPORT_HTML;
	return report_kind_parse(dot + 1);
}

static void
options_parse(struct options *o, int argc, char **argv)
{
	int	 ch, verbose = 0;

	memset(o, 0, sizeof(*o));
	o->mode = isatty(STDOUT_FILENO) ? OUT_SUMMARY : OUT_NDJSON;
	o->report = -1;
	while ((ch = getopt(argc, argv, "g:jo:r:sv")) != -1) {
		switch (ch) {
		case 'g':
			o->golden_path = optarg;
			break;
		case 'j':
			o->mode = OUT_NDJSON;
			break;
		case 'o':
			o->report_path = optarg;
			break;
		case 'r':
			if ((o->report = report_kind_parse(optarg)) == -1)
				usage();
			break;
		case 's':
			o->mode = OUT_SUMMARY;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	o->input = argc == 1 ? argv[0] : "-";
	log_setverbose(verbose);

	if (o->report_path != NULL && o->report == -1 &&
	    (o->report = kind_from_path(o->report_path)) == -1) {
		log_warnx("cannot tell the report kind of %s: use -r",
		    o->report_path);
		usage();
	}
	/* A report on stdout replaces the verdict there. */
	if (o->report != -1 && o->report_path == NULL)
		o->mode = OUT_NONE;
}

static void
reference_error(void *arg, unsigned line, const char *msg)
{
	log_warnx("%s:%u: %s", (const char *)arg, line, msg);
}

static struct golden *
reference_open(const char *path)
{
	struct golden	*g;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		exit(EXIT_USAGE);
	}
	g = golden_load(fp, reference_error, (void *)path);
	fclose(fp);
	if (g == NULL) {
		log_warnx("%s: reference profile unusable", path);
		exit(EXIT_USAGE);
	}
	log_debug("%s: %zu steps in the reference", path, golden_rows(g));
	return g;
}

static int
input_open(const char *path)
{
	int	 fd;

	if (strcmp(path, "-") == 0)
		return STDIN_FILENO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		exit(EXIT_USAGE);
	}
	return fd;
}

static FILE *
report_open(const struct options *o)
{
	FILE	*fp;

	if (o->report == -1)
		return NULL;
	if (o->report_path == NULL)
		return stdout;
	if ((fp = fopen(o->report_path, "w")) == NULL) {
		log_warn("%s", o->report_path);
		exit(EXIT_USAGE);
	}
	return fp;
}

int
main(int argc, char *argv[])
{
	struct options	 o;
	struct golden	*g = NULL;
	struct verify	*v;
	struct verify_sink sink;
	FILE		*rfp;
	int		 fd, flags = 0, rc;

	log_init("pccx-verify", 1, 0);
	options_parse(&o, argc, argv);
	if (o.golden_path != NULL)
		g = reference_open(o.golden_path);
	fd = input_open(o.input);
	rfp = report_open(&o);

	memset(&sink, 0, sizeof(sink));
	if (o.mode == OUT_NDJSON)
		emit_ndjson_sink(&sink, stdout);
	if (o.mode == OUT_SUMMARY || rfp != NULL)
		flags |= VERIFY_F_KEEPSTEPS;
	if (rfp != NULL)
		flags |= VERIFY_F_TIMELINE;
	if ((v = verify_new(&sink, g, flags)) == NULL)
		fatal("verify_new");
	if (o.mode == OUT_NDJSON)
		verify_set_progress(v, PROGRESS_EVERY);

	if (verify_fd(v, fd) == -1) {
		log_warn("%s", strcmp(o.input, "-") ? o.input : "stdin");
		exit(EXIT_USAGE);
	}
	if (o.mode == OUT_SUMMARY)
		summary_write(stdout, v);
	if (rfp != NULL && (report_write(rfp, o.report, v) == -1 ||
	    (rfp != stdout && fclose(rfp) == EOF))) {
		log_warn("%s", o.report_path ? o.report_path : "stdout");
		exit(EXIT_USAGE);
	}
	if (fflush(stdout) == EOF)
		log_warn("stdout");
	rc = verify_passed(v) ? EXIT_PASS : EXIT_FAIL;
	verify_free(v);
	golden_free(g);
	return rc;
}
