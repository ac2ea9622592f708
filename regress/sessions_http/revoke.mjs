// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Revoking a device or a login ends exactly the sandbox sessions it opened.
//
// node revoke.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET STATE_DIR
//
// alice logs in on two devices (two enrolments), and again on the
// second; each login opens a session of project "work".

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import * as jose from 'jose';
import { configure, send, code, authed, login, launch, loginKey, signed,
    browserLogin } from '../auth/session.mjs';
import { ok, is, done } from '../lib/tap.mjs';

const [port, profile, pidfile, pccxctl, sock, state] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;

const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
configure({ base, ok, is });

const ALICE = { login: 'alice', password: 'wonderland' };
const Q = '?project=work';
const req = async (s, method, path, body = '') =>
    send(await authed(s.key, s, method, path, body));

async function open(s) {
	const r = await req(s, 'POST', `/v1/sessions${Q}`,
	    JSON.stringify({ project: 'work', end: 'discard' }));
	return r.status === 201 ? r.json.id : `status ${r.status} ${code(r)}`;
}

// The sessions of alice still there, as the holder of s sees them.
async function live(s) {
	const r = await req(s, 'GET', `/v1/sessions${Q}`);
	return r.status === 200 ? r.json.sessions.map((x) => x.id) : null;
}

// Wait until id is gone from the list; the milliseconds it took.
async function gone(s, id) {
	const t0 = performance.now();
	for (let i = 0; i < 100; i++) {
		const l = await live(s);
		if (l !== null && !l.includes(id))
			return performance.now() - t0;
		await sleep(20);
	}
	return -1;
}

// A login that registers a second device for a user who has one: the
// page offers only the sign-in then, so its registration form is shown
// by hand (the server takes any valid enrolment code).
async function loginNewDevice(ctx, reg) {
	const key = await loginKey();
	const r = await send({ method: 'POST', url: `${base}/v1/auth/login`,
	    headers: { 'content-type': 'application/json' },
	    body: JSON.stringify({ login_key: key.x }) });
	const tok = () => signed(key, 'POST', '/v1/auth/token',
	    JSON.stringify({ login_id: r.json.login_id }));
	const page = ctx.page;
	if (!await browserLogin(page, r.json.authorization_url, ALICE))
		return null;
	await page.waitForSelector('#login:not([hidden]), ' +
	    '#register:not([hidden])');
	await page.evaluate(() => {
		document.getElementById('login').hidden = true;
		document.getElementById('register').hidden = false;
	});
	const wg = randomBytes(32).toString('base64');
	await page.fill('#code', reg);
	await page.fill('#wg', wg);
	await page.click('#enrol');
	await page.waitForSelector('body[data-state=done], ' +
	    'body[data-state=error]', { timeout: 15000 }).catch(() => {});
	const t = await send(await tok());
	return t.status === 200 ? { key, token: t.json.token, wg } : null;
}

// The audit rows of the store, oldest first.
function rows() {
	return JSON.parse(execFileSync(pccxctl, ['-j', 'audit', 'tail', '-n',
	    '100000', '-d', state], { encoding: 'utf8' }));
}

// Each device is a browser with an authenticator of its own, so that
// a sign-in on one cannot pick the other's credential.
async function main(ctx, ctxb) {
	const a = await login(ctx, ctl('enrol', 'alice@example.com'),
	    undefined, ALICE);
	const b = await loginNewDevice(ctxb,
	    ctl('enrol', 'alice@example.com'));
	ok(b !== null, 'a second device registered and signed in');
	await ctxb.clearCookies();
	const b2 = await login(ctxb, null, b.wg, ALICE);
	const pa = jose.decodeJwt(a.token), pb = jose.decodeJwt(b.token);
	const pb2 = jose.decodeJwt(b2.token);
	ok(pa.dev !== pb.dev && pb.dev === pb2.dev && pb.sid !== pb2.sid,
	    'two devices; the second with two logins',
	    `${pa.dev} ${pb.dev} ${pb2.dev} ${pb.sid} ${pb2.sid}`);

	const sa = await open(a), sb = await open(b), sb2 = await open(b2);
	ok([sa, sb, sb2].every((x) => /^[0-9a-f-]{36}$/.test(x)),
	    'each login opens a session', `${sa} ${sb} ${sb2}`);
	let l = await live(b2);
	ok(l !== null && [sa, sb, sb2].every((x) => l.includes(x)),
	    'all three are listed', JSON.stringify(l));

	// Each open was on record before it happened.
	const rs = rows();
	const at = (act, out, obj) => rs.findIndex((r) => r.action === act &&
	    r.outcome === out && r.object === obj);
	ok([sa, sb, sb2].every((x) => at('session.open', 'allow', x) !== -1 &&
	    at('session.open', 'allow', x) < at('session.open', 'ok', x)),
	    'each open: an allow row, then the ok row');
	const ra = rs[at('session.open', 'allow', sa)];
	ok(ra?.device === pa.dev && ra?.daemon === 'session' &&
	    JSON.parse(ra.detail).login === pa.sid,
	    'the row names the device and login it came under',
	    JSON.stringify(ra));

	ctl('revoke', 'device', pa.dev);
	let ms = await gone(b2, sa);
	ok(ms >= 0, 'revoking the first device ends its session');
	console.log(`# device revocation: session gone from the list ` +
	    `after ${ms.toFixed(0)} ms once pccxctl returned`);
	l = await live(b2);
	ok(l !== null && l.includes(sb) && l.includes(sb2),
	    'the other device\'s sessions live on', JSON.stringify(l));
	is(code(await req(a, 'GET', `/v1/sessions${Q}`)), 'revoked',
	    'the revoked device\'s token is refused');

	ctl('revoke', 'session', pb.sid);
	ms = await gone(b2, sb);
	ok(ms >= 0, 'revoking a login ends the session it opened');
	console.log(`# login revocation: session gone from the list ` +
	    `after ${ms.toFixed(0)} ms once pccxctl returned`);
	l = await live(b2);
	ok(l !== null && l.length === 1 && l[0] === sb2,
	    'the same device\'s other login keeps its session',
	    JSON.stringify(l));

	// An end's row is sent as the session leaves the list: wait for
	// it to commit.
	const revoked = (e, id) => e.some((r) => r.object === id &&
	    JSON.parse(r.detail).reason === 'revoked');
	let ends = [];
	for (let i = 0; i < 50; i++) {
		ends = rows().filter((r) => r.action === 'session.end');
		if (revoked(ends, sa) && revoked(ends, sb))
			break;
		await sleep(20);
	}
	ok(revoked(ends, sa) && revoked(ends, sb) &&
	    !ends.some((r) => r.object === sb2),
	    'the ends are recorded as revocations, and only those',
	    JSON.stringify(ends));
	// An exec's standard input comes with the request.
	const out = (t) => t.split('\n').filter((l) => l !== '')
	    .map((l) => JSON.parse(l));
	const x = await (async () => {
		const body = JSON.stringify({ argv: ['sh', '-c', 'wc -c; cat'],
		    stdin: 'through the body\n' });
		const m = await authed(b2.key, b2, 'POST',
		    `/v1/sessions/${sb2}/exec${Q}`, body);
		const res = await fetch(m.url, { method: 'POST',
		    headers: m.headers, body });
		return out(await res.text());
	})();
	const stdout = Buffer.concat(x.filter((l) => l.stream === 'stdout')
	    .map((l) => Buffer.from(l.data, 'base64'))).toString();
	ok(/^\s*17\n$/.test(stdout) && x[x.length - 1]?.exit === 0,
	    'exec: stdin from the request body reaches the command',
	    JSON.stringify(x));
	const big = await req(b2, 'POST', `/v1/sessions/${sb2}/exec${Q}`,
	    JSON.stringify({ argv: ['true'], stdin: 'x'.repeat(40000) }));
	is(code(big), 'bad_body', 'a stdin over 32 KiB: 400 bad_body');
	const r = await req(b2, 'DELETE',
	    `/v1/sessions/${sb2}${Q}&end=discard`);
	is(r.status, 200, 'the last session is killed by its owner');
}

const ctx = await launch(profile, pidfile);
const first = fs.readFileSync(pidfile, 'utf8');
let ctxb = null;
try {
	ctxb = await launch(`${profile}-b`, `${pidfile}.b`);
	fs.writeFileSync(pidfile, first + fs.readFileSync(`${pidfile}.b`,
	    'utf8'));
	await main(ctx, ctxb);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
await ctxb?.close().catch(() => {});
done();
