// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Request signatures: http-message-signatures signs, pccx-authd verifies,
// and the other way round.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync,
    randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { httpbis, createSigner, createVerifier }
    from 'http-message-signatures';
import { ok, is, done, tool } from './tool.mjs';

const t = tool(process.argv[2]);
const now = () => Math.floor(Date.now() / 1000);
const fields = ['@method', '@target-uri', 'content-digest'];

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwk = publicKey.export({ format: 'jwk' });
const keyid = await jose.calculateJwkThumbprint(jwk);
is((await t.call({ op: 'thumbprint', x: jwk.x })).jkt, keyid,
    'keyid: the login key thumbprint agrees with jose');

const digest = (body) =>
    `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
const nonce = () => randomBytes(18).toString('base64url');

// Sign a request with the npm package, as a client would.
async function npmSign(method, url, body, params, extra) {
	const msg = {
		method, url,
		headers: { 'content-type': 'application/json',
		    'content-digest': digest(body) },
	};
	const signed = await httpbis.signMessage({
		key: createSigner(privateKey, 'ed25519', keyid),
		name: 'sig1', fields, params,
		paramValues: { nonce: nonce(), ...extra },
	}, msg);
	return { ...signed, body };
}

// Ask pccx-authd about a signed request.
async function ours(m, over = {}) {
	const h = m.headers;
	const r = await t.call({
		op: 'httpsig', method: m.method, uri: m.url,
		'signature-input': h['Signature-Input'] ?? h['signature-input'],
		signature: h.Signature ?? h.signature,
		'content-digest': h['content-digest'],
		body: Buffer.from(m.body).toString('base64'),
		keyid, x: jwk.x, now: now(), ...over,
	});
	return r.code;
}

const cases = [
	['POST', 'https://remote.example/v1/traces?project=npu',
	    '{"name":"run-1"}', ['created', 'nonce', 'keyid']],
	['GET', 'https://remote.example:8443/v1/sessions', '',
	    ['created', 'nonce', 'keyid']],
	['DELETE', 'https://127.0.0.1:9000/v1/traces/abc', '',
	    ['keyid', 'created', 'nonce', 'alg']],
	['POST', 'https://h/v1/sessions/1/exec', 'x'.repeat(100000),
	    ['created', 'nonce', 'keyid', 'alg']],
];
for (const [method, url, body, params] of cases) {
	const m = await npmSign(method, url, body, params);
	is(await ours(m), 'ok', `npm-signed ${method} ${url} ` +
	    `(${params.join(',')}) verifies in pccx-authd`);
}

// The same request twice, changed in flight, or with an expires.
let m = await npmSign('POST', 'https://h/v1/traces', 'body',
    ['created', 'nonce', 'keyid']);
is(await ours(m), 'ok', 'first use');
is(await ours(m), 'replayed', 'second use is replayed');
m = await npmSign('POST', 'https://h/v1/traces', 'body',
    ['created', 'nonce', 'keyid']);
is(await ours({ ...m, body: 'bodY' }), 'digest_mismatch',
    'body changed: digest_mismatch');
is(await ours({ ...m, method: 'PUT' }), 'bad_signature',
    'method changed: bad_signature');
is(await ours({ ...m, url: 'https://h/v1/traces?x' }), 'bad_signature',
    'target changed: bad_signature');
is(await ours(m, { keyid: 'someone-else' }), 'keyid', 'keyid refused');
is(await ours(m, { now: now() + 120 }), 'stale', 'two minutes later: stale');
is(await ours(m, { now: now() - 120 }), 'future', 'two minutes early: future');
m = await npmSign('POST', 'https://h/v1/traces', 'body',
    ['created', 'expires', 'nonce', 'keyid'],
    { expires: new Date(Date.now() + 30000) });
is(await ours(m, { now: now() + 31 }), 'stale', 'past expires: stale');
is(await ours(m), 'ok', 'within expires: ok');
m = await npmSign('POST', 'https://h/v1/traces', 'body', ['created', 'keyid']);
is(await ours(m), 'bad_signature_input', 'no nonce: bad_signature_input');

// The other way: our client signer, the npm package verifies.
const seed = privateKey.export({ format: 'jwk' }).d;
const key = {
	id: keyid, algs: ['ed25519'],
	verify: createVerifier(publicKey, 'ed25519'),
};
async function npmVerify(msg) {
	try {
		return await httpbis.verifyMessage({
			keyLookup: async (p) => p.keyid === keyid ? key : null,
			requiredFields: fields,
			requiredParams: ['created', 'nonce', 'keyid'],
			tolerance: 60,
		}, msg);
	} catch (e) {
		return e.message;
	}
}
for (const [method, url, body] of cases) {
	const s = await t.call({
		op: 'sign', method, uri: url,
		body: Buffer.from(body).toString('base64'), d: seed, keyid,
		nonce: nonce(), created: now(),
	});
	const msg = {
		method, url, headers: {
			'content-digest': s['content-digest'],
			'signature-input': s['signature-input'],
			signature: s.signature,
		},
	};
	is(s['content-digest'], digest(body),
	    `C Content-Digest of ${body.length} bytes is node's sha-256`);
	is(await npmVerify(msg), true,
	    `C-signed ${method} ${url} verifies with http-message-signatures`);
	is(await ours({ ...msg, body }), 'ok', '... and with pccx-authd');
	is(await npmVerify({ ...msg, url: url + '/x' }), false,
	    '... and not with another target');
}

await t.close();
done();
