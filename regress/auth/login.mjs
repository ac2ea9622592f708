// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// The whole login against a running suite: OIDC, WebAuthn, signed requests.
//
// node login.mjs PORT PROFILE_DIR PIDFILE TOKEN_SEED PCCXCTL SOCKET CODE
//
// Drives headless Chromium (playwright-core, a virtual authenticator)
// through the OIDC provider and the login page on http://localhost:PORT,
// fetches the token with requests signed by http-message-signatures,
// checks it with jose against the suite's token key (from the seed
// file TOKEN_SEED), then makes signed requests that must pass or be
// refused with an exact code.  The pids of Chromium go to PIDFILE.

import { createPrivateKey, createPublicKey, randomBytes }
    from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import * as jose from 'jose';
import { configure, loginKey, send, code, authed, browserLogin, login,
    launch } from './session.mjs';
import { ok, is, done } from '../lib/tap.mjs';

const [port, profile, pidfile, seedfile, pccxctl, sock, code0, logfile] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;

configure({ base, ok, is });
const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();

// The suite's token key, from the 32-byte seed the parent keeps.
function tokenKey() {
	const seed = fs.readFileSync(seedfile).subarray(0, 32);
	const der = Buffer.concat([
	    Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
	return createPublicKey(createPrivateKey({ key: der, format: 'der',
	    type: 'pkcs8' }));
}

// A registration with a code that was never issued is refused.
async function badEnrol(ctx) {
	const key = await loginKey();
	const r = await send({ method: 'POST', url: `${base}/v1/auth/login`,
	    headers: { 'content-type': 'application/json' },
	    body: JSON.stringify({ login_key: key.x }) });
	const page = ctx.page;
	await browserLogin(page, r.json.authorization_url);
	await page.waitForSelector('#register:not([hidden])');
	await page.fill('#code', 'A'.repeat(32));
	await page.fill('#wg', randomBytes(32).toString('base64'));
	await page.click('#enrol');
	await page.waitForSelector('body[data-state=error]',
	    { timeout: 15000 }).catch(() => {});
	is(await page.textContent('#status'), 'Refused: bad_enrolment_code',
	    'a made-up enrolment code is refused');
}

// The callback replayed while the first one's code exchange runs:
// whichever comes second is refused, and the other goes on to the
// login page (the login is not dropped under the first).
async function replayCallback(ctx) {
	const key = await loginKey();
	const r = await send({ method: 'POST', url: `${base}/v1/auth/login`,
	    headers: { 'content-type': 'application/json' },
	    body: JSON.stringify({ login_key: key.x }) });
	const page = ctx.page;
	let replay = null, first = null;
	const onreq = (q) => {
		if (replay === null && q.url().startsWith(
		    `${base}/v1/auth/callback`))
			replay = send({ method: 'GET', url: q.url(),
			    headers: {}, body: undefined });
	};
	const onres = (q) => {
		if (q.url().startsWith(`${base}/v1/auth/callback`))
			first = q.status();
	};
	page.on('request', onreq);
	page.on('response', onres);
	await browserLogin(page, r.json.authorization_url);
	page.off('request', onreq);
	page.off('response', onres);
	const rr = replay !== null ? await replay : null;
	const st = [first, rr?.status].sort().join();
	ok(st === '200,400', 'a callback and its replay at once: one ' +
	    'reaches the login page, the other is refused', st);
	ok(rr === null || rr.status !== 400 ||
	    ['state_reused', 'bad_state'].includes(code(rr)),
	    'the refusal names the state', rr && code(rr));
}

async function main(ctx) {
	const s1 = await login(ctx, code0);
	const key = s1.key;
	const { payload, protectedHeader } = await jose.jwtVerify(s1.token,
	    tokenKey(), { issuer: 'pccx-remote' });
	is(protectedHeader.alg, 'EdDSA', 'jose: the token verifies, EdDSA');
	is(payload.cnf?.jkt, key.keyid, 'jose: cnf is the login key');
	is(payload.sub, 'alice@example.com', 'jose: the token names the user');
	is(JSON.stringify(payload.roles), '{"core":"maintainer","lab":"viewer"}',
	    'jose: the roles claim');

	let m = await authed(key, s1, 'GET', '/v1/devices');
	let r = await send(m);
	ok(r.status === 200 && r.json.devices?.length === 1 &&
	    r.json.devices[0].current === true && r.json.devices[0].wg_key ===
	    s1.wg, 'GET /v1/devices, signed: this device', JSON.stringify(r));
	is(code(await send(m)), 'replayed', 'the same signature again');
	m = await authed(key, s1, 'POST', '/v1/auth/refresh', '{}', {},
	    { body: '{"x":1}' });
	is(code(await send(m)), 'digest_mismatch', 'body not its digest');
	m = await authed(key, s1, 'GET', '/v1/devices', '',
	    { created: new Date(Date.now() - 300000) });
	is(code(await send(m)), 'stale', 'created five minutes ago');
	m = await authed(key, s1, 'GET', '/v1/devices', '', {},
	    { drop: ['x-device-key'] });
	is(code(await send(m)), 'device_key_missing', 'no X-Device-Key');
	m = await authed(key, s1, 'GET', '/v1/devices', '', {},
	    { headers: { 'x-device-key':
	    randomBytes(32).toString('base64') } });
	is(code(await send(m)), 'device_key_mismatch',
	    'another device key');
	m = await authed(key, s1, 'GET',
	    '/v1/auth/check?project=lab&action=session.open');
	r = await send(m);
	ok(r.status === 403 && code(r) === 'forbidden',
	    'viewer in lab: session.open forbidden', JSON.stringify(r));
	m = await authed(key, s1, 'GET',
	    '/v1/auth/check?project=core&action=session.open');
	r = await send(m);
	ok(r.status === 200 && r.json.allowed === true,
	    'maintainer in core: session.open allowed', JSON.stringify(r));
	// Change one full character of the signature, never a no-op.
	const at = s1.token.length - 10;
	const forged = s1.token.slice(0, at) +
	    (s1.token[at] === 'A' ? 'B' : 'A') + s1.token.slice(at + 1);
	m = await authed(key, { ...s1, token: forged }, 'GET', '/v1/devices');
	is(code(await send(m)), 'bad_signature', 'a forged token');

	const many = await Promise.all(Array.from({ length: 16 },
	    async () => send(await authed(key, s1, 'GET', '/v1/devices'))));
	ok(many.every((x) => x.status === 200),
	    '16 signed requests at once, all answered',
	    many.map((x) => x.status).join(' '));

	const reqs = [];
	for (let i = 0; i < 100; i++)
		reqs.push(await authed(key, s1, 'GET', '/v1/devices'));
	let t = process.hrtime.bigint();
	for (const q of reqs)
		await send(q);
	t = Number(process.hrtime.bigint() - t) / 1e6;
	console.log(`# 100 signed GET /v1/devices one after another: ` +
	    `${(t / 100).toFixed(2)} ms each`);
	t = process.hrtime.bigint();
	for (let i = 0; i < 100; i++)
		await send({ method: 'GET', url: `${base}/v1/health`,
		    headers: {} });
	t = Number(process.hrtime.bigint() - t) / 1e6;
	console.log(`# 100 GET /v1/health for comparison: ` +
	    `${(t / 100).toFixed(2)} ms each`);

	m = await authed(key, s1, 'POST', '/v1/auth/refresh', '{}');
	r = await send(m);
	ok(r.status === 200 && typeof r.json.token === 'string',
	    'refresh: a new token', JSON.stringify(r.json));
	const old = s1.token;
	s1.token = r.json.token;
	m = await authed(key, { ...s1, token: old }, 'GET', '/v1/devices');
	is(code(await send(m)), 'superseded', 'the old token after refresh');

	let t0 = Date.now();
	ctl('revoke', 'session', payload.sid);
	r = await send(await authed(key, s1, 'GET', '/v1/devices'));
	let dt = Date.now() - t0;
	is(code(r), 'revoked', 'revoked session refused');
	// A figure, not a test: pccxctl's own start is in it.
	console.log(`# session revocation in effect after ${dt} ms`);

	const s2 = await login(ctx, null, s1.wg);
	is((await send(await authed(s2.key, s2, 'GET', '/v1/devices')))
	    .status, 200, 'second login with the registered key');
	r = await send(await authed(s2.key, s2, 'POST', '/v1/auth/logout',
	    '{}'));
	is(r.json.status, 'logged_out', 'logout');
	is(code(await send(await authed(s2.key, s2, 'GET', '/v1/devices'))),
	    'revoked', 'the token after logout');

	const s2b = await login(ctx, null, s1.wg);
	const p2 = jose.decodeJwt(s2b.token);
	t0 = Date.now();
	ctl('revoke', 'device', p2.dev);
	r = await send(await authed(s2b.key, s2b, 'GET', '/v1/devices'));
	dt = Date.now() - t0;
	is(code(r), 'revoked', 'token of a revoked device refused');
	// A figure, not a test: pccxctl's own start is in it.
	console.log(`# device revocation in effect after ${dt} ms`);

	const code2 = ctl('enrol', 'alice@example.com');
	const s3 = await login(ctx, code2);
	t0 = Date.now();
	ctl('revoke', 'user', 'alice@example.com');
	r = await send(await authed(s3.key, s3, 'GET', '/v1/devices'));
	dt = Date.now() - t0;
	is(code(r), 'revoked', 'token of a revoked user refused');
	// A figure, not a test: pccxctl's own start is in it.
	console.log(`# user revocation in effect after ${dt} ms`);

	const s4 = await login(ctx, ctl('enrol', 'alice@example.com'));
	const p4 = jose.decodeJwt(s4.token);
	r = await send(await authed(s4.key, s4, 'DELETE',
	    '/v1/devices/AAAAAAAAAAAAAAAAAAAAAA'));
	is(code(r), 'not_found', 'DELETE of a device not ours');
	r = await send(await authed(s4.key, s4, 'DELETE',
	    `/v1/devices/${p4.dev}`));
	is(r.json.status, 'revoked', 'DELETE of our own device');
	is(code(await send(await authed(s4.key, s4, 'GET', '/v1/devices'))),
	    'revoked', 'the token of the deleted device');

	await badEnrol(ctx);
	await replayCallback(ctx);

	let limited = null;
	for (let i = 0; i < 400 && limited === null; i++) {
		r = await send({ method: 'POST', url: `${base}/v1/auth/login`,
		    headers: { 'content-type': 'application/json' },
		    body: '{}' });
		if (r.status === 429)
			limited = r;
	}
	ok(limited !== null && code(limited) === 'rate_limited' &&
	    Number(limited.headers.get('retry-after')) >= 1,
	    'a flood of logins: 429 with Retry-After');

	const log = fs.readFileSync(logfile, 'utf8');
	ok(/audit: session.open lab by alice@example.com .*: deny forbidden/
	    .test(log), 'the refusal is audited with its code');
	ok(/audit: auth.login - by alice@example.com .*: ok/.test(log),
	    'the login is audited');
}

const ctx = await launch(profile, pidfile);
try {
	await main(ctx);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
done();
