/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx shell: a terminal in a session, over a WebSocket. */

/*
 * Keys go up as binary messages, the terminal's output comes down as
 * binary messages; a window change goes up as the text message
 * {"resize":[rows,cols]}.  On a terminal, it is put in raw mode for
 * the time of the connection, and put back on every way out: the end
 * of the connection, an error, or SIGINT, SIGTERM, SIGHUP.
 * When the terminal closes, the server sends how the shell ended as the
 * text message {"exit":N,"signal":S} (when it learns it in time), then
 * closes with 1000; pccx exits as the shell did.
 */

#include <sys/ioctl.h>

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "client/ws.h"

#define SHELL_QUEUE	(1024 * 1024)	/* keys not yet sent */

static struct termios	shell_saved;
static int		shell_raw;
static int		shell_exit = -1;	/* the status, when told */

/* Put the terminal back as it was; safe to call more than once. */
static void
shell_restore(void)
{
	if (shell_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &shell_saved);
		shell_raw = 0;
	}
}

static void
shell_make_raw(void)
{
	struct termios	t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO,
	    &shell_saved) == -1)
		return;
	t = shell_saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0) {
		shell_raw = 1;
		atexit(shell_restore);
	}
}

/* The window's size: from the terminal, else 24 by 80. */
static void
shell_size(int *rows, int *cols)
{
	struct winsize	ws;

	*rows = 24;
	*cols = 80;
	if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		*rows = ws.ws_row > 1000 ? 1000 : ws.ws_row;
		*cols = ws.ws_col > 1000 ? 1000 : ws.ws_col;
	}
}

static void
shell_resize(struct wsc *w)
{
	char	msg[48];
	int	rows, cols, n;

	shell_size(&rows, &cols);
	n = snprintf(msg, sizeof(msg), "{\"resize\":[%d,%d]}", rows, cols);
	(void)wsc_send(w, 0, msg, n);
}

/* {"exit":N,"signal":S}: how the remote shell ended. */
static void
shell_status(const uint8_t *p, size_t len)
{
	json_t	*j;
	int	 code, sig;

	j = json_loadb((const char *)p, len, 0, NULL);
	if (j != NULL && json_unpack(j, "{s:i, s:i}", "exit", &code,
	    "signal", &sig) == 0 && code >= -1 && code <= 255 && sig >= 0 &&
	    sig < EXIT_SIGBASE)
		shell_exit = sig != 0 ? EXIT_SIGBASE + sig : code;
	json_decref(j);
}

static void
shell_message(struct wsc *w, int binary, const uint8_t *p, size_t len,
    void *arg)
{
	ssize_t	n;

	if (!binary) {
		shell_status(p, len);
		return;
	}
	while (len > 0) {
		if ((n = write(STDOUT_FILENO, p, len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			wsc_close(w, 1000, NULL);
			return;
		}
		p += n;
		len -= n;
	}
}

/* Keys from stdin, as one binary message; 0 at EOF. */
static int
shell_keys(struct wsc *w)
{
	char	buf[4096];
	ssize_t	n;

	if ((n = read(STDIN_FILENO, buf, sizeof(buf))) == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n > 0 && wsc_send(w, 1, buf, n) == -1)
		return 0;
	return n > 0;
}

/* Until the terminal closes or a signal: 0, or -1 when the link failed. */
static int
shell_loop(struct wsc *w)
{
	struct pollfd	pfd[3];
	int		r;
	int		keys = 1;

	for (;;) {
		if ((r = wsc_poll_set(w, pfd)) != 1)
			return r;
		pfd[2].fd = keys && wslay_event_get_queued_msg_length(w->ctx) <
		    SHELL_QUEUE ? STDIN_FILENO : -1;
		pfd[2].events = POLLIN;
		if (poll(pfd, 3, 5000) == -1 && errno != EINTR)
			return -1;
		if (intr_stop() != 0)
			return 0;
		if (wsc_silent(w))
			return -1;
		if (intr_winch())
			shell_resize(w);
		if (pfd[2].revents != 0)
			keys = shell_keys(w);
		if (pfd[0].revents != 0)
			(void)wsc_read(w);
	}
}

/* The exit code for how the terminal ended. */
static int
shell_end(const struct wsc *w, int r)
{
	if (intr_stop() != 0)
		return EXIT_SIGBASE + intr_stop();
	if (r == -1) {
		log_warnx("shell: the connection was lost");
		return EXIT_OWNFAIL;
	}
	if (w->code == 1000)
		return shell_exit >= 0 ? shell_exit : EXIT_OK;
	log_warnx("shell: the server ended the terminal (close code %u)",
	    w->code);
	return EXIT_OWNFAIL;
}

/* cmd_shell: pccx shell [-p PROJECT] ID; 0 when the terminal closed. */
int
cmd_shell(struct client *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct wsc	*w;
	const char	*want = NULL;
	char		 project[64], path[200];
	int		 ch, rv, rows, cols;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+p:", longopts, NULL)) != -1) {
		if (ch != 'p')
			return EXIT_OWNFAIL;
		want = optarg;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: pccx shell [-p project] id\n");
		return EXIT_OWNFAIL;
	}
	intr_init(1);
	if (session_find(c, argv[optind], want, project,
	    sizeof(project)) != 0)
		return EXIT_OWNFAIL;
	shell_size(&rows, &cols);
	snprintf(path, sizeof(path), "/v1/sessions/%s/pty?project=%s&"
	    "rows=%d&cols=%d", argv[optind], project, rows, cols);
	if ((w = wsc_connect(c, path, shell_message, NULL, &rv)) == NULL)
		return EXIT_OWNFAIL;
	shell_make_raw();
	rv = shell_loop(w);
	shell_restore();
	rv = shell_end(w, rv);
	wsc_free(w);
	return rv;
}
