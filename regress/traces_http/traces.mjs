// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// /v1/traces and /v1/reports against a running suite.
//
// node traces.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET STATE TRACE LOG
//
// alice owns project "work", carol is its maintainer, dave its viewer;
// uploads are capped at 700K.  STATE is the suite's state directory,
// TRACE the real trace, LOG the suite's log.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { configure, send, code, authed, login, launch }
    from '../auth/session.mjs';
import { ok, is, done } from '../lib/tap.mjs';

const [port, profile, pidfile, pccxctl, sock, state, tracefile, logfile] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;
const store = `${state}/session/traces/work`;

const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stored = () => (fs.existsSync(store) ? fs.readdirSync(store) : [])
    .sort().join(' ');
configure({ base, ok, is });

const USERS = {
	alice: { login: 'alice', password: 'wonderland' },
	carol: { login: 'carol', password: 'carol-pw' },
	dave: { login: 'dave', password: 'dave-pw' },
};
const Q = '?project=work';
const trace = fs.readFileSync(tracefile);

const req = async (u, method, path, body = '', over = {}) =>
    send(await authed(u.s.key, u.s, method, path, body, {}, over));

// A signed upload whose body goes out in parts, delay ms apart; the
// verdict is read as it comes.  sendBody replaces the signed body;
// stopAt (a part number) makes the client go away there.
async function upload(u, path, body, o = {}) {
	const parts = o.parts ?? 20, delay = o.delay ?? 60;
	const out = o.sendBody ?? body;
	const m = await authed(u.s.key, u.s, 'POST', path, body);
	const url = new URL(m.url);
	const headers = { ...m.headers,
	    'content-type': 'application/octet-stream' };
	if (o.chunked)
		headers['transfer-encoding'] = 'chunked';
	else
		headers['content-length'] = out.length;
	if (o.expect)
		headers.expect = '100-continue';
	const r = { status: 0, text: '', early: false, lines: [],
	    headers: {}, done: false };
	return new Promise((resolve) => {
		let fin = false;
		const finish = () => {
			if (fin)
				return;
			fin = true;
			for (const l of r.text.split('\n').filter((x) => x))
				try {
					r.lines.push(JSON.parse(l));
				} catch {
					r.lines.push({ bad: l });
				}
			r.last = r.lines[r.lines.length - 1] ?? {};
			resolve(r);
		};
		const q = http.request({ host: url.hostname, port: url.port,
		    path: url.pathname + url.search, method: 'POST', headers });
		q.on('response', (res) => {
			r.status = res.statusCode;
			r.headers = res.headers;
			res.on('data', (d) => {
				r.text += d;
				if (!r.done &&
				    /"event":"progress"/.test(r.text))
					r.early = true;
			});
			res.on('end', finish);
			res.on('error', finish);
			res.on('close', finish);
		});
		/* a refusal may close before the client has sent all */
		q.on('error', () => setTimeout(finish, 300));
		(async () => {
			if (o.expect)
				r.continued = await new Promise((w) => {
					q.once('continue', () => w(true));
					q.once('response', () => w(false));
				});
			const step = Math.ceil(out.length / parts);
			for (let i = 0; i < parts; i++) {
				if (o.stopAt === i) {
					await sleep(300);
					q.destroy();
					finish();
					return;
				}
				const ok = q.write(out.subarray(i * step,
				    (i + 1) * step));
				if (!ok)
					await new Promise((w) =>
					    q.once('drain', w));
				await sleep(delay);
			}
			r.done = true;
			q.end();
		})();
	});
}

// An upload that only asks whether it may send its body, unsigned.
function unsignedExpect() {
	return new Promise((resolve) => {
		const q = http.request({ host: 'localhost', port,
		    path: `/v1/traces${Q}`, method: 'POST',
		    headers: { 'content-length': 10,
		    expect: '100-continue' } });
		let cont = false;
		q.on('continue', () => {
			cont = true;
			q.end('0123456789');
		});
		q.on('response', (res) => {
			res.resume();
			res.on('end', () => resolve({ status: res.statusCode,
			    cont }));
		});
		q.on('error', () => resolve({ status: 0, cont }));
	});
}

const verdictOf = (r) => r.lines.find((l) => l.event === 'verdict') ?? {};

// The directory goes back to what it was (temporary files included).
async function settles(before) {
	for (let i = 0; i < 50 && stored() !== before; i++)
		await sleep(100);
	return stored() === before;
}

async function report(u, id, accept) {
	const m = await authed(u.s.key, u.s, 'GET',
	    `/v1/reports/${id}${Q}`, '', {},
	    { headers: accept ? { accept } : {} });
	const res = await fetch(m.url, { headers: m.headers });
	let body = null;
	try {
		body = await res.text();
	} catch {}
	return { status: res.status, type: res.headers.get('content-type'),
	    csp: res.headers.get('content-security-policy'), body };
}

// The HTML report in Chromium, under the CSP the suite sent with it.
async function render(ctx, html, csp) {
	const page = await ctx.newPage();
	const errors = [];
	page.on('console', (msg) => {
		if (msg.type() === 'error')
			errors.push(msg.text());
	});
	page.on('pageerror', (e) => errors.push(e.message));
	const url = `${base}/report-view`;
	await page.route(url, (r) => r.fulfill({ status: 200, headers: {
	    'content-type': 'text/html; charset=utf-8',
	    'content-security-policy': csp }, body: html }));
	await page.goto(url);
	const rows = await page.evaluate(() =>
	    document.querySelectorAll('svg g.core-row').length);
	const svg = await page.evaluate(() =>
	    document.querySelectorAll('svg').length);
	await page.close();
	return { rows, svg, errors };
}

function auditRows() {
	try {
		return JSON.parse(ctl('-j', 'audit', 'tail', '-n', '400', '-d',
		    state));
	} catch (e) {
		console.log(`# audit tail: ${e.message}`);
		return [];
	}
}

// A row that pred matches is in the audit log, within two seconds.
async function audited(pred) {
	for (let i = 0; i < 20; i++) {
		if (auditRows().some(pred))
			return true;
		await sleep(100);
	}
	return false;
}

async function main(ctx) {
	for (const [name, u] of Object.entries(USERS)) {
		await ctx.clearCookies();
		u.s = await login(ctx, ctl('enrol', `${name}@example.com`),
		    undefined, u);
		ok(typeof u.s.token === 'string', `${name} logged in`);
	}
	const { alice, carol, dave } = USERS;

	// The maintainer's upload, sent slowly: the verdict streams back.
	const t0 = performance.now();
	let up = await upload(carol, `/v1/traces${Q}`, trace);
	const ms = performance.now() - t0;
	console.log(`# upload of ${trace.length} bytes in 20 parts: ` +
	    `${ms.toFixed(0)} ms`);
	ok(up.status === 200 && up.headers['content-type'] ===
	    'application/x-ndjson' && up.headers['transfer-encoding'] ===
	    'chunked', 'upload: 200, NDJSON, chunked',
	    `${up.status} ${JSON.stringify(up.headers)}`);
	ok(up.early, 'a progress line came before the upload ended',
	    up.text.slice(0, 400));
	const v = verdictOf(up);
	ok(v.result === 'pass' && v.events === 16008 && v.cores === 32 &&
	    v.cycles === 5423940, 'the verdict: pass, 16008 events, ' +
	    '32 cores, 5423940 cycles', JSON.stringify(v));
	const id = up.headers['x-trace-id'];
	ok(up.last.event === 'stored' && up.last.id === id &&
	    up.last.bytes === trace.length, 'the last line: stored',
	    JSON.stringify(up.last));
	const steps = up.lines.filter((l) => l.event === 'step');
	is(steps.length, 8, 'eight steps in the verdict');

	let r = await req(dave, 'GET', `/v1/traces${Q}`);
	ok(r.status === 200 && r.json.traces.length === 1 &&
	    r.json.traces[0].id === id && r.json.traces[0].reports.length ===
	    3, 'the viewer lists the trace with three reports',
	    JSON.stringify(r.json));
	r = await req(dave, 'GET', '/v1/traces');
	ok(r.status === 200 && r.json.traces.length === 1 &&
	    r.json.traces[0].id === id && r.json.traces[0].project === 'work',
	    'without a project: the traces of every project one may read',
	    JSON.stringify(r.json));
	r = await req(dave, 'GET', `/v1/traces/${id}${Q}`);
	ok(r.status === 200 && r.json.id === id && r.json.project === 'work',
	    'the viewer reads its metadata', JSON.stringify(r.json));
	r = await req(dave, 'GET', `/v1/traces/not-a-uuid${Q}`);
	ok(r.status === 400 && code(r) === 'bad_id', 'an id that is not a ' +
	    'uuid: 400 bad_id', code(r));
	r = await req(dave, 'GET',
	    `/v1/traces/01234567-89ab-4def-8123-456789abcdef${Q}`);
	is(r.status, 404, 'an unknown trace: 404');

	// Reports by Accept.
	const html = await report(dave, id, 'text/html');
	ok(html.status === 200 && /^text\/html/.test(html.type) &&
	    /<svg/.test(html.body) && (html.body.match(
	    /<g class="core-row"/g) ?? []).length === 32,
	    'HTML report: an svg with 32 core rows',
	    `${html.status} ${html.type} ${html.body.slice(0, 200)}`);
	const md = await report(dave, id, 'text/markdown');
	ok(md.status === 200 && /^text\/markdown/.test(md.type) &&
	    /^#/m.test(md.body) && /\|.*\|/.test(md.body),
	    'Markdown report: headings and tables',
	    `${md.status} ${md.type} ${md.body.slice(0, 200)}`);
	const js = await report(dave, id, 'application/json');
	let j = null;
	try {
		j = JSON.parse(js.body);
	} catch {}
	ok(js.status === 200 && j !== null && JSON.stringify(j)
	    .includes('5423940'), 'JSON report: parses, with the cycles',
	    `${js.status} ${js.body.slice(0, 200)}`);
	r = await report(dave, id, 'text/markdown;q=0.5, text/html;q=0.9');
	ok(/^text\/html/.test(r.type), 'Accept with q values picks HTML',
	    r.type);
	r = await report(dave, id, 'image/png');
	is(r.status, 406, 'Accept: image/png is 406');
	r = await report(dave, id, 'text/html;q=2');
	is(r.status, 400, 'a malformed Accept is 400');
	const view = await render(ctx, html.body, html.csp);
	ok(view.svg >= 1 && view.rows === 32, 'Chromium renders the HTML ' +
	    'report: 32 core rows in its SVG', JSON.stringify(view));
	is(view.errors.length, 0, 'no console errors in Chromium');

	// The stored trace opens with age and the project's key.
	const plain = execFileSync('age', ['-d', '-i',
	    `${state}/session/keys/work.key`, `${store}/${id}.pccx.age`]);
	ok(Buffer.compare(plain, trace) === 0,
	    'age -d with the project key gives the uploaded bytes back');

	// Refusals, and nothing stored by any of them.
	let before = stored();
	up = await upload(dave, `/v1/traces${Q}`, trace, { parts: 2,
	    delay: 10 });
	is(up.status, 403, 'a viewer may not upload (403)');
	ok(await audited((a) => a.action === 'trace.upload' &&
	    a.outcome === 'deny' && a.actor === 'dave@example.com'),
	    'the refusal is audited');
	const big = Buffer.concat([trace, Buffer.alloc(200000)]);
	up = await upload(carol, `/v1/traces${Q}`, big, { parts: 4,
	    delay: 10 });
	is(up.status, 413, 'an upload over the cap: 413');
	ok(await settles(before), 'and nothing is stored', stored());
	up = await upload(carol, `/v1/traces${Q}`, big, { parts: 8,
	    delay: 30, chunked: true });
	ok(!up.lines.some((l) => l.event === 'stored'),
	    'a chunked upload that grows past the cap is cut off',
	    up.text.slice(-200));
	ok(await settles(before), 'and nothing is stored', stored());

	const bad = Buffer.from(trace);
	bad[bad.length - 10] ^= 0xff;
	up = await upload(carol, `/v1/traces${Q}`, trace, { sendBody: bad });
	ok(up.last.event === 'error' && /Content-Digest/.test(up.last.reason),
	    'a body that does not match its digest: the client is told',
	    JSON.stringify(up.last));
	ok(await settles(before), 'and nothing is stored', stored());

	up = await upload(carol, `/v1/traces${Q}`, trace, { stopAt: 10,
	    delay: 50 });
	ok(!up.lines.some((l) => l.event === 'stored'),
	    'a client that goes away halfway: no stored line');
	ok(await settles(before), 'and nothing is stored', stored());
	await sleep(300);
	ok(/not stored: the client went away/.test(fs.readFileSync(logfile,
	    'utf8')), 'the log says why');

	// Golden diff: a reference from the steps passes, a changed one not.
	const rows = steps.map((s) => JSON.stringify({ step: s.step,
	    mac: s.mac, dma_read: s.dma_read, dma_write: s.dma_write,
	    barrier: s.barrier })).join('\n') + '\n';
	r = await req(dave, 'PUT', '/v1/projects/work/references/golden',
	    rows);
	is(r.status, 403, 'a viewer may not put a reference (403)');
	r = await req(carol, 'PUT', '/v1/projects/work/references/golden',
	    rows);
	ok(r.status === 201 && r.json.reference === 'golden',
	    'the maintainer puts a reference: 201', JSON.stringify(r.json));
	r = await req(carol, 'PUT', '/v1/projects/work/references/broken',
	    '{"step": "x"\n');
	is(r.status, 400, 'a malformed reference: 400');
	const t1 = performance.now();
	up = await upload(carol, `/v1/traces${Q}&reference=golden`, trace,
	    { parts: 1, delay: 0 });
	console.log(`# upload of ${trace.length} bytes in one write, ` +
	    `verdict and golden diff to the last line: ` +
	    `${(performance.now() - t1).toFixed(0)} ms`);
	ok(verdictOf(up).golden === 'pass' && up.last.event === 'stored',
	    'an upload against the reference: golden diff passes',
	    JSON.stringify(verdictOf(up)));
	const id2 = up.headers['x-trace-id'];
	const changed = rows.replace(/"mac":3200/, '"mac":1000');
	r = await req(carol, 'PUT', '/v1/projects/work/references/changed',
	    changed);
	is(r.status, 201, 'a changed reference is stored');
	up = await upload(carol, `/v1/traces${Q}&reference=changed`, trace,
	    { parts: 4, delay: 10 });
	ok(verdictOf(up).golden === 'fail' && up.lines.some((l) =>
	    l.event === 'step' && l.golden === 'fail'),
	    'against the changed reference the golden diff fails',
	    JSON.stringify(verdictOf(up)));
	const id3 = up.headers['x-trace-id'];
	up = await upload(carol, `/v1/traces${Q}&reference=nosuch`, trace,
	    { parts: 2, delay: 10 });
	is(up.status, 400, 'an unknown reference: 400');

	// A stored report that fails to decrypt is cut short, not passed
	// off as whole.
	const mdfile = `${store}/${id2}.md.age`;
	const enc = fs.readFileSync(mdfile);
	enc[enc.length - 20] ^= 0x01;
	fs.writeFileSync(mdfile, enc);
	r = await report(dave, id2, 'text/markdown');
	ok(r.body === null, 'a report that fails to decrypt: the body is ' +
	    'cut off', `${r.status} ${String(r.body).slice(0, 100)}`);

	// Deletes: the owner only.
	r = await req(carol, 'DELETE', `/v1/traces/${id}${Q}`);
	is(r.status, 403, 'a maintainer may not delete (403)');
	ok(fs.existsSync(`${store}/${id}.pccx.age`),
	    'the trace is still there');
	r = await req(alice, 'DELETE', `/v1/traces/${id}${Q}`);
	ok(r.status === 200 && r.json.deleted === true,
	    'the owner deletes it', JSON.stringify(r.json));
	ok(!stored().includes(id), 'its files are gone', stored());
	r = await req(alice, 'GET', `/v1/reports/${id}${Q}`);
	is(r.status, 404, 'its report is gone');
	for (const x of [id2, id3])
		await req(alice, 'DELETE', `/v1/traces/${x}${Q}`);
	is(stored(), '', 'the store is empty again');
	const rowsA = auditRows();
	ok(['trace.upload', 'trace.store', 'trace.delete', 'trace.deleted',
	    'reference.write', 'reference.stored'].every((a) =>
	    rowsA.some((x) => x.action === a && x.daemon === 'session')),
	    'the session daemon recorded every step',
	    JSON.stringify(rowsA.map((x) => `${x.daemon}:${x.action}`)));
	ok(rowsA.some((x) => x.action === 'trace.store' && x.outcome ===
	    'ok' && /"verdict":"pass"/.test(x.detail)) && rowsA.some((x) =>
	    x.action === 'trace.store' && x.outcome === 'fail' &&
	    /Content-Digest/.test(x.detail)),
	    'the stored verdict and the digest refusal are recorded');
	// Expect: 100-continue: the body is asked for once the gate let
	// the request through, and never from a request it refuses.
	const ue = await unsignedExpect();
	ok(ue.status === 401 && !ue.cont, 'an unsigned upload that expects ' +
	    '100-continue: 401, its body never asked for',
	    JSON.stringify(ue));
	up = await upload(carol, `/v1/traces${Q}`, trace, { expect: true,
	    parts: 1, delay: 0 });
	ok(up.continued === true && up.last.event === 'stored',
	    'a signed one: 100 Continue, then the verdict and stored',
	    JSON.stringify({ continued: up.continued, last: up.last }));
	ok(/^front\s+\d+/m.test(ctl('status')), 'the front end still runs');
}

const ctx = await launch(profile, pidfile);
try {
	await main(ctx);
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
await ctx.close().catch(() => {});
done();
