// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// TAP output and a pipe to authz_tool, shared by the node checks.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ok, is, plan } from '../lib/tap.mjs';

export { ok, is };

export function done() {
	process.exitCode = plan() ? 1 : 0;
}

// tool: start authz_tool; call(obj) sends one request, resolves to
// the answer.  Answers come in order, one line each.
export function tool(path) {
	const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
	const waiting = [];
	const rl = createInterface({ input: child.stdout });

	rl.on('line', (line) => waiting.shift()(JSON.parse(line)));
	child.on('exit', (code) => {
		while (waiting.length)
			waiting.shift()({ error: `tool exited ${code}` });
	});
	return {
		call(obj) {
			return new Promise((resolve) => {
				waiting.push(resolve);
				child.stdin.write(JSON.stringify(obj) + '\n');
			});
		},
		close() {
			child.stdin.end();
			return new Promise((r) => child.on('close', r));
		},
	};
}
