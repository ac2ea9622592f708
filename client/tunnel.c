/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx up, down and the tunnel's status: the laptop's WireGuard end. */

#include <sys/wait.h>

#include <limits.h>

#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "client/pccx.h"

#define TUNNEL_FILE	"tunnel"
#define TUNNEL_RELAY	"relay.pid"	/* the relay of up --tcp */
#define TUNNEL_IFDEF	"pccx0"
#define TUNNEL_WAIT_MS	5000	/* for the interface, then the API */

extern char	**environ;

/* Run argv, quietly unless verbose; its exit status, or -1. */
static int
tunnel_run(char *const argv[], int quiet)
{
	posix_spawn_file_actions_t	 fa;
	pid_t				 pid;
	int				 st, rv;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
		    O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
		    O_WRONLY, 0);
	}
	rv = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rv != 0) {
		errno = rv;
		log_warn("%s", argv[0]);
		return -1;
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The same, said out loud when it fails. */
static int
tunnel_must(char *const argv[])
{
	int	rv = tunnel_run(argv, 0);

	if (rv != 0)
		log_warnx("%s %s failed (%d)", argv[0], argv[1], rv);
	return rv == 0 ? 0 : -1;
}

static int
tunnel_path(const struct client *c, const char *name, char *out,
    size_t size)
{
	int	n = snprintf(out, size, "%s/%s", c->dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The saved tunnel object, or NULL when there is none. */
static json_t *
tunnel_load(const struct client *c)
{
	char	path[CLIENT_URLMAX + 16];

	if (tunnel_path(c, TUNNEL_FILE, path, sizeof(path)) == -1)
		return NULL;
	return json_load_file(path, 0, NULL);
}

static int
tunnel_save(const struct client *c, json_t *t)
{
	char	*text;
	int	 rv;

	if ((text = json_dumps(t, JSON_COMPACT)) == NULL)
		return -1;
	rv = state_write(c, TUNNEL_FILE, text, 0600);
	free(text);
	return rv;
}

/*
 * tunnel_keep: keep the "tunnel" object of a token answer for pccx up;
 * a login without one forgets the last.
 */
int
tunnel_keep(const struct client *c, json_t *t)
{
	char	path[CLIENT_URLMAX + 16];

	if (json_is_object(t))
		return tunnel_save(c, t);
	if (tunnel_path(c, TUNNEL_FILE, path, sizeof(path)) == 0 &&
	    unlink(path) == -1 && errno != ENOENT)
		log_warn("%s", path);
	return 0;
}

static const char *
tunnel_str(json_t *t, const char *k)
{
	const char	*s = json_string_value(json_object_get(t, k));

	return s != NULL ? s : "";
}

/* The host of the server's address, for the WireGuard endpoint. */
static int
tunnel_host(const char *url, char *out, size_t size)
{
	const char	*p = strstr(url, "://");
	size_t		 n;

	if (p == NULL)
		return -1;
	p += 3;
	n = *p == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":/");
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* A WireGuard interface: the kernel's if it has one, else wireguard-go. */
static int
tunnel_link_new(const char *ifname)
{
	char *const	 kern[] = { "ip", "link", "add", (char *)ifname,
	    "type", "wireguard", NULL };
	char *const	 user[] = { "wireguard-go", (char *)ifname, NULL };
	int		 i;

	if (tunnel_run(kern, 1) == 0)
		return 0;
	if (tunnel_must(user) == -1)
		return -1;
	for (i = 0; i < TUNNEL_WAIT_MS / 10; i++) {
		if (if_nametoindex(ifname) != 0)
			return 0;
		usleep(10000);
	}
	log_warnx("%s: no interface from wireguard-go", ifname);
	return -1;
}

/* Addresses of the laptop's end, routes to the suite's. */
static int
tunnel_link_addrs(const char *ifname, const char *a4, const char *a6,
    const char *s4, const char *s6)
{
	char	 r4[80], r6[80];
	char	*addr4[] = { "ip", "-4", "address", "add", (char *)a4,
	    "dev", (char *)ifname, NULL };
	char	*addr6[] = { "ip", "-6", "address", "add", (char *)a6,
	    "dev", (char *)ifname, NULL };
	char	*up[] = { "ip", "link", "set", (char *)ifname, "up", NULL };
	char	*rt4[] = { "ip", "-4", "route", "replace", r4, "dev",
	    (char *)ifname, NULL };
	char	*rt6[] = { "ip", "-6", "route", "replace", r6, "dev",
	    (char *)ifname, NULL };

	snprintf(r4, sizeof(r4), "%s/32", s4);
	snprintf(r6, sizeof(r6), "%s/128", s6);
	if ((*a4 != '\0' && tunnel_must(addr4) == -1) ||
	    (*a6 != '\0' && tunnel_must(addr6) == -1) ||
	    tunnel_must(up) == -1 ||
	    (*s4 != '\0' && tunnel_must(rt4) == -1) ||
	    (*s6 != '\0' && tunnel_must(rt6) == -1))
		return -1;
	return 0;
}

/*
 * tunnel_link_up: bring up ifname as the laptop's end of the tunnel t
 * (a token answer's "tunnel" object) with the private key in keyfile,
 * its peer the suite at endpoint ("HOST:PORT", or NULL for none, as a
 * relay that sets its own may want).  The interface is removed again
 * on failure.  0 or -1.
 */
int
tunnel_link_up(const char *ifname, json_t *t, const char *keyfile,
    const char *endpoint)
{
	char	 allowed[160];
	/*
	 * No keepalive from this end: a laptop that falls silent is to
	 * lose its peer after the suite's idle timeout, as its token's
	 * sliding expiry ends its login; the suite's own keepalives hold
	 * any NAT mapping open meanwhile.
	 */
	char	*set[] = { "wg", "set", (char *)ifname, "private-key",
	    (char *)keyfile, "peer", (char *)tunnel_str(t, "public_key"),
	    "allowed-ips", allowed, "endpoint", (char *)endpoint, NULL };
	const char	*s4 = tunnel_str(t, "server4");
	const char	*s6 = tunnel_str(t, "server6");

	snprintf(allowed, sizeof(allowed), "%s%s%s%s%s", s4, *s4 ? "/32" :
	    "", *s4 && *s6 ? "," : "", s6, *s6 ? "/128" : "");
	if (endpoint == NULL)
		set[9] = NULL;
	if (*allowed == '\0' || tunnel_link_new(ifname) == -1)
		return -1;
	if (tunnel_must(set) == -1 || tunnel_link_addrs(ifname,
	    tunnel_str(t, "address4"), tunnel_str(t, "address6"), s4,
	    s6) == -1) {
		tunnel_link_down(ifname);
		return -1;
	}
	return 0;
}

/* tunnel_link_down: remove the interface (and so its wireguard-go). */
int
tunnel_link_down(const char *ifname)
{
	char *const	del[] = { "ip", "link", "del", (char *)ifname,
	    NULL };

	if (if_nametoindex(ifname) == 0)
		return 0;
	return tunnel_must(del);
}

/*
 * The API through the tunnel answers health; the time it took, or -1
 * once TUNNEL_WAIT_MS have passed (a request already sent may take up
 * to curl's connect timeout more).
 */
static long
tunnel_probe(struct client *c)
{
	struct timespec	 t0, t1;
	struct reply	 r;
	long		 ms = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms < TUNNEL_WAIT_MS) {
		if (http_call(c, "GET", "/v1/health", NULL, NULL, 0, &r) ==
		    0) {
			reply_free(&r);
			if (r.status == 200)
				break;
		}
		usleep(50000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	}
	if (ms >= TUNNEL_WAIT_MS)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

/* pccx up's options. */
struct tunnel_opts {
	const char	*ifname;
	const char	*relay;	/* --relay SERVER:PORT */
	int		 tcp;
};

static int
tunnel_args(int argc, char **argv, struct tunnel_opts *o)
{
	static const struct option	 opts[] = {
		{ "tcp", no_argument, NULL, 't' },
		{ "relay", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int				 ch;

	memset(o, 0, sizeof(*o));
	o->ifname = TUNNEL_IFDEF;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			o->ifname = optarg;
			break;
		case 't':
			o->tcp = 1;
			break;
		case 'r':
			o->relay = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || strlen(o->ifname) >= IFNAMSIZ ||
	    *o->ifname == '\0' || strpbrk(o->ifname, "/ \t\n") != NULL ||
	    (o->relay != NULL && !o->tcp))
		return -1;
	return 0;
}

/*
 * Is pid a live process of this very program (not a reused pid)?  A
 * program replaced since the relay started counts as the same.
 */
static int
tunnel_relay_ours(pid_t pid)
{
	static const char	 del[] = " (deleted)";
	char			 p[64], st[512];
	char			 self[PATH_MAX], exe[PATH_MAX];
	ssize_t			 n, m;
	FILE			*f;
	char			*c;

	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	if ((n = readlink("/proc/self/exe", self, sizeof(self))) <= 0 ||
	    (m = readlink(p, exe, sizeof(exe))) <= 0)
		return 0;
	if ((size_t)m > sizeof(del) - 1 && memcmp(exe + m - sizeof(del) + 1,
	    del, sizeof(del) - 1) == 0)
		m -= sizeof(del) - 1;
	if (n != m || memcmp(self, exe, n) != 0)
		return 0;
	/* A zombie, not yet reaped, is gone already. */
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if ((f = fopen(p, "re")) == NULL)
		return 0;
	c = fgets(st, sizeof(st), f);
	fclose(f);
	if (c == NULL || (c = strrchr(st, ')')) == NULL)
		return 0;
	return c[1] == ' ' && c[2] != 'Z' && c[2] != 'X';
}

/*
 * Stop the background relay that relay.pid names, if it still runs:
 * SIGTERM, then SIGKILL after two seconds.  The file goes.  0 or -1.
 */
static int
tunnel_relay_stop(const struct client *c)
{
	char	path[CLIENT_URLMAX + 16], buf[32];
	FILE	*f;
	long	pid = 0;
	int	i;

	if (tunnel_path(c, TUNNEL_RELAY, path, sizeof(path)) == -1)
		return -1;
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL)
		pid = strtol(buf, NULL, 10);
	fclose(f);
	if (pid > 1 && pid <= INT_MAX && tunnel_relay_ours(pid)) {
		kill(pid, SIGTERM);
		for (i = 0; i < 200 && tunnel_relay_ours(pid); i++)
			usleep(10000);
		if (tunnel_relay_ours(pid)) {
			log_warnx("relay %ld: no exit on SIGTERM, killed", pid);
			kill(pid, SIGKILL);
		}
	}
	if (unlink(path) == -1) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

/*
 * The fallback's address: --relay, else the one the last login gave;
 * a wildcard listener stands for the server's own host.  0 or -1.
 */
static int
tunnel_fallback(const struct client *c, json_t *t, const char *opt,
    char *out, size_t size)
{
	const char	*fb = opt != NULL ? opt : tunnel_str(t, "fallback");
	char		 host[CLIENT_URLMAX];
	const char	*port = strrchr(fb, ':');

	if (*fb == '\0' || port == NULL) {
		log_warnx("tunnel: no fallback address: the server gave none "
		    "(use --relay server:port)");
		return -1;
	}
	if (opt == NULL && (strncmp(fb, "0.0.0.0:", 8) == 0 ||
	    strncmp(fb, "[::]:", 5) == 0)) {
		if (tunnel_host(c->server, host, sizeof(host)) == -1)
			return -1;
		snprintf(out, size, "%s%s", host, port);
	} else
		pccx_strlcpy(out, fb, size);
	return 0;
}

/*
 * The relay of --tcp, started and recorded in relay.pid (0600); the
 * WireGuard endpoint is then its loopback port.  0 or -1.
 */
static int
tunnel_relay_start(struct client *c, json_t *t, const char *opt,
    char *ep, size_t size)
{
	char		 server[CLIENT_URLMAX], pid[32];
	unsigned	 port;
	pid_t		 p;

	if (tunnel_fallback(c, t, opt, server, sizeof(server)) == -1 ||
	    (p = relay_spawn(c, server, &port)) == -1)
		return -1;
	snprintf(pid, sizeof(pid), "%d\n", (int)p);
	if (state_write(c, TUNNEL_RELAY, pid, 0600) == -1) {
		log_warnx("tunnel: cannot record the relay's pid");
		kill(p, SIGTERM);
		return -1;
	}
	snprintf(ep, size, "127.0.0.1:%u", port);
	json_object_set_new(t, "relay", json_string(server));
	return 0;
}

/* Where WireGuard sends: the suite's port, or the relay's. */
static int
tunnel_endpoint(struct client *c, json_t *t, const struct tunnel_opts *o,
    char *ep, size_t size)
{
	char	host[CLIENT_URLMAX];

	json_object_del(t, "relay");
	if (o->tcp)
		return tunnel_relay_start(c, t, o->relay, ep, size);
	if (tunnel_host(c->server, host, sizeof(host)) == -1) {
		log_warnx("tunnel: no endpoint");
		return -1;
	}
	snprintf(ep, size, "%s:%lld", host,
	    (long long)json_integer_value(json_object_get(t, "port")));
	return 0;
}

/*
 * cmd_up: pccx up [-i ifname] [--tcp [--relay server:port]]: the
 * tunnel of the last login, over UDP or through the TLS fallback.
 */
int
cmd_up(struct client *c, int argc, char **argv)
{
	char			 ep[CLIENT_URLMAX + 8];
	char			 key[CLIENT_URLMAX + 16];
	struct tunnel_opts	 o;
	json_t			*t;
	long			 ms;
	int			 rv = EXIT_REFUSED;

	if (tunnel_args(argc, argv, &o) == -1)
		return EXIT_USAGE;
	if ((t = tunnel_load(c)) == NULL) {
		log_warnx("no tunnel: the last login gave none (pccx login)");
		return EXIT_NOLOGIN;
	}
	if (tunnel_path(c, "wg.key", key, sizeof(key)) == -1 ||
	    *tunnel_str(t, "api") == '\0') {
		log_warnx("tunnel: no API address");
		goto done;
	}
	if (tunnel_relay_stop(c) == -1)
		goto done;
	tunnel_link_down(o.ifname);
	if (tunnel_endpoint(c, t, &o, ep, sizeof(ep)) == -1)
		goto done;
	if (tunnel_link_up(o.ifname, t, key, ep) == -1) {
		tunnel_relay_stop(c);
		goto done;
	}
	json_object_set_new(t, "interface", json_string(o.ifname));
	if (tunnel_save(c, t) == -1)
		goto done;
	pccx_strlcpy(c->server, tunnel_str(t, "api"), sizeof(c->server));
	if ((ms = tunnel_probe(c)) == -1) {
		log_warnx("tunnel: %s does not answer", c->server);
		rv = EXIT_UNREACH;
		goto done;
	}
	printf("Tunnel up on %s: %s, API %s (%ld ms)%s%s\n", o.ifname,
	    tunnel_str(t, "address4"), c->server, ms, o.tcp ?
	    ", over TLS to " : "", tunnel_str(t, "relay"));
	rv = EXIT_OK;
 done:
	json_decref(t);
	return rv;
}

/*
 * cmd_down: pccx down: end the relay of --tcp, if any, and remove the
 * interface; the login stays.
 */
int
cmd_down(struct client *c, int argc, char **argv)
{
	json_t		*t = tunnel_load(c);
	const char	*ifname;
	int		 rv = EXIT_OK;

	if (argc != 1)
		return EXIT_USAGE;
	if (tunnel_relay_stop(c) == -1)
		rv = EXIT_REFUSED;
	ifname = t != NULL ? tunnel_str(t, "interface") : "";
	if (*ifname != '\0' && tunnel_link_down(ifname) == -1)
		rv = EXIT_REFUSED;
	if (t != NULL && rv == EXIT_OK) {
		json_object_del(t, "interface");
		json_object_del(t, "relay");
		if (tunnel_save(c, t) == -1)
			rv = EXIT_REFUSED;
	}
	if (rv == EXIT_OK)
		printf("Tunnel down\n");
	json_decref(t);
	return rv;
}

/*
 * tunnel_route: when the tunnel is up, later requests go to the API
 * address on it; 1 when they do, else 0.
 */
int
tunnel_route(struct client *c)
{
	json_t		*t = tunnel_load(c);
	const char	*ifname, *api;
	int		 rv = 0;

	if (t == NULL)
		return 0;
	ifname = tunnel_str(t, "interface");
	api = tunnel_str(t, "api");
	if (*ifname != '\0' && *api != '\0' && if_nametoindex(ifname) != 0) {
		pccx_strlcpy(c->server, api, sizeof(c->server));
		rv = 1;
	}
	json_decref(t);
	return rv;
}

/* tunnel_status: the tunnel lines of pccx status. */
void
tunnel_status(const struct client *c)
{
	json_t		*t = tunnel_load(c);
	const char	*ifname;

	if (t == NULL) {
		printf("tunnel  none\n");
		return;
	}
	ifname = tunnel_str(t, "interface");
	if (*ifname != '\0' && if_nametoindex(ifname) != 0)
		printf("tunnel  up on %s, %s, API %s%s%s\n", ifname,
		    tunnel_str(t, "address4"), tunnel_str(t, "api"),
		    *tunnel_str(t, "relay") != '\0' ? ", over TLS to " : "",
		    tunnel_str(t, "relay"));
	else
		printf("tunnel  down\n");
	json_decref(t);
}
