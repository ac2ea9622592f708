/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx trace, report and reference: traces checked on the workstation. */

#include "client/pccx.h"

int
cmd_trace(struct client *c, int argc, char **argv)
{
	return EXIT_USAGE;
}

int
cmd_report(struct client *c, int argc, char **argv)
{
	return EXIT_USAGE;
}

int
cmd_reference(struct client *c, int argc, char **argv)
{
	return EXIT_USAGE;
}
