// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// Seeds for fuzz_jose: "JWK Set\ncompact JWS" pairs made with jose.
//
// node seeds.mjs DIR

import { mkdirSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });

const now = Math.floor(Date.now() / 1000);
const claims = { sub: 'alice', aud: 'rp', nonce: 'n', iat: now,
	exp: now + 300, email: 'alice@example.com' };
const algs = [['RS256', {}], ['ES256', {}], ['EdDSA', { crv: 'Ed25519' }]];

for (const [alg, opts] of algs) {
	const { publicKey, privateKey } = await generateKeyPair(alg,
	    { ...opts, extractable: true });
	const jwk = { ...(await exportJWK(publicKey)), kid: `k-${alg}`,
		use: 'sig' };
	const jws = await new SignJWT(claims)
	    .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
	    .setIssuer('https://issuer.example')
	    .sign(privateKey);
	writeFileSync(`${dir}/${alg}`,
	    `${JSON.stringify({ keys: [jwk] })}\n${jws}`);
}
// A header that names its own key, and alg none.
writeFileSync(`${dir}/none`, '{"keys":[]}\n' +
    'eyJhbGciOiJub25lIiwiandrIjp7Imt0eSI6Ik9LUCJ9fQ.e30.');
