// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Every token pccx-authd signs verifies with jose; jose's forgeries fail.

import * as jose from 'jose';
import { ok, is, done, tool } from './tool.mjs';

const t = tool(process.argv[2]);
const now = () => Math.floor(Date.now() / 1000);
const { jwks, kid } = await t.call({ op: 'jwks' });
const key = jwks.keys[0];
const pub = await jose.importJWK(key, 'EdDSA');
const opts = { algorithms: ['EdDSA'], issuer: 'pccx-remote' };

is(key.kty + '/' + key.crv, 'OKP/Ed25519', 'the JWKS key is an OKP Ed25519');
is(await jose.calculateJwkThumbprint(key), kid,
    'kid is the RFC 7638 thumbprint jose computes');

// Logins with keys made by jose, and several role maps.
const logins = [
	{ user: 'alice@example.org', device: 'laptop', roles: {} },
	{ user: 'bob', device: 'desk', roles: { npu: 'owner' } },
	{ user: 'carol', device: 'ci', roles: { npu: 'viewer',
	    lab: 'maintainer', 'proj-3': 'owner' } },
	{ user: 'd\u00e9nis', device: 'tablet', roles: { 'é': 'viewer' } },
];
const tokens = [];
for (const l of logins) {
	const { publicKey } = await jose.generateKeyPair('EdDSA',
	    { extractable: true });
	const jwk = await jose.exportJWK(publicKey);
	const r = await t.call({ op: 'issue', ...l, x: jwk.x, now: now() });
	is(r.code, 'ok', `issue for ${l.user}`);
	tokens.push({ ...l, jwk, jwt: r.jwt, sid: r.sid });
}

async function check(tok, gen, what) {
	let res;
	try {
		res = await jose.jwtVerify(tok.jwt, pub, opts);
	} catch (e) {
		ok(false, `${what}: jose verifies`, e.message);
		return;
	}
	ok(true, `${what}: jose verifies`);
	const p = res.payload, h = res.protectedHeader;
	is(JSON.stringify(h), JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid }),
	    `${what}: header is exactly alg, typ, kid`);
	is(p.cnf.jkt, await jose.calculateJwkThumbprint(tok.jwk),
	    `${what}: cnf.jkt is jose's thumbprint of the login key`);
	ok(p.sub === tok.user && p.dev === tok.device && p.sid === tok.sid &&
	    p.gen === gen && JSON.stringify(p.roles) ===
	    JSON.stringify(tok.roles), `${what}: sub, dev, sid, gen, roles`,
	    JSON.stringify(p));
	ok(p.exp - p.iat <= 12 * 3600 && p.iat <= now() + 1 &&
	    typeof p.jti === 'string', `${what}: iat, exp, jti`);
}

for (const tok of tokens)
	await check(tok, 1, tok.user);

// A refreshed token verifies too, and the old one is refused here.
const old = tokens[1].jwt;
const r = await t.call({ op: 'refresh', jwt: old, now: now() });
is(r.code, 'ok', 'refresh');
tokens[1].jwt = r.jwt;
await check(tokens[1], 2, 'refreshed');
is((await t.call({ op: 'verify', jwt: old })).code, 'superseded',
    'the token before a refresh is superseded');
is((await t.call({ op: 'verify', jwt: r.jwt })).code, 'ok',
    'the refreshed token verifies here');

// A bit flipped in the signature: jose and pccx-authd both refuse.
const [h, p, s] = tokens[0].jwt.split('.');
const flipped = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
let refused = false;
try {
	await jose.jwtVerify(flipped, pub, opts);
} catch {
	refused = true;
}
ok(refused, 'jose refuses a token with a flipped signature');
is((await t.call({ op: 'verify', jwt: flipped })).code, 'bad_signature',
    'pccx-authd refuses it too');

// Forgeries made with jose, with the claims of a live session.
const claims = jose.decodeJwt(tokens[0].jwt);
const evil = await jose.generateKeyPair('EdDSA', { extractable: true });
const evilJwk = await jose.exportJWK(evil.publicKey);
const forged = {
	'alg none': new jose.UnsecuredJWT(claims).encode(),
	'HS256 keyed with the public key': await new jose.SignJWT(claims)
	    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
	    .sign(jose.base64url.decode(key.x)),
	'EdDSA with an embedded jwk': await new jose.SignJWT(claims)
	    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid, jwk: evilJwk })
	    .sign(evil.privateKey),
	'EdDSA with jku': await new jose.SignJWT(claims)
	    .setProtectedHeader({ alg: 'EdDSA', kid,
	    jku: 'https://evil.example/jwks' }).sign(evil.privateKey),
	'EdDSA with crit': await new jose.SignJWT(claims)
	    .setProtectedHeader({ alg: 'EdDSA', kid, b64: true,
	    crit: ['b64'] })
	    .sign(evil.privateKey),
	'EdDSA by another key': await new jose.SignJWT(claims)
	    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid })
	    .sign(evil.privateKey),
};
const want = {
	'alg none': 'alg',
	'HS256 keyed with the public key': 'alg',
	'EdDSA with an embedded jwk': 'bad_header',
	'EdDSA with jku': 'bad_header',
	'EdDSA with crit': 'bad_header',
	'EdDSA by another key': 'bad_signature',
};
for (const [name, jwt] of Object.entries(forged))
	is((await t.call({ op: 'verify', jwt })).code, want[name],
	    `forgery refused: ${name}`);

// Revocation: jose still sees a good signature; the table says dead.
is((await t.call({ op: 'revoke', by: 'user', name: 'carol' })).n, 1,
    'revoke carol');
is((await t.call({ op: 'verify', jwt: tokens[2].jwt })).code, 'revoked',
    'a revoked session is refused at once');

// Thumbprints of many keys agree with jose's.
let same = 0;
for (let i = 0; i < 32; i++) {
	const { publicKey } = await jose.generateKeyPair('EdDSA',
	    { extractable: true });
	const jwk = await jose.exportJWK(publicKey);
	const r = await t.call({ op: 'thumbprint', x: jwk.x });
	if (r.jkt === await jose.calculateJwkThumbprint(jwk))
		same++;
}
is(same, 32, 'thumbprints of 32 keys equal jose calculateJwkThumbprint');

await t.close();
done();
