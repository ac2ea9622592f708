// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// A client's login and signed requests against a running suite, for tests.
//
// configure({ base, ok, is }) first: base is http://localhost:PORT, ok
// and is the caller's TAP helpers (login() asserts its steps).  launch()
// starts headless Chromium with a virtual authenticator and writes its
// pids; login() runs OIDC, WebAuthn and the token fetch for an account
// of the test provider, registering a device when given an enrolment
// code.

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { httpbis, createSigner } from 'http-message-signatures';
import { ALICE, launch as browserLaunch, oidc, loginPage, loginCode }
    from '../lib/browser.mjs';

let base, ok, is;

export function configure(o) {
	({ base, ok, is } = o);
}

// A per-login key, as a client makes one.
export async function loginKey() {
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const jwk = publicKey.export({ format: 'jwk' });
	return { privateKey, x: jwk.x,
	    keyid: await jose.calculateJwkThumbprint(jwk) };
}

export const digest = (b) =>
    `sha-256=:${createHash('sha256').update(b).digest('base64')}:`;

// A request signed over @method, @target-uri and content-digest.
export async function signed(key, method, path, body = '', extra = {},
    over = {}) {
	const url = `${base}${path}`;
	const msg = { method, url, headers: {
	    'content-type': 'application/json',
	    'content-digest': digest(body), ...(over.headers ?? {}) } };
	const s = await httpbis.signMessage({
		key: createSigner(key.privateKey, 'ed25519', key.keyid),
		name: 'sig1', fields: ['@method', '@target-uri',
		    'content-digest'],
		params: ['created', 'nonce', 'keyid'],
		paramValues: { nonce: randomBytes(18).toString('base64url'),
		    ...extra },
	}, msg);
	return { method, url, headers: s.headers,
	    body: over.body ?? body };
}

export async function send(m) {
	const r = await fetch(m.url, { method: m.method, headers: m.headers,
	    body: m.method === 'GET' || m.method === 'DELETE' ? undefined :
	    m.body });
	let j = {};
	try {
		j = await r.json();
	} catch {}
	return { status: r.status, json: j, headers: r.headers };
}

export const code = (r) => r.json?.error?.code ?? `status ${r.status}`;

// An authenticated request: token, device key, signature.
export async function authed(key, s, method, path, body = '', extra = {},
    over = {}) {
	const h = { authorization: `Bearer ${s.token}`,
	    'x-device-key': s.wg, ...(over.headers ?? {}) };
	for (const k of over.drop ?? [])
		delete h[k];
	return signed(key, method, path, body, extra,
	    { ...over, headers: h });
}

// OIDC at the provider in the browser, then the page at the callback.
export async function browserLogin(page, url, acct = ALICE) {
	return (await oidc(base, page, url, acct))
	    .startsWith(`${base}/v1/auth/callback`);
}

export async function login(ctx, reg, wgkey, acct = ALICE) {
	const key = await loginKey();
	const r = await send({ method: 'POST', url: `${base}/v1/auth/login`,
	    headers: { 'content-type': 'application/json' },
	    body: JSON.stringify({ login_key: key.x }) });
	ok(r.status === 200 && /^https:/.test(r.json.authorization_url),
	    'login started: authorization URL', JSON.stringify(r.json));
	const lid = r.json.login_id;
	const tok = () => signed(key, 'POST', '/v1/auth/token',
	    JSON.stringify({ login_id: lid }));
	is((await send(await tok())).status, 202,
	    'token before the ceremony: 202 pending');

	// The virtual authenticator belongs to this one page.
	const page = ctx.page;
	const log = [];
	const onlog = (msg) => log.push(`console: ${msg.text()}`);
	const onerr = (e) => log.push(`page error: ${e.message}`);
	let csp = '';
	const onres = (res) => {
		if (res.url().startsWith(`${base}/v1/auth/callback`))
			csp = res.headers()['content-security-policy'] ?? '';
	};
	page.on('console', onlog);
	page.on('pageerror', onerr);
	page.on('response', onres);
	ok(await browserLogin(page, r.json.authorization_url, acct),
	    'OIDC: back at the callback', page.url());
	ok(/default-src 'none'; script-src 'nonce-/.test(csp),
	    'login page under a strict Content-Security-Policy', csp);
	const check = await page.textContent('#check');
	ok(check.startsWith(`Login code ${loginCode(key.x)}:`),
	    'the page shows the login code of this login\'s key', check);
	const wg = wgkey ?? randomBytes(32).toString('base64');
	const done = is(await loginPage(page, reg, wg),
	    'Signed in. You can close this page.', 'WebAuthn step accepted');
	if (!done)
		log.forEach((l) => console.log(`# ${l}`));
	page.off('console', onlog);
	page.off('pageerror', onerr);
	page.off('response', onres);

	const t = await send(await tok());
	ok(t.status === 200 && typeof t.json.token === 'string',
	    'signed token fetch: the token', JSON.stringify(t.json));
	is(code(await send(await tok())), 'unknown_login',
	    'the token is handed out once');
	return { key, token: t.json.token, wg };
}

// Headless Chromium with a virtual authenticator on its one page.
export async function launch(profile, pidfile) {
	const { ctx, page } = await browserLaunch(profile, pidfile);
	ctx.page = page;
	return ctx;
}
