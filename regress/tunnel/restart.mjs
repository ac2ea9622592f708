// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Two logins with build/pccx and Chromium, for the restart regress.
//
// node restart.mjs PORT PROFILE PIDFILE CODE PCCX HOME1 HOME2
//
// device register in HOME1 (XDG_CONFIG_HOME), then the same
// configuration copied to HOME2 and a pccx login there: two sessions
// of one device.  Prints TAP lines (no plan: restart.t counts them).

import fs from 'node:fs';
import { show, runner, login as pccxLogin, launch }
    from '../client/lib.mjs';

const [port, profile, pidfile, code0, pccx, home1, home2] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;
let failed = 0;
let px = runner(pccx, home1);

// ok: a TAP line without its number (restart.t makes the plan).
function ok(cond, name, diag) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
	if (!cond) {
		failed++;
		if (diag !== undefined)
			for (const l of String(diag).split('\n'))
				console.log(`#   ${l}`);
	}
	return cond;
}

const login = (page, args, reg) => pccxLogin(px, base, page, args, reg);

async function main(page) {
	const done = 'Signed in. You can close this page.';
	let r = await login(page, ['device', 'register'], code0);
	if (!ok(r.rc === 0 && r.status === done,
	    'device register: the first session', show(r) + r.status))
		return;
	fs.cpSync(home1, home2, { recursive: true });
	px = runner(pccx, home2);
	r = await login(page, ['login']);
	ok(r.rc === 0 && r.status === done,
	    'pccx login: a second session of the device', show(r) + r.status);
}

const { ctx, page } = await launch(profile, pidfile);
try {
	await main(page);
} catch (e) {
	ok(false, 'the logins went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
process.exit(failed ? 1 : 0);
