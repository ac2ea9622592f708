// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Helpers of the client tests: TAP, running pccx, the browser's half.

import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import * as jose from 'jose';
import { browse } from '../lib/browser.mjs';

export { ok, done } from '../lib/tap.mjs';
export { launch } from '../lib/browser.mjs';
export const outputs = [];

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

// pccx login or device register, with the browser half done here.
export async function login(px, base, page, args, reg) {
	let started = null;
	let status = 'not opened';
	const r = await px.run(['-s', base, ...args, '-n', '-t', '30'],
	    (o) => {
		const url = o.match(/^(https:\/\/\S+)$/m);
		const wg = o.match(/public key:\n(\S+)\n/);
		if (started === null && url && (!reg || wg))
			started = browse(base, page, url[1], reg, wg?.[1])
			    .then((s) => { status = s; })
			    .catch((e) => { status = String(e); });
	});
	if (started !== null)
		await started;
	const check = started !== null ?
	    await page.textContent('#check').catch(() => '') : '';
	return { ...r, status, check };
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
