# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Sourced at the end of a suite run: the peer table's audit rows, as comments.

# One line per row whose action is tunnel.peer.*: daemon, action,
# outcome, actor, device and the detail, read with pccxctl from the
# state directory while the suite still runs.
"$PCCX_BIN/pccxctl" -j audit tail -n 100000 -d "$T/state" 2>/dev/null |
    node -e '
let t = "";
process.stdin.on("data", (d) => t += d);
process.stdin.on("end", () => {
	for (const r of JSON.parse(t || "[]"))
		if (/^tunnel\.peer\./.test(r.action))
			console.log(`# audit: ${r.daemon} ${r.action} ` +
			    `${r.outcome} ${r.actor} ${r.device} ${r.detail}`);
});'
