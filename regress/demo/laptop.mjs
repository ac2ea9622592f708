// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// The laptop's browser for the demo: pccx login or device register.
//
// node laptop.mjs WORKSTATION_IP KEYFILE PIDFILE PROFILE -- PCCX ARGS...
//
// Runs PCCX ARGS (pccx ... login -n, or device register -n) and, once
// it prints the authorization address, opens it in headless Chromium:
// the OpenID provider's form (account alice), then the workstation's
// login page, where a virtual authenticator stands in for the security
// key.  The enrolment code for device register is read from the
// environment (PCCX_DEMO_CODE), never from the command line.  The
// authenticator's credentials are loaded from KEYFILE and saved back to
// it (mode 0600), so that the key registered in one run signs in the
// next, as a hardware key would.  The browser resolves "localhost" to
// WORKSTATION_IP: WebAuthn wants a secure origin, and localhost is one.
// pccx's output is passed through; the exit status is pccx's.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { childPids, goto } from '../lib/browser.mjs';

const sep = process.argv.indexOf('--');
const [ws, keyfile, pidfile, profile] = process.argv.slice(2, sep);
const [pccx, ...args] = process.argv.slice(sep + 1);
const code = process.env.PCCX_DEMO_CODE ?? '';
delete process.env.PCCX_DEMO_CODE;

function say(s) {
	process.stdout.write(`  browser: ${s}\n`);
}

async function browse(page, url, wg) {
	say(`opens ${url.replace(/\?.*/, '?...')}`);
	await goto(page, url);
	for (let i = 0; i < 6 && !page.url().startsWith('http://localhost');
	    i++) {
		if (await page.$('input[name=login]')) {
			say('signs in at the OpenID provider as alice');
			await page.fill('input[name=login]', 'alice');
			await page.fill('input[name=password]', 'wonderland');
		}
		await Promise.all([page.waitForNavigation(),
		    page.evaluate(() => document.forms[0].submit())]);
	}
	say(`back at the workstation: ${page.url().replace(/\?.*/, '')}`);
	if (wg) {
		await page.waitForSelector('#register:not([hidden])');
		say('enters the enrolment code and the WireGuard public key, ' +
		    'registers the security key');
		await page.fill('#code', code);
		await page.fill('#wg', wg);
		await page.click('#enrol');
	} else {
		await page.waitForSelector('#login:not([hidden])');
		say('signs in with the security key');
		await page.click('#signin');
	}
	await page.waitForSelector('body[data-state=done], ' +
	    'body[data-state=error]', { timeout: 20000 });
	say(`the page says: ${await page.textContent('#status')}`);
}

function run(page) {
	return new Promise((resolve) => {
		const p = spawn(pccx, args, { stdio: ['ignore', 'pipe',
		    'inherit'] });
		const reg = args.includes('register');
		let out = '', started = null, failed = null;
		p.stdout.on('data', (d) => {
			out += d;
			process.stdout.write(d);
			const url = out.match(/^(https:\/\/\S+)$/m);
			const wg = out.match(/public key:\n(\S+)\n/);
			if (started === null && url && (!reg || wg))
				started = browse(page, url[1], wg?.[1])
				    .catch((e) => {
					failed = e;
					p.kill('SIGTERM');
				    });
		});
		p.on('close', async (rc) => {
			if (started !== null)
				await started;
			if (failed)
				console.error(`laptop: browser: ${failed}`);
			resolve(failed ? 1 : rc ?? 1);
		});
	});
}

const ctx = await chromium.launchPersistentContext(profile, {
	executablePath: '/usr/bin/chromium', headless: true,
	args: ['--no-sandbox', '--disable-gpu',
	    '--disable-background-networking', '--disable-component-update',
	    '--disable-sync', '--no-first-run',
	    `--host-resolver-rules=MAP localhost ${ws}`],
	ignoreHTTPSErrors: true,
});
fs.appendFileSync(pidfile, childPids().map((p) => `${p}\n`).join(''));
let rc = 1;
try {
	const page = ctx.pages()[0] ?? await ctx.newPage();
	const cdp = await ctx.newCDPSession(page);
	await cdp.send('WebAuthn.enable');
	const { authenticatorId: id } = await cdp.send(
	    'WebAuthn.addVirtualAuthenticator', { options: {
		protocol: 'ctap2', transport: 'usb', hasResidentKey: true,
		hasUserVerification: true, isUserVerified: true,
		automaticPresenceSimulation: true } });
	if (fs.existsSync(keyfile))
		for (const c of JSON.parse(fs.readFileSync(keyfile, 'utf8')))
			await cdp.send('WebAuthn.addCredential',
			    { authenticatorId: id, credential: c });
	rc = await run(page);
	const { credentials } = await cdp.send('WebAuthn.getCredentials',
	    { authenticatorId: id });
	fs.writeFileSync(keyfile, JSON.stringify(credentials),
	    { mode: 0o600 });
} catch (e) {
	console.error(`laptop: ${e.stack ?? e}`);
}
await ctx.close().catch(() => {});
process.exit(rc);
