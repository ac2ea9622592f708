/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: search text quoted for FTS5 never parses as query syntax. */

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/audit.h"

static sqlite3		*db;
static sqlite3_stmt	*st;

/* A small FTS5 table, made once, with the daemon's columns. */
static void
fuzz_init(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE f USING fts5(actor, "
	    "action, project, object, outcome, detail);"
	    "INSERT INTO f VALUES('alice@example.com', 'login', 'p', "
	    "'obj-1', 'ok', '{\"near\":\"and or not\"}');", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT rowid FROM f WHERE f MATCH ?",
	    -1, &st, NULL) != SQLITE_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*text, *q;
	uint64_t	 a, b;
	int		 rv;

	if (db == NULL)
		fuzz_init();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	audit_object_parse(text, &a, &b);
	if ((q = audit_fts_query(text)) != NULL) {
		sqlite3_bind_text(st, 1, q, -1, SQLITE_TRANSIENT);
		while ((rv = sqlite3_step(st)) == SQLITE_ROW)
			;
		/* Quoted words are strings; anything else is a bug. */
		if (rv != SQLITE_DONE)
			abort();
		sqlite3_reset(st);
		free(q);
	}
	free(text);
	return 0;
}
