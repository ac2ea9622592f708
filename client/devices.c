/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Devices and status: what the server knows of this user's laptops. */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "client/pccx.h"

/* A device id is base64url: anything else never reaches a URL. */
static int
devices_id_ok(const char *id)
{
	size_t	n = strlen(id);

	return n > 0 && n < 64 && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static void
devices_print(json_t *a)
{
	const char	*id, *name;
	json_t		*d;
	time_t		 t;
	size_t		 i;
	char		 when[32];

	printf("%-24s %-20s %-20s %s\n", "ID", "NAME", "REGISTERED",
	    "CURRENT");
	json_array_foreach(a, i, d) {
		id = json_string_value(json_object_get(d, "id"));
		name = json_string_value(json_object_get(d, "name"));
		t = (time_t)json_integer_value(json_object_get(d,
		    "created"));
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		    gmtime(&t));
		printf("%-24s %-20s %-20s %s\n", id ? id : "?",
		    name ? name : "?", when, json_is_true(json_object_get(d,
		    "current")) ? "yes" : "no");
	}
}

static int
devices_list(struct client *c)
{
	struct reply	 r;
	json_t		*a;
	int		 rv;

	if ((rv = client_authed(c, "GET", "/v1/devices", NULL, &r)) != 0)
		return rv;
	a = json_object_get(r.json, "devices");
	if (r.status != 200 || !json_is_array(a))
		rv = http_refused("devices", &r);
	else
		devices_print(a);
	reply_free(&r);
	return rv;
}

static int
devices_delete(struct client *c, const char *id)
{
	struct reply	r;
	char		path[128];
	int		rv;

	if (!devices_id_ok(id)) {
		log_warnx("devices delete: bad device id");
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/devices/%s", id);
	if ((rv = client_authed(c, "DELETE", path, NULL, &r)) != 0)
		return rv;
	if (r.status != 200)
		rv = http_refused("devices delete", &r);
	else
		printf("Device %s revoked\n", id);
	reply_free(&r);
	return rv;
}

/* cmd_devices: pccx devices [list | delete ID]. */
int
cmd_devices(struct client *c, int argc, char **argv)
{
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "list") == 0))
		return devices_list(c);
	if (argc == 3 && strcmp(argv[1], "delete") == 0)
		return devices_delete(c, argv[2]);
	return EXIT_USAGE;
}

/* What the token says of itself: user, device, expiry. */
static void
status_print(const struct client *c)
{
	json_t		*cl = jwt_claims(c->token);
	const char	*sub;
	time_t		 exp;
	char		 when[32];

	sub = json_string_value(json_object_get(cl, "sub"));
	exp = (time_t)json_integer_value(json_object_get(cl, "exp"));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&exp));
	printf("server  %s\nuser    %s\ndevice  %s\nexpires %s\n",
	    c->server, sub != NULL ? sub : "?",
	    c->device[0] != '\0' ? c->device : "?", when);
	json_decref(cl);
}

/*
 * cmd_status: pccx status: the login as this laptop keeps it, then
 * asked of the server with a signed request.
 */
int
cmd_status(struct client *c, int argc, char **argv)
{
	struct reply	r;
	int		rv;

	if (argc != 1)
		return EXIT_USAGE;
	if ((rv = client_authed(c, "GET", "/v1/devices", NULL, &r)) ==
	    EXIT_NOLOGIN)
		return rv;
	status_print(c);
	tunnel_status(c);
	if (rv != 0)
		return rv;
	if (r.status == 200)
		printf("login   valid\n");
	else
		rv = http_refused("status", &r);
	reply_free(&r);
	return rv;
}
