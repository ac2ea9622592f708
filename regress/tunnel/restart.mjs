// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Two logins with build/pccx and Chromium, for the restart regress.
//
// node restart.mjs PORT PROFILE PIDFILE CODE PCCX HOME1 HOME2
//
// device register in HOME1 (XDG_CONFIG_HOME), then the same
// configuration copied to HOME2 and a pccx login there: two sessions
// of one device.  Prints TAP lines (no plan: restart.t counts them).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const [port, profile, pidfile, code0, pccx, home1, home2] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;
let home = home1, n = 0, failed = 0;
const outputs = [];
const vg = false;

function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
	if (!cond) {
		failed++;
		if (diag !== undefined)
			for (const l of String(diag).split('\n'))
				console.log(`#   ${l}`);
	}
	return cond;
}

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

async function main(page) {
	const done = 'Signed in. You can close this page.';
	let r = await login(page, ['device', 'register'], code0);
	if (!ok(r.rc === 0 && r.status === done,
	    'device register: the first session', show(r) + r.status))
		return;
	fs.cpSync(home1, home2, { recursive: true });
	home = home2;
	r = await login(page, ['login']);
	ok(r.rc === 0 && r.status === done,
	    'pccx login: a second session of the device', show(r) + r.status);
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
	ok(false, 'the logins went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
process.exit(failed ? 1 : 0);
