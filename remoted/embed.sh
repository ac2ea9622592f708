#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Turn a text file into the C definition of config_default_text.

set -eu

if [ $# -ne 2 ]; then
	echo "usage: embed.sh input output" >&2
	exit 1
fi
in=$1
out=$2
tmp=$out.tmp

{
	echo '/* SPDX-License-Identifier: ISC */'
	echo '/* Copyright (c) 2026 The pccx-remote authors */'
	echo "/* Generated from $in by remoted/embed.sh: do not edit. */"
	echo
	echo 'extern const char config_default_text[];'
	echo 'const char config_default_text[] ='
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' \
	    -e 's/^/    "/' -e 's/$/\\n"/' "$in"
	echo '    "";'
} >"$tmp"
mv "$tmp" "$out"
