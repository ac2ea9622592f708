// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// A token alone keeps no session alive; a removed user may not refresh.
//
// node idle.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET CONF
//
// The suite runs with tokens { idle 1m }.  Alice makes one signed
// request, then for 55 s sends her token and device key without the
// login's signature: each is refused, and none counts as a use, so a
// signed request 63 s after the first finds the session ended (idle).
// Carol, taken out of the file by a reload, may not refresh.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { configure, send, code, authed, login, launch }
    from './session.mjs';
import { ok, is, done } from '../lib/tap.mjs';

const [port, profile, pidfile, pccxctl, sock, conf] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;
configure({ base, ok, is });

const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(ms, 0)));
const ALICE = { login: 'alice', password: 'wonderland' };
const CAROL = { login: 'carol', password: 'carol-pw' };

// The token and the device key, without a request signature.
const bare = (s) => send({ method: 'GET', url: `${base}/v1/devices`,
    headers: { authorization: `Bearer ${s.token}`, 'x-device-key': s.wg } });
const devices = async (s) =>
    send(await authed(s.key, s, 'GET', '/v1/devices'));

async function main(ctx) {
	const a = await login(ctx, ctl('enrol', 'alice@example.com'),
	    undefined, ALICE);
	await ctx.clearCookies();
	const c = await login(ctx, ctl('enrol', 'carol@example.com'),
	    undefined, CAROL);

	let r = await devices(a);
	is(r.status, 200, 'alice: a signed request');
	const t0 = Date.now();

	const text = fs.readFileSync(conf, 'utf8');
	fs.writeFileSync(conf,
	    text.replace(/^user "carol@example\.com".*\n/m, ''));
	is(ctl('reload'), 'configuration reloaded',
	    'a reload takes carol out of the file');
	r = await send(await authed(c.key, c, 'POST', '/v1/auth/refresh',
	    '{}'));
	ok(r.status === 403 && code(r) === 'unknown_user',
	    'carol may not refresh: 403 unknown_user', code(r));

	for (const at of [20, 40, 55]) {
		await sleep(t0 + at * 1000 - Date.now());
		r = await bare(a);
		ok(r.status === 401 && code(r) === 'no_signature',
		    `${at} s on, her token alone: 401 no_signature`, code(r));
	}
	await sleep(t0 + 63000 - Date.now());
	r = await devices(a);
	ok(r.status === 401 && code(r) === 'idle',
	    '63 s after her last signed request the session has ended ' +
	    '(401 idle)', code(r));
}

const ctx = await launch(profile, pidfile);
try {
	await main(ctx);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
done();
