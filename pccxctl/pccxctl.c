/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccxctl: the operator's tool, speaking to the parent's control socket. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/msg.h"
#include "common/util.h"
#include "proto/proto.h"

#define CTL_SOCKET	"/run/pccx-remote.sock"
#define CTL_WAIT_MS	5000

#include "pccxctl.h"

static int	cmd_status(struct ctl *, int, char **);
static int	cmd_reload(struct ctl *, int, char **);

/* Every command: its name, whether it needs the parent, its handler. */
static const struct ctl_cmd {
	const char	*name;
	int		 connect;
	int		(*run)(struct ctl *, int, char **);
	const char	*usage;
} cmds[] = {
	{ "status", 1, cmd_status, "status" },
	{ "reload", 1, cmd_reload, "reload" },
	{ "enrol", 1, cmd_enrol, "enrol user" },
	{ "revoke", 1, cmd_revoke, "revoke user|device|session id" },
	{ "tunnel", 1, cmd_tunnel, "tunnel show" },
	{ "audit", 0, cmd_audit, "audit verify [--from seq] [--from-s3 "
	    "[-i identity]] [-d state] [-k keyfile | -p pubkey]" },
	{ "audit", 0, cmd_audit, "audit search [--raw] [-n count] "
	    "[-d state] [--] text ..." },
	{ "audit", 0, cmd_audit, "audit tail [-f] [-n count] [-d state]" },
	{ "audit", 0, cmd_audit, "audit key [-d state] [-k keyfile]" },
};

static void __attribute__((noreturn))
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: pccxctl [-j] [-s socket] command [args]\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "       pccxctl %s\n", cmds[i].usage);
	exit(2);
}

void
ctl_connect(struct ctl *ctl, const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (pccx_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("%s: socket path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("cannot reach pccx-remoted at %s", path);
	if (chan_init(&ctl->c, fd, PROC_PARENT) == -1)
		fatal("chan_init");
}

/* ctl_next: wait for the next message from the parent; fatal on silence. */
void
ctl_next(struct ctl *ctl, struct msg *m)
{
	struct pollfd	pfd = { ctl->c.fd, POLLIN, 0 };
	ssize_t		n;
	int		rv;

	for (;;) {
		if ((rv = chan_get(&ctl->c, m)) == MSG_OK)
			break;
		if (rv != MSG_EMORE)
			fatalx("bad answer: %s", msg_errstr(rv));
		if (poll(&pfd, 1, CTL_WAIT_MS) != 1)
			fatalx("pccx-remoted did not answer");
		if ((n = chan_read(&ctl->c)) == -1)
			fatal("read");
		if (n == 0)
			fatalx("pccx-remoted closed the connection");
	}
	if (m->fd != -1)
		fatalx("unexpected descriptor");
}

static const char *
state_text(int st)
{
	switch (st) {
	case PSTATE_CONF:
		return "starting";
	case PSTATE_READY:
		return "ready";
	}
	return "unresponsive";
}

static void
uptime_text(char *buf, size_t size, uint64_t started)
{
	time_t	now = time(NULL);
	long	s = 0;

	if (started > 0 && (time_t)started <= now)
		s = now - started;
	if (started == 0)
		snprintf(buf, size, "-");
	else if (s < 3600)
		snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, size, "%ldh%02ldm", s / 3600, s / 60 % 60);
}

static void
status_print_row(const struct p_ctl_proc *p)
{
	char	up[32];

	uptime_text(up, sizeof(up), p->st.started);
	printf("%-8s %7u %-11s %8s %10llu %10llu %s\n", p->name, p->st.pid,
	    p->user, up, (unsigned long long)p->st.nin,
	    (unsigned long long)p->st.nout, state_text(p->st.state));
}

static json_t *
status_json_row(const struct p_ctl_proc *p)
{
	time_t	now = time(NULL);

	return json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:s}",
	    "name", p->name, "pid", (json_int_t)p->st.pid, "user", p->user,
	    "uptime", (json_int_t)(p->st.started ? now - p->st.started : 0),
	    "messages_in", (json_int_t)p->st.nin,
	    "messages_out", (json_int_t)p->st.nout,
	    "state", state_text(p->st.state));
}

static int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct p_ctl_proc	 p;
	struct msg		 m;
	json_t			*arr = json_array();
	int			 down = 0;

	if (proto_send_empty(&ctl->c, MSG_CTL_STATUS, 0) == -1 ||
	    msg_flush_wait(&ctl->c) == -1)
		fatal("send");
	if (!ctl->json)
		printf("%-8s %7s %-11s %8s %10s %10s %s\n", "PROCESS", "PID",
		    "USER", "UPTIME", "MSGS-IN", "MSGS-OUT", "STATE");
	for (;;) {
		ctl_next(ctl, &m);
		if (m.hdr.type == MSG_CTL_END && proto_get_empty(&m) == 0)
			break;
		if (m.hdr.type != MSG_CTL_PROC || proto_get_ctl_proc(&m, &p))
			fatalx("bad answer from pccx-remoted");
		down += p.st.state != PSTATE_READY;
		if (ctl->json)
			json_array_append_new(arr, status_json_row(&p));
		else
			status_print_row(&p);
	}
	if (ctl->json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	return down ? 1 : 0;
}

static int
cmd_reload(struct ctl *ctl, int argc, char **argv)
{
	struct p_ctl_result	res;
	struct msg		m;

	if (proto_send_empty(&ctl->c, MSG_CTL_RELOAD, 0) == -1 ||
	    msg_flush_wait(&ctl->c) == -1)
		fatal("send");
	ctl_next(ctl, &m);
	if (m.hdr.type != MSG_CTL_RESULT || proto_get_ctl_result(&m, &res))
		fatalx("bad answer from pccx-remoted");
	if (ctl->json) {
		json_t	*o = json_pack("{s:b, s:s}", "ok", res.code == 0,
		    "message", res.text);

		json_dumpf(o, stdout, 0);
		putchar('\n');
		json_decref(o);
	} else
		fprintf(res.code ? stderr : stdout, "%s\n", res.text);
	return res.code ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	struct ctl	 ctl;
	const char	*sock = CTL_SOCKET;
	size_t		 i;
	int		 ch;

	memset(&ctl, 0, sizeof(ctl));
	log_init("pccxctl", 1, 0);
	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			ctl.json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		usage();
	ctl.sock = sock;
	if (cmds[i].connect)
		ctl_connect(&ctl, sock);
	return cmds[i].run(&ctl, argc, argv);
}
