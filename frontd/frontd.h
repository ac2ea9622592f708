/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* State shared by the files of the front end. */

#ifndef PCCX_FRONTD_H
#define PCCX_FRONTD_H

#include "proto/proto.h"
#include "server.h"

/* health.c */
void	health_on_status(int, uint32_t, const struct p_status *);
void	health_init(void);
extern const struct http_route	health_routes[];
extern const size_t		health_nroutes;

/* routes.c */
void	routes_install(void);
/* tls.c: tls_setup: TLS 1.3 for the tls listeners; 0 or -1. */
int	tls_setup(void);

#endif
