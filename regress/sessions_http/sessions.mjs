// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// /v1/sessions against a running suite: open, exec, pty, list, kill.
//
// node sessions.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET TREE SUMFILE
//
// alice owns project "work", carol is its maintainer, dave its viewer.
// TREE is the project's directory, SUMFILE the digest of its files
// before any session ran.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import WebSocket from 'ws';
import { configure, send, code, authed, login, launch }
    from '../auth/session.mjs';
import { ok, is, done } from '../lib/tap.mjs';

const [port, profile, pidfile, pccxctl, sock, tree, sumfile] =
    process.argv.slice(2);
const base = `http://localhost:${port}`;

const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const treeSum = () => execFileSync('sh', ['-c',
    `find "${tree}" -type f -print0 | sort -z | xargs -0 cat | sha256sum`],
    { encoding: 'utf8' });
configure({ base, ok, is });

const USERS = {
	alice: { login: 'alice', password: 'wonderland' },
	carol: { login: 'carol', password: 'carol-pw' },
	dave: { login: 'dave', password: 'dave-pw' },
};
const Q = '?project=work';

const req = async (u, method, path, body = '') =>
    send(await authed(u.s.key, u.s, method, path, body));

// Run argv in a session; the NDJSON lines of the streamed answer.
async function exec(u, id, argv) {
	const body = JSON.stringify({ argv, env: { LC_ALL: 'C' } });
	const m = await authed(u.s.key, u.s, 'POST',
	    `/v1/sessions/${id}/exec${Q}`, body);
	const r = await fetch(m.url, { method: 'POST', headers: m.headers,
	    body });
	const text = await r.text();
	const lines = [];
	for (const l of text.split('\n').filter((x) => x !== ''))
		try {
			lines.push(JSON.parse(l));
		} catch {
			lines.push({ bad: l });
		}
	const out = (s) => Buffer.concat(lines.filter((l) => l.stream === s)
	    .map((l) => Buffer.from(l.data, 'base64'))).toString();
	return { status: r.status, type: r.headers.get('content-type'),
	    chunked: r.headers.get('transfer-encoding'), lines,
	    stdout: out('stdout'), stderr: out('stderr'),
	    end: lines[lines.length - 1] };
}

async function open(u, end) {
	return req(u, 'POST', `/v1/sessions${Q}`,
	    JSON.stringify({ project: 'work', end }));
}

// A pty over WebSocket: type a line, collect what comes back.
async function pty(u, id, input, want, ms = 10000) {
	const path = `/v1/sessions/${id}/pty${Q}&rows=24&cols=80`;
	const m = await authed(u.s.key, u.s, 'GET', path);
	return new Promise((resolve) => {
		const w = new WebSocket(`ws://localhost:${port}${path}`,
		    { headers: m.headers, perMessageDeflate: false });
		const t = { status: 101, out: '', text: [], code: null };
		const timer = setTimeout(() => {
			w.terminate();
			resolve(t);
		}, ms);
		w.on('unexpected-response', (q, res) => {
			t.status = res.statusCode;
			clearTimeout(timer);
			resolve(t);
		});
		w.on('open', () => {
			w.send(JSON.stringify({ resize: [30, 100] }));
			w.send(Buffer.from(input));
		});
		w.on('message', (d, binary) => {
			if (!binary) {
				t.text.push(d.toString());
				return;
			}
			t.out += d.toString();
			if (want.test(t.out)) {
				w.close(1000);
			}
		});
		w.on('close', (c) => {
			t.code = c;
			clearTimeout(timer);
			resolve(t);
		});
		w.on('error', () => {
			clearTimeout(timer);
			resolve(t);
		});
	});
}

async function kill(u, id, end) {
	const t0 = performance.now();
	const r = await req(u, 'DELETE', `/v1/sessions/${id}${Q}&end=${end}`);
	return { r, ms: performance.now() - t0 };
}

async function main(ctx) {
	for (const [name, u] of Object.entries(USERS)) {
		await ctx.clearCookies();
		u.s = await login(ctx, ctl('enrol', `${name}@example.com`),
		    undefined, u);
		ok(typeof u.s.token === 'string', `${name} logged in`);
	}
	const { alice, carol, dave } = USERS;
	const before = fs.readFileSync(sumfile, 'utf8');

	let r = await open(dave, 'discard');
	is(r.status, 403, 'a viewer may not open a session (403)');
	r = await open(carol, 'sideways');
	is(r.status, 400, 'an unknown end mode: 400');
	r = await req(carol, 'GET', `/v1/sessions/not-a-uuid${Q}`);
	ok(r.status === 400 && code(r) === 'bad_id',
	    'a session id that is not a uuid: 400 bad_id', code(r));

	r = await open(carol, 'discard');
	ok(r.status === 201 && /^[0-9a-f-]{36}$/.test(r.json.id),
	    'the maintainer opens a session: 201 and a uuid',
	    JSON.stringify(r.json));
	const id = r.json.id;

	let x = await exec(carol, id, ['cc', '-o', '/tmp/hello',
	    '/project/hello.c']);
	ok(x.status === 200 && x.type === 'application/x-ndjson' &&
	    x.chunked === 'chunked', 'exec: 200, NDJSON, chunked',
	    `${x.status} ${x.type} ${x.chunked}`);
	ok(x.end?.exit === 0 && x.end?.signal === 0, 'cc exits 0',
	    JSON.stringify(x.lines).slice(0, 2000));
	x = await exec(carol, id, ['/tmp/hello']);
	is(x.stdout, 'hello from 42\n', 'the program prints through the stream');
	ok(x.end?.exit === 0, 'and exits 0', JSON.stringify(x.end));
	x = await exec(carol, id, ['sh', '-c', 'echo oops >&2; exit 3']);
	ok(x.stderr === 'oops\n' && x.end?.exit === 3,
	    'stderr and a non-zero status', JSON.stringify(x.lines));
	const t3 = performance.now();
	x = await exec(carol, id, ['sh', '-c',
	    'head -c 3000000 /dev/zero; echo done >&2']);
	console.log(`# exec of 3 MB of output: ${(performance.now() - t3)
	    .toFixed(1)} ms end to end`);
	ok(x.lines.filter((l) => l.stream === 'stdout')
	    .reduce((a, l) => a + Buffer.from(l.data, 'base64').length, 0) ===
	    3000000 && x.end?.exit === 0,
	    'three megabytes of output arrive whole');

	// A client that goes away kills its command.
	const body = JSON.stringify({ argv: ['sleep', '30'] });
	const m = await authed(carol.s.key, carol.s, 'POST',
	    `/v1/sessions/${id}/exec${Q}`, body);
	const ac = new AbortController();
	const pend = fetch(m.url, { method: 'POST', headers: m.headers, body,
	    signal: ac.signal }).then((res) => res.body.getReader().read())
	    .catch(() => null);
	await sleep(500);
	ac.abort();
	await pend;
	let execs = -1;
	for (let i = 0; i < 40 && execs !== 0; i++) {
		await sleep(100);
		execs = (await req(carol, 'GET', `/v1/sessions/${id}${Q}`))
		    .json.execs;
	}
	is(execs, 0, 'a client that disconnects ends its command');

	r = await req(carol, 'GET', `/v1/sessions${Q}`);
	ok(r.status === 200 && r.json.sessions.length === 1 &&
	    r.json.sessions[0].id === id, 'list: the maintainer sees hers',
	    JSON.stringify(r.json));
	r = await req(carol, 'GET', `/v1/sessions/${id}${Q}`);
	ok(r.status === 200 && r.json.user === 'carol@example.com' &&
	    r.json.project === 'work' && r.json.state === 'ready' &&
	    r.json.end === 'discard', 'show: user, project, state, end mode',
	    JSON.stringify(r.json));
	r = await req(dave, 'GET', `/v1/sessions${Q}`);
	ok(r.status === 200 && r.json.sessions.length === 0,
	    'the viewer lists none of others\' sessions',
	    JSON.stringify(r.json));
	r = await req(dave, 'GET', `/v1/sessions/${id}${Q}`);
	is(r.status, 404, 'nor sees hers (404)');
	r = await req(alice, 'GET', `/v1/sessions${Q}`);
	ok(r.status === 200 && r.json.sessions.some((s) => s.id === id),
	    'the owner sees every session of the project',
	    JSON.stringify(r.json));
	r = await req(dave, 'DELETE', `/v1/sessions/${id}${Q}`);
	is(r.status, 403, 'a viewer may not kill (403)');

	const t = await pty(carol, id, 'echo h""i\n', /[\r\n]hi\r\n/);
	is(t.status, 101, 'pty: the WebSocket opens');
	ok(/[\r\n]hi\r\n/.test(t.out), 'pty: echo hi reads hi back',
	    JSON.stringify(t.out));
	is(t.code, 1000, 'pty: closes cleanly');
	ok(t.text.length === 0, 'pty: no status when the client closes',
	    JSON.stringify(t.text));
	// The shell's end: its status as a text message, then the close.
	const pe = await pty(carol, id, 'exit 7\n', /never/, 5000);
	ok(pe.code === 1000 && pe.text.length === 1 &&
	    pe.text[0] === '{"exit":7,"signal":0}',
	    'pty: exit 7 is told as {"exit":7,"signal":0}, then 1000',
	    JSON.stringify(pe));
	const pk = await pty(carol, id, 'kill -KILL $$\n', /never/, 5000);
	ok(pk.code === 1000 && pk.text.length === 1 &&
	    pk.text[0] === '{"exit":-1,"signal":9}',
	    'pty: a shell killed by SIGKILL is told as signal 9',
	    JSON.stringify(pk));
	const t2 = await pty(dave, id, '', /never/, 2000);
	is(t2.status, 403, 'pty: a viewer is refused');

	x = await exec(carol, id, ['sh', '-c',
	    'echo gone > /project/discard-me.txt']);
	ok(x.end?.exit === 0, 'a file written in the discard session');
	let k = await kill(carol, id, 'discard');
	ok(k.r.status === 200 && k.r.json.result === 'discarded' &&
	    k.r.json.id === id, 'DELETE ?end=discard: discarded',
	    JSON.stringify(k.r.json));
	console.log(`# DELETE (discard) end to end ${k.ms.toFixed(1)} ms; ` +
	    `sessiond: kill ${k.r.json.kill_ms} ms, total ` +
	    `${k.r.json.total_ms} ms`);
	ok(k.ms < 200, `DELETE answers within 200 ms (${k.ms.toFixed(1)})`);
	is(treeSum(), before, 'discard leaves the tree as it was');
	ok(!fs.existsSync(`${tree}/discard-me.txt`), 'the file is not there');
	r = await req(carol, 'GET', `/v1/sessions/${id}${Q}`);
	is(r.status, 404, 'the session is gone');

	r = await open(carol, 'squash');
	is(r.status, 201, 'a session opened with squash');
	const sq = r.json.id;
	x = await exec(carol, sq, ['sh', '-c',
	    'echo squashed > /project/squash-me.txt']);
	ok(x.end?.exit === 0, 'writes a file');
	ok(!fs.existsSync(`${tree}/squash-me.txt`),
	    'not in the tree while the session runs');
	k = await kill(carol, sq, 'squash');
	ok(k.r.status === 200 && k.r.json.result === 'squashed' &&
	    k.r.json.applied >= 1, 'DELETE ?end=squash: squashed',
	    JSON.stringify(k.r.json));
	console.log(`# DELETE (squash) end to end ${k.ms.toFixed(1)} ms; ` +
	    `sessiond: kill ${k.r.json.kill_ms} ms, total ` +
	    `${k.r.json.total_ms} ms`);
	is(fs.existsSync(`${tree}/squash-me.txt`) &&
	    fs.readFileSync(`${tree}/squash-me.txt`, 'utf8'), 'squashed\n',
	    'the file is in the tree after DELETE');

	r = await open(alice, 'discard');
	const mine = r.json.id;
	x = await exec(carol, mine, ['true']);
	is(x.status, 404, 'exec in another user\'s session: 404');
	r = await req(carol, 'DELETE', `/v1/sessions/${mine}${Q}`);
	is(r.status, 404, 'nor may a maintainer kill it (404)');
	r = await req(alice, 'POST', `/v1/sessions/${mine}/exec${Q}`,
	    JSON.stringify({ argv: [] }));
	ok(r.status === 400 && code(r) === 'bad_body', 'an empty argv: 400',
	    code(r));
	k = await kill(alice, mine, 'discard');
	is(k.r.status, 200, 'the owner ends her own session');

	r = await open(carol, 'discard');
	const other = r.json.id;
	k = await kill(alice, other, 'discard');
	ok(k.r.status === 200 && k.r.json.id === other,
	    'the owner kills the maintainer\'s session',
	    JSON.stringify(k.r.json));
	const rows = JSON.parse(ctl('-j', 'audit', 'tail', '-n', '400', '-d',
	    sock.replace(/ctl\.sock$/, 'state')))
	    .filter((x) => x.action === 'session.kill' && x.object === other);
	const by = (x) => (typeof x.detail === 'string' ?
	    JSON.parse(x.detail) : x.detail)?.by;
	const whose = (x) => (typeof x.detail === 'string' ?
	    JSON.parse(x.detail) : x.detail)?.user;
	ok(rows.length === 1 && rows[0].actor === 'alice@example.com' &&
	    by(rows[0]) === 'alice@example.com' &&
	    whose(rows[0]) === 'carol@example.com',
	    'its audit row names the owner as actor, carol as the user',
	    JSON.stringify(rows));

	// A role taken away by a reload counts from the next request on,
	// though alice's token still says she owns the project.
	r = await open(carol, 'discard');
	const late = r.json.id;
	const conf = sock.replace(/ctl\.sock$/, 'pccx.conf');
	const text = fs.readFileSync(conf, 'utf8');
	fs.writeFileSync(conf, text.replace('owner "alice@example.com"',
	    'maintainer "alice@example.com"'));
	is(ctl('reload'), 'configuration reloaded',
	    'a reload makes alice a maintainer');
	r = await req(alice, 'GET', `/v1/sessions${Q}`);
	ok(r.status === 200 && !r.json.sessions.some((s) => s.id === late),
	    'alice, no longer owner, lists only her own sessions',
	    JSON.stringify(r.json));
	r = await req(alice, 'DELETE', `/v1/sessions/${late}${Q}`);
	is(r.status, 404, 'nor may she kill carol\'s (404)');
	fs.writeFileSync(conf, text);
	is(ctl('reload'), 'configuration reloaded', 'and owner again');
	k = await kill(alice, late, 'discard');
	ok(k.r.status === 200 && k.r.json.id === late,
	    'the owner again kills it', JSON.stringify(k.r.json));
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
