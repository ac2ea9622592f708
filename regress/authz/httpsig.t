#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Request signatures against http-message-signatures, both directions.

top=$(cd "$(dirname "$0")/../.." && pwd)
tool=${PCCX_BIN:-$top/build}/regress/authz/authz_tool
# Without node, its modules or the tool, fail and say why: make deps.
for need in "$tool" "$top/regress/node_modules/http-message-signatures" \
    "$top/regress/node_modules/jose"; do
	if [ ! -e "$need" ] || ! command -v node >/dev/null 2>&1; then
		echo "1..1"
		echo "not ok 1 - node, $need (make deps, make tests)"
		exit 1
	fi
done
cd "$top/regress/authz" && exec node httpsig.mjs "$tool"
