/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx exec: run a command in a session, its output streamed back. */

/*
 * The answer is NDJSON: {"stream":"stdout"|"stderr","data":base64}
 * as output comes, then {"exit":N,"signal":S}, or {"killed":true}
 * when the session ended first.  Each chunk is written out as soon as
 * its line is whole.  Leaving (Ctrl-C, a closed terminal, a closed
 * stdout) drops the connection, and the server kills the command.
 *
 * With --stdin, pccx's standard input is read to its end first and
 * sent with the request; without it the command reads /dev/null.
 * XXX: the route takes input whole, as JSON text of 32 KiB at most:
 * binary input, or input that streams while the command runs, cannot
 * be sent; pccx shell is the way to type into a session.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "client/pccx.h"

#define EXEC_ARGMAX	256
#define EXEC_INMAX	(32 * 1024)	/* the route's stdin cap */

/* The command line of pccx exec. */
struct exec_args {
	const char	*id;
	const char	*project;
	int		 input;		/* --stdin */
	json_t		*body;
};

static int
exec_data(const char *p, size_t len, void *arg)
{
	return ndjson_feed(arg, p, len);
}

/* NAME=VALUE into the env object; -1 if it is not one. */
static int
exec_env(json_t *env, const char *s)
{
	const char	*eq = strchr(s, '=');
	char		 name[256];

	if (eq == NULL || eq == s || (size_t)(eq - s) >= sizeof(name))
		return -1;
	memcpy(name, s, eq - s);
	name[eq - s] = '\0';
	return json_object_set_new(env, name, json_string(eq + 1));
}

/* An option with its value: "--opt V", "--opt=V" or "-o V". */
static const char *
exec_opt(int argc, char **argv, int *i, const char *lng, const char *shrt)
{
	size_t	n = strlen(lng);

	if (strncmp(argv[*i], lng, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if ((strcmp(argv[*i], lng) == 0 || strcmp(argv[*i], shrt) == 0) &&
	    *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* The words after the options; -1 on a usage error. */
static int
exec_argv(int argc, char **argv, struct exec_args *a, json_t *env,
    json_t *cmd)
{
	const char	*v;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if ((v = exec_opt(argc, argv, &i, "--cwd", "-C")) != NULL)
			json_object_set_new(a->body, "cwd", json_string(v));
		else if ((v = exec_opt(argc, argv, &i, "--env", "-e")) !=
		    NULL) {
			if (exec_env(env, v) == -1)
				return -1;
		} else if ((v = exec_opt(argc, argv, &i, "--project",
		    "-p")) != NULL)
			a->project = v;
		else if (strcmp(argv[i], "--stdin") == 0 ||
		    strcmp(argv[i], "-i") == 0)
			a->input = 1;
		else if (argv[i][0] == '-')
			return -1;
		else if (a->id == NULL)
			a->id = argv[i];
		else
			break;
	}
	for (; i < argc; i++)
		if (json_array_append_new(cmd, json_string(argv[i])) == -1)
			return -1;
	if (a->id == NULL || json_array_size(cmd) == 0 ||
	    json_array_size(cmd) > EXEC_ARGMAX)
		return -1;
	return 0;
}

/* Our stdin, whole, as the request's "stdin"; -1 after saying why. */
static int
exec_input(json_t *body)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	json_t	*s;

	if ((buf = malloc(EXEC_INMAX + 1)) == NULL)
		fatal("malloc");
	while (len <= EXEC_INMAX && (n = read(STDIN_FILENO, buf + len,
	    EXEC_INMAX + 1 - len)) != 0) {
		if (n == -1 && errno != EINTR) {
			log_warn("exec: stdin");
			free(buf);
			return -1;
		}
		len += n > 0 ? n : 0;
	}
	if (len > EXEC_INMAX)
		log_warnx("exec: --stdin: more than %d bytes", EXEC_INMAX);
	else if ((s = json_stringn(buf, len)) == NULL)
		log_warnx("exec: --stdin: not UTF-8 text");
	else {
		json_object_set_new(body, "stdin", s);
		free(buf);
		return 0;
	}
	free(buf);
	return -1;
}

static int
exec_parse(int argc, char **argv, struct exec_args *a)
{
	json_t	*env, *cmd;

	memset(a, 0, sizeof(*a));
	if ((a->body = json_object()) == NULL || (env = json_object()) ==
	    NULL || (cmd = json_array()) == NULL)
		fatalx("out of memory");
	json_object_set_new(a->body, "env", env);
	json_object_set_new(a->body, "argv", cmd);
	if (exec_argv(argc, argv, a, env, cmd) == -1) {
		json_decref(a->body);
		return -1;
	}
	if (a->input && exec_input(a->body) == -1) {
		json_decref(a->body);
		return -2;
	}
	return 0;
}

/* The remote status as ours: N, 128 + signal, 255 when unknown. */
static int
exec_status(const struct exec_out *x, int rv, struct ndjson *nd)
{
	if (rv != 0)
		return rv >= EXIT_SIGBASE ? rv : EXIT_OWNFAIL;
	if (x->ended == 1 && ndjson_pending(nd) == 0)
		return x->signal > 0 ? EXIT_SIGBASE + (x->signal & 0x7f) :
		    x->status & 0xff;
	if (x->ended == 2)
		log_warnx("exec: the session ended before the command");
	else if (x->ended != 3)
		log_warnx("exec: the answer ended early or was not one");
	return EXIT_OWNFAIL;
}

/* Send the request and relay its answer; the exit code. */
static int
exec_run(struct client *c, const char *path, const char *body)
{
	struct exec_out		x;
	struct stream_req	r;
	struct ndjson		nd;
	struct reply		rep;
	int			rv;

	memset(&x, 0, sizeof(x));
	x.out = STDOUT_FILENO;
	x.err = STDERR_FILENO;
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = path;
	r.o.ctype = "application/json";
	r.o.key = &c->key;
	r.o.auth = 1;
	r.body = body;
	r.bodylen = strlen(body);
	r.fd = -1;
	r.data = exec_data;
	r.arg = &nd;
	if (ndjson_init(&nd, NDJSON_LINEMAX, exec_line, &x) == -1)
		fatalx("out of memory");
	rv = http_stream(c, &r, &rep);
	if (rv == 0 && rep.status != 200) {
		http_refused("exec", &rep);
		rv = EXIT_OWNFAIL;
	} else
		rv = exec_status(&x, rv, &nd);
	reply_free(&rep);
	ndjson_free(&nd);
	return rv;
}

/*
 * cmd_exec: pccx exec [-p P] ID [--cwd DIR] [--env N=V]... -- CMD ...;
 * the remote status is ours, pccx's own failures are 255.
 */
int
cmd_exec(struct client *c, int argc, char **argv)
{
	struct exec_args	 a;
	char			 project[64], path[200], *body;
	int			 rv;

	if ((rv = exec_parse(argc, argv, &a)) < 0) {
		if (rv == -1)
			fprintf(stderr, "usage: pccx exec [-p project] id "
			    "[--cwd dir] [--env name=value] ... [--stdin] -- "
			    "command [arg ...]\n");
		return EXIT_OWNFAIL;
	}
	intr_init(0);
	if ((rv = session_find(c, a.id, a.project, project,
	    sizeof(project))) != 0) {
		json_decref(a.body);
		return rv == EXIT_OK ? rv : EXIT_OWNFAIL;
	}
	snprintf(path, sizeof(path), "/v1/sessions/%s/exec?project=%s", a.id,
	    project);
	if ((body = json_dumps(a.body, JSON_COMPACT)) == NULL)
		fatalx("out of memory");
	json_decref(a.body);
	rv = exec_run(c, path, body);
	free(body);
	return rv;
}
