/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Reading audit rows from the SQLite schema, for the daemon and pccxctl. */

#include "audit_sql.h"

void
audit_rec_from_stmt(struct audit_rec *r, sqlite3_stmt *st)
{
	r->seq = sqlite3_column_int64(st, 0);
	r->time = sqlite3_column_int64(st, 1);
	r->daemon = (const char *)sqlite3_column_text(st, 2);
	r->actor = (const char *)sqlite3_column_text(st, 3);
	r->device = (const char *)sqlite3_column_text(st, 4);
	r->source = (const char *)sqlite3_column_text(st, 5);
	r->action = (const char *)sqlite3_column_text(st, 6);
	r->project = (const char *)sqlite3_column_text(st, 7);
	r->object = (const char *)sqlite3_column_text(st, 8);
	r->outcome = (const char *)sqlite3_column_text(st, 9);
	r->detail = (const char *)sqlite3_column_text(st, 10);
}
