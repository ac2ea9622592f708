/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx session: open, list, show and kill sessions on the workstation. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"

/* What session open asks for. */
struct open_opts {
	const char	*end;
	long long	 memory;
	long long	 cpu;
	long long	 pids;
};

static int	session_open(struct client *, int, char **);
static int	session_list(struct client *, int, char **);
static int	session_show(struct client *, int, char **);
static int	session_kill(struct client *, int, char **);

static const struct {
	const char	*name;
	int		(*run)(struct client *, int, char **);
} session_cmds[] = {
	{ "open", session_open },
	{ "list", session_list },
	{ "show", session_show },
	{ "kill", session_kill },
};

/* A size with an optional K, M or G (powers of 1024); -1 if not one. */
static long long
session_size(const char *s, int suffix)
{
	char		*end;
	long long	 v;
	int		 shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (suffix && *end != '\0' && end[1] == '\0') {
		shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' ||
		    *end == 'm' ? 20 : *end == 'G' || *end == 'g' ? 30 : -1;
		end++;
	}
	if (errno != 0 || *end != '\0' || shift < 0 || v > (1LL << 40))
		return -1;
	return v << shift;
}

/* A limit's JSON, or none when the option was not given. */
static json_t *
session_limits(const struct open_opts *o)
{
	json_t	*l = json_object();

	if (o->memory >= 0)
		json_object_set_new(l, "memory", json_integer(o->memory));
	if (o->cpu >= 0)
		json_object_set_new(l, "cpu", json_integer(o->cpu));
	if (o->pids >= 0)
		json_object_set_new(l, "pids", json_integer(o->pids));
	return l;
}

static int
session_open_args(int argc, char **argv, struct open_opts *o)
{
	static const struct option longopts[] = {
		{ "end", required_argument, NULL, 'e' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "pids", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	o->end = "discard";
	o->memory = o->cpu = o->pids = -1;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+e:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			o->end = optarg;
			if (strcmp(o->end, "squash") != 0 &&
			    strcmp(o->end, "discard") != 0)
				return -1;
			break;
		case 'm':
			if ((o->memory = session_size(optarg, 1)) < 0)
				return -1;
			break;
		case 'C':
			if ((o->cpu = session_size(optarg, 0)) < 0)
				return -1;
			break;
		case 'P':
			if ((o->pids = session_size(optarg, 0)) < 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

/* session open PROJECT [--end E] [--memory N] [--cpu N] [--pids N] */
static int
session_open(struct client *c, int argc, char **argv)
{
	struct open_opts	 o;
	struct reply		 r;
	const char		*id;
	char			 path[128], *body;
	json_t			*j;
	int			 i, rv;

	if ((i = session_open_args(argc, argv, &o)) == -1 || i + 1 != argc ||
	    !project_ok(argv[i]))
		return EXIT_USAGE;
	j = json_pack("{s:s, s:s, s:o}", "project", argv[i], "end", o.end,
	    "limits", session_limits(&o));
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("out of memory");
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/sessions?project=%s", argv[i]);
	rv = client_authed(c, "POST", path, body, &r);
	free(body);
	if (rv != 0)
		return rv;
	id = json_string_value(json_object_get(r.json, "id"));
	if (r.status != 201 || id == NULL || !uuid_ok(id))
		rv = http_refused("session open", &r);
	else
		printf("%s\n", id);
	reply_free(&r);
	return rv;
}

/* A count of bytes for people. */
static const char *
session_bytes(json_int_t v, char *buf, size_t size)
{
	if (v >= 1LL << 30)
		snprintf(buf, size, "%.1fG", v / 1073741824.0);
	else if (v >= 1LL << 20)
		snprintf(buf, size, "%.1fM", v / 1048576.0);
	else
		snprintf(buf, size, "%lldK", (long long)v >> 10);
	return buf;
}

static const char *
session_str(json_t *o, const char *k, char *buf, size_t size)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return http_clean(s != NULL ? s : "?", buf, size);
}

static void
session_row(json_t *s)
{
	char	 id[40], user[64], proj[64], st[16], end[16], mem[32];
	char	 when[32];
	time_t	 t;

	t = (time_t)json_integer_value(json_object_get(s, "started"));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime(&t));
	printf("%-36s %-10s %-20s %-7s %-7s %5lld %7s %s\n",
	    session_str(s, "id", id, sizeof(id)),
	    session_str(s, "project", proj, sizeof(proj)),
	    session_str(s, "user", user, sizeof(user)),
	    session_str(s, "state", st, sizeof(st)),
	    session_str(s, "end", end, sizeof(end)),
	    (long long)json_integer_value(json_object_get(s, "processes")),
	    session_bytes(json_integer_value(json_object_get(s, "memory")),
	    mem, sizeof(mem)), when);
}

/* The sessions of one project, printed; 0 or the exit code. */
static int
session_list_one(struct client *c, const char *project, int quiet)
{
	struct reply	 r;
	json_t		*a, *s;
	size_t		 i;
	char		 path[128];
	int		 rv;

	snprintf(path, sizeof(path), "/v1/sessions?project=%s", project);
	if ((rv = client_authed(c, "GET", path, NULL, &r)) != 0)
		return rv;
	a = json_object_get(r.json, "sessions");
	if (r.status == 200 && json_is_array(a))
		json_array_foreach(a, i, s)
			session_row(s);
	else if (quiet && r.status == 403)
		rv = EXIT_REFUSED;
	else
		rv = http_refused("session list", &r);
	reply_free(&r);
	return rv;
}

/* session list [PROJECT]: without one, every project of the login. */
static int
session_list(struct client *c, int argc, char **argv)
{
	json_t	*a, *p;
	size_t	 i;
	int	 rv = 0, r, any = 0;

	if (argc > 2 || (argc == 2 && !project_ok(argv[1])))
		return EXIT_USAGE;
	if ((rv = client_need(c)) != 0)
		return rv;
	printf("%-36s %-10s %-20s %-7s %-7s %5s %7s %s\n", "ID", "PROJECT",
	    "USER", "STATE", "END", "PROCS", "MEMORY", "STARTED");
	if (argc == 2)
		return session_list_one(c, argv[1], 0);
	if ((a = project_list(c)) == NULL || json_array_size(a) == 0) {
		json_decref(a);
		log_warnx("session list: the login has no project");
		return EXIT_REFUSED;
	}
	json_array_foreach(a, i, p) {
		r = session_list_one(c, json_string_value(p), 1);
		if (r == 0)
			any = 1;
		else if (r != EXIT_REFUSED || rv == 0)
			rv = r;
	}
	json_decref(a);
	if (!any && rv == EXIT_REFUSED)
		log_warnx("session list: refused: forbidden (in every "
		    "project)");
	return any && rv == EXIT_REFUSED ? 0 : rv;
}

/* GET /v1/sessions/ID?project=P: 1 found (row kept), 0 not, or -code. */
static int
session_get(struct client *c, const char *id, const char *project,
    json_t **row)
{
	struct reply	r;
	char		path[160];
	int		rv;

	snprintf(path, sizeof(path), "/v1/sessions/%s?project=%s", id,
	    project);
	if ((rv = client_authed(c, "GET", path, NULL, &r)) != 0)
		return -rv;
	if (r.status == 200 && json_is_object(r.json)) {
		*row = json_incref(r.json);
		rv = 1;
	} else if (r.status == 404 || r.status == 403)
		rv = 0;
	else
		rv = -http_refused("session", &r);
	reply_free(&r);
	return rv;
}

/*
 * Where the session is: the project named, or the first that has it.
 * XXX: without -p, one lookup per project of the login (from the
 * token's roles claim, as issued): the routes need the project, and a
 * session id does not name it.
 */
static int
session_where(struct client *c, const char *id, const char *want,
    char *project, size_t size, json_t **row)
{
	json_t	*a, *p;
	size_t	 i;
	int	 r = 0;

	*row = NULL;
	if (!uuid_ok(id)) {
		log_warnx("%s: not a session id", id);
		return EXIT_USAGE;
	}
	if ((r = client_need(c)) != 0)
		return r;
	if (want != NULL) {
		if (!project_ok(want))
			return EXIT_USAGE;
		pccx_strlcpy(project, want, size);
		r = session_get(c, id, want, row);
	} else if ((a = project_list(c)) != NULL) {
		json_array_foreach(a, i, p) {
			pccx_strlcpy(project, json_string_value(p), size);
			if ((r = session_get(c, id, project, row)) != 0)
				break;
		}
		json_decref(a);
	}
	if (r < 0)
		return -r;
	if (r == 0) {
		log_warnx("session %s: refused: no_session (no such session)",
		    id);
		return EXIT_REFUSED;
	}
	return 0;
}

/* session_find: see pccx.h. */
int
session_find(struct client *c, const char *id, const char *want,
    char *project, size_t size)
{
	json_t	*row;
	int	 rv;

	rv = session_where(c, id, want, project, size, &row);
	json_decref(row);
	return rv;
}

/* The -p PROJECT that session show, kill, exec and shell take. */
static int
session_project_arg(int argc, char **argv, const char **project,
    const char **end)
{
	static const struct option longopts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "end", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	*project = NULL;
	optind = 0;
	while ((ch = getopt_long(argc, argv, end != NULL ? "+p:e:" : "+p:",
	    longopts, NULL)) != -1) {
		if (ch == 'p')
			*project = optarg;
		else if (ch == 'e' && end != NULL && (strcmp(optarg,
		    "squash") == 0 || strcmp(optarg, "discard") == 0))
			*end = optarg;
		else
			return -1;
	}
	return optind;
}

/* session show [-p PROJECT] ID */
static int
session_show(struct client *c, int argc, char **argv)
{
	const char	*want;
	char		 project[64], *s;
	json_t		*row;
	int		 i, rv;

	if ((i = session_project_arg(argc, argv, &want, NULL)) == -1 ||
	    i + 1 != argc)
		return EXIT_USAGE;
	if ((rv = session_where(c, argv[i], want, project, sizeof(project),
	    &row)) != 0)
		return rv;
	/* The server's JSON, escaped again: no control bytes reach us. */
	if ((s = json_dumps(row, JSON_INDENT(2) | JSON_SORT_KEYS |
	    JSON_ENSURE_ASCII)) != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(row);
	return 0;
}

static void
session_killed(json_t *k)
{
	char	id[40], res[16], why[16], end[16];
	json_t	*conf = json_object_get(k, "conflicts"), *v;
	size_t	i;
	char	buf[256];

	printf("Session %s ended (%s): %s, %s, %lld files applied, "
	    "killed in %.1f ms\n", session_str(k, "id", id, sizeof(id)),
	    session_str(k, "reason", why, sizeof(why)),
	    session_str(k, "end", end, sizeof(end)),
	    session_str(k, "result", res, sizeof(res)),
	    (long long)json_integer_value(json_object_get(k, "applied")),
	    json_number_value(json_object_get(k, "kill_ms")));
	json_array_foreach(conf, i, v)
		printf("conflict: %s\n", http_clean(json_is_string(v) ?
		    json_string_value(v) : "?", buf, sizeof(buf)));
}

/* session kill [-p PROJECT] [--end squash|discard] ID */
static int
session_kill(struct client *c, int argc, char **argv)
{
	struct reply	 r;
	const char	*want, *end = NULL;
	char		 project[64], path[200];
	int		 i, rv;

	if ((i = session_project_arg(argc, argv, &want, &end)) == -1 ||
	    i + 1 != argc)
		return EXIT_USAGE;
	if ((rv = session_find(c, argv[i], want, project,
	    sizeof(project))) != 0)
		return rv;
	snprintf(path, sizeof(path), "/v1/sessions/%s?project=%s%s%s",
	    argv[i], project, end != NULL ? "&end=" : "", end != NULL ?
	    end : "");
	if ((rv = client_authed(c, "DELETE", path, NULL, &r)) != 0)
		return rv;
	if (r.status != 200 || !json_is_object(r.json))
		rv = http_refused("session kill", &r);
	else
		session_killed(r.json);
	reply_free(&r);
	return rv;
}

/* cmd_session: pccx session open | list | show | kill ... */
int
cmd_session(struct client *c, int argc, char **argv)
{
	size_t	i;

	if (argc < 2)
		return EXIT_USAGE;
	for (i = 0; i < sizeof(session_cmds) / sizeof(session_cmds[0]); i++)
		if (strcmp(argv[1], session_cmds[i].name) == 0)
			return session_cmds[i].run(c, argc - 1, argv + 1);
	return EXIT_USAGE;
}
