// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// /v1/events against a running suite: RBAC filtering, resume, refusals.
//
// node events.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET
//
// Logs in alice (owner of core), carol (maintainer of core, viewer of
// lab), dave (viewer of lab) and erin (no project), opens a feed for
// each, makes requests that the auth daemon audits, and checks that
// every feed holds exactly the rows its user may read.

import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { configure, send, code, authed, login, launch }
    from '../auth/session.mjs';
import { ok, is, done } from '../lib/tap.mjs';

const [port, profile, pidfile, pccxctl, sock] = process.argv.slice(2);
const base = `http://localhost:${port}`;

const ctl = (...a) => execFileSync(pccxctl, ['-s', sock, ...a],
    { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
configure({ base, ok, is });

const USERS = {
	alice: { login: 'alice', password: 'wonderland',
	    sees: ['core', null] },
	carol: { login: 'carol', password: 'carol-pw', sees: ['core', 'lab'] },
	dave: { login: 'dave', password: 'dave-pw', sees: ['lab'] },
	erin: { login: 'erin', password: 'erin-pw', sees: [] },
};

// A feed: the signed handshake, then every row as it comes.
async function feed(u, query = '') {
	const path = `/v1/events${query}`;
	const m = await authed(u.s.key, u.s, 'GET', path);
	return new Promise((resolve) => {
		const w = new WebSocket(`ws://localhost:${port}${path}`,
		    { headers: m.headers, perMessageDeflate: false });
		const f = { w, rows: [], status: 101, code: null, bad: [] };
		w.on('unexpected-response', (req, res) => {
			f.status = res.statusCode;
			let b = '';
			res.on('data', (d) => { b += d; });
			res.on('end', () => {
				try {
					f.error = JSON.parse(b).error?.code;
				} catch {
					f.error = null;
				}
				resolve(f);
			});
		});
		w.on('message', (d, binary) => {
			try {
				f.rows.push(JSON.parse(String(d)));
			} catch {
				f.bad.push(String(d));
			}
			if (binary)
				f.bad.push('binary');
		});
		w.on('close', (c) => {
			f.code = c;
		});
		w.on('error', () => resolve(f));
		w.on('open', () => resolve(f));
	});
}

// Wait until pred holds for the feed, or ms pass.
async function until(f, pred, ms = 5000) {
	for (let t = 0; t < ms && !pred(f); t += 50)
		await sleep(50);
	return pred(f);
}

const hasRow = (f, r) => f.rows.some((x) => x.actor === r.actor &&
    x.action === r.action && x.project === r.project &&
    x.outcome === r.outcome && x.seq >= (r.after ?? 0));

async function check(u, project, action) {
	const q = `/v1/auth/check?project=${project}&action=${action}`;
	return send(await authed(u.s.key, u.s, 'GET', q));
}

async function main(ctx) {
	for (const [name, u] of Object.entries(USERS)) {
		await ctx.clearCookies();
		u.s = await login(ctx, ctl('enrol', `${name}@example.com`),
		    undefined, u);
		ok(typeof u.s.token === 'string', `${name} logged in`);
	}
	const { alice, carol, dave, erin } = USERS;

	const fe = await feed(erin, '?since=0');
	is(fe.status, 403, 'erin, in no project: the feed is refused (403)');
	const fb = await feed(alice, '?since=abc');
	is(fb.status, 400, 'since=abc: 400');
	const unsigned = await new Promise((resolve) => {
		const w = new WebSocket(`ws://localhost:${port}/v1/events`);
		w.on('unexpected-response', (q, r) => resolve(r.statusCode));
		w.on('open', () => resolve(101));
		w.on('error', () => resolve('error'));
	});
	is(unsigned, 401, 'a handshake without a token: 401');

	for (const u of [alice, carol, dave])
		u.f = await feed(u, '?since=0');
	ok(alice.f.status === 101 && carol.f.status === 101 &&
	    dave.f.status === 101, 'owner, maintainer and viewer subscribed');
	await sleep(500);
	const head = Math.max(0, ...[alice, carol, dave].flatMap((u) =>
	    u.f.rows.map((r) => r.seq)));
	ok(alice.f.rows.some((r) => r.action === 'auth.login' &&
	    r.project === null), 'the replay from 0 has the logins (alice)');

	let r = await check(alice, 'core', 'session.list');
	is(r.status, 200, 'alice: session.list in core allowed');
	r = await check(carol, 'lab', 'trace.list');
	is(r.status, 200, 'carol: trace.list in lab allowed');
	r = await check(dave, 'core', 'session.list');
	is(code(r), 'forbidden', 'dave: session.list in core forbidden');
	r = await send(await authed(dave.s.key, dave.s, 'GET', '/v1/devices'));
	is(r.status, 200, 'dave: his devices (a row of no project)');
	r = await check(carol, 'core', 'session.open');
	is(r.status, 200, 'carol: session.open in core allowed (the marker)');

	const want = {
		a: { actor: 'alice@example.com', action: 'session.list',
		    project: 'core', outcome: 'allow', after: head },
		c: { actor: 'carol@example.com', action: 'trace.list',
		    project: 'lab', outcome: 'allow', after: head },
		d: { actor: 'dave@example.com', action: 'session.list',
		    project: 'core', outcome: 'deny', after: head },
		v: { actor: 'dave@example.com', action: 'device.list',
		    project: null, outcome: 'allow', after: head },
		m: { actor: 'carol@example.com', action: 'session.open',
		    project: 'core', outcome: 'allow', after: head },
	};
	ok(await until(alice.f, (f) => hasRow(f, want.m)),
	    'alice got the marker row');
	ok(await until(carol.f, (f) => hasRow(f, want.m)),
	    'carol got the marker row');
	ok(await until(dave.f, (f) => hasRow(f, want.c)),
	    'dave got carol\'s lab row');
	await sleep(300);

	for (const [name, u] of [['alice', alice], ['carol', carol],
	    ['dave', dave]]) {
		const out = u.f.rows.filter((x) => !u.sees.includes(x.project));
		ok(u.f.rows.length > 0 && out.length === 0,
		    `${name} sees only ${u.sees.map((x) => x ?? 'no project')
		    .join(', ')} ` +
		    `(${u.f.rows.length} rows)`, JSON.stringify(out[0]));
		const seqs = u.f.rows.map((x) => x.seq);
		ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]) &&
		    u.f.bad.length === 0, `${name}: rows in order, once, ` +
		    'all JSON text');
	}
	const row = alice.f.rows.find((x) => hasRow({ rows: [x] }, want.a));
	ok(row !== undefined && Number.isInteger(row.time) &&
	    row.daemon === 'auth' && typeof row.object === 'string' &&
	    typeof row.detail === 'object' && row.detail !== null &&
	    Object.keys(row).join() ===
	    'seq,time,daemon,actor,action,project,object,outcome,detail',
	    'a row has seq, time, daemon, actor, action, project, object, ' +
	    'outcome, detail', JSON.stringify(row));
	ok(hasRow(alice.f, want.a) && hasRow(alice.f, want.d) &&
	    hasRow(alice.f, want.v) && !hasRow(alice.f, want.c),
	    'owner: core rows and rows of no project, not lab');
	ok(hasRow(carol.f, want.a) && hasRow(carol.f, want.c) &&
	    hasRow(carol.f, want.d) && !hasRow(carol.f, want.v),
	    'maintainer: core and lab rows, not rows of no project');
	ok(hasRow(dave.f, want.c) && !hasRow(dave.f, want.d) &&
	    !hasRow(dave.f, want.v) && !hasRow(dave.f, want.a),
	    'viewer: lab rows only, not even his own refusal in core');

	// Resume: from the third-last row carol saw, the last two again.
	const cr = carol.f.rows;
	const since = cr[cr.length - 3].seq;
	const c2 = await feed(carol, `?since=${since}`);
	ok(await until(c2, (f) => f.rows.length >= 2),
	    'a resumed feed gets rows');
	is(c2.rows.slice(0, 2).map((x) => x.seq).join(),
	    cr.slice(-2).map((x) => x.seq).join(),
	    `resume with since=${since}: exactly the rows after it`);
	// Without since, a feed starts at the head.
	const d2 = await feed(dave, '');
	await sleep(300);
	is(d2.rows.length, 0, 'a feed without since replays nothing');
	r = await check(carol, 'lab', 'report.read');
	ok(await until(d2, (f) => f.rows.length >= 1) &&
	    d2.rows[0].action === 'report.read' && d2.rows[0].project === 'lab',
	    'and then gets the new row', JSON.stringify(d2.rows));

	// A replay longer than the window, against what came live.
	const before = alice.f.rows.length;
	const ms = await Promise.all(Array.from({ length: 700 }, () =>
	    authed(alice.s.key, alice.s, 'GET',
	    '/v1/auth/check?project=core&action=trace.list')));
	for (let i = 0; i < ms.length; i += 50)
		await Promise.all(ms.slice(i, i + 50).map(send));
	ok(await until(alice.f, (f) => f.rows.length >= before + 700, 20000),
	    `700 rows more came live (${alice.f.rows.length - before})`);
	const last = alice.f.rows[alice.f.rows.length - 1].seq;
	const a2 = await feed(alice, '?since=0');
	ok(await until(a2, (f) => f.rows.some((x) => x.seq >= last), 20000),
	    'a replay from 0 reaches the head');
	is(a2.rows.filter((x) => x.seq <= last).map((x) => x.seq).join(),
	    alice.f.rows.filter((x) => x.seq <= last).map((x) => x.seq)
	    .join(), `the replay of ${a2.rows.length} rows is what came live`);

	// The per-user cap (feeds, 8 by default): alice holds two.
	const more = [];
	for (let i = 0; i < 6; i++)
		more.push(await feed(alice, ''));
	ok(more.every((f) => f.status === 101),
	    'alice opens six more feeds, eight in all');
	const over = await feed(alice, '');
	ok(over.status === 429 && over.error === 'too_many_feeds',
	    'a ninth feed of alice: 429 too_many_feeds',
	    `${over.status} ${over.error}`);
	const d3 = await feed(dave, '');
	is(d3.status, 101, 'dave, another user, still opens one');
	more.pop().w.close(1000);
	let again;
	for (let t = 0; t < 40; t++) {
		await sleep(50);
		again = await feed(alice, '');
		if (again.status === 101)
			break;
	}
	is(again.status, 101, 'after alice closes one, she opens one again');

	const all = [alice.f, carol.f, dave.f, c2, d2, a2, d3, again, ...more];
	for (const f of all)
		f.w.close(1000);
	await sleep(300);
	ok(all.every((f) => f.code === 1000), 'feeds close with 1000');
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
