/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx events: follow the audit rows the user may read, one a line. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "client/ws.h"

#define EVENTS_TRIES	8	/* reconnections in a row, at most */
#define EVENTS_WAITMAX	30	/* seconds between two, at most */

/* How rows are shown. */
struct events_out {
	int		json;
	int		bad;
	int		closed;		/* stdout went away */
	int		connected;	/* this try was fed a while */
	int		ever;		/* some try reached the feed */
	json_int_t	last;		/* the last row's seq, -1 none */
};

static const char *
events_str(json_t *o, const char *k, char *buf, size_t size)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return http_clean(s != NULL ? s : "-", buf, size);
}

/*
 * events_print: one row, as its JSON (escaped again by jansson: no
 * control bytes) or as a line: seq, UTC time, daemon, actor, action,
 * project, object, outcome.
 */
static void
events_print(const struct events_out *o, json_t *j)
{
	char		 a[128], b[64], d[64], p[64], ob[160], oc[16];
	char		 when[32], *s;
	json_int_t	 ms;
	time_t		 t;
	struct tm	 tm;

	if (o->json) {
		if ((s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII)) !=
		    NULL)
			printf("%s\n", s);
		free(s);
		return;
	}
	ms = json_integer_value(json_object_get(j, "time"));
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%" JSON_INTEGER_FORMAT " %s.%03dZ %s %s %s %s %s %s\n",
	    json_integer_value(json_object_get(j, "seq")), when,
	    (int)(ms % 1000), events_str(j, "daemon", d, sizeof(d)),
	    events_str(j, "actor", a, sizeof(a)),
	    events_str(j, "action", b, sizeof(b)),
	    events_str(j, "project", p, sizeof(p)),
	    events_str(j, "object", ob, sizeof(ob)),
	    events_str(j, "outcome", oc, sizeof(oc)));
}

static void
events_message(struct wsc *w, int binary, const uint8_t *p, size_t len,
    void *arg)
{
	struct events_out	*o = arg;
	json_t			*j = NULL;

	if (binary || (j = json_loadb((const char *)p, len, 0, NULL)) ==
	    NULL || !json_is_integer(json_object_get(j, "seq"))) {
		if (!binary)
			json_decref(j);
		o->bad = 1;
		wsc_close(w, 1003, "not a row");
		return;
	}
	o->last = json_integer_value(json_object_get(j, "seq"));
	events_print(o, j);
	json_decref(j);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		/* A reader such as head(1) is done: so are we. */
		o->closed = 1;
		wsc_close(w, 1000, NULL);
	}
}

/*
 * Until the feed ends, a signal, or the reader of stdout goes (a pipe
 * says so by POLLERR even when nothing is written): 0, or -1 when the
 * socket failed.
 */
static int
events_loop(struct wsc *w, struct events_out *o)
{
	struct pollfd	pfd[3];
	int		r;

	for (;;) {
		if ((r = wsc_poll_set(w, pfd)) != 1)
			return r;
		pfd[2].fd = STDOUT_FILENO;
		pfd[2].events = 0;
		if (poll(pfd, 3, 5000) == -1 && errno != EINTR)
			fatal("poll");
		if (intr_stop() != 0)
			return 0;
		if (pfd[2].revents & (POLLERR | POLLHUP)) {
			o->closed = 1;
			return 0;
		}
		if (wsc_silent(w))
			return -1;
		if (pfd[0].revents != 0)
			(void)wsc_read(w);
	}
}

/* The exit code for how the feed ended. */
static int
events_end(struct wsc *w, const struct events_out *o, int r)
{
	if (intr_stop() != 0 || o->closed)
		return EXIT_OK;
	if (r == -1) {
		log_warnx("events: the connection was lost");
		return EXIT_UNREACH;
	}
	if (o->bad) {
		log_warnx("events: the server sent what is not a row");
		return EXIT_REFUSED;
	}
	if (w->code == 1000)
		return EXIT_OK;
	log_warnx("events: the server ended the feed (close code %u)",
	    w->code);
	return EXIT_REFUSED;
}

/* A feed that may go on: a lost connection, or a server going away. */
static int
events_lost(const struct wsc *w, const struct events_out *o, int r)
{
	if (intr_stop() != 0 || o->closed || o->bad)
		return 0;
	return r == -1 || w->code == 1001;
}

/* Wait s seconds: 0, or -1 when a signal came to stop. */
static int
events_pause(int s)
{
	struct timespec	ts = { s, 0 };

	while (nanosleep(&ts, &ts) == -1)
		if (errno != EINTR || intr_stop() != 0)
			return -1;
	return intr_stop() != 0 ? -1 : 0;
}

/* Follow from since, or from the row after the last one shown. */
static void
events_path(char *path, size_t size, const char *since,
    const struct events_out *o)
{
	if (o->last >= 0)
		snprintf(path, size, "/v1/events?since=%" JSON_INTEGER_FORMAT,
		    o->last);
	else
		snprintf(path, size, "/v1/events%s%s", since != NULL ?
		    "?since=" : "", since != NULL ? since : "");
}

/*
 * One connection: -1 when it was lost and may be taken up again, else
 * the exit code, in *rv.
 */
static int
events_once(struct client *c, const char *path, struct events_out *o,
    int *rv)
{
	struct wsc	*w;
	json_int_t	 last = o->last;
	uint64_t	 t0;
	int		 r;

	if ((w = wsc_connect(c, path, events_message, o, rv)) == NULL)
		return *rv == EXIT_UNREACH ? -1 : 0;
	o->ever = 1;
	t0 = now_mono_ms();
	r = events_loop(w, o);
	/* one that drops at once does not start the waits over */
	o->connected = o->last != last ||
	    now_mono_ms() - t0 >= EVENTS_WAITMAX * 1000;
	if (events_lost(w, o, r)) {
		wsc_free(w);
		*rv = EXIT_UNREACH;
		return -1;
	}
	*rv = events_end(w, o, r);
	wsc_free(w);
	return 0;
}

/* Given up: where to go on from. */
static int
events_gone(const struct events_out *o)
{
	if (o->last >= 0)
		log_warnx("events: the connection was lost after row %"
		    JSON_INTEGER_FORMAT ": go on with --since %"
		    JSON_INTEGER_FORMAT, o->last, o->last);
	else
		log_warnx("events: the connection was lost");
	return EXIT_UNREACH;
}

/*
 * cmd_events: pccx events [-j] [--since SEQ]; until Ctrl-C.  A lost
 * connection is taken up again from the last row shown, after 1, 2, 4
 * ... seconds (30 at most), EVENTS_TRIES times in a row at most.
 * XXX: an HTTP refusal while reconnecting (a proxy's 5xx, or 429 while
 * the server still counts the lost feed) ends it: wsc_connect tells an
 * exit code, not the status.
 */
int
cmd_events(struct client *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct events_out	 o = { .last = -1 };
	const char		*since = NULL;
	char			 path[64];
	int			 ch, rv, tries = 0, s;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+js:", longopts, NULL)) != -1) {
		if (ch == 'j')
			o.json = 1;
		else if (ch == 's' && strspn(optarg, "0123456789") ==
		    strlen(optarg) && *optarg != '\0' && strlen(optarg) < 20)
			since = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc)
		return EXIT_USAGE;
	if ((rv = client_need(c)) != 0)
		return rv;
	intr_init(0);
	for (;;) {
		events_path(path, sizeof(path), since, &o);
		o.connected = 0;
		if (events_once(c, path, &o, &rv) == 0)
			return rv;
		if (intr_stop() != 0)
			return EXIT_OK;
		if (!o.ever)
			return rv;	/* never reached: as any refusal */
		if (o.connected)
			tries = 0;
		if (++tries > EVENTS_TRIES)
			return events_gone(&o);
		s = 1 << (tries - 1);
		s = s > EVENTS_WAITMAX ? EVENTS_WAITMAX : s;
		log_warnx("events: the connection was lost; again in %d s", s);
		if (events_pause(s) == -1)
			return EXIT_OK;
	}
}
