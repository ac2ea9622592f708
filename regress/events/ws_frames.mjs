// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// The WebSocket layer against raw TCP clients and the ws package.
//
// node ws_frames.mjs PORT: the ws_harness on 127.0.0.1:PORT (frame cap
// 4096, message cap 8192, pings every second on /echo).  Prints TAP.

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { ok, is, done } from '../lib/tap.mjs';

const port = Number(process.argv[2]);

// One raw HTTP exchange: the status line and the headers.
function rawHttp(text) {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		let buf = '';
		s.on('data', (d) => {
			buf += d;
			if (buf.includes('\r\n\r\n'))
				s.destroy();
		});
		s.on('close', () => resolve(buf));
		s.on('error', () => resolve(buf));
		s.write(text);
	});
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const head = (path, extra = {}, line = `GET ${path} HTTP/1.1`) => {
	const h = { host: 'localhost', upgrade: 'websocket',
	    connection: 'Upgrade', 'sec-websocket-version': '13',
	    'sec-websocket-key': KEY, ...extra };
	return `${line}\r\n` + Object.entries(h).filter(([, v]) => v !==
	    null).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
};
const status = (r) => Number(r.split(' ')[1]);

// A client frame: fin, opcode, payload, masked unless told.
function frame(fin, op, payload, { mask = true, len = null } = {}) {
	const p = Buffer.from(payload);
	const plen = len ?? p.length;
	let h;
	if (plen < 126)
		h = Buffer.from([(fin ? 0x80 : 0) | op,
		    (mask ? 0x80 : 0) | plen]);
	else if (plen < 65536) {
		h = Buffer.alloc(4);
		h[0] = (fin ? 0x80 : 0) | op;
		h[1] = (mask ? 0x80 : 0) | 126;
		h.writeUInt16BE(plen, 2);
	} else {
		h = Buffer.alloc(10);
		h[0] = (fin ? 0x80 : 0) | op;
		h[1] = (mask ? 0x80 : 0) | 127;
		h.writeBigUInt64BE(BigInt(plen), 2);
	}
	if (!mask)
		return Buffer.concat([h, p]);
	const k = randomBytes(4);
	const m = Buffer.from(p.map((b, i) => b ^ k[i % 4]));
	return Buffer.concat([h, k, m]);
}

// Server frames out of buf (unmasked): [{op, payload}], rest.
function parse(buf) {
	const out = [];
	for (;;) {
		if (buf.length < 2)
			break;
		let len = buf[1] & 0x7f, off = 2;
		if (len === 126) {
			if (buf.length < 4)
				break;
			len = buf.readUInt16BE(2);
			off = 4;
		} else if (len === 127) {
			if (buf.length < 10)
				break;
			len = Number(buf.readBigUInt64BE(2));
			off = 10;
		}
		if (buf.length < off + len)
			break;
		out.push({ op: buf[0] & 0x0f, payload: buf.subarray(off,
		    off + len) });
		buf = buf.subarray(off + len);
	}
	return [out, buf];
}

// Open a raw WebSocket, send frames, collect frames until the end.
function rawSession(path, frames, { wait = 3000, answer = false } = {}) {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		let buf = Buffer.alloc(0), upgraded = false, got = [];
		const t0 = Date.now();
		const done = () => {
			clearTimeout(timer);
			s.destroy();
			resolve({ frames: got, ms: Date.now() - t0, upgraded });
		};
		const timer = setTimeout(done, wait);
		s.on('data', (d) => {
			buf = Buffer.concat([buf, d]);
			if (!upgraded) {
				const i = buf.indexOf('\r\n\r\n');
				if (i < 0)
					return;
				upgraded = buf.subarray(0, 12).toString() ===
				    'HTTP/1.1 101';
				buf = buf.subarray(i + 4);
				for (const f of frames)
					s.write(f);
			}
			let fs;
			[fs, buf] = parse(buf);
			for (const f of fs) {
				got.push(f);
				if (f.op === 9 && answer)
					s.write(frame(true, 10, f.payload));
			}
		});
		s.on('close', done);
		s.on('error', done);
		s.write(head(path));
	});
}

const closeOf = (r) => {
	const c = r.frames.find((f) => f.op === 8);
	return c === undefined ? 'no close frame' :
	    `${c.payload.readUInt16BE(0)} ${c.payload.subarray(2)}`;
};
const codeOf = (r) => closeOf(r).split(' ')[0];

async function handshakes() {
	let r = await rawHttp(head('/echo', { upgrade: null,
	    connection: null }));
	is(status(r), 426, 'no Upgrade header: 426');
	ok(/\r\nupgrade: websocket\r\n/i.test(r), '426 names websocket');
	r = await rawHttp(head('/echo', { 'sec-websocket-version': '8' }));
	ok(status(r) === 426 && /sec-websocket-version: 13/i.test(r),
	    'version 8: 426 with Sec-WebSocket-Version: 13', r);
	r = await rawHttp(head('/echo', { 'sec-websocket-version': null }));
	is(status(r), 426, 'no version: 426');
	r = await rawHttp(head('/echo', { 'sec-websocket-key': 'c2hvcnQ=' }));
	ok(status(r) === 400 && /bad_handshake/.test(r),
	    'a key of 5 bytes: 400 bad_handshake', r);
	r = await rawHttp(head('/echo', { 'sec-websocket-key': null }));
	is(status(r), 400, 'no key: 400');
	r = await rawHttp(head('/echo', { 'sec-websocket-key':
	    'dGhlIHNhbXBsZSBub25jZQ' }));
	is(status(r), 400, 'an unpadded key: 400');
	r = await rawHttp(head('/echo', { connection: 'keep-alive' }));
	is(status(r), 400, 'Connection without upgrade: 400');
	r = await rawHttp(head('/echo', {}, 'GET /echo HTTP/1.0'));
	is(status(r), 400, 'HTTP/1.0: 400');
	r = await rawHttp(head('/echo', { 'content-length': '5' }) + 'hello');
	is(status(r), 400, 'a handshake with a body: 400');
	r = await rawHttp(head('/echo', {}, 'POST /echo HTTP/1.1'));
	ok([405, 501].includes(status(r)), 'POST: refused by the router', r);
	r = await rawHttp(head('/refuse'));
	ok(status(r) === 403 && !/sec-websocket-accept/i.test(r),
	    'a handler may refuse with plain HTTP', r);
	r = await rawHttp(head('/plain'));
	is(status(r), 200, 'a route that is not WebSocket ignores Upgrade');
	r = await rawHttp(head('/echo'));
	ok(status(r) === 101 &&
	    /sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i.test(r),
	    '101 with the RFC 6455 sample accept value', r);
}

async function frames() {
	let r = await rawSession('/echo', [frame(true, 1, 'hi'),
	    frame(true, 9, 'pp')]);
	ok(r.upgraded && r.frames.some((f) => f.op === 1 &&
	    String(f.payload) === 'hi') && r.frames.some((f) => f.op === 10 &&
	    String(f.payload) === 'pp'), 'masked text echoed, ping answered');
	r = await rawSession('/echo', [frame(true, 1, 'hi', { mask: false })]);
	is(codeOf(r), '1002', 'an unmasked frame: 1002');
	r = await rawSession('/echo', [frame(true, 9, 'x'.repeat(126))]);
	is(codeOf(r), '1002', 'a ping of 126 bytes: 1002');
	r = await rawSession('/echo', [frame(false, 9, 'p')]);
	is(codeOf(r), '1002', 'a fragmented ping: 1002');
	r = await rawSession('/echo', [frame(true, 0, 'cont')]);
	is(codeOf(r), '1002', 'a continuation without a start: 1002');
	r = await rawSession('/echo', [frame(false, 1, 'a'),
	    frame(true, 1, 'b')]);
	is(codeOf(r), '1002', 'a new message inside a fragmented one: 1002');
	r = await rawSession('/echo', [frame(true, 2, 'z'.repeat(5000))]);
	is(codeOf(r), '1009', 'a frame of 5000 bytes over the 4096 cap: 1009');
	r = await rawSession('/echo', [frame(true, 2, '', { len: 1 << 30 })]);
	is(codeOf(r), '1009', 'a frame header claiming 1 GiB: 1009');
	r = await rawSession('/echo', [frame(false, 2, 'y'.repeat(4000)),
	    frame(false, 0, 'y'.repeat(4000)), frame(true, 0,
	    'y'.repeat(4000))]);
	is(codeOf(r), '1009', 'a message of 12000 bytes over 8192: 1009');
	r = await rawSession('/echo', [frame(false, 2, 'y'.repeat(4000)),
	    frame(true, 0, 'y'.repeat(4000))]);
	ok(r.frames.some((f) => f.op === 2 && f.payload.length === 8000),
	    'a message of 8000 bytes in two frames is echoed whole');
	r = await rawSession('/echo', [frame(true, 1,
	    Buffer.from([0xc3, 0x28]))]);
	is(codeOf(r), '1007', 'text that is not UTF-8: 1007');
	r = await rawSession('/echo', [frame(true, 8, Buffer.from([0x03,
	    0xe8]))]);
	is(codeOf(r), '1000', 'a close is answered with its code');
	r = await rawSession('/echo', [], { wait: 6000 });
	ok(r.frames.some((f) => f.op === 9) && r.ms < 4500,
	    `a peer that does not answer pings is dropped (${r.ms} ms)`);
	r = await rawSession('/echo', [], { wait: 3000, answer: true });
	ok(r.frames.filter((f) => f.op === 9).length >= 2 && r.ms >= 2900,
	    'a peer that answers pings stays');
}

function wsClient(path) {
	return new Promise((resolve) => {
		const w = new WebSocket(`ws://127.0.0.1:${port}${path}`);
		const st = { w, count: 0, code: null, reason: '' };
		w.on('message', () => st.count++);
		w.on('close', (code, reason) => {
			st.code = code;
			st.reason = String(reason);
		});
		w.on('error', () => {});
		w.on('open', () => resolve(st));
	});
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function slow() {
	const fast = await wsClient('/flood');
	await sleep(1500);
	ok(fast.code === null && fast.count > 5000,
	    `a consumer that keeps up stays open (${fast.count} messages)`);
	fast.w.close(1000);
	const s = await wsClient('/flood');
	s.w._socket.pause();
	await sleep(2500);
	s.w._socket.resume();
	for (let i = 0; i < 50 && s.code === null; i++)
		await sleep(100);
	ok(s.code === 1008 && s.reason === 'consumer too slow',
	    'a consumer that falls behind: 1008 consumer too slow',
	    `code ${s.code} reason ${s.reason} after ${s.count}`);
}

try {
	await handshakes();
	await frames();
	await slow();
} catch (e) {
	ok(false, 'the run went through', e.stack ?? e);
}
done();
