// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// A login with a WireGuard key and a session open, for the S3 shipping test.
//
// node s3_rows.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET
//
// Prints TAP comments, then "session UUID" once the session is open;
// exits 0 when every step worked.

import { execFileSync } from 'node:child_process';
import { configure, send, code, authed, login, launch }
    from '../auth/session.mjs';

const [port, profile, pidfile, pccxctl, sock] = process.argv.slice(2);
const base = `http://localhost:${port}`;
let failed = 0;

// login() asserts its steps through these; they only report here.
function ok(cond, name, diag) {
	console.log(`# ${cond ? 'ok' : 'FAILED'}: ${name}`);
	if (!cond) {
		failed++;
		if (diag !== undefined)
			console.log(`#   ${diag}`);
	}
	return cond;
}
const is = (got, want, name) => ok(got === want, name, `got ${got}`);
configure({ base, ok, is });

const ctx = await launch(profile, pidfile);
try {
	const code0 = execFileSync(pccxctl, ['-s', sock, 'enrol',
	    'alice@example.com'], { encoding: 'utf8' }).trim();
	const s = await login(ctx, code0, undefined,
	    { login: 'alice', password: 'wonderland' });
	const r = await send(await authed(s.key, s, 'POST',
	    '/v1/sessions?project=work',
	    JSON.stringify({ project: 'work', end: 'discard' })));
	if (ok(r.status === 201, 'a session opens', code(r)))
		console.log(`session ${r.json.id}`);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
process.exit(failed ? 1 : 0);
