// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Benchmark: session open latency through HTTP beside bubblewrap.
//
// node bench.mjs PORT PROFILE_DIR PIDFILE PCCXCTL SOCKET
//
// Logs carol (maintainer of "work") in, then 100 times: signs POST
// /v1/sessions, times it from the fetch call to the whole answer
// read (signature check, auth decision, audit ack, sessiond building
// the sandbox), deletes the session with end=discard untimed, and runs
// bwrap --unshare-all --ro-bind / / /bin/true once.  bwrap is started
// and timed by a small perl process (fork, exec, wait), as a C caller
// would: node's own spawn costs milliseconds.  One session at a time:
// the per-user cap is 4.  An open that fails is counted, its message
// kept, and the run goes on; any failure makes the exit status 1.

import { spawn, execFileSync } from 'node:child_process';
import readline from 'node:readline';
import { configure, send, authed, login, launch }
    from '../auth/session.mjs';

const [port, profile, pidfile, pccxctl, sock] = process.argv.slice(2);
const base = `http://localhost:${port}`;
const RUNS = 100, WARM = 5, GOAL = 2, MAXFAIL = 20;
const Q = '?project=work';
const BWRAP = ['--unshare-all', '--ro-bind', '/', '/', '/bin/true'];
const quiet = (c) => c;
configure({ base, ok: quiet, is: (a, b) => a === b });

// The nearest-rank percentile of a sorted array, as bench_session does.
const pct = (a, p) => a[Math.max(0, Math.ceil(a.length * p / 100) - 1)];
const f2 = (x) => x.toFixed(2).padStart(7);

// A launcher: reads a program's path and arguments, one line, tab
// separated; runs it and answers its wall time in milliseconds, or -1.
const LAUNCHER = `use Time::HiRes qw(time); $| = 1;
while (my $l = <STDIN>) {
	chomp $l; my @a = split /\\t/, $l; my $t0 = time;
	my $p = fork; if (!$p) { exec { $a[0] } @a; exit 127; }
	waitpid $p, 0; my $ms = (time - $t0) * 1000;
	print $? == 0 ? "$ms\\n" : "-1\\n";
}`;
const launcher = spawn('perl', ['-e', LAUNCHER],
    { stdio: ['pipe', 'pipe', 'inherit'] });
const answers = readline.createInterface({ input: launcher.stdout });
const waiting = [];
answers.on('line', (l) => waiting.shift()(Number(l)));

// One run of ARGV through the launcher, in milliseconds.
function run(...argv) {
	return new Promise((resolve, reject) => {
		waiting.push((ms) => ms < 0 ?
		    reject(new Error(`${argv[0]} failed`)) : resolve(ms));
		launcher.stdin.write(`${argv.join('\t')}\n`);
	});
}

// Open a session: only the HTTP exchange is timed, not the signing.
async function open(s) {
	const body = JSON.stringify({ project: 'work', end: 'discard' });
	const m = await authed(s.key, s, 'POST', `/v1/sessions${Q}`, body);
	const t0 = performance.now();
	const r = await send(m);
	const ms = performance.now() - t0;
	if (r.status !== 201 || typeof r.json.id !== 'string')
		return { err: `${r.status} ${r.json.error?.message ??
		    JSON.stringify(r.json)}` };
	return { id: r.json.id, ms };
}

async function discard(s, id) {
	const r = await send(await authed(s.key, s, 'DELETE',
	    `/v1/sessions/${id}${Q}&end=discard`));
	if (r.status !== 200 || r.json.result !== 'discarded')
		throw new Error(`delete: ${r.status} ${JSON.stringify(r.json)}`);
}

function report(http, bw, tr, fails) {
	for (const a of [http, bw, tr])
		a.sort((x, y) => x - y);
	const r50 = pct(http, 50) / pct(bw, 50);
	const r99 = pct(http, 99) / pct(bw, 99);
	console.log(`session open through HTTP, ${RUNS} sessions ` +
	    `(signed POST in, 201 read; DELETE untimed):`);
	console.log(`  http    p50 ${f2(pct(http, 50))} ms  p99 ` +
	    `${f2(pct(http, 99))} ms  max ${f2(http.at(-1))} ms`);
	console.log(`  bwrap   p50 ${f2(pct(bw, 50))} ms  p99 ` +
	    `${f2(pct(bw, 99))} ms  (--unshare-all --ro-bind / / /bin/true)`);
	console.log(`  spawn   p50 ${f2(pct(tr, 50))} ms  p99 ` +
	    `${f2(pct(tr, 99))} ms  (/bin/true alone: fork, exec, wait)`);
	console.log(`  ratio   p50 ${f2(r50)}     p99 ${f2(r99)}     ` +
	    `(goal <= ${GOAL})`);
	console.log(r50 <= GOAL && r99 <= GOAL ? 'goal met' :
	    'goal NOT met');
	console.log(`opens failed: ${fails.length}`);
	for (const [m, k] of Object.entries(fails.reduce((a, m) =>
	    ({ ...a, [m]: (a[m] ?? 0) + 1 }), {})))
		console.log(`  ${k} x ${m}`);
}

async function main(ctx) {
	const code = execFileSync(pccxctl, ['-s', sock, 'enrol',
	    'carol@example.com'], { encoding: 'utf8' }).trim();
	const s = await login(ctx, code, undefined,
	    { login: 'carol', password: 'carol-pw' });
	if (typeof s.token !== 'string')
		throw new Error('login failed');
	// Chromium is no longer needed: keep it off the two cores.
	await ctx.close().catch(() => {});
	const http = [], bw = [], tr = [], fails = [];
	let warm = 0;
	while (http.length < RUNS) {
		const o = await open(s);
		if (o.err !== undefined) {
			fails.push(o.err);
			if (fails.length > MAXFAIL)
				throw new Error(`${fails.length} opens failed, ` +
				    `last: ${o.err}`);
			continue;
		}
		await discard(s, o.id);
		const b = await run('/usr/bin/bwrap', ...BWRAP);
		const t = await run('/bin/true');
		if (warm++ < WARM)
			continue;
		http.push(o.ms);
		bw.push(b);
		tr.push(t);
	}
	report(http, bw, tr, fails);
	return fails.length === 0 ? 0 : 1;
}

const ctx = await launch(profile, pidfile);
let rc = 0;
try {
	rc = await main(ctx);
} catch (e) {
	console.error(`bench failed: ${e.stack ?? e}`);
	rc = 1;
}
await ctx.close().catch(() => {});
launcher.stdin.end();
process.exit(rc);
