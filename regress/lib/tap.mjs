// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// TAP output for the node checks: ok, is, like and the closing plan.

let n = 0, failed = 0;

// ok: one TAP line; diag goes out as comment lines when cond is false.
export function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond) {
		failed++;
		if (diag !== undefined)
			for (const l of String(diag).split('\n'))
				console.log(`#   ${l}`);
	}
	return cond;
}

// is: ok when got === want, both shown on failure.
export const is = (got, want, name) =>
    ok(got === want, name, `got:  ${got}\nwant: ${want}`);

// like: ok when re matches got.
export const like = (got, re, name) =>
    ok(re.test(String(got)), name, `got:  ${got}\nwant: ${re}`);

// plan: print the plan line; returns how many checks failed.
export function plan() {
	console.log(`1..${n}`);
	return failed;
}

// done: print the plan and exit, 1 if any check failed.
export function done() {
	process.exit(plan() ? 1 : 0);
}
