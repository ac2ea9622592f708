// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// The browser half of pccx logins for the door tests, one per input line.
//
// node doors.mjs BASE PROFILE PIDFILE
//
// Starts headless Chromium with a virtual authenticator, kept for the
// whole run so that the key registered first signs the later logins.
// Each line of standard input is "URL [CODE WGKEY]": the address pccx
// printed, and for a registration the enrolment code and the device's
// WireGuard key.  The page is driven through the OpenID provider and the
// login page at BASE; one line goes out per input line: "done TEXT",
// TEXT what the page said at the end.

import fs from 'node:fs';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const [base, profile, pidfile] = process.argv.slice(2);

async function browse(page, url, code, wg) {
	await page.goto(url);
	for (let i = 0; i < 6 && !page.url().startsWith(base); i++) {
		if (await page.$('input[name=login]')) {
			await page.fill('input[name=login]', 'alice');
			await page.fill('input[name=password]', 'wonderland');
		}
		await Promise.all([page.waitForNavigation(),
		    page.evaluate(() => document.forms[0].submit())]);
	}
	if (code) {
		await page.waitForSelector('#register:not([hidden])');
		await page.fill('#code', code);
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

const ctx = await chromium.launchPersistentContext(profile, {
	executablePath: '/usr/bin/chromium', headless: true,
	// The OpenID provider's certificate is from the test CA.
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
console.log('ready');

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
	const [url, code, wg] = line.trim().split(/\s+/);
	let s;
	try {
		s = await browse(page, url, code, wg);
	} catch (e) {
		const body = await page.textContent('body')
		    .catch(() => '');
		s = `error ${String(e).split('\n')[0]} at ${page.url()}: ` +
		    String(body).replace(/\s+/g, ' ').slice(0, 200);
	}
	console.log(`done ${s}`);
}
await ctx.close().catch(() => {});
process.exit(0);
