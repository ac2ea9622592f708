#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Session limits through cgroup v2, where v2 has the controllers.

cd "$(dirname "$0")/../.." || exit 1
ctrl=$(cat /sys/fs/cgroup/cgroup.controllers \
    /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)
case "$ctrl" in
*memory*pids*|*pids*memory*) ;;
*)
	echo "1..0 # SKIP cgroup v2 has no memory and pids controllers here" \
	    "(hybrid host: the v1 limits are tested by test_session)"
	exit 0
	;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP sessions need root"
	exit 0
fi
PCCX_TEST_V2=1 build/regress/session/test_session
