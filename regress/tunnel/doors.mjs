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

import readline from 'node:readline';
import { launch, browse } from '../lib/browser.mjs';

const [base, profile, pidfile] = process.argv.slice(2);

const { ctx, page } = await launch(profile, pidfile);
console.log('ready');

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
	const [url, code, wg] = line.trim().split(/\s+/);
	let s;
	try {
		s = await browse(base, page, url, code, wg);
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
