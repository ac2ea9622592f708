// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Benchmark: latency of /v1/events fan-out to 100 subscribers.
//
// node bench.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET
//
// Logs alice in, opens 100 feeds, then makes 200 audited requests one
// every 20 ms.  A row's latency at a subscriber is the time it arrived
// there minus the time the auth daemon stamped on it (milliseconds,
// one clock), so it holds the group commit and fsync of the audit
// daemon as well as the fan-out; the spread is the time between the
// first and the last subscriber getting the same row.

import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { configure, send, authed, login, launch }
    from '../auth/session.mjs';

const [port, profile, pidfile, pccxctl, sock] = process.argv.slice(2);
const base = `http://localhost:${port}`;
const SUBS = 100, ROWS = 200, GAP = 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quiet = (c) => c;
configure({ base, ok: quiet, is: (a, b) => a === b });

async function feed(s) {
	const m = await authed(s.key, s, 'GET', '/v1/events');
	return new Promise((resolve, reject) => {
		const w = new WebSocket(`ws://localhost:${port}/v1/events`,
		    { headers: m.headers, perMessageDeflate: false });
		const f = { w, got: new Map() };
		w.on('message', (d) => {
			const r = JSON.parse(String(d));
			if (r.action === 'trace.read')
				f.got.set(r.seq,
				    { at: Date.now(), time: r.time });
		});
		w.on('open', () => resolve(f));
		w.on('unexpected-response', (q, r) =>
		    reject(new Error(`status ${r.statusCode}`)));
		w.on('error', reject);
	});
}

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];

const ctx = await launch(profile, pidfile);
let rc = 0;
try {
	const code = execFileSync(pccxctl, ['-s', sock, 'enrol',
	    'alice@example.com'], { encoding: 'utf8' }).trim();
	const s = await login(ctx, code);
	const feeds = [];
	for (let i = 0; i < SUBS; i++)
		feeds.push(await feed(s));
	const reqs = [];
	for (let i = 0; i < ROWS; i++)
		reqs.push(await authed(s.key, s, 'GET',
		    '/v1/auth/check?project=core&action=trace.read'));
	for (const q of reqs) {
		send(q);
		await sleep(GAP);
	}
	await sleep(1000);
	const lat = [], spread = [];
	const seqs = new Set(feeds.flatMap((f) => [...f.got.keys()]));
	for (const seq of seqs) {
		const at = feeds.map((f) => f.got.get(seq)).filter(Boolean);
		for (const x of at)
			lat.push(x.at - x.time);
		const t = at.map((x) => x.at);
		spread.push(Math.max(...t) - Math.min(...t));
	}
	lat.sort((a, b) => a - b);
	spread.sort((a, b) => a - b);
	const missing = SUBS * ROWS - lat.length;
	console.log(`events fan-out: ${SUBS} subscribers, ${seqs.size} rows, ` +
	    `${lat.length} deliveries, ${missing} missing`);
	console.log(`latency (row stamped -> subscriber) ms: p50 ` +
	    `${pct(lat, 0.5)} p99 ${pct(lat, 0.99)} max ${lat.at(-1)}`);
	console.log(`spread (first -> last subscriber) ms: p50 ` +
	    `${pct(spread, 0.5)} p99 ${pct(spread, 0.99)} ` +
	    `max ${spread.at(-1)}`);
	console.log(`goal p99 < 50 ms: ${pct(lat, 0.99) < 50 && missing === 0 ?
	    'met' : 'NOT met'}`);
	for (const f of feeds)
		f.w.close(1000);
	await sleep(200);
} catch (e) {
	console.log(`bench failed: ${e.stack ?? e}`);
	rc = 1;
}
await ctx.close().catch(() => {});
process.exit(rc);
