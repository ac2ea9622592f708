// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// The pccx client against a running suite, with Chromium as the browser.
//
// node client.mjs PORT PROFILE PIDFILE TOKEN_SEED PCCXCTL SOCKET CODE PCCX
//     CONFIG_HOME DEAD_PORT
//
// Runs build/pccx as a user would: device register, then the address it
// prints is opened in headless Chromium (playwright-core, a virtual
// authenticator), which passes the OIDC provider and the login page
// while pccx polls for its token.  Then the commands that need the
// token, and the ways the server or the laptop refuse them, each with
// the exit code pccx(1) documents.  The pids of Chromium go to PIDFILE.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import * as jose from 'jose';
import { ok, done, show, runner, outputs, login as pccxLogin, expired,
    launch } from './lib.mjs';

const [port, profile, pidfile, seedfile, pccxctl, sock, code0, pccx, home,
    dead] = process.argv.slice(2);
const base = `http://localhost:${port}`;
const cfg = `${home}/pccx`;
const px = runner(pccx, home);
const run = px.run;

const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();

// pccx login or device register, with the browser half done here.
const login = (page, args, reg) => pccxLogin(px, base, page, args, reg);

const state = () => JSON.parse(fs.readFileSync(`${cfg}/state`, 'utf8'));
const mode = (f) => (fs.statSync(f).mode & 0o777).toString(8);
const conf = () => fs.readFileSync(`${cfg}/config`, 'utf8');

async function main(page) {
	let r = await login(page, ['device', 'register'], code0);
	ok(r.rc === 0 && /^Signed in as alice@example.com on device \S+$/m
	    .test(r.out), 'device register: signed in', show(r));
	if (!ok(r.status === 'Signed in. You can close this page.',
	    'the page registered the key and signed in', r.status))
		throw new Error('no login: nothing more to test');
	const lc = r.out.match(/^The page must show the login code (\S+)\.$/m);
	ok(lc !== null && r.check.startsWith(`Login code ${lc[1]}:`),
	    'pccx prints the login code the page shows', `${r.check}\n` +
	    show(r));
	ok(mode(`${cfg}/state`) === '600' && mode(`${cfg}/wg.key`) === '600',
	    'state and WireGuard key are mode 0600',
	    `${mode(`${cfg}/state`)} ${mode(`${cfg}/wg.key`)}`);
	const dev = conf().match(/^device (\S+)$/m)?.[1];
	const claims = jose.decodeJwt(state().token);
	ok(dev !== undefined && claims.dev === dev &&
	    claims.cnf?.jkt !== undefined, 'config names the token\'s device',
	    conf());

	r = await run(['devices']);
	ok(r.rc === 0 && new RegExp(`^${dev} +laptop .* yes$`, 'm')
	    .test(r.out), 'pccx devices: this device, current', show(r));
	r = await run(['status']);
	ok(r.rc === 0 && /^user +alice@example.com$/m.test(r.out) &&
	    /^login +valid$/m.test(r.out), 'pccx status: valid', show(r));
	const t0 = state().token;
	r = await run(['refresh']);
	ok(r.rc === 0 && state().token !== t0, 'pccx refresh: a new token',
	    show(r));
	r = await run(['devices', 'delete', 'AAAAAAAAAAAAAAAAAAAAAA']);
	ok(r.rc === 1 && /refused: not_found/.test(r.err),
	    'delete of a device not ours: exit 1, not_found', show(r));
	r = await run(['devices', 'delete', '../x']);
	ok(r.rc === 2, 'a device id that is not one: exit 2', show(r));
	r = await run(['frobnicate']);
	ok(r.rc === 2 && /^usage:/.test(r.err), 'unknown command: exit 2',
	    show(r));

	r = await run(['-s', `http://localhost:${dead}`, 'devices']);
	ok(r.rc === 3 && /localhost/.test(r.err),
	    'server unreachable: exit 3', show(r));

	fs.chmodSync(`${cfg}/state`, 0o644);
	r = await run(['devices']);
	ok(r.rc === 4 && /state: refused: .*mode 0600/.test(r.err),
	    'state file mode 0644: refused, exit 4', show(r));
	fs.chmodSync(`${cfg}/state`, 0o600);

	const good = state();
	fs.writeFileSync(`${cfg}/state`, JSON.stringify({ ...good,
	    token: await expired(seedfile, good.token) }), { mode: 0o600 });
	r = await run(['devices']);
	ok(r.rc === 4 && /refused: expired/.test(r.err),
	    'an expired token: exit 4, expired', show(r));
	fs.writeFileSync(`${cfg}/state`, JSON.stringify(good));

	ctl('revoke', 'session', jose.decodeJwt(good.token).sid);
	r = await run(['devices']);
	ok(r.rc === 4 && /refused: revoked/.test(r.err),
	    'revoked session: exit 4, revoked', show(r));

	r = await run(['login', '-n', '-t', '2']);
	ok(r.rc === 4 && /no answer from the browser in 2 s/.test(r.err),
	    'a login nobody completes: exit 4 after the timeout', show(r));

	r = await login(page, ['login']);
	ok(r.rc === 0 && r.status === 'Signed in. You can close this page.',
	    'pccx login with the registered device', show(r));
	r = await run(['devices']);
	ok(r.rc === 0, 'pccx devices after the new login', show(r));
	r = await run(['logout']);
	ok(r.rc === 0 && !fs.existsSync(`${cfg}/state`),
	    'pccx logout: the state is gone', show(r));
	r = await run(['devices']);
	ok(r.rc === 4 && /not logged in/.test(r.err),
	    'after logout: not logged in, exit 4', show(r));
	r = await run(['logout']);
	ok(r.rc === 0 && r.out === 'Not logged in\n' && r.err === '',
	    'logout again: says so once, exit 0', show(r));

	r = await login(page, ['login']);
	ok(r.rc === 0, 'login again', show(r));
	const tok = state().token;
	ctl('revoke', 'device', dev);
	r = await run(['devices']);
	ok(r.rc === 4 && /refused: (revoked|device_revoked)/.test(r.err),
	    'revoked device: exit 4', show(r));

	const all = outputs.join('\n');
	ok(!all.includes(tok) && !all.includes(good.token) &&
	    !all.includes(good.login_key) && !all.includes(code0),
	    'no token, login key or enrolment code in any output');
	const wgpriv = fs.readFileSync(`${cfg}/wg.key`, 'utf8').trim();
	ok(!all.includes(wgpriv), 'the WireGuard private key never shown');
}

const { ctx, page } = await launch(profile, pidfile);
try {
	await main(page);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
done();
