/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx trace, report and reference: traces checked on the workstation. */

/*
 * An upload is hashed in a pass of its own (the signature covers its
 * Content-Digest), then sent with its length while the verdict is read
 * and shown as it comes.  Traces and reports live in a project: with
 * no project named, the projects of the login are tried in turn.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"
#include "client/verdict.h"

#define TRACE_HASHBUF	(256 * 1024)

/* Open a file to send: regular, its size and SHA-256; -1 said why. */
static int
trace_file(const char *path, uint64_t *size, unsigned char *sha)
{
	struct stat	 st;
	EVP_MD_CTX	*md;
	unsigned char	*buf;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		log_warn("%s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((md = EVP_MD_CTX_new()) == NULL || (buf =
	    malloc(TRACE_HASHBUF)) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		fatalx("out of memory");
	while ((n = read(fd, buf, TRACE_HASHBUF)) > 0)
		EVP_DigestUpdate(md, buf, n);
	EVP_DigestFinal_ex(md, sha, NULL);
	EVP_MD_CTX_free(md);
	free(buf);
	if (n == -1 || lseek(fd, 0, SEEK_SET) == -1) {
		log_warn("%s", path);
		close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

/* A request that sends a file; the fields not set are zero. */
static void
trace_req(struct client *c, struct stream_req *r, const char *method,
    const char *path)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->path = path;
	r->o.key = &c->key;
	r->o.auth = 1;
	r->fd = -1;
}

/* One upload: the line reader and what it has shown. */
struct trace_up {
	struct ndjson	nd;
	struct verdict	v;
};

static int
trace_data(const char *p, size_t len, void *arg)
{
	struct trace_up	*up = arg;

	return ndjson_feed(&up->nd, p, len);
}

static void
trace_tick(void *arg, uint64_t sent)
{
	struct trace_up	*up = arg;

	verdict_tick(&up->v, sent);
}

/* Send the file and show the verdict as it comes; the exit code. */
static int
trace_send(struct client *c, const char *path, int fd, uint64_t size,
    const unsigned char *sha)
{
	struct trace_up		*up;
	struct stream_req	 r;
	struct reply		 rep;
	int			 rv;

	if ((up = calloc(1, sizeof(*up))) == NULL)
		fatal("calloc");
	up->v.out = stdout;
	up->v.total = size;
	if (isatty(STDERR_FILENO))
		up->v.bar = stderr;
	else
		up->v.plain = stderr;
	if (ndjson_init(&up->nd, NDJSON_LINEMAX, verdict_line, &up->v) == -1)
		fatalx("out of memory");
	trace_req(c, &r, "POST", path);
	r.o.accept = "application/x-ndjson";
	r.o.ctype = "application/octet-stream";
	r.fd = fd;
	r.size = size;
	r.sha = sha;
	r.data = trace_data;
	r.tick = trace_tick;
	r.arg = up;
	rv = http_stream(c, &r, &rep);
	if (rv == 0 && rep.status != 200)
		rv = http_refused("trace upload", &rep);
	else if (rv == 0) {
		rv = verdict_status(&up->v);
		if (rv == EXIT_UNREACH)
			log_warnx("trace upload: the answer ended before the "
			    "verdict");
	} else
		verdict_status(&up->v);
	reply_free(&rep);
	ndjson_free(&up->nd);
	free(up);
	return rv;
}

/* Try fn in the project named, or in each project of the login. */
static int
trace_each(struct client *c, const char *want, const char *what,
    int (*fn)(struct client *, const char *, void *), void *arg)
{
	json_t	*a, *p;
	size_t	 i;
	int	 rv;

	if ((rv = client_need(c)) != 0)
		return rv;
	if (want != NULL)
		return project_ok(want) ? fn(c, want, arg) : EXIT_USAGE;
	if ((a = project_list(c)) == NULL)
		fatalx("out of memory");
	rv = -1;
	json_array_foreach(a, i, p)
		if ((rv = fn(c, json_string_value(p), arg)) != -1)
			break;
	json_decref(a);
	if (rv == -1) {
		log_warnx("%s: refused: not_found (in none of your projects)",
		    what);
		rv = EXIT_REFUSED;
	}
	return rv;
}

/* An answer that says "not in this project": try the next one. */
static int
trace_elsewhere(const struct reply *r, int named)
{
	return !named && (r->status == 404 || r->status == 403);
}

/* trace upload --project P [--reference NAME] FILE */
static int
trace_upload(struct client *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "reference", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*project = NULL, *ref = NULL;
	unsigned char	 sha[32];
	uint64_t	 size;
	char		 path[256];
	int		 ch, fd, rv;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "p:r:", longopts, NULL)) != -1) {
		if (ch == 'p')
			project = optarg;
		else if (ch == 'r')
			ref = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind + 1 != argc || project == NULL || !project_ok(project) ||
	    (ref != NULL && !project_ok(ref)))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/traces?project=%s%s%s", project,
	    ref != NULL ? "&reference=" : "", ref != NULL ? ref : "");
	if ((rv = client_need(c)) != 0)
		return rv;
	intr_init(0);
	if ((fd = trace_file(argv[optind], &size, sha)) == -1)
		return EXIT_REFUSED;
	rv = trace_send(c, path, fd, size, sha);
	close(fd);
	return rv;
}

static const char *
trace_str(json_t *o, const char *k, char *buf, size_t size)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return http_clean(s != NULL ? s : "-", buf, size);
}

/* One row: id, project, bytes stored, the reports made of it. */
static void
trace_row(json_t *t)
{
	json_t	*k;
	size_t	 i, n = 0;
	char	 id[40], p[64], kinds[64], buf[16];

	kinds[0] = '\0';
	json_array_foreach(json_object_get(t, "reports"), i, k)
		if (json_is_string(k) && n + 16 < sizeof(kinds))
			n += snprintf(kinds + n, sizeof(kinds) - n, "%s%s",
			    n > 0 ? "," : "", http_clean(json_string_value(k),
			    buf, sizeof(buf)));
	printf("%-36s %-12s %12" JSON_INTEGER_FORMAT " %s\n",
	    trace_str(t, "id", id, sizeof(id)),
	    trace_str(t, "project", p, sizeof(p)),
	    json_integer_value(json_object_get(t, "stored_bytes")),
	    n > 0 ? kinds : "-");
}

/* trace list [--project P]: without one, of every project one may. */
static int
trace_list(struct client *c, int argc, char **argv)
{
	struct reply	 r;
	json_t		*a, *t;
	size_t		 i;
	char		 path[128];
	int		 rv;

	if (argc == 3 && (strcmp(argv[1], "--project") == 0 ||
	    strcmp(argv[1], "-p") == 0) && project_ok(argv[2]))
		snprintf(path, sizeof(path), "/v1/traces?project=%s",
		    argv[2]);
	else if (argc == 1)
		snprintf(path, sizeof(path), "/v1/traces");
	else
		return EXIT_USAGE;
	if ((rv = client_authed(c, "GET", path, NULL, &r)) != 0)
		return rv;
	a = json_object_get(r.json, "traces");
	if (r.status == 200 && json_is_array(a)) {
		printf("%-36s %-12s %12s %s\n", "ID", "PROJECT", "BYTES",
		    "REPORTS");
		json_array_foreach(a, i, t)
			trace_row(t);
	} else
		rv = http_refused("trace list", &r);
	reply_free(&r);
	return rv;
}

/* The id, and -p PROJECT, of trace show, rm and report. */
struct trace_ref {
	const char	*id;
	const char	*project;
	const char	*accept;
	const char	*out;		/* -o FILE, or NULL */
	FILE		*fp;
	char		 tmp[PATH_MAX];
};

static int
trace_rm_one(struct client *c, const char *project, void *arg)
{
	struct trace_ref	*t = arg;
	struct reply		 r;
	char			 path[160];
	int			 rv;

	snprintf(path, sizeof(path), "/v1/traces/%s?project=%s", t->id,
	    project);
	if ((rv = client_authed(c, "DELETE", path, NULL, &r)) != 0)
		return rv;
	if (trace_elsewhere(&r, t->project != NULL))
		rv = -1;
	else if (r.status != 200 && r.status != 204)
		rv = http_refused("trace rm", &r);
	else
		printf("Trace %s removed from %s\n", t->id, project);
	reply_free(&r);
	return rv;
}

static int
trace_show_one(struct client *c, const char *project, void *arg)
{
	struct trace_ref	*t = arg;
	struct reply		 r;
	char			 path[160], *s;
	int			 rv;

	snprintf(path, sizeof(path), "/v1/traces/%s?project=%s", t->id,
	    project);
	if ((rv = client_authed(c, "GET", path, NULL, &r)) != 0)
		return rv;
	if (trace_elsewhere(&r, t->project != NULL))
		rv = -1;
	else if (r.status != 200 || !json_is_object(r.json))
		rv = http_refused("trace show", &r);
	else if ((s = json_dumps(r.json, JSON_INDENT(2) | JSON_SORT_KEYS |
	    JSON_ENSURE_ASCII)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
	reply_free(&r);
	return rv;
}

/* trace rm | show [-p PROJECT] ID */
static int
trace_one(struct client *c, int argc, char **argv, int rm)
{
	struct trace_ref	t;

	memset(&t, 0, sizeof(t));
	if (argc == 4 && (strcmp(argv[1], "-p") == 0 ||
	    strcmp(argv[1], "--project") == 0))
		t.project = argv[2];
	else if (argc != 2)
		return EXIT_USAGE;
	t.id = argv[argc - 1];
	if (!uuid_ok(t.id))
		return EXIT_USAGE;
	return trace_each(c, t.project, rm ? "trace rm" : "trace show",
	    rm ? trace_rm_one : trace_show_one, &t);
}

/* cmd_trace: pccx trace upload | list | show | rm ... */
int
cmd_trace(struct client *c, int argc, char **argv)
{
	if (argc < 2)
		return EXIT_USAGE;
	if (strcmp(argv[1], "upload") == 0)
		return trace_upload(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return trace_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "rm") == 0 || strcmp(argv[1], "show") == 0)
		return trace_one(c, argc - 1, argv + 1, argv[1][0] == 'r');
	return EXIT_USAGE;
}

/* A report's bytes, to the file (made on the first byte) or stdout. */
static int
report_data(const char *p, size_t len, void *arg)
{
	struct trace_ref	*t = arg;
	int			 fd;

	if (t->fp == NULL && t->out == NULL)
		t->fp = stdout;
	if (t->fp == NULL) {
		snprintf(t->tmp, sizeof(t->tmp), "%s.XXXXXX", t->out);
		if ((fd = mkstemp(t->tmp)) == -1 ||
		    (t->fp = fdopen(fd, "w")) == NULL) {
			log_warn("%s", t->out);
			return -1;
		}
	}
	return fwrite(p, 1, len, t->fp) == len ? 0 : -1;
}

/* Close the report's file: renamed into place when whole. */
static int
report_close(struct trace_ref *t, int ok)
{
	int	rv = ok ? 0 : -1;

	if (t->fp == NULL || t->fp == stdout)
		return t->fp == stdout && fflush(stdout) != 0 ? -1 : rv;
	if (fclose(t->fp) != 0 || (ok && (chmod(t->tmp, 0644) == -1 ||
	    rename(t->tmp, t->out) == -1))) {
		log_warn("%s", t->out);
		rv = -1;
	}
	if (rv == -1)
		(void)unlink(t->tmp);
	t->fp = NULL;
	return rv;
}

static int
report_one(struct client *c, const char *project, void *arg)
{
	struct trace_ref	*t = arg;
	struct stream_req	 r;
	struct reply		 rep;
	char			 path[160];
	int			 rv;

	snprintf(path, sizeof(path), "/v1/reports/%s?project=%s", t->id,
	    project);
	trace_req(c, &r, "GET", path);
	r.o.accept = t->accept;
	r.data = report_data;
	r.arg = t;
	r.timeout = 300;
	rv = http_stream(c, &r, &rep);
	if (rv == 0 && trace_elsewhere(&rep, t->project != NULL))
		rv = -1;
	else if (rv == 0 && rep.status != 200)
		rv = http_refused("report", &rep);
	if (rv != -1 && report_close(t, rv == 0) == -1 && rv == 0)
		rv = EXIT_REFUSED;
	reply_free(&rep);
	return rv;
}

/* cmd_report: pccx report [-p P] [--html|--md|--json] [-o FILE] ID */
int
cmd_report(struct client *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "html", no_argument, NULL, 'H' },
		{ "md", no_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'J' },
		{ "project", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct trace_ref	t;
	int			ch;

	memset(&t, 0, sizeof(t));
	t.accept = "text/markdown";
	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:p:", longopts, NULL)) != -1) {
		if (ch == 'H')
			t.accept = "text/html";
		else if (ch == 'M')
			t.accept = "text/markdown";
		else if (ch == 'J')
			t.accept = "application/json";
		else if (ch == 'o')
			t.out = optarg;
		else if (ch == 'p')
			t.project = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind + 1 != argc || !uuid_ok(argv[optind]) || (t.out != NULL &&
	    strlen(t.out) + 8 >= sizeof(t.tmp)))
		return EXIT_USAGE;
	t.id = argv[optind];
	intr_init(0);
	return trace_each(c, t.project, "report", report_one, &t);
}

/* cmd_reference: pccx reference put PROJECT NAME FILE */
int
cmd_reference(struct client *c, int argc, char **argv)
{
	struct stream_req	 r;
	struct reply		 rep;
	unsigned char		 sha[32];
	uint64_t		 size;
	char			 path[256];
	int			 fd, rv;

	if (argc != 5 || strcmp(argv[1], "put") != 0 ||
	    !project_ok(argv[2]) || !project_ok(argv[3]))
		return EXIT_USAGE;
	if ((rv = client_need(c)) != 0)
		return rv;
	intr_init(0);
	if ((fd = trace_file(argv[4], &size, sha)) == -1)
		return EXIT_REFUSED;
	snprintf(path, sizeof(path), "/v1/projects/%s/references/%s?"
	    "project=%s", argv[2], argv[3], argv[2]);
	trace_req(c, &r, "PUT", path);
	r.o.ctype = "application/x-ndjson";
	r.fd = fd;
	r.size = size;
	r.sha = sha;
	r.timeout = 300;
	if ((rv = http_stream(c, &r, &rep)) == 0) {
		if (rep.status != 200 && rep.status != 201 &&
		    rep.status != 204)
			rv = http_refused("reference put", &rep);
		else
			printf("Reference %s of %s stored, %" PRIu64
			    " bytes\n", argv[3], argv[2], size);
	}
	reply_free(&rep);
	close(fd);
	return rv;
}
