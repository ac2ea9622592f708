/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The front end's whole route table, gathered from each subsystem. */

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "authgate.h"
#include "events.h"
#include "frontd.h"
#include "server.h"
#include "sessions.h"
#include "traces.h"

/* One line per subsystem that serves routes. */
static const struct {
	const struct http_route	*tab;
	const size_t		*n;
} tables[] = {
	{ health_routes, &health_nroutes },
	{ auth_routes, &auth_nroutes },
	{ events_routes, &events_nroutes },
	{ sessions_routes, &sessions_nroutes },
	{ traces_routes, &traces_nroutes },
};

/* routes_install: hand the server one table with every route in it. */
void
routes_install(void)
{
	struct http_route	*all;
	size_t			 i, n = 0, off = 0;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		n += *tables[i].n;
	if ((all = calloc(n, sizeof(*all))) == NULL)
		fatal("routes");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		memcpy(all + off, tables[i].tab,
		    *tables[i].n * sizeof(*all));
		off += *tables[i].n;
	}
	authgate_wrap(all, n);
	server_set_routes(all, n);
}
