/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The suite's version, shown by every binary and by /v1/health. */

#ifndef PCCX_VERSION_H
#define PCCX_VERSION_H

#define PCCX_VERSION	"0.1.0"

#endif
