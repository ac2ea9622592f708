// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Helpers of the client tests: TAP, running pccx, the browser's half.

import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import * as jose from 'jose';
import { chromium } from 'playwright-core';

let n = 0, failed = 0;
export const outputs = [];

export function ok(cond, name, diag) {
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

export function done() {
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}

export const show = (r) =>
    `exit ${r.rc}\nstdout: ${r.out}\nstderr: ${r.err}`;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A pccx runner for config home; start() gives the child process too.
export function runner(pccx, home) {
	const env = { PATH: '/usr/bin:/bin', XDG_CONFIG_HOME: home };
	// PCCX_VALGRIND=1: every pccx under valgrind (exit 99 on an error).
	const vg = process.env.PCCX_VALGRIND === '1';
	function start(args, onOut) {
		const p = spawn(vg ? 'valgrind' : pccx, vg ? ['-q',
		    '--leak-check=full', '--errors-for-leak-kinds=definite',
		    '--error-exitcode=99', pccx, ...args] : args, { env });
		const r = { p, out: '', err: '', t0: Date.now(), times: [] };
		r.done = new Promise((resolve) => {
			p.stdout.on('data', (d) => {
				r.out += d;
				r.times.push([Date.now() - r.t0, String(d)]);
				if (onOut)
					onOut(r.out);
			});
			p.stderr.on('data', (d) => { r.err += d; });
			p.on('close', (rc, sig) => {
				r.rc = rc;
				r.sig = sig;
				r.ms = Date.now() - r.t0;
				outputs.push(r.out, r.err);
				resolve(r);
			});
		});
		return r;
	}
	return { env, start, run: (args, onOut) => start(args, onOut).done };
}

// OIDC at the provider, then the login page: register or sign in.
async function browser(base, page, url, reg, wg) {
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
export async function login(px, base, page, args, reg) {
	let started = null;
	let status = 'not opened';
	const r = await px.run(['-s', base, ...args, '-n', '-t', '30'],
	    (o) => {
		const url = o.match(/^(https:\/\/\S+)$/m);
		const wg = o.match(/public key:\n(\S+)\n/);
		if (started === null && url && (!reg || wg))
			started = browser(base, page, url[1], reg, wg?.[1])
			    .then((s) => { status = s; })
			    .catch((e) => { status = String(e); });
	});
	if (started !== null)
		await started;
	return { ...r, status };
}

// A token like this one, signed with the suite's key, long expired.
export async function expired(seedfile, token) {
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

// Chromium with a virtual authenticator; its pids go to pidfile.
export async function launch(profile, pidfile) {
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium', headless: true,
		ignoreHTTPSErrors: true,
		args: ['--no-sandbox', '--disable-gpu',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync',
		    '--no-first-run'],
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
	return { ctx, page };
}
