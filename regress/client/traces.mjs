// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// pccx trace, report and reference against a stand-in for the routes.
//
// node traces.mjs PCCX TMPDIR TRACE
//
// A local HTTP server plays the workstation's trace routes the way
// they are specified: the verdict streams back as NDJSON while the
// upload is still coming in.  It checks what pccx sends (length,
// digest, signature fields, Accept) and records when each part came,
// so that the test can say the two directions overlapped.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { ok, done, show, runner, outputs } from './lib.mjs';

const [pccx, tmp, trace] = process.argv.slice(2);
const home = `${tmp}/home`;
const cfg = `${home}/pccx`;
const ID = '0b1d2c3e-0000-4000-8000-000000000001';
const log = [];
const stalled = [];

const b64url = (b) => Buffer.from(b).toString('base64url');
function fakeLogin(port) {
	fs.mkdirSync(cfg, { recursive: true, mode: 0o700 });
	const claims = { sub: 'alice@example.com', dev: 'DEV', exp: 2e9,
	    roles: { core: 'owner', lab: 'viewer' } };
	const token = `${b64url('{"alg":"EdDSA"}')}.` +
	    `${b64url(JSON.stringify(claims))}.${b64url('sig')}`;
	fs.writeFileSync(`${cfg}/state`, JSON.stringify({
	    login_key: b64url(randomBytes(32)), token }), { mode: 0o600 });
	fs.writeFileSync(`${cfg}/wg.key`,
	    `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
	fs.writeFileSync(`${cfg}/config`,
	    `server http://127.0.0.1:${port}\ndevice DEV\n`);
	return token;
}

const line = (o) => `${JSON.stringify(o)}\n`;
const err = (res, st, code) => {
	res.writeHead(st, { 'content-type': 'application/json' });
	res.end(JSON.stringify({ error: { code, message: code } }));
};

/*
 * After the first piece, read no more of the upload until FLOOD bytes
 * of answer have been taken by the client: more than the sockets can
 * hold, so a client that sends before it reads never gets here.
 */
const FLOOD = 16 << 20;
function flood(req, res) {
	const pad = line({ event: 'progress', bytes: 0, total: 1,
	    events: 0, pad: 'x'.repeat(400) });
	let n = 0;
	req.pause();
	const more = () => {
		while (n < FLOOD) {
			n += pad.length;
			if (!res.write(pad))
				return res.once('drain', more);
		}
		req.resume();
	};
	more();
}

// POST /v1/traces: a progress line per chunk while it comes in.
function upload(req, res, q) {
	const hash = createHash('sha256');
	const want = Number(req.headers['content-length']);
	let got = 0, sentFirst = null, lastChunk = null;
	res.writeHead(200, { 'content-type': 'application/x-ndjson' });
	req.on('data', (d) => {
		hash.update(d);
		got += d.length;
		lastChunk = Date.now();
		if (sentFirst === null) {
			sentFirst = Date.now();
			flood(req, res);
		}
		res.write(line({ event: 'progress', bytes: got, total: want,
		    events: got >> 4 }));
	});
	req.on('end', () => {
		const digest = `sha-256=:${hash.digest('base64')}:`;
		const u = { project: q.get('project'), ref: q.get('reference'),
		    length: want, got, digest,
		    claimed: req.headers['content-digest'],
		    signed: /content-digest/.test(
		    req.headers['signature-input'] ?? ''),
		    overlap: sentFirst !== null && sentFirst < lastChunk,
		    expect: req.headers.expect ?? null };
		log.push(u);
		const pass = u.claimed === digest && q.get('reference') !==
		    'strict';
		res.write(line({ event: 'finding', severity: 'warning',
		    code: 'late', offset: 12, message: 'late event' }));
		res.write(line({ event: 'step', step: 1, present: true,
		    api: 'uca_init', events: 1, cycles: 820,
		    golden: pass ? 'pass' : 'fail', diff: { mac: {
		    expected: 4, actual: pass ? 4 : 9, allowed: 1,
		    pass } } }));
		res.write(line({ event: 'verdict', result: pass ? 'pass' :
		    'fail', bytes: got, events: 16008, steps: 8,
		    checksum: 'match', findings: 1, errors: 0,
		    golden: pass ? 'pass' : 'fail' }));
		res.end(line({ event: 'stored', id: ID, bytes: got }));
	});
}

function route(req, res) {
	const u = new URL(req.url, 'http://x');
	const q = u.searchParams;
	const p = q.get('project');
	if (!req.headers.authorization || !req.headers.signature)
		return err(res, 401, 'unsigned');
	if (req.method === 'POST' && u.pathname === '/v1/traces' &&
	    p === 'stall') {
		stalled.push(req);
		return req.pause();	/* never read, never answered */
	}
	if (req.method === 'POST' && u.pathname === '/v1/traces')
		return p === 'core' ? upload(req, res, q) :
		    err(res, 403, 'forbidden');
	if (req.method === 'GET' && u.pathname === '/v1/traces') {
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(JSON.stringify({ traces: p === null ||
		    p === 'core' ? [{ id: ID, project: 'core',
		    stored_bytes: 637587, reports: ['json', 'html',
		    'markdown'] }] : [] }));
	}
	if (u.pathname === `/v1/traces/${ID}` && req.method === 'GET') {
		if (p !== 'core')
			return err(res, 404, 'no_trace');
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(JSON.stringify({ id: ID, project: p,
		    stored_bytes: 5, reports: ['json'] }));
	}
	if (u.pathname === `/v1/traces/${ID}` && req.method === 'DELETE') {
		if (p !== 'core')
			return err(res, 404, 'no_trace');
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(JSON.stringify({ id: ID, project: p,
		    deleted: true }));
	}
	if (u.pathname === `/v1/reports/${ID}` && req.method === 'GET') {
		if (p !== 'core')
			return err(res, 404, 'no_trace');
		const a = req.headers.accept;
		res.writeHead(200, { 'content-type': a });
		return res.end(a === 'text/html' ? '<html>report</html>\n' :
		    a === 'application/json' ? '{"report":1}\n' : '# report\n');
	}
	if (req.method === 'PUT' &&
	    u.pathname === '/v1/projects/core/references/golden') {
		let n = 0;
		req.on('data', (d) => { n += d.length; });
		req.on('end', () => {
			log.push({ ref: n, length:
			    Number(req.headers['content-length']) });
			res.writeHead(201, { 'content-type':
			    'application/json' });
			res.end('{"name":"golden"}');
		});
		return;
	}
	return err(res, 404, 'not_found');
}

const srv = http.createServer(route);
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const port = srv.address().port;
const token = fakeLogin(port);
const { run, start } = runner(pccx, home);

// A file big enough to be sent in many pieces.
const big = `${tmp}/big.pccx`;
fs.writeFileSync(big, Buffer.concat([fs.readFileSync(trace),
    randomBytes(8 << 20)]));
let r = await run(['trace', 'upload', '--project', 'core', big]);
let u = log.pop() ?? {};
ok(r.rc === 0 && /^verdict pass: /m.test(r.out) &&
    new RegExp(`^stored ${ID}$`, 'm').test(r.out) &&
    /^finding warning late at 12: late event$/m.test(r.out),
    'trace upload: verdict pass, stored, exit 0', show(r));
ok(u.length === fs.statSync(big).size && u.got === u.length &&
    u.claimed === u.digest && u.signed && u.expect === null,
    'the file went whole, with its length and a signed digest',
    JSON.stringify(u));
ok(u.overlap === true, 'the verdict streamed while the file was sent',
    JSON.stringify(u));
ok(/progress 100% \(\d+ of \d+ bytes\)/.test(r.err),
    'off a terminal: progress as plain lines', show(r));

// On a terminal (script(1) makes one): a bar on stderr, wiped at the end.
const ts = `${tmp}/typescript`;
await new Promise((resolve) => spawn('script', ['-qfec',
    `${pccx} -c ${cfg} trace upload --project core ${big}`, ts],
    { env: { PATH: '/usr/bin:/bin', TERM: 'xterm' }, stdio: 'ignore' })
    .on('close', resolve));
const tty = fs.readFileSync(ts, 'latin1');
ok(/\r\[#+ *\] +\d+% \d+ events/.test(tty) &&
    /\r {70}\r/.test(tty) && /verdict pass/.test(tty) &&
    !/^progress /m.test(tty), 'on a terminal: a progress bar, wiped',
    JSON.stringify(tty.slice(0, 300)));
log.pop();

r = await run(['trace', 'upload', '--project', 'core', '--reference',
    'strict', trace]);
u = log.pop() ?? {};
ok(r.rc === 1 && /^verdict fail: /m.test(r.out) &&
    /^ {2}mac: 9, expected 4 within 1$/m.test(r.out) && u.ref === 'strict',
    'a failing golden diff: the metric shown, exit 1', show(r));
r = await run(['trace', 'upload', '--project', 'lab', trace]);
ok(r.rc === 1 && /refused: forbidden/.test(r.err),
    'upload refused: the server\'s code, exit 1', show(r));
r = await run(['trace', 'upload', trace]);
ok(r.rc === 2, 'upload without --project: exit 2', show(r));
r = await run(['trace', 'upload', '--project', 'core', `${tmp}/none`]);
ok(r.rc === 1 && /none: No such file/.test(r.err),
    'upload of a missing file: exit 1', show(r));

const st = start(['trace', 'upload', '--project', 'stall', big]);
while (stalled.length === 0)
	await new Promise((res) => setTimeout(res, 50));
await new Promise((res) => setTimeout(res, 300));
st.p.kill('SIGINT');
r = await st.done;
ok(r.rc === 130 && r.ms < 5000, 'Ctrl-C during an upload: exit 130',
    show(r));
for (const q of stalled)
	q.destroy();

r = await run(['trace', 'list']);
ok(r.rc === 0 && new RegExp(`^${ID} +core +637587 json,html,markdown$`,
    'm').test(r.out), 'trace list: every project\'s', show(r));
r = await run(['trace', 'list', '--project', 'lab']);
ok(r.rc === 0 && !r.out.includes(ID), 'trace list --project lab',
    show(r));
r = await run(['report', '--html', '-o', `${tmp}/r.html`, ID]);
ok(r.rc === 0 && fs.readFileSync(`${tmp}/r.html`, 'utf8') ===
    '<html>report</html>\n', 'report --html -o: found in core', show(r));
r = await run(['report', '--json', '-p', 'core', ID]);
ok(r.rc === 0 && r.out === '{"report":1}\n', 'report --json to stdout',
    show(r));
r = await run(['report', '-p', 'lab', '-o', `${tmp}/x.md`, ID]);
ok(r.rc === 1 && /no_trace/.test(r.err) && !fs.existsSync(`${tmp}/x.md`),
    'report refused: no file left behind', show(r));
fs.writeFileSync(`${tmp}/golden.jsonl`, '{"step":1,"mac":4}\n');
r = await run(['reference', 'put', 'core', 'golden', `${tmp}/golden.jsonl`]);
u = log.pop() ?? {};
ok(r.rc === 0 && u.ref === 19 && u.length === 19,
    'reference put: the file, with its length', show(r));
r = await run(['trace', 'show', ID]);
let shown = {};
try {
	shown = JSON.parse(r.out);
} catch {
	shown = {};
}
ok(r.rc === 0 && shown.id === ID && shown.project === 'core',
    'trace show: found in core, its JSON', show(r));
r = await run(['trace', 'rm', ID]);
ok(r.rc === 0 && /removed from core/.test(r.out), 'trace rm', show(r));

const all = outputs.join('\n');
ok(!all.includes(token), 'the token never shown');
srv.close();
done();
