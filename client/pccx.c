/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx: the laptop's client of pccx-remote, its commands and exit codes. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"

/* A command: its words and its handler. */
static const struct cmd {
	const char	*name;
	const char	*sub;
	int		 (*run)(struct client *, int, char **);
	int		  server;	/* needs the server's address */
} cmds[] = {
	{ "login", NULL, cmd_login, 1 },
	{ "device", "register", cmd_register, 1 },
	{ "status", NULL, cmd_status, 1 },
	{ "refresh", NULL, cmd_refresh, 1 },
	{ "logout", NULL, cmd_logout, 1 },
	{ "devices", NULL, cmd_devices, 1 },
	{ "session", NULL, cmd_session, 1 },
	{ "exec", NULL, cmd_exec, 1 },
	{ "shell", NULL, cmd_shell, 1 },
	{ "events", NULL, cmd_events, 1 },
	{ "trace", NULL, cmd_trace, 1 },
	{ "report", NULL, cmd_report, 1 },
	{ "reference", NULL, cmd_reference, 1 },
	{ "up", NULL, cmd_up, 1 },
	{ "down", NULL, cmd_down, 0 },
	{ "relay", NULL, cmd_relay, 0 },
};

/* usage: to fp, then exit with status (0 when asked for with -h). */
static void __attribute__((noreturn))
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: pccx [-hv] [-c dir] [-s url] command [arg ...]\n"
	    "       pccx login [-n] [-t seconds] [--fido2 [--device path]]\n"
	    "       pccx device register [-n] [-t seconds]\n"
	    "       pccx device register [-n] [-t seconds] --fido2 "
	    "[--device path] code | -\n"
	    "       pccx status | refresh | logout\n"
	    "       pccx devices [list | delete id]\n"
	    "       pccx session open [--end squash|discard] [--memory n] "
	    "[--cpu n] [--pids n] project\n"
	    "       pccx session list [project]\n"
	    "       pccx session show | kill [-p project] "
	    "[--end squash|discard] id\n"
	    "       pccx exec [-p project] id [--cwd dir] [--env name=value]"
	    " ... [--stdin] -- command ...\n"
	    "       pccx shell [-p project] id\n"
	    "       pccx events [-j] [--since seq]\n"
	    "       pccx trace upload [--reference name] --project p file\n"
	    "       pccx trace list [--project p]\n"
	    "       pccx trace show | rm [-p project] id\n"
	    "       pccx report [-p project] [--html | --md | --json] "
	    "[-o file] id\n"
	    "       pccx reference put project name file\n"
	    "       pccx relay [--listen addr:port] server:port\n"
	    "       pccx up [-i interface] [--tcp [--relay server:port]]\n"
	    "       pccx down\n");
	exit(status);
}

/*
 * libcurl leaves a scheme's default port out of Host, and the server
 * signs what Host says: drop it from the address that is signed too.
 */
static void
main_default_port(char *url, const char *scheme, const char *port)
{
	size_t	n = strlen(url), pn = strlen(port);

	if (strncmp(url, scheme, strlen(scheme)) == 0 && n > pn &&
	    strcmp(url + n - pn, port) == 0 &&
	    strchr(url + strlen(scheme), '/') == NULL)
		url[n - pn] = '\0';
}

/* Take the server's address from -s, without trailing slashes. */
static void
main_server(struct client *c, const char *url)
{
	size_t	n;

	if ((strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) ||
	    strlen(url) >= sizeof(c->server) - 1 ||
	    strpbrk(url, " \t\r\n?#") != NULL) {
		log_warnx("%s: not an http or https address", url);
		exit(EXIT_USAGE);
	}
	pccx_strlcpy(c->server, url, sizeof(c->server));
	n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	main_default_port(c->server, "http://", ":80");
	main_default_port(c->server, "https://", ":443");
}

static const struct cmd *
main_find(int argc, char **argv, int *skip)
{
	size_t	i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (cmds[i].sub == NULL) {
			*skip = 0;
			return &cmds[i];
		}
		if (argc > 1 && strcmp(argv[1], cmds[i].sub) == 0) {
			*skip = 1;
			return &cmds[i];
		}
	}
	return NULL;
}

/* Run the command; every secret is wiped from memory before exit. */
int
main(int argc, char *argv[])
{
	static struct client	 c;
	const struct cmd	*cmd;
	const char		*dir = NULL, *server = NULL;
	int			 ch, skip, rv, verbose = 0;

	log_init("pccx", 1, 0);
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, 0);
	while ((ch = getopt(argc, argv, "+c:hs:v")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
		case 'c':
			dir = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	log_setverbose(verbose);
	if (argc < 1 || (cmd = main_find(argc, argv, &skip)) == NULL)
		usage(stderr, EXIT_USAGE);
	if (sodium_init() == -1 || curl_global_init(CURL_GLOBAL_ALL) != 0)
		fatalx("cannot initialise the libraries");
	http_init();
	if (state_init(&c, dir) == -1)
		return EXIT_USAGE;
	if (server != NULL)
		main_server(&c, server);
	if (state_load_config(&c) == -1)
		log_warn("%s/config", c.dir);
	/*
	 * Logins go to the public door, and so does logout, which ends
	 * the tunnel; the rest through a live tunnel.
	 */
	if (server == NULL && cmd->run != cmd_login &&
	    cmd->run != cmd_register && cmd->run != cmd_up &&
	    cmd->run != cmd_logout)
		tunnel_route(&c);
	if (cmd->server && c.server[0] == '\0') {
		log_warnx("no server: use -s url once, with login");
		return EXIT_USAGE;
	}
	rv = cmd->run(&c, argc - skip, argv + skip);
	state_wipe(&c);
	curl_global_cleanup();
	if (rv == EXIT_USAGE)
		usage(stderr, EXIT_USAGE);
	return rv;
}
