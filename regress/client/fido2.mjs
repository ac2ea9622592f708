// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// pccx --fido2 against a running suite, with a software security key.
//
// node fido2.mjs PORT PROFILE PIDFILE PCCX_SOFT CONFIG_HOME KEYDIR CODE
//
// PCCX_SOFT is pccx built with the soft key for "soft:FILE" devices.
// Headless Chromium (no authenticator of its own) only passes the OIDC
// provider and lands on the login page; the WebAuthn step is pccx's,
// through libfido2 and the soft key.  Then the key misbehaves (no UP,
// no UV, a counter going back) and the origin is wrong: each refused
// with the server's own error.  The pids of Chromium go to PIDFILE.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { launch, oidc } from '../lib/browser.mjs';
import { ok, done } from '../lib/tap.mjs';

const [port, profile, pidfile, pccx, home, keydir, code] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;
const key = `soft:${keydir}/key`;
// PCCX_VALGRIND=1 runs every pccx under valgrind (exit 99 on an error).
const vg = process.env.PCCX_VALGRIND === '1';

// Run pccx-soft with $PCCX_SOFTKEY = mode; onOut sees stdout; input,
// if any, is its standard input.
function run(args, mode, onOut, input) {
	return new Promise((resolve) => {
		const env = { PATH: '/usr/bin:/bin', XDG_CONFIG_HOME: home };
		if (mode)
			env.PCCX_SOFTKEY = mode;
		const p = spawn(vg ? 'valgrind' : pccx, vg ? ['-q',
		    '--leak-check=full', '--errors-for-leak-kinds=definite',
		    '--error-exitcode=99', pccx, ...args] : args, { env });
		let out = '', err = '';
		if (input !== undefined)
			p.stdin.end(input);
		p.stdout.on('data', (d) => {
			out += d;
			if (onOut)
				onOut(out);
		});
		p.stderr.on('data', (d) => { err += d; });
		p.on('close', (rc) => resolve({ rc, out, err }));
	});
}
const show = (r) => `exit ${r.rc}\nstdout: ${r.out}\nstderr: ${r.err}`;

// A pccx command whose printed address the browser follows; again
// while the server's login backoff, set off by the refusals, holds.
async function login(page, args, mode, server = base, input) {
	let r;

	for (let i = 0; i < 40; i++) {
		r = await login1(page, args, mode, server, input);
		if (!/refused: rate_limited/.test(r.err))
			break;
		await new Promise((res) => setTimeout(res, 1000));
	}
	return r;
}

async function login1(page, args, mode, server, input) {
	let started = null;
	let landed = '';
	const r = await run(['-s', server, ...args, '-n', '-t', '30'], mode,
	    (o) => {
		const url = o.match(/^(https:\/\/\S+)$/m);
		if (started === null && url)
			started = oidc(base, page, url[1])
			    .then((u) => { landed = u; })
			    .catch((e) => { landed = String(e); });
	}, input);
	if (started !== null)
		await started;
	return { ...r, landed };
}

const conf = () => fs.readFileSync(`${home}/pccx/config`, 'utf8');
const counter = () => Number(fs.readFileSync(`${keydir}/key`, 'utf8')
    .match(/^counter (\d+)$/m)?.[1]);

async function main(page) {
	let r = await run(['-s', base, 'device', 'register', '--fido2']);
	ok(r.rc === 2, 'register --fido2 without a code: exit 2', show(r));
	r = await run(['-s', base, 'device', 'register', code]);
	ok(r.rc === 2, 'a code without --fido2: exit 2', show(r));
	r = await run(['-s', base, 'login', '--device', key]);
	ok(r.rc === 2, '--device without --fido2: exit 2', show(r));

	r = await run(['-s', base, 'device', 'register', '--fido2', '-'],
	    undefined, undefined, '\n');
	ok(r.rc === 2 && /no enrolment code on standard input/.test(r.err),
	    'register --fido2 -, an empty line: exit 2', show(r));
	// The code from standard input, out of the process list.
	r = await login(page, ['device', 'register', '--fido2', '--device',
	    key, '-'], undefined, base, `${code}\n`);
	ok(r.rc === 0 && /^Security key registered$/m.test(r.out) &&
	    /^Signed in as alice@example.com on device \S+$/m.test(r.out),
	    'device register --fido2 -: key registered, signed in', show(r));
	ok(r.landed.startsWith(`${base}/v1/auth/callback`),
	    'the browser only passed OIDC', r.landed);
	ok(counter() === 2, 'the soft key signed twice', counter());
	const dev = conf().match(/^device (\S+)$/m)?.[1];
	r = await run(['devices']);
	ok(r.rc === 0 && dev !== undefined &&
	    new RegExp(`^${dev} +\\S+ .* yes$`, 'm').test(r.out),
	    'pccx devices accepts the token: this device, current', show(r));

	r = await login(page, ['login', '--fido2', '--device', key]);
	ok(r.rc === 0 && /^Touch your security key to sign in$/m
	    .test(r.out) && new RegExp(`on device ${dev}$`, 'm').test(r.out),
	    'login --fido2: signed in on the same device', show(r));
	r = await run(['status']);
	ok(r.rc === 0 && /^login +valid$/m.test(r.out), 'pccx status: valid',
	    show(r));

	r = await login(page, ['device', 'register', '--fido2', '--device',
	    key, code]);
	ok(r.rc === 1 && /register: refused: bad_enrolment_code/.test(r.err),
	    'the code is spent: bad_enrolment_code', show(r));

	for (const [mode, why] of [['noup', 'up_missing'],
	    ['nouv', 'uv_missing'], ['rewind', 'counter_regressed']]) {
		r = await login(page, ['login', '--fido2', '--device', key],
		    mode);
		ok(r.rc === 1 && new RegExp(`login: refused: ${why} `)
		    .test(r.err), `a key with ${mode}: refused, ${why}`,
		    show(r));
	}
	r = await login(page, ['login', '--fido2', '--device', key],
	    undefined, `http://127.0.0.1:${port}`);
	ok(r.rc === 1 && /login: refused: bad_origin /.test(r.err),
	    'an origin not allowed: refused, bad_origin', show(r));
	r = await login(page, ['login', '--fido2', '--device',
	    `soft:${keydir}/none`]);
	ok(r.rc === 1 && /security key: sign-in: FIDO_ERR_NO_CREDENTIALS/
	    .test(r.err), 'a key without the credential: refused', show(r));

	const c0 = counter();
	r = await login(page, ['login', '--fido2', '--device', key]);
	ok(r.rc === 0 && counter() > c0,
	    'the good key still signs in after the refusals', show(r));
	r = await run(['devices']);
	ok(r.rc === 0, 'and the suite takes its token', show(r));
}

const { ctx, page } = await launch(profile, pidfile, false);
fs.mkdirSync(keydir, { mode: 0o700 });
try {
	await main(page);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
done();
