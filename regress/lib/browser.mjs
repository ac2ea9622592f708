// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Headless Chromium for the node checks: launch, OIDC and the login page.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

export const ALICE = { login: 'alice', password: 'wonderland' };

// The login code for a login key (x, base64url), worked out here from
// its definition: SHA-256 of "pccx-login-code" and the key, 40 bits in
// eight letters of ABCDEFGHJKLMNPQRSTUVWXYZ23456789, XXXX-XXXX.
export function loginCode(x) {
	const abc = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
	const h = createHash('sha256').update('pccx-login-code')
	    .update(Buffer.from(x, 'base64url')).digest();
	let v = 0n, s = '';
	for (let i = 0; i < 5; i++)
		v = (v << 8n) | BigInt(h[i]);
	for (let i = 7; i >= 0; i--) {
		s += abc[Number((v >> BigInt(5 * i)) & 31n)];
		if (i === 4)
			s += '-';
	}
	return s;
}

// childPids: the pids of this process's children (Chromium's).
export function childPids() {
	return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))
	    .filter((d) => {
		try {
			const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
			return Number(st.slice(st.lastIndexOf(')') + 2)
			    .split(' ')[1]) === process.pid;
		} catch {
			return false;
		}
	});
}

// launch: headless Chromium on profile, its pids written to pidfile;
// with webauthn, a virtual authenticator on its one page.  Resolves
// to { ctx, page }.
export async function launch(profile, pidfile, webauthn = true) {
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium', headless: true,
		// The OpenID provider's certificate is from the test CA.
		ignoreHTTPSErrors: true,
		args: ['--no-sandbox', '--disable-gpu',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync',
		    '--no-first-run'],
	});
	fs.writeFileSync(pidfile, childPids().map((p) => `${p}\n`).join(''));
	const page = ctx.pages()[0] ?? await ctx.newPage();
	if (webauthn) {
		const cdp = await ctx.newCDPSession(page);
		await cdp.send('WebAuthn.enable');
		await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
			protocol: 'ctap2', transport: 'usb',
			hasResidentKey: true, hasUserVerification: true,
			isUserVerified: true,
			automaticPresenceSimulation: true } });
	}
	return { ctx, page };
}

// oidcSteps: through the test provider's pages as acct, from where
// page is up to the first page under base.  Resolves to that address.
export async function oidcSteps(base, page, acct = ALICE) {
	for (let i = 0; i < 6 && !page.url().startsWith(base); i++) {
		if (await page.$('input[name=login]')) {
			await page.fill('input[name=login]', acct.login);
			await page.fill('input[name=password]', acct.password);
		}
		await Promise.all([page.waitForNavigation(),
		    page.evaluate(() => document.forms[0].submit())]);
	}
	return page.url();
}

// goto: page.goto, again a few times when Chromium drops the
// navigation because a network interface came or went (tests make
// namespaces and links while the browser runs).
export async function goto(page, url) {
	for (let i = 0; ; i++) {
		try {
			return await page.goto(url);
		} catch (e) {
			if (i === 4 ||
			    !String(e).includes('ERR_NETWORK_CHANGED'))
				throw e;
			await new Promise((res) => setTimeout(res, 200));
		}
	}
}

// oidc: open url, then oidcSteps.
export async function oidc(base, page, url, acct = ALICE) {
	await goto(page, url);
	return oidcSteps(base, page, acct);
}

// loginPage: on the suite's login page, enrol with code and the
// WireGuard key wg, or without a code sign in; waits (15 s at most)
// for the end.  Resolves to the page's status text.
export async function loginPage(page, code, wg) {
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

// browse: the browser's half of a pccx login from the address url:
// oidc as alice, then loginPage.
export async function browse(base, page, url, code, wg) {
	await oidc(base, page, url);
	return loginPage(page, code, wg);
}
