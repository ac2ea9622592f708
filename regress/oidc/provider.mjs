// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The pccx-remote authors
// A real OpenID provider (oidc-provider 9) on loopback HTTPS for the tests.
//
// node provider.mjs DIR REDIRECT_URI [HOST]
//
// DIR holds tls.key and tls.crt (the server's certificate) and the ID
// token signing keys rsa.pem, ec.pem and ed.pem.  One client per
// signing algorithm (rp-rs256, rp-es256, rp-eddsa, and rp-hs256, whose
// tokens are keyed with its secret) shares SECRET and REDIRECT_URI;
// PKCE is required.  The account "alice" (password "wonderland") has
// a verified email, "bob" (password "builder") an unverified one;
// "carol", "dave" and "erin" (password NAME-pw) verified ones.  Prints
// "port N" once it listens on HOST (127.0.0.1 by default; the issuer is
// https://HOST:N) and stops on SIGTERM.  A few /test/ routes misbehave
// on purpose for the transfer tests, and the issuers ISSUER/bad-http
// and ISSUER/bad-pkce publish discovery documents a relying party must
// refuse.

import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import Provider from 'oidc-provider';

const SECRET = 'pccx-test-client-secret-0123456789';
const ACCOUNTS = {
	alice: { password: 'wonderland', email: 'alice@example.com',
		email_verified: true },
	bob: { password: 'builder', email: 'bob@example.com',
		email_verified: false },
	carol: { password: 'carol-pw', email: 'carol@example.com',
		email_verified: true },
	dave: { password: 'dave-pw', email: 'dave@example.com',
		email_verified: true },
	erin: { password: 'erin-pw', email: 'erin@example.com',
		email_verified: true },
};

const [dir, redirect, host = '127.0.0.1'] = process.argv.slice(2);
if (!dir || !redirect) {
	console.error('usage: provider.mjs DIR REDIRECT_URI');
	process.exit(2);
}

function signingKey(file, kid, alg) {
	const jwk = createPrivateKey(readFileSync(`${dir}/${file}`))
	    .export({ format: 'jwk' });
	return { ...jwk, kid, use: 'sig', ...(alg ? { alg } : {}) };
}

function client(id, alg) {
	return {
		client_id: id,
		client_secret: SECRET,
		redirect_uris: [redirect],
		response_types: ['code'],
		grant_types: ['authorization_code'],
		token_endpoint_auth_method: 'client_secret_basic',
		id_token_signed_response_alg: alg,
	};
}

function configuration() {
	return {
		clients: [
			client('rp-rs256', 'RS256'),
			client('rp-es256', 'ES256'),
			client('rp-eddsa', 'EdDSA'),
			client('rp-hs256', 'HS256'),
		],
		jwks: { keys: [
			signingKey('rsa.pem', 'rsa-1', 'RS256'),
			signingKey('ec.pem', 'ec-1', 'ES256'),
			// No "alg": the relying party must infer it from crv.
			signingKey('ed.pem', 'ed-1'),
		] },
		cookies: { keys: ['pccx-test-cookie-key-not-secret'] },
		pkce: { required: () => true },
		// Short-lived ID tokens let a test reach "expired" quickly.
		ttl: { IdToken: 60 },
		claims: { openid: ['sub'], email: ['email', 'email_verified'] },
		features: {
			devInteractions: { enabled: false },
			claimsParameter: { enabled: true },
		},
		enabledJWA: {
			idTokenSigningAlgValues: ['RS256', 'ES256', 'EdDSA',
			    'HS256'],
		},
		interactions: { url: (ctx, i) => `/interaction/${i.uid}` },
		findAccount: (ctx, id) => !Object.hasOwn(ACCOUNTS, id) ?
		    undefined : {
			accountId: id,
			claims: async () => ({ sub: id,
			    email: ACCOUNTS[id].email,
			    email_verified: ACCOUNTS[id].email_verified }),
		},
	};
}

function body(req) {
	return new Promise((resolve, reject) => {
		let s = '';
		req.setEncoding('utf8');
		req.on('data', (c) => {
			s += c;
			if (s.length > 4096)
				req.destroy();
		});
		req.on('end', () => resolve(new URLSearchParams(s)));
		req.on('error', reject);
	});
}

// The login and consent steps, as plain forms a test can drive.
async function interaction(provider, req, res, uid, action) {
	const details = await provider.interactionDetails(req, res);
	const { prompt } = details;

	if (!action) {
		const to = prompt.name === 'login' ? 'login' : 'confirm';
		const target = `/interaction/${uid}/${to}`;

		res.setHeader('Content-Type', 'text/html');
		res.end(`<form method="post" action="${target}">` +
		    `prompt=${prompt.name} action=${target}\n` +
		    '<input name="login"><input name="password"></form>\n');
		return;
	}
	if (action === 'login') {
		const form = await body(req);
		const id = form.get('login');
		if (!Object.hasOwn(ACCOUNTS, id) ||
		    form.get('password') !== ACCOUNTS[id].password) {
			res.statusCode = 403;
			res.end('bad login\n');
			return;
		}
		await provider.interactionFinished(req, res,
		    { login: { accountId: id } },
		    { mergeWithLastSubmission: false });
		return;
	}
	await body(req);
	const { details: d, name } = prompt;
	if (name !== 'consent') {
		res.statusCode = 400;
		res.end('not a consent\n');
		return;
	}
	const grant = details.grantId ?
	    await provider.Grant.find(details.grantId) :
	    new provider.Grant({ accountId: details.session.accountId,
		clientId: details.params.client_id });
	if (d.missingOIDCScope)
		grant.addOIDCScope(d.missingOIDCScope.join(' '));
	if (d.missingOIDCClaims)
		grant.addOIDCClaims(d.missingOIDCClaims);
	const grantId = await grant.save();
	await provider.interactionFinished(req, res, { consent: { grantId } },
	    { mergeWithLastSubmission: true });
}

// A discovery document for issuer ISSUER/name, broken as name says.
function discovery(res, name) {
	const base = `https://${res.req.headers.host}`;
	const doc = {
		issuer: `${base}/${name}`,
		authorization_endpoint: `${base}/auth`,
		token_endpoint: `${base}/token`,
		jwks_uri: `${base}/jwks`,
		code_challenge_methods_supported: ['S256'],
	};

	if (name === 'bad-http')
		doc.token_endpoint = `http://${res.req.headers.host}/token`;
	else
		doc.code_challenge_methods_supported = ['plain'];
	res.setHeader('Content-Type', 'application/json');
	res.end(JSON.stringify(doc));
}

// Answers a well-behaved provider never gives, for the transfer tests.
function misbehave(req, res, path) {
	const big = 'x'.repeat(300 * 1024);
	const m = path.match(
	    /^\/(bad-http|bad-pkce)\/\.well-known\/openid-configuration$/);

	if (m) {
		discovery(res, m[1]);
		return true;
	}
	switch (path) {
	case '/test/redirect':
		res.statusCode = 302;
		res.setHeader('Location', '/.well-known/openid-configuration');
		res.end();
		return true;
	case '/test/big':
		res.setHeader('Content-Type', 'application/json');
		res.setHeader('Content-Length', String(big.length));
		res.end(big);
		return true;
	case '/test/big-chunked':
		res.setHeader('Content-Type', 'application/json');
		for (let i = 0; i < big.length; i += 16384)
			res.write(big.slice(i, i + 16384));
		res.end();
		return true;
	case '/test/slow':
		return true;	// never answered
	default:
		return false;
	}
}

const server = createServer({
	key: readFileSync(`${dir}/tls.key`),
	cert: readFileSync(`${dir}/tls.crt`),
});

server.listen(0, host, () => {
	const { port } = server.address();
	const provider = new Provider(`https://${host}:${port}`,
	    configuration());
	const callback = provider.callback();

	server.on('request', (req, res) => {
		const path = new URL(req.url, 'https://x').pathname;
		const m = path.match(
		    /^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/);

		if (misbehave(req, res, path))
			return;
		if (!m) {
			callback(req, res);
			return;
		}
		interaction(provider, req, res, m[1], m[2]).catch((e) => {
			res.statusCode = 500;
			res.end(`${e.message}\n`);
		});
	});
	console.log(`port ${port}`);
});

process.on('SIGTERM', () => {
	server.closeAllConnections();
	server.close(() => process.exit(0));
});
