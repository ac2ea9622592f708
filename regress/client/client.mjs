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

import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import * as jose from 'jose';
import { chromium } from 'playwright-core';

const [port, profile, pidfile, seedfile, pccxctl, sock, code0, pccx, home,
    dead] = process.argv.slice(2);
const base = `http://localhost:${port}`;
const cfg = `${home}/pccx`;
let n = 0, failed = 0;
const outputs = [];
// PCCX_VALGRIND=1 runs every pccx under valgrind (exit 99 on an error).
const vg = process.env.PCCX_VALGRIND === '1';

function ok(cond, name, diag) {
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
const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();

// Run pccx; onOut sees stdout as it grows.  Resolves on exit.
function run(args, onOut) {
	return new Promise((resolve) => {
		const p = spawn(vg ? 'valgrind' : pccx, vg ? ['-q',
		    '--leak-check=full', '--errors-for-leak-kinds=definite',
		    '--error-exitcode=99', pccx, ...args] : args,
		    { env: { PATH: '/usr/bin:/bin', XDG_CONFIG_HOME: home } });
		let out = '', err = '';
		p.stdout.on('data', (d) => {
			out += d;
			if (onOut)
				onOut(out);
		});
		p.stderr.on('data', (d) => { err += d; });
		p.on('close', (rc) => {
			outputs.push(out, err);
			resolve({ rc, out, err });
		});
	});
}
const show = (r) => `exit ${r.rc}\nstdout: ${r.out}\nstderr: ${r.err}`;

// OIDC at the provider, then the login page: register or sign in.
async function browser(page, url, reg, wg) {
	await page.goto(url);
	for (let i = 0; i < 6 && !page.url().startsWith(base); i++) {
		if (await page.$('input[name=login]')) {
			await page.fill('input[name=login]', 'alice');
			await page.fill('input[name=password]', 'wonderland');
		}
		await Promise.all([page.waitForNavigation(),
		    page.evaluate(() => document.forms[0].submit())]);
	}
	if (reg) {
		await page.waitForSelector('#register:not([hidden])');
		await page.fill('#code', reg);
		await page.fill('#wg', wg);
		await page.click('#enrol');
	} else {
		await page.waitForSelector('#login:not([hidden])');
		await page.click('#signin');
	}
	await page.waitForSelector('body[data-state=done], ' +
	    'body[data-state=error]', { timeout: 15000 }).catch(() => {});
	return page.textContent('#status');
}

// pccx login or device register, with the browser half done here.
async function login(page, args, reg) {
	let started = null;
	let status = 'not opened';
	const r = await run(['-s', base, ...args, '-n', '-t', '30'], (o) => {
		const url = o.match(/^(https:\/\/\S+)$/m);
		const wg = o.match(/public key:\n(\S+)\n/);
		if (started === null && url && (!reg || wg))
			started = browser(page, url[1], reg, wg?.[1])
			    .then((s) => { status = s; })
			    .catch((e) => { status = String(e); });
	});
	if (started !== null)
		await started;
	return { ...r, status };
}

const state = () => JSON.parse(fs.readFileSync(`${cfg}/state`, 'utf8'));
const mode = (f) => (fs.statSync(f).mode & 0o777).toString(8);
const conf = () => fs.readFileSync(`${cfg}/config`, 'utf8');

// A token like ours, signed with the suite's key, expired a while ago.
async function expired(token) {
	const seed = fs.readFileSync(seedfile).subarray(0, 32);
	const der = Buffer.concat([
	    Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
	const key = createPrivateKey({ key: der, format: 'der',
	    type: 'pkcs8' });
	const hdr = jose.decodeProtectedHeader(token);
	const now = Math.floor(Date.now() / 1000);
	return new jose.SignJWT({ ...jose.decodeJwt(token), iat: now - 7200,
	    exp: now - 3600 }).setProtectedHeader(hdr).sign(key);
}

async function main(page) {
	let r = await login(page, ['device', 'register'], code0);
	ok(r.rc === 0 && /^Signed in as alice@example.com on device \S+$/m
	    .test(r.out), 'device register: signed in', show(r));
	if (!ok(r.status === 'Signed in. You can close this page.',
	    'the page registered the key and signed in', r.status))
		throw new Error('no login: nothing more to test');
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
	    token: await expired(good.token) }), { mode: 0o600 });
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

const ctx = await chromium.launchPersistentContext(profile, {
	executablePath: '/usr/bin/chromium', headless: true,
	ignoreHTTPSErrors: true,
	args: ['--no-sandbox', '--disable-gpu',
	    '--disable-background-networking', '--disable-component-update',
	    '--disable-sync', '--no-first-run'],
});
const kids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))
    .filter((d) => {
	try {
		const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
		return Number(st.slice(st.lastIndexOf(')') + 2)
		    .split(' ')[1]) === process.pid;
	} catch {
		return false;
	}
});
fs.writeFileSync(pidfile, kids.map((p) => `${p}\n`).join(''));
const page = ctx.pages()[0] ?? await ctx.newPage();
const cdp = await ctx.newCDPSession(page);
await cdp.send('WebAuthn.enable');
await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
	protocol: 'ctap2', transport: 'usb', hasResidentKey: true,
	hasUserVerification: true, isUserVerified: true,
	automaticPresenceSimulation: true } });
try {
	await main(page);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
