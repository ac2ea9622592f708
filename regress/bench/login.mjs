// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Real logins for the benchmark: OIDC and WebAuthn in Chromium, N times.
//
// node login.mjs PORT PROFILE_DIR PIDFILE CODE COUNT OUTFILE
//
// The first login registers a hardware key (Chromium's virtual
// authenticator) and a device with the enrolment code CODE; the others
// sign in with that key.  Each login makes its own Ed25519 login key,
// fetches its token with a signed request and writes one line to
// OUTFILE: "TOKEN SEED KEYID WGKEY", SEED the base64url private seed.
// The pids of Chromium go to PIDFILE.

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import * as jose from 'jose';
import { httpbis, createSigner } from 'http-message-signatures';
import { goto, launch, oidcSteps } from '../lib/browser.mjs';

const [port, profile, pidfile, enrol, count, outfile] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;

async function post(path, body, headers = {}) {
	const r = await fetch(`${base}${path}`, { method: 'POST', body,
	    headers: { 'content-type': 'application/json', ...headers } });
	return { status: r.status, json: await r.json().catch(() => ({})) };
}

// POST /v1/auth/token for login lid, signed with the login key.
async function fetchToken(key, lid) {
	const body = JSON.stringify({ login_id: lid });
	const msg = { method: 'POST', url: `${base}/v1/auth/token`, headers: {
	    'content-type': 'application/json', 'content-digest':
	    `sha-256=:${createHash('sha256').update(body).digest('base64')}:`
	} };
	const s = await httpbis.signMessage({
		key: createSigner(key.privateKey, 'ed25519', key.keyid),
		name: 'sig1', fields: ['@method', '@target-uri',
		    'content-digest'],
		params: ['created', 'nonce', 'keyid'],
		paramValues: { nonce: randomBytes(18).toString('base64url') },
	}, msg);
	const r = await fetch(msg.url, { method: 'POST', headers: s.headers,
	    body });
	return { status: r.status, json: await r.json().catch(() => ({})) };
}


async function login(page, code, wg) {
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const pub = publicKey.export({ format: 'jwk' });
	const key = { privateKey, keyid: await jose.calculateJwkThumbprint(pub),
	    seed: privateKey.export({ format: 'jwk' }).d };
	const r = await post('/v1/auth/login', JSON.stringify({
	    login_key: pub.x }));
	if (r.status !== 200)
		throw new Error(`login: ${r.status} ${JSON.stringify(r.json)}`);

	await goto(page, r.json.authorization_url);
	await oidcSteps(base, page);
	const where = async () => `at ${page.url()}: ` +
	    (await page.textContent('body').catch(() => '')).slice(0, 300);
	if (code !== null) {
		await page.waitForSelector('#register:not([hidden])', {
		    timeout: 10000 }).catch(async () => {
			throw new Error(`no registration form ${await where()}`);
		});
		await page.fill('#code', code);
		await page.fill('#wg', wg);
		await page.click('#enrol');
	} else {
		await page.waitForSelector('#login:not([hidden])', {
		    timeout: 10000 }).catch(async () => {
			throw new Error(`no sign-in form ${await where()}`);
		});
		await page.click('#signin');
	}
	await page.waitForSelector('body[data-state=done], ' +
	    'body[data-state=error]', { timeout: 15000 });
	const t = await fetchToken(key, r.json.login_id);
	if (t.status !== 200 || typeof t.json.token !== 'string')
		throw new Error(`token: ${t.status} ${JSON.stringify(t.json)}`);
	return `${t.json.token} ${key.seed} ${key.keyid} ${wg}\n`;
}

const { ctx, page } = await launch(profile, pidfile);
let rc = 0;
try {
	const wg = randomBytes(32).toString('base64');
	const t0 = Date.now();
	let out = '';
	for (let i = 0; i < Number(count); i++)
		out += await login(page, i === 0 ? enrol : null, wg);
	fs.writeFileSync(outfile, out, { mode: 0o600 });
	console.log(`${count} logins in ${((Date.now() - t0) / 1000)
	    .toFixed(1)} s`);
} catch (e) {
	console.error(e.stack ?? e);
	rc = 1;
}
await ctx.close().catch(() => {});
process.exit(rc);
