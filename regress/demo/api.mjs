// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Signed /v1/sessions requests with the login that pccx keeps, for the demo.
//
// node api.mjs CONFIG_DIR open PROJECT END
// node api.mjs CONFIG_DIR exec PROJECT ID ARGV...
// node api.mjs CONFIG_DIR kill PROJECT ID END
// node api.mjs CONFIG_DIR upload PROJECT FILE
// node api.mjs CONFIG_DIR report PROJECT ID OUTFILE
//
// CONFIG_DIR is pccx's (-c): the server address and device come from
// its config (or, with the tunnel up, its tunnel file), the login key
// and token from its state file, the device key from wg.key.  Each
// request carries the token, the device key and an RFC 9421 signature
// made with the login key, as pccx signs them.
// open prints the session id; exec streams the command's output and
// exits with its status; kill prints the daemon's answer.  upload
// sends a .pccx trace and prints the verdict's lines as they come back
// (exit 0 on pass, 1 otherwise); report writes the HTML report of a
// stored trace to OUTFILE.

import { createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { configure, authed } from '../auth/session.mjs';

const [dir, cmd, project, ...rest] = process.argv.slice(2);
const conf = fs.readFileSync(`${dir}/config`, 'utf8');
let server = conf.match(/^server (\S+)$/m)?.[1];
// With the tunnel up (pccx up), requests go to the API address on it.
if (fs.existsSync(`${dir}/tunnel`)) {
	const t = JSON.parse(fs.readFileSync(`${dir}/tunnel`, 'utf8'));
	if (t.interface && t.api &&
	    fs.existsSync(`/sys/class/net/${t.interface}`))
		server = t.api;
}
const state = JSON.parse(fs.readFileSync(`${dir}/state`, 'utf8'));
const der = (prefix, raw) => Buffer.concat([Buffer.from(prefix, 'hex'),
    raw]);
const seed = Buffer.from(state.login_key, 'base64url');
const privateKey = createPrivateKey({ key: der(
    '302e020100300506032b657004220420', seed), format: 'der',
    type: 'pkcs8' });
const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
const { calculateJwkThumbprint } = await import('jose');
const key = { privateKey, keyid: await calculateJwkThumbprint(
    { kty: 'OKP', crv: 'Ed25519', x }) };
const wgpriv = Buffer.from(fs.readFileSync(`${dir}/wg.key`, 'utf8').trim(),
    'base64');
const wg = Buffer.from(createPublicKey(createPrivateKey({ key: der(
    '302e020100300506032b656e04220420', wgpriv), format: 'der',
    type: 'pkcs8' })).export({ format: 'jwk' }).x, 'base64url')
    .toString('base64');
const s = { token: state.token, wg };
const Q = `?project=${encodeURIComponent(project)}`;
configure({ base: server, ok: () => true, is: () => true });

async function request(method, path, body) {
	const m = await authed(key, s, method, path, body);
	return fetch(m.url, { method, headers: m.headers,
	    body: method === 'POST' ? body : undefined });
}

async function json(method, path, body = '') {
	const r = await request(method, path, body);
	const j = await r.json().catch(() => ({}));
	if (!r.ok) {
		console.error(`api: ${method} ${path}: ${r.status} ` +
		    JSON.stringify(j));
		process.exit(1);
	}
	return j;
}

// The NDJSON stream of an exec, written out as it arrives.
async function exec(id, argv) {
	const r = await request('POST', `/v1/sessions/${id}/exec${Q}`,
	    JSON.stringify({ argv, env: { LC_ALL: 'C' } }));
	if (!r.ok) {
		console.error(`api: exec: ${r.status} ${await r.text()}`);
		return 1;
	}
	const dec = new TextDecoder();
	let buf = '', end = null;
	for await (const chunk of r.body) {
		buf += dec.decode(chunk, { stream: true });
		let nl;
		while ((nl = buf.indexOf('\n')) >= 0) {
			const l = JSON.parse(buf.slice(0, nl));
			buf = buf.slice(nl + 1);
			if (l.stream === 'stdout' || l.stream === 'stderr')
				process[l.stream].write(Buffer.from(l.data,
				    'base64'));
			else if ('exit' in l)
				end = l;
		}
	}
	if (end === null) {
		console.error('api: exec: the stream ended without a status');
		return 1;
	}
	return end.signal ? 128 + end.signal : end.exit;
}

// One line for each NDJSON event of a verdict.
function verdictLine(l) {
	switch (l.event) {
	case 'progress':
		return `progress ${l.bytes ?? l.read ?? '?'} bytes read`;
	case 'step':
		return `step ${l.step} ${l.api ?? ''}: ${l.events} events, ` +
		    `${l.cycles} cycles`;
	case 'finding':
		return `finding ${l.code ?? ''} ${l.message ?? ''}`;
	case 'verdict':
		return `verdict ${l.result}: ${l.bytes} bytes, ${l.events} ` +
		    `events, ${l.cores} cores, ${l.cycles} cycles, ` +
		    `${l.steps} steps, ${l.findings} findings, checksum ` +
		    `${l.checksum}`;
	case 'stored':
		return `stored ${l.id}`;
	default:
		return JSON.stringify(l);
	}
}

// A signed POST /v1/traces; the verdict is printed as it streams.
async function upload(file) {
	const body = fs.readFileSync(file);
	const m = await authed(key, s, 'POST', `/v1/traces${Q}`, body);
	const url = new URL(m.url);
	const headers = { ...m.headers, 'content-type':
	    'application/octet-stream', 'content-length': body.length };
	return new Promise((resolve) => {
		let buf = '', pass = false, stored = false;
		const q = http.request({ host: url.hostname, port: url.port,
		    path: url.pathname + url.search, method: 'POST',
		    headers }, (res) => {
			if (res.statusCode !== 200)
				console.error(`api: upload: ${res.statusCode}`);
			res.setEncoding('utf8');
			res.on('data', (d) => {
				buf += d;
				let nl;
				while ((nl = buf.indexOf('\n')) >= 0) {
					const l = JSON.parse(buf.slice(0, nl));
					buf = buf.slice(nl + 1);
					console.log(verdictLine(l));
					if (l.event === 'verdict')
						pass = l.result === 'pass';
					if (l.event === 'stored')
						stored = true;
				}
			});
			res.on('end', () => resolve(pass && stored ? 0 : 1));
		});
		q.on('error', (e) => {
			console.error(`api: upload: ${e.message}`);
			resolve(1);
		});
		q.end(body);
	});
}

// A signed GET /v1/reports/ID for HTML, written whole or not at all.
async function report(id, out) {
	const m = await authed(key, s, 'GET', `/v1/reports/${id}${Q}`, '',
	    {}, { headers: { accept: 'text/html' } });
	const r = await fetch(m.url, { headers: m.headers });
	const text = await r.text();
	if (r.status !== 200 || !/^text\/html/.test(
	    r.headers.get('content-type') ?? '')) {
		console.error(`api: report: ${r.status} ${text.slice(0, 200)}`);
		return 1;
	}
	fs.writeFileSync(`${out}.tmp`, text);
	fs.renameSync(`${out}.tmp`, out);
	return 0;
}

if (cmd === 'open') {
	const j = await json('POST', `/v1/sessions${Q}`,
	    JSON.stringify({ project, end: rest[0] }));
	console.log(j.id);
} else if (cmd === 'exec') {
	process.exitCode = await exec(rest[0], rest.slice(1));
} else if (cmd === 'kill') {
	console.log(JSON.stringify(await json('DELETE',
	    `/v1/sessions/${rest[0]}${Q}&end=${rest[1]}`)));
} else if (cmd === 'upload') {
	process.exitCode = await upload(rest[0]);
} else if (cmd === 'report') {
	process.exitCode = await report(rest[0], rest[1]);
} else {
	console.error('usage: api.mjs DIR open|exec|kill|upload|report ' +
	    'PROJECT ...');
	process.exit(2);
}
