/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-remoted: the privileged parent that starts and watches the suite. */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "common/version.h"
#include "config.h"
#include "remoted.h"

#define CONF_FILE	"/etc/pccx-remote/pccx-remote.conf"
#define MAXDEFS		32

static struct remoted	 remoted_env;
struct remoted		*env = &remoted_env;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pccx-remoted [-dnv] [-D macro=value] "
	    "[-f file]\n");
	exit(1);
}

/* The state directory holds every child's root: root's alone. */
static int
state_dir_check(const char *dir)
{
	struct stat	st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		log_warn("%s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("%s: state directory must be a directory owned by "
		    "root and writable only by root", dir);
		return -1;
	}
	return 0;
}

static int
listener_open(struct listen_addr *la)
{
	int	fd, on = 1;

	fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (la->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	/* The tunnel's address comes up with pccx-tunneld, later. */
	if (la->tunnel && setsockopt(fd, la->ss.ss_family == AF_INET6 ?
	    IPPROTO_IPV6 : IPPROTO_IP, la->ss.ss_family == AF_INET6 ?
	    IPV6_FREEBIND : IP_FREEBIND, &on, sizeof(on)) == -1)
		log_warn("listen on %s: freebind", la->addr);
	if (bind(fd, (struct sockaddr *)&la->ss, la->sslen) == -1 ||
	    listen(fd, 512) == -1) {
		close(fd);
		return -1;
	}
	la->fd = fd;
	return 0;
}

static int
listeners_open(struct config *conf)
{
	struct listen_addr	*la;

	TAILQ_FOREACH(la, &conf->listens, entry)
		if (listener_open(la) == -1) {
			log_warn("listen on %s port %u", la->addr, la->port);
			return -1;
		}
	return 0;
}

/*
 * Once the children run, the parent needs only to signal them, which
 * it cannot do without CAP_KILL since they run as other users.
 */
static void
parent_drop_caps(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];
	int				cap;

	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_KILL && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) ==
		    -1 && errno != EINVAL)
			fatal("drop bounding capability %d", cap);
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].effective = data[0].permitted = 1U << CAP_KILL;
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
}

/*
 * remoted_reload: read the configuration again and hand the children
 * what may change while running.  A file with errors changes nothing.
 * Returns 0, or -1 with a message in err.
 */
int
remoted_reload(char *err, size_t errsz)
{
	struct config	*nc;
	char		 wait[128];

	if ((nc = config_parse(env->conf_path, env->defs)) == NULL) {
		snprintf(err, errsz, "configuration has errors; "
		    "nothing changed");
		log_warnx("reload failed: %s", err);
		return -1;
	}
	config_adopt(env->conf, nc);
	if (config_pending(env->conf, nc, wait, sizeof(wait)) > 0) {
		snprintf(err, errsz, "configuration reloaded; changes to %s "
		    "wait for a restart", wait);
		log_warnx("%s", err);
	} else {
		snprintf(err, errsz, "configuration reloaded");
		log_info("%s", err);
	}
	config_free(nc);
	children_configure(0);
	return 0;
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	char	msg[PROTO_STRMAX];

	switch (sig) {
	case SIGCHLD:
		children_reap();
		break;
	case SIGHUP:
		remoted_reload(msg, sizeof(msg));
		break;
	default:
		log_info("terminating");
		children_stop();
		control_cleanup();
		exit(0);
	}
}

static void
signals_init(void)
{
	static const int	 sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT };
	struct event		*ev;
	size_t			 i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(env->base, sigs[i], on_signal, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("evsignal");
	}
}

/* Without -f the standard file is read, or the built-in default. */
static const char *
conf_path_default(void)
{
	if (access(CONF_FILE, F_OK) == 0)
		return CONF_FILE;
	return NULL;
}

static void
start(void)
{
	if (state_dir_check(env->conf->state_dir) == -1 ||
	    keys_prepare(env->conf) == -1 || listeners_open(env->conf) == -1)
		exit(1);
	if (!env->debug && daemon(0, 0) == -1)
		fatal("daemon");
	env->started = time(NULL);
	if ((env->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	signals_init();
	if (control_init(env->conf->control_socket) == -1)
		exit(1);
	children_start();
	children_configure(1);
	keys_close();
	parent_drop_caps();
	log_info("pccx-remote %s started", PCCX_VERSION);
}

int
main(int argc, char *argv[])
{
	static char	*defs[MAXDEFS + 1];
	int		 ch, ndefs = 0, noaction = 0, fflag = 0;

	while ((ch = getopt(argc, argv, "D:df:nv")) != -1) {
		switch (ch) {
		case 'D':
			if (ndefs == MAXDEFS || strchr(optarg, '=') == NULL)
				usage();
			defs[ndefs++] = optarg;
			break;
		case 'd':
			env->debug = 1;
			break;
		case 'f':
			env->conf_path = optarg;
			fflag = 1;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			env->verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	env->defs = defs;
	log_init("pccx-remoted", env->debug || noaction, env->verbose);
	if (!fflag)
		env->conf_path = conf_path_default();
	if ((env->conf = config_parse(env->conf_path, defs)) == NULL)
		exit(1);
	if (noaction) {
		if (env->verbose)
			config_print(stdout, env->conf);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("must be started as root");
	if (env->conf_path == NULL)
		log_info("using the built-in default configuration");
	start();
	event_base_dispatch(env->base);
	fatalx("event loop ended");
}
