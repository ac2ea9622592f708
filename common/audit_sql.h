/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Reading audit rows from the SQLite schema, for the daemon and pccxctl. */

#ifndef PCCX_AUDIT_SQL_H
#define PCCX_AUDIT_SQL_H

#include <sqlite3.h>

#include "proto/audit.h"

/*
 * audit_rec_from_stmt: point a record's fields at the first eleven
 * columns of a result row, in the order of the rows table (seq, time,
 * daemon, actor, device, source, action, project, object, outcome,
 * detail).  The text stays valid until the statement moves on.
 */
void	audit_rec_from_stmt(struct audit_rec *, sqlite3_stmt *);

#endif
